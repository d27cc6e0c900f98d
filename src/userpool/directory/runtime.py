"""What the directory and auth rooms run on: the store, time, randomness, delivery.

Built once by the composition root (``bootstrap.py``) from adapters that implement the
``model.ports`` interfaces; tests build it with a SQLite store, a fixed clock and a seeded
random source.
"""

from __future__ import annotations

from dataclasses import dataclass

from userpool.model.ports import Clock, MessageSender, Random, Store


@dataclass(frozen=True)
class Runtime:
    store: Store
    clock: Clock
    random: Random
    sender: MessageSender
    code_pepper: bytes
    region: str = "us-east-1"
    account_id: str = "000000000000"
