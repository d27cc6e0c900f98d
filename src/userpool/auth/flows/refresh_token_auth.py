"""REFRESH_TOKEN_AUTH / REFRESH_TOKEN (spec §3.3): new ID and access tokens from a refresh
token of this client; no refresh token comes back, ``auth_time`` and ``origin_jti`` are
kept. SECRET_HASH is computed over the internal username.

GetTokensFromRefreshToken (Amplify v6's only refresh path) shares ``issue``; it
authenticates the client with the raw ``ClientSecret`` instead of a SECRET_HASH.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from userpool.auth import token_customization, tokens
from userpool.auth.context import FlowContext
from userpool.auth.flows.base import AuthFlow
from userpool.directory.client_auth import check_secret_hash
from userpool.model.entities import AppClient, UserPool
from userpool.model.errors import InvalidParameterException, NotAuthorizedException
from userpool.model.ports import Tx


class RefreshTokenAuthFlow(AuthFlow):
    names = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
    enabled_by = ("ALLOW_REFRESH_TOKEN_AUTH",)
    implicit_for_legacy_clients = True

    def start(self, ctx: FlowContext) -> dict[str, Any]:
        rotation = (ctx.client.config.get("RefreshTokenRotation") or {}).get("Feature")
        if rotation == "ENABLED":
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
