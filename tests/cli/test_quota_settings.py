"""``--quotas`` / ``--quota`` and their ``USERPOOL_*`` equivalents (settings.py, cli.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from userpool import cli
from userpool.bootstrap import quota_gate
from userpool.settings import Settings, from_environment


def parse(*argv: str) -> Settings:
    parser = argparse.ArgumentParser()
    cli._serve_parser(parser.add_subparsers(dest="command"))
    return cli.settings_from(parser.parse_args(["serve", *argv]))


def test_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("USERPOOL_QUOTA", raising=False)
    monkeypatch.delenv("USERPOOL_QUOTAS", raising=False)
    assert parse().quotas == "on" and parse().quota == ()
    settings = parse("--quota", "UserAuthentication=2", "--quota", "UserList=5/10", "--quotas", "off")
    assert settings.quota == ("UserAuthentication=2", "UserList=5/10") and settings.quotas == "off"
    assert Settings.from_json(settings.to_json()) == settings


def test_environment() -> None:
    env = {"USERPOOL_QUOTAS": "off", "USERPOOL_QUOTA": "UserAuthentication=2/4, UserList=5"}
    assert from_environment(env) == {"quotas": "off", "quota": ("UserAuthentication=2/4", "UserList=5")}


def test_the_gate_is_built_from_settings(tmp_path: Path) -> None:
    assert quota_gate(Settings(data_dir=str(tmp_path), quotas="off")) is None
    assert quota_gate(Settings(data_dir=str(tmp_path))) is not None
    assert (tmp_path / "rate-buckets.bin").exists()
    with pytest.raises(ValueError):
        quota_gate(Settings(data_dir=str(tmp_path), quota=("UserAuth=3",)))


@pytest.mark.parametrize(
    ("given", "message"),
    [({"quota": ("UserAuthentication=lots",)}, "RATE or RATE/BURST"), ({"quota": ("UserAuth=3",)}, "CATEGORY="),
     ({"quotas": "maybe"}, "--quotas must be on or off")],
)
def test_serve_refuses_a_mistyped_quota_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given: dict[str, object], message: str,
) -> None:
    assert cli.serve(Settings(data_dir=str(tmp_path), **given)) == 2  # type: ignore[arg-type]
    assert message in capsys.readouterr().err
