"""ID, access and refresh tokens (spec §6), and access-token checks for API calls (§3.8, §6.6).

ID and access tokens are RS256 JWTs signed with the pool's two keys; the PreTokenGeneration
trigger's answer (``auth.token_customization``) adjusts their claims just before they are
signed. Refresh tokens are
random handles stored only as their SHA-256, bound to pool, client and user, in a family
(``origin_jti``) that RevokeToken and GlobalSignOut revoke.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from userpool.auth.runtime import AuthRuntime
from userpool.crypto import jwt
from userpool.directory import attributes as attribute_rules
from userpool.directory import request_scope
from userpool.directory.ids import new_uuid
from userpool.model.entities import AppClient, Device, Group, RefreshTokenRecord, User, UserPool, UserStatus
from userpool.model.errors import NotAuthorizedException, PasswordResetRequiredException, UserNotFoundException
from userpool.model.ports import Tx

SCOPE_ADMIN = "aws.cognito.signin.user.admin"
_BOOLEAN_CLAIMS = {"email_verified", "phone_number_verified"}
#: ID-token claims whose JSON type is not a string (spec §6.1).
TYPED_ID_CLAIMS = frozenset({*_BOOLEAN_CLAIMS, "updated_at", "address"})
#: What made the tokens, the ``TokenGeneration_`` trigger source of PreTokenGeneration (spec §7.3).
AUTHENTICATION = "Authentication"
NEW_PASSWORD_CHALLENGE = "NewPasswordChallenge"
REFRESH_TOKENS = "RefreshTokens"
AUTHENTICATE_DEVICE = "AuthenticateDevice"

#: Adjusts the ID and access token claims (in place) just before they are signed.
ClaimsAdjuster = Callable[[dict[str, Any], dict[str, Any]], None]


@dataclass(frozen=True)
class TokenGrant:
    """What one issuance needs, decided before the database write and signed after it.
    ``groups`` are the user's groups in precedence order; ``source`` says what made the tokens."""

    pool: UserPool
    client: AppClient
    user: User
    groups: tuple[Group, ...]
    auth_time: int
    origin_jti: str
    issuer: str
    device_key: str | None = None
    source: str = AUTHENTICATION

    @property
    def group_names(self) -> list[str]:
        return [group.name for group in self.groups]

    @property
    def roles(self) -> list[str]:
        """``cognito:roles``: the IAM roles of the user's groups, each once (spec §6.2)."""
        return list(dict.fromkeys(group.role_arn for group in self.groups if group.role_arn))

    @property
    def preferred_role(self) -> str | None:
        """``cognito:preferred_role``: the role of the group with the lowest precedence among those
        with a role (a group without precedence comes last); when groups tie at that precedence
        with different roles, none (Cognito's "Assigning precedence values to groups")."""
        with_role = [group for group in self.groups if group.role_arn]
        if not with_role:
            return None
        best = min(with_role, key=_precedence_order).precedence
        roles = {group.role_arn for group in with_role if group.precedence == best}
        return roles.pop() if len(roles) == 1 else None


def _precedence_order(group: Group) -> tuple[bool, int]:
    return group.precedence is None, group.precedence or 0


#: Attributes whose claim is not their string value (``attribute_claim``).
_TYPED_CLAIMS = frozenset({*_BOOLEAN_CLAIMS, "updated_at", "address"})


def attribute_claim(name: str, value: str) -> Any:
    """An attribute as an ID-token claim: strings, except ``email_verified`` and
    ``phone_number_verified`` (booleans), ``updated_at`` (a number) and ``address`` (an object)
    (spec §6.1)."""
    if name in _BOOLEAN_CLAIMS:
        return value == "true"
    if name == "updated_at":
        return int(value) if value.isdigit() else value
    if name == "address":
        try:
            return json.loads(value)
        except ValueError:
            return {"formatted": value}
    return value


def hash_refresh_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_refresh_token(auth: AuthRuntime, tx: Tx, grant: TokenGrant, *, expires_at: float | None = None) -> str:
    """Mints a refresh token and stores its hash (inside the caller's transaction); it expires
    after the client's RefreshTokenValidity, or at ``expires_at`` (a rotated family's end)."""
    token = base64.urlsafe_b64encode(auth.rt.random.bytes(48)).decode().rstrip("=")
    now = auth.rt.clock.now()
    tx.insert_refresh_token(RefreshTokenRecord(
        token_hash=hash_refresh_token(token), pool_id=grant.pool.id, client_id=grant.client.client_id,
        username=grant.user.username, origin_jti=grant.origin_jti, auth_time=grant.auth_time, issued_at=now,
        expires_at=expires_at if expires_at is not None else now + grant.client.refresh_token_validity_seconds,
        device_key=grant.device_key,
    ))
    return token


def _id_claims(grant: TokenGrant, now: int, event_id: str, jti: str) -> dict[str, Any]:
    claims: dict[str, Any] = {
        name: attribute_claim(name, value) if name in _TYPED_CLAIMS else value
        for name, value in attribute_rules.readable(grant.user.attributes, grant.client).items()
    }
    if grant.groups:
        claims["cognito:groups"] = grant.group_names
        roles = grant.roles
        if roles:
            claims["cognito:roles"] = roles
        preferred = grant.preferred_role if roles else None
        if preferred:
            claims["cognito:preferred_role"] = preferred
    claims.update({
        "sub": grant.user.sub, "iss": grant.issuer, "cognito:username": grant.user.username,
        "aud": grant.client.client_id, "event_id": event_id, "token_use": "id",
        "auth_time": grant.auth_time, "exp": now + grant.client.id_token_validity_seconds, "iat": now,
        "jti": jti,
    })
    if grant.client.enable_token_revocation:
        claims["origin_jti"] = grant.origin_jti
    return claims


def _access_claims(grant: TokenGrant, now: int, event_id: str, jti: str) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": grant.user.sub}
    if grant.groups:
        claims["cognito:groups"] = grant.group_names
    if grant.device_key:
        claims["device_key"] = grant.device_key
    claims.update({
        "iss": grant.issuer, "client_id": grant.client.client_id, "event_id": event_id,
        "token_use": "access", "scope": SCOPE_ADMIN, "auth_time": grant.auth_time,
        "exp": now + grant.client.access_token_validity_seconds, "iat": now, "jti": jti,
        "username": grant.user.username,
    })
    if grant.client.enable_token_revocation:
        claims["origin_jti"] = grant.origin_jti
    return claims


def _issued_at(grant: TokenGrant, now: float) -> int:
    """``iat``. Tokens of clients without revocation carry no ``origin_jti`` and are revoked by
    GlobalSignOut's time; ``iat`` has whole seconds, so a token issued in the same second
    after a sign-out takes the next second, or it would count as issued before it."""
    revoked_at = grant.user.tokens_revoked_at
    if not grant.client.enable_token_revocation and revoked_at is not None and int(now) <= revoked_at:
        return int(revoked_at) + 1
    return int(now)


def sign_tokens(auth: AuthRuntime, grant: TokenGrant, refresh_token: str | None,
                adjust: ClaimsAdjuster | None = None) -> dict[str, Any]:
    """``AuthenticationResult``: two signatures, no database access. ``adjust`` (the
    PreTokenGeneration answer) changes the claims first."""
    now = _issued_at(grant, auth.rt.clock.now())
    event_id = new_uuid(auth.rt.random)
    id_kid, id_key = auth.keys.signer(grant.pool.id, "id")
    access_kid, access_key = auth.keys.signer(grant.pool.id, "access")
    access_claims = _access_claims(grant, now, event_id, new_uuid(auth.rt.random))
    id_claims = _id_claims(grant, now, event_id, new_uuid(auth.rt.random))
    if adjust is not None:
        adjust(id_claims, access_claims)
    result: dict[str, Any] = {
        "AccessToken": jwt.sign(access_claims, access_key, access_kid),
        "ExpiresIn": grant.client.access_token_validity_seconds,
        "TokenType": "Bearer",
        "IdToken": jwt.sign(id_claims, id_key, id_kid),
    }
    if refresh_token is not None:
        result["RefreshToken"] = refresh_token
    return result


def user_groups(tx: Tx, user: User) -> tuple[Group, ...]:
    """The user's groups, in precedence order (the order of ``cognito:groups``)."""
    return tuple(tx.groups_of(user.pool_id, user.username))


@dataclass(frozen=True)
class AccessContext:
    """The caller of an access-token operation, after every check."""

    pool: UserPool
    user: User
    client_id: str
    claims: Mapping[str, Any]
    client: AppClient


INVALID_ACCESS = "Invalid Access Token"


def authenticate(auth: AuthRuntime, tx: Tx, token: str) -> AccessContext:
    """Signature, expiry, ``token_use``, scope, revocation and the user's state (spec §3.8).

    The token's app client must still exist: a deleted client's tokens are "Invalid Access
    Token". Client and pool come from one joined read, so this check costs no query."""
    try:
        _, unverified = jwt.decode_unverified(token)
    except jwt.InvalidToken:
        raise NotAuthorizedException(INVALID_ACCESS) from None
    issuer, client_id = unverified.get("iss"), unverified.get("client_id")
    pool_id = issuer.rsplit("/", 1)[-1] if isinstance(issuer, str) else ""
    found = tx.get_client_with_pool(client_id) if pool_id and isinstance(client_id, str) and client_id else None
    if found is None or found[1].id != pool_id:
        raise NotAuthorizedException(INVALID_ACCESS)
    client, pool = found
    try:
        claims = jwt.verify(token, lambda kid: auth.keys.verifier(pool.id, kid), auth.rt.clock.now())
    except jwt.ExpiredToken:
        raise NotAuthorizedException("Access Token has expired") from None
    except jwt.InvalidToken:
        raise NotAuthorizedException(INVALID_ACCESS) from None
    if (claims.get("token_use") != "access" or not isinstance(claims.get("username"), str)
            or claims.get("client_id") != client.client_id):
        raise NotAuthorizedException(INVALID_ACCESS)
    request_scope.note(pool.id, client.client_id)  # the token is genuine: its pool and client are the caller's
    if SCOPE_ADMIN not in str(claims.get("scope", "")).split():
        raise NotAuthorizedException("Access Token does not have required scopes")
    user = tx.get_user(pool.id, claims["username"])
    if user is None or user.sub != claims.get("sub"):
        raise UserNotFoundException()
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    if _revoked(tx, pool.id, user, claims):
        raise NotAuthorizedException("Access Token has been revoked")
    return AccessContext(pool, user, client.client_id, claims, client)


def _revoked(tx: Tx, pool_id: str, user: User, claims: Mapping[str, Any]) -> bool:
    """A token with ``origin_jti`` is revoked with its family (exact); one without (clients
    with revocation disabled) by GlobalSignOut's time, to the second, conservatively."""
    origin = claims.get("origin_jti")
    if isinstance(origin, str):
        return tx.is_family_revoked(pool_id, origin)
    revoked_at = user.tokens_revoked_at
    return revoked_at is not None and float(claims.get("iat", 0)) <= revoked_at


def refresh_grant(auth: AuthRuntime, pool: UserPool, client: AppClient, record: RefreshTokenRecord,
                  user: User | None, groups: tuple[Group, ...], issuer: str, device_key: str | None,
                  device: Device | None = None) -> TokenGrant:
    """Checks a stored refresh token and its user (as read with it) for REFRESH_TOKEN_AUTH
    (spec §3.3); returns the grant to sign. A disabled user hears "User is disabled." (its
    tokens were revoked with it); a RESET_REQUIRED user is refused like a sign-in (spec §3.7,
    AdminResetUserPassword: "PasswordResetRequiredException"). A token issued on a device
    (``device``: that device as read with it) works only with the device's key, and only once
    the device is confirmed (spec §11.2)."""
    if record.pool_id != pool.id or record.client_id != client.client_id:
        raise NotAuthorizedException("Invalid Refresh Token")
    if user is None:
        raise NotAuthorizedException("Invalid Refresh Token")
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    if record.revoked:
        raise NotAuthorizedException("Refresh Token has been revoked")
    if record.expires_at <= auth.rt.clock.now():
        raise NotAuthorizedException("Refresh Token has expired")
    if record.device_key is not None and (device_key != record.device_key or device is None or not device.confirmed):
        raise NotAuthorizedException("Invalid Refresh Token")
    if user.status == UserStatus.RESET_REQUIRED:
        raise PasswordResetRequiredException()
    return TokenGrant(pool, client, user, groups, record.auth_time, record.origin_jti, issuer, record.device_key,
                      REFRESH_TOKENS)
