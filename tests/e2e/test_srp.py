"""USER_SRP_AUTH end to end through pycognito's AWSSRP (an independent client): sign-in
public and admin, with and without a secret, and every forged, replayed or tampered proof
refused (spec §3.2, §4, §5.1)."""

from __future__ import annotations

import base64
import datetime
from typing import Any
from unittest import mock

import pytest
from pycognito.aws_srp import AWSSRP

from tests.e2e.conftest import PASSWORD
from userpool.crypto.srp import N

WRONG = "Incorrect username or password."
SRP_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def _error(excinfo: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def _srp(idp: Any, pool_id: str, client: dict[str, Any], username: str, password: str = PASSWORD) -> AWSSRP:
    return AWSSRP(username=username, password=password, pool_id=pool_id, client_id=client["ClientId"],
                  client_secret=client.get("ClientSecret"), client=idp)


def _start(idp: Any, srp: AWSSRP, *, admin: bool = False, pool_id: str | None = None) -> dict[str, Any]:
    if admin:
        return dict(idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=srp.client_id, AuthFlow="USER_SRP_AUTH",
                                            AuthParameters=srp.get_auth_params()))
    return dict(idp.initiate_auth(ClientId=srp.client_id, AuthFlow="USER_SRP_AUTH",
                                  AuthParameters=srp.get_auth_params()))


def _answer(idp: Any, srp: AWSSRP, responses: dict[str, str]) -> dict[str, Any]:
    return dict(idp.respond_to_auth_challenge(ClientId=srp.client_id, ChallengeName="PASSWORD_VERIFIER",
                                              ChallengeResponses=responses))


@pytest.fixture
def srp_pool(idp: Any, make_pool: Any, make_client: Any, make_user: Any) -> tuple[str, dict[str, Any]]:
    pool_id = make_pool()
    client = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS)
    make_user(pool_id, "sam")
    return pool_id, client


@pytest.mark.parametrize("secret", [False, True])
def test_pycognito_signs_in(idp: Any, make_pool: Any, make_client: Any, make_user: Any, secret: bool) -> None:
    pool_id = make_pool()
    client = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS, GenerateSecret=secret)
    make_user(pool_id, "sam")
    tokens = _srp(idp, pool_id, client, "sam").authenticate_user()["AuthenticationResult"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "sam"
    with pytest.raises(idp.exceptions.NotAuthorizedException) as refused:
        _srp(idp, pool_id, client, "sam", "Wrong-Horse-9").authenticate_user()
    assert _error(refused) == ("NotAuthorizedException", WRONG)


def test_challenge_shape_and_admin_variant(idp: Any, srp_pool: tuple[str, dict[str, Any]]) -> None:
    pool_id, client = srp_pool
    srp = _srp(idp, pool_id, client, "sam")
    challenge = _start(idp, srp, admin=True, pool_id=pool_id)
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    assert "Session" not in challenge  # real Cognito sends none here (spec §3.2)
    params = challenge["ChallengeParameters"]
    assert set(params) == {"SALT", "SRP_B", "SECRET_BLOCK", "USERNAME", "USER_ID_FOR_SRP"}
    assert params["USERNAME"] == params["USER_ID_FOR_SRP"] == "sam"
    base64.b64decode(params["SECRET_BLOCK"], validate=True)
    responses = srp.process_challenge(params, srp.get_auth_params())
    result = idp.admin_respond_to_auth_challenge(UserPoolId=pool_id, ClientId=client["ClientId"],
                                                 ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=responses)
    assert "AccessToken" in result["AuthenticationResult"]


def test_replayed_proof_is_refused(idp: Any, srp_pool: tuple[str, dict[str, Any]]) -> None:
    pool_id, client = srp_pool
    srp = _srp(idp, pool_id, client, "sam")
    responses = srp.process_challenge(_start(idp, srp)["ChallengeParameters"], srp.get_auth_params())
    assert "AuthenticationResult" in _answer(idp, srp, responses)
    with pytest.raises(idp.exceptions.NotAuthorizedException) as replay:
        _answer(idp, srp, responses)
    assert _error(replay) == ("NotAuthorizedException", "Invalid session for the user.")


@pytest.mark.parametrize("tamper", ["timestamp", "signature", "secret_block", "foreign_block"])
def test_tampered_proofs_are_refused(idp: Any, srp_pool: tuple[str, dict[str, Any]], tamper: str) -> None:
    pool_id, client = srp_pool
    srp = _srp(idp, pool_id, client, "sam")
    responses = srp.process_challenge(_start(idp, srp)["ChallengeParameters"], srp.get_auth_params())
    if tamper == "timestamp":
        moment = datetime.datetime.utcnow() + datetime.timedelta(seconds=1)
        responses["TIMESTAMP"] = AWSSRP.get_cognito_formatted_timestamp(moment)
    elif tamper == "signature":
        raw = bytearray(base64.b64decode(responses["PASSWORD_CLAIM_SIGNATURE"]))
        raw[0] ^= 1
        responses["PASSWORD_CLAIM_SIGNATURE"] = base64.b64encode(bytes(raw)).decode()
    elif tamper == "secret_block":
        raw = bytearray(base64.b64decode(responses["PASSWORD_CLAIM_SECRET_BLOCK"]))
        raw[len(raw) // 2] ^= 1
        responses["PASSWORD_CLAIM_SECRET_BLOCK"] = base64.b64encode(bytes(raw)).decode()
    else:  # a valid block from another challenge of the same user, with this proof
        other = _srp(idp, pool_id, client, "sam")
        responses["PASSWORD_CLAIM_SECRET_BLOCK"] = _start(idp, other)["ChallengeParameters"]["SECRET_BLOCK"]
    with pytest.raises(idp.exceptions.NotAuthorizedException) as refused:
        _answer(idp, srp, responses)
    assert _error(refused) == ("NotAuthorizedException", WRONG)


@pytest.mark.parametrize("malformation", ["leading_zero_day", "wrong_weekday"])
def test_malformed_timestamp_is_refused_even_with_a_matching_signature(
    idp: Any, srp_pool: tuple[str, dict[str, Any]], malformation: str
) -> None:
    """Real Cognito refuses "Nov 05" and a weekday that does not fit the date (spec §4.9); the
    proof here is signed over the malformed text, so only the format check can refuse it."""
    pool_id, client = srp_pool
    srp = _srp(idp, pool_id, client, "sam")
    now = datetime.datetime.utcnow()
    proper = AWSSRP.get_cognito_formatted_timestamp(now)
    if malformation == "leading_zero_day":
        malformed = proper.replace(f" {now.day} ", f" 0{now.day} ", 1)
    else:
        other = AWSSRP.get_cognito_formatted_timestamp(now + datetime.timedelta(days=1))
        malformed = other[:3] + proper[3:]
    assert malformed != proper
    with mock.patch.object(AWSSRP, "get_cognito_formatted_timestamp", staticmethod(lambda _moment: malformed)):
        responses = srp.process_challenge(_start(idp, srp)["ChallengeParameters"], srp.get_auth_params())
    assert responses["TIMESTAMP"] == malformed
    with pytest.raises(idp.exceptions.NotAuthorizedException) as refused:
        _answer(idp, srp, responses)
    assert _error(refused) == ("NotAuthorizedException", WRONG)
    responses = srp.process_challenge(_start(idp, srp)["ChallengeParameters"], srp.get_auth_params())
    assert "AuthenticationResult" in _answer(idp, srp, responses)  # the proper format still works


def test_block_of_one_user_cannot_sign_in_another(idp: Any, srp_pool: tuple[str, dict[str, Any]],
                                                  make_user: Any) -> None:
    pool_id, client = srp_pool
    make_user(pool_id, "eve")
    srp = _srp(idp, pool_id, client, "sam")
    responses = srp.process_challenge(_start(idp, srp)["ChallengeParameters"], srp.get_auth_params())
    responses["USERNAME"] = "eve"
    with pytest.raises(idp.exceptions.NotAuthorizedException) as refused:
        _answer(idp, srp, responses)
    assert _error(refused) == ("NotAuthorizedException", "Invalid session for the user.")


@pytest.mark.parametrize("a_value", [0, N, 2 * N])
def test_srp_a_zero_mod_n_is_refused(idp: Any, srp_pool: tuple[str, dict[str, Any]], a_value: int) -> None:
    """The classic forgery: A ≡ 0 mod N makes the server's S = 0, so a proof without the
    password would verify. Refused before any state is made."""
    _, client = srp_pool
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_SRP_AUTH",
                          AuthParameters={"USERNAME": "sam", "SRP_A": format(a_value, "x")})


def test_wrong_proofs_count_toward_lockout(idp: Any, srp_pool: tuple[str, dict[str, Any]]) -> None:
    pool_id, client = srp_pool
    for _ in range(5):
        with pytest.raises(idp.exceptions.NotAuthorizedException):
            _srp(idp, pool_id, client, "sam", "Wrong-Horse-9").authenticate_user()
    with pytest.raises(idp.exceptions.NotAuthorizedException) as locked:
        idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "sam", "PASSWORD": PASSWORD})
    assert _error(locked) == ("NotAuthorizedException", "Password attempts exceeded")


def test_device_key_not_found_keeps_the_challenge_usable(idp: Any, srp_pool: tuple[str, dict[str, Any]]) -> None:
    pool_id, client = srp_pool
    srp = _srp(idp, pool_id, client, "sam")
    responses = srp.process_challenge(_start(idp, srp)["ChallengeParameters"], srp.get_auth_params())
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as missing:
        _answer(idp, srp, {**responses, "DEVICE_KEY": "us-east-1_00000000-0000-4000-8000-000000000000"})
    assert _error(missing) == ("ResourceNotFoundException", "Device does not exist.")
    assert "AuthenticationResult" in _answer(idp, srp, responses)


def test_unknown_user_legacy_and_enabled(idp: Any, make_pool: Any, make_client: Any) -> None:
    pool_id = make_pool()
    legacy = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS)
    with pytest.raises(idp.exceptions.UserNotFoundException):
        _start(idp, _srp(idp, pool_id, legacy, "ghost"))
    hidden = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS, PreventUserExistenceErrors="ENABLED")
    first = _start(idp, _srp(idp, pool_id, hidden, "ghost"))["ChallengeParameters"]
    srp = _srp(idp, pool_id, hidden, "ghost")
    second = _start(idp, srp)["ChallengeParameters"]
    assert (first["SALT"], first["USER_ID_FOR_SRP"]) == (second["SALT"], second["USER_ID_FOR_SRP"])
    assert first["SRP_B"] != second["SRP_B"]
    with pytest.raises(idp.exceptions.NotAuthorizedException) as refused:
        _answer(idp, srp, srp.process_challenge(second, srp.get_auth_params()))
    assert _error(refused) == ("NotAuthorizedException", WRONG)


def test_user_state_refusals_at_initiate(idp: Any, srp_pool: tuple[str, dict[str, Any]], make_user: Any) -> None:
    pool_id, client = srp_pool
    make_user(pool_id, "off")
    idp.admin_disable_user(UserPoolId=pool_id, Username="off")
    with pytest.raises(idp.exceptions.NotAuthorizedException) as disabled:
        _start(idp, _srp(idp, pool_id, client, "off"))
    assert _error(disabled) == ("NotAuthorizedException", "User is disabled.")
    idp.sign_up(ClientId=client["ClientId"], Username="fresh", Password=PASSWORD)
    with pytest.raises(idp.exceptions.UserNotConfirmedException):
        _start(idp, _srp(idp, pool_id, client, "fresh"))


def test_every_password_route_signs_in_through_both_flows(idp: Any, server: Any, make_pool: Any,
                                                          make_client: Any, make_user: Any) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["email"])
    client = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS)

    def both(username: str, password: str) -> str:
        tokens = _srp(idp, pool_id, client, username, password).authenticate_user()["AuthenticationResult"]
        idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": username, "PASSWORD": password})
        return str(tokens["AccessToken"])

    make_user(pool_id, "admin-set")  # AdminSetUserPassword
    access = both("admin-set", PASSWORD)
    idp.change_password(AccessToken=access, PreviousPassword=PASSWORD, ProposedPassword="Changed-Horse-9")
    both("admin-set", "Changed-Horse-9")  # ChangePassword

    idp.sign_up(ClientId=client["ClientId"], Username="signed-up", Password="Signup-Horse-9",
                UserAttributes=[{"Name": "email", "Value": "signed@example.com"}])
    idp.confirm_sign_up(ClientId=client["ClientId"], Username="signed-up",
                        ConfirmationCode=server.last_code("signed-up", "SIGN_UP"))
    both("signed-up", "Signup-Horse-9")  # SignUp
    idp.forgot_password(ClientId=client["ClientId"], Username="signed-up")
    idp.confirm_forgot_password(ClientId=client["ClientId"], Username="signed-up", Password="Reset-Horse-9",
                                ConfirmationCode=server.last_code("signed-up", "FORGOT_PASSWORD"))
    both("signed-up", "Reset-Horse-9")  # ConfirmForgotPassword

    idp.admin_create_user(UserPoolId=pool_id, Username="temp", TemporaryPassword="Temp0rary!x",
                          MessageAction="SUPPRESS")
    srp = _srp(idp, pool_id, client, "temp", "Temp0rary!x")
    from pycognito.exceptions import ForceChangePasswordException

    with pytest.raises(ForceChangePasswordException):
        srp.authenticate_user()
    srp.set_new_password_challenge("Chosen-Horse-9")  # NEW_PASSWORD_REQUIRED via SRP
    both("temp", "Chosen-Horse-9")


@pytest.mark.parametrize("username", ["sam", "ghost"])
def test_a_wrong_proof_spends_its_block(idp: Any, make_pool: Any, make_client: Any, make_user: Any,
                                        username: str) -> None:
    """Issue 9 item 7: one SECRET_BLOCK is worth one proof computation, right or wrong; its
    replays are "Invalid session for the user." (docs/decisions.md 10.4) and are not counted,
    for a known user and for an unknown one under PreventUserExistenceErrors alike."""
    pool_id = make_pool()
    client = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS, PreventUserExistenceErrors="ENABLED")
    make_user(pool_id, "sam")
    srp = _srp(idp, pool_id, client, username, "Wrong-Horse-9")
    responses = srp.process_challenge(_start(idp, srp)["ChallengeParameters"], srp.get_auth_params())
    with pytest.raises(idp.exceptions.NotAuthorizedException) as first:
        _answer(idp, srp, responses)
    assert _error(first) == ("NotAuthorizedException", WRONG)
    for _ in range(6):  # more than the lockout threshold: replays would lock the user if counted
        with pytest.raises(idp.exceptions.NotAuthorizedException) as replay:
            _answer(idp, srp, responses)
        assert _error(replay) == ("NotAuthorizedException", "Invalid session for the user.")
    if username == "sam":
        assert "AuthenticationResult" in _srp(idp, pool_id, client, "sam").authenticate_user()


def test_a_locked_out_user_is_refused_at_step_two(idp: Any, srp_pool: tuple[str, dict[str, Any]]) -> None:
    pool_id, client = srp_pool
    for _ in range(5):
        with pytest.raises(idp.exceptions.NotAuthorizedException):
            _srp(idp, pool_id, client, "sam", "Wrong-Horse-9").authenticate_user()
    srp = _srp(idp, pool_id, client, "sam")
    responses = srp.process_challenge(_start(idp, srp)["ChallengeParameters"], srp.get_auth_params())
    with pytest.raises(idp.exceptions.NotAuthorizedException) as locked:
        _answer(idp, srp, responses)
    assert _error(locked) == ("NotAuthorizedException", "Password attempts exceeded")
