"""Micro-benchmark of server-side SRP (spec §4.5-4.8): µs per operation, median of N runs.

    .venv/bin/python bench/srp_micro.py [--quick] [--runs N]

Rows per operation:
  python   Python's pow for every exponentiation
  gmpy2    gmpy2.powmod for every exponentiation
  table-*  fixed-base table (userpool.crypto.bigint.FixedBase) for g^x / g^b, on python ints or mpz
  api      the userpool.crypto.srp function as the server calls it (whatever it uses by default)
Operations:
  verifier   make_verifier: x (two SHA-256) + g^x
  check      check_password: the same + constant-time compare
  step1      PASSWORD_VERIFIER challenge: b from 32 bytes, B = k·v + g^b
  step2      claim check: u, S = (A·v^u)^b (two full exponentiations), HKDF, HMAC verify
"""

from __future__ import annotations

import argparse
import base64
import hmac
import os
import platform
import statistics
import time
from collections.abc import Callable

from userpool.crypto import bigint, srp

REALM, USER, PASSWORD = "AbCdEfGhI", "0b9e3c2a-6f1d-4e8b-9a7c-5d4e3f2a1b0c", "Correct-Horse-Battery-9"
SALT = os.urandom(16)
SECRET_BLOCK = os.urandom(96)
TIMESTAMP = "Tue Nov 5 09:07:03 UTC 2024"


def median_us(fn: Callable[[], object], runs: int, inner: int) -> float:
    fn()  # warm-up (builds lazy tables)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - start) / inner * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few runs, for a smoke test")
    parser.add_argument("--runs", type=int, default=None, help="samples per row (median is reported)")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 21)

    N, G, k = srp.N, srp.G, srp.K_MULTIPLIER
    powmods: dict[str, Callable[[int, int, int], int]] = {"python": bigint.powmod_python}
    tables: dict[str, bigint.FixedBase] = {"table-python": bigint.FixedBase(G, N, 256, backend="python")}
    if bigint.gmpy2_available():
        powmods["gmpy2"] = bigint.powmod_gmpy2
        tables["table-gmpy2"] = bigint.FixedBase(G, N, 256, backend="gmpy2")
    g_pows: dict[str, Callable[[int], int]] = {name: (lambda e, p=p: p(G, e, N)) for name, p in powmods.items()}
    g_pows.update({name: t.pow for name, t in tables.items()})

    verifier = srp.make_verifier(REALM, USER, PASSWORD, SALT)
    v = int.from_bytes(verifier, "big")
    a = int.from_bytes(os.urandom(128), "big")
    a_pub = srp.client_a(a)
    b = srp.private_b(os.urandom(32))
    b_pub = srp.server_b(verifier, b)
    key = srp.session_key(a_pub, b_pub, b, verifier)
    signature = base64.b64encode(srp.claim_signature(key, REALM, USER, SECRET_BLOCK, TIMESTAMP)).decode()
    random32 = os.urandom(32)

    def verifier_with(g_pow: Callable[[int], int]) -> Callable[[], object]:
        return lambda: g_pow(srp.compute_x(REALM, USER, PASSWORD, SALT)).to_bytes(384, "big")

    def check_with(g_pow: Callable[[int], int]) -> Callable[[], object]:
        make = verifier_with(g_pow)
        return lambda: hmac.compare_digest(make(), verifier)  # type: ignore[arg-type]

    def step1_with(g_pow: Callable[[int], int]) -> Callable[[], object]:
        return lambda: (k * v + g_pow(srp.private_b(random32))) % N

    def step2_with(powmod: Callable[[int, int, int], int]) -> Callable[[], object]:
        def run() -> bool:
            u = srp.compute_u(a_pub, b_pub)
            premaster = powmod(a_pub * powmod(v, u, N) % N, b, N)
            return srp.verify_claim(srp.derive_key(u, premaster), REALM, USER, SECRET_BLOCK, TIMESTAMP, signature)

        return run

    def api_step2() -> bool:
        return srp.verify_claim(
            srp.session_key(srp.parse_srp_a(format(a_pub, "x")), b_pub, b, verifier),
            REALM,
            USER,
            SECRET_BLOCK,
            TIMESTAMP,
            signature,
        )

    rows: list[tuple[str, str, Callable[[], object]]] = []
    for name, g_pow in g_pows.items():
        rows.append(("verifier", name, verifier_with(g_pow)))
    rows.append(("verifier", "api", lambda: srp.make_verifier(REALM, USER, PASSWORD, SALT)))
    for name, g_pow in g_pows.items():
        rows.append(("check", name, check_with(g_pow)))
    rows.append(("check", "api", lambda: srp.check_password(REALM, USER, PASSWORD, SALT, verifier)))
    for name, g_pow in g_pows.items():
        rows.append(("step1", name, step1_with(g_pow)))
    rows.append(("step1", "api", lambda: srp.server_b(verifier, srp.private_b(random32))))
    for name, powmod in powmods.items():
        rows.append(("step2", name, step2_with(powmod)))
    if bigint.gmpy2_available():
        import gmpy2

        rows.append(("step2", "gmpy2-sec", step2_with(lambda x, y, m: int(gmpy2.powmod_sec(x, y, m)))))
    rows.append(("step2", "api", api_step2))

    print(f"# srp_micro: CPython {platform.python_version()}, bigint.BACKEND={bigint.BACKEND}, runs={runs}")
    print(f"{'operation':<10} {'variant':<14} {'µs (median)':>12}")
    for operation, variant, fn in rows:
        slow = variant in ("python", "table-python") or operation == "step2"
        inner = 1 if (slow or args.quick) else 5
        print(f"{operation:<10} {variant:<14} {median_us(fn, runs, inner):>12.0f}", flush=True)


if __name__ == "__main__":
    main()
