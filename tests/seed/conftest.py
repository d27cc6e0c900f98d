"""A store of its own per test: SQLite in a temporary directory, a fixed clock, seeded randomness."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.auth.conftest import FakeClock, SeededRandom
from userpool.crypto.sealing import AesGcmSecretBox
from userpool.directory.runtime import Runtime
from userpool.storage import open_store


class Store:
    """A runtime on a store: SQLite at ``path``, or the database at ``url``; ``seed`` seeds its randomness."""

    def __init__(self, path: Path, url: str | None = None, seed: int = 2) -> None:
        self.rt = Runtime(store=open_store(url or f"sqlite:///{path}",
                                           AesGcmSecretBox(b"\x01" * 32, SeededRandom(1).bytes)),
                          clock=FakeClock(), random=SeededRandom(seed), sender=None,  # type: ignore[arg-type]
                          code_pepper=b"\x02" * 32)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    made = Store(tmp_path / "seed.db")
    yield made
    made.rt.store.close()
