"""The SMTP sender against a real SMTP server (aiosmtpd): headers from the pool's
EmailConfiguration or the server default, HTML as multipart/alternative, STARTTLS and implicit
TLS with login, and every failure as DeliveryFailed without the body."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.delivery.receivers import SmtpReceiver, free_port, self_signed, smtp_receiver
from userpool.delivery.smtp import COGNITO_DEFAULT_FROM, SmtpSender
from userpool.model.entities import Message
from userpool.model.ports import DeliveryFailed

LOGIN = ("relay-user", "relay-pass")


def _mail(**fields: object) -> Message:
    values: dict[str, object] = {
        "pool_id": "us-east-1_Pool", "username": "jane", "medium": "EMAIL", "destination": "jane@example.com",
        "purpose": "SIGN_UP", "body": "Your verification code is 123456. ", "subject": "Your verification code",
        "code": "123456", "created": 1_700_000_000.0,
    }
    values.update(fields)
    return Message(**values)  # type: ignore[arg-type]


@pytest.fixture
def plain() -> Iterator[SmtpReceiver]:
    yield from smtp_receiver()


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path)


def _server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def _client_context(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


def test_plain_text_mail_with_the_server_default_sender(plain: SmtpReceiver) -> None:
    SmtpSender("127.0.0.1", plain.port, security="none").send(_mail())
    got = plain.wait_for("jane@example.com")
    assert got.mail_from == COGNITO_DEFAULT_FROM
    assert got.message["From"] == COGNITO_DEFAULT_FROM and got.message["To"] == "jane@example.com"
    assert got.message["Subject"] == "Your verification code" and got.message["Reply-To"] is None
    assert got.message.get_content_type() == "text/plain"
    assert got.part("plain").strip() == "Your verification code is 123456."


def test_pool_from_and_reply_to(plain: SmtpReceiver) -> None:
    sender = SmtpSender("127.0.0.1", plain.port, security="none", default_from="ops@server.example")
    sender.send(_mail(email_from="Example App <no-reply@app.example>", reply_to="help@app.example"))
    got = plain.wait_for("jane@example.com")
    assert got.mail_from == "no-reply@app.example"  # the envelope sender is the address only
    assert got.message["From"] == "Example App <no-reply@app.example>"
    assert got.message["Reply-To"] == "help@app.example"
    assert got.message["Message-ID"].endswith("@app.example>")


def test_html_goes_with_a_plain_text_alternative(plain: SmtpReceiver) -> None:
    html = "<p>Your code is <b>&lt;1&amp;2&gt;</b></p>"
    SmtpSender("127.0.0.1", plain.port, security="none").send(
        _mail(body=html, html=True, text="Your code is <1&2>"))
    got = plain.wait_for("jane@example.com")
    assert got.message.get_content_type() == "multipart/alternative"
    assert got.part("html").strip() == html
    assert got.part("plain").strip() == "Your code is <1&2>"


def test_starttls_with_login(tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    with _running(SmtpReceiver(starttls=_server_context(cert, key), login=LOGIN)) as receiver:
        SmtpSender("127.0.0.1", receiver.port, security="starttls", username=LOGIN[0], password=LOGIN[1],
                   ssl_context=_client_context(cert)).send(_mail())
        assert receiver.wait_for("jane@example.com").part("plain").startswith("Your verification code")
        wrong = SmtpSender("127.0.0.1", receiver.port, security="starttls", username=LOGIN[0], password="nope",
                           ssl_context=_client_context(cert))
        with pytest.raises(DeliveryFailed, match="answered 535"):
            wrong.send(_mail())


def test_implicit_tls(tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    with _running(SmtpReceiver(implicit_tls=_server_context(cert, key))) as receiver:
        SmtpSender("127.0.0.1", receiver.port, security="tls", ssl_context=_client_context(cert)).send(_mail())
        assert receiver.wait_for("jane@example.com").message["Subject"] == "Your verification code"
        # A certificate the client does not trust is a failure, not a silent downgrade.
        with pytest.raises(DeliveryFailed, match="SSLCertVerificationError"):
            SmtpSender("127.0.0.1", receiver.port, security="tls").send(_mail())


def test_starttls_refused_by_a_server_without_it(plain: SmtpReceiver) -> None:
    with pytest.raises(DeliveryFailed, match="SMTPNotSupportedError"):
        SmtpSender("127.0.0.1", plain.port, security="starttls").send(_mail())
    assert plain.received == []


def test_refusals_and_unreachable_servers_fail_without_the_body(plain: SmtpReceiver) -> None:
    plain.handler.refuse_with = "451 4.3.0 Try again later"
    with pytest.raises(DeliveryFailed) as info:
        SmtpSender("127.0.0.1", plain.port, security="none").send(_mail())
    assert info.value.medium == "EMAIL" and "451" in info.value.reason and "123456" not in str(info.value)
    with pytest.raises(DeliveryFailed, match="ConnectionRefusedError"):
        SmtpSender("127.0.0.1", free_port(), security="none", timeout=2).send(_mail())


def test_header_injection_is_refused(plain: SmtpReceiver) -> None:
    with pytest.raises(DeliveryFailed):
        SmtpSender("127.0.0.1", plain.port, security="none").send(
            _mail(subject="hello\r\nBcc: victim@example.com"))
    assert plain.received == []


class _running:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self.receiver = receiver

    def __enter__(self) -> SmtpReceiver:
        return self.receiver.start()

    def __exit__(self, *exc: object) -> None:
        self.receiver.stop()
