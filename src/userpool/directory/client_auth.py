"""How public operations authenticate the app client (spec §1.6, §3.0 step 6, §4.12).

A client with a secret requires ``SECRET_HASH`` / ``SecretHash`` on every call that takes
one; its value is ``Base64(HMAC-SHA256(secret, username + client_id))``, compared in
constant time.
"""

from __future__ import annotations

import hmac

from userpool.crypto.secret_hash import verify_secret_hash
from userpool.model.entities import AppClient
from userpool.model.errors import NotAuthorizedException


def check_secret_hash(client: AppClient, username: str, secret_hash: str | None) -> None:
    if client.secret is None:
        return
    if not secret_hash:
        raise NotAuthorizedException(
            f"Client {client.client_id} is configured for secret but secret was not received"
        )
    if not verify_secret_hash(client.secret, username, client.client_id, secret_hash):
        raise NotAuthorizedException(f"Unable to verify secret hash for client {client.client_id}")


def check_client_secret(client: AppClient, secret: str | None) -> bool:
    """RevokeToken / GetTokensFromRefreshToken send the raw secret."""
    if client.secret is None:
        return True
    return secret is not None and hmac.compare_digest(client.secret.encode(), secret.encode())
