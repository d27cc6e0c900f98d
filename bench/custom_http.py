"""What an HTTP-invoked trigger adds per CUSTOM_AUTH sign-in: ``python -m bench.custom_http``.

One userpool server (SQLite) serves two pools with the same Define / Create / Verify functions
(bench/custom.py): one pool names them ``bench-*``, which the server runs in process
(``--lambda-function``); the other names them ``http-*``, which the server invokes through
boto3's ``lambda`` client against the Lambda-Invoke-compatible test endpoint
(tests/triggers/lambda_endpoint.py, ``--lambda-endpoint``) running in this process. A custom
sign-in invokes three functions (Define, Create; then Verify, Define), i.e. four Invoke calls
per login. Logins alternate between the pools one at a time (concurrency 1), so both see the same
machine state; the report gives p50 / mean latency and the server's CPU per login for each, and
the difference. The endpoint's own work runs in this process, not the server's: the server CPU
difference is the cost of making the calls (botocore request building, signing, HTTP), the
latency difference adds the endpoint's answer time."""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from tests.triggers.lambda_endpoint import LambdaEndpoint

from bench.client import Conn
from bench.custom import FUNCTIONS, IN_PROCESS, CustomSetup, login, setup_custom
from bench.custom import create as create_function
from bench.custom import define as define_function
from bench.custom import verify as verify_function
from bench.peers import Servers

HTTP = "http-"


def _one(setup: CustomSetup, conn: Conn, user: str) -> float:
    started = time.perf_counter()
    result = login(setup, conn, user)
    elapsed = time.perf_counter() - started
    if isinstance(result, str) or result[0] != 200 or b"AuthenticationResult" not in result[1]:
        raise RuntimeError(f"custom sign-in failed: {result!r:.300}")
    return elapsed * 1000


def measure(logins: int, users: int) -> dict[str, Any]:
    handlers = {f"{HTTP}{name}": fn for name, fn in
                zip(FUNCTIONS, (define_function, create_function, verify_function), strict=True)}
    endpoint = LambdaEndpoint(handlers)
    try:
        with Servers(install=False) as servers:
            server = servers.start_userpool("userpool-sqlite", extra=("--lambda-endpoint", endpoint.url))
            setups = {"in_process": setup_custom(server.url, users, IN_PROCESS),
                      "http": setup_custom(server.url, users, HTTP)}
            conn = Conn(server.port)
            latencies: dict[str, list[float]] = {name: [] for name in setups}
            cpu: dict[str, float] = dict.fromkeys(setups, 0.0)
            try:
                for setup in setups.values():  # warm-up: connections, imports, caches
                    for user in setup.users:
                        _one(setup, conn, user)
                for i in range(logins):
                    for name, setup in setups.items():
                        user = setup.users[i % len(setup.users)]
                        before = server.cpu_ms()
                        latencies[name].append(_one(setup, conn, user))
                        cpu[name] += server.cpu_ms() - before
            finally:
                conn.close()
    finally:
        endpoint.close()
    out: dict[str, Any] = {"logins": logins, "invokes_per_login": 4}
    for name, values in latencies.items():
        out[name] = {"p50_ms": statistics.median(values), "mean_ms": statistics.fmean(values),
                     "server_cpu_ms_per_login": cpu[name] / logins}
    out["added_p50_ms"] = out["http"]["p50_ms"] - out["in_process"]["p50_ms"]
    out["added_server_cpu_ms"] = out["http"]["server_cpu_ms_per_login"] - out["in_process"]["server_cpu_ms_per_login"]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.custom_http", description=__doc__.splitlines()[0])
    p.add_argument("--logins", type=int, default=300, help="timed sign-ins per pool (default 300)")
    p.add_argument("--users", type=int, default=20, help="users per pool (default 20)")
    args = p.parse_args(argv)
    out = measure(args.logins, args.users)
    print(f"# CUSTOM_AUTH sign-in (InitiateAuth + RespondToAuthChallenge, {out['invokes_per_login']} trigger "
          f"invocations), {out['logins']} logins each, concurrency 1")
    for name in ("in_process", "http"):
        row = out[name]
        print(f"{name:<11} p50 {row['p50_ms']:7.2f} ms   mean {row['mean_ms']:7.2f} ms   "
              f"server CPU {row['server_cpu_ms_per_login']:6.2f} ms/login")
    print(f"HTTP-invoked triggers add {out['added_p50_ms']:.2f} ms (p50) and {out['added_server_cpu_ms']:.2f} ms of "
          f"server CPU per sign-in ({out['added_p50_ms'] / out['invokes_per_login']:.2f} ms per Invoke)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
