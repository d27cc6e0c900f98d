"""Delivery configuration (issue 11 item 4): flags and USERPOOL_* variables, secrets read from
files, and the start-time refusals of bad combinations with a clear message (exit 2)."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from typing import Any

import pytest

from userpool.bootstrap import message_sender
from userpool.cli import _serve_parser, main, settings_from
from userpool.delivery.router import MediumRouter
from userpool.delivery.smtp import SmtpSender
from userpool.delivery.webhook import WebhookSender
from userpool.settings import Settings, from_environment


def _parse(*argv: str) -> Settings:
    parser = argparse.ArgumentParser()
    _serve_parser(parser.add_subparsers(dest="command"))
    return settings_from(parser.parse_args(["serve", *argv]))


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("USERPOOL_"):
            monkeypatch.delenv(name)


def test_flags_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USERPOOL_WEBHOOK_MAX_TIME", "2.5")
    monkeypatch.setenv("USERPOOL_SMTP_PORT", "2525")
    monkeypatch.setenv("USERPOOL_SMTP_PASSWORD", "from-env")
    settings = _parse("--email-delivery", "smtp", "--smtp-host", "mail.example", "--smtp-user", "u",
                      "--sms-delivery", "webhook", "--webhook-url", "https://sms.example/hook",
                      "--webhook-timeout", "1")
    assert (settings.email_delivery, settings.sms_delivery) == ("smtp", "webhook")
    assert (settings.smtp_port, settings.smtp_password, settings.smtp_security) == (2525, "from-env", "starttls")
    assert (settings.webhook_timeout, settings.webhook_max_time) == (1.0, 2.5)
    assert Settings.from_json(settings.to_json()) == settings
    assert from_environment({"USERPOOL_SMTP_TIMEOUT": "4"}) == {"smtp_timeout": 4.0}


def test_secret_files_are_read_at_start(tmp_path: Path) -> None:
    (tmp_path / "smtp").write_text("s3cret\n")
    (tmp_path / "hook").write_text("whsec-abc")
    settings = Settings(smtp_password_file=str(tmp_path / "smtp"), webhook_secret_file=str(tmp_path / "hook"))
    read = settings.read_secret_files()
    assert (read.smtp_password, read.webhook_secret) == ("s3cret", "whsec-abc")
    assert read.smtp_password_file is None and read.webhook_secret_file is None
    with pytest.raises(OSError):
        Settings(webhook_secret_file=str(tmp_path / "missing")).read_secret_files()


SMTP = {"email_delivery": "smtp", "smtp_host": "mail.example"}
HOOK = {"sms_delivery": "webhook", "webhook_url": "https://sms.example/hook", "webhook_secret": "k"}


@pytest.mark.parametrize(("values", "message"), [
    ({"email_delivery": "pigeon"}, "--email-delivery must be one of outbox, smtp, webhook, ses"),
    ({"sms_delivery": "smtp"}, "--sms-delivery must be one of outbox, webhook, sns"),
    ({"email_delivery": "smtp"}, "--email-delivery smtp needs --smtp-host"),
    ({**SMTP, "smtp_security": "ssl"}, "--smtp-security must be one of starttls, tls, none"),
    ({**SMTP, "smtp_port": 70000}, "--smtp-port must be 1-65535"),
    ({**SMTP, "smtp_user": "u"}, "SMTP login needs both --smtp-user and a password"),
    ({**SMTP, "smtp_password": "p"}, "SMTP login needs both --smtp-user and a password"),
    ({**SMTP, "smtp_user": "u", "smtp_password": "p", "smtp_security": "none"},
     "refusing to send the SMTP password in clear to mail.example"),
    ({**SMTP, "smtp_timeout": 0}, "--smtp-timeout must be a positive number"),
    ({"smtp_host": "mail.example"}, "--smtp-host is set but --email-delivery is not smtp"),
    ({"sms_delivery": "webhook"}, "webhook delivery needs --webhook-url"),
    ({**HOOK, "webhook_url": "ftp://sms.example"}, "webhook delivery needs --webhook-url"),
    ({**HOOK, "webhook_url": "https://u:p@sms.example/x"}, "webhook delivery needs --webhook-url"),
    ({**HOOK, "webhook_secret": None}, "webhook delivery needs a signing secret"),
    ({**HOOK, "webhook_max_time": 0}, "--webhook-timeout and --webhook-max-time must be positive"),
    ({"webhook_url": "https://sms.example/hook"}, "--webhook-url is set but neither"),
])
def test_bad_combinations_are_refused(values: dict[str, Any], message: str) -> None:
    refusal = Settings(**values).delivery_refusal()
    assert refusal is not None and refusal.startswith(message), refusal


def test_good_combinations() -> None:
    assert Settings().delivery_refusal() is None
    assert Settings(**SMTP, **HOOK).delivery_refusal() is None
    assert Settings(email_delivery="smtp", smtp_user="u", smtp_password="p", smtp_security="none",
                    smtp_host="127.0.0.1").delivery_refusal() is None  # clear text on loopback only
    assert Settings(**{**HOOK, "email_delivery": "webhook"}).delivery_refusal() is None


def test_aws_senders_need_boto3(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "boto3" else real(name, *a))
    assert Settings(email_delivery="ses").delivery_refusal() == (
        "--email-delivery ses needs boto3, which is not installed: pip install 'userpool[aws]'")
    assert Settings(sms_delivery="sns").delivery_refusal() == (
        "--sms-delivery sns needs boto3, which is not installed: pip install 'userpool[aws]'")


def test_serve_exits_2_with_the_reason(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["serve", "--data-dir", str(tmp_path), "--email-delivery", "smtp"]) == 2
    assert "userpool: --email-delivery smtp needs --smtp-host" in capsys.readouterr().err
    assert main(["serve", "--data-dir", str(tmp_path), "--sms-delivery", "webhook", "--webhook-url",
                 "http://127.0.0.1:1/x", "--webhook-secret-file", str(tmp_path / "missing")]) == 2
    assert "missing" in capsys.readouterr().err


def test_serve_help_documents_delivery(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    help_text = capsys.readouterr().out
    for flag in ("--email-delivery", "--sms-delivery", "--smtp-host", "--smtp-security", "--smtp-password-file",
                 "--smtp-from", "--webhook-url", "--webhook-secret-file", "--webhook-max-time", "--ses-region",
                 "--sns-region", "USERPOOL_WEBHOOK_SECRET"):
        assert flag in help_text, flag


def test_senders_are_built_per_medium(tmp_path: Path) -> None:
    sender = message_sender(Settings(data_dir=str(tmp_path), **SMTP, **HOOK))
    assert isinstance(sender, MediumRouter)
    assert isinstance(sender.email, SmtpSender) and isinstance(sender.sms, WebhookSender)
    assert sender.email.port == 587 and sender.email.default_from == "no-reply@verificationemail.com"


def test_the_banner_names_no_secret() -> None:
    settings = Settings(**SMTP, **{**HOOK, "webhook_url": "https://sms.example:8443/hooks/T0K3N?key=s3cret"})
    assert settings.delivery_summary() == (
        "e-mail -> smtp mail.example:587 (starttls); SMS -> webhook https://sms.example:8443")
