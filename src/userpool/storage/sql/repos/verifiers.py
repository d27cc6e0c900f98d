"""SRP verifiers at rest: sealed with the store's ``SecretBox`` and bound to their owner.

A verifier (``g^x mod N``, spec §4.5) lets anyone who holds it test password guesses offline at
the cost of one hash and one exponentiation each, so a database dump must not contain it in the
clear. Each verifier is sealed (AES-256-GCM in production, see ``crypto.sealing``) with
associated data naming what it belongs to — its kind, the owner's identifiers (pool ID and
username; a device's key too, for the device verifiers of ConfirmDevice) and its salt — so a
sealed verifier copied to another row, or paired with another salt, does not open. The salt is
not sealed: Cognito hands it to anyone who starts USER_SRP_AUTH for the user (``SALT``).

The server opens a verifier only in memory; the fixed-base fast path of the password check
(``crypto.bigint``) recomputes ``g^x`` and compares it with the opened verifier.
"""

from __future__ import annotations

from userpool.model.ports import SecretBox

#: Kinds of verifier; part of the associated data, so one kind never opens as another.
PASSWORD = "password"
PASSWORD_HISTORY = "password-history"
DEVICE = "device"
#: Not verifiers but sealed the same way (salt: empty): a user's verified TOTP shared secret,
#: and one associated but not verified yet.
TOTP_SECRET = "totp-secret"
TOTP_PENDING = "totp-pending"


def binding(kind: str, *owner: str, salt: bytes) -> bytes:
    """The associated data of a verifier: length-prefixed, so no two owners encode alike."""
    parts = [b"userpool/verifier/v1", kind.encode(), *(part.encode("utf-8", "surrogatepass") for part in owner), salt]
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


def seal_verifier(box: SecretBox, verifier: bytes, kind: str, *owner: str, salt: bytes) -> bytes:
    """``verifier`` sealed for ``owner`` (e.g. ``pool_id, username``) under ``kind`` and ``salt``."""
    return box.seal(verifier, aad=binding(kind, *owner, salt=salt))


def open_verifier(box: SecretBox, sealed: bytes, kind: str, *owner: str, salt: bytes) -> bytes:
    """The verifier sealed by ``seal_verifier`` with the same arguments; the box's error otherwise."""
    return box.open(sealed, aad=binding(kind, *owner, salt=salt))
