"""Every challenge the engine answers, fed garbage: no Session, a forged one, a Session of another
challenge, and ChallengeResponses whose every value is wrong (keys of other challenges, device
keys that name nothing, SRP values that are not numbers, JSON where a code goes). Each gets a
Cognito error (4xx), never a 500; then the user still signs in (nothing stored was harmed)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import PASSWORD
from userpool.auth import engine

CHALLENGES = sorted(engine.CHALLENGES)
GARBAGE = ["", "x", "0", "-1", "ff" * 400, "{\"a\": 1}", "us-east-1_00000000-0000-4000-8000-000000000000",
           "null", "\u2603" * 40, "=" * 3]
KEYS = ["USERNAME", "DEVICE_KEY", "SRP_A", "ANSWER", "PASSWORD", "NEW_PASSWORD", "PASSWORD_CLAIM_SECRET_BLOCK",
        "PASSWORD_CLAIM_SIGNATURE", "TIMESTAMP", "SMS_MFA_CODE", "SOFTWARE_TOKEN_MFA_CODE", "EMAIL_OTP_CODE",
        "SMS_OTP_CODE", "CREDENTIAL", "MFAS_CAN_SETUP", "SECRET_HASH"]


def _refused(call: Any) -> None:
    try:
        call()
    except ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        assert 400 <= status < 500, error.response
        return
    raise AssertionError("garbage was accepted")


@pytest.mark.parametrize("challenge", CHALLENGES)
def test_garbage_answers_are_refused(challenge: str, idp: Any, make_pool: Any, make_client: Any,
                                     make_user: Any) -> None:
    pool_id = make_pool(DeviceConfiguration={"ChallengeRequiredOnNewDevice": True},
                        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}})
    client = make_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                                                     "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    make_user(pool_id, "gil", email="gil@example.com", email_verified="true")
    select = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "gil"})
    sessions = [None, "garbage-session-" + "A" * 40, select["Session"]]
    for session, (value, other) in itertools.product(sessions, zip(GARBAGE, reversed(GARBAGE), strict=True)):
        responses = {key: (value if i % 2 else other) for i, key in enumerate(KEYS)}
        responses["USERNAME"] = "gil" if value else value
        extra = {"Session": session} if session else {}
        _refused(lambda responses=responses, extra=extra: idp.respond_to_auth_challenge(
            ClientId=client["ClientId"], ChallengeName=challenge, ChallengeResponses=responses, **extra))
    done = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "gil", "PASSWORD": PASSWORD})
    assert done["AuthenticationResult"]["AccessToken"]
