"""userpool.crypto.secret_hash: SECRET_HASH of spec §4.12 (vector 3 of §4.13)."""

from __future__ import annotations

import base64

import pytest
from pycognito.aws_srp import AWSSRP

from userpool.crypto.secret_hash import secret_hash, verify_secret_hash

SECRET = "clientsecret1234567890abcdef1234"
CLIENT_ID = "1example23456789abcdefghij"
EXPECTED = "nClDgm/ujQIiTSY9AgAvs5/aK9+wL0v5SpN5LIpyxpU="


def test_spec_vector_3() -> None:
    assert secret_hash(SECRET, "testuser", CLIENT_ID) == EXPECTED
    assert verify_secret_hash(SECRET, "testuser", CLIENT_ID, EXPECTED)


def test_standard_base64_with_padding() -> None:
    value = secret_hash("s", "user", "client")
    assert len(value) == 44 and value.endswith("=")
    assert len(base64.b64decode(value, validate=True)) == 32


@pytest.mark.parametrize("username", ["testuser", "jürgen.müller", "用户名", "a@b.example", "", "🙂"])
def test_matches_pycognito(username: str) -> None:
    assert secret_hash(SECRET, username, CLIENT_ID) == AWSSRP.get_secret_hash(username, CLIENT_ID, SECRET)


@pytest.mark.parametrize(
    "candidate",
    [
        "",
        EXPECTED.rstrip("="),
        EXPECTED.lower(),
        "oClDgm/ujQIiTSY9AgAvs5/aK9+wL0v5SpN5LIpyxpU=",
        "nClDgm_ujQIiTSY9AgAvs5_aK9-wL0v5SpN5LIpyxpU=",
        EXPECTED + " ",
        "ñClDgm/ujQIiTSY9AgAvs5/aK9+wL0v5SpN5LIpyxpU=",
        "\ud800",
    ],
)
def test_rejects_other_candidates(candidate: str) -> None:
    assert not verify_secret_hash(SECRET, "testuser", CLIENT_ID, candidate)


def test_rejects_wrong_inputs() -> None:
    assert not verify_secret_hash(SECRET, "TestUser", CLIENT_ID, EXPECTED)
    assert not verify_secret_hash(SECRET + "x", "testuser", CLIENT_ID, EXPECTED)
    assert not verify_secret_hash(SECRET, "testuser", CLIENT_ID + "x", EXPECTED)
    assert not verify_secret_hash(SECRET, "\udcff", CLIENT_ID, EXPECTED)
    assert not verify_secret_hash(SECRET, "testuser", CLIENT_ID, None)  # type: ignore[arg-type]
