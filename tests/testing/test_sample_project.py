"""The pytest plugin as a user's project meets it (issue 15 item 1): tests/sample_project holds
only a pyproject (its one dependency: userpool) and test files; pytest, run in that folder, gets
the fixtures from the installed package's ``pytest11`` entry point — a real ``userpool serve``
process, a cognito-idp client, the messages it sent — and the unittest example uses
``UserpoolServer`` directly. boto3 is made unimportable: ``pip install userpool`` does not bring it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "sample_project"
PLUGIN = "userpool.testing.pytest_plugin"


def _installed() -> bool:
    """Whether this environment's userpool was installed with the entry point (a venv installed
    before it existed needs ``pip install -e .`` again)."""
    return [e.value for e in entry_points(group="pytest11") if e.name == "userpool"] == [PLUGIN]


def _pytest(where: Path, *args: str, tmp_path: Path,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """pytest in a process of its own, as a user runs it in ``where``: no boto3, no settings of
    this run (PYTEST_*, USERPOOL_*); the plugin through its entry point (``-p`` when this
    environment predates it)."""
    blocked = tmp_path / "no-boto3"
    (blocked / "boto3").mkdir(parents=True, exist_ok=True)
    (blocked / "boto3" / "__init__.py").write_text("raise ImportError('boto3 is not installed')\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "USERPOOL_"))}
    clean["PYTHONPATH"] = os.pathsep.join([str(blocked), *filter(None, [os.environ.get("PYTHONPATH")])])
    plugin = [] if _installed() else ["-p", PLUGIN]
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           *plugin, *args], capture_output=True, text=True, timeout=300, cwd=where,
                          env={**clean, **(env or {})})


def test_the_sample_project_passes_with_the_plugin(tmp_path: Path) -> None:
    done = _pytest(SAMPLE, tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert re.search(r"\b6 passed\b", done.stdout), done.stdout[-2000:]


def test_the_plugin_is_installed_with_the_package() -> None:
    assert f'[project.entry-points.pytest11]\nuserpool = "{PLUGIN}"' in (ROOT / "pyproject.toml").read_text()
    assert _installed(), "this environment's userpool predates the entry point: pip install -e . again"


def test_with_autoloading_off_dash_p_userpool_turns_it_on(tmp_path: Path) -> None:
    if not _installed():
        pytest.skip("-p userpool names the entry point, not installed here (see the test above)")
    done = _pytest(SAMPLE, "-p", "userpool", "-k", "per_test", tmp_path=tmp_path,
                   env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-4000:] + done.stderr[-2000:]
    off = _pytest(SAMPLE, "-p", "no:userpool", "-k", "per_test", tmp_path=tmp_path)
    assert off.returncode != 0 and "fixture 'userpool_messages' not found" in off.stdout, off.stdout[-2000:]


def test_the_readme_example_runs(tmp_path: Path) -> None:
    """The README's "Testing your app with userpool" example, as a project's test file."""
    text = (ROOT / "README.md").read_text()
    start = text.index("\n## Testing your app with userpool\n")
    section = text[start:text.index("\n## ", start + 1)]
    [code] = re.findall(r"^```python\n(.*?)^```$", section, re.S | re.M)
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "test_app.py").write_text(code)
    done = _pytest(tmp_path / "project", tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "passed" in done.stdout and "failed" not in done.stdout


def test_settings_from_the_ini_file_and_a_failing_tests_report(tmp_path: Path) -> None:
    """userpool_args' paths and modules are relative to the ini file wherever pytest runs (a seed
    file, an in-process trigger function of the project); userpool_region sets the region; a
    failing test's report shows what the server logged during that test."""
    project = tmp_path / "app"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\nuserpool_region = "eu-west-1"\nuserpool_args = '
        '["--seed", "seed.json", "--lambda-function", "pre-sign-up=triggers:pre_sign_up"]\n')
    (project / "seed.json").write_text('{"pools": [{"Id": "eu-west-1_Seeded01", "PoolName": "seeded", "LambdaConfig": '
                                       '{"PreSignUp": "arn:aws:lambda:eu-west-1:123456789012:function:pre-sign-up"}, '
                                       '"clients": [{"ClientName": "web", "ClientId": "seededclient1"}]}]}')
    (project / "triggers.py").write_text(
        "def pre_sign_up(event, context):\n"
        "    event['response']['autoConfirmUser'] = True\n"
        "    return event\n")
    (project / "tests" / "test_app.py").write_text(
        "def test_seeded(cognito_idp):\n"
        "    answer = cognito_idp.sign_up(ClientId='seededclient1', Username='ann', Password='Correct-Horse-9')\n"
        "    assert answer['UserConfirmed'] is True\n"
        "\n"
        "def test_fails(cognito_idp):\n"
        "    cognito_idp.list_users(UserPoolId='eu-west-1_Seeded01')\n"
        "    assert False, 'on purpose'\n")
    done = _pytest(project / "tests", tmp_path=tmp_path)
    assert "1 failed, 1 passed" in done.stdout, done.stdout[-4000:] + done.stderr[-2000:]
    report = done.stdout[done.stdout.index("userpool server log"):]
    assert "operation=ListUsers" in report and "operation=SignUp" not in report, report[:2000]
