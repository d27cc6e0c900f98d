"""What operation handlers are given (the directory and auth runtimes), the well-known
documents, and the assembly of the ASGI app from the operations table."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from userpool.auth.runtime import AuthRuntime
from userpool.directory.runtime import Runtime
from userpool.wire.cors import CorsPolicy
from userpool.wire.forwarding import BaseUrlPolicy
from userpool.wire.quotas import QuotaGate

_log = logging.getLogger("userpool.health")


@dataclass(frozen=True)
class Services:
    rt: Runtime
    auth: AuthRuntime


def health(services: Services) -> tuple[int, dict[str, Any]]:
    """``GET /health`` for load balancers and containers: 200 when a trivial query works and the
    database's schema is the one this server migrates to, else 503 with the reason. Says which
    kind of database, never where it is."""
    try:
        found = services.rt.store.health()
    except Exception as error:  # whatever the driver raised: the database cannot be used
        _log.warning("health check failed: the database did not answer: %s: %s", type(error).__name__,
                     str(error)[:300])
        return 503, {"status": "unavailable", "reason": "database unreachable"}
    if not found.current:
        return 503, {"status": "unavailable", "database": found.backend, "schema": found.schema,
                     "reason": f"database schema version {found.schema}, this server needs {found.needed}"}
    return 200, {"status": "ok", "database": found.backend, "schema": found.schema}


def well_known(services: Services, pool_id: str, document: str, url: str) -> tuple[int, dict[str, Any]]:
    """``/{poolId}/.well-known/jwks.json`` and ``openid-configuration`` (spec §6.9)."""
    with services.rt.store.read() as tx:
        exists = tx.get_pool(pool_id) is not None
    jwks = services.auth.keys.jwks(pool_id) if exists else None  # the key cache outlives deleted pools
    if jwks is None:
        return 404, {"message": f"User pool {pool_id} does not exist."}
    if document == "jwks.json":
        return 200, jwks
    issuer = services.auth.issuer.issuer(pool_id, url)
    return 200, {
        "issuer": issuer,
        "jwks_uri": f"{url.rstrip('/')}/{pool_id}/.well-known/jwks.json",
        "id_token_signing_alg_values_supported": ["RS256"],
        "subject_types_supported": ["public"],
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "email",
            "email_verified",
            "phone_number",
            "phone_number_verified",
            "cognito:username",
            "cognito:groups",
        ],
    }


def build_asgi_app(
    services: Services,
    *,
    credentials: Mapping[str, str] | None,
    inline: bool = False,
    cors: CorsPolicy | None = None,
    base_urls: BaseUrlPolicy | None = None,
    quotas: QuotaGate | None = None,
    metrics_page: Callable[[], tuple[str, bytes]] | None = None,
) -> Any:
    """The ASGI app: every operation of the table in ``wire/operations.py``, SigV4 for the
    admin API, the well-known documents and ``/health``; requests counted in the runtime's
    ``metrics``. ``inline``, ``cors``, ``base_urls``, ``quotas``, ``metrics_page``: see
    ``userpool.wire.app.create_app``."""
    from userpool.wire import app, operations
    from userpool.wire.registry import Operations
    from userpool.wire.sigv4 import SigV4Verifier

    dispatch = Operations(operations.bind(services))
    verifier = SigV4Verifier(credentials, services.rt.clock.now)
    return app.create_app(
        dispatch, lambda pool_id, document, url: well_known(services, pool_id, document, url), verifier,
        logger=logging.getLogger("userpool"), inline=inline, cors=cors, base_urls=base_urls, quotas=quotas,
        metrics=services.rt.metrics, metrics_page=metrics_page, health=lambda: health(services),
    )
