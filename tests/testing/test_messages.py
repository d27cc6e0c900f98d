"""``userpool.testing.Messages``: the outbox as a test reads it — per test (``clear``), across the
outbox's rotation, filtered by user, purpose, address and pool, waiting for a message."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from userpool.delivery.outbox import OutboxSender
from userpool.model.entities import Message as Sent
from userpool.testing import Messages


def _sent(username: str, purpose: str, code: str | None = "123456", *, to: str = "x@example.com",
          pool: str = "us-east-1_Pool") -> Sent:
    return Sent(pool_id=pool, username=username, medium="SMS" if to.startswith("+") else "EMAIL",
                destination=to, purpose=purpose, body=f"code {code}", code=code)


def test_clear_hides_what_was_sent_before_even_across_rotation(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    sender = OutboxSender(str(path), max_bytes=600)
    messages = Messages(path)
    assert messages.all() == []
    sender.send(_sent("old", "SIGN_UP"))
    messages.clear()
    assert messages.all() == []
    for n in range(6):  # several rotations of a 600-byte outbox
        sender.send(_sent(f"new-{n}", "SIGN_UP"))
    assert Path(str(path) + ".1").exists()
    assert "old" not in [m.username for m in messages.all()]
    assert messages.last().username == "new-5"


def test_filters(tmp_path: Path) -> None:
    sender = OutboxSender(str(tmp_path / "outbox.jsonl"))
    messages = Messages(tmp_path / "outbox.jsonl")
    sender.send(_sent("ann", "SIGN_UP", "111111"))
    sender.send(_sent("ann", "MFA_SMS_MFA", "222222", to="+15555550100"))
    sender.send(_sent("ann", "MFA_EMAIL_OTP", "333333", pool="us-east-1_Other"))
    sender.send(_sent("bob", "VERIFY_PHONE_NUMBER", "444444", to="+15555550100"))
    sender.send(_sent("bob", "ADMIN_CREATE_USER", "Temp-Pass-1"))
    assert messages.last_code("ann", "SIGN_UP") == "111111"
    assert messages.last_code("ann", "MFA") == "333333"  # every MFA_* code
    assert messages.last_code("ann", "MFA", pool_id="us-east-1_Pool") == "222222"
    assert messages.last_code("ann", "MFA_SMS_MFA") == "222222"
    assert messages.last_code(purpose="VERIFY") == "444444"
    assert messages.last_code("bob", "ADMIN_CREATE_USER") == "Temp-Pass-1"
    assert [m.code for m in messages.to("+15555550100")] == ["222222", "444444"]
    assert messages.last(destination="+15555550100").medium == "SMS"
    with pytest.raises(AssertionError, match=r"sent: SIGN_UP to x@example.com \(ann\)"):
        messages.last("ann", "SIGN_U", timeout=0)  # a purpose or its first words, not any prefix


def test_last_waits_for_a_message_and_fails_when_none_comes(tmp_path: Path) -> None:
    sender = OutboxSender(str(tmp_path / "outbox.jsonl"))
    messages = Messages(tmp_path / "outbox.jsonl")
    late = threading.Timer(0.3, sender.send, [_sent("cy", "FORGOT_PASSWORD", "555555")])
    late.start()
    try:
        assert messages.last_code("cy", "FORGOT_PASSWORD", timeout=10) == "555555"
    finally:
        late.join()
    with pytest.raises(AssertionError, match="no message with username='cy' purpose='SIGN_UP'"):
        messages.last_code("cy", "SIGN_UP", timeout=0.2)
    sender.send(_sent("dee", "SIGN_UP", None))
    with pytest.raises(AssertionError, match="carries no code"):
        messages.last_code("dee")
