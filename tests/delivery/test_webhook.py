"""The webhook sender against a real HTTP listener: the JSON it posts, the signature a receiver
verifies, retries with back-off on connection errors, 5xx and 429 within the time budget, no
retry on other 4xx, and a receiver that stays down."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.delivery.receivers import HttpReceiver, free_port, http_receiver
from userpool.delivery.webhook import MESSAGE_ID_HEADER, SIGNATURE_HEADER, WebhookSender, signature, verify_signature
from userpool.model.entities import Message
from userpool.model.ports import DeliveryFailed

SECRET = b"whsec-test-0123456789"


def _sms(**fields: object) -> Message:
    values: dict[str, object] = {
        "pool_id": "us-east-1_Pool", "username": "sam", "medium": "SMS", "destination": "+15555550100",
        "purpose": "SIGN_UP", "body": "Your verification code is 654321. ", "code": "654321",
        "created": 1_700_000_000.0,
    }
    values.update(fields)
    return Message(**values)  # type: ignore[arg-type]


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    yield from http_receiver()


def _sender(url: str, **options: float) -> WebhookSender:
    return WebhookSender(url + "/hooks/sms?v=1", SECRET, **options)  # type: ignore[arg-type]


def test_posts_signed_json(receiver: HttpReceiver) -> None:
    _sender(receiver.url).send(_sms())
    (hit,) = receiver.hits
    assert hit.path == "/hooks/sms?v=1" and hit.headers["content-type"].startswith("application/json")
    assert verify_signature(SECRET, hit.headers[SIGNATURE_HEADER.lower()], hit.body, time.time())
    document = json.loads(hit.body)
    assert document == {
        "id": hit.headers[MESSAGE_ID_HEADER.lower()], "medium": "SMS", "destination": "+15555550100",
        "subject": None, "body": "Your verification code is 654321. ", "html": False, "text": None,
        "from": None, "replyTo": None, "purpose": "SIGN_UP", "poolId": "us-east-1_Pool", "username": "sam",
        "createdAt": 1_700_000_000,
    }


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    body = b'{"a":1}'
    expected = hmac.new(SECRET, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature(SECRET, 1_700_000_000, body) == f"t=1700000000,v1={expected}"
    header = signature(SECRET, 1_700_000_000, body)
    assert verify_signature(SECRET, header, body, 1_700_000_100)
    assert not verify_signature(SECRET, header, body + b" ", 1_700_000_100)  # a changed body
    assert not verify_signature(b"another secret", header, body, 1_700_000_100)
    assert not verify_signature(SECRET, header, body, 1_700_000_301)  # replayed too late
    assert not verify_signature(SECRET, "t=abc,v1=00", body, 1_700_000_000)
    assert not verify_signature(SECRET, "", body, 1_700_000_000)


def test_5xx_and_429_are_retried_with_the_same_id(receiver: HttpReceiver) -> None:
    receiver.answer(500, 503)
    receiver.script.insert(2, (429, {"Retry-After": "0"}, b"{}"))
    _sender(receiver.url, max_time=10).send(_sms())
    assert len(receiver.hits) == 4  # 500, 503, 429, then 200
    assert len({hit.headers[MESSAGE_ID_HEADER.lower()] for hit in receiver.hits}) == 1
    assert all(verify_signature(SECRET, h.headers[SIGNATURE_HEADER.lower()], h.body, time.time())
               for h in receiver.hits)
    gaps = [b.at - a.at for a, b in zip(receiver.hits, receiver.hits[1:], strict=False)]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.45  # 0.25 s, then 0.5 s of back-off


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422, 301])
def test_other_answers_are_final(receiver: HttpReceiver, status: int) -> None:
    receiver.answer(status)
    with pytest.raises(DeliveryFailed, match=f"HTTP {status}"):
        _sender(receiver.url).send(_sms())
    assert len(receiver.hits) == 1


def test_a_receiver_that_stays_down_fails_within_the_budget() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(DeliveryFailed) as info:
        _sender(url, max_time=1.5, timeout=0.5).send(_sms())
    elapsed = time.monotonic() - started
    assert 0.7 <= elapsed <= 3.0, elapsed  # retried (0.25 + 0.5 s ...), stopped near the 1.5 s budget (margin: CI load)
    assert info.value.medium == "SMS" and "ConnectionRefusedError" in info.value.reason
    assert "654321" not in str(info.value)


def test_a_receiver_that_answers_500_forever(receiver: HttpReceiver) -> None:
    receiver.default = (500, {}, b"{}")
    started = time.monotonic()
    with pytest.raises(DeliveryFailed, match="HTTP 500 after"):
        _sender(receiver.url, max_time=1.2).send(_sms())
    assert time.monotonic() - started <= 1.7
    assert 2 <= len(receiver.hits) <= 4


def test_a_slow_receiver_times_out_and_is_retried(receiver: HttpReceiver) -> None:
    receiver.delay = 0.6
    with pytest.raises(DeliveryFailed, match=r"TimeoutError|timeout"):
        _sender(receiver.url, timeout=0.2, max_time=0.8).send(_sms())
    assert len(receiver.hits) >= 2


def test_a_retry_after_longer_than_the_budget_stops_at_once(receiver: HttpReceiver) -> None:
    receiver.script = [(429, {"Retry-After": "60"}, b"{}")]
    started = time.monotonic()
    with pytest.raises(DeliveryFailed, match="HTTP 429"):
        _sender(receiver.url, max_time=5).send(_sms())
    assert time.monotonic() - started < 1 and len(receiver.hits) == 1


def test_configuration_errors() -> None:
    with pytest.raises(ValueError, match="http"):
        WebhookSender("ftp://example.com/x", SECRET)
    with pytest.raises(ValueError, match="user:password"):
        WebhookSender("https://user:pw@example.com/x", SECRET)
    with pytest.raises(ValueError, match="secret"):
        WebhookSender("https://example.com/x", b"")


def test_failures_name_the_host_not_the_path(receiver: HttpReceiver) -> None:
    receiver.answer(404)
    with pytest.raises(DeliveryFailed) as info:
        WebhookSender(receiver.url + "/hooks/T0K3N?key=s3cret", SECRET).send(_sms())
    assert info.value.reason == f"webhook {receiver.url} answered HTTP 404"
