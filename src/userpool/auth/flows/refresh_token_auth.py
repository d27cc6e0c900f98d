"""REFRESH_TOKEN_AUTH / REFRESH_TOKEN (spec §3.3): new ID and access tokens from a refresh
token of this client; no refresh token comes back, ``auth_time`` and ``origin_jti`` are
kept. SECRET_HASH is computed over the internal username.

GetTokensFromRefreshToken (Amplify v6's only refresh path) shares ``issue``; it
authenticates the client with the raw ``ClientSecret`` instead of a SECRET_HASH. For a client with
``RefreshTokenRotation`` ENABLED it ``rotate``s: a new refresh token of the same family comes
back, and the one presented keeps working for ``RetryGracePeriodSeconds`` (client retries); used
after that it is a reuse — ``RefreshTokenReuseException``, and the whole family is revoked, since
either the client or a thief holds a stolen copy (spec §3.3, §6.8).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from userpool.auth import token_customization, tokens
from userpool.auth.context import FlowContext
from userpool.auth.flows.base import AuthFlow
from userpool.directory.client_auth import check_secret_hash
from userpool.model.entities import AppClient, UserPool
from userpool.model.errors import InvalidParameterException, NotAuthorizedException, RefreshTokenReuseException
from userpool.model.ports import Tx


def rotation_enabled(client: AppClient) -> bool:
    return (client.config.get("RefreshTokenRotation") or {}).get("Feature") == "ENABLED"


class RefreshTokenAuthFlow(AuthFlow):
    names = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
    enabled_by = ("ALLOW_REFRESH_TOKEN_AUTH",)
    implicit_for_legacy_clients = True

    def start(self, ctx: FlowContext) -> dict[str, Any]:
        if rotation_enabled(ctx.client):
            raise InvalidParameterException(
                "Refresh token rotation is enabled for this client; use GetTokensFromRefreshToken"
            )
        return {"ChallengeParameters": {}, "AuthenticationResult": self.issue(ctx, check_secret_hash)}

    def preload(self, tx: Tx, parameters: Mapping[str, str], pool: UserPool, client: AppClient) -> Any:
        """The token's record, its user and the user's groups, read with the pool and client."""
        token = parameters.get("REFRESH_TOKEN")
        record = tx.get_refresh_token(tokens.hash_refresh_token(token)) if token else None
        if record is None or record.pool_id != pool.id or record.client_id != client.client_id:
            return None
        user = tx.get_user(pool.id, record.username)
        device = tx.get_device(pool.id, record.device_key) if record.device_key else None
        return record, user, tokens.user_groups(tx, user) if user is not None else (), device

    @staticmethod
    def issue(ctx: FlowContext, authenticate_client: Callable[[AppClient, str, str | None], None],
              client_metadata: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The AuthenticationResult of a refresh: the client authenticated over the token's
        internal username, then every check on the token and its user (all read by ``preload``),
        then PreTokenGeneration (``TokenGeneration_RefreshTokens``; ``client_metadata`` is
        GetTokensFromRefreshToken's, InitiateAuth passes none: spec §7.4, §11.7)."""
        ctx.param("REFRESH_TOKEN")
        if ctx.preloaded is None:
            raise NotAuthorizedException("Invalid Refresh Token")
        record, user, groups, device = ctx.preloaded
        authenticate_client(ctx.client, record.username, ctx.optional("SECRET_HASH"))
        grant = tokens.refresh_grant(ctx.auth, ctx.pool, ctx.client, record, user, groups, ctx.issuer,
                                     ctx.optional("DEVICE_KEY"), device)
        return token_customization.sign(ctx, grant, None, client_metadata=client_metadata)

    @staticmethod
    def rotate(ctx: FlowContext, authenticate_client: Callable[[AppClient, str, str | None], None],
               client_metadata: Mapping[str, str] | None = None) -> dict[str, Any]:
        """GetTokensFromRefreshToken with rotation: the token is read again under its row lock, so
        two concurrent uses cannot both rotate a token whose grace is over; the successor keeps the
        family's ``origin_jti``, ``auth_time``, device and absolute expiry (spec §10.16: a family
        does not outlive RefreshTokenValidity by rotating). A reuse revokes the family in the same
        transaction, then is refused."""
        ctx.param("REFRESH_TOKEN")
        if ctx.preloaded is None:
            raise NotAuthorizedException("Invalid Refresh Token")
        record, user, groups, device = ctx.preloaded
        authenticate_client(ctx.client, record.username, None)
        grace = int((ctx.client.config.get("RefreshTokenRotation") or {}).get("RetryGracePeriodSeconds") or 0)
        rt = ctx.auth.rt
        with rt.store.transaction() as tx:
            now = rt.clock.now()
            current = tx.lock_refresh_token(record.token_hash)
            if current is None:
                raise NotAuthorizedException("Invalid Refresh Token")
            reused = not current.revoked and current.grace_until is not None and current.grace_until <= now
            if reused:
                tx.revoke_family(current.pool_id, current.origin_jti)
            else:
                grant = tokens.refresh_grant(ctx.auth, ctx.pool, ctx.client, current, user, groups, ctx.issuer,
                                             ctx.optional("DEVICE_KEY"), device)
                if current.grace_until is None:
                    tx.set_refresh_grace(current.token_hash, now + grace)
                successor = tokens.new_refresh_token(ctx.auth, tx, grant, expires_at=current.expires_at)
        if reused:
            raise RefreshTokenReuseException()
        return token_customization.sign(ctx, grant, successor, client_metadata=client_metadata)
