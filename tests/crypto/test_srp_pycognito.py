"""Our SRP as the server, pycognito 2024.5.1 as the client (spec §3.2, §4.10, §4.11), no network.

pycognito draws its own a and reads the clock; we build the PASSWORD_VERIFIER challenge from a
stored verifier and check the PASSWORD_CLAIM_SIGNATURE it returns, over many random salts (the
padding edge cases of spec §4.10 included), unicode names and passwords, and wrong passwords.
"""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pycognito.aws_srp import AWSSRP, generate_hash_device

from userpool.crypto import srp

POOL_ID = "us-east-1_AbCdEfGhI"
REALM = "AbCdEfGhI"
CLIENT_ID = "1example23456789abcdefghij"

USER_IDS = [
    "0b9e3c2a-6f1d-4e8b-9a7c-5d4e3f2a1b0c",
    "testuser",
    "jürgen.müller",
    "用户名",
    "emoji🙂user",
    "Mixed.Case+tag@example.com",
]
PASSWORDS = ["P@ssw0rd!", "pässwörd-Ünïcödé-1", "密码 with spaces", '🔐🙂 "quoted" \\', "a" * 99, "x"]


def edge_salt(rng: random.Random, case: int) -> bytes:
    """Salts whose minimal hex has every shape of spec §4.10: odd/even length, leading 0-7/8-f."""
    top = [
        rng.randint(0x80, 0xFF),  # even length, leading 8-f: PAD adds 00
        rng.randint(0x08, 0x0F),  # odd length, leading 8-f once the zero nibble is dropped
        rng.randint(0x01, 0x07),  # odd length, leading 1-7
        rng.randint(0x10, 0x7F),  # even length, no padding
        0x00,  # a leading zero byte: the integer is shorter than the bytes
    ][case % 5]
    return bytes([top]) + rng.randbytes(rng.choice([0, 7, 15, 31]))


def challenge_for(rng: random.Random, user_id: str, salt: bytes, verifier: bytes) -> tuple[dict[str, str], int, int]:
    b = srp.private_b(rng.randbytes(32))
    b_pub = srp.server_b(verifier, b)
    parameters = {
        "SALT": srp.salt_to_hex(salt),
        "SRP_B": format(b_pub, "x"),
        "SECRET_BLOCK": base64.b64encode(rng.randbytes(rng.randint(1, 300))).decode(),
        "USER_ID_FOR_SRP": user_id,
        "USERNAME": user_id,
    }
    return parameters, b, b_pub


def server_accepts(
    realm: str,
    user_id: str,
    verifier: bytes,
    parameters: dict[str, str],
    b: int,
    b_pub: int,
    srp_a: str,
    responses: dict[str, Any],
) -> bool:
    """What the PASSWORD_VERIFIER / DEVICE_PASSWORD_VERIFIER step checks (spec §3.2 step 2)."""
    moment = srp.parse_timestamp(responses["TIMESTAMP"])
    assert moment is not None, responses["TIMESTAMP"]
    assert abs(moment - datetime.now(UTC)) < timedelta(minutes=5)
    assert responses["PASSWORD_CLAIM_SECRET_BLOCK"] == parameters["SECRET_BLOCK"]
    key = srp.session_key(srp.parse_srp_a(srp_a), b_pub, b, verifier)
    return srp.verify_claim(
        key,
        realm,
        user_id,
        base64.b64decode(responses["PASSWORD_CLAIM_SECRET_BLOCK"]),
        responses["TIMESTAMP"],
        responses["PASSWORD_CLAIM_SIGNATURE"],
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pycognito calls datetime.utcnow()
@pytest.mark.parametrize("case", range(40))
def test_pycognito_password_verifier(case: int) -> None:
    rng = random.Random(1000 + case)
    user_id, password = USER_IDS[case % len(USER_IDS)], PASSWORDS[case % len(PASSWORDS)]
    salt = edge_salt(rng, case)
    verifier = srp.make_verifier(REALM, user_id, password, salt)
    for attempt, wrong in ((password, False), (password + "1", True)):
        parameters, b, b_pub = challenge_for(rng, user_id, salt, verifier)
        aws = AWSSRP(
            username="alias-the-user-typed",
            password=attempt,
            pool_id=POOL_ID,
            client_id=CLIENT_ID,
            client=object(),
        )
        srp_a = aws.get_auth_params()["SRP_A"]
        responses = aws.process_challenge(parameters, {"USERNAME": "alias-the-user-typed"})
        assert responses["USERNAME"] == user_id
        accepted = server_accepts(REALM, user_id, verifier, parameters, b, b_pub, srp_a, responses)
        assert accepted is not wrong


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("case", range(10))
def test_pycognito_device_setup_and_device_password_verifier(case: int) -> None:
    rng = random.Random(2000 + case)
    group_key = "-" + rng.randbytes(5).hex()
    device_key = f"us-east-1_{rng.randbytes(16).hex()}"
    device_password, config = generate_hash_device(group_key, device_key)
    # What ConfirmDevice stores: the decoded DeviceSecretVerifierConfig.
    salt = base64.b64decode(config["Salt"])
    verifier = base64.b64decode(config["PasswordVerifier"])
    assert srp.check_password(group_key, device_key, device_password, salt, verifier)
    assert not srp.check_password(group_key, device_key, device_password + "x", salt, verifier)
    for attempt, wrong in ((device_password, False), (device_password + "x", True)):
        parameters, b, b_pub = challenge_for(rng, device_key, salt, verifier)
        aws = AWSSRP(
            username="user",
            password="unused",
            pool_id=POOL_ID,
            client_id=CLIENT_ID,
            client=object(),
            device_key=device_key,
            device_group_key=group_key,
            device_password=attempt,
        )
        srp_a = format(aws.large_a_value, "x")
        responses = aws.process_device_challenge({**parameters, "USERNAME": "internal-user"})
        assert responses["DEVICE_KEY"] == device_key
        accepted = server_accepts(group_key, device_key, verifier, parameters, b, b_pub, srp_a, responses)
        assert accepted is not wrong


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("form", ["minimal", "padded"])
def test_both_salt_forms_of_spec_4_10_work_with_pycognito(form: str) -> None:
    """SALT may be the minimal hex or exactly PAD(s) in hex; one extra 00 byte breaks pycognito."""
    rng = random.Random(3000)
    salt = b"\x9a" + rng.randbytes(15)
    verifier = srp.make_verifier(REALM, "testuser", "P@ssw0rd!", salt)
    parameters, b, b_pub = challenge_for(rng, "testuser", salt, verifier)
    if form == "padded":
        parameters["SALT"] = srp.pad(int.from_bytes(salt)).hex()
        assert parameters["SALT"].startswith("009a")
    aws = AWSSRP(username="testuser", password="P@ssw0rd!", pool_id=POOL_ID, client_id=CLIENT_ID, client=object())
    srp_a = aws.get_auth_params()["SRP_A"]
    responses = aws.process_challenge(parameters, {"USERNAME": "testuser"})
    assert server_accepts(REALM, "testuser", verifier, parameters, b, b_pub, srp_a, responses)
    # Counter-example: an extra leading zero byte changes pycognito's x, so the proof fails.
    parameters["SALT"] = "00" + srp.pad(int.from_bytes(salt)).hex()
    responses = aws.process_challenge(parameters, {"USERNAME": "testuser"})
    assert not server_accepts(REALM, "testuser", verifier, parameters, b, b_pub, srp_a, responses)
