"""What the wire counts and logs for each request (``model.ports.Metrics``, the
``userpool.requests`` line), and the /health and /metrics routes, in process.

The attacks: a flood of made-up operation names must not grow the metric series; a ClientId or
pool ID crafted to forge log lines or fields must not reach the log; a request's parameters
never reach it."""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

import pytest

from tests.observability.recording import RecordingMetrics
from tests.wire.helpers import call, request, run
from userpool.directory import request_scope
from userpool.model.errors import NotAuthorizedException
from userpool.wire.app import ASGIApp, create_app
from userpool.wire.registry import Request
from userpool.wire.sigv4 import SigV4Verifier

POOL = "us-east-1_AbC123"
CLIENT = "3n4b5urk1ft4fl3mg5e62d9ado"


def dispatch(request: Request) -> dict[str, Any]:
    if request.operation == "GetUser":  # an access-token call: the pool is known once resolved
        request_scope.note(POOL, CLIENT)
        return {"Username": "u", "UserAttributes": []}
    if request.body.get("AuthParameters", {}).get("PASSWORD") == "wrong":
        raise NotAuthorizedException()
    return {}


def well_known(pool_id: str, document: str, base_url: str) -> tuple[int, dict[str, Any]]:
    return 200, {}


def make_app(metrics: RecordingMetrics, **kwargs: Any) -> ASGIApp:
    return create_app(dispatch, well_known, SigV4Verifier(None, time.time), metrics=metrics,
                      logger=logging.getLogger("test.observability"), **kwargs)


def sign_in(password: str = "Passw0rd!", flow: str = "USER_PASSWORD_AUTH", client: str = CLIENT) -> dict[str, Any]:
    return {"ClientId": client, "AuthFlow": flow, "AuthParameters": {"USERNAME": "u", "PASSWORD": password}}


def lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [dict(r.fields) for r in caplog.records if r.name == "userpool.requests"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("inline", [True, False])
def test_calls_are_counted_by_operation_and_outcome(inline: bool) -> None:
    metrics = RecordingMetrics()
    app = make_app(metrics, inline=inline)
    for password in ("Passw0rd!", "Passw0rd!", "wrong"):
        run(call(app, "InitiateAuth", sign_in(password)))
    run(call(app, "InitiateAuth", sign_in(flow="NOT_A_FLOW")))
    run(call(app, "GetUser", {"AccessToken": "x" * 40}))
    assert metrics.calls == {
        ("request", "InitiateAuth", "ok"): 2, ("request", "InitiateAuth", "NotAuthorizedException"): 1,
        ("request", "InitiateAuth", "InvalidParameterException"): 1, ("request", "GetUser", "ok"): 1,
        # timed: the sign-ins that passed validation, refused ones included
        ("sign_in", "USER_PASSWORD_AUTH"): 3,
    }
    assert all(0 < seconds < 5 for _, seconds in metrics.latencies)


def test_a_challenge_answer_is_timed_by_its_challenge_name() -> None:
    metrics = RecordingMetrics()
    body = {"ClientId": CLIENT, "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": {"USERNAME": "u"}}
    run(call(make_app(metrics), "RespondToAuthChallenge", body))
    assert metrics.calls["sign_in", "PASSWORD_VERIFIER"] == 1


def test_made_up_operations_share_one_series() -> None:
    metrics = RecordingMetrics()
    app = make_app(metrics)
    for _ in range(50):
        run(call(app, f"Op{secrets.token_hex(8)}", {}))
    run(call(app, None, {}))
    assert metrics.calls == {("request", "unknown", "UnknownOperationException"): 51}


def test_other_routes_are_not_api_calls() -> None:
    metrics = RecordingMetrics()
    app = make_app(metrics)
    for path in ("/health", "/", "/metrics", "/nowhere", f"/{POOL}/.well-known/jwks.json"):
        run(request(app, "GET", path))
    assert metrics.calls == {}


def test_the_log_line_of_a_call(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="userpool.requests")
    app = make_app(RecordingMetrics())
    answer = run(call(app, "InitiateAuth", sign_in("wrong")))
    (line,) = lines(caplog)
    assert line.pop("duration_ms") > 0
    assert line == {"request_id": answer.headers["x-amzn-requestid"], "operation": "InitiateAuth", "pool": None,
                    "client": CLIENT, "outcome": "NotAuthorizedException", "status": 400, "remote": "203.0.113.7"}


def test_the_pool_and_client_the_server_resolved_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="userpool.requests")
    for inline in (True, False):
        run(call(make_app(RecordingMetrics(), inline=inline), "GetUser", {"AccessToken": "x" * 40}))
    assert [(line["pool"], line["client"]) for line in lines(caplog)] == [(POOL, CLIENT)] * 2


def test_no_parameter_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = make_app(RecordingMetrics())
    password, session = "Pa55-" + secrets.token_hex(12), secrets.token_urlsafe(60)
    run(call(app, "InitiateAuth", sign_in(password)))
    run(call(app, "RespondToAuthChallenge", {"ClientId": CLIENT, "ChallengeName": "NEW_PASSWORD_REQUIRED",
                                             "Session": session, "ChallengeResponses": {"NEW_PASSWORD": password}}))
    run(call(app, "InitiateAuth", {"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
                                   "AuthParameters": {"USERNAME": "u", "PASSWORD": password}, "Bogus": session}))
    assert len(lines(caplog)) == 3
    assert password not in caplog.text and session not in caplog.text
    assert all(password not in str(r.__dict__) and session not in str(r.__dict__) for r in caplog.records)


@pytest.mark.parametrize("client", [f"{CLIENT}\n2025-01-01T00:00:00Z INFO userpool.requests forged",
                                    'abc" outcome="ok', "abc status=200", "é" * 10])
def test_ids_that_fail_validation_are_not_logged(caplog: pytest.LogCaptureFixture, client: str) -> None:
    """An ID is logged only once it matched its pattern: a forged line or field never reaches the log."""
    caplog.set_level(logging.INFO, logger="userpool.requests")
    answer = run(call(make_app(RecordingMetrics()), "InitiateAuth", sign_in(client=client)))
    assert answer.json()["__type"] == "InvalidParameterException"
    (line,) = lines(caplog)
    assert line["client"] is None and line["outcome"] == "InvalidParameterException"


def test_a_well_known_path_logs_only_a_pool_id_shaped_segment(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="userpool.requests")
    app = make_app(RecordingMetrics())
    run(request(app, "GET", f"/{POOL}/.well-known/jwks.json"))
    run(request(app, "GET", "/not%20a%20pool/.well-known/jwks.json"))
    assert [(line["operation"], line["pool"]) for line in lines(caplog)] == [("well-known", POOL),
                                                                             ("well-known", None)]


def test_health_and_metrics_routes() -> None:
    metrics = RecordingMetrics()
    plain = make_app(metrics)
    assert run(request(plain, "GET", "/health")).json() == {"status": "ok"}  # no check given: liveness
    assert run(request(plain, "GET", "/metrics")).status_code == 404  # --metrics off
    page_body = b"userpool_lockouts_total 3.0\n"
    served = make_app(metrics, health=lambda: (503, {"status": "unavailable", "reason": "database unreachable"}),
                      metrics_page=lambda: ("text/plain; version=0.0.4; charset=utf-8", page_body))
    answer = run(request(served, "GET", "/health"))
    assert (answer.status_code, answer.json()["reason"]) == (503, "database unreachable")
    assert run(request(served, "HEAD", "/health")).status_code == 503
    page = run(request(served, "GET", "/metrics"))
    assert page.status_code == 200 and page.text == "userpool_lockouts_total 3.0\n"
    assert page.headers["content-type"].startswith("text/plain")
    assert run(request(served, "GET", "/")).json() == {"status": "ok"}
