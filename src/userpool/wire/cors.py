"""CORS for browser clients (spec §1.7), fenced so a web page cannot drive the signed admin API.

amazon-cognito-identity-js, Amplify and the AWS SDK v3 call the public, unsigned operations from a
browser with ``content-type``, ``x-amz-target``, ``x-amz-user-agent``, ``cache-control``,
``amz-sdk-invocation-id`` and ``amz-sdk-request``. A preflight allows those (any requested header
but the four that only a SigV4 request carries) to the configured ``origins`` (``*`` by default).
``authorization``, ``x-amz-date``, ``x-amz-security-token`` and ``x-amz-content-sha256`` are
allowed only to ``admin_origins`` (none by default), and a signed admin call that carries an
``Origin`` outside that list is refused with ``AccessDeniedException`` before its signature is
looked at: a browser always sends ``Origin`` on a cross-origin POST, an SDK outside one never does.
"""

from __future__ import annotations

from dataclasses import dataclass

from userpool.model.errors import AccessDeniedException

ALLOWED_METHODS = "POST, GET, OPTIONS"
MAX_AGE = "86400"
PUBLIC_HEADERS = (
    "content-type", "x-amz-target", "x-amz-user-agent", "cache-control", "amz-sdk-invocation-id", "amz-sdk-request",
)
SIGNING_HEADERS = ("authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256")
_MAX_REQUESTED = 2048


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    """Which browser origins may call the public operations, and which may also sign admin calls."""

    origins: tuple[str, ...] = ("*",)
    admin_origins: tuple[str, ...] = ()

    def allow_origin(self, origin: str | None, *, admin: bool = False) -> str | None:
        """The ``Access-Control-Allow-Origin`` value for a request from ``origin``, or None."""
        if origin is not None and origin in self.admin_origins:
            return origin
        if admin:
            return None
        if "*" in self.origins:
            return "*"
        return origin if origin is not None and origin in self.origins else None

    def preflight_headers(self, origin: str | None, requested: str) -> list[tuple[str, str]]:
        """The ``Access-Control-Allow-*`` headers answering a preflight (empty: not allowed)."""
        allow_origin = self.allow_origin(origin)
        if allow_origin is None:
            return []
        signing = origin is not None and origin in self.admin_origins
        if requested.strip():
            names = [name.strip() for name in requested[:_MAX_REQUESTED].split(",") if name.strip()]
            kept = [name for name in names if signing or name.lower() not in SIGNING_HEADERS]
            allow_headers = ",".join(kept)
        else:
            allow_headers = ",".join(PUBLIC_HEADERS + (SIGNING_HEADERS if signing else ()))
        headers = [
            ("Access-Control-Allow-Origin", allow_origin),
            ("Access-Control-Allow-Methods", ALLOWED_METHODS),
            ("Access-Control-Allow-Headers", allow_headers),
            ("Access-Control-Max-Age", MAX_AGE),
        ]
        return headers

    def check_admin_origin(self, origin: str | None) -> None:
        """Refuse a signed admin call made by a browser page not trusted for it."""
        if origin is not None and origin not in self.admin_origins:
            raise AccessDeniedException(f"Origin {origin[:200]} is not allowed to call the admin API.")

    @property
    def varies(self) -> bool:
        """Whether the answer depends on ``Origin`` (then responses carry ``Vary: Origin``)."""
        return "*" not in self.origins or bool(self.admin_origins)
