"""Passkeys (WebAuthn, spec §5.15, §11.4): registration, listing and deletion of a user's
credentials, and the request options and assertion check of USER_AUTH's WEB_AUTHN challenge.

The WebAuthn checks are py_webauthn's (W3C WebAuthn Level 3 §7.1 / §7.2): challenge, origin,
rpIdHash, user presence, user verification when the pool requires it (``UserVerification``
"required"), signature, and the signature counter, which must grow unless the authenticator keeps
none (both zero): a counter that goes backwards is a cloned authenticator and is refused.

Configuration: the pool's ``WebAuthnConfiguration.RelyingPartyId`` (required: this server has no
user-pool domain to default to — WebAuthnConfigurationMissingException otherwise) and
``UserVerification``; passkeys need the Essentials tier or higher and WEB_AUTHN among the pool's
AllowedFirstAuthFactors (WebAuthnNotEnabledException). Allowed origins: ``https://`` on the
relying party's domain or a subdomain of it (any port), and, when the relying party is
``localhost``, ``http://localhost`` and ``http://127.0.0.1`` on any port (browsers treat those as
secure contexts); an origin is what a browser writes, ``scheme://host[:port]`` and nothing more.

A user has at most ``MAX_PASSKEYS`` passkeys (LimitExceededException beyond). Sign-in offers, and
GetUserAuthFactors counts, only the passkeys of the relying party now configured: an
authenticator scopes a credential to the relying party it was made for, so the others can no
longer sign in (ListWebAuthnCredentials still shows them, with their RelyingPartyId, so they can be
deleted). A validly signed assertion whose counter went backwards (a cloned authenticator) is
refused and logged at warning level on ``userpool.passkeys``.

A registration's challenge is kept in a ``codes`` row (purpose WEBAUTHN_REGISTRATION) with the app
client that asked for it, for five minutes; CompleteWebAuthnRegistration spends it, right or wrong.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, exceptions
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from userpool.directory import first_factors, pagination
from userpool.directory.runtime import Runtime
from userpool.model.entities import CodePurpose, User, UserPool, VerificationCode, WebAuthnCredential
from userpool.model.errors import (
    InvalidParameterException,
    LimitExceededException,
    ResourceNotFoundException,
    StoreConflict,
    WebAuthnChallengeNotFoundException,
    WebAuthnClientMismatchException,
    WebAuthnConfigurationMissingException,
    WebAuthnCredentialNotSupportedException,
    WebAuthnNotEnabledException,
    WebAuthnOriginNotAllowedException,
    WebAuthnRelyingPartyMismatchException,
)
from userpool.model.ports import Tx

#: How long a registration may take, and the ``timeout`` the options announce (ms).
REGISTRATION_SECONDS = 300.0
TIMEOUT_MS = 180_000
LIST_LIMIT = 20
#: Passkeys a user may have; all of them fit one ListWebAuthnCredentials page.
MAX_PASSKEYS = 20
#: How many stored passkeys are read for one user (more than MAX_PASSKEYS: rows made before the cap).
_READ_LIMIT = 100
TOO_MANY = f"A user can register at most {MAX_PASSKEYS} passkeys."

#: The key types offered and accepted: ES256 and RS256, as Cognito's options list them (Amplify's
#: test data of StartWebAuthnRegistration's answer).
ALGORITHMS = [COSEAlgorithmIdentifier.ECDSA_SHA_256, COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256]

_log = logging.getLogger("userpool.passkeys")


def configured(pool: UserPool) -> bool:
    """Whether the pool offers passkeys: Essentials tier or higher, WEB_AUTHN allowed and a
    relying party configured."""
    return (pool.tier != "LITE" and first_factors.WEB_AUTHN in first_factors.allowed(pool)
            and bool(_settings(pool).get("RelyingPartyId")))


def require_enabled(pool: UserPool) -> tuple[str, bool]:
    """The relying party ID and whether user verification is required; Cognito's errors when the
    pool does not offer passkeys."""
    if pool.tier == "LITE":
        raise WebAuthnNotEnabledException("Passkeys are not available in the Lite tier.")
    if first_factors.WEB_AUTHN not in first_factors.allowed(pool):
        raise WebAuthnNotEnabledException("Passkeys are not enabled for this user pool: AllowedFirstAuthFactors "
                                          "does not include WEB_AUTHN.")
    settings = _settings(pool)
    rp_id = settings.get("RelyingPartyId")
    if not rp_id:
        raise WebAuthnConfigurationMissingException("The user pool has no WebAuthnConfiguration RelyingPartyId.")
    return str(rp_id), settings.get("UserVerification") == "required"


def has_passkeys(tx: Tx, pool: UserPool, user: User) -> bool:
    """Whether ``user`` can sign in with a passkey: the pool offers passkeys and the user has one
    for the relying party now configured."""
    return configured(pool) and bool(_usable(tx, pool, user, str(_settings(pool)["RelyingPartyId"])))


def _usable(tx: Tx, pool: UserPool, user: User, rp_id: str) -> list[WebAuthnCredential]:
    """The user's passkeys made for ``rp_id``."""
    return [c for c in tx.list_passkeys(pool.id, user.username, _READ_LIMIT) if c.relying_party_id == rp_id]


def user_handle(user: User) -> bytes:
    """``user.id`` of the credentials: the user's ``sub`` (opaque, stable, no personal data)."""
    return user.sub.encode()


# --- registration ---------------------------------------------------------------------------


def start_registration(rt: Runtime, tx: Tx, pool: UserPool, user: User, client_id: str) -> dict[str, Any]:
    """StartWebAuthnRegistration's ``CredentialCreationOptions`` (a JSON object, §11.4); the
    challenge is kept for ``REGISTRATION_SECONDS``, bound to the client that asked."""
    rp_id, uv_required = require_enabled(pool)
    existing = tx.list_passkeys(pool.id, user.username, _READ_LIMIT)
    if len(existing) >= MAX_PASSKEYS:
        raise LimitExceededException(TOO_MANY)
    challenge = rt.random.bytes(32)
    options = generate_registration_options(
        rp_id=rp_id, rp_name=pool.name, user_id=user_handle(user), user_name=_display_name(user),
        user_display_name=_display_name(user), challenge=challenge, timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED if uv_required
            else UserVerificationRequirement.PREFERRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id))
                             for c in existing],
        supported_pub_key_algs=ALGORITHMS,
    )
    now = rt.clock.now()
    tx.put_code(VerificationCode(pool.id, user.username, CodePurpose.WEBAUTHN_REGISTRATION, b"", now,
                                 now + REGISTRATION_SECONDS, value=f"{client_id} {bytes_to_base64url(challenge)}"))
    return {"CredentialCreationOptions": json.loads(options_to_json(options))}


def complete_registration(rt: Runtime, tx: Tx, pool: UserPool, user: User, client_id: str,
                          credential: Any) -> dict[str, Any]:
    """CompleteWebAuthnRegistration: the attestation verified against the challenge this client
    started, and the credential stored. The started registration is spent either way. The user's
    row is locked first, so two completions of one registration cannot both read it unspent."""
    rp_id, uv_required = require_enabled(pool)
    tx.lock_user(pool.id, user.username)
    pending = tx.get_code(pool.id, user.username, CodePurpose.WEBAUTHN_REGISTRATION)
    if pending is None or pending.expires_at <= rt.clock.now() or not pending.value:
        raise WebAuthnChallengeNotFoundException("The registration has expired or was never started.")
    started_by, _, challenge = pending.value.partition(" ")
    tx.delete_code(pool.id, user.username, CodePurpose.WEBAUTHN_REGISTRATION)
    if started_by != client_id:
        raise WebAuthnClientMismatchException("The registration was started by another app client.")
    if not isinstance(credential, Mapping):
        raise InvalidParameterException("Credential must be a RegistrationResponseJSON object.")
    if _client_origin(credential) is None:
        raise InvalidParameterException("Credential is not a valid registration response: no clientDataJSON origin.")
    origin = _origin(credential, rp_id)
    if origin is None:
        raise WebAuthnOriginNotAllowedException("The credential's origin is not allowed for the relying party.")
    try:
        verified = verify_registration_response(
            credential=dict(credential), expected_challenge=base64url_to_bytes(challenge), expected_rp_id=rp_id,
            expected_origin=origin, require_user_verification=uv_required, supported_pub_key_algs=ALGORITHMS)
    except exceptions.InvalidRegistrationResponse as error:
        raise _registration_error(str(error)) from None
    except (exceptions.WebAuthnException, ValueError, KeyError, TypeError):
        raise InvalidParameterException("Credential is not a valid registration response.") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    response = credential.get("response")
    listed = response.get("transports") if isinstance(response, Mapping) else None
    transports = tuple(t for t in (listed if isinstance(listed, list) else []) if isinstance(t, str))[:8]
    attachment = credential.get("authenticatorAttachment")
    if len(tx.list_passkeys(pool.id, user.username, _READ_LIMIT)) >= MAX_PASSKEYS:
        raise LimitExceededException(TOO_MANY)
    try:
        tx.insert_passkey(WebAuthnCredential(
            pool_id=pool.id, username=user.username, credential_id=credential_id,
            public_key=verified.credential_public_key, sign_count=verified.sign_count, relying_party_id=rp_id,
            created=rt.clock.now(), friendly_name=_friendly_name(verified.aaguid),
            attachment=attachment if isinstance(attachment, str) else None, transports=transports))
    except StoreConflict:
        raise WebAuthnCredentialNotSupportedException("This credential is registered already.") from None
    return {}


def _registration_error(message: str) -> Exception:
    if "RP ID" in message:
        return WebAuthnRelyingPartyMismatchException("The credential is for another relying party.")
    if "challenge" in message:
        return WebAuthnChallengeNotFoundException("The credential answers another challenge.")
    if "verif" in message or "present" in message or "Unsupported" in message:
        return WebAuthnCredentialNotSupportedException(message)
    return InvalidParameterException(f"Credential is not a valid registration response: {message}")


# --- listing and deletion -------------------------------------------------------------------


def listing(tx: Tx, pool: UserPool, user: User, body: Mapping[str, Any]) -> dict[str, Any]:
    """ListWebAuthnCredentials: ``MaxResults`` per page (at most 20), ``NextToken``."""
    limit = pagination.page_limit(body.get("MaxResults"), LIST_LIMIT, LIST_LIMIT)
    found = tx.list_passkeys(pool.id, user.username, limit + 1, pagination.decode(body.get("NextToken")))
    return pagination.page(found, limit, lambda c: c.credential_id, "Credentials", "NextToken", _description)


def delete(tx: Tx, pool: UserPool, user: User, credential_id: str) -> dict[str, Any]:
    """DeleteWebAuthnCredential: only the caller's own credential."""
    found = tx.get_passkey(pool.id, credential_id)
    if found is None or found.username != user.username:
        raise ResourceNotFoundException("Credential not found.")
    tx.delete_passkey(pool.id, credential_id)
    return {}


def _description(credential: WebAuthnCredential) -> dict[str, Any]:
    out: dict[str, Any] = {"CredentialId": credential.credential_id, "RelyingPartyId": credential.relying_party_id,
                           "CreatedAt": credential.created, "AuthenticatorTransports": list(credential.transports)}
    if credential.friendly_name:
        out["FriendlyCredentialName"] = credential.friendly_name
    if credential.attachment:
        out["AuthenticatorAttachment"] = credential.attachment
    return out


# --- sign-in (USER_AUTH's WEB_AUTHN) --------------------------------------------------------


def assertion_options(rt: Runtime, tx: Tx, pool: UserPool, user: User) -> tuple[str, dict[str, Any]]:
    """``CREDENTIAL_REQUEST_OPTIONS`` (a JSON string, §11.4) for the user's passkeys, and the state
    the WEB_AUTHN session must carry (challenge, relying party, user verification)."""
    rp_id, uv_required = require_enabled(pool)
    challenge = rt.random.bytes(32)
    credentials = _usable(tx, pool, user, rp_id)
    options = generate_authentication_options(
        rp_id=rp_id, challenge=challenge, timeout=TIMEOUT_MS,
        allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id))
                           for c in credentials],
        user_verification=UserVerificationRequirement.REQUIRED if uv_required
        else UserVerificationRequirement.PREFERRED)
    return options_to_json(options), {"challenge": bytes_to_base64url(challenge), "rp_id": rp_id,
                                      "uv": uv_required}


def verify_assertion(tx: Tx, pool: UserPool, user: User, state: Mapping[str, Any], credential_json: str) -> bool | None:
    """Checks a WEB_AUTHN answer against ``state`` (``assertion_options``) and one of ``user``'s
    passkeys (its ``userHandle``, when sent, must be the user's); on success stores the new
    counter and returns whether the user was verified (UV); None for any failure (the caller
    answers NotAuthorizedException). A validly signed assertion whose counter did not grow is a
    cloned authenticator: refused, and logged."""
    try:
        credential = json.loads(credential_json)
        if not isinstance(credential, dict):
            return None
        stored = tx.get_passkey(pool.id, str(credential.get("id") or ""))
        if stored is None or stored.username != user.username:
            return None
        response = credential.get("response")
        handle = response.get("userHandle") if isinstance(response, dict) else None
        if handle and base64url_to_bytes(str(handle)) != user_handle(user):
            return None
        origin = _origin(credential, str(state["rp_id"]))
        if origin is None:
            return None
        expected: dict[str, Any] = {
            "credential": credential, "expected_challenge": base64url_to_bytes(str(state["challenge"])),
            "expected_rp_id": str(state["rp_id"]), "expected_origin": origin,
            "credential_public_key": stored.public_key, "require_user_verification": bool(state.get("uv"))}
        try:
            verified = verify_authentication_response(**expected, credential_current_sign_count=stored.sign_count)
        except exceptions.InvalidAuthenticationResponse as error:
            if "sign count" in str(error):
                _record_clone(pool, stored, expected)
            return None
    except (exceptions.WebAuthnException, ValueError, KeyError, TypeError):
        return None
    tx.set_passkey_sign_count(pool.id, stored.credential_id, verified.new_sign_count)
    return bool(verified.user_verified)


def _record_clone(pool: UserPool, stored: WebAuthnCredential, expected: dict[str, Any]) -> None:
    """Logs a counter that went backwards — once the rest of the assertion, its signature included,
    is found right (py_webauthn checks the counter before the signature, so a forgery must not be
    taken for a clone)."""
    try:
        presented = verify_authentication_response(**expected, credential_current_sign_count=0).new_sign_count
    except (exceptions.WebAuthnException, ValueError, KeyError, TypeError):
        return
    _log.warning("passkey counter went backwards (cloned authenticator?), sign-in refused: pool=%s user=%s "
                 "credential=%s stored=%d presented=%d", pool.id, stored.username, stored.credential_id,
                 stored.sign_count, presented)


# --- helpers --------------------------------------------------------------------------------


def _settings(pool: UserPool) -> Mapping[str, Any]:
    settings = pool.config.get("WebAuthnConfiguration")
    return settings if isinstance(settings, Mapping) else {}


def _client_origin(credential: Mapping[str, Any]) -> str | None:
    """The ``origin`` in the credential's clientDataJSON; None when there is none to read."""
    try:
        response = credential["response"]
        client_data = json.loads(base64url_to_bytes(str(response["clientDataJSON"])))
        origin = client_data["origin"]
    except (KeyError, TypeError, ValueError):
        return None
    return origin if isinstance(origin, str) else None


def _origin(credential: Mapping[str, Any], rp_id: str) -> str | None:
    """The origin in the credential's clientDataJSON, when it may sign in for ``rp_id``."""
    origin = _client_origin(credential)
    if origin is None:
        return None
    try:
        parts = urlsplit(origin)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return None
    if origin != f"{parts.scheme}://{host}" + ("" if port is None else f":{port}"):
        return None  # not an origin as a browser serialises it (user info, path, query, case, ...)
    if parts.scheme == "https" and (host == rp_id or host.endswith("." + rp_id)):
        return origin
    if parts.scheme == "http" and rp_id == "localhost" and host in ("localhost", "127.0.0.1"):
        return origin
    return None


def _display_name(user: User) -> str:
    return user.attributes.get("email") or user.attributes.get("preferred_username") or user.username


def _friendly_name(aaguid: str) -> str | None:
    return None if not aaguid or aaguid == "00000000-0000-0000-0000-000000000000" else f"Authenticator {aaguid}"
