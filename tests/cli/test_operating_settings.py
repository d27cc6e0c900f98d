"""``--metrics``, ``--log-format`` and their ``USERPOOL_*`` equivalents (settings.py, cli.py,
bootstrap.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from userpool import cli
from userpool.bootstrap import build_services, metrics_for, metrics_page
from userpool.model.ports import NoMetrics
from userpool.observability.prometheus import PrometheusMetrics
from userpool.settings import Settings, from_environment


def parse(*argv: str) -> Settings:
    parser = argparse.ArgumentParser()
    cli._serve_parser(parser.add_subparsers(dest="command"))
    return cli.settings_from(parser.parse_args(["serve", *argv]))


def test_flags_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("USERPOOL_METRICS", raising=False)
    monkeypatch.delenv("USERPOOL_LOG_FORMAT", raising=False)
    assert (parse().metrics, parse().log_format) == ("on", "text")
    settings = parse("--metrics", "off", "--log-format", "json")
    assert (settings.metrics, settings.log_format) == ("off", "json")
    assert Settings.from_json(settings.to_json()) == settings
    assert from_environment({"USERPOOL_METRICS": "off", "USERPOOL_LOG_FORMAT": "json"}) == {
        "metrics": "off", "log_format": "json"}
    with pytest.raises(SystemExit):
        parse("--log-format", "xml")


def test_metrics_on_count_for_every_room(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=str(tmp_path)))
    try:
        metrics = services.rt.metrics
        assert isinstance(metrics, PrometheusMetrics)
        assert metrics_page(metrics) == metrics.page
        assert services.rt.store._metrics is metrics  # type: ignore[attr-defined]
        assert services.rt.sender.metrics is metrics  # type: ignore[attr-defined]
    finally:
        services.rt.store.close()
    assert isinstance(metrics_for(Settings(metrics="off")), NoMetrics)
    assert metrics_page(NoMetrics()) is None


@pytest.mark.parametrize(("given", "message"), [
    ({"log_format": "xml"}, "--log-format must be text or json"),
    ({"log_level": "loud"}, "--log-level must be one of"),
    ({"metrics": "maybe"}, "--metrics must be on or off"),
])
def test_serve_refuses_a_mistyped_setting_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given: dict[str, str], message: str,
) -> None:
    assert cli.serve(Settings(data_dir=str(tmp_path), **given)) == 2  # type: ignore[arg-type]
    assert message in capsys.readouterr().err
