"""The shared table of request-rate buckets: a small memory-mapped file in the data directory.

Implements ``model.ports.RateLimiter`` for every worker process of one server (``--workers N``):
each maps the same file, and a check holds an exclusive ``flock`` on it (plus a thread lock, as
``flock`` does not exclude threads sharing one open file) for a few microseconds. No database
write, no network round trip.

Layout: a 32-byte header (magic, slot count, random salt), then ``slots`` records of a 16-byte
BLAKE2b digest of the bucket's key, keyed with the salt, and its TAT (``model.rate_bucket``) as a
little-endian double. A key lives in one of ``_PROBES`` consecutive slots from its digest; the salt
keeps anyone from choosing keys (client IDs) that crowd one window of slots. A slot whose bucket has refilled to full is
the same as an empty one (``rate_bucket.is_full``), so it is reused: the table never grows. Only
if every slot of a key's window holds a bucket still refilling — tens of thousands of keys busy
within the same second — is the request refused (fail closed; see docs/decisions.md).

The file holds no secret and survives restarts harmlessly: a stale TAT is at most one bucket
ahead and is clamped by ``rate_bucket.admit``. Several server instances behind a load balancer
each have their own table, so each admits the configured rate.
"""

from __future__ import annotations

import fcntl
import hashlib
import mmap
import os
import struct
import threading

from userpool.model.ports import Clock
from userpool.model.rate_bucket import Quota, admit, is_full

_MAGIC = b"UPRATE02"
_HEADER = struct.Struct("<8sQ16s")
_SLOT = struct.Struct("<16sd")
_PROBES = 16
_EMPTY = bytes(16)
DEFAULT_SLOTS = 16384


class RateTable:
    """Token buckets by key in a memory-mapped file shared by the processes that open it."""

    def __init__(self, path: str, clock: Clock, *, slots: int = DEFAULT_SLOTS) -> None:
        if slots < _PROBES:
            raise ValueError(f"a rate table needs at least {_PROBES} slots")
        self._clock = clock
        self._thread_lock = threading.Lock()
        size = _HEADER.size + slots * _SLOT.size
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                header = os.pread(fd, _HEADER.size, 0).ljust(_HEADER.size, b"\0")
                magic, stored_slots, salt = _HEADER.unpack(header)
                if magic != _MAGIC or stored_slots != slots or os.fstat(fd).st_size != size:
                    # new, foreign or resized: start empty (every bucket full)
                    salt = os.urandom(16)
                    os.ftruncate(fd, 0)
                    os.ftruncate(fd, size)
                    os.pwrite(fd, _HEADER.pack(_MAGIC, slots, salt), 0)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            self._map = mmap.mmap(fd, size)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self._slots = slots
        self._salt = salt

    def admit(self, key: str, quota: Quota) -> bool:
        """Take one request from ``key``'s bucket (created full); False when it is empty."""
        digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16, key=self._salt).digest()
        first = int.from_bytes(digest[:8], "little") % self._slots
        view = self._map
        with self._thread_lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                now = self._clock.now()
                free = -1
                for probe in range(_PROBES):
                    offset = _HEADER.size + ((first + probe) % self._slots) * _SLOT.size
                    stored, tat = _SLOT.unpack_from(view, offset)
                    if stored == digest:
                        new = admit(tat, now, quota)
                        if new is None:
                            return False
                        _SLOT.pack_into(view, offset, digest, new)
                        return True
                    if free < 0 and (stored == _EMPTY or is_full(tat, now)):
                        free = offset
                if free < 0:
                    return False
                new = admit(now, now, quota)
                if new is None:
                    return False
                _SLOT.pack_into(view, free, digest, new)
                return True
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)
