"""What the directory and auth rooms run on: the store, time, randomness, delivery, triggers.

Built once by the composition root (``bootstrap.py``) from adapters that implement the
``model.ports`` interfaces; tests build it with a SQLite store, a fixed clock and a seeded
random source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from userpool.model.errors import TriggerUnreachable
from userpool.model.ports import (
    Clock,
    CodeEncrypter,
    DeliveryFailed,
    MessageSender,
    Metrics,
    NoMetrics,
    Random,
    Store,
    TriggerInvoker,
)


class NoTriggerRunner:
    """The ``TriggerInvoker`` of a runtime built without one: every invocation is unreachable
    (a pool that names a trigger then answers UnexpectedLambdaException, never skips it)."""

    def invoke(self, function_arn: str, event: Mapping[str, Any], *, timeout: float) -> dict[str, Any]:
        raise TriggerUnreachable("no trigger runner")

    def invoke_event(self, function_arn: str, event: Mapping[str, Any]) -> None:
        raise DeliveryFailed("no trigger runner for the custom sender")


@dataclass(frozen=True)
class Runtime:
    store: Store
    clock: Clock
    random: Random
    sender: MessageSender
    code_pepper: bytes
    region: str = "us-east-1"
    account_id: str = "000000000000"
    triggers: TriggerInvoker = field(default_factory=NoTriggerRunner)
    metrics: Metrics = field(default_factory=NoMetrics)
    #: Encrypts codes for custom sender triggers (KMS + AWS Encryption SDK); None when the server
    #: cannot (the package is not installed), and pools may then not name a custom sender.
    code_encrypter: CodeEncrypter | None = None
