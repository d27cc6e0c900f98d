"""The pytest plugin as a user's project meets it (issue 15 item 1): tests/sample_project holds
only a pyproject and test files; pytest, run in that folder, gets the fixtures from the installed
package's ``pytest11`` entry point — a real ``userpool serve`` process, a boto3 client, the
messages it sent — and the unittest example uses ``UserpoolServer`` directly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "sample_project"


def test_the_sample_project_passes_with_the_plugin(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "USERPOOL_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "--rootdir", str(SAMPLE),
         "-c", str(SAMPLE / "pyproject.toml"), str(SAMPLE)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "4 passed" in done.stdout, done.stdout[-2000:]


def test_the_plugin_is_installed_with_the_package() -> None:
    from importlib.metadata import entry_points

    assert [e.value for e in entry_points(group="pytest11") if e.name == "userpool"] == [
        "userpool.testing.pytest_plugin"]
