"""SECRET_HASH of app clients with a secret (spec §4.12).

``Base64(HMAC-SHA256(key = UTF8(clientSecret), message = UTF8(username ‖ clientId)))``, standard
base64 with padding. Which username goes in depends on the operation (spec §4.12); the caller
chooses it.
"""

from __future__ import annotations

import base64
import hmac

__all__ = ["secret_hash", "verify_secret_hash"]


def secret_hash(client_secret: str, username: str, client_id: str) -> str:
    """SECRET_HASH of spec §4.12 for ``username`` and ``client_id``, as standard base64."""
    digest = hmac.digest(client_secret.encode("utf-8"), (username + client_id).encode("utf-8"), "sha256")
    return base64.b64encode(digest).decode("ascii")


def verify_secret_hash(client_secret: str, username: str, client_id: str, candidate: str) -> bool:
    """Check a SECRET_HASH (spec §4.12, §4.14) in constant time; any malformed input is False."""
    try:
        expected = secret_hash(client_secret, username, client_id).encode("ascii")
        presented = candidate.encode("utf-8")
    except (UnicodeEncodeError, AttributeError):
        return False
    return hmac.compare_digest(expected, presented)
