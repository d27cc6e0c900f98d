"""The crypto floor: minimum CPU time, on one core, of exactly the mandatory operations per flow.

  password / admin  1 verifier check (``srp.check_password``) + 2 RS256 signatures (ID + access token)
  srp               step 1 (``private_b`` + ``server_b``) + step 2 (``session_key`` + ``verify_claim``)
                    + 2 signatures
  refresh           2 signatures
  wrong             1 verifier check

Each flow's whole sequence is timed with ``time.thread_time_ns`` and the minimum over many
repetitions is kept (the least-disturbed run), along with each operation's own minimum.
Random inputs are drawn before the clock starts.
"""

from __future__ import annotations

import base64
import os
import statistics
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from userpool.crypto import jwt, keys, srp

REALM, USER = "AbCdEfGhI", "user0000001"
PASSWORD = "Bench-Passw0rd!"
SECRET_BLOCK = os.urandom(1024)  # Cognito's SECRET_BLOCK is about this size
TIMESTAMP = "Tue Nov 5 09:07:03 UTC 2024"


def _claims(use: str) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "sub": "0b9e3c2a-6f1d-4e8b-9a7c-5d4e3f2a1b0c",
        "iss": "http://127.0.0.1:9229/us-east-1_AbCdEfGhI",
        "origin_jti": "6f1d2e3c-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
        "event_id": "9a7c5d4e-3f2a-4b0c-8e1d-6f1d4e8b9a7c",
        "token_use": use,
        "auth_time": now,
        "exp": now + 3600,
        "iat": now,
        "jti": "1b0c6f1d-4e8b-4a7c-9d4e-3f2a0b9e3c2a",
    }
    if use == "id":
        base.update({"aud": "4f1k2j3h4g5f6d7s8a9p0o1i2u", "cognito:username": USER, "email": "user@example.com",
                     "email_verified": False})
    else:
        base.update({"client_id": "4f1k2j3h4g5f6d7s8a9p0o1i2u", "scope": "aws.cognito.signin.user.admin",
                     "username": USER})
    return base


def _timings_ns(fn: Callable[[], object], reps: int) -> tuple[int, int]:
    """(minimum, median) thread CPU ns of ``fn`` over ``reps`` runs."""
    fn()  # warm-up: lazy tables, caches
    took = []
    for _ in range(reps):
        start = time.thread_time_ns()
        fn()
        took.append(time.thread_time_ns() - start)
    took.sort()
    return took[0], took[len(took) // 2]


def combine(measurements: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """One floor from several ``measure`` results taken through a run: the minimum of each
    minimum (a slow spell of the machine during one measurement does not raise the floor) and
    the median of the medians."""
    first = measurements[0]
    return {
        "flows": {k: min(m["flows"][k] for m in measurements) for k in first["flows"]},
        "operations": {k: min(m["operations"][k] for m in measurements) for k in first["operations"]},
        "flows_median": {k: statistics.median(m["flows_median"][k] for m in measurements)
                         for k in first["flows_median"]},
        "measurements": len(measurements),  # type: ignore[dict-item]
    }


def measure(reps: int = 200) -> dict[str, dict[str, float]]:
    """``{"flows": {flow: ms}, "operations": {operation: ms}}``, minimum CPU ms over ``reps`` runs,
    and ``"flows_median"``: the median of the same runs. The floor is the minimum; the median
    shows how far this machine's own noise moves the same cryptography (on shared cloud
    cores, 10–40%), which the server's CPU per login carries too."""
    key = load_pem_private_key(keys.generate_private_pem(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    kid = keys.kid_for(key)
    id_claims, access_claims = _claims("id"), _claims("access")
    salt = os.urandom(16)
    verifier = srp.make_verifier(REALM, USER, PASSWORD, salt)
    a = int.from_bytes(os.urandom(32), "big")
    a_pub = srp.client_a(a)
    random32 = os.urandom(32)
    b = srp.private_b(random32)
    b_pub = srp.server_b(verifier, b)
    client_key = srp.client_session_key(REALM, USER, PASSWORD, salt, a, b_pub)
    signature = base64.b64encode(srp.claim_signature(client_key, REALM, USER, SECRET_BLOCK, TIMESTAMP)).decode()

    def check() -> None:
        assert srp.check_password(REALM, USER, PASSWORD, salt, verifier)

    def wrong_check() -> None:
        assert not srp.check_password(REALM, USER, "Wrong-Passw0rd!", salt, verifier)

    def sign2() -> None:
        jwt.sign(id_claims, key, kid)
        jwt.sign(access_claims, key, kid)

    def step1() -> None:
        srp.server_b(verifier, srp.private_b(random32))

    def step2() -> None:
        assert srp.verify_claim(srp.session_key(a_pub, b_pub, b, verifier), REALM, USER, SECRET_BLOCK, TIMESTAMP,
                                signature)

    def password_flow() -> None:
        check()
        sign2()

    def srp_flow() -> None:
        step1()
        step2()
        sign2()

    operations = {"check_password": check, "sign_x2": sign2, "srp_step1": step1, "srp_step2": step2}
    flows = {"password": password_flow, "srp": srp_flow, "refresh": sign2, "wrong": wrong_check}
    op_ms = {name: _timings_ns(fn, reps)[0] / 1e6 for name, fn in operations.items()}
    flow_timings = {name: _timings_ns(fn, reps) for name, fn in flows.items()}
    flow_ms = {name: best / 1e6 for name, (best, _) in flow_timings.items()}
    median_ms = {name: median / 1e6 for name, (_, median) in flow_timings.items()}
    flow_ms["admin"], median_ms["admin"] = flow_ms["password"], median_ms["password"]
    # totp: the password sign-in's cryptography; the TOTP check (three HMAC-SHA-1) is noise beside it
    flow_ms["totp"], median_ms["totp"] = flow_ms["password"], median_ms["password"]
    # custom: no password at all (bench/custom.py), only the tokens' signatures
    flow_ms["custom"], median_ms["custom"] = flow_ms["refresh"], median_ms["refresh"]
    # user_auth with PREFERRED_CHALLENGE PASSWORD: the password sign-in's work
    flow_ms["user_auth"], median_ms["user_auth"] = flow_ms["password"], median_ms["password"]
    # web_authn: an ECDSA P-256 verification (a fraction of a millisecond) and 2 signatures
    flow_ms["web_authn"], median_ms["web_authn"] = flow_ms["refresh"], median_ms["refresh"]
    # device: the password check and the device's SRP exchange (SRP's two steps) and 2 signatures
    flow_ms["device"] = flow_ms["password"] + flow_ms["srp"] - flow_ms["refresh"]
    median_ms["device"] = median_ms["password"] + median_ms["srp"] - median_ms["refresh"]
    return {"flows": flow_ms, "operations": op_ms, "flows_median": median_ms}
