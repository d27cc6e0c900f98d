"""The shared rate table (``storage/rate_table.py``): buckets by key, shared between processes."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from userpool.model.rate_bucket import Quota
from userpool.storage.rate_table import RateTable


class FakeClock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.t = now

    def now(self) -> float:
        return self.t


def test_a_bucket_empties_and_refills(tmp_path: Path) -> None:
    clock = FakeClock()
    table = RateTable(str(tmp_path / "rates"), clock, slots=64)
    quota = Quota(rate=2, burst=2)
    assert [table.admit("pool-a", quota) for _ in range(3)] == [True, True, False]
    assert table.admit("pool-b", quota), "another key has its own bucket"
    clock.t += 0.5
    assert [table.admit("pool-a", quota) for _ in range(2)] == [True, False]


def test_two_openers_of_one_file_share_the_buckets(tmp_path: Path) -> None:
    clock = FakeClock()
    first = RateTable(str(tmp_path / "rates"), clock, slots=64)
    second = RateTable(str(tmp_path / "rates"), clock, slots=64)
    quota = Quota(rate=1, burst=3)
    assert first.admit("k", quota) and second.admit("k", quota) and first.admit("k", quota)
    assert not second.admit("k", quota)


def test_refilled_slots_are_reused_so_the_table_stays_bounded(tmp_path: Path) -> None:
    clock = FakeClock()
    table = RateTable(str(tmp_path / "rates"), clock, slots=16)
    quota = Quota(rate=10, burst=1)
    for second in range(50):
        clock.t = 1_000.0 + second
        for n in range(16):  # 800 distinct keys over time through 16 slots
            assert table.admit(f"key-{second}-{n}", quota)
    assert (tmp_path / "rates").stat().st_size == 32 + 16 * 24


def test_a_table_full_of_busy_buckets_refuses_fail_closed(tmp_path: Path) -> None:
    clock = FakeClock()
    table = RateTable(str(tmp_path / "rates"), clock, slots=16)
    quota = Quota(rate=1, burst=5)
    assert all(table.admit(f"busy-{n}", quota) for n in range(16))
    assert not table.admit("one-more", quota)
    clock.t += 1.0  # every bucket is full again: its slot is free
    assert table.admit("one-more", quota)


def test_a_foreign_or_resized_file_starts_empty(tmp_path: Path) -> None:
    path = tmp_path / "rates"
    path.write_bytes(b"garbage" * 10)
    clock = FakeClock()
    quota = Quota(rate=1, burst=1)
    table = RateTable(str(path), clock, slots=32)
    assert table.admit("k", quota) and not table.admit("k", quota)
    table.close()
    resized = RateTable(str(path), clock, slots=64)
    assert resized.admit("k", quota)


def test_slots_depend_on_a_random_salt_kept_in_the_file(tmp_path: Path) -> None:
    """Client IDs cannot be chosen offline to crowd one probe window: the digest is keyed."""
    clock = FakeClock()
    one = RateTable(str(tmp_path / "one"), clock, slots=16)
    again = RateTable(str(tmp_path / "one"), clock, slots=16)
    other = RateTable(str(tmp_path / "other"), clock, slots=16)
    assert one._salt == again._salt != other._salt
    assert len(one._salt) == 16


def test_the_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    RateTable(str(tmp_path / "rates"), FakeClock(), slots=16)
    assert (tmp_path / "rates").stat().st_mode & 0o077 == 0


def _hammer(path: str, count: int, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    table = RateTable(path, FakeClock(), slots=64)
    results.put(sum(table.admit("shared", Quota(rate=1e-6, burst=100)) for _ in range(count)))


def test_processes_racing_on_one_bucket_never_admit_more_than_it_holds(tmp_path: Path) -> None:
    path = str(tmp_path / "rates")
    RateTable(path, FakeClock(), slots=64).close()
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    workers = [context.Process(target=_hammer, args=(path, 80, results)) for _ in range(3)]
    for worker in workers:
        worker.start()
    admitted = sum(results.get(timeout=30) for _ in workers)
    for worker in workers:
        worker.join(30)
    assert admitted == 100


@pytest.mark.parametrize("slots", [0, 15])
def test_too_small_a_table_is_refused(tmp_path: Path, slots: int) -> None:
    with pytest.raises(ValueError):
        RateTable(str(tmp_path / "rates"), FakeClock(), slots=slots)
