"""Request-rate quotas at the wire (``wire/quotas.py``, spec §9.2): categories, pool keys, the gate."""

from __future__ import annotations

import base64
import json
from typing import Any

import botocore.session
import pytest

from tests.wire.helpers import call, run, signed_headers
from userpool.model.errors import TooManyRequestsException
from userpool.model.rate_bucket import Quota
from userpool.wire import validation
from userpool.wire.app import create_app
from userpool.wire.quotas import (
    CATEGORY_OF,
    DEFAULT_RATES,
    SERVER_WIDE,
    SIGNED_BURST,
    SIGNED_CATEGORIES,
    QuotaGate,
    configure,
    pool_key,
)
from userpool.wire.registry import Request
from userpool.wire.sigv4 import SigV4Verifier


class CountingLimiter:
    """A RateLimiter with buckets of fixed sizes and no refill: records what it was asked."""

    def __init__(self, sizes: dict[str, int] | None = None) -> None:
        self.sizes = sizes or {}
        self.taken: dict[str, int] = {}

    def admit(self, key: str, quota: Quota) -> bool:
        size = self.sizes.get(key.partition("\0")[2], int(quota.burst))
        if self.taken.get(key, 0) >= size:
            return False
        self.taken[key] = self.taken.get(key, 0) + 1
        return True


def token(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2ln"


def test_every_operation_of_the_service_model_has_a_category() -> None:
    model = botocore.session.get_session().get_service_model("cognito-idp")
    assert set(model.operation_names) == set(CATEGORY_OF)
    assert set(CATEGORY_OF.values()) <= set(DEFAULT_RATES)


def test_the_large_burst_goes_only_to_categories_no_unsigned_call_reaches() -> None:
    validation.prepare()
    signed = {
        category for category in DEFAULT_RATES
        if (ops := [op for op, c in CATEGORY_OF.items() if c == category])
        and all(validation.requires_sigv4(op) for op in ops)
    }
    assert signed == SIGNED_CATEGORIES


@pytest.mark.parametrize(
    ("operation", "category"),
    [
        ("InitiateAuth", "UserAuthentication"), ("AdminRespondToAuthChallenge", "UserAuthentication"),
        ("SignUp", "UserCreation"), ("AdminCreateUser", "UserCreation"),
        ("ForgotPassword", "UserAccountRecovery"), ("ConfirmForgotPassword", "UserAccountRecovery"),
        ("GetUser", "UserRead"), ("AdminGetUser", "UserRead"), ("UpdateUserAttributes", "UserUpdate"),
        ("RevokeToken", "UserToken"), ("ListDevices", "UserResourceRead"), ("ConfirmDevice", "UserResourceUpdate"),
        ("ListUsers", "UserList"), ("CreateUserPool", "UserPoolUpdate"), ("ListUserPools", "UserPoolRead"),
        ("CreateGroup", "UserPoolResourceUpdate"), ("DescribeUserPoolClient", "UserPoolClientRead"),
        ("CreateUserPoolClient", "UserPoolClientUpdate"),
    ],
)
def test_operations_fall_in_cognitos_categories(operation: str, category: str) -> None:
    assert CATEGORY_OF[operation] == category


def test_pool_keys() -> None:
    assert pool_key({"UserPoolId": "us-east-1_abc", "ClientId": "c1"}) == "pool:us-east-1_abc"
    assert pool_key({"ClientId": "c1"}) == "client:c1"
    aws = token({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_xyz"})
    assert pool_key({"AccessToken": aws}) == "pool:us-east-1_xyz"
    assert pool_key({"AccessToken": token({"iss": "http://localhost:9229/us-east-1_q/"})}) == "pool:us-east-1_q"
    assert pool_key({"AccessToken": "not-a-jwt"}) == "pool:"
    assert pool_key({"AccessToken": "a.!!!.c"}) == "pool:"
    assert pool_key({"AccessToken": token({"iss": 5})}) == "pool:"
    assert pool_key({"AccessToken": "a." + base64.urlsafe_b64encode(b"[1]").decode() + ".c"}) == "pool:"
    assert pool_key({}) == SERVER_WIDE
    assert pool_key({"ClientId": 7}) == SERVER_WIDE  # not yet validated: never a crash


def test_the_gate_throttles_per_pool_and_category() -> None:
    limiter = CountingLimiter({"UserCreation": 2})
    gate = QuotaGate(limiter, configure([]))
    gate.check("SignUp", {"ClientId": "c1"})
    gate.check("SignUp", {"ClientId": "c1"})
    with pytest.raises(TooManyRequestsException) as raised:
        gate.check("SignUp", {"ClientId": "c1"})
    assert raised.value.code == "TooManyRequestsException" and raised.value.status == 400
    gate.check("SignUp", {"ClientId": "c2"})  # another client (pool): its own bucket
    gate.check("AdminCreateUser", {"UserPoolId": "p"})
    gate.check("ListUsers", {"UserPoolId": "p"})  # another category


def test_respond_has_its_own_allowance_then_draws_on_user_authentication() -> None:
    limiter = CountingLimiter({"Respond": 3, "UserAuthentication": 1})
    gate = QuotaGate(limiter, configure([]))
    for _ in range(4):  # three from its own allowance, one from UserAuthentication
        gate.check("RespondToAuthChallenge", {"ClientId": "c"})
    with pytest.raises(TooManyRequestsException):
        gate.check("RespondToAuthChallenge", {"ClientId": "c"})
    with pytest.raises(TooManyRequestsException):  # the spill-over used InitiateAuth's allowance
        gate.check("InitiateAuth", {"ClientId": "c"})


def test_the_respond_allowance_is_three_times_user_authentication() -> None:
    seen: list[tuple[str, Quota]] = []

    class Recorder:
        def admit(self, key: str, quota: Quota) -> bool:
            seen.append((key, quota))
            return True

    QuotaGate(Recorder(), configure(["UserAuthentication=10/40"])).check("RespondToAuthChallenge", {"ClientId": "c"})
    assert seen == [("client:c\0Respond", Quota(30, 120))]


def test_configure_defaults_and_overrides() -> None:
    quotas = configure([])
    assert quotas["UserAuthentication"] == Quota(120, 600)
    assert quotas["UserPoolUpdate"] == Quota(15, SIGNED_BURST)
    quotas = configure(["UserAuthentication=2", "UserList=5/50"])
    assert quotas["UserAuthentication"] == Quota(2, 2) and quotas["UserList"] == Quota(5, 50)
    for bad in ["Nope=3", "UserAuthentication", "UserAuthentication=0", "UserAuthentication=fast"]:
        with pytest.raises(ValueError):
            configure([bad])


def _echo(request: Request) -> dict[str, Any]:
    return {"Operation": request.operation}


def test_the_app_answers_too_many_requests_as_400_before_validation_and_dispatch() -> None:
    dispatched: list[str] = []

    def dispatch(request: Request) -> dict[str, Any]:
        dispatched.append(request.operation)
        return {}

    gate = QuotaGate(CountingLimiter({"UserAuthentication": 1}), configure([]))
    app = create_app(dispatch, lambda *a: (404, {}), SigV4Verifier(None, lambda: 0.0), quotas=gate)
    body = {"ClientId": "c", "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "u"}}
    assert run(call(app, "InitiateAuth", body)).status_code == 200
    response = run(call(app, "InitiateAuth", {**body, "AuthFlow": 5}))  # invalid, yet throttled first
    assert response.status_code == 400
    assert response.json() == {"__type": "TooManyRequestsException", "message": "Too many requests"}
    assert response.headers["x-amzn-errortype"].startswith("TooManyRequestsException")
    assert dispatched == ["InitiateAuth"]


def test_an_unsigned_admin_call_does_not_spend_the_pools_allowance() -> None:
    limiter = CountingLimiter()
    gate = QuotaGate(limiter, configure([]))
    app = create_app(_echo, lambda *a: (404, {}), SigV4Verifier({"AK": "SK"}, lambda: 0.0), quotas=gate)
    body = json.dumps({"UserPoolId": "us-east-1_a", "Username": "bob"}).encode()
    headers = signed_headers("AdminGetUser", body, key="AK", secret="WRONG")
    response = run(call(app, "AdminGetUser", raw=body, headers=headers))
    assert response.status_code != 200 and limiter.taken == {}
