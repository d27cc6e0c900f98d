"""Applying a seed file: what the store lacks is created, all in one transaction, or nothing.

Three passes, so that a broken file is refused before the slow work and a large one shows its
progress:

1. **dry run**: every entry is written in a write transaction that is then rolled back, without
   password verifiers. It runs the checks the API runs that need the database: a pool's,
   client's, group's or user's existence, sign-in names and verified aliases already taken
   (``users.ensure_sign_in_name_free``, ``users.claim_aliases``), the groups a user joins;
2. **verifiers**: the SRP verifiers of the passwords of users to be created, outside any
   transaction (one exponentiation each: the slow part), with progress;
3. **write**: the same writes with the verifiers, committed.

Both write passes take the lock "userpool-seed" first, so servers started at once with one file
apply it one after the other and the later ones find everything. Pass 3 decides: what changed
since pass 1 is found there, and a verifier pass 2 did not make is made then. IDs, secrets and
subs made for new entries are kept from pass 1 to pass 3 (a verifier is bound to its pool ID
and, in pools where users sign in with an e-mail address or phone number, to the sub).

An entry that exists already is left as it is; one whose settings differ from the file's is
listed in ``Applied.differing`` (docs/decisions.md, "Seed files").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from userpool.directory import attributes, clients, first_factors, mfa_preferences, pool_mfa, pools, usernames
from userpool.directory.ids import new_client_id, new_client_secret, new_pool_id, new_uuid
from userpool.directory.passwords import check_policy, make_credential
from userpool.directory.runtime import Runtime
from userpool.directory.users import claim_aliases, ensure_sign_in_name_free, sign_in_name
from userpool.model.entities import AppClient, Group, PasswordCredential, User, UserPool, UserStatus
from userpool.model.errors import CognitoError, StoreConflict
from userpool.model.ports import Tx
from userpool.seed import views
from userpool.seed.document import ClientEntry, Document, GroupEntry, PoolEntry, SeedError, UserEntry, failure, parse

Progress = Callable[[str, int, int], None]
"""Called with what is being done ("password verifiers"), how many are done, and how many in all."""

LOCK = "userpool-seed"


@dataclass
class Applied:
    """What applying a seed file created, and which of the entries found existing differ from the file."""

    pools: int = 0
    clients: int = 0
    groups: int = 0
    users: int = 0
    existing: int = 0
    differing: list[str] = field(default_factory=list)


class _DryRun(Exception):
    def __init__(self, wanted: list[_Wanted]) -> None:
        super().__init__("dry run")
        self.wanted = wanted


@dataclass(frozen=True)
class _Wanted:
    """A password whose verifier the write pass needs."""

    pool: UserPool
    username: str
    password: str
    temporary: bool

    @property
    def key(self) -> tuple[str, str, str, bool]:
        return self.pool.id, self.username, self.password, self.temporary


def apply(rt: Runtime, document: Document | Mapping[str, Any], progress: Progress | None = None) -> Applied:
    """Creates what ``document`` lists and the store lacks, in one transaction, or nothing
    (SeedError names the entry at fault)."""
    parsed = document if isinstance(document, Document) else parse(document, rt.region)
    now = rt.clock.now()
    made: dict[str, str] = {}
    try:
        with rt.store.transaction() as tx:
            dry = _Pass(rt, tx, now, made, None, progress)
            dry.run(parsed)
            raise _DryRun(dry.wanted)  # rolls the transaction back
    except _DryRun as finished:
        wanted = finished.wanted
    verifiers = _verifiers(rt, wanted, now, progress)
    with rt.store.transaction() as tx:
        return _Pass(rt, tx, now, made, verifiers, progress).run(parsed)


def _verifiers(rt: Runtime, wanted: list[_Wanted], now: float,
               progress: Progress | None) -> dict[tuple[str, str, str, bool], PasswordCredential]:
    out: dict[tuple[str, str, str, bool], PasswordCredential] = {}
    for done, item in enumerate(wanted, start=1):
        out[item.key] = make_credential(item.pool, item.username, item.password, rt.random, now,
                                        temporary=item.temporary)
        if progress is not None:
            progress("password verifiers", done, len(wanted))
    return out


class _Pass:
    """One pass over the document in one write transaction; ``verifiers`` None is the dry run."""

    def __init__(self, rt: Runtime, tx: Tx, now: float, made: dict[str, str],
                 verifiers: dict[tuple[str, str, str, bool], PasswordCredential] | None,
                 progress: Progress | None) -> None:
        self.rt, self.tx, self.now, self.made, self.verifiers = rt, tx, now, made, verifiers
        self.progress = progress
        self.dry = verifiers is None
        self.wanted: list[_Wanted] = []
        self.applied = Applied()
        self.created: dict[tuple[str, ...], str] = {}  # what this pass created -> the entry that did

    def run(self, document: Document) -> Applied:
        self.tx.hold_lock(LOCK)
        total, done = document.user_count, 0
        for entry in document.pools:
            pool = self._pool(entry)
            for client in entry.clients:
                self._client(pool, client)
            for group in entry.groups:
                self._group(pool, group)
            for user in entry.users:
                self._user(pool, user)
                done += 1
                if self.progress is not None:
                    self.progress("checking users" if self.dry else "writing users", done, total)
        return self.applied

    def _make(self, where: str, make: Callable[[], str]) -> str:
        if where not in self.made:
            self.made[where] = make()
        return self.made[where]

    def _found(self, where: str, existing: Mapping[str, Any], planned: Mapping[str, Any]) -> None:
        self.applied.existing += 1
        if views.normal(existing) != views.normal(planned):
            self.applied.differing.append(where)

    def _not_ours(self, key: tuple[str, ...], where: str, what: str) -> None:
        """Found by name, but created by an earlier entry of this file: two entries for one thing."""
        if key in self.created:
            raise SeedError(f"{where}: matches the {what} {self.created[key]} creates; give each a fixed ID")

    # --- pools, clients, groups ------------------------------------------------------------

    def _pool(self, entry: PoolEntry) -> UserPool:
        existing = self._existing_pool(entry)
        pool_id = entry.fixed_id or (existing.id if existing is not None else
                                     self._make(entry.where, lambda: new_pool_id(self.rt.random, self.rt.region)))
        try:
            planned = pools.new_pool(self.rt, entry.body, pool_id, self.now)
            if entry.mfa_config is not None:
                planned = replace(planned, config=pool_mfa.with_mfa_config(planned, entry.mfa_config))
        except CognitoError as error:
            raise failure(entry.where, error) from None
        if existing is not None:
            self._found(entry.where, views.pool_view(existing), views.pool_view(planned))
            return existing
        try:
            if self.dry:
                self.tx.insert_pool(planned)  # signing keys (an RSA key each) only when it counts
            else:
                pools.insert_pool(self.tx, planned)
        except StoreConflict:
            raise SeedError(f"{entry.where}: a pool with the Id {pool_id} exists already") from None
        self.created[("pool", planned.id)] = entry.where
        self.applied.pools += 1
        return planned

    def _existing_pool(self, entry: PoolEntry) -> UserPool | None:
        if entry.fixed_id:
            return self.tx.get_pool(entry.fixed_id)
        name = entry.body["PoolName"]
        found = [pool for pool in views.pages(lambda after: self.tx.list_pools(views.PAGE, after), lambda p: p.id)
                 if pool.name == name]
        if len(found) > 1:
            raise SeedError(f"{entry.where}: {len(found)} pools are named {name!r}; give the pool's Id")
        if found:
            self._not_ours(("pool", found[0].id), entry.where, "pool")
        return found[0] if found else None

    def _client(self, pool: UserPool, entry: ClientEntry) -> None:
        existing = self._existing_client(pool, entry)
        client_id = entry.fixed_id or (existing.client_id if existing is not None else
                                       self._make(entry.where, lambda: new_client_id(self.rt.random)))
        secret = entry.body.get("ClientSecret")
        if secret is None and entry.body.get("GenerateSecret"):
            secret = self._make(f"{entry.where}#secret", lambda: new_client_secret(self.rt.random))
        try:
            planned = clients.new_client(pool, entry.body, client_id, secret, self.now)
        except CognitoError as error:
            raise failure(entry.where, error) from None
        if existing is not None:
            with_secret = "ClientSecret" in entry.body
            self._found(entry.where, views.client_view(existing, with_secret), views.client_view(planned, with_secret))
            return
        try:
            self.tx.insert_client(planned)
        except StoreConflict:
            raise SeedError(f"{entry.where}: a client with the ClientId {client_id} exists already") from None
        self.created[("client", client_id)] = entry.where
        self.applied.clients += 1

    def _existing_client(self, pool: UserPool, entry: ClientEntry) -> AppClient | None:
        if entry.fixed_id:
            found = self.tx.get_client(entry.fixed_id)
            if found is not None and found.pool_id != pool.id:
                raise SeedError(f"{entry.where}: ClientId {entry.fixed_id} is a client of another pool "
                                f"({found.pool_id})")
            return found
        name = entry.body["ClientName"]
        named = [c for c in views.pages(lambda after: self.tx.list_clients(pool.id, views.PAGE, after),
                                 lambda c: c.client_id)
                 if c.name == name]
        if len(named) > 1:
            raise SeedError(f"{entry.where}: {len(named)} clients of the pool are named {name!r}; give the ClientId")
        if named:
            self._not_ours(("client", named[0].client_id), entry.where, "client")
        return named[0] if named else None

    def _group(self, pool: UserPool, entry: GroupEntry) -> None:
        body = entry.body
        planned = Group(pool.id, body["GroupName"], self.now, self.now, body.get("Description"), body.get("RoleArn"),
                        body.get("Precedence"))
        existing = self.tx.get_group(pool.id, planned.name)
        if existing is not None:
            self._found(entry.where, views.group_view(existing), views.group_view(planned))
            return
        try:
            self.tx.insert_group(planned)
        except StoreConflict:
            raise SeedError(f"{entry.where}: the group exists already") from None
        self.applied.groups += 1

    # --- users -------------------------------------------------------------------------------

    def _user(self, pool: UserPool, entry: UserEntry) -> None:
        try:
            self._user_checked(pool, entry)
        except CognitoError as error:
            raise failure(entry.where, error) from None

    def _user_checked(self, pool: UserPool, entry: UserEntry) -> None:
        """AdminCreateUser's rules for a new user, without its trigger and its invitation."""
        attrs = attributes.check_writes(pool, attributes.to_map({"Name": n, "Value": v} for n, v in entry.attributes),
                                        creating=True, admin=True)
        existing = self._existing_user(pool, entry)
        if entry.sub is not None:
            attrs["sub"] = entry.sub
        elif existing is not None:
            attrs["sub"] = existing.sub
        else:
            attrs["sub"] = self._make(f"{entry.where}#sub", lambda: new_uuid(self.rt.random))
        username = sign_in_name(pool, entry.username, attrs, self.rt)  # the sub in e-mail / phone sign-in pools
        if entry.password is not None:
            check_policy(pool.password_policy, entry.password)  # checked every time: a broken file is refused
            status = UserStatus.FORCE_CHANGE_PASSWORD if entry.temporary else UserStatus.CONFIRMED
        elif first_factors.passwordless(pool):
            status = UserStatus.CONFIRMED  # signs in with one-time codes, as AdminCreateUser makes such users
        else:
            status = UserStatus.RESET_REQUIRED  # as Cognito's user import makes users without a password
        user = User(pool.id, username, attrs, status, entry.enabled, self.now, self.now)
        if entry.mfa is not None:
            user = mfa_preferences.apply_preferences(pool, user, entry.mfa)
        for name in entry.groups:
            if self.tx.get_group(pool.id, name) is None:
                raise SeedError(f"{entry.where}: no group {name!r} in the pool (list it under groups)")
        if existing is not None:
            joined = [group.name for group in self.tx.groups_of(pool.id, existing.username)]
            self._found(entry.where, views.user_view(existing, joined, entry),
                        views.user_view(user, entry.groups, entry))
            return
        if entry.sub is not None:
            owner = self.tx.find_users_by_attribute(pool.id, "sub", entry.sub)
            if owner:
                raise SeedError(f"{entry.where}: Sub {entry.sub} is the sub of user {owner[0].username!r}")
        ensure_sign_in_name_free(self.tx, pool, user.attributes)
        claim_aliases(self.tx, pool, user, force=False, now=self.now)
        if entry.password is not None:
            user = replace(user, password=self._verifier(pool, username, entry.password, entry.temporary))
        try:
            self.tx.insert_user(user)
        except StoreConflict:
            raise SeedError(f"{entry.where}: a user named {username!r} exists already") from None
        for name in entry.groups:
            self.tx.add_member(pool.id, name, username, self.now)
        self.created[("user", pool.id, username)] = entry.where
        self.applied.users += 1

    def _existing_user(self, pool: UserPool, entry: UserEntry) -> User | None:
        """The user this entry names: by username, or, where users sign in with an e-mail address
        or phone number, by that (never by another user's alias)."""
        if pool.username_attributes:
            found = usernames.resolve(self.tx, pool, entry.username)
        else:
            found = self.tx.get_user(pool.id, usernames.normalize(pool, entry.username))
        if found is not None:
            self._not_ours(("user", pool.id, found.username), entry.where, "user")
        return found

    def _verifier(self, pool: UserPool, username: str, password: str, temporary: bool) -> PasswordCredential | None:
        wanted = _Wanted(pool, username, password, temporary)
        if self.verifiers is None:
            self.wanted.append(wanted)
            return None
        made = self.verifiers.get(wanted.key)
        return made or make_credential(pool, username, password, self.rt.random, self.now, temporary=temporary)

