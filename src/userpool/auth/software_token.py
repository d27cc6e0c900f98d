"""AssociateSoftwareToken and VerifySoftwareToken (spec §3.8, §5.10, §10.14, §11.5): a user
registers a TOTP authenticator (RFC 6238).

Each call is authorised by an access token (a signed-in user, here) or by a sign-in ``Session``
(MFA_SETUP, ``mfa_setup_session``), never both. With an access token:

- AssociateSoftwareToken hands out a new secret (``SecretCode``), kept as pending; a verified
  authenticator keeps working until the new one is verified;
- VerifySoftwareToken checks ``UserCode`` against the pending secret (±1 step of 30 s): right,
  the secret becomes the user's authenticator (``{"Status": "SUCCESS"}``) — registered, not
  enabled: SetUserMFAPreference enables it (§10.14); wrong, EnableSoftwareTokenMFAException and
  the pending secret stays (the user types the next code). Never ``Status: ERROR``: the JS
  clients ignore it (§11.5).

Both read the user row-locked and write it back in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.auth import mfa_setup_session
from userpool.auth.account import _caller, _locked
from userpool.auth.runtime import AuthRuntime
from userpool.directory import mfa
from userpool.model.errors import (
    EnableSoftwareTokenMFAException,
    InvalidParameterException,
    SoftwareTokenMFANotFoundException,
)

# Chosen texts (no real ones found; docs/decisions.md).
BOTH = "Only one of AccessToken or Session can be provided."
NEITHER = "Missing required parameter AccessToken or Session"
NOTHING_PENDING = "No software token has been associated with the user; call AssociateSoftwareToken first."


def associate_software_token(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    if _by_session(body):
        return mfa_setup_session.associate(auth, body)
    caller = _caller(auth, body)
    with auth.rt.store.transaction() as tx:
        user, secret_code = mfa.associate(auth.rt.random, _locked(tx, caller))
        tx.update_user(user)
    return {"SecretCode": secret_code}


def verify_software_token(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    if _by_session(body):
        return mfa_setup_session.verify(auth, body)
    caller = _caller(auth, body)
    with auth.rt.store.transaction() as tx:
        user = _locked(tx, caller)
        if user.mfa.pending_secret is None:
            raise SoftwareTokenMFANotFoundException(NOTHING_PENDING)
        verified = mfa.verify_pending(user, body["UserCode"], auth.rt.clock.now(), body.get("FriendlyDeviceName"))
        if verified is None:
            raise EnableSoftwareTokenMFAException()
        tx.update_user(verified)
    return {"Status": "SUCCESS"}


def _by_session(body: Mapping[str, Any]) -> bool:
    """True for the MFA_SETUP form (a Session, no access token); refuses both or neither."""
    has_token, has_session = body.get("AccessToken") is not None, body.get("Session") is not None
    if has_token and has_session:
        raise InvalidParameterException(BOTH)
    if not has_token and not has_session:
        raise InvalidParameterException(NEITHER)
    return has_session
