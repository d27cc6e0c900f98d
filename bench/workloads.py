"""The sign-in workloads, the "does the peer fake it?" checks, and the timed runner.

Flows:
  password  InitiateAuth USER_PASSWORD_AUTH
  admin     AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH, SigV4-signed per request
  srp       InitiateAuth USER_SRP_AUTH + RespondToAuthChallenge PASSWORD_VERIFIER (one login = both)
  refresh   InitiateAuth REFRESH_TOKEN_AUTH
  wrong     InitiateAuth USER_PASSWORD_AUTH with a wrong password (must fail)
  totp      InitiateAuth USER_PASSWORD_AUTH + RespondToAuthChallenge SOFTWARE_TOKEN_MFA, in a pool of
            its own (bench/totp.py; one login = both)
  custom    InitiateAuth CUSTOM_AUTH + RespondToAuthChallenge CUSTOM_CHALLENGE, in a pool of its own
            with in-process Define / Create / Verify triggers (bench/custom.py; one login = both)
  user_auth InitiateAuth USER_AUTH with PREFERRED_CHALLENGE PASSWORD and the password (one request),
            through a second client of the pool that allows USER_AUTH
  web_authn InitiateAuth USER_AUTH with PREFERRED_CHALLENGE WEB_AUTHN + RespondToAuthChallenge with a
            software authenticator's assertion, in a pool of its own (bench/passkey.py; one login =
            both requests)
  device    InitiateAuth USER_PASSWORD_AUTH with a remembered device's key + DEVICE_SRP_AUTH +
            DEVICE_PASSWORD_VERIFIER, in a pool of its own that tracks devices (bench/device.py;
            one login = the three requests)

Users are partitioned between worker threads, so no user has two sign-ins in flight (a real
server's lockout counts attempts before it checks them). A user gets at most
``WRONG_PER_USER`` wrong passwords before a correct sign-in (untimed) clears the counter, so
the ``wrong`` workload measures password checks, not lockout refusals.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.client import PASSWORD, WRONG_PASSWORD, Conn, Setup, Signer, dumps, error_type
from bench.custom import CustomSetup
from bench.custom import login as custom_login
from bench.device import DeviceSetup
from bench.device import login as device_login
from bench.passkey import PasskeySetup
from bench.passkey import login as passkey_login
from bench.peers import Server
from bench.srp_client import Ephemeral, SrpProver, ephemerals
from bench.totp import TotpSetup, wrong_code
from bench.totp import login as totp_login

FLOWS = ("password", "admin", "srp", "refresh", "wrong", "totp", "custom", "user_auth", "web_authn", "device")
OK, FAKES, UNSUPPORTED, NOT_RUN = "OK", "FAKES", "UNSUPPORTED", "NOT_RUN"
WRONG_PER_USER = 4  # lockout starts at the 5th failure
GARBAGE_REFRESH = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ." + "A" * 342 + ".bench"

Login = Callable[[Conn, str, int], str | None]  # (connection, user, sequence) → None if as expected, else why not


@dataclass
class Target:
    """One server with its pool, users, and what the checks found."""

    server: Server
    setup: Setup
    signer: Signer
    prover: SrpProver
    ephemerals: list[Ephemeral]
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)  # users with uncleared failed attempts
    refusals: dict[str, str] = field(default_factory=dict)  # flow → the error a wrong credential got
    totp: TotpSetup | None = None  # the totp workload's pool and users
    custom: CustomSetup | None = None  # the custom workload's pool and users
    device: DeviceSetup | None = None  # the device workload's pool, users and their devices
    passkeys: PasskeySetup | None = None  # the web_authn workload's pool, users and authenticators

    @property
    def users(self) -> list[str]:
        return self.setup.users


def make_target(server: Server, setup: Setup, n_ephemerals: int) -> Target:
    return Target(server, setup, Signer(server.port), SrpProver(setup.realm), ephemerals(n_ephemerals))


# --- one sign-in of each kind ---------------------------------------------------------------


def _tokens(status: int, data: bytes) -> str | None:
    if status == 200 and b'"AuthenticationResult"' in data:
        return None
    return error_type(status, data) if status != 200 else f"no tokens: {data[:160]!r}"


def _refused(status: int, data: bytes) -> str | None:
    """None if the wrong credential was refused (a 4xx that is not a lockout refusal).

    Cognito answers NotAuthorizedException; a peer that refuses with another error still refuses
    (``check_flows`` records which error it gives)."""
    if status == 200:
        return "ACCEPTED a wrong credential"
    what = error_type(status, data)
    if not 400 <= status < 500 or "attempts exceeded" in what:
        return f"unexpected answer {what}"
    return None


def password_body(t: Target, user: str, password: str) -> bytes:
    return dumps({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": t.setup.client_id,
                  "AuthParameters": {"USERNAME": user, "PASSWORD": password}})


def admin_body(t: Target, user: str, password: str) -> bytes:
    return dumps({"AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "ClientId": t.setup.client_id,
                  "UserPoolId": t.setup.pool_id, "AuthParameters": {"USERNAME": user, "PASSWORD": password}})


def user_auth_body(t: Target, user: str, password: str) -> bytes:
    return dumps({"AuthFlow": "USER_AUTH", "ClientId": t.setup.user_auth_client_id,
                  "AuthParameters": {"USERNAME": user, "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": password}})


def refresh_body(t: Target, token: str) -> bytes:
    return dumps({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": t.setup.client_id,
                  "AuthParameters": {"REFRESH_TOKEN": token}})


def srp_login(t: Target, conn: Conn, user: str, eph: Ephemeral, password: str,
              step1: tuple[bytes, bytes] | None = None) -> tuple[int, bytes] | str:
    """Both SRP requests; returns the final (status, body), or why step 1 did not give a challenge."""
    if step1 is None:
        body1 = dumps({"AuthFlow": "USER_SRP_AUTH", "ClientId": t.setup.client_id,
                       "AuthParameters": {"USERNAME": user, "SRP_A": eph.srp_a}})
    else:
        body1 = step1[0] + eph.srp_a.encode() + step1[1]
    status, data = conn.call("InitiateAuth", body1)
    if status != 200:
        return error_type(status, data)
    doc: dict[str, Any] = json.loads(data)
    if doc.get("ChallengeName") != "PASSWORD_VERIFIER":
        return f"step 1 gave no PASSWORD_VERIFIER challenge: {data[:160]!r}"
    answer: dict[str, Any] = {"ChallengeName": "PASSWORD_VERIFIER", "ClientId": t.setup.client_id,
                              "ChallengeResponses": t.prover.responses(eph, password, doc["ChallengeParameters"])}
    if doc.get("Session"):
        answer["Session"] = doc["Session"]
    return conn.call("RespondToAuthChallenge", dumps(answer))


def make_login(t: Target, flow: str) -> Login:
    """The timed sign-in of ``flow``; request bodies are built here, before the clock starts."""
    users = t.users
    if flow in ("password", "wrong"):
        password = PASSWORD if flow == "password" else WRONG_PASSWORD
        bodies = {u: password_body(t, u, password) for u in users}
        check = _tokens if flow == "password" else _refused

        def plain(conn: Conn, user: str, seq: int) -> str | None:
            return check(*conn.call("InitiateAuth", bodies[user]))

        return plain
    if flow == "user_auth":
        bodies = {u: user_auth_body(t, u, PASSWORD) for u in users}

        def user_auth(conn: Conn, user: str, seq: int) -> str | None:
            return _tokens(*conn.call("InitiateAuth", bodies[user]))

        return user_auth
    if flow == "admin":
        bodies = {u: admin_body(t, u, PASSWORD) for u in users}
        sign = t.signer.headers

        def admin(conn: Conn, user: str, seq: int) -> str | None:
            body = bodies[user]
            return _tokens(*conn.call("AdminInitiateAuth", body, sign("AdminInitiateAuth", body)))

        return admin
    if flow == "refresh":
        bodies = {u: refresh_body(t, tok) for u, tok in t.refresh_tokens.items()}

        def refresh(conn: Conn, user: str, seq: int) -> str | None:
            return _tokens(*conn.call("InitiateAuth", bodies[user]))

        return refresh
    if flow == "srp":
        marker = "@@SRP_A@@"
        templates: dict[str, tuple[bytes, bytes]] = {}
        for u in users:
            whole = dumps({"AuthFlow": "USER_SRP_AUTH", "ClientId": t.setup.client_id,
                           "AuthParameters": {"USERNAME": u, "SRP_A": marker}})
            head, tail = whole.split(marker.encode())
            templates[u] = (head, tail)
        pool = t.ephemerals

        def srp(conn: Conn, user: str, seq: int) -> str | None:
            result = srp_login(t, conn, user, pool[seq % len(pool)], PASSWORD, templates[user])
            return result if isinstance(result, str) else _tokens(*result)

        return srp
    if flow == "totp":
        assert t.totp is not None
        setup = t.totp

        def totp(conn: Conn, user: str, seq: int) -> str | None:
            result = totp_login(setup, conn)  # the shared rotation picks the user (bench/totp.py)
            return result if isinstance(result, str) else _tokens(*result)

        return totp
    if flow == "web_authn":
        assert t.passkeys is not None
        passkey_setup = t.passkeys

        def web_authn(conn: Conn, user: str, seq: int) -> str | None:
            result = passkey_login(passkey_setup, conn, user)
            return result if isinstance(result, str) else _tokens(*result)

        return web_authn
    if flow == "device":
        assert t.device is not None
        device_setup, pool = t.device, t.ephemerals

        def device(conn: Conn, user: str, seq: int) -> str | None:
            result = device_login(device_setup, conn, user, pool[seq % len(pool)])
            return result if isinstance(result, str) else _tokens(*result)

        return device
    if flow == "custom":
        assert t.custom is not None
        custom_setup = t.custom

        def custom(conn: Conn, user: str, seq: int) -> str | None:
            result = custom_login(custom_setup, conn, user)
            return result if isinstance(result, str) else _tokens(*result)

        return custom
    raise ValueError(flow)


Attempt = Callable[[Conn, str, bool], "tuple[int, bytes] | str"]  # (connection, user, wrong?) -> answer


def check_custom(t: Target) -> None:
    """The custom flow is credited only if the right answer signs in and a wrong one is refused."""
    setup = t.custom
    _check_second_step(t, "custom", setup.users if setup else [], setup.problems if setup else None, "answer",
                       lambda conn, user, wrong: custom_login(setup, conn, user, wrong=wrong))


def check_device(t: Target) -> None:
    """The device flow is credited only if the device's secret signs in and a wrong one is refused."""
    setup = t.device
    _check_second_step(t, "device", setup.users if setup else [], setup.problems if setup else None,
                       "device secret", lambda conn, user, wrong: device_login(
                           setup, conn, user, t.ephemerals[0], wrong=wrong))


def check_web_authn(t: Target) -> None:
    """The web_authn flow is credited only if a passkey signs in and an assertion made for another
    origin is refused."""
    setup = t.passkeys
    _check_second_step(t, "web_authn", setup.users if setup else [], setup.problems if setup else None,
                       "passkey assertion", lambda conn, user, wrong: passkey_login(setup, conn, user, wrong=wrong))


def check_totp(t: Target) -> None:
    """The totp flow is credited only if a right code signs in and a wrong one is refused."""
    setup = t.totp
    _check_second_step(t, "totp", setup.users if setup else [], setup.problems if setup else None, "TOTP code",
                       lambda conn, user, wrong: totp_login(
                           setup, conn, user, code=wrong_code(setup.secrets[user]) if wrong else None))


def _check_second_step(t: Target, flow: str, users: list[str], problems: list[str] | None, what: str,
                       attempt: Attempt) -> None:
    """Credits ``flow`` (OK) only if the right ``what`` signs in and a wrong one is refused with a
    4xx; a wrong one that gets tokens is FAKES; anything else UNSUPPORTED (with the reason)."""
    if not users:
        why = "; ".join(problems) if problems is not None else "not set up"
        t.status[flow], t.reasons[flow] = UNSUPPORTED, f"no user could be set up: {why}"
        return
    conn = Conn(t.server.port)
    try:
        good = attempt(conn, users[0], False)
        why = good if isinstance(good, str) else _tokens(*good)
        if why is not None:
            t.status[flow], t.reasons[flow] = UNSUPPORTED, f"sign-in with the right {what} failed: {why}"
            return
        bad = attempt(conn, users[0], True)
        if isinstance(bad, str):
            t.status[flow], t.reasons[flow] = UNSUPPORTED, f"a wrong {what} could not be tried: {bad:.160}"
        elif _tokens(*bad) is None:
            t.status[flow], t.reasons[flow] = FAKES, f"a wrong {what} got tokens"
        elif bad[0] == 200:
            t.status[flow], t.reasons[flow] = UNSUPPORTED, f"a wrong {what} was not refused: {bad!r:.160}"
        else:
            t.status[flow], t.reasons[flow] = OK, ""
            t.refusals[flow] = error_type(*bad)
    except Exception as exc:
        t.status[flow], t.reasons[flow] = UNSUPPORTED, f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()


# --- does the peer fake it? -------------------------------------------------------------------


def _call_login(t: Target, conn: Conn, flow: str, user: str, password: str) -> tuple[int, bytes] | str:
    if flow == "password":
        return conn.call("InitiateAuth", password_body(t, user, password))
    if flow == "admin":
        body = admin_body(t, user, password)
        return conn.call("AdminInitiateAuth", body, t.signer.headers("AdminInitiateAuth", body))
    if flow == "srp":
        return srp_login(t, conn, user, t.ephemerals[0], password)
    if flow == "user_auth":
        if t.setup.user_auth_client_id is None:
            return t.setup.user_auth_problem or "no client with ALLOW_USER_AUTH"
        return conn.call("InitiateAuth", user_auth_body(t, user, password))
    raise ValueError(flow)


def check_flows(t: Target) -> None:
    """Credit a flow only if the right credential works and a wrong one fails.

    Sets ``t.status[flow]`` to OK, FAKES or UNSUPPORTED (with ``t.reasons[flow]``), and collects
    one refresh token per user for the refresh workload.
    """
    if not t.users:
        for flow in FLOWS:
            t.status[flow], t.reasons[flow] = UNSUPPORTED, "no users could be created: " + "; ".join(t.setup.problems)
        return
    conn = Conn(t.server.port)
    user = t.users[0]
    try:
        for flow in ("password", "admin", "srp", "user_auth"):
            try:
                good = _call_login(t, conn, flow, user, PASSWORD)
                why = good if isinstance(good, str) else _tokens(*good)
                if why is not None:
                    t.status[flow], t.reasons[flow] = UNSUPPORTED, f"sign-in with the right password failed: {why}"
                    continue
                bad = _call_login(t, conn, flow, user, WRONG_PASSWORD)
                t.dirty.add(user)
                if not isinstance(bad, str) and bad[0] == 200:
                    t.status[flow], t.reasons[flow] = FAKES, "a wrong password (SRP: a wrong proof) was accepted"
                else:
                    t.status[flow], t.reasons[flow] = OK, ""
                    t.refusals[flow] = bad if isinstance(bad, str) else error_type(*bad)
            except Exception as exc:
                t.status[flow], t.reasons[flow] = UNSUPPORTED, f"{type(exc).__name__}: {exc}"
        t.status["wrong"] = t.status["password"]
        if "password" in t.refusals:
            t.refusals["wrong"] = t.refusals["password"]
        t.reasons["wrong"] = t.reasons["password"]
        reset_lockouts(t, conn)
        _collect_refresh_tokens(t, conn)
        if not t.refresh_tokens:
            t.status["refresh"], t.reasons["refresh"] = UNSUPPORTED, "no sign-in flow returned a refresh token"
            return
        token = t.refresh_tokens[user]
        why = _tokens(*conn.call("InitiateAuth", refresh_body(t, token)))
        if why is not None:
            t.status["refresh"], t.reasons["refresh"] = UNSUPPORTED, f"valid refresh token refused: {why}"
        elif (garbage := conn.call("InitiateAuth", refresh_body(t, GARBAGE_REFRESH)))[0] == 200:
            t.status["refresh"], t.reasons["refresh"] = FAKES, "a garbage refresh token was accepted"
        else:
            t.status["refresh"], t.reasons["refresh"] = OK, ""
            t.refusals["refresh"] = error_type(*garbage)
    finally:
        conn.close()


def _signin_flow(t: Target) -> str | None:
    """A flow that works here (for untimed sign-ins): password, else admin."""
    for flow in ("password", "admin"):
        if t.status.get(flow) in (OK, FAKES):
            return flow
    return None


def _collect_refresh_tokens(t: Target, conn: Conn) -> None:
    flow = _signin_flow(t)
    if flow is None:
        return
    for user in t.users:
        result = _call_login(t, conn, flow, user, PASSWORD)
        if isinstance(result, str) or result[0] != 200:
            continue
        token = json.loads(result[1]).get("AuthenticationResult", {}).get("RefreshToken")
        if token:
            t.refresh_tokens[user] = token


def reset_lockouts(t: Target, conn: Conn | None = None) -> None:
    """A correct sign-in (untimed) for every user with failed attempts: clears lockout counters."""
    flow = _signin_flow(t)
    if flow is None or not t.dirty:
        t.dirty.clear()
        return
    own = conn is None
    conn = conn or Conn(t.server.port)
    try:
        for user in sorted(t.dirty):
            _call_login(t, conn, flow, user, PASSWORD)
        t.dirty.clear()
    finally:
        if own:
            conn.close()


# --- the timed runner -------------------------------------------------------------------------


@dataclass
class RunResult:
    server: str
    flow: str
    concurrency: int
    status: str
    reason: str = ""
    logins: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    logins_per_s: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    server_cpu_ms: float = 0.0
    server_cpu_ms_per_login: float | None = None
    client_cpu_ms: float = 0.0
    client_cpu_ms_per_login: float | None = None
    floor_ms: float | None = None
    floor_ratio: float | None = None
    median_ratio: float | None = None  # server CPU ÷ the median (not minimum) of the same cryptography


def _percentile(sorted_ns: list[int], q: float) -> float | None:
    if not sorted_ns:
        return None
    rank = max(0, min(len(sorted_ns) - 1, math.ceil(q * len(sorted_ns)) - 1))  # nearest rank
    return sorted_ns[rank] / 1e6


def run_workload(t: Target, flow: str, concurrency: int, *, duration: float | None, count: int | None) -> RunResult:
    """Run ``flow`` with ``concurrency`` worker threads for ``duration`` seconds or ``count`` logins."""
    status = t.status.get(flow, NOT_RUN)
    result = RunResult(t.server.name, flow, concurrency, status, t.reasons.get(flow, ""))
    if status != OK:
        return result
    if flow == "refresh":
        users = list(t.refresh_tokens)
    else:
        users = list(t.totp.users) if flow == "totp" and t.totp is not None else list(t.users)
        if flow == "custom":
            users = list(t.custom.users) if t.custom is not None else []
        if flow == "device":
            users = list(t.device.users) if t.device is not None else []
        if flow == "web_authn":
            users = list(t.passkeys.users) if t.passkeys is not None else []
    workers = max(1, min(concurrency, len(users)))
    if flow == "wrong":
        reset_lockouts(t)
    login = make_login(t, flow)
    counter = itertools.count()
    ready, go = threading.Barrier(workers + 1), threading.Barrier(workers + 1)
    latencies: list[list[int]] = [[] for _ in range(workers)]
    errors: list[list[str]] = [[] for _ in range(workers)]
    ended = [0.0] * workers
    touched: set[str] = set()
    deadline = [float("inf")]

    def work(w: int) -> None:
        mine = users[w::workers]
        conn = Conn(t.server.port)
        try:
            if flow == "wrong":
                plan = [u for _ in range(WRONG_PER_USER) for u in mine]  # round-robin, ≤ 4 per user
            else:
                plan = mine
                try:  # warm-up: connection, caches (not counted; a failure shows in the timed run)
                    login(conn, mine[0], w)
                except Exception:
                    conn.close()
                    conn = Conn(t.server.port)
            ready.wait()
            go.wait()
            lat, errs = latencies[w], errors[w]
            for i in itertools.count():
                if flow == "wrong" and i >= len(plan):
                    break
                seq = next(counter)
                if (count is not None and seq >= count) or time.perf_counter() >= deadline[0]:
                    break
                user = plan[i % len(plan)]
                start = time.perf_counter_ns()
                try:
                    why = login(conn, user, seq)
                except Exception as exc:
                    why = f"{type(exc).__name__}: {exc}"
                    conn.close()
                    conn = Conn(t.server.port)
                if why is None:
                    lat.append(time.perf_counter_ns() - start)
                else:
                    errs.append(why)
                if flow == "wrong":
                    touched.add(user)
            ended[w] = time.perf_counter()
        except threading.BrokenBarrierError:
            pass
        finally:
            conn.close()

    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(workers)]
    for thread in threads:
        thread.start()
    try:
        ready.wait(timeout=120)
        cpu0, client0 = t.server.cpu_ms(), time.process_time()
        started = time.perf_counter()
        deadline[0] = started + duration if duration is not None else float("inf")
        go.wait(timeout=120)
        for thread in threads:
            thread.join()
    except BaseException:
        ready.abort()
        go.abort()
        deadline[0] = 0.0
        raise
    finished = max(ended) if max(ended) > 0 else time.perf_counter()
    cpu1, client1 = t.server.cpu_ms(), time.process_time()
    t.dirty |= touched
    merged = sorted(x for lat in latencies for x in lat)
    all_errors = [e for errs in errors for e in errs]
    result.logins, result.errors = len(merged), len(all_errors)
    result.error_samples = sorted(set(all_errors))[:3]
    result.elapsed_s = finished - started
    result.logins_per_s = result.logins / result.elapsed_s if result.elapsed_s > 0 else None
    result.p50_ms, result.p99_ms = _percentile(merged, 0.50), _percentile(merged, 0.99)
    result.server_cpu_ms, result.client_cpu_ms = cpu1 - cpu0, (client1 - client0) * 1000
    if result.logins:
        result.server_cpu_ms_per_login = result.server_cpu_ms / result.logins
        result.client_cpu_ms_per_login = result.client_cpu_ms / result.logins
    return result
