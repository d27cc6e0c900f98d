"""Known vs unknown user, flow by flow: ``.venv/bin/python -m bench.existence [--count N] [--db postgres]``.

Under PreventUserExistenceErrors ENABLED the answer for an unknown user looks like the
answer for a known user with a wrong password (spec §9.3); this measures whether it also
*takes* as long. For each flow it sends ``--count`` alternating pairs of requests — a known
user with a wrong password (or code), then an unknown name — to one userpool server on
loopback and prints, per flow, the median and p90 of each side, their difference and the
ratio unknown / known. Both medians should be within noise of each other (ratio ≈ 1.00).

Not a test: it asserts nothing about speed (tests/bench/test_bench_smoke.py only checks it
runs). Lockout would turn a known user's answers into fast "Password attempts exceeded"
refusals after five failures, so every known user gets at most four wrong attempts before an
untimed correct sign-in resets its counter, and every unknown name is used at most four times.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.client import PASSWORD, WRONG_PASSWORD, Conn, Signer, boto_client, dumps, error_type
from bench.peers import Server, Servers, postgres_reachable
from bench.srp_client import SrpProver, ephemerals

FLOWS = ("USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "USER_SRP_AUTH", "PASSWORD_VERIFIER",
         "ForgotPassword", "ResendConfirmationCode", "ConfirmForgotPassword", "ConfirmSignUp")
# Flows whose wrong answers count toward the sign-in lockout.
COUNTED = {"USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "PASSWORD_VERIFIER"}
ATTEMPTS_PER_NAME = 4
AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
              "ALLOW_REFRESH_TOKEN_AUTH"]


@dataclass
class Target:
    """The pool, its ENABLED client and the means to call the server."""

    server: Server
    pool_id: str
    client_id: str
    known: list[str]
    conn: Conn
    signer: Signer
    prover: SrpProver
    uses: dict[str, int] = field(default_factory=dict)
    next_known: int = 0
    next_unknown: int = 0

    def call(self, operation: str, doc: dict[str, object], *, admin: bool = False) -> tuple[int, bytes]:
        body = dumps(doc)
        return self.conn.call(operation, body, self.signer.headers(operation, body) if admin else None)

    def known_name(self, counted: bool) -> str:
        """A known user with fewer than four counted failures (resetting one when needed)."""
        name = self.known[self.next_known % len(self.known)]
        self.next_known += 1
        if counted:
            self.uses[name] = self.uses.get(name, 0) + 1
            if self.uses[name] > ATTEMPTS_PER_NAME:
                status, data = self.call("InitiateAuth", {
                    "ClientId": self.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD}})
                if status != 200:
                    raise RuntimeError(f"reset sign-in of {name} failed: {error_type(status, data)}")
                self.uses[name] = 1
        return name

    def unknown_name(self) -> str:
        self.next_unknown += 1
        return f"ghost{self.next_unknown // ATTEMPTS_PER_NAME:07d}"


# One request of a flow for ``name``, returning (seconds, answer); untimed preparation allowed.
Probe = Callable[[Target, str], tuple[float, str]]


def _timed(target: Target, operation: str, doc: dict[str, object], *, admin: bool = False) -> tuple[float, str]:
    body = dumps(doc)
    headers = target.signer.headers(operation, body) if admin else None
    started = time.perf_counter()
    status, data = target.conn.call(operation, body, headers)
    elapsed = time.perf_counter() - started
    return elapsed, "OK" if status == 200 else error_type(status, data)


def _password(t: Target, name: str) -> tuple[float, str]:
    return _timed(t, "InitiateAuth", {"ClientId": t.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                                      "AuthParameters": {"USERNAME": name, "PASSWORD": WRONG_PASSWORD}})


def _admin(t: Target, name: str) -> tuple[float, str]:
    return _timed(t, "AdminInitiateAuth", {
        "UserPoolId": t.pool_id, "ClientId": t.client_id, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": name, "PASSWORD": WRONG_PASSWORD}}, admin=True)


def _srp_start_doc(t: Target, name: str, srp_a: str) -> dict[str, object]:
    return {"ClientId": t.client_id, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": name, "SRP_A": srp_a}}


def _srp_start(t: Target, name: str) -> tuple[float, str]:
    return _timed(t, "InitiateAuth", _srp_start_doc(t, name, ephemerals(1)[0].srp_a))


def _srp_verify(t: Target, name: str) -> tuple[float, str]:
    eph = ephemerals(1)[0]
    status, data = t.call("InitiateAuth", _srp_start_doc(t, name, eph.srp_a))
    if status != 200:
        return 0.0, "step 1 " + error_type(status, data)
    params = json.loads(data)["ChallengeParameters"]
    responses = t.prover.responses(eph, WRONG_PASSWORD, params)
    return _timed(t, "RespondToAuthChallenge", {"ClientId": t.client_id, "ChallengeName": "PASSWORD_VERIFIER",
                                                "ChallengeResponses": responses})


def _forgot(t: Target, name: str) -> tuple[float, str]:
    return _timed(t, "ForgotPassword", {"ClientId": t.client_id, "Username": name})


def _resend(t: Target, name: str) -> tuple[float, str]:
    return _timed(t, "ResendConfirmationCode", {"ClientId": t.client_id, "Username": name})


def _confirm_forgot(t: Target, name: str) -> tuple[float, str]:
    return _timed(t, "ConfirmForgotPassword", {"ClientId": t.client_id, "Username": name,
                                               "ConfirmationCode": "000000", "Password": PASSWORD})


def _confirm_sign_up(t: Target, name: str) -> tuple[float, str]:
    return _timed(t, "ConfirmSignUp", {"ClientId": t.client_id, "Username": name, "ConfirmationCode": "000000"})


PROBES: dict[str, Probe] = {
    "USER_PASSWORD_AUTH": _password, "ADMIN_USER_PASSWORD_AUTH": _admin, "USER_SRP_AUTH": _srp_start,
    "PASSWORD_VERIFIER": _srp_verify, "ForgotPassword": _forgot, "ResendConfirmationCode": _resend,
    "ConfirmForgotPassword": _confirm_forgot, "ConfirmSignUp": _confirm_sign_up,
}


@dataclass
class Row:
    flow: str
    known_ms: list[float]
    unknown_ms: list[float]
    known_answers: set[str]
    unknown_answers: set[str]

    def line(self) -> str:
        k50, u50 = statistics.median(self.known_ms), statistics.median(self.unknown_ms)
        k90, u90 = _p90(self.known_ms), _p90(self.unknown_ms)
        answers = " | ".join(sorted(self.known_answers)) + "  vs  " + " | ".join(sorted(self.unknown_answers))
        return (f"| {self.flow:<26} | {len(self.known_ms):>5} | {k50:8.3f} | {u50:8.3f} | {u50 - k50:+8.3f} | "
                f"{u90 - k90:+8.3f} | {u50 / k50 if k50 else float('nan'):6.2f} | {answers} |")


HEADER = ("| flow                       | pairs | known p50 ms | unknown p50 ms | Δp50 ms | Δp90 ms | ratio | "
          "answers (known vs unknown) |")


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def measure(target: Target, flow: str, pairs: int, warmup: int) -> Row:
    probe = PROBES[flow]
    row = Row(flow, [], [], set(), set())
    for i in range(warmup + pairs):
        order = (True, False) if i % 2 == 0 else (False, True)  # alternate who goes first
        for known in order:
            name = target.known_name(flow in COUNTED) if known else target.unknown_name()
            seconds, answer = probe(target, name)
            if i < warmup:
                continue
            (row.known_ms if known else row.unknown_ms).append(seconds * 1000)
            (row.known_answers if known else row.unknown_answers).add(answer)
    return row


def setup(server: Server, users: int) -> Target:
    idp = boto_client(server.url)
    pool_id = idp.create_user_pool(PoolName="existence")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="existence", GenerateSecret=False, ExplicitAuthFlows=AUTH_FLOWS,
        PreventUserExistenceErrors="ENABLED")["UserPoolClient"]["ClientId"]
    known = []
    for i in range(users):
        name = f"known{i:05d}"
        idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"},
                                              {"Name": "email_verified", "Value": "true"}])
        idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)
        known.append(name)
    return Target(server, pool_id, client_id, known, Conn(server.port), Signer(server.port),
                  SrpProver(pool_id.split("_", 1)[1]))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.existence", description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=200, help="measured pairs per flow (default 200)")
    p.add_argument("--warmup", type=int, default=10, help="unmeasured pairs per flow first (default 10)")
    p.add_argument("--users", type=int, default=8, help="known users (default 8)")
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--flows", help=f"comma-separated subset of {','.join(FLOWS)}")
    args = p.parse_args(argv)
    args.flows = [f.strip() for f in (args.flows or ",".join(FLOWS)).split(",") if f.strip()]
    if unknown := [f for f in args.flows if f not in FLOWS]:
        p.error(f"unknown flow: {', '.join(unknown)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with Servers(install=False) as servers:
        if args.db == "postgres":
            if (reason := postgres_reachable()) is not None:
                print(f"PostgreSQL unavailable: {reason}", file=sys.stderr)
                return 2
            server = servers.start_userpool_postgres(workers=1)
        else:
            server = servers.start_userpool("userpool-sqlite", workers=1)
        target = setup(server, args.users)
        print(f"# known vs unknown user (PreventUserExistenceErrors ENABLED), userpool on {args.db}, "
              f"1 worker, {args.count} pairs per flow")
        print()
        print(HEADER)
        print("|" + "|".join("---" for _ in range(8)) + "|")
        for flow in args.flows:
            print(measure(target, flow, args.count, args.warmup).line(), flush=True)
        target.conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
