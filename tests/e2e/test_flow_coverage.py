"""Every AuthFlowType and ChallengeNameType of botocore's cognito-idp model is accounted for:
implemented (``engine.FLOWS`` / ``engine.CHALLENGES``) or listed, with a reason, as not yet
implemented or never issued. What is not implemented is refused with a clear 400, never a 500."""

from __future__ import annotations

from typing import Any

import botocore.session

from userpool.auth import engine

MODEL = botocore.session.get_session().get_service_model("cognito-idp")
AUTH_FLOWS = set(MODEL.shape_for("AuthFlowType").enum)
CHALLENGE_NAMES = set(MODEL.shape_for("ChallengeNameType").enum)
ALL_ALLOW_FLOWS = ["ALLOW_USER_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                   "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def test_every_model_flow_is_implemented() -> None:
    assert set(engine.FLOWS) == AUTH_FLOWS


def test_every_model_challenge_is_implemented_or_listed() -> None:
    implemented, not_yet, never = set(engine.CHALLENGES), set(engine.NOT_YET_CHALLENGES), set(engine.NEVER_ISSUED)
    assert not implemented & not_yet
    assert not implemented & never
    assert not not_yet & never
    assert implemented | not_yet | never == CHALLENGE_NAMES
    assert all(engine.NOT_YET_CHALLENGES.values()) and all(engine.NEVER_ISSUED.values())


def test_the_password_flows_and_new_password_required_are_implemented() -> None:
    assert {"USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "REFRESH_TOKEN_AUTH",
            "REFRESH_TOKEN"} <= set(engine.FLOWS)
    assert "NEW_PASSWORD_REQUIRED" in engine.CHALLENGES


def test_a_not_yet_or_never_issued_challenge_is_a_400_naming_it(
    idp: Any, make_pool: Any, make_client: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    for name in sorted({*engine.NOT_YET_CHALLENGES, *(set(engine.NEVER_ISSUED) & CHALLENGE_NAMES)}):
        with expect_error("InvalidParameterException", match=name):
            idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName=name, Session="x" * 40,
                                          ChallengeResponses={"USERNAME": "ivy"})
