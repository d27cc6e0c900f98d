"""App clients: CreateUserPoolClient, DescribeUserPoolClient, UpdateUserPoolClient,
DeleteUserPoolClient, ListUserPoolClients (spec §2.2).

Token validities are checked in seconds after applying ``TokenValidityUnits``: access and
ID tokens 5 minutes to 1 day, refresh tokens 60 minutes to 10 years. Legacy
``ExplicitAuthFlows`` values cannot be mixed with ``ALLOW_*`` ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from userpool.directory import attributes, pagination, request_scope
from userpool.directory.ids import new_client_id, new_client_secret
from userpool.directory.pools import get_pool
from userpool.directory.runtime import Runtime
from userpool.directory.schema import is_developer_only
from userpool.model.entities import UNIT_SECONDS, AppClient, UserPool
from userpool.model.errors import InvalidParameterException, ResourceNotFoundException, StoreConflict
from userpool.model.ports import Tx

SETTINGS = (
    "RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits",
    "ReadAttributes", "WriteAttributes", "ExplicitAuthFlows", "SupportedIdentityProviders", "CallbackURLs",
    "LogoutURLs", "DefaultRedirectURI", "AllowedOAuthFlows", "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient", "AnalyticsConfiguration", "PreventUserExistenceErrors",
    "EnableTokenRevocation", "EnablePropagateAdditionalUserContextData", "AuthSessionValidity",
    "RefreshTokenRotation",
)
UNWRITABLE = attributes.USER_UNWRITABLE | {"sub"}
"""Never in an app client's WriteAttributes: only verification or an administrator sets them."""
LEGACY_FLOWS = {"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}
VALIDITY_BOUNDS = {  # seconds
    "AccessToken": (300, 86400, "hours", 1),
    "IdToken": (300, 86400, "hours", 1),
    "RefreshToken": (3600, 315360000, "days", 30),
}


def _settings(pool: UserPool, body: Mapping[str, Any], *, action: str) -> dict[str, Any]:
    config: dict[str, Any] = {key: body[key] for key in SETTINGS if key in body}
    units = dict(config.get("TokenValidityUnits") or {})
    for token, (low, high, default_unit, default_value) in VALIDITY_BOUNDS.items():
        unit = units.get(token) or default_unit
        value = config.get(f"{token}Validity") or default_value
        seconds = int(value) * UNIT_SECONDS[unit]
        if not low <= seconds <= high:
            raise InvalidParameterException(_bounds_message(token, low, high))
        units[token] = unit
        config[f"{token}Validity"] = int(value)
    config["TokenValidityUnits"] = units
    flows = config.get("ExplicitAuthFlows")
    if flows is not None:
        legacy = [f for f in flows if f in LEGACY_FLOWS]
        if legacy and len(legacy) != len(flows):
            raise InvalidParameterException("ExplicitAuthFlow combination is invalid")
    else:
        config["ExplicitAuthFlows"] = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]
    if "ALLOW_USER_AUTH" in config["ExplicitAuthFlows"] and pool.tier == "LITE":
        from userpool.model.errors import FeatureUnavailableInTierException

        raise FeatureUnavailableInTierException("Choice-based sign-in requires the Essentials tier or higher.")
    config.setdefault("PreventUserExistenceErrors", "LEGACY")
    config.setdefault("EnableTokenRevocation", True)
    config.setdefault("EnablePropagateAdditionalUserContextData", False)
    config.setdefault("AuthSessionValidity", 3)
    config.setdefault("AllowedOAuthFlowsUserPoolClient", False)
    for key in ("ReadAttributes", "WriteAttributes"):
        # Cognito's answer for a name outside the schema, a developer-only attribute (users never
        # read or write those) and, for writes, sub or a verified flag (aws/aws-cdk#2608, #7607
        # "emailVerified and phoneNumberVerified cannot be set as writable"; aws/aws-sdk-java#1395
        # for "updating").
        names = config.get(key) or ()
        unknown = any(pool.schema_attribute(name) is None or is_developer_only(name) for name in names)
        if unknown or (key == "WriteAttributes" and any(n in UNWRITABLE for n in names)):
            raise InvalidParameterException(
                f"Invalid {key[:-len('Attributes')].lower()} attributes specified while {action} a client")
    return config


def _bounds_message(token: str, low: int, high: int) -> str:
    human = {300: "5 minutes", 86400: "1 day", 3600: "60 minutes", 315360000: "3650 days"}
    return f"{token}Validity must be between {human[low]} and {human[high]}."


def check_secret_request(body: Mapping[str, Any]) -> None:
    """CreateUserPoolClient takes a custom ``ClientSecret`` or ``GenerateSecret``, not both."""
    if body.get("GenerateSecret") and body.get("ClientSecret"):
        raise InvalidParameterException("GenerateSecret and ClientSecret cannot be used together.")


def create_client(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    check_secret_request(body)
    now = rt.clock.now()
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        secret = body.get("ClientSecret") or (new_client_secret(rt.random) if body.get("GenerateSecret") else None)
        for _ in range(5):
            client = new_client(pool, body, new_client_id(rt.random), secret, now)
            try:
                tx.insert_client(client)
            except StoreConflict:
                continue
            return {"UserPoolClient": describe(client)}
    raise InvalidParameterException("Could not allocate a client ID.")  # pragma: no cover


def new_client(pool: UserPool, body: Mapping[str, Any], client_id: str, secret: str | None, now: float) -> AppClient:
    """The app client CreateUserPoolClient's ``body`` describes, every setting checked."""
    return AppClient(pool.id, client_id, body["ClientName"], now, now, secret, _settings(pool, body, action="creating"))


def get_client(tx: Tx, client_id: str, pool_id: str | None = None) -> AppClient:
    client = tx.get_client(client_id)
    if client is None or (pool_id is not None and client.pool_id != pool_id):
        raise ResourceNotFoundException(f"User pool client {client_id} does not exist.")
    request_scope.note(client.pool_id, client.client_id)
    return client


def describe(client: AppClient) -> dict[str, Any]:
    out: dict[str, Any] = dict(client.config)
    out.update(
        UserPoolId=client.pool_id, ClientName=client.name, ClientId=client.client_id,
        CreationDate=client.created, LastModifiedDate=client.last_modified,
    )
    if client.secret is not None:
        out["ClientSecret"] = client.secret
    return out


def describe_client(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.read() as tx:
        get_pool(tx, body["UserPoolId"])
        return {"UserPoolClient": describe(get_client(tx, body["ClientId"], body["UserPoolId"]))}


def update_client(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        client = get_client(tx, body["ClientId"], pool.id)
        updated = replace(client, name=body.get("ClientName", client.name),
                          config=_settings(pool, body, action="updating"), last_modified=rt.clock.now())
        tx.update_client(updated)
    return {"UserPoolClient": describe(updated)}


def delete_client(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        get_pool(tx, body["UserPoolId"])
        client = get_client(tx, body["ClientId"], body["UserPoolId"])
        tx.delete_client(client.pool_id, client.client_id)
    return {}


def list_clients(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    limit = pagination.page_limit(body.get("MaxResults"), 60, 60)
    after = pagination.decode(body.get("NextToken"))
    with rt.store.read() as tx:
        get_pool(tx, body["UserPoolId"])
        clients = tx.list_clients(body["UserPoolId"], limit + 1, after)
    return pagination.page(
        clients, limit, lambda c: c.client_id, "UserPoolClients", "NextToken",
        lambda c: {"ClientId": c.client_id, "UserPoolId": c.pool_id, "ClientName": c.name},
    )
