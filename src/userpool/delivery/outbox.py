"""The development outbox: every message (with its code) appended as one JSON line to a
file in the data directory, where tests and ``userpool outbox`` read it. Several worker
processes append safely (an exclusive ``flock`` around each write).
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
from collections.abc import Iterator
from typing import Any

from userpool.model.entities import Message


class OutboxSender:
    """Implements ``MessageSender`` for development and tests (no real delivery)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def send(self, message: Message) -> None:
        line = json.dumps(dataclasses.asdict(message), ensure_ascii=False) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line.encode())
        finally:
            os.close(fd)


def read_outbox(path: str) -> Iterator[dict[str, Any]]:
    """Messages oldest first; a missing file is an empty outbox."""
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)
    except FileNotFoundError:
        return
