"""Sealed state and secrets at rest: HKDF key derivation and AES-256-GCM boxes.

One server master key (32 random bytes, from a 0600 file or the environment) yields independent
purpose keys with HKDF-SHA256 (RFC 5869), e.g. ``"session"`` for the opaque Cognito ``Session``
of challenge responses (spec §2.5), ``"secret-block"`` for the SRP ``SECRET_BLOCK`` (§3.2, §4),
``"secret-box"`` for client secrets and private keys at rest.

A sealed blob is ``version (1 byte) || nonce (12 bytes) || AES-256-GCM ciphertext+tag (NIST SP
800-38D)``. The version byte and the caller's associated data are both authenticated. Any
tampering, truncation, wrong version, wrong associated data or wrong key raises ``SealError``;
the GCM tag is checked in constant time by OpenSSL. Nonces are supplied by the caller (random
bytes in production) so tests are deterministic.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import time
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "AesGcmSecretBox",
    "SealError",
    "Sealer",
    "derive_key",
    "load_or_create_master_key",
    "parse_master_key",
]

KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
VERSION = b"\x01"
_OVERHEAD = len(VERSION) + NONCE_SIZE + TAG_SIZE

# Distinguishes secret-box blobs from any other use of the same key (defence in depth).
_SECRET_BOX_AAD = b"userpool/secret-box/v1"


class SealError(Exception):
    """A sealed blob could not be opened (tampered, truncated, wrong version, aad or key)."""


def derive_key(master: bytes, purpose: str) -> bytes:
    """Derive a 32-byte key for ``purpose`` from the master key with HKDF-SHA256 (RFC 5869).

    No salt; ``info`` is the UTF-8 purpose, so each purpose ("session", "secret-box",
    "code-pepper", ...) gets a key independent of the others and of the master key.
    """
    if len(master) < KEY_SIZE:
        raise ValueError(f"master key must be at least {KEY_SIZE} bytes")
    if not purpose:
        raise ValueError("purpose must be a non-empty string")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None, info=purpose.encode("utf-8"))
    return hkdf.derive(master)


class Sealer:
    """AES-256-GCM seal/open of opaque state, with a version byte and caller-supplied nonce."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise ValueError(f"Sealer needs a {KEY_SIZE}-byte key")
        self._aead = AESGCM(key)

    def seal(self, payload: bytes, *, aad: bytes = b"", nonce: bytes) -> bytes:
        """Return ``VERSION || nonce || AES-256-GCM(payload)`` authenticating ``VERSION || aad``.

        ``nonce`` must be 12 bytes and never repeat under one key: pass fresh random bytes.
        """
        if len(nonce) != NONCE_SIZE:
            raise ValueError(f"nonce must be {NONCE_SIZE} bytes")
        return VERSION + nonce + self._aead.encrypt(nonce, payload, VERSION + aad)

    def open(self, sealed: bytes, *, aad: bytes = b"") -> bytes:
        """Return the payload of ``sealed``; ``SealError`` on any failure, without saying which."""
        if len(sealed) < _OVERHEAD or sealed[:1] != VERSION:
            raise SealError("cannot open sealed data")
        nonce = sealed[1 : 1 + NONCE_SIZE]
        try:
            return self._aead.decrypt(nonce, sealed[1 + NONCE_SIZE :], VERSION + aad)
        except (InvalidTag, ValueError, OverflowError) as exc:
            raise SealError("cannot open sealed data") from exc

    def seal_text(self, payload: bytes, *, aad: bytes = b"", nonce: bytes) -> str:
        """Seal and encode as standard base64 with ``=`` padding (the SECRET_BLOCK alphabet).

        The result is at least 40 characters (29 bytes of overhead), so it always satisfies the
        20-character minimum of ``Session``; keeping it under 2048 is the caller's job.
        """
        return base64.b64encode(self.seal(payload, aad=aad, nonce=nonce)).decode("ascii")

    def open_text(self, text: str, *, aad: bytes = b"") -> bytes:
        """Decode standard base64 (``-``/``_`` and missing padding tolerated) and open it.

        Apart from those two tolerances only the canonical spelling is accepted (no stray bits, no
        whitespace, exact padding when present). Bad base64 raises ``SealError``.
        """
        return self.open(_decode_text(text), aad=aad)


def _decode_text(text: str) -> bytes:
    if not isinstance(text, str) or not text.isascii():
        raise SealError("cannot open sealed data")
    normal = text.replace("-", "+").replace("_", "/")
    if "=" not in normal:
        normal += "=" * (-len(normal) % 4)
    try:
        raw = base64.b64decode(normal, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SealError("cannot open sealed data") from exc
    if base64.b64encode(raw).decode("ascii") != normal:
        raise SealError("cannot open sealed data")
    return raw


class AesGcmSecretBox:
    """``SecretBox`` for storage: AES-256-GCM with a fresh random nonce per seal.

    Give it a key derived for this purpose (``derive_key(master, "secret-box")``) and a source of
    random bytes (``os.urandom`` in production). ``open`` raises ``SealError`` on any failure.
    """

    def __init__(self, key: bytes, random: Callable[[int], bytes]) -> None:
        self._sealer = Sealer(key)
        self._random = random

    def seal(self, plaintext: bytes, *, aad: bytes = b"") -> bytes:
        """Encrypt and authenticate ``plaintext`` (and ``aad``) under a new random 96-bit nonce."""
        nonce = self._random(NONCE_SIZE)
        if len(nonce) != NONCE_SIZE:
            raise ValueError("random source returned the wrong number of bytes")
        return self._sealer.seal(plaintext, aad=_box_aad(aad), nonce=nonce)

    def open(self, sealed: bytes, *, aad: bytes = b"") -> bytes:
        """Decrypt what ``seal`` produced with the same ``aad``; ``SealError`` if it was altered,
        sealed elsewhere or bound to other associated data."""
        return self._sealer.open(sealed, aad=_box_aad(aad))


def _box_aad(aad: bytes) -> bytes:
    # Without caller data: the label alone, exactly as before ``aad`` existed, so blobs sealed
    # then still open. With it: label, separator, data — never equal to the bare label.
    return _SECRET_BOX_AAD + b"\x00" + aad if aad else _SECRET_BOX_AAD


def parse_master_key(text: str) -> bytes:
    """Parse a master key given as text (e.g. an environment variable): base64 of 32 bytes.

    Standard or URL-safe base64, surrounding whitespace ignored. Raises ``ValueError`` with a
    message that never repeats the key.
    """
    stripped = text.strip()
    try:
        raw = base64.b64decode(stripped.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            "master key is not valid base64; expected the base64 of 32 random bytes "
            "(e.g. `python -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())'`)"
        ) from None
    if len(raw) != KEY_SIZE:
        raise ValueError(f"master key must decode to exactly {KEY_SIZE} bytes, got {len(raw)}")
    return raw


def _read_master_key(path: str) -> bytes:
    # A concurrent creator on a filesystem without hard links writes in place (see below): an
    # empty file means "being written", so wait briefly for its content.
    for _ in range(200):
        with open(path, encoding="ascii") as handle:
            text = handle.read()
        if text.strip():
            return parse_master_key(text)
        time.sleep(0.01)
    raise ValueError(f"master key file {path} is empty")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def load_or_create_master_key(path: str, random: Callable[[int], bytes]) -> bytes:
    """Return the master key stored at ``path``, creating it (mode 0600) if it does not exist.

    Creation never clobbers: the key is written to a private temporary file (O_CREAT|O_EXCL,
    0600) which is then hard-linked to ``path``; ``os.link`` fails if ``path`` already exists, in
    which case the winner's key is read. Two processes racing therefore end with the same key.
    Where hard links are unsupported, ``path`` itself is created with O_CREAT|O_EXCL.
    """
    with contextlib.suppress(FileNotFoundError):
        return _read_master_key(path)
    key = random(KEY_SIZE)
    if len(key) != KEY_SIZE:
        raise ValueError("random source returned the wrong number of bytes")
    content = base64.b64encode(key) + b"\n"
    directory = os.path.dirname(os.path.abspath(path))
    temp = f"{path}.{os.getpid()}.{random(8).hex()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            _write_all(fd, content)
        finally:
            os.close(fd)
        try:
            os.link(temp, path)
        except FileExistsError:
            return _read_master_key(path)
        except OSError:
            return _create_in_place(path, content)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    _fsync_directory(directory)
    return key


def _create_in_place(path: str, content: bytes) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_master_key(path)
    try:
        _write_all(fd, content)
    finally:
        os.close(fd)
    return parse_master_key(content.decode("ascii"))


def _fsync_directory(directory: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
