"""Expired rows are deleted as sign-ins happen: about one sign-in in 256 purges the spent
sessions and refresh tokens whose time is over, the per-user limit counters whose hour is
over, the failed-sign-in counters that can no longer matter (idle for
``lockout.IDLE_RESET_SECONDS`` and not locking anyone: chiefly those of typed names that
are not users, spec §9.1), and devices minted a day ago and never confirmed, so no instance
needs a scheduler and the tables stay bounded under any load.

Refresh tokens are kept a day past expiry: an access token lives at most a day (spec §2.2)
and is checked against its refresh-token family, which must still exist until then.
"""

from __future__ import annotations

from userpool.auth import device_step, lockout
from userpool.directory import limits
from userpool.model.ports import Random, Tx

ONE_IN = 256
TOKEN_GRACE_SECONDS = 86400.0


def due(random: Random) -> bool:
    return random.bytes(1)[0] % ONE_IN == 0


def purge(tx: Tx, now: float) -> None:
    tx.purge_expired_sessions(now)
    tx.purge_expired_tokens(now - TOKEN_GRACE_SECONDS)
    limits.purge(tx, now)
    tx.purge_stale_lockouts(now - lockout.IDLE_RESET_SECONDS)
    tx.purge_unconfirmed_devices(now - device_step.UNCONFIRMED_DEVICE_SECONDS)
