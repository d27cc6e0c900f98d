"""User pools: CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool, ListUserPools.

Cognito's update operations replace the whole settings object: members left out of an
UpdateUserPool call go back to their defaults. Sign-in settings that Cognito makes
immutable (UsernameAttributes, AliasAttributes, UsernameConfiguration, Schema) are kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from userpool.directory import lambda_config, pagination, pool_mfa, schema
from userpool.directory.ids import new_pool_id, pool_arn
from userpool.directory.runtime import Runtime
from userpool.directory.signing_keys import create_pool_keys
from userpool.model.entities import UserPool
from userpool.model.errors import InvalidParameterException, ResourceNotFoundException, StoreConflict
from userpool.model.ports import Tx

IMMUTABLE = ("UsernameAttributes", "AliasAttributes", "UsernameConfiguration")
MUTABLE = (
    "Policies", "DeletionProtection", "LambdaConfig", "AutoVerifiedAttributes", "SmsVerificationMessage",
    "EmailVerificationMessage", "EmailVerificationSubject", "VerificationMessageTemplate",
    "SmsAuthenticationMessage", "UserAttributeUpdateSettings", "MfaConfiguration", "DeviceConfiguration",
    "EmailConfiguration", "SmsConfiguration", "UserPoolTags", "AdminCreateUserConfig", "UserPoolAddOns",
    "AccountRecoverySetting", "UserPoolTier",
)

DEFAULT_PASSWORD_POLICY = {
    "MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True,
    "RequireSymbols": True, "TemporaryPasswordValidityDays": 7,
}


def _defaults() -> dict[str, Any]:
    return {
        "Policies": {"PasswordPolicy": dict(DEFAULT_PASSWORD_POLICY), "SignInPolicy": {
            "AllowedFirstAuthFactors": ["PASSWORD"]}},
        "DeletionProtection": "INACTIVE",
        "LambdaConfig": {},
        "MfaConfiguration": "OFF",
        "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE"},
        "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False, "UnusedAccountValidityDays": 7},
        "UserPoolTier": "ESSENTIALS",
    }


def _settings(body: Mapping[str, Any], keys: tuple[str, ...], kept: Mapping[str, Any] | None = None, *,
              can_encrypt: bool = False) -> dict[str, Any]:
    """The pool's settings from a CreateUserPool (``kept`` None) or UpdateUserPool call; ``kept``
    is the pool's config, whose SetUserPoolMfaConfig-only settings an update keeps."""
    config = _defaults()
    for key in keys:
        if key in body:
            config[key] = _with_policy_defaults(key, body[key])
    for key in pool_mfa.MFA_ONLY:
        if kept is not None and key in kept:
            config[key] = kept[key]
    _mirror_templates(config)
    _check(config)
    lambda_config.check(config, can_encrypt=can_encrypt)
    pool_mfa.check_pool_settings(config, creating=kept is None)
    return config


_TEMPLATE_MIRRORS = (
    ("SmsMessage", "SmsVerificationMessage"),
    ("EmailMessage", "EmailVerificationMessage"),
    ("EmailSubject", "EmailVerificationSubject"),
)


def _mirror_templates(config: dict[str, Any]) -> None:
    """``VerificationMessageTemplate`` and the older ``SmsVerificationMessage``,
    ``EmailVerificationMessage``, ``EmailVerificationSubject`` report the same texts, as in
    Cognito: what one of them sets, the other shows; where both set it, the template wins (the
    API reference calls the older members "no longer used")."""
    template = dict(config.get("VerificationMessageTemplate") or {})
    for member, legacy in _TEMPLATE_MIRRORS:
        value = template.get(member) or config.get(legacy)
        if value:
            template[member] = config[legacy] = value
    config["VerificationMessageTemplate"] = template


def _with_policy_defaults(key: str, value: Any) -> Any:
    if key != "Policies":
        return value
    policies = dict(value)
    if "PasswordPolicy" in policies:
        policy = dict(policies["PasswordPolicy"])
        if not policy.get("TemporaryPasswordValidityDays"):
            policy["TemporaryPasswordValidityDays"] = 7
        policy.setdefault("MinimumLength", 8)
        for flag in ("RequireUppercase", "RequireLowercase", "RequireNumbers", "RequireSymbols"):
            policy.setdefault(flag, False)
        policies["PasswordPolicy"] = policy
    else:
        policies["PasswordPolicy"] = dict(DEFAULT_PASSWORD_POLICY)
    return policies


def _check(config: Mapping[str, Any]) -> None:
    if config.get("UsernameAttributes") and config.get("AliasAttributes"):
        raise InvalidParameterException(
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool"
        )
    before_update = (config.get("UserAttributeUpdateSettings") or {}).get("AttributesRequireVerificationBeforeUpdate")
    if not set(before_update or ()) <= set(config.get("AutoVerifiedAttributes") or ()):
        raise InvalidParameterException(
            "All attributes in AttributesRequireVerificationBeforeUpdate must exist in AutoVerifiedAttributes"
        )
    policy = (config.get("Policies") or {}).get("PasswordPolicy") or {}
    history = policy.get("PasswordHistorySize")
    if history and config.get("UserPoolTier") == "LITE":
        from userpool.model.errors import FeatureUnavailableInTierException

        raise FeatureUnavailableInTierException("Password history is not available in the Lite tier.")
    factors = ((config.get("Policies") or {}).get("SignInPolicy") or {}).get("AllowedFirstAuthFactors") or ()
    if config.get("UserPoolTier") == "LITE" and any(factor != "PASSWORD" for factor in factors):
        from userpool.model.errors import FeatureUnavailableInTierException

        # choice-based sign-in's other factors need the Essentials tier (SignInPolicyType)
        raise FeatureUnavailableInTierException(
            "AllowedFirstAuthFactors other than PASSWORD require the Essentials tier or higher.")


def create_pool(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    now = rt.clock.now()
    with rt.store.transaction() as tx:
        for _ in range(5):
            pool = new_pool(rt, body, new_pool_id(rt.random, rt.region), now)
            try:
                insert_pool(tx, pool)
            except StoreConflict:
                continue
            return {"UserPool": describe(rt, tx, pool)}
    raise InvalidParameterException("Could not allocate a user pool ID.")  # pragma: no cover


def new_pool(rt: Runtime, body: Mapping[str, Any], pool_id: str, now: float) -> UserPool:
    """The pool CreateUserPool's ``body`` describes, every setting checked (nothing stored)."""
    config = _settings(body, IMMUTABLE + MUTABLE, can_encrypt=rt.code_encrypter is not None)
    return UserPool(pool_id, body["PoolName"], now, now, config, schema.build_schema(body.get("Schema")))


def insert_pool(tx: Tx, pool: UserPool) -> None:
    """Stores a new pool with its signing keys; StoreConflict if the ID is taken."""
    tx.insert_pool(pool)
    create_pool_keys(tx, pool.id, pool.created)


def get_pool(tx: Tx, pool_id: str) -> UserPool:
    pool = tx.get_pool(pool_id)
    if pool is None:
        raise ResourceNotFoundException(f"User pool {pool_id} does not exist.")
    return pool


def describe(rt: Runtime, tx: Tx, pool: UserPool) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps({k: v for k, v in pool.config.items() if k not in pool_mfa.MFA_ONLY}))
    out.update(
        Id=pool.id,
        Name=pool.name,
        Arn=pool_arn(pool.region, rt.account_id, pool.id),
        CreationDate=pool.created,
        LastModifiedDate=pool.last_modified,
        SchemaAttributes=[schema.to_wire(a) for a in pool.schema],
        EstimatedNumberOfUsers=tx.count_users(pool.id),
    )
    return out


def describe_pool(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.read() as tx:
        return {"UserPool": describe(rt, tx, get_pool(tx, body["UserPoolId"]))}


def update_pool(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        config = _settings(body, MUTABLE, kept=pool.config, can_encrypt=rt.code_encrypter is not None)
        for key in IMMUTABLE:
            if key in pool.config:
                config[key] = pool.config[key]
        tx.update_pool(replace(pool, name=body.get("PoolName", pool.name), config=config,
                               last_modified=rt.clock.now()))
    return {}


def add_custom_attributes(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        new_schema = schema.add_custom_attributes(pool.schema, body["CustomAttributes"])
        tx.update_pool(replace(pool, schema=new_schema, last_modified=rt.clock.now()))
    return {}


def delete_pool(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        if pool.deletion_protection == "ACTIVE":
            raise InvalidParameterException(
                "The user pool cannot be deleted because deletion protection is activated."
            )
        tx.delete_pool(pool.id)
    return {}


def list_pools(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    limit = int(body["MaxResults"])
    after = pagination.decode(body.get("NextToken"))
    with rt.store.read() as tx:
        pools = tx.list_pools(limit + 1, after)
    return pagination.page(pools, limit, lambda p: p.id, "UserPools", "NextToken", _summary)


def _summary(pool: UserPool) -> dict[str, Any]:
    return {
        "Id": pool.id, "Name": pool.name, "LambdaConfig": pool.config.get("LambdaConfig", {}),
        "CreationDate": pool.created, "LastModifiedDate": pool.last_modified,
    }

