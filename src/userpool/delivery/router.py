"""Chooses the sender of each message by its medium: e-mail and SMS may go different ways
(``--email-delivery``, ``--sms-delivery``)."""

from __future__ import annotations

from userpool.model.entities import Message
from userpool.model.ports import DeliveryFailed, MessageSender


class MediumRouter:
    """Implements ``MessageSender`` by handing EMAIL messages to one sender and SMS to another."""

    def __init__(self, email: MessageSender, sms: MessageSender) -> None:
        self.email = email
        self.sms = sms

    def send(self, message: Message) -> None:
        if message.medium == "EMAIL":
            self.email.send(message)
        elif message.medium == "SMS":
            self.sms.send(message)
        else:
            raise DeliveryFailed("no sender for this medium", medium=message.medium)
