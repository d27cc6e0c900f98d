"""Our SRP against amazon-cognito-identity-js 6.3.21 (spec §4, §4.11) via tests/js/srp_vectors.mjs.

Needs node and the pinned packages: run ``npm ci --prefix tests/js`` first. Skipped when either is
missing, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.crypto.test_srp_pycognito import challenge_for, server_accepts
from userpool.crypto import srp

pytestmark = pytest.mark.node

JS_DIR = Path(__file__).resolve().parents[1] / "js"
SCRIPT = JS_DIR / "srp_vectors.mjs"
VECTORS = json.loads((Path(__file__).parent / "vectors" / "srp-cognito.json").read_text(encoding="utf-8"))["srp"]
POOL_ID = "us-east-1_AbCdEfGhI"
REALM = "AbCdEfGhI"
CLIENT_ID = "1example23456789abcdefghij"
USER_IDS = ["0b9e3c2a-6f1d-4e8b-9a7c-5d4e3f2a1b0c", "jürgen.müller", "用户名", "emoji🙂user", "testuser"]
PASSWORDS = ["P@ssw0rd!", "pässwörd-Ünïcödé-1", "密码 with spaces", '🔐🙂 "quoted" \\', "a" * 99]


@pytest.fixture(scope="module")
def run_node() -> Any:
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "node is not installed"
    elif not (JS_DIR / "node_modules" / "amazon-cognito-identity-js").is_dir():
        problem = "tests/js/node_modules is missing: run `npm ci --prefix tests/js`"
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{problem} (required under CI=true)")
        pytest.skip(problem)

    def run(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        completed = subprocess.run(
            [str(node), str(SCRIPT)],
            input=json.dumps({"cases": cases}).encode(),
            capture_output=True,
            timeout=300,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr.decode(errors="replace")
        results: list[dict[str, Any]] = json.loads(completed.stdout)["results"]
        assert len(results) == len(cases)
        return results

    return run


CHUNKS = 4  # node's BigInteger is slow (~0.5 s per exchange); chunks let pytest-xdist spread them


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_js_helper_reproduces_recorded_vectors(run_node: Any, chunk: int) -> None:
    vectors = VECTORS[chunk::CHUNKS]
    cases = []
    for vector in vectors:
        verifier = srp.make_verifier(
            vector["realm"], vector["user_id"], vector["password"], bytes.fromhex(vector["salt_hex"])
        )
        cases.append(
            {
                "kind": "helper",
                "realm": vector["realm"],
                "user_id": vector["user_id"],
                "password": vector["password"],
                "salt_param": srp.salt_to_hex(bytes.fromhex(vector["salt_hex"])),
                "a_hex": vector["a_hex"],
                "b_pub_hex": format(srp.server_b(verifier, int(vector["b_hex"], 16)), "x"),
                "secret_block_b64": vector["secret_block_b64"],
                "timestamp": vector["timestamp"],
            }
        )
    for vector, result in zip(vectors, run_node(cases), strict=True):
        expected = vector["expected"]
        a_pub = srp.client_a(int(vector["a_hex"], 16))
        assert result["a_pub_hex"] == format(a_pub, "x"), vector["name"]
        for ours, theirs in (("u", "u_hex"), ("K", "key_hex"), ("signature", "signature")):
            if ours in expected:
                assert result[theirs] == expected[ours], (vector["name"], ours)


def _edge_salt(rng: random.Random, case: int) -> bytes:
    top = [
        rng.randint(0x80, 0xFF),
        rng.randint(0x08, 0x0F),
        rng.randint(0x01, 0x07),
        rng.randint(0x10, 0x7F),
        0,
    ][case % 5]
    return bytes([top]) + rng.randbytes(rng.choice([0, 7, 15, 31]))


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_js_cognito_user_against_our_server(run_node: Any, chunk: int) -> None:
    """CognitoUser.authenticateUser (USER_SRP_AUTH) with JS-drawn a; we play the server."""
    rng = random.Random(4000 + chunk)
    cases, servers = [], []
    for case in range(chunk, 20, CHUNKS):
        user_id, password = USER_IDS[case % len(USER_IDS)], PASSWORDS[case % len(PASSWORDS)]
        salt = _edge_salt(rng, case)
        verifier = srp.make_verifier(REALM, user_id, password, salt)
        challenge, b, b_pub = challenge_for(rng, user_id, salt, verifier)
        wrong = case % 3 == 2
        cases.append(
            {
                "kind": "user_flow",
                "pool_id": POOL_ID,
                "client_id": CLIENT_ID,
                "username": "alias@example.com",
                "password": password + ("?" if wrong else ""),
                "challenge": challenge,
            }
        )
        servers.append((user_id, verifier, challenge, b, b_pub, wrong))
    for (user_id, verifier, challenge, b, b_pub, wrong), result in zip(servers, run_node(cases), strict=True):
        initiate, respond = result["requests"]
        assert initiate["operation"] == "InitiateAuth"
        assert initiate["params"]["AuthParameters"]["USERNAME"] == "alias@example.com"
        assert respond["params"]["ChallengeName"] == "PASSWORD_VERIFIER"
        responses = respond["params"]["ChallengeResponses"]
        assert responses["USERNAME"] == user_id
        srp_a = initiate["params"]["AuthParameters"]["SRP_A"]
        accepted = server_accepts(REALM, user_id, verifier, challenge, b, b_pub, srp_a, responses)
        assert accepted is not wrong, (user_id, wrong)


def test_js_device_setup_and_device_password_verifier(run_node: Any) -> None:
    """generateHashDevice makes the ConfirmDevice verifier; getDeviceResponse signs the device claim."""
    rng = random.Random(5000)
    keys = [("-" + rng.randbytes(5).hex(), f"us-east-1_{rng.randbytes(16).hex()}") for _ in range(6)]
    setups = run_node([{"kind": "device_setup", "realm": group, "user_id": device} for group, device in keys])
    cases, servers = [], []
    for i, ((group, device), setup) in enumerate(zip(keys, setups, strict=True)):
        salt, verifier = bytes.fromhex(setup["salt_hex"]), bytes.fromhex(setup["verifier_hex"])
        assert srp.check_password(group, device, setup["password"], salt, verifier)
        assert not srp.check_password(group, device, setup["password"] + "x", salt, verifier)
        b = srp.private_b(rng.randbytes(32))
        b_pub = srp.server_b(verifier, b)
        challenge = {
            "SALT": srp.salt_to_hex(salt),
            "SRP_B": format(b_pub, "x"),
            "SECRET_BLOCK": base64.b64encode(rng.randbytes(48)).decode(),
            "USERNAME": "internal-user",
        }
        wrong = i % 2 == 1
        cases.append(
            {
                "kind": "device_flow",
                "pool_id": POOL_ID,
                "client_id": CLIENT_ID,
                "username": "internal-user",
                "device_key": device,
                "device_group_key": group,
                "device_password": setup["password"] + ("x" if wrong else ""),
                "challenge": challenge,
            }
        )
        servers.append((group, device, verifier, challenge, b, b_pub, wrong))
    for (group, device, verifier, challenge, b, b_pub, wrong), result in zip(servers, run_node(cases), strict=True):
        initiate, respond = result["requests"]
        assert initiate["params"]["ChallengeName"] == "DEVICE_SRP_AUTH"
        assert respond["params"]["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
        responses = respond["params"]["ChallengeResponses"]
        assert responses["DEVICE_KEY"] == device
        srp_a = initiate["params"]["ChallengeResponses"]["SRP_A"]
        accepted = server_accepts(group, device, verifier, challenge, b, b_pub, srp_a, responses)
        assert accepted is not wrong
