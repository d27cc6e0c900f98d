"""``MediumRouter`` counts a message once its sender took it, by medium."""

from __future__ import annotations

import pytest

from tests.observability.recording import RecordingMetrics
from userpool.delivery.router import MediumRouter
from userpool.model.entities import Message
from userpool.model.ports import DeliveryFailed


class Sender:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        if self.fail:
            raise DeliveryFailed("refused", medium=message.medium)
        self.sent.append(message)


def message(medium: str) -> Message:
    return Message(pool_id="us-east-1_P", username="u", medium=medium, destination="x", purpose="SIGN_UP",
                   body="Your code is 123456", code="123456")


def test_delivered_messages_are_counted_by_medium() -> None:
    metrics = RecordingMetrics()
    email, sms = Sender(), Sender(fail=True)
    router = MediumRouter(email=email, sms=sms, metrics=metrics)
    router.send(message("EMAIL"))
    router.send(message("EMAIL"))
    with pytest.raises(DeliveryFailed):
        router.send(message("SMS"))
    with pytest.raises(DeliveryFailed):
        router.send(message("PIGEON"))
    assert len(email.sent) == 2
    assert metrics.calls == {("code_sent", "EMAIL"): 2}
