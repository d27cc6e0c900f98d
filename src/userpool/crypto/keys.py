"""RSA signing keys for Cognito ID and access tokens, and their JWKS form.

Cognito signs tokens with RS256 (RSA PKCS#1 v1.5 with SHA-256) and publishes the public halves at
``{issuer}/.well-known/jwks.json`` as RFC 7517 JWKs
``{"alg": "RS256", "e": "AQAB", "kid": ..., "kty": "RSA", "n": ..., "use": "sig"}``.
Real Cognito ``kid`` values look like standard base64 (``abcd...=``); ours are the standard base64
of the RFC 7638 JWK SHA-256 thumbprint, so a key's id follows from the key itself and is stable
across restarts as long as the key is persisted.

Private keys leave this module only as unencrypted PKCS#8 PEM; the storage layer encrypts them
at rest (see ``sealing.AesGcmSecretBox``). Parsing a PEM is slow, so ``KeyRing`` keeps the loaded
key objects for the per-request sign and verify calls.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from types import MappingProxyType

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

__all__ = ["KeyRing", "generate_private_pem", "kid_for", "public_jwk"]

RSA_KEY_SIZE = 2048
RSA_PUBLIC_EXPONENT = 65537


def generate_private_pem() -> bytes:
    """Make a new RS256 signing key: RSA-2048, e = 65537, as unencrypted PKCS#8 PEM.

    The caller is expected to encrypt the PEM before it is stored.
    """
    key = rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_SIZE)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def _b64url_uint(value: int) -> str:
    """RFC 7518 §6.3.1 Base64urlUInt: big-endian, minimal length, base64url without padding."""
    raw = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _load_private(private_pem: bytes) -> rsa.RSAPrivateKey:
    """Loads one of our signing keys. OpenSSL's RSA key check (primality of p and q, CRT
    values) costs about 45 ms a key and is skipped: every key was made by ``generate_private_pem``
    and is stored AES-GCM-sealed, so a key that did not come from us is refused when it is
    unsealed, before it gets here. Without this, each worker's first use of each pool cost two
    checks, 90 ms of CPU."""
    key = load_pem_private_key(private_pem, password=None, unsafe_skip_rsa_key_validation=True)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("signing keys must be RSA keys")
    return key


def _public_key_of(key: rsa.RSAPublicKey | rsa.RSAPrivateKey | bytes) -> rsa.RSAPublicKey:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return key
    if b"PRIVATE KEY" in key:
        return _load_private(key).public_key()
    public = load_pem_public_key(key)
    if not isinstance(public, rsa.RSAPublicKey):
        raise ValueError("signing keys must be RSA keys")
    return public


def kid_for(public_key_or_pem: rsa.RSAPublicKey | rsa.RSAPrivateKey | bytes) -> str:
    """Return the stable key id of an RSA key (given as a key object or a private/public PEM).

    The id is the RFC 7638 JWK thumbprint: SHA-256 over the canonical JSON
    ``{"e":...,"kty":"RSA","n":...}`` (required members only, sorted, no whitespace), encoded as
    *standard* base64 with padding (44 characters ending in ``=``), which is the shape of real
    Cognito ``kid`` values. The same key always yields the same id; different keys different ids.
    """
    numbers = _public_key_of(public_key_or_pem).public_numbers()
    canonical = json.dumps(
        {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)},
        separators=(",", ":"),
        sort_keys=True,
    )
    digest = hashlib.sha256(canonical.encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def public_jwk(private_pem: bytes, kid: str) -> dict[str, str]:
    """Return the RFC 7517 public JWK of a signing key, exactly as Cognito's JWKS lists it.

    ``{"alg": "RS256", "e": "AQAB", "kid": kid, "kty": "RSA", "n": <base64url, no padding>,
    "use": "sig"}``. No private member ever appears.
    """
    numbers = _load_private(private_pem).public_key().public_numbers()
    return {
        "alg": "RS256",
        "e": _b64url_uint(numbers.e),
        "kid": kid,
        "kty": "RSA",
        "n": _b64url_uint(numbers.n),
        "use": "sig",
    }


class KeyRing:
    """Loaded RS256 signing keys by ``kid``, for per-request signing and verification.

    Reads are lock-free: the mapping is replaced as a whole (copy on write) under a lock when a
    key is added, so concurrent ``signer``/``verifier`` calls from a thread pool always see a
    complete mapping. ``add`` is idempotent and loads each PEM only once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._private: MappingProxyType[str, tuple[bytes, rsa.RSAPrivateKey]] = MappingProxyType({})
        self._public: MappingProxyType[str, rsa.RSAPublicKey] = MappingProxyType({})

    def add(self, kid: str, private_pem: bytes) -> None:
        """Load ``private_pem`` under ``kid``; adding the same key again is a no-op.

        Adding a *different* key under a kid already in use raises ``ValueError``; the same key in
        another PEM spelling counts as the same key.
        """
        if not kid:
            raise ValueError("kid must be a non-empty string")
        entry = self._private.get(kid)
        if entry is not None and hmac.compare_digest(entry[0], private_pem):
            return
        key = _load_private(private_pem)  # slow; done outside the lock
        with self._lock:
            entry = self._private.get(kid)
            if entry is not None:
                if entry[1].private_numbers() != key.private_numbers():
                    raise ValueError(f"kid {kid!r} is already bound to a different key")
                return
            private = dict(self._private)
            public = dict(self._public)
            private[kid] = (bytes(private_pem), key)
            public[kid] = key.public_key()
            self._private = MappingProxyType(private)
            self._public = MappingProxyType(public)

    def signer(self, kid: str) -> rsa.RSAPrivateKey:
        """Return the loaded private key for ``kid``; ``KeyError`` if it was never added."""
        return self._private[kid][1]

    def verifier(self, kid: str) -> rsa.RSAPublicKey | None:
        """Return the public key for ``kid``, or ``None`` if unknown (fits ``jwt.verify``)."""
        return self._public.get(kid)

    def __contains__(self, kid: object) -> bool:
        return kid in self._public
