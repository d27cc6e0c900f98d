"""``SqlTx``: every repository mixin over one connection, i.e. the ``Tx`` port."""

from __future__ import annotations

from userpool.storage.sql.repos.counters import CodeRepoMixin, LockoutRepoMixin
from userpool.storage.sql.repos.devices import DeviceRepoMixin
from userpool.storage.sql.repos.groups import GroupRepoMixin
from userpool.storage.sql.repos.keys import KeyRepoMixin
from userpool.storage.sql.repos.limits import LimitRepoMixin
from userpool.storage.sql.repos.passkeys import PasskeyRepoMixin
from userpool.storage.sql.repos.pools import ClientRepoMixin, PoolRepoMixin
from userpool.storage.sql.repos.tokens import SessionRepoMixin, TokenRepoMixin
from userpool.storage.sql.repos.users import UserRepoMixin


class SqlTx(
    PoolRepoMixin,
    ClientRepoMixin,
    UserRepoMixin,
    GroupRepoMixin,
    TokenRepoMixin,
    SessionRepoMixin,
    LockoutRepoMixin,
    LimitRepoMixin,
    CodeRepoMixin,
    KeyRepoMixin,
    DeviceRepoMixin,
    PasskeyRepoMixin,
):
    """All repositories of one transaction; valid only inside ``SqlStore.transaction``/``read``."""
