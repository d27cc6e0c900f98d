"""``cli.worker_app``, the factory each uvicorn worker builds its app with: it pauses the cyclic
garbage collector during the start only, and freezes what the start made."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from userpool.settings import Settings

_PROBE = """
import gc
from userpool.cli import worker_app
app = worker_app()
print(callable(app), gc.isenabled(), gc.get_freeze_count() > 10_000)
"""


def test_worker_app_builds_the_app_and_leaves_the_collector_on(tmp_path: Path) -> None:
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(Settings(data_dir=str(tmp_path)).to_json())
    env = {"USERPOOL_SETTINGS_FILE": str(settings_file), "PATH": "/usr/bin:/bin",
           "PYTHONPATH": os.environ.get("PYTHONPATH", "")}  # a worktree's src, when set
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True", "True"]
