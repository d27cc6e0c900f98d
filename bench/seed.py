"""Seeding many users straight into a userpool database (long mode only).

Creating a million users through AdminCreateUser + AdminSetUserPassword would take longer than
the benchmark itself, so the long mode makes the pool and client through the API and then writes
the users directly: ``userpool.storage.open_store`` opens the server's database (same server key,
so the secret box matches), ``userpool.directory.passwords.make_credential`` makes each user's
SRP salt and verifier exactly as AdminSetUserPassword would, and the rows are written in batches
with the store's own table definitions and ``user_row`` (which seals the verifiers). Users get
``sub`` and ``email``, status CONFIRMED, a permanent password. Verifiers are computed in worker
processes (one per core).

This is for userpool only: the peers are never seeded this way.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import uuid
from pathlib import Path
from typing import Any

from userpool.crypto.sealing import AesGcmSecretBox, derive_key, load_or_create_master_key
from userpool.directory.passwords import make_credential
from userpool.model.entities import User, UserPool, UserStatus
from userpool.storage import open_store
from userpool.storage.sql.repos.users import user_row
from userpool.storage.sql.schema import user_attribute_index, users

Rows = list[dict[str, Any]]


class _Random:
    def bytes(self, n: int) -> bytes:
        return os.urandom(n)


def _batch(args: tuple[UserPool, int, int, str, float, bytes]) -> tuple[Rows, Rows]:
    from bench.client import username

    pool, start, stop, password, now, box_key = args
    random = _Random()
    box = AesGcmSecretBox(box_key, os.urandom)
    user_rows: Rows = []
    index_rows: Rows = []
    for i in range(start, stop):
        name = username(i)
        attributes = {"email": f"{name}@example.com", "sub": str(uuid.uuid4())}
        credential = make_credential(pool, name, password, random, now)
        user = User(pool.id, name, attributes, UserStatus.CONFIRMED, True, now, now, password=credential)
        user_rows.append(user_row(user, box))
        index_rows.extend({"pool_id": pool.id, "username": name, "name": k, "value": v, "value_fold": v.lower()}
                          for k, v in attributes.items())
    return user_rows, index_rows


def seed_users(data_dir: Path, db_url: str, pool_id: str, count: int, password: str, *, start: int = 0,
               batch: int = 5000, processes: int | None = None, progress: bool = True) -> float:
    """Write users ``username(start) .. username(start + count - 1)``; returns the seconds taken."""
    began = time.perf_counter()
    key = load_or_create_master_key(str(data_dir / "server.key"), os.urandom)
    box_key = derive_key(key, "secret-box")
    store = open_store(db_url, AesGcmSecretBox(box_key, os.urandom))
    try:
        with store.read() as tx:
            pool = tx.get_pool(pool_id)
        if pool is None:
            raise ValueError(f"no pool {pool_id} in {db_url}")
        now = time.time()
        jobs = [(pool, i, min(i + batch, start + count), password, now, box_key)
                for i in range(start, start + count, batch)]
        done = 0
        with multiprocessing.get_context("fork").Pool(processes or os.cpu_count() or 1) as workers:
            for user_rows, index_rows in workers.imap(_batch, jobs):
                with store.engine.begin() as conn:
                    conn.execute(users.insert(), user_rows)
                    conn.execute(user_attribute_index.insert(), index_rows)
                done += len(user_rows)
                if progress and (done % (batch * 20) == 0 or done == count):
                    print(f"#   seeded {done}/{count} users ({time.perf_counter() - began:.0f} s)", flush=True)
    finally:
        store.close()
    return time.perf_counter() - began
