"""``WriterLock``: SQLite writers queue here, not in SQLite's busy handler.

SQLite lets one writer at a time hold a database; another ``BEGIN IMMEDIATE`` gets SQLITE_BUSY
and the driver's busy handler retries it after sleeping 1, 2, 5, 10, ... up to 100 ms. Under
load most writers then sleep well past the moment the lock is free: a few hundred sign-ins a
second showed p99 latencies of 200–600 ms. Here a writer first takes a lock that wakes the next
waiter the moment it is released — a ``threading.Lock`` for the threads of this process, then
an ``flock`` on a file beside the database for the other worker processes — and only then begins
its transaction, which therefore never finds SQLite busy (unless some other program writes).
The kernel drops an ``flock`` when its process dies, so a crashed worker cannot wedge the others.
"""

from __future__ import annotations

import fcntl
import os
import threading

from userpool.model.errors import InternalErrorException


class WriterLock:
    """Exclusive across the threads of this process and across processes using ``path``."""

    def __init__(self, path: str, timeout: float) -> None:
        self._path = path
        self._timeout = timeout
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def acquire(self) -> None:
        if not self._threads.acquire(timeout=self._timeout):
            raise InternalErrorException("Timed out waiting for the database write lock.")
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _file(self) -> int:
        # One descriptor per process: flock locks belong to the open file description, which a
        # forked child would otherwise share with its parent.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None
