"""The README's "Use it" examples run as written (issue 16): each fenced ``python`` and ``sh``
block of that section is extracted and run against a real server (SQLite, started the way
``make serve`` starts it: loopback, no admin credentials). The only change made to the text is
the one a reader makes: the endpoint ``http://127.0.0.1:9229`` becomes this server's URL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.server import Server, running

README = Path(__file__).resolve().parents[2] / "README.md"
DEFAULT_ENDPOINT = "http://127.0.0.1:9229"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)


def use_it_blocks(text: str) -> list[tuple[str, str]]:
    """(language, code) of every fenced block between "## Use it" and the next section."""
    start = text.index("\n## Use it\n")
    end = text.find("\n## ", start + 1)
    return [(m.group(1), m.group(2)) for m in _BLOCK.finditer(text[start:end if end != -1 else None])]


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from running(tmp_path_factory.mktemp("readme-server"))


def test_the_readme_has_both_examples() -> None:
    languages = [language for language, _ in use_it_blocks(README.read_text())]
    assert languages.count("python") >= 1 and languages.count("sh") >= 1, languages


@pytest.mark.parametrize("language", ["python", "sh"])
def test_use_it_examples_run(plain_server: Server, language: str, tmp_path: Path) -> None:
    blocks = [code for lang, code in use_it_blocks(README.read_text()) if lang == language]
    for code in blocks:
        assert DEFAULT_ENDPOINT in code, "the example should name the default endpoint"
        script = code.replace(DEFAULT_ENDPOINT, plain_server.url.rstrip("/"))
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               "HOME": str(tmp_path)}  # no ~/.aws of the machine's user
        command = [sys.executable, "-c", script] if language == "python" else ["bash", "-euo", "pipefail", "-c", script]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
        assert done.returncode == 0, f"README {language} example failed:\n{done.stdout}\n{done.stderr}"
        if language == "python":
            id_token, access_token, kid = done.stdout.split()
            assert id_token.startswith("eyJ") and access_token.startswith("eyJ") and kid
        else:
            assert '"AccessToken": "eyJ' in done.stdout, done.stdout


def test_the_mfa_example_runs(plain_server: Server, tmp_path: Path) -> None:
    """The "Multi-factor sign-in" example: TOTP registered, then required at sign-in."""
    text = README.read_text()
    start = text.index("\n## Multi-factor sign-in\n")
    section = text[start:text.find("\n## ", start + 1)]
    [code] = [m.group(2) for m in _BLOCK.finditer(section) if m.group(1) == "python"]
    script = code.replace(DEFAULT_ENDPOINT, plain_server.url.rstrip("/"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, f"README MFA example failed:\n{done.stdout}\n{done.stderr}"
    assert done.stdout.strip().startswith("eyJ")


def test_the_user_auth_example_runs(plain_server: Server, tmp_path: Path) -> None:
    """The "Choice-based sign-in" example: passwordless sign-up, sign-in from sign-up, an e-mail
    code chosen at SELECT_CHALLENGE, a rotated refresh token."""
    text = README.read_text()
    start = text.index("\n## Choice-based sign-in (USER_AUTH), devices and token rotation\n")
    section = text[start:text.find("\n## ", start + 1)]
    [code] = [m.group(2) for m in _BLOCK.finditer(section) if m.group(1) == "python"]
    assert '"data/outbox.jsonl"' in code
    script = code.replace(DEFAULT_ENDPOINT, plain_server.url.rstrip("/")).replace(
        '"data/outbox.jsonl"', repr(str(plain_server.data_dir / "outbox.jsonl")))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, f"README USER_AUTH example failed:\n{done.stdout}\n{done.stderr}"
    assert done.stdout.split() == ["['EMAIL_OTP']", "True"]
