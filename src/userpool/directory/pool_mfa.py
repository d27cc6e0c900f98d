"""A pool's MFA settings: SetUserPoolMfaConfig, GetUserPoolMfaConfig, and the MFA rules that
CreateUserPool / UpdateUserPool share (spec §2.1, §3.6; docs/decisions.md "MFA settings").

The settings live in the pool's ``config``, where ``UserPool.mfa_factors`` reads them:
``MfaConfiguration``, ``SmsConfiguration`` and ``SmsAuthenticationMessage`` (members of
``UserPoolType``, set by CreateUserPool / UpdateUserPool too), and ``SoftwareTokenMfaConfiguration``,
``EmailMfaConfiguration``, ``WebAuthnConfiguration`` (only SetUserPoolMfaConfig sets them; not
members of ``UserPoolType``, so DescribeUserPool leaves them out and UpdateUserPool keeps them).

SMS MFA is offered exactly when the pool has an ``SmsConfiguration`` and MFA is not OFF: Cognito
ties them ("Can't turn off SMS_MFA when SMS configuration is set for the user pool").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from userpool.directory.runtime import Runtime
from userpool.model.entities import UserPool
from userpool.model.errors import (
    FeatureUnavailableInTierException,
    InvalidParameterException,
    ResourceNotFoundException,
)
from userpool.model.ports import Tx

#: The members of SetUserPoolMfaConfig that set MFA (a call with none of them changes only passkeys).
MFA_MEMBERS = ("MfaConfiguration", "SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration")
#: Settings only SetUserPoolMfaConfig writes; not members of UserPoolType.
MFA_ONLY = ("SoftwareTokenMfaConfiguration", "EmailMfaConfiguration", "WebAuthnConfiguration")

# Real Cognito texts (docs/decisions.md names where each was seen).
ALL_DISABLED = "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration."
OFF_WITH_FACTOR = "Invalid MFA configuration given, can't turn off MFA and configure an MFA together."
SMS_STILL_SET = "Can't turn off SMS_MFA when SMS configuration is set for the user pool"
SMS_WITHOUT_ROLE = "Invalid SMS MFA configuration given, external id and a valid caller arn are required"
CREATE_NEEDS_SMS = "SMS configuration and Auto verification for phone_number are required when MFA is required/optional"
# Chosen texts (no real one found).
EMAIL_TIER = "Email MFA is not available in the Lite tier."
PASSKEY_MFA_TIER = "Passkey MFA (MULTI_FACTOR_WITH_USER_VERIFICATION) is not available in the Lite tier."
PASSKEY_TIER = "WebAuthnConfiguration (passkeys) requires the Essentials tier or higher."
BAD_RELYING_PARTY = "Invalid RelyingPartyId: it must be a domain name."

_DOMAIN = re.compile(r"^(?=.{1,127}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


def _mode(config: Mapping[str, Any]) -> str:
    return str(config.get("MfaConfiguration") or "OFF")


def _has_factor(config: Mapping[str, Any]) -> bool:
    return bool(config.get("SmsConfiguration")
                or (config.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled")
                or config.get("EmailMfaConfiguration"))


def check_pool_settings(config: dict[str, Any], *, creating: bool) -> None:
    """CreateUserPool / UpdateUserPool: MFA ON or OPTIONAL needs a factor. CreateUserPool can
    only configure SMS, so there it needs an ``SmsConfiguration`` (Cognito's text names phone
    verification too; this server asks only for what MFA uses). UpdateUserPool also counts the
    TOTP and e-mail factors SetUserPoolMfaConfig stored; turning MFA OFF removes them, as
    SetUserPoolMfaConfig does."""
    if _mode(config) == "OFF":
        for key in ("SoftwareTokenMfaConfiguration", "EmailMfaConfiguration"):
            config.pop(key, None)
        return
    if not _has_factor(config):
        raise InvalidParameterException(CREATE_NEEDS_SMS if creating else ALL_DISABLED)


def get_pool_mfa_config(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    """GetUserPoolMfaConfig: what SetUserPoolMfaConfig set, in its own shape."""
    with rt.store.read() as tx:
        return describe(_pool(tx, body["UserPoolId"]).config)


def describe(config: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"MfaConfiguration": _mode(config)}
    if _mode(config) != "OFF" and config.get("SmsConfiguration"):
        sms: dict[str, Any] = {"SmsConfiguration": dict(config["SmsConfiguration"])}
        if config.get("SmsAuthenticationMessage"):
            sms["SmsAuthenticationMessage"] = config["SmsAuthenticationMessage"]
        out["SmsMfaConfiguration"] = sms
    out["SoftwareTokenMfaConfiguration"] = {
        "Enabled": bool((config.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled"))}
    if config.get("EmailMfaConfiguration") is not None:
        out["EmailMfaConfiguration"] = dict(config["EmailMfaConfiguration"])
    if config.get("WebAuthnConfiguration"):
        out["WebAuthnConfiguration"] = dict(config["WebAuthnConfiguration"])
    return out


def set_pool_mfa_config(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    """SetUserPoolMfaConfig. The factor settings are replaced as a whole: a factor left out of
    the call is turned off (Cognito refuses ``{"MfaConfiguration": "OPTIONAL"}`` alone with
    "can't disable all MFAs"); ``MfaConfiguration`` left out keeps the pool's. A
    ``WebAuthnConfiguration`` left out keeps the pool's (it is not an MFA factor, and Cognito
    accepts it even with MFA OFF), and a call naming none of the MFA members changes only the
    passkey settings. Answers the settings now in force."""
    with rt.store.transaction() as tx:
        pool = _pool(tx, body["UserPoolId"])
        config = with_mfa_config(pool, body)
        tx.update_pool(replace(pool, config=config, last_modified=rt.clock.now()))
    return describe(config)


def with_mfa_config(pool: UserPool, body: Mapping[str, Any]) -> dict[str, Any]:
    """The pool's settings after SetUserPoolMfaConfig's ``body`` (nothing stored): its passkey
    settings, then its MFA mode and factors, each after Cognito's refusals. Seed files use it for
    a pool's ``MfaConfig``."""
    config = dict(pool.config)
    if body.get("WebAuthnConfiguration") is not None:
        config["WebAuthnConfiguration"] = _webauthn(pool, body["WebAuthnConfiguration"])
    if any(body.get(key) is not None for key in MFA_MEMBERS):
        config = _with_factors(pool, config, body)
    return config


def _with_factors(pool: UserPool, config: dict[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with the call's MFA mode and factors, after Cognito's refusals."""
    mode = str(body.get("MfaConfiguration") or _mode(config))
    sms_mfa = body.get("SmsMfaConfiguration")
    totp = bool((body.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled"))
    email = body.get("EmailMfaConfiguration")
    if email is not None and pool.tier == "LITE":
        raise FeatureUnavailableInTierException(EMAIL_TIER)
    if sms_mfa is not None and not (sms_mfa.get("SmsConfiguration") or config.get("SmsConfiguration")):
        raise InvalidParameterException(SMS_WITHOUT_ROLE)
    if mode == "OFF" and (sms_mfa is not None or totp or email is not None):
        raise InvalidParameterException(OFF_WITH_FACTOR)
    if mode != "OFF" and sms_mfa is None and not totp and email is None:
        raise InvalidParameterException(ALL_DISABLED)
    if mode != "OFF" and sms_mfa is None and config.get("SmsConfiguration"):
        raise InvalidParameterException(SMS_STILL_SET)
    config["MfaConfiguration"] = mode
    if sms_mfa is not None:
        if sms_mfa.get("SmsConfiguration"):
            config["SmsConfiguration"] = dict(sms_mfa["SmsConfiguration"])
        if sms_mfa.get("SmsAuthenticationMessage"):
            config["SmsAuthenticationMessage"] = sms_mfa["SmsAuthenticationMessage"]
    config["SoftwareTokenMfaConfiguration"] = {"Enabled": totp}
    if email is not None:
        config["EmailMfaConfiguration"] = dict(email)
    else:
        config.pop("EmailMfaConfiguration", None)
    return config


def _webauthn(pool: UserPool, raw: Mapping[str, Any]) -> dict[str, Any]:
    """``WebAuthnConfigurationType`` with Cognito's defaults filled in (user verification
    preferred, single factor). Stored and echoed; passkeys themselves come later. The relying
    party must be a domain name (Cognito further requires one of the pool's domains, which a
    self-hosted server does not have)."""
    settings = {"UserVerification": raw.get("UserVerification") or "preferred",
                "FactorConfiguration": raw.get("FactorConfiguration") or "SINGLE_FACTOR"}
    relying_party = raw.get("RelyingPartyId")
    if relying_party is not None:
        if not _DOMAIN.match(relying_party):
            raise InvalidParameterException(BAD_RELYING_PARTY)
        settings["RelyingPartyId"] = relying_party
    if settings["FactorConfiguration"] == "MULTI_FACTOR_WITH_USER_VERIFICATION" and pool.tier == "LITE":
        raise FeatureUnavailableInTierException(PASSKEY_MFA_TIER)
    if pool.tier == "LITE":  # WebAuthnConfigurationType: "your user pool must be in the Essentials tier"
        raise FeatureUnavailableInTierException(PASSKEY_TIER)
    return settings


def _pool(tx: Tx, pool_id: str) -> UserPool:
    pool = tx.get_pool(pool_id)
    if pool is None:
        raise ResourceNotFoundException(f"User pool {pool_id} does not exist.")
    return pool
