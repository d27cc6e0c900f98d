"""Chooses the sender of each message by its medium: e-mail and SMS may go different ways
(``--email-delivery``, ``--sms-delivery``). Every message that leaves goes through here, so this
is where a delivered code is counted (``userpool_codes_sent_total{medium}``)."""

from __future__ import annotations

from userpool.model.entities import Message
from userpool.model.ports import DeliveryFailed, MessageSender, Metrics, NoMetrics


class MediumRouter:
    """Implements ``MessageSender`` by handing EMAIL messages to one sender and SMS to another;
    a message its sender accepted is counted in ``metrics`` by medium."""

    def __init__(self, email: MessageSender, sms: MessageSender, metrics: Metrics | None = None) -> None:
        self.email = email
        self.sms = sms
        self.metrics: Metrics = metrics or NoMetrics()

    def send(self, message: Message) -> None:
        if message.medium == "EMAIL":
            self.email.send(message)
        elif message.medium == "SMS":
            self.sms.send(message)
        else:
            raise DeliveryFailed("no sender for this medium", medium=message.medium)
        self.metrics.code_sent(message.medium)
