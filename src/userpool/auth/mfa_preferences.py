"""A signed-in user's own MFA settings, authorised by an access token (spec §3.8, §11.5):
SetUserMFAPreference, the legacy SetUserSettings, and GetUserAuthFactors. The rules are the
directory's (``directory/mfa_preferences.py``), shared with the administrator's calls."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from userpool.auth.account import _caller, _locked, authenticated
from userpool.auth.runtime import AuthRuntime
from userpool.directory import first_factors, mfa, mfa_preferences, passkeys


def set_user_mfa_preference(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    """SetUserMFAPreference: read-modify-write of the caller, row-locked, in one transaction."""
    caller = _caller(auth, body)
    with auth.rt.store.transaction() as tx:
        user = _locked(tx, caller)
        updated = mfa_preferences.apply_preferences(caller.pool, user, body)
        tx.update_user(replace(updated, last_modified=auth.rt.clock.now()))
    return {}


def set_user_settings(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    """SetUserSettings: ``MFAOptions`` turns SMS MFA on or off (legacy)."""
    caller = _caller(auth, body)
    with auth.rt.store.transaction() as tx:
        user = _locked(tx, caller)
        updated = mfa_preferences.apply_legacy_options(user, list(body["MFAOptions"]))
        tx.update_user(replace(updated, last_modified=auth.rt.clock.now()))
    return {}


def get_user_auth_factors(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    """GetUserAuthFactors: the MFA settings GetUser reports, and the first factors the user has
    (``first_factors.configured``: PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN)."""
    with auth.rt.store.read() as tx:
        caller = authenticated(auth, tx, body)
        has_passkeys = passkeys.has_passkeys(tx, caller.pool, caller.user)
    settings = mfa.settings_output(caller.user)
    settings.pop("MFAOptions", None)  # not a member of GetUserAuthFactorsResponse
    return {
        "Username": caller.user.username,
        **settings,
        "ConfiguredUserAuthFactors": first_factors.configured(caller.user, passkeys=has_passkeys),
    }
