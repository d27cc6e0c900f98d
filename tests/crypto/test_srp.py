"""Unit tests of userpool.crypto.srp against spec §4 (PAD, k, vectors 1 and 2 step by step, rules 4.14)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import pytest

from userpool.crypto import srp

REALM = "AbCdEfGhI"
USER = "testuser"
PASSWORD = "P@ssw0rd!"
SALT = b"\x0f" * 16
A_SMALL = int("a1" * 32, 16)
B_SMALL = int("b2" * 32, 16)
SECRET_BLOCK = base64.b64decode("b3BhcXVlLXNlY3JldC1ibG9jay1leGFtcGxl")
TIMESTAMP = "Tue Nov 5 09:07:03 UTC 2024"
SIGNATURE = "1dqnNHkxk7cVpq4X9c3fTShvVc1oMu2Rkqr83vUMd/0="


@pytest.fixture(scope="module")
def exchange() -> dict[str, int | bytes]:
    verifier = srp.make_verifier(REALM, USER, PASSWORD, SALT)
    a_pub = srp.client_a(A_SMALL)
    b_pub = srp.server_b(verifier, B_SMALL)
    return {"v": verifier, "A": a_pub, "B": b_pub, "K": srp.session_key(a_pub, b_pub, B_SMALL, verifier)}


# --- §4.1-4.3 -------------------------------------------------------------------------------


def test_group_constants() -> None:
    assert srp.N.bit_length() == 3072
    assert format(srp.N, "x").startswith("ffffffffffffffffc90fdaa2")
    assert srp.G == 2
    assert format(srp.K_MULTIPLIER, "x") == "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
    k = hashlib.sha256(b"\x00" + srp.N.to_bytes(384, "big") + b"\x02").digest()
    assert int.from_bytes(k) == srp.K_MULTIPLIER


@pytest.mark.parametrize(
    ("n", "encoded"),
    [
        (20, "14"),
        (200, "00c8"),
        (int("0f" * 16, 16), "0f" * 16),
        (2, "02"),
        (0, "00"),
        (0x7F, "7f"),
        (0x80, "0080"),
        (0x100, "0100"),
        (0xFFFF, "00ffff"),
    ],
)
def test_pad_examples(n: int, encoded: str) -> None:
    assert srp.pad(n).hex() == encoded


def test_pad_of_n_is_385_bytes() -> None:
    assert srp.pad(srp.N) == b"\x00" + srp.N.to_bytes(384, "big")


def test_pad_rejects_negative() -> None:
    with pytest.raises(ValueError):
        srp.pad(-1)


# --- vector 1, step by step ----------------------------------------------------------------


def test_vector1_salt_parameter() -> None:
    assert srp.salt_to_hex(SALT) == "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"


def test_vector1_inner_hash_and_x() -> None:
    inner = hashlib.sha256(f"{REALM}{USER}:{PASSWORD}".encode()).hexdigest()
    assert inner == "1bbe0bba2c4bcc558d65e07ba243e0bab7e2f867ca043c411d60a3c44cdb9a91"
    x = srp.compute_x(REALM, USER, PASSWORD, SALT)
    assert format(x, "x") == "228c1f7b56d6e367e2e37d5570d25cfabed28ed4008dc24524f01b75e5600c29"


def test_vector1_verifier(exchange: dict[str, int | bytes]) -> None:
    verifier = exchange["v"]
    assert isinstance(verifier, bytes)
    assert len(verifier) == 384
    assert verifier.hex().startswith("b20ab66d3cc9b63b7aee4981")


def test_vector1_public_values(exchange: dict[str, int | bytes]) -> None:
    a_hex, b_hex = format(exchange["A"], "x"), format(exchange["B"], "x")
    assert len(a_hex) == 768 and a_hex.startswith("78604b754341df90d89b6b6f") and a_hex.endswith("c4688292")
    assert len(b_hex) == 768 and b_hex.startswith("16cf4090984f13552b000408") and b_hex.endswith("35375086")


def test_vector1_u_s_prk_k(exchange: dict[str, int | bytes]) -> None:
    a_pub, b_pub, verifier = exchange["A"], exchange["B"], exchange["v"]
    assert isinstance(a_pub, int) and isinstance(b_pub, int) and isinstance(verifier, bytes)
    u = srp.compute_u(a_pub, b_pub)
    assert format(u, "x") == "ddb19f6d5b8d03469bc7bcaa153fd60b3c0f1c252f779bd710b5fdbb6e6ce805"
    assert len(srp.pad(u)) == 33
    s = srp.server_premaster_secret(a_pub, b_pub, B_SMALL, verifier)
    assert format(s, "x").startswith("ee3e49eb51cea12fde133594")
    assert len(srp.pad(s)) == 385
    prk = hmac.digest(srp.pad(u), srp.pad(s), "sha256")
    assert prk.hex() == "1554d6b28dcb31f3d981f2f9b6fcc9a65688445c6128c7fb3a4461ca40e67b23"
    assert srp.derive_key(u, s).hex() == "10ea9f095e221326d2df01ae4d4be803"
    assert exchange["K"] == bytes.fromhex("10ea9f095e221326d2df01ae4d4be803")


def test_vector1_client_side_agrees(exchange: dict[str, int | bytes]) -> None:
    b_pub = exchange["B"]
    assert isinstance(b_pub, int)
    assert srp.client_session_key(REALM, USER, PASSWORD, SALT, A_SMALL, b_pub) == exchange["K"]


def test_vector1_signature(exchange: dict[str, int | bytes]) -> None:
    key = exchange["K"]
    assert isinstance(key, bytes)
    assert len(REALM.encode() + USER.encode() + SECRET_BLOCK + TIMESTAMP.encode()) == 71
    signature = srp.claim_signature(key, REALM, USER, SECRET_BLOCK, TIMESTAMP)
    assert base64.b64encode(signature).decode() == SIGNATURE
    assert srp.verify_claim(key, REALM, USER, SECRET_BLOCK, TIMESTAMP, SIGNATURE)


@pytest.mark.parametrize(
    "tampered",
    [
        {"realm": "AbCdEfGhJ"},
        {"user_id": "testuser2"},
        {"secret_block": SECRET_BLOCK + b"x"},
        {"timestamp": "Tue Nov 5 09:07:04 UTC 2024"},
        {"signature_b64": "2dqnNHkxk7cVpq4X9c3fTShvVc1oMu2Rkqr83vUMd/0="},
        {"signature_b64": SIGNATURE.rstrip("=")},
        {"signature_b64": "not base64!"},
        {"signature_b64": ""},
        {"signature_b64": "1dqnNHkxk7cVpq4X9c3fTShvVc1oMu2Rkqr83vUMd_0="},
        {"signature_b64": "ünïcödé"},
        {"timestamp": "\ud800"},
    ],
)
def test_verify_claim_rejects(exchange: dict[str, int | bytes], tampered: dict[str, object]) -> None:
    args: dict[str, object] = {
        "key": exchange["K"],
        "realm": REALM,
        "user_id": USER,
        "secret_block": SECRET_BLOCK,
        "timestamp": TIMESTAMP,
        "signature_b64": SIGNATURE,
    }
    args.update(tampered)
    assert srp.verify_claim(**args) is False  # type: ignore[arg-type]


def test_wrong_password_gives_another_key(exchange: dict[str, int | bytes]) -> None:
    b_pub = exchange["B"]
    assert isinstance(b_pub, int)
    wrong = srp.client_session_key(REALM, USER, "P@ssw0rd?", SALT, A_SMALL, b_pub)
    assert wrong != exchange["K"]
    forged = base64.b64encode(srp.claim_signature(wrong, REALM, USER, SECRET_BLOCK, TIMESTAMP)).decode()
    key = exchange["K"]
    assert isinstance(key, bytes)
    assert not srp.verify_claim(key, REALM, USER, SECRET_BLOCK, TIMESTAMP, forged)


# --- vector 2: device SRP is the same API with DeviceGroupKey / DeviceKey ------------------

DEVICE_GROUP = "-aBcDeFgHi"
DEVICE_KEY = "us-east-1_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
DEVICE_PASSWORD = "ZGV2aWNlLXBhc3N3b3JkLWV4YW1wbGUtZm9yLXRlc3QtdmVjdG9ycw=="
DEVICE_SALT = b"\x5a" * 16


def test_vector2_device() -> None:
    assert base64.b64encode(srp.pad(int.from_bytes(DEVICE_SALT))).decode() == "WlpaWlpaWlpaWlpaWlpaWg=="
    verifier = srp.make_verifier(DEVICE_GROUP, DEVICE_KEY, DEVICE_PASSWORD, DEVICE_SALT)
    confirm_device_verifier = srp.pad(int.from_bytes(verifier))
    assert len(confirm_device_verifier) == 385
    assert base64.b64encode(confirm_device_verifier).decode().startswith("ANuZbpm7/vuBR2+Cn83dyWbT")
    a, b = int("c3" * 32, 16), int("d4" * 32, 16)
    a_pub = srp.client_a(a)
    # The server stores what ConfirmDevice sent: PAD(dv), 385 bytes, not our 384-byte form.
    b_pub = srp.server_b(confirm_device_verifier, b)
    assert b_pub == srp.server_b(verifier, b)
    assert format(srp.compute_u(a_pub, b_pub), "x") == (
        "1f5ba05dd8e945d7c69fdb606701628454b531201f44a2fa1acb9dadffa6621b"
    )
    key = srp.session_key(a_pub, b_pub, b, confirm_device_verifier)
    assert key.hex() == "52e7872a95edc83d4112da2992bc60a6"
    assert srp.client_session_key(DEVICE_GROUP, DEVICE_KEY, DEVICE_PASSWORD, DEVICE_SALT, a, b_pub) == key
    secret_block = base64.b64decode("ZGV2aWNlLXNlY3JldC1ibG9jaw==")
    timestamp = "Sun Mar 1 00:00:00 UTC 2026"
    signature = "lmJpxYRD06UwCdsN2PW8cL+DEDx34zPPFXGqeMf6tNE="
    raw = srp.claim_signature(key, DEVICE_GROUP, DEVICE_KEY, secret_block, timestamp)
    assert base64.b64encode(raw).decode() == signature
    assert srp.verify_claim(key, DEVICE_GROUP, DEVICE_KEY, secret_block, timestamp, signature)
    assert srp.check_password(DEVICE_GROUP, DEVICE_KEY, DEVICE_PASSWORD, DEVICE_SALT, confirm_device_verifier)


# --- password check (plaintext flows) ------------------------------------------------------


def test_check_password() -> None:
    verifier = srp.make_verifier(REALM, USER, PASSWORD, SALT)
    assert srp.check_password(REALM, USER, PASSWORD, SALT, verifier)
    assert not srp.check_password(REALM, USER, "P@ssw0rd", SALT, verifier)
    assert not srp.check_password(REALM, "TestUser", PASSWORD, SALT, verifier)
    assert not srp.check_password("AbCdEfGhJ", USER, PASSWORD, SALT, verifier)
    assert not srp.check_password(REALM, USER, PASSWORD, b"\x0e" * 16, verifier)
    assert not srp.check_password(REALM, USER, PASSWORD, SALT, b"")
    assert not srp.check_password(REALM, USER, PASSWORD, SALT, b"\x01" * 385)
    assert not srp.check_password(REALM, USER, "\ud800", SALT, verifier)


def test_salt_is_read_as_an_integer() -> None:
    # Leading zero bytes do not change the salt integer, hence neither x nor SALT.
    assert srp.compute_x(REALM, USER, PASSWORD, b"\x00" + SALT) == srp.compute_x(REALM, USER, PASSWORD, SALT)
    assert srp.salt_to_hex(b"\x00\x00\x9a\xbc") == "9abc"
    assert srp.salt_to_hex(b"\x0c\x01") == "c01"
    assert srp.salt_to_hex(bytes(16)) == "0"


def test_unencodable_strings_raise_srp_error() -> None:
    with pytest.raises(srp.SrpError):
        srp.compute_x(REALM, "\udcff", PASSWORD, SALT)


# --- SRP_A, b, B (spec §3.2, §4.6, §4.14) --------------------------------------------------


@pytest.mark.parametrize("text", ["1", "0a", "ABCdef", "f" * 1024, "0" * 1023 + "1", "abc"])
def test_parse_srp_a_accepts(text: str) -> None:
    assert srp.parse_srp_a(text) == int(text, 16)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0",
        "000",
        format(srp.N, "x"),
        format(srp.N, "X"),
        format(2 * srp.N, "x"),
        format(5 * srp.N, "x"),
        "0x1234",
        " 1234",
        "1234 ",
        "1234\n",
        "12 34",
        "-1234",
        "+1234",
        "12_34",
        "g123",
        "f" * 1025,
        "١٢٣",  # Arabic-Indic digits: int(..., 16) would accept them
        "１２",  # fullwidth digits
    ],
)
def test_parse_srp_a_rejects(text: str) -> None:
    with pytest.raises(srp.SrpError):
        srp.parse_srp_a(text)


def test_parse_srp_a_rejects_non_strings() -> None:
    with pytest.raises(srp.SrpError):
        srp.parse_srp_a(1234)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad_a", [0, srp.N, 2 * srp.N])
def test_session_key_rejects_a_congruent_zero(exchange: dict[str, int | bytes], bad_a: int) -> None:
    verifier, b_pub = exchange["v"], exchange["B"]
    assert isinstance(verifier, bytes) and isinstance(b_pub, int)
    with pytest.raises(srp.SrpError):
        srp.session_key(bad_a, b_pub, B_SMALL, verifier)


def test_forged_proof_with_a_equal_n_never_verifies(exchange: dict[str, int | bytes]) -> None:
    # With A = N an attacker knows S = 0 without the password; the server must never get there.
    verifier, b_pub = exchange["v"], exchange["B"]
    assert isinstance(verifier, bytes) and isinstance(b_pub, int)
    forged_key = srp.derive_key(srp.compute_u(srp.N, b_pub), 0)
    forged = base64.b64encode(srp.claim_signature(forged_key, REALM, USER, SECRET_BLOCK, TIMESTAMP)).decode()
    with pytest.raises(srp.SrpError):
        srp.parse_srp_a(format(srp.N, "x"))
    with pytest.raises(srp.SrpError):
        srp.session_key(srp.N, b_pub, B_SMALL, verifier)
    # Even if a caller skipped both checks and derived a key some other way, it would not be this one.
    real_key = srp.session_key(srp.client_a(A_SMALL), b_pub, B_SMALL, verifier)
    assert not srp.verify_claim(real_key, REALM, USER, SECRET_BLOCK, TIMESTAMP, forged)


def test_private_b() -> None:
    assert srp.private_b(b"\xb2" * 32) == B_SMALL
    with pytest.raises(ValueError):
        srp.private_b(b"\x01" * 31)
    with pytest.raises(ValueError):
        srp.private_b(b"\x01" * 33)
    with pytest.raises(srp.SrpError):
        srp.private_b(bytes(32))


def test_server_b_rejects_zero_verifier() -> None:
    for verifier in (b"", bytes(384), srp.pad(srp.N)):
        with pytest.raises(srp.SrpError):
            srp.server_b(verifier, B_SMALL)


def test_server_b_is_reduced_and_depends_on_b(exchange: dict[str, int | bytes]) -> None:
    verifier = exchange["v"]
    assert isinstance(verifier, bytes)
    b_pub = srp.server_b(verifier, B_SMALL)
    assert 0 < b_pub < srp.N
    assert srp.server_b(verifier, B_SMALL + 1) != b_pub


def test_client_session_key_rejects_b_congruent_zero() -> None:
    with pytest.raises(srp.SrpError):
        srp.client_session_key(REALM, USER, PASSWORD, SALT, A_SMALL, srp.N)


# --- TIMESTAMP (spec §4.9) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("Tue Nov 5 09:07:03 UTC 2024", datetime(2024, 11, 5, 9, 7, 3, tzinfo=UTC)),
        ("Sun Mar 1 00:00:00 UTC 2026", datetime(2026, 3, 1, tzinfo=UTC)),
        ("Thu Feb 29 23:59:59 UTC 2024", datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),
        ("Fri Dec 31 12:30:45 UTC 1999", datetime(1999, 12, 31, 12, 30, 45, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_accepts(text: str, moment: datetime) -> None:
    parsed = srp.parse_timestamp(text)
    assert parsed == moment
    assert parsed is not None and parsed.utcoffset() == timedelta(0)
    assert srp.format_timestamp(moment) == text


@pytest.mark.parametrize(
    "text",
    [
        "Tue Nov 05 09:07:03 UTC 2024",  # zero-padded day
        "Wed Nov 5 09:07:03 UTC 2024",  # wrong weekday
        "Tue Nov  5 09:07:03 UTC 2024",  # asctime-style double space
        "Tue Nov 5 9:07:03 UTC 2024",
        "Tue Nov 5 09:07:03 GMT 2024",
        "Tue Nov 5 09:07:03 UTC 24",
        "Tue Nov 5 24:00:00 UTC 2024",
        "Tue Nov 5 09:60:03 UTC 2024",
        "Tue Nov 5 09:07:60 UTC 2024",
        "Fri Feb 30 09:07:03 UTC 2024",
        "Tue Nov 0 09:07:03 UTC 2024",
        "tue nov 5 09:07:03 UTC 2024",
        "Tuesday Nov 5 09:07:03 UTC 2024",
        "Tue Nov 5 09:07:03 UTC 2024\n",
        " Tue Nov 5 09:07:03 UTC 2024",
        "2024-11-05T09:07:03Z",
        "Tue Nov 5 ٠٩:07:03 UTC 2024",
        "",
        "garbage",
    ],
)
def test_parse_timestamp_rejects(text: str) -> None:
    assert srp.parse_timestamp(text) is None


def test_parse_timestamp_rejects_non_strings() -> None:
    assert srp.parse_timestamp(None) is None  # type: ignore[arg-type]


def test_format_timestamp_converts_to_utc_and_needs_aware() -> None:
    moment = datetime(2024, 11, 5, 10, 7, 3, tzinfo=timezone(timedelta(hours=1)))
    assert srp.format_timestamp(moment) == "Tue Nov 5 09:07:03 UTC 2024"
    with pytest.raises(ValueError):
        srp.format_timestamp(datetime(2024, 11, 5, 9, 7, 3))


def test_format_parse_round_trip_over_a_year() -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    for hours in range(0, 366 * 24, 7):
        moment = start + timedelta(hours=hours, seconds=hours % 60)
        assert srp.parse_timestamp(srp.format_timestamp(moment)) == moment
