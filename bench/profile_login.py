"""In-process profile of one flow: the ASGI app driven without sockets, so what is left over the
crypto floor is exactly our Python (decode, validation, engine, database, encode).

    .venv/bin/python -m bench.profile_login                      # password, SQLite, 2000 logins
    .venv/bin/python -m bench.profile_login --flow refresh --db postgresql://postgres@127.0.0.1/x
    .venv/bin/python -m bench.profile_login --cprofile 30        # also the top 30 functions

Prints CPU µs per login (``time.process_time``, one thread at a time), the crypto floor of the
same flow, their ratio, and the store transactions per login. Handlers run inline on SQLite and
in worker threads on PostgreSQL, as the server runs them.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import tempfile
import time
from collections.abc import Callable
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from bench import floor as floor_mod
from userpool.bootstrap import build_services
from userpool.settings import Settings
from userpool.wire import validation
from userpool.wire.services import build_asgi_app

PASSWORD = "Bench-Passw0rd!"


def bench_quotas(data_dir: str) -> Any:
    """The server's request-rate check, as the bench's servers run it: in the measured path, with
    quotas no workload reaches (bench/peers.py passes the same ones)."""
    from userpool.bootstrap import quota_gate
    from userpool.wire.quotas import DEFAULT_RATES

    return quota_gate(Settings(data_dir=data_dir, quota=tuple(f"{c}=1000000" for c in DEFAULT_RATES)))


class InProcess:
    """Calls the ASGI app the way uvicorn does, minus the socket."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()

    def call(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        raw = json.dumps(body).encode()
        headers = {"host": "127.0.0.1:9229", "content-type": "application/x-amz-json-1.1",
                   "x-amz-target": f"AWSCognitoIdentityProviderService.{operation}"}
        if validation.requires_sigv4(operation):
            signed = AWSRequest(method="POST", url="http://127.0.0.1:9229/", data=raw, headers=headers)
            SigV4Auth(Credentials("AKIDPROFILE", "profile-secret"), "cognito-idp", "us-east-1").add_auth(signed)
            headers = {k.lower(): v for k, v in signed.headers.items()}
        scope = {
            "type": "http", "method": "POST", "path": "/", "raw_path": b"/", "query_string": b"",
            "scheme": "http", "server": ("127.0.0.1", 9229), "client": ("127.0.0.1", 50000),
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()]
            + [(b"content-length", str(len(raw)).encode())],
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": raw, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        self.loop.run_until_complete(self.app(scope, receive, send))
        return int(sent[0]["status"]), json.loads(sent[1]["body"] or b"{}")

    def ok(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        status, answer = self.call(operation, body)
        if status != 200:
            raise SystemExit(f"{operation} failed: {status} {answer}")
        return answer


def setup(client: InProcess, users: int) -> tuple[str, str]:
    pool = client.ok("CreateUserPool", {"PoolName": "profile"})["UserPool"]["Id"]
    app_client = client.ok("CreateUserPoolClient", {
        "UserPoolId": pool, "ClientName": "c",
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    })["UserPoolClient"]["ClientId"]
    for i in range(users):
        name = f"user{i:07d}"
        client.ok("AdminCreateUser", {"UserPoolId": pool, "Username": name, "MessageAction": "SUPPRESS",
                                      "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"}]})
        client.ok("AdminSetUserPassword", {"UserPoolId": pool, "Username": name, "Password": PASSWORD,
                                           "Permanent": True})
    return pool, app_client


#: CPU seconds the load generator itself spent inside a workload (the SRP client proof), excluded.
client_seconds = [0.0]


def workload(client: InProcess, flow: str, pool_id: str, client_id: str, users: int) -> Callable[[int], None]:
    def password(i: int) -> None:
        client.ok("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id, "AuthParameters": {
            "USERNAME": f"user{i % users:07d}", "PASSWORD": PASSWORD}})

    if flow == "password":
        return password
    if flow == "refresh":
        tokens = [client.ok("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
                                             "AuthParameters": {"USERNAME": f"user{u:07d}", "PASSWORD": PASSWORD}})
                  ["AuthenticationResult"]["RefreshToken"] for u in range(users)]

        def refresh(i: int) -> None:
            client.ok("InitiateAuth", {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": client_id,
                                       "AuthParameters": {"REFRESH_TOKEN": tokens[i % users]}})
        return refresh
    if flow == "srp":
        from bench.srp_client import SrpProver, ephemerals

        pool_name = client.ok("DescribeUserPoolClient", {"UserPoolId": pool_id, "ClientId": client_id})
        prover = SrpProver(pool_name["UserPoolClient"]["UserPoolId"].split("_", 1)[1])
        pairs = ephemerals(64)

        def srp(i: int) -> None:
            name = f"user{i % users:07d}"
            eph = pairs[i % len(pairs)]
            first = client.ok("InitiateAuth", {"AuthFlow": "USER_SRP_AUTH", "ClientId": client_id,
                                               "AuthParameters": {"USERNAME": name, "SRP_A": eph.srp_a}})
            started = time.process_time()
            responses = prover.responses(eph, PASSWORD, first["ChallengeParameters"])
            client_seconds[0] += time.process_time() - started
            client.ok("RespondToAuthChallenge", {
                "ChallengeName": "PASSWORD_VERIFIER", "ClientId": client_id, "Session": first.get("Session"),
                "ChallengeResponses": responses})
        return srp
    raise SystemExit(f"unknown flow {flow}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flow", default="password", choices=("password", "refresh", "srp"))
    parser.add_argument("--db", default=None, help="database URL (default: SQLite in a temp dir)")
    parser.add_argument("--logins", type=int, default=2000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--cprofile", type=int, default=0, metavar="N", help="print the top N functions")
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumtime)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as data_dir:
        services = build_services(Settings(data_dir=data_dir, db=args.db))
        # As the server decides (bootstrap.build_app); cProfile sees one thread, so it needs inline.
        inline = args.db is None or args.db.startswith("sqlite") or bool(args.cprofile)
        client = InProcess(build_asgi_app(services, credentials=None, inline=inline, quotas=bench_quotas(data_dir)))
        pool_id, client_id = setup(client, args.users)
        run = workload(client, args.flow, pool_id, client_id, args.users)
        for i in range(min(200, args.logins)):
            run(i)  # warm-up: key caches, compiled statements, lazy patterns

        transactions = [0]
        store = services.rt.store
        opened = store._transaction  # type: ignore[attr-defined]

        def counted(*, write: bool) -> Any:
            transactions[0] += 1
            return opened(write=write)

        store._transaction = counted  # type: ignore[attr-defined]
        profiler = cProfile.Profile() if args.cprofile else None
        client_seconds[0] = 0.0
        start = time.process_time()
        if profiler:
            profiler.enable()
        for i in range(args.logins):
            run(i)
        if profiler:
            profiler.disable()
        took = time.process_time() - start - client_seconds[0]
        services.rt.store.close()  # type: ignore[attr-defined]

    floors = floor_mod.measure(reps=200)
    floor_ms, median_ms = floors["flows"][args.flow], floors["flows_median"][args.flow]
    per_login_ms = took / args.logins * 1e3
    print(f"{args.flow}: {per_login_ms * 1e3:.0f} µs CPU per login in process, floor {floor_ms * 1e3:.0f} µs "
          f"(median {median_ms * 1e3:.0f}), ×{per_login_ms / floor_ms:.2f} (×{per_login_ms / median_ms:.2f} "
          f"median); {transactions[0] / args.logins:.1f} transactions per login")
    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.cprofile)


if __name__ == "__main__":
    main()
