"""Which MFA factors a user has on: SetUserMFAPreference / AdminSetUserMFAPreference and the
legacy SetUserSettings / AdminSetUserSettings (spec §3.8, §11.5).

``apply_preferences`` and ``apply_legacy_options`` are the one rule for both the user (access
token, ``auth/mfa_preferences.py``) and the administrator (here); callers run them on the user
read with ``lock_user`` and write the result in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from userpool.directory import mfa
from userpool.directory.pools import get_pool
from userpool.directory.runtime import Runtime
from userpool.directory.users import find_for_update
from userpool.model.entities import EMAIL_OTP, SMS_MFA, SOFTWARE_TOKEN_MFA, MfaSettings, User, UserPool
from userpool.model.errors import InvalidParameterException

#: SetUserMFAPreference's settings objects and the factor each one sets.
SETTINGS = {"SMSMfaSettings": SMS_MFA, "SoftwareTokenMfaSettings": SOFTWARE_TOKEN_MFA, "EmailMfaSettings": EMAIL_OTP}

# Real text for TOTP [R]; the same form for the other factors (chosen, docs/decisions.md).
NO_DELIVERY = "User does not have delivery config set to turn on {factor}"
TWO_PREFERRED = "Only one MFA method can be set as preferred."
PREFERRED_DISABLED = "A disabled MFA method cannot be preferred: {factor}"
PASSKEY_MFA_NOT_CONFIGURED = ("WebAuthnMfaSettings can be enabled only when the user pool's WebAuthnConfiguration "
                              "FactorConfiguration is MULTI_FACTOR_WITH_USER_VERIFICATION.")
PASSKEY_MFA_LATER = "Passkey MFA is not supported by this server yet (passkeys are not implemented)."
LEGACY_SMS_ONLY = "Only SMS delivery to phone_number can be set in MFAOptions; use SetUserMFAPreference."


def apply_preferences(pool: UserPool, user: User, body: Mapping[str, Any]) -> User:
    """The user after a SetUserMFAPreference call. A settings object left out, or a member of it
    left out, changes nothing (Amplify omits ``PreferredMfa`` when it only enables, §11.5).
    Enabling needs a way to reach the user: a phone number, an e-mail address, a verified
    authenticator (``mfa.can_use``). At most one factor is preferred: preferring one replaces
    the preference, and disabling (or un-preferring) the preferred factor clears it."""
    settings = user.mfa
    preferred_now = [SETTINGS[name] for name in SETTINGS if (body.get(name) or {}).get("PreferredMfa") is True]
    if len(preferred_now) > 1:
        raise InvalidParameterException(TWO_PREFERRED)
    for name, factor in SETTINGS.items():
        given = body.get(name)
        if given is None:
            continue
        enabled = given.get("Enabled")
        if enabled is True and not mfa.can_use(user, factor):
            raise InvalidParameterException(NO_DELIVERY.format(factor=factor))
        if enabled is not None:
            settings = _with_flag(settings, factor, bool(enabled))
            if not enabled and settings.preferred == factor:
                settings = replace(settings, preferred=None)
        prefer = given.get("PreferredMfa")
        if prefer is True:
            if factor not in settings.enabled:
                raise InvalidParameterException(PREFERRED_DISABLED.format(factor=factor))
            settings = replace(settings, preferred=factor)
        elif prefer is False and settings.preferred == factor:
            settings = replace(settings, preferred=None)
    _check_passkey_mfa(pool, body.get("WebAuthnMfaSettings"))
    return replace(user, mfa=settings)


def _with_flag(settings: MfaSettings, factor: str, on: bool) -> MfaSettings:
    if factor == SMS_MFA:
        return replace(settings, sms=on)
    if factor == EMAIL_OTP:
        return replace(settings, email=on)
    return replace(settings, software_token=on)


def _check_passkey_mfa(pool: UserPool, given: Mapping[str, Any] | None) -> None:
    """``WebAuthnMfaSettings``: Cognito allows it only when the pool's passkeys satisfy MFA;
    enabling it is refused until passkeys exist here (turning it off changes nothing)."""
    if given is None or not given.get("Enabled"):
        return
    factor = (pool.config.get("WebAuthnConfiguration") or {}).get("FactorConfiguration")
    if factor != "MULTI_FACTOR_WITH_USER_VERIFICATION":
        raise InvalidParameterException(PASSKEY_MFA_NOT_CONFIGURED)
    raise InvalidParameterException(PASSKEY_MFA_LATER)


def apply_legacy_options(user: User, options: list[Mapping[str, Any]]) -> User:
    """SetUserSettings (no longer supported by Cognito but still served): ``MFAOptions`` can only
    turn SMS MFA on (an SMS option for ``phone_number``) or off (an empty list)."""
    for option in options:
        if option.get("DeliveryMedium") != "SMS" or option.get("AttributeName", "phone_number") != "phone_number":
            raise InvalidParameterException(LEGACY_SMS_ONLY)
    settings: MfaSettings = user.mfa
    if options:
        if not mfa.can_use(user, SMS_MFA):
            raise InvalidParameterException(NO_DELIVERY.format(factor=SMS_MFA))
        settings = replace(settings, sms=True)
    else:
        settings = replace(settings, sms=False, preferred=None if settings.preferred == SMS_MFA else settings.preferred)
    return replace(user, mfa=settings)


def admin_set_user_mfa_preference(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        user = find_for_update(tx, pool, body["Username"])
        tx.update_user(replace(apply_preferences(pool, user, body), last_modified=rt.clock.now()))
    return {}


def admin_set_user_settings(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        user = find_for_update(tx, pool, body["Username"])
        tx.update_user(replace(apply_legacy_options(user, list(body["MFAOptions"])), last_modified=rt.clock.now()))
    return {}
