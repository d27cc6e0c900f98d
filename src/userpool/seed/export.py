"""``userpool export``: the store's pools, clients, groups and users as a seed file.

The file round-trips: seeded into an empty store and exported again, it comes out the same.
What cannot be exported is said in the file's ``Comment``: passwords (only SRP verifiers are
stored; users seeded from the file have none), TOTP authenticators, and client secrets unless
asked for (a confidential client then says ``GenerateSecret: true``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import partial
from typing import Any

from userpool.directory.runtime import Runtime
from userpool.model.ports import Tx
from userpool.seed import views
from userpool.seed.document import FORMAT_VERSION

WITHOUT_PASSWORDS = (
    "Written by `userpool export`; `userpool serve --seed FILE` takes it. Users have no password here: the server "
    "keeps only SRP verifiers, never passwords, so a user seeded from this file is RESET_REQUIRED (they reset "
    "their password to sign in; in a pool with one-time-code sign-in they are CONFIRMED and use codes). TOTP "
    "authenticators are not exported.")
SECRETS_LEFT_OUT = ("Client secrets are left out: a confidential client says GenerateSecret and gets a new secret "
                    "when seeded (`userpool export --with-secrets` includes them).")
SECRETS_INCLUDED = "This file holds client secrets: keep it as secret as they are."


def export(rt: Runtime, *, with_secrets: bool = False) -> dict[str, Any]:
    """Every pool, client, group and user in the seed format."""
    comment = f"{WITHOUT_PASSWORDS} {SECRETS_INCLUDED if with_secrets else SECRETS_LEFT_OUT}"
    out: list[dict[str, Any]] = []
    with rt.store.read() as tx:
        for pool in views.pages(lambda after: tx.list_pools(views.PAGE, after), lambda p: p.id):
            entry: dict[str, Any] = {"Id": pool.id, **views.pool_view(pool)}
            found_clients = views.pages(partial(tx.list_clients, pool.id, views.PAGE), lambda c: c.client_id)
            if found_clients:
                entry["clients"] = [views.client_entry(c, with_secrets) for c in found_clients]
            groups = views.pages(partial(tx.list_groups, pool.id, views.PAGE), lambda g: g.name)
            if groups:
                entry["groups"] = [views.group_view(g) for g in groups]
            memberships = _memberships(tx, pool.id, [g.name for g in groups])
            users = views.pages(partial(tx.list_users, pool.id, views.PAGE), lambda u: u.username)
            if users:
                entry["users"] = [views.user_entry(pool, u, memberships.get(u.username, ())) for u in users]
            out.append(entry)
    return {"Version": FORMAT_VERSION, "Comment": comment, "pools": out}


def _memberships(tx: Tx, pool_id: str, groups: list[str]) -> dict[str, list[str]]:
    """username -> the names of their groups, in the order of ``groups``."""
    out: dict[str, list[str]] = {}
    for name in groups:
        members = views.pages(partial(tx.list_members, pool_id, name, views.PAGE), lambda u: u.username)
        for member in members:
            out.setdefault(member.username, []).append(name)
    return out


def dump(document: Mapping[str, Any], fmt: str) -> str:
    """The document as YAML or JSON text."""
    if fmt == "yaml":
        import yaml

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        return str(yaml.dump(dict(document), Dumper=dumper, sort_keys=False, allow_unicode=True, width=120))
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
