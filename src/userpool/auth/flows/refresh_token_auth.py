"""REFRESH_TOKEN_AUTH / REFRESH_TOKEN (spec §3.3): new ID and access tokens from a refresh
token of this client; no refresh token comes back, ``auth_time`` and ``origin_jti`` are
kept. SECRET_HASH is computed over the internal username.

GetTokensFromRefreshToken (Amplify v6's only refresh path) shares ``issue``; it
authenticates the client with the raw ``ClientSecret`` instead of a SECRET_HASH.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from userpool.auth import tokens
from userpool.auth.context import FlowContext
from userpool.auth.flows.base import AuthFlow
from userpool.directory.client_auth import check_secret_hash
from userpool.model.entities import AppClient
from userpool.model.errors import InvalidParameterException, NotAuthorizedException


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

    @staticmethod
    def issue(ctx: FlowContext, authenticate_client: Callable[[AppClient, str, str | None], None]) -> dict[str, Any]:
        """The AuthenticationResult of a refresh: the client authenticated over the token's
        internal username, then every check on the token and its user, in one read."""
        with ctx.auth.rt.store.read() as tx:
            record = tx.get_refresh_token(tokens.hash_refresh_token(ctx.param("REFRESH_TOKEN")))
            if record is None or record.client_id != ctx.client.client_id:
                raise NotAuthorizedException("Invalid Refresh Token")
            authenticate_client(ctx.client, record.username, ctx.optional("SECRET_HASH"))
            grant = tokens.refresh_grant(ctx.auth, tx, ctx.pool, ctx.client, record, ctx.issuer,
                                         ctx.optional("DEVICE_KEY"))
        return tokens.sign_tokens(ctx.auth, grant, None)
