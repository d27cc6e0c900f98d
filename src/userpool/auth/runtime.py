"""What the sign-in state machine runs on, beyond the directory's runtime: the sealer for
challenge sessions, the pool signing keys, and how the token issuer is formed."""

from __future__ import annotations

from dataclasses import dataclass

from userpool.auth.signing import PoolKeys
from userpool.crypto.sealing import Sealer
from userpool.directory.runtime import Runtime


@dataclass(frozen=True)
class IssuerPolicy:
    """``iss`` of minted tokens (spec §6.1, §10.15): ``{public_url}/{poolId}`` — the public
    URL configured, or else the base URL the request came in on — or, with ``aws=True``,
    ``https://cognito-idp.{region}.amazonaws.com/{poolId}`` for verifiers that hard-code it."""

    public_url: str | None = None
    aws: bool = False

    def issuer(self, pool_id: str, request_base_url: str) -> str:
        if self.aws:
            region = pool_id.split("_", 1)[0]
            return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
        return f"{(self.public_url or request_base_url).rstrip('/')}/{pool_id}"


@dataclass(frozen=True)
class AuthRuntime:
    rt: Runtime
    sealer: Sealer
    keys: PoolKeys
    issuer: IssuerPolicy
    srp_timestamp_skew: float = 300.0
