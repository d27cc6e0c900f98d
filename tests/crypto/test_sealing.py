"""HKDF purpose keys, AES-256-GCM sealing (binary and SECRET_BLOCK text), and the master key file."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from userpool.crypto.sealing import (
    AesGcmSecretBox,
    Sealer,
    SealError,
    derive_key,
    load_or_create_master_key,
    parse_master_key,
)

MASTER = bytes(range(32))
KEY = derive_key(MASTER, "session")
NONCE = bytes.fromhex("00112233445566778899aabb")
PAYLOAD = b'{"user":"alice","challenge":"SMS_MFA","exp":1700000180}'


class Counter:
    """Deterministic stand-in for os.urandom."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, size: int) -> bytes:
        self.n += 1
        return self.n.to_bytes(size, "big")


# --- derive_key -----------------------------------------------------------------------------------


def test_derive_key_is_32_bytes_deterministic_and_independent_per_purpose() -> None:
    purposes = ["session", "secret-box", "code-pepper", "secret-block", "Session"]
    derived = [derive_key(MASTER, p) for p in purposes]
    assert all(len(key) == 32 for key in derived)
    assert len(set(derived)) == len(purposes)
    assert MASTER not in derived
    assert derive_key(MASTER, "session") == KEY
    assert derive_key(bytes(32), "session") != KEY


def test_derive_key_matches_rfc5869_hkdf_sha256() -> None:
    # HKDF with no salt = HMAC key of 32 zero bytes (RFC 5869 §2.2); one block of output.
    import hashlib
    import hmac

    prk = hmac.new(bytes(32), MASTER, hashlib.sha256).digest()
    okm = hmac.new(prk, b"session" + b"\x01", hashlib.sha256).digest()
    assert derive_key(MASTER, "session") == okm


def test_derive_key_refuses_short_master_or_empty_purpose() -> None:
    with pytest.raises(ValueError):
        derive_key(b"short", "session")
    with pytest.raises(ValueError):
        derive_key(MASTER, "")


# --- Sealer ---------------------------------------------------------------------------------------


def test_round_trip_and_layout() -> None:
    sealer = Sealer(KEY)
    sealed = sealer.seal(PAYLOAD, aad=b"pool|client", nonce=NONCE)
    assert sealed[:1] == b"\x01" and sealed[1:13] == NONCE
    assert len(sealed) == 1 + 12 + len(PAYLOAD) + 16
    assert PAYLOAD not in sealed
    assert sealer.open(sealed, aad=b"pool|client") == PAYLOAD
    assert sealer.open(sealer.seal(b"", nonce=NONCE)) == b""
    # Independent check: plain AES-GCM with the version byte bound into the associated data.
    assert AESGCM(KEY).decrypt(NONCE, sealed[13:], b"\x01pool|client") == PAYLOAD


def test_every_single_byte_flip_refused() -> None:
    sealer = Sealer(KEY)
    sealed = sealer.seal(PAYLOAD, aad=b"aad", nonce=NONCE)
    for index in range(len(sealed)):
        for mask in (0x01, 0x80, 0xFF):
            tampered = bytearray(sealed)
            tampered[index] ^= mask
            with pytest.raises(SealError):
                sealer.open(bytes(tampered), aad=b"aad")


def test_truncated_or_extended_refused() -> None:
    sealer = Sealer(KEY)
    sealed = sealer.seal(PAYLOAD, nonce=NONCE)
    for length in range(len(sealed)):
        with pytest.raises(SealError):
            sealer.open(sealed[:length])
    with pytest.raises(SealError):
        sealer.open(sealed + b"\x00")
    with pytest.raises(SealError):
        sealer.open(sealed[:1] + sealed[2:])


def test_wrong_aad_refused() -> None:
    sealer = Sealer(KEY)
    sealed = sealer.seal(PAYLOAD, aad=b"client-a", nonce=NONCE)
    for aad in (b"", b"client-b", b"client-a\x00", b"\x01client-a"):
        with pytest.raises(SealError):
            sealer.open(sealed, aad=aad)


def test_wrong_key_refused() -> None:
    sealed = Sealer(KEY).seal(PAYLOAD, nonce=NONCE)
    for other in (derive_key(MASTER, "secret-box"), bytes(32), MASTER):
        with pytest.raises(SealError):
            Sealer(other).open(sealed)


def test_version_byte_checked() -> None:
    sealer = Sealer(KEY)
    sealed = sealer.seal(PAYLOAD, nonce=NONCE)
    for version in (0, 2, 0x81, 0xFF):
        with pytest.raises(SealError):
            sealer.open(bytes([version]) + sealed[1:])
    # A blob made by hand with another version byte and a valid tag for it is still refused.
    forged = b"\x02" + NONCE + AESGCM(KEY).encrypt(NONCE, PAYLOAD, b"\x02")
    with pytest.raises(SealError):
        sealer.open(forged)


def test_bad_parameters() -> None:
    with pytest.raises(ValueError):
        Sealer(b"k" * 16)
    with pytest.raises(ValueError):
        Sealer(KEY).seal(PAYLOAD, nonce=b"short")


def test_errors_are_opaque() -> None:
    sealer = Sealer(KEY)
    sealed = sealer.seal(PAYLOAD, nonce=NONCE)
    messages = set()
    for bad in (b"", b"\x02" + sealed[1:], sealed[:-1] + b"x"):
        with pytest.raises(SealError) as info:
            sealer.open(bad)
        messages.add(str(info.value))
    assert len(messages) == 1


# --- text form (SECRET_BLOCK, Session) ------------------------------------------------------------


def test_seal_text_is_padded_standard_base64_and_long_enough() -> None:
    sealer = Sealer(KEY)
    for size in range(0, 40):
        text = sealer.seal_text(b"x" * size, aad=b"a", nonce=NONCE)
        assert len(text) >= 20 and len(text) % 4 == 0
        assert base64.b64encode(base64.b64decode(text, validate=True)).decode() == text
        assert sealer.open_text(text, aad=b"a") == b"x" * size
    # Some output must actually use the characters where the alphabets differ, with padding.
    texts = [sealer.seal_text(PAYLOAD, nonce=bytes([i]) * 12) for i in range(64)]
    assert any("+" in t or "/" in t for t in texts)
    assert all("-" not in t and "_" not in t for t in texts)
    assert any(t.endswith("=") for t in [sealer.seal_text(b"x" * n, nonce=NONCE) for n in range(3)])


def test_open_text_tolerates_url_safe_alphabet_and_missing_padding() -> None:
    sealer = Sealer(KEY)
    texts = [sealer.seal_text(PAYLOAD + bytes([i]), nonce=bytes([i]) * 12) for i in range(64)]
    for text in texts:
        urlsafe = text.replace("+", "-").replace("/", "_")
        assert sealer.open_text(urlsafe).startswith(PAYLOAD)
        assert sealer.open_text(urlsafe.rstrip("=")).startswith(PAYLOAD)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t + "!",
        lambda t: " " + t,
        lambda t: t[:10] + "\n" + t[10:],
        lambda t: t + "====",
        lambda t: t.rstrip("=") + "=" * 3,
        lambda t: "é" + t,
        lambda t: t[:-5],
        lambda t: "",
        lambda t: "A" * 8,
    ],
)
def test_open_text_refuses_bad_base64(mangle: object) -> None:
    sealer = Sealer(KEY)
    text = sealer.seal_text(b"xyz", nonce=NONCE)  # 32 bytes -> one "=" of padding
    assert text.endswith("=") and not text.endswith("==")
    with pytest.raises(SealError):
        sealer.open_text(mangle(text))  # type: ignore[operator]


def test_open_text_refuses_non_canonical_trailing_bits() -> None:
    sealer = Sealer(KEY)
    text = sealer.seal_text(b"xyz", nonce=NONCE)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = text.rstrip("=")[-1]
    twin = text[: len(text.rstrip("=")) - 1] + alphabet[alphabet.index(last) | 1] + "="
    assert twin != text and base64.b64decode(twin) == base64.b64decode(text)
    with pytest.raises(SealError):
        sealer.open_text(twin)


def test_open_text_refuses_non_str() -> None:
    with pytest.raises(SealError):
        Sealer(KEY).open_text(b"AAAA")  # type: ignore[arg-type]


def test_open_text_checks_aad() -> None:
    sealer = Sealer(KEY)
    text = sealer.seal_text(PAYLOAD, aad=b"pool-1", nonce=NONCE)
    with pytest.raises(SealError):
        sealer.open_text(text, aad=b"pool-2")


# --- AesGcmSecretBox ------------------------------------------------------------------------------


def test_secret_box_round_trip_fresh_nonces_and_refusals() -> None:
    random = Counter()
    box = AesGcmSecretBox(derive_key(MASTER, "secret-box"), random)
    first, second = box.seal(b"client-secret"), box.seal(b"client-secret")
    assert first != second and random.n == 2
    assert box.open(first) == box.open(second) == b"client-secret"
    tampered = bytearray(first)
    tampered[-1] ^= 1
    with pytest.raises(SealError):
        box.open(bytes(tampered))
    with pytest.raises(SealError):
        AesGcmSecretBox(derive_key(MASTER, "session"), random).open(first)


def test_secret_box_blobs_are_not_sealer_blobs_under_the_same_key() -> None:
    key = derive_key(MASTER, "secret-box")
    box = AesGcmSecretBox(key, os.urandom)
    with pytest.raises(SealError):
        Sealer(key).open(box.seal(b"pem"))
    with pytest.raises(SealError):
        box.open(Sealer(key).seal(b"pem", nonce=NONCE))


def test_secret_box_binds_associated_data_and_keeps_old_blobs_readable() -> None:
    """Verifiers at rest are sealed with the row they belong to as associated data: a blob opens
    only with the same ``aad``; blobs sealed before ``aad`` existed (none given) still open."""
    box = AesGcmSecretBox(derive_key(MASTER, "secret-box"), os.urandom)
    bound = box.seal(b"verifier", aad=b"pool/ann")
    assert box.open(bound, aad=b"pool/ann") == b"verifier"
    for other in (b"pool/bob", b"", b"pool/ann\x00"):
        with pytest.raises(SealError):
            box.open(bound, aad=other)
    with pytest.raises(SealError):
        box.open(box.seal(b"client-secret"), aad=b"pool/ann")
    legacy = Sealer(derive_key(MASTER, "secret-box")).seal(b"pem", aad=b"userpool/secret-box/v1", nonce=NONCE)
    assert box.open(legacy) == b"pem"


def test_secret_box_refuses_bad_random_source() -> None:
    box = AesGcmSecretBox(KEY, lambda n: b"\x00" * (n - 1))
    with pytest.raises(ValueError):
        box.seal(b"x")


# --- master key -----------------------------------------------------------------------------------


def test_master_key_created_0600_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    random = Counter()
    key = load_or_create_master_key(str(path), random)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert base64.b64decode(path.read_text().strip(), validate=True) == key
    assert load_or_create_master_key(str(path), lambda n: os.urandom(n)) == key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]  # no temp files left


def test_master_key_existing_file_is_read_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    existing = os.urandom(32)
    path.write_text(base64.b64encode(existing).decode() + "\n")
    assert load_or_create_master_key(str(path), os.urandom) == existing


def test_master_key_invalid_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    path.write_text("c2hvcnQ=\n")
    with pytest.raises(ValueError, match="32 bytes"):
        load_or_create_master_key(str(path), os.urandom)


def test_master_key_race_lost_at_link_reads_the_winner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "master.key"
    winner = os.urandom(32)
    real_link = os.link

    def link_after_competitor(src: str, dst: str) -> None:
        Path(dst).write_text(base64.b64encode(winner).decode() + "\n")
        real_link(src, dst)  # raises FileExistsError, as in a real race

    monkeypatch.setattr(os, "link", link_after_competitor)
    assert load_or_create_master_key(str(path), os.urandom) == winner
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]


def test_master_key_without_hard_links_uses_exclusive_create(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: str, dst: str) -> None:
        raise PermissionError("hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "master.key"
    key = load_or_create_master_key(str(path), os.urandom)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    monkeypatch.undo()
    assert load_or_create_master_key(str(path), os.urandom) == key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]


def test_master_key_concurrent_creation_from_processes_yields_one_key(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    start_at = time.time() + 1.5
    script = textwrap.dedent(
        f"""
        import base64, os, time
        from userpool.crypto.sealing import load_or_create_master_key
        while time.time() < {start_at!r}:
            pass
        print(base64.b64encode(load_or_create_master_key({str(path)!r}, os.urandom)).decode())
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(4)
    ]
    outputs = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        outputs.append(out.strip())
    assert len(set(outputs)) == 1
    assert base64.b64decode(outputs[0]) == base64.b64decode(path.read_text().strip())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]


def test_parse_master_key() -> None:
    key = os.urandom(32)
    assert parse_master_key(base64.b64encode(key).decode()) == key
    assert parse_master_key("  " + base64.urlsafe_b64encode(key).decode() + "\n") == key
    with pytest.raises(ValueError, match="32 bytes, got 16"):
        parse_master_key(base64.b64encode(os.urandom(16)).decode())
    with pytest.raises(ValueError, match="32 bytes, got 0"):
        parse_master_key("")
    with pytest.raises(ValueError, match="not valid base64") as info:
        parse_master_key("not*base64!" + "A" * 40)
    assert "not*base64" not in str(info.value)  # the message never echoes the key
    with pytest.raises(ValueError, match="not valid base64"):
        parse_master_key(base64.b64encode(key).decode()[:-1])
