"""USER_AUTH end to end (issue 14): Amplify JS v6 in Node (``authFlowType: 'USER_AUTH'``) with a
preferred challenge and through first-factor selection — PASSWORD, PASSWORD_SRP, EMAIL_OTP,
SMS_OTP — and ``signUp`` → ``confirmSignUp`` → ``autoSignIn`` (sign-in straight from sign-up);
boto3 for the wire details (AvailableChallenges, the admin flow, the sign-up Session misused).
Codes come from the outbox."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD
from tests.e2e.node import JsError, NodeClient, amplify
from tests.e2e.server import Server

DONE = {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
FACTORS = ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]
USER_AUTH_FLOWS = ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def choice_pool(make_pool: Any, factors: list[str] | None = None) -> str:
    return str(make_pool(Policies={"SignInPolicy": {"AllowedFirstAuthFactors": factors or FACTORS}},
                         AutoVerifiedAttributes=["email"]))


def reachable_user(idp: Any, make_user: Any, pool_id: str, name: str = "ann") -> str:
    return str(make_user(pool_id, name, email=f"{name}@example.com", email_verified="true",
                         phone_number="+15555550100", phone_number_verified="true"))


def last_code(server: Server, username: str, purpose: str = "MFA") -> dict[str, Any]:
    return next(m for m in reversed(server.outbox()) if m["username"] == username and m["purpose"].startswith(purpose))


def signed_in(app: NodeClient, idp: Any, username: str, result: dict[str, Any]) -> None:
    assert result == DONE, result
    assert idp.get_user(AccessToken=app.call("tokens")["accessToken"])["Username"] == username


def test_wire_shape_with_boto3(server: Server, idp: Any, make_pool: Any, make_client: Any, make_user: Any,
                               expect_error: Any) -> None:
    pool_id = choice_pool(make_pool)
    client = make_client(pool_id, ExplicitAuthFlows=USER_AUTH_FLOWS)
    reachable_user(idp, make_user, pool_id)
    offered = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "ann"})
    assert offered["ChallengeName"] == "SELECT_CHALLENGE" and offered["ChallengeParameters"] == {}
    assert offered["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"]
    done = idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="SELECT_CHALLENGE",
                                         Session=offered["Session"],
                                         ChallengeResponses={"USERNAME": "ann", "ANSWER": "PASSWORD",
                                                             "PASSWORD": PASSWORD})
    assert done["AuthenticationResult"]["AccessToken"]
    code = idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client["ClientId"], AuthFlow="USER_AUTH",
                                   AuthParameters={"USERNAME": "ann", "PREFERRED_CHALLENGE": "SMS_OTP"})
    assert code["ChallengeName"] == "SMS_OTP"
    assert code["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    with expect_error("CodeMismatchException"):
        idp.admin_respond_to_auth_challenge(UserPoolId=pool_id, ClientId=client["ClientId"], ChallengeName="SMS_OTP",
                                            Session=code["Session"],
                                            ChallengeResponses={"USERNAME": "ann", "SMS_OTP_CODE": "12345x"})
    done = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id, ClientId=client["ClientId"], ChallengeName="SMS_OTP", Session=code["Session"],
        ChallengeResponses={"USERNAME": "ann", "SMS_OTP_CODE": last_code(server, "ann")["code"]})
    assert done["AuthenticationResult"]["AccessToken"]
    with expect_error("InvalidParameterException", "USER_AUTH flow not enabled for this client"):
        idp.initiate_auth(ClientId=make_client(pool_id)["ClientId"], AuthFlow="USER_AUTH",
                          AuthParameters={"USERNAME": "ann"})


def test_sign_up_session_with_boto3(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                    expect_error: Any) -> None:
    pool_id = choice_pool(make_pool)
    client = make_client(pool_id, ExplicitAuthFlows=USER_AUTH_FLOWS)
    idp.sign_up(ClientId=client["ClientId"], Username="sue", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "sue@example.com"}])
    confirmed = idp.confirm_sign_up(ClientId=client["ClientId"], Username="sue",
                                    ConfirmationCode=last_code(server, "sue", "SIGN_UP")["code"])
    session = confirmed["Session"]
    done = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_AUTH", Session=session,
                             AuthParameters={"USERNAME": "sue"})
    tokens = done["AuthenticationResult"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "sue"
    with expect_error("NotAuthorizedException", "Invalid session for the user."):
        idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_AUTH", Session=session,
                          AuthParameters={"USERNAME": "sue"})


@pytest.mark.node
@pytest.mark.parametrize("preferred", ["PASSWORD", "PASSWORD_SRP"])
def test_amplify_preferred_password(preferred: str, server: Server, idp: Any, make_pool: Any, make_client: Any,
                                    make_user: Any) -> None:
    pool_id = choice_pool(make_pool)
    client_id = make_client(pool_id, ExplicitAuthFlows=USER_AUTH_FLOWS)["ClientId"]
    reachable_user(idp, make_user, pool_id)
    with amplify(server, pool_id, client_id) as app:
        result = app.call("signIn", input={"username": "ann", "password": PASSWORD, "options": {
            "authFlowType": "USER_AUTH", "preferredChallenge": preferred}})
        signed_in(app, idp, "ann", result)
        app.call("signOut")
        with pytest.raises(JsError) as refused:
            app.call("signIn", input={"username": "ann", "password": "Wrong-Horse-1", "options": {
                "authFlowType": "USER_AUTH", "preferredChallenge": preferred}})
        assert (refused.value.name, refused.value.message) == ("NotAuthorizedException",
                                                               "Incorrect username or password.")


@pytest.mark.node
@pytest.mark.parametrize(("factor", "step", "medium"), [
    ("EMAIL_OTP", "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "EMAIL"),
    ("SMS_OTP", "CONFIRM_SIGN_IN_WITH_SMS_CODE", "SMS"),
])
def test_amplify_one_time_code(factor: str, step: str, medium: str, server: Server, idp: Any, make_pool: Any,
                               make_client: Any, make_user: Any) -> None:
    pool_id = choice_pool(make_pool)
    client_id = make_client(pool_id, ExplicitAuthFlows=USER_AUTH_FLOWS)["ClientId"]
    reachable_user(idp, make_user, pool_id)
    with amplify(server, pool_id, client_id) as app:
        result = app.call("signIn", input={"username": "ann", "options": {
            "authFlowType": "USER_AUTH", "preferredChallenge": factor}})
        assert result["nextStep"]["signInStep"] == step, result
        assert result["nextStep"]["codeDeliveryDetails"]["deliveryMedium"] == medium
        sent = last_code(server, "ann")
        assert sent["medium"] == medium
        with pytest.raises(JsError) as wrong:
            app.call("confirmSignIn", input={"challengeResponse": "000000" if sent["code"] != "000000" else "111111"})
        assert wrong.value.name == "CodeMismatchException"
        signed_in(app, idp, "ann", app.call("confirmSignIn", input={"challengeResponse": sent["code"]}))


@pytest.mark.node
def test_amplify_first_factor_selection(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                        make_user: Any) -> None:
    pool_id = choice_pool(make_pool)
    client_id = make_client(pool_id, ExplicitAuthFlows=USER_AUTH_FLOWS)["ClientId"]
    reachable_user(idp, make_user, pool_id)
    with amplify(server, pool_id, client_id) as app:
        result = app.call("signIn", input={"username": "ann", "options": {"authFlowType": "USER_AUTH"}})
        assert result["nextStep"]["signInStep"] == "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION", result
        assert result["nextStep"]["availableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"]
        chosen = app.call("confirmSignIn", input={"challengeResponse": "EMAIL_OTP"})
        assert chosen["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", chosen
        code = last_code(server, "ann")["code"]
        signed_in(app, idp, "ann", app.call("confirmSignIn", input={"challengeResponse": code}))
        app.call("signOut")
        for choice in ("PASSWORD", "PASSWORD_SRP"):
            result = app.call("signIn", input={"username": "ann", "options": {"authFlowType": "USER_AUTH"}})
            chosen = app.call("confirmSignIn", input={"challengeResponse": choice})
            assert chosen["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_PASSWORD", chosen
            signed_in(app, idp, "ann", app.call("confirmSignIn", input={"challengeResponse": PASSWORD}))
            app.call("signOut")


@pytest.mark.node
def test_amplify_auto_sign_in_after_sign_up(server: Server, idp: Any, make_pool: Any, make_client: Any) -> None:
    pool_id = choice_pool(make_pool)
    client_id = make_client(pool_id, ExplicitAuthFlows=USER_AUTH_FLOWS)["ClientId"]
    with amplify(server, pool_id, client_id) as app:
        started = app.call("signUp", input={"username": "sam", "password": PASSWORD, "options": {
            "userAttributes": {"email": "sam@example.com"}, "autoSignIn": {"authFlowType": "USER_AUTH"}}})
        assert started["nextStep"]["signUpStep"] == "CONFIRM_SIGN_UP", started
        confirmed = app.call("confirmSignUp", input={"username": "sam",
                                                     "confirmationCode": last_code(server, "sam", "SIGN_UP")["code"]})
        assert confirmed["nextStep"]["signUpStep"] == "COMPLETE_AUTO_SIGN_IN", confirmed
        signed_in(app, idp, "sam", app.call("autoSignIn"))


def test_passwordless_users(server: Server, idp: Any, make_pool: Any, make_client: Any, expect_error: Any) -> None:
    """SignUp without Password and AdminCreateUser without TemporaryPassword make users without a
    password where a one-time-code factor is allowed (API Reference: Password, TemporaryPassword);
    elsewhere SignUp wants a password, in the words Amplify recognises (spec §11.5)."""
    pool_id = choice_pool(make_pool, ["PASSWORD", "EMAIL_OTP"])
    client = make_client(pool_id, ExplicitAuthFlows=USER_AUTH_FLOWS)
    idp.sign_up(ClientId=client["ClientId"], Username="pat", UserAttributes=[{"Name": "email", "Value": "pat@x.org"}])
    session = idp.confirm_sign_up(ClientId=client["ClientId"], Username="pat",
                                  ConfirmationCode=last_code(server, "pat", "SIGN_UP")["code"])["Session"]
    tokens = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_AUTH", Session=session,
                               AuthParameters={"USERNAME": "pat"})["AuthenticationResult"]
    assert idp.get_user_auth_factors(AccessToken=tokens["AccessToken"])["ConfiguredUserAuthFactors"] == ["EMAIL_OTP"]
    offered = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "pat"})
    assert offered["AvailableChallenges"] == ["EMAIL_OTP"]
    with expect_error("NotAuthorizedException", "Incorrect username or password."):  # no password to match
        idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=make_client(pool_id)["ClientId"],
                                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": "pat", "PASSWORD": PASSWORD})
    created = idp.admin_create_user(UserPoolId=pool_id, Username="quin", MessageAction="SUPPRESS",
                                    UserAttributes=[{"Name": "email", "Value": "quin@x.org"},
                                                    {"Name": "email_verified", "Value": "true"}])["User"]
    assert created["UserStatus"] == "CONFIRMED"
    code = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_AUTH",
                             AuthParameters={"USERNAME": "quin", "PREFERRED_CHALLENGE": "EMAIL_OTP"})
    assert code["ChallengeName"] == "EMAIL_OTP"
    answer = {"USERNAME": "quin", "EMAIL_OTP_CODE": last_code(server, "quin")["code"]}
    done = idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="EMAIL_OTP",
                                         Session=code["Session"], ChallengeResponses=answer)
    assert done["AuthenticationResult"]["AccessToken"]
    password_only = choice_pool(make_pool, ["PASSWORD"])
    plain = make_client(password_only, ExplicitAuthFlows=USER_AUTH_FLOWS)
    missing = ("1 validation error detected: Value at 'password' failed to satisfy constraint: "
               "Member must not be null")
    with expect_error("InvalidParameterException", missing):
        idp.sign_up(ClientId=plain["ClientId"], Username="rex", UserAttributes=[{"Name": "email", "Value": "r@x.org"}])
    with expect_error("InvalidParameterException", missing):  # the client must offer USER_AUTH
        idp.sign_up(ClientId=make_client(pool_id)["ClientId"], Username="rex",
                    UserAttributes=[{"Name": "email", "Value": "r@x.org"}])
    assert idp.admin_create_user(UserPoolId=password_only, Username="sal",
                                 MessageAction="SUPPRESS")["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"


@pytest.mark.node
def test_amplify_passwordless_sign_up(server: Server, idp: Any, make_pool: Any, make_client: Any) -> None:
    pool_id = choice_pool(make_pool, ["PASSWORD", "EMAIL_OTP"])
    client_id = make_client(pool_id, ExplicitAuthFlows=USER_AUTH_FLOWS)["ClientId"]
    with amplify(server, pool_id, client_id) as app:
        started = app.call("signUp", input={"username": "una", "options": {
            "userAttributes": {"email": "una@example.com"}, "autoSignIn": {"authFlowType": "USER_AUTH"}}})
        assert started["nextStep"]["signUpStep"] == "CONFIRM_SIGN_UP", started
        confirmed = app.call("confirmSignUp", input={"username": "una",
                                                     "confirmationCode": last_code(server, "una", "SIGN_UP")["code"]})
        assert confirmed["nextStep"]["signUpStep"] == "COMPLETE_AUTO_SIGN_IN", confirmed
        signed_in(app, idp, "una", app.call("autoSignIn"))
        app.call("signOut")
        result = app.call("signIn", input={"username": "una", "options": {
            "authFlowType": "USER_AUTH", "preferredChallenge": "EMAIL_OTP"}})
        assert result["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", result
        code = last_code(server, "una")["code"]
        signed_in(app, idp, "una", app.call("confirmSignIn", input={"challengeResponse": code}))
