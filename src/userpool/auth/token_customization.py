"""PreTokenGeneration (spec §6, §7.3, §7.4, §11.6, §11.7): the pool's function sees the tokens
about to be made and adds, overrides or suppresses claims, groups and (V2/V3) scopes.

The event (``version`` "1", "2" or "3" after ``LambdaConfig.PreTokenGenerationConfig.LambdaVersion``;
V1_0 when only ``LambdaConfig.PreTokenGeneration`` is set, and in a Lite pool, whose tier has no
access-token customization):

- ``triggerSource``: ``TokenGeneration_Authentication`` at the end of a sign-in,
  ``TokenGeneration_NewPasswordChallenge`` when the sign-in answered NEW_PASSWORD_REQUIRED (also
  when MFA came after it), ``TokenGeneration_RefreshTokens`` for REFRESH_TOKEN_AUTH and
  GetTokensFromRefreshToken;
- ``request``: ``userAttributes`` (every attribute, with the pseudo-attributes, as every trigger
  gets them), ``groupConfiguration`` (always there: ``groupsToOverride`` and
  ``iamRolesToOverride`` as arrays, empty without groups, ``preferredRole`` null without one),
  V2/V3 ``scopes`` (the access token's), and ``clientMetadata`` only on RespondToAuthChallenge /
  AdminRespondToAuthChallenge and GetTokensFromRefreshToken — InitiateAuth, AdminInitiateAuth and
  REFRESH_TOKEN_AUTH pass none, and the key is then absent;
- ``response``: ``{"claimsOverrideDetails": null}`` (V1) or
  ``{"claimsAndScopeOverrideDetails": null}`` (V2/V3).

The answer (``Override``):

- V1 ``claimsOverrideDetails`` {``claimsToAddOrOverride`` (string values only),
  ``claimsToSuppress``, ``groupOverrideDetails``}: the ID token only, except the groups;
- V2/V3 ``claimsAndScopeOverrideDetails`` {``idTokenGeneration`` {claimsToAddOrOverride,
  claimsToSuppress}, ``accessTokenGeneration`` {claimsToAddOrOverride, claimsToSuppress,
  scopesToAdd, scopesToSuppress}, ``groupOverrideDetails``}: values may be any JSON, except that
  the ID token's ``email_verified``, ``phone_number_verified``, ``updated_at`` and ``address``
  stay scalars (a string is typed as the attribute would be: "true" → true);
- ``groupOverrideDetails``, when given, replaces ``cognito:groups`` in both tokens and
  ``cognito:roles`` / ``cognito:preferred_role`` in the ID token; given as null or {} it removes
  them; left out, the groups stay;
- a claim both suppressed and overridden is suppressed (so is a scope both added and suppressed);
- the claims Cognito does not let a function change (``sub``, ``iss``, ``aud``, ``exp``,
  ``token_use``, ``cognito:username``, ``username``, ``client_id``, ...: ``PROTECTED``) are
  left as they are, silently (docs/decisions.md);
- an answer of the wrong shape (a non-string V1 claim value, a list that is not of strings, a
  scope with a space, ...) is InvalidLambdaResponseException "Unrecognizable lambda output".

A function error is UserLambdaValidationException "PreTokenGeneration failed with error <m>."
(``directory.triggers``) and no tokens are returned. The trigger runs after the transaction that
stored the refresh token committed (triggers never run inside one); that token is then never
handed out, and only its hash was stored, so nobody can use it (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from userpool.auth import mfa_step, tokens
from userpool.auth.context import FlowContext
from userpool.auth.device_step import DEVICE_PASSWORD_VERIFIER
from userpool.auth.session import AuthSession
from userpool.directory import triggers
from userpool.model.entities import UserPool
from userpool.model.errors import CognitoError, InvalidLambdaResponseException

TRIGGER = "PreTokenGeneration"
#: ``LambdaVersion`` → the event's ``version``.
VERSIONS = {"V1_0": "1", "V2_0": "2", "V3_0": "3"}
#: The member of ``mfa_step.CARRIED`` that takes the token source through the MFA challenges
#: after NEW_PASSWORD_REQUIRED.
SOURCE_KEY = "token_source"
NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"

#: Claims no answer may add, change or suppress, in either token (Cognito's "excluded claims").
PROTECTED = frozenset({
    "acr", "amr", "at_hash", "auth_time", "azp", "event_id", "exp", "iat", "identities", "iss", "jti", "nbf",
    "nonce", "origin_jti", "sub", "token_use",
})
_PROTECTED_ID = PROTECTED | {"aud", "cognito:username"}
#: ``scope`` changes only through scopesToAdd / scopesToSuppress; ``aud`` may be added to an
#: access token only with the app client's ID as its value.
_PROTECTED_ACCESS = PROTECTED | {"client_id", "username", "device_key", "version", "scope"}
#: The group claims: set only through groupOverrideDetails, but suppressible.
GROUP_CLAIMS = frozenset({"cognito:groups", "cognito:roles", "cognito:preferred_role"})


def version(pool: UserPool) -> str:
    """The event ``version`` of the pool's PreTokenGeneration function ("1", "2" or "3")."""
    config = (pool.config.get("LambdaConfig") or {}).get("PreTokenGenerationConfig") or {}
    chosen = VERSIONS.get(str(config.get("LambdaVersion") or "V1_0"), "1")
    return "1" if pool.tier == "LITE" else chosen


def source_of(spent: AuthSession | None) -> str:
    """The trigger source of the tokens a step makes, from the session it answered."""
    if spent is None:
        return tokens.AUTHENTICATION
    if spent.challenge == NEW_PASSWORD_REQUIRED:
        return tokens.NEW_PASSWORD_CHALLENGE
    if spent.challenge == DEVICE_PASSWORD_VERIFIER:
        return tokens.AUTHENTICATE_DEVICE
    carried = spent.data.get(mfa_step.CARRIED) or {}
    return str(carried.get(SOURCE_KEY) or tokens.AUTHENTICATION)


def carried(spent: AuthSession | None) -> dict[str, str]:
    """What the sessions of an MFA step that follows must carry for ``source_of``."""
    source = source_of(spent)
    return {SOURCE_KEY: source} if source != tokens.AUTHENTICATION else {}


def sign(ctx: FlowContext, grant: tokens.TokenGrant, refresh_token: str | None, *,
         client_metadata: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``AuthenticationResult`` for ``grant``, customized by the pool's PreTokenGeneration
    function when it has one. ``client_metadata``: GetTokensFromRefreshToken's; for a sign-in
    the call's own, when it is a RespondToAuthChallenge (spec §7.4)."""
    if triggers.function_arn(ctx.pool, TRIGGER) is None:
        return tokens.sign_tokens(ctx.auth, grant, refresh_token)
    metadata = client_metadata or (ctx.call.client_metadata if ctx.call.challenge_name else None)
    event_version = version(ctx.pool)
    answer = triggers.invoke(ctx.auth.rt, ctx.pool, TRIGGER, event(ctx, grant, event_version, metadata))
    assert answer is not None  # the pool has the function (checked above)
    override = read_answer(answer["response"], event_version)
    return tokens.sign_tokens(ctx.auth, grant, refresh_token,
                              lambda id_claims, access_claims: override.apply(id_claims, access_claims,
                                                                              grant.client.client_id))


def event(ctx: FlowContext, grant: tokens.TokenGrant, event_version: str,
          client_metadata: Mapping[str, str] | None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "userAttributes": triggers.user_attributes(ctx.pool, grant.user),
        "groupConfiguration": {"groupsToOverride": grant.group_names, "iamRolesToOverride": grant.roles,
                               "preferredRole": grant.preferred_role},
    }
    if event_version != "1":
        request["scopes"] = [tokens.SCOPE_ADMIN]
    if client_metadata:
        request["clientMetadata"] = dict(client_metadata)
    response = {"claimsOverrideDetails" if event_version == "1" else "claimsAndScopeOverrideDetails": None}
    return triggers.event(ctx.auth.rt, ctx.pool, f"TokenGeneration_{grant.source}", grant.user.username,
                          grant.client.client_id, request, response, version=event_version)


@dataclass(frozen=True)
class Groups:
    """``groupOverrideDetails``: what replaces the group claims (empty: none left)."""

    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    preferred_role: str | None = None


@dataclass(frozen=True)
class Override:
    """A PreTokenGeneration answer, checked; ``apply`` makes it take effect."""

    id_claims: Mapping[str, Any] = field(default_factory=dict)
    id_suppress: tuple[str, ...] = ()
    access_claims: Mapping[str, Any] = field(default_factory=dict)
    access_suppress: tuple[str, ...] = ()
    scopes_to_add: tuple[str, ...] = ()
    scopes_to_suppress: tuple[str, ...] = ()
    groups: Groups | None = None  # None: the groups stay

    def apply(self, id_claims: dict[str, Any], access_claims: dict[str, Any], client_id: str) -> None:
        """Changes the claims of the two tokens in place. Order: groups, claims added or
        overridden, scopes, then suppression, so what is suppressed stays suppressed."""
        if self.groups is not None:
            for name in GROUP_CLAIMS:
                id_claims.pop(name, None)
            access_claims.pop("cognito:groups", None)
            if self.groups.groups:
                id_claims["cognito:groups"] = access_claims["cognito:groups"] = list(self.groups.groups)
            if self.groups.roles:
                id_claims["cognito:roles"] = list(self.groups.roles)
            if self.groups.preferred_role:
                id_claims["cognito:preferred_role"] = self.groups.preferred_role
        for name, value in self.id_claims.items():
            if _settable(name, _PROTECTED_ID):
                id_claims[name] = value
        for name, value in self.access_claims.items():
            if _settable(name, _PROTECTED_ACCESS) or (name == "aud" and value == client_id):
                access_claims[name] = value
        if self.scopes_to_add or self.scopes_to_suppress:
            scopes = dict.fromkeys([*str(access_claims.get("scope", "")).split(), *self.scopes_to_add])
            kept = [scope for scope in scopes if scope not in self.scopes_to_suppress]
            if kept:
                access_claims["scope"] = " ".join(kept)
            else:
                access_claims.pop("scope", None)
        for name in self.id_suppress:
            if _suppressible(name, _PROTECTED_ID):
                id_claims.pop(name, None)
        for name in self.access_suppress:
            if _suppressible(name, _PROTECTED_ACCESS):
                access_claims.pop(name, None)


def _settable(name: str, protected: frozenset[str]) -> bool:
    return name not in protected and not name.startswith(("cognito:", "dev:"))


def _suppressible(name: str, protected: frozenset[str]) -> bool:
    return name not in protected and (not name.startswith("cognito:") or name in GROUP_CLAIMS)


def read_answer(response: Mapping[str, Any], event_version: str) -> Override:
    """The function's ``response``, checked against the version's shape."""
    if event_version == "1":
        details = _object(response.get("claimsOverrideDetails"))
        if details is None:
            return Override()
        return Override(
            id_claims=_claims(details.get("claimsToAddOrOverride"), json_values=False),
            id_suppress=_names(details.get("claimsToSuppress")),
            groups=_groups(details),
        )
    details = _object(response.get("claimsAndScopeOverrideDetails"))
    if details is None:
        return Override()
    id_token = _object(details.get("idTokenGeneration")) or {}
    access_token = _object(details.get("accessTokenGeneration")) or {}
    return Override(
        id_claims=_claims(id_token.get("claimsToAddOrOverride"), json_values=True),
        id_suppress=_names(id_token.get("claimsToSuppress")),
        access_claims=_access_claims(access_token.get("claimsToAddOrOverride")),
        access_suppress=_names(access_token.get("claimsToSuppress")),
        scopes_to_add=_scopes(access_token.get("scopesToAdd")),
        scopes_to_suppress=_scopes(access_token.get("scopesToSuppress")),
        groups=_groups(details),
    )


def _unrecognizable() -> CognitoError:
    return InvalidLambdaResponseException(triggers.UNRECOGNIZABLE)


def _object(value: Any) -> Mapping[str, Any] | None:
    if value is None or isinstance(value, Mapping):
        return value
    raise _unrecognizable()


def _claims(value: Any, *, json_values: bool) -> dict[str, Any]:
    """ID-token claims to add or override: strings (V1) or any JSON (V2/V3), the typed
    attribute claims as scalars, a string typed as the attribute would be."""
    claims: dict[str, Any] = {}
    for name, item in (_object(value) or {}).items():
        if isinstance(item, str):
            claims[name] = tokens.attribute_claim(name, item) if name in tokens.TYPED_ID_CLAIMS else item
        elif not json_values or (name in tokens.TYPED_ID_CLAIMS and isinstance(item, (Mapping, list))):
            raise _unrecognizable()
        else:
            claims[name] = item
    return claims


def _access_claims(value: Any) -> dict[str, Any]:
    return dict(_object(value) or {})


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _unrecognizable()
    return tuple(value)


def _scopes(value: Any) -> tuple[str, ...]:
    """Scope names: strings without white space (the ``scope`` claim separates them by spaces)."""
    names = _names(value)
    if any(not name or any(c.isspace() for c in name) for name in names):
        raise _unrecognizable()
    return names


def _groups(details: Mapping[str, Any]) -> Groups | None:
    if "groupOverrideDetails" not in details:
        return None
    value = _object(details["groupOverrideDetails"])
    if not value:
        return Groups()
    preferred = value.get("preferredRole")
    if preferred is not None and not isinstance(preferred, str):
        raise _unrecognizable()
    return Groups(_names(value.get("groupsToOverride")), _names(value.get("iamRolesToOverride")), preferred or None)
