"""The development outbox: every message (with its code) appended as one JSON line to a
file in the data directory, where tests and ``userpool outbox`` read it.

The outbox stays bounded: when the next line would take the file past ``max_bytes`` it becomes
``<path>.1`` (replacing the previous one) and a new file begins, so at most about twice the
limit is kept; readers see the previous file, then the current one. Several worker processes
append and rotate safely: each send holds an exclusive ``flock`` on ``<path>.lock`` (a file
that is never rotated) around the size check, the rename and the write. Files are created
0600: the outbox holds live one-time codes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
from collections.abc import Iterator
from typing import Any

from userpool.model.entities import Message

#: Default size at which the outbox rotates (8 MiB: tens of thousands of messages).
MAX_BYTES = 8 * 1024 * 1024

_PRIVATE = 0o600


def previous_path(path: str) -> str:
    """Where the outbox's previous file is kept after a rotation."""
    return path + ".1"


class OutboxSender:
    """Implements ``MessageSender`` for development and tests (no real delivery)."""

    def __init__(self, path: str, *, max_bytes: int = MAX_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes

    def send(self, message: Message) -> None:
        line = (json.dumps(dataclasses.asdict(message), ensure_ascii=False) + "\n").encode()
        lock = os.open(self.path + ".lock", os.O_WRONLY | os.O_CREAT, _PRIVATE)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, _PRIVATE)
            try:
                size = os.fstat(fd).st_size
                if size and size + len(line) > self.max_bytes:
                    os.close(fd)
                    fd = -1
                    os.replace(self.path, previous_path(self.path))
                    fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, _PRIVATE)
                _write_all(fd, line)
            finally:
                if fd >= 0:
                    os.close(fd)
        finally:
            os.close(lock)  # releases the flock


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@dataclasses.dataclass(frozen=True)
class Mark:
    """A place in the outbox: ``offset`` bytes into the file that was current then, known by its
    inode and by the bytes just before the place, its last record (``tail``; an inode alone is not
    enough: a file created after two rotations may get the deleted file's inode). After a
    rotation that file is ``<path>.1``, still the same inode. The default mark is the start."""

    inode: int | None = None
    offset: int = 0
    tail: bytes = b""


#: How much of the file's end a mark keeps, at most (a record is usually far shorter).
_TAIL_BYTES = 4096


def mark(path: str) -> Mark:
    """The outbox's end now, taken under the shared lock (no half-written line is counted)."""
    with _shared(path):
        try:
            with open(path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                handle.seek(max(size - _TAIL_BYTES, 0))
                end = handle.read(size)
                return Mark(os.fstat(handle.fileno()).st_ino, size, end[end.rfind(b"\n", 0, len(end) - 1) + 1:])
        except FileNotFoundError:
            return Mark()


def read_outbox(path: str, since: Mark | None = None) -> Iterator[dict[str, Any]]:
    """Messages oldest first, from the previous file and the current one; missing files are
    empty. Both are read under a shared lock, so no rotation or half-written line is seen.
    ``since``: only what was written after that mark (when its file is no longer kept, having
    been rotated away twice, everything kept is newer)."""
    with _shared(path):
        parts = [_read(part) for part in (previous_path(path), path)]
    if since is not None:
        for i, (inode, data) in enumerate(parts):
            if inode == since.inode and data[:since.offset].endswith(since.tail) and len(data) >= since.offset:
                parts = [(None, data[since.offset:]), *parts[i + 1:]]
                break
    for _, data in parts:
        for line in data.split(b"\n"):  # only newline ends a record (bodies may hold U+2028)
            if line.strip():
                yield json.loads(line)


@contextlib.contextmanager
def _shared(path: str) -> Iterator[None]:
    try:
        lock = os.open(path + ".lock", os.O_RDONLY)
    except FileNotFoundError:
        lock = -1  # nothing was ever sent through a rotating sender
    try:
        if lock >= 0:
            fcntl.flock(lock, fcntl.LOCK_SH)
        yield
    finally:
        if lock >= 0:
            os.close(lock)


def _read(path: str) -> tuple[int | None, bytes]:
    """A file's inode and content; (None, b"") when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return os.fstat(handle.fileno()).st_ino, handle.read()
    except FileNotFoundError:
        return None, b""
