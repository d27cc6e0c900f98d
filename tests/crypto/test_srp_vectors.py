"""Recorded SRP and SECRET_HASH vectors (vectors/srp-cognito.json) against our code and pycognito.

The file holds spec §4.13 vectors 1-3 and vectors made by vectors/generate_srp_vectors.py, which
were cross-checked with pycognito and amazon-cognito-identity-js when written. Here we recompute
them with userpool.crypto (server and client halves) and with pycognito's client functions.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from pycognito.aws_srp import AWSSRP

from tests.crypto.vectors.generate_srp_vectors import full_values
from userpool.crypto import srp
from userpool.crypto.secret_hash import secret_hash, verify_secret_hash

DOCUMENT = json.loads((Path(__file__).parent / "vectors" / "srp-cognito.json").read_text(encoding="utf-8"))
SRP_VECTORS: list[dict[str, Any]] = DOCUMENT["srp"]
SECRET_HASH_VECTORS: list[dict[str, Any]] = DOCUMENT["secret_hash"]


def _ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["name"] for v in vectors]


def assert_matches(expected: dict[str, Any], actual: dict[str, Any]) -> None:
    for name, want in expected.items():
        got = actual[name]
        if isinstance(want, dict):
            assert got.startswith(want.get("prefix", "")), name
            assert got.endswith(want.get("suffix", "")), name
            if "length" in want:
                assert len(got) == want["length"], name
        else:
            assert got == want, name


def server_values(vector: dict[str, Any]) -> dict[str, Any]:
    """Every recorded quantity, computed by userpool.crypto.srp (the server's half), with the
    generator's own derivation; A goes through the server's strict parser first."""
    values = full_values(vector)
    a_hex = format(srp.client_a(int(vector["a_hex"], 16)), "x")
    assert format(srp.parse_srp_a(a_hex), "x") == values["A"]
    return values


def test_document_has_the_spec_vectors_and_origins() -> None:
    origins = {v["name"]: v["origin"] for v in SRP_VECTORS + SECRET_HASH_VECTORS}
    assert origins["spec-1-user-password"] == "spec §4.13 vector 1"
    assert origins["spec-2-device"] == "spec §4.13 vector 2"
    assert origins["spec-3-secret-hash"] == "spec §4.13 vector 3"
    assert all(origins.values())
    assert DOCUMENT["group"] == {"N": format(srp.N, "x"), "g": 2, "k": format(srp.K_MULTIPLIER, "x")}


@pytest.mark.parametrize("vector", SRP_VECTORS, ids=_ids(SRP_VECTORS))
def test_server_side_reproduces_vector(vector: dict[str, Any]) -> None:
    values = server_values(vector)
    assert_matches(vector["expected"], values)
    signature = values["signature"]
    key = bytes.fromhex(values["K"])
    secret_block = base64.b64decode(vector["secret_block_b64"])
    assert srp.verify_claim(key, vector["realm"], vector["user_id"], secret_block, vector["timestamp"], signature)
    assert srp.parse_timestamp(vector["timestamp"]) is not None
    salt = bytes.fromhex(vector["salt_hex"])
    assert srp.check_password(vector["realm"], vector["user_id"], vector["password"], salt, bytes.fromhex(values["v"]))


@pytest.mark.parametrize("vector", SRP_VECTORS, ids=_ids(SRP_VECTORS))
def test_client_side_reproduces_vector(vector: dict[str, Any]) -> None:
    values = server_values(vector)
    key = srp.client_session_key(
        vector["realm"],
        vector["user_id"],
        vector["password"],
        bytes.fromhex(vector["salt_hex"]),
        int(vector["a_hex"], 16),
        int(values["B"], 16),
    )
    assert key.hex() == values["K"]
    if "K" in vector["expected"]:
        assert key.hex() == vector["expected"]["K"]


@pytest.mark.parametrize("vector", SRP_VECTORS, ids=_ids(SRP_VECTORS))
def test_pycognito_client_reproduces_vector(vector: dict[str, Any]) -> None:
    """pycognito as the client: injected a, our B and SALT parameter, fixed TIMESTAMP."""
    values = server_values(vector)
    aws = AWSSRP(
        username=vector["user_id"],
        password=vector["password"],
        pool_id=vector["pool_id"],
        client_id="dummyclientid",
        client=object(),
        device_key=vector["user_id"] if vector["kind"] == "device" else None,
        device_group_key=vector["realm"] if vector["kind"] == "device" else None,
        device_password=vector["password"] if vector["kind"] == "device" else None,
    )
    aws.small_a_value = int(vector["a_hex"], 16)
    aws.large_a_value = aws.calculate_a()
    assert format(aws.large_a_value, "x") == values["A"]
    challenge = {
        "SALT": values["salt_param"],
        "SRP_B": values["B"],
        "SECRET_BLOCK": vector["secret_block_b64"],
        "USER_ID_FOR_SRP": vector["user_id"],
        "USERNAME": vector["user_id"],
    }
    moment = srp.parse_timestamp(vector["timestamp"])
    assert moment is not None
    with mock.patch("pycognito.aws_srp.datetime") as fake_datetime:
        fake_datetime.datetime.utcnow.return_value = moment.replace(tzinfo=None)
        if vector["kind"] == "device":
            response = aws.process_device_challenge(challenge)
        else:
            response = aws.process_challenge(challenge, {"USERNAME": vector["user_id"]})
    assert response["TIMESTAMP"] == vector["timestamp"]
    assert response["PASSWORD_CLAIM_SIGNATURE"] == values["signature"]
    if "signature" in vector["expected"]:
        assert response["PASSWORD_CLAIM_SIGNATURE"] == vector["expected"]["signature"]


@pytest.mark.parametrize("vector", SECRET_HASH_VECTORS, ids=_ids(SECRET_HASH_VECTORS))
def test_secret_hash_vectors(vector: dict[str, Any]) -> None:
    args = (vector["client_secret"], vector["username"], vector["client_id"])
    assert secret_hash(*args) == vector["expected"]
    assert verify_secret_hash(*args, vector["expected"])
    theirs = AWSSRP.get_secret_hash(vector["username"], vector["client_id"], vector["client_secret"])
    assert theirs == vector["expected"]
