"""``WriterLock``: SQLite writers of this process and of other processes take turns, and a
waiter gets in as soon as the holder lets go (no busy-handler sleeps)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from userpool.model.errors import InternalErrorException
from userpool.storage.sql.writer_lock import WriterLock


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    lock = WriterLock(str(tmp_path / "db-writer.lock"), timeout=5.0)
    inside = 0
    most = 0
    guard = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        for _ in range(200):
            lock.acquire()
            try:
                with guard:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0)
                with guard:
                    inside -= 1
            finally:
                lock.release()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1


_HOLDER = """
import sys, time
from userpool.storage.sql.writer_lock import WriterLock
lock = WriterLock(sys.argv[1], timeout=5.0)
lock.acquire()
print("held", flush=True)
time.sleep(float(sys.argv[2]))
lock.release()
print("released", flush=True)
time.sleep(5)
"""


def test_another_process_waits_until_the_holder_releases(tmp_path: Path) -> None:
    path = str(tmp_path / "db-writer.lock")
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, path, "0.4"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        lock = WriterLock(path, timeout=5.0)
        started = time.monotonic()
        lock.acquire()
        waited = time.monotonic() - started
        lock.release()
        lock.close()
        assert holder.stdout.readline().strip() == "released"
        assert 0.25 < waited < 3.0
    finally:
        holder.kill()
        holder.wait()


def test_a_crashed_holder_does_not_wedge_the_others(tmp_path: Path) -> None:
    path = str(tmp_path / "db-writer.lock")
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, path, "60"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait()
    lock = WriterLock(path, timeout=5.0)
    lock.acquire()  # the kernel dropped the dead process's flock
    lock.release()
    lock.close()


def test_waiting_thread_gives_up_after_the_timeout(tmp_path: Path) -> None:
    lock = WriterLock(str(tmp_path / "db-writer.lock"), timeout=0.1)
    lock.acquire()
    try:
        outcome: list[BaseException] = []

        def wait() -> None:
            try:
                lock.acquire()
            except BaseException as error:
                outcome.append(error)

        waiter = threading.Thread(target=wait)
        waiter.start()
        waiter.join(5)
        assert len(outcome) == 1 and isinstance(outcome[0], InternalErrorException)
    finally:
        lock.release()
        lock.close()
