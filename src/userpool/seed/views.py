"""Stored pools, clients, groups and users as seed-file entries: what ``export`` writes, and what
``apply`` compares to tell an entry found existing that differs from the file."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from userpool.directory import pool_mfa, schema
from userpool.model.entities import EMAIL_OTP, SMS_MFA, AppClient, Group, User, UserPool

PAGE = 1000


def pages(read: Callable[[str | None], list[Any]], key: Callable[[Any], str]) -> list[Any]:
    """Every row a paged ``list_*`` port method gives, page after page."""
    out: list[Any] = []
    after: str | None = None
    while True:
        page = read(after)
        out.extend(page)
        if len(page) < PAGE:
            return out
        after = key(page[-1])


def normal(view: Mapping[str, Any]) -> Any:
    """``view`` with its mappings' keys sorted, for comparison."""
    return json.loads(json.dumps(view, sort_keys=True))


def pool_view(pool: UserPool) -> dict[str, Any]:
    """The pool as CreateUserPool's members, and ``MfaConfig`` (SetUserPoolMfaConfig's members)
    when it has settings only that operation makes (TOTP, e-mail MFA, passkeys); MfaConfiguration
    is then given there only, as a seed file takes it."""
    settings: dict[str, Any] = {"PoolName": pool.name}
    settings.update(json.loads(json.dumps({k: v for k, v in pool.config.items() if k not in pool_mfa.MFA_ONLY})))
    if any(key in pool.config for key in pool_mfa.MFA_ONLY):
        settings.pop("MfaConfiguration", None)
        settings["MfaConfig"] = pool_mfa.describe(pool.config)
    changed = [attribute for attribute in pool.schema
               if schema.STANDARD_ATTRIBUTES.get(attribute.name) != attribute]
    if changed:
        settings["Schema"] = [_schema_input(attribute.name, schema.to_wire(attribute)) for attribute in changed]
    return settings


def _schema_input(name: str, wire: dict[str, Any]) -> dict[str, Any]:
    """A SchemaAttributes entry as CreateUserPool's Schema takes it: a custom attribute by its name
    without ``custom:`` (``dev:custom:`` for a developer-only one, which DeveloperOnlyAttribute says)."""
    entry = dict(wire)
    if name not in schema.STANDARD_ATTRIBUTES:
        entry["Name"] = name.rsplit("custom:", 1)[-1]
    return entry


def client_entry(client: AppClient, with_secret: bool) -> dict[str, Any]:
    """The client as CreateUserPoolClient's members with its ClientId. Its secret only when asked;
    otherwise a confidential client says ``GenerateSecret: true``, so that a seed of this entry is
    confidential again (with a new secret), never a public client."""
    entry: dict[str, Any] = {"ClientName": client.name, "ClientId": client.client_id, **json.loads(
        json.dumps(dict(client.config)))}
    if client.secret is not None:
        if with_secret:
            entry["ClientSecret"] = client.secret
        else:
            entry["GenerateSecret"] = True
    return entry


def client_view(client: AppClient, with_secret: bool) -> dict[str, Any]:
    view = client_entry(client, with_secret)
    del view["ClientId"]
    return view


def group_view(group: Group) -> dict[str, Any]:
    entry: dict[str, Any] = {"GroupName": group.name}
    for key, value in (("Description", group.description), ("RoleArn", group.role_arn),
                       ("Precedence", group.precedence)):
        if value is not None:
            entry[key] = value
    return entry


def user_entry(pool: UserPool, user: User, groups: Iterable[str]) -> dict[str, Any]:
    """The user as a seed entry: the name they sign in with (their e-mail address or phone number
    where that is the username), their sub, attributes, groups and SMS / e-mail MFA settings. No
    password: only SRP verifiers are stored. No TOTP authenticator: its secret is not exported."""
    entry: dict[str, Any] = {"Username": _sign_in_name(pool, user), "Sub": user.sub,
                             "Attributes": {k: v for k, v in user.attributes.items() if k != "sub"}}
    if not user.enabled:
        entry["Enabled"] = False
    listed = list(groups)
    if listed:
        entry["Groups"] = listed
    preference = _mfa_preference(user)
    if preference:
        entry["MfaPreference"] = preference
    return entry


def _sign_in_name(pool: UserPool, user: User) -> str:
    for attribute in pool.username_attributes:
        value = user.attributes.get(attribute)
        if value:
            return value
    return user.username


def _mfa_preference(user: User) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for member, factor, enabled in (("SMSMfaSettings", SMS_MFA, user.mfa.sms),
                                    ("EmailMfaSettings", EMAIL_OTP, user.mfa.email)):
        if enabled:
            out[member] = {"Enabled": True, "PreferredMfa": user.mfa.preferred == factor}
    return out


def user_view(user: User, groups: Iterable[str], entry: Any) -> dict[str, Any]:
    """What a seed entry for ``user`` (a ``document.UserEntry``) says about it: attributes,
    enabled, groups; the sub and MFA settings where the entry gives them."""
    view: dict[str, Any] = {"Attributes": {k: v for k, v in user.attributes.items() if k != "sub"},
                            "Enabled": user.enabled, "Groups": sorted(groups)}
    if entry.sub is not None:
        view["Sub"] = user.sub
    if entry.mfa is not None:
        view["MFA"] = [user.mfa.sms, user.mfa.email, user.mfa.preferred]
    return view
