"""CustomMessage end to end (issue 12), on both databases: every code message goes through the
pool's function, served by the Lambda test endpoint (boto3's ``lambda`` client) and in process
(``--lambda-function``). The event field by field (the placeholder, never the code;
``clientMetadata`` only where the call had some), the answer replacing the template, and a
failing or placeholder-less function leaving no code stored or counted."""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD, raises_code
from tests.e2e.mfa import SNS, enable, mfa_user
from tests.e2e.server import Server
from tests.e2e.triggers import arn, endpoint_serving, trigger_server
from tests.triggers.lambda_endpoint import LambdaEndpoint

pytestmark = pytest.mark.e2e

ENDPOINT = ("custom_message", "custom_message_without_code", "refuse")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LambdaEndpoint]:
    yield from endpoint_serving(ENDPOINT)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           endpoint: LambdaEndpoint) -> Iterator[Server]:
    yield from trigger_server(tmp_path_factory.mktemp(f"custom-message-{request.param}"), request.param, endpoint,
                              {"custom_message_local": "custom_message"})


def events(endpoint: LambdaEndpoint, pool_id: str) -> list[dict[str, Any]]:
    return [call.event for call in endpoint.calls_to("custom_message") if call.event["userPoolId"] == pool_id]


def last_message(server: Server, username: str) -> dict[str, Any]:
    return [m for m in server.outbox() if m["username"] == username][-1]


@pytest.fixture
def pool(idp: Any, make_client: Callable[..., dict[str, Any]]) -> Callable[[str], tuple[str, str]]:
    def make(function: str) -> tuple[str, str]:
        pool_id = str(idp.create_user_pool(
            PoolName=f"msg-{uuid.uuid4().hex[:8]}", AutoVerifiedAttributes=["email"],
            LambdaConfig={"CustomMessage": arn(function)})["UserPool"]["Id"])
        return pool_id, make_client(pool_id)["ClientId"]
    return make


def test_every_source_and_its_event(idp: Any, server: Server, endpoint: LambdaEndpoint,
                                    pool: Callable[[str], tuple[str, str]]) -> None:
    pool_id, client_id = pool("custom_message")
    idp.sign_up(ClientId=client_id, Username="amy", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "amy@example.com"}], ClientMetadata={"app": "web"})
    [sign_up] = events(endpoint, pool_id)
    assert sign_up["triggerSource"] == "CustomMessage_SignUp" and sign_up["userName"] == "amy"
    assert sign_up["callerContext"]["clientId"] == client_id
    assert sign_up["request"]["codeParameter"] == "{####}"
    assert sign_up["request"]["clientMetadata"] == {"app": "web"}
    assert "usernameParameter" not in sign_up["request"] and "linkParameter" not in sign_up["request"]
    assert sign_up["request"]["userAttributes"]["email"] == "amy@example.com"
    assert sign_up["request"]["userAttributes"]["cognito:user_status"] == "UNCONFIRMED"
    assert sign_up["response"] == {"smsMessage": None, "emailMessage": None, "emailSubject": None}
    sent = last_message(server, "amy")
    code = sent["code"]
    assert code not in str(sign_up)
    assert sent["body"] == f"<p>[CustomMessage_SignUp] code {code}</p>"
    assert sent["subject"] == "Subject CustomMessage_SignUp"

    idp.resend_confirmation_code(ClientId=client_id, Username="amy")
    resend = events(endpoint, pool_id)[-1]
    assert resend["triggerSource"] == "CustomMessage_ResendCode" and "clientMetadata" not in resend["request"]
    code = last_message(server, "amy")["code"]
    assert last_message(server, "amy")["body"] == f"<p>[CustomMessage_ResendCode] code {code}</p>"
    idp.confirm_sign_up(ClientId=client_id, Username="amy", ConfirmationCode=code)

    idp.forgot_password(ClientId=client_id, Username="amy", ClientMetadata={"from": "forgot"})
    forgot = events(endpoint, pool_id)[-1]
    assert forgot["triggerSource"] == "CustomMessage_ForgotPassword"
    assert forgot["request"]["clientMetadata"] == {"from": "forgot"}

    idp.admin_reset_user_password(UserPoolId=pool_id, Username="amy")
    reset = events(endpoint, pool_id)[-1]
    assert reset["triggerSource"] == "CustomMessage_ForgotPassword"
    assert reset["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"
    assert "clientMetadata" not in reset["request"]

    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="amy", ClientMetadata={"k": "v"},
                                     UserAttributes=[{"Name": "email", "Value": "amy2@example.com"}])
    update = events(endpoint, pool_id)[-1]
    assert update["triggerSource"] == "CustomMessage_UpdateUserAttribute"
    assert update["request"]["clientMetadata"] == {"k": "v"}
    assert update["request"]["userAttributes"]["email"] == "amy2@example.com"
    assert last_message(server, "amy")["destination"] == "amy2@example.com"

    idp.admin_set_user_password(UserPoolId=pool_id, Username="amy", Password=PASSWORD, Permanent=True)
    tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "amy", "PASSWORD": PASSWORD})["AuthenticationResult"]
    idp.get_user_attribute_verification_code(AccessToken=tokens["AccessToken"], AttributeName="email")
    verify = events(endpoint, pool_id)[-1]
    assert verify["triggerSource"] == "CustomMessage_VerifyUserAttribute"
    assert verify["callerContext"]["clientId"] == client_id

    idp.admin_create_user(UserPoolId=pool_id, Username="bo", DesiredDeliveryMediums=["EMAIL"],
                          UserAttributes=[{"Name": "email", "Value": "bo@example.com"}],
                          ClientMetadata={"not": "passed"})
    invite = events(endpoint, pool_id)[-1]
    assert invite["triggerSource"] == "CustomMessage_AdminCreateUser"
    assert invite["request"]["usernameParameter"] == "{username}"
    assert invite["request"]["linkParameter"] == "{##Click Here##}"
    assert "clientMetadata" not in invite["request"]  # spec §7.4: AdminCreateUser's list omits it
    sent = last_message(server, "bo")
    assert sent["body"] == f"<p>[CustomMessage_AdminCreateUser] code {html.escape(sent['code'])} for bo</p>"


def test_in_process_function(idp: Any, server: Server, pool: Callable[[str], tuple[str, str]]) -> None:
    _, client_id = pool("custom_message_local")
    idp.sign_up(ClientId=client_id, Username="cy", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "cy@example.com"}])
    sent = last_message(server, "cy")
    assert sent["body"] == f"<p>[CustomMessage_SignUp] code {sent['code']}</p>"


def test_a_failing_function_leaves_no_code(idp: Any, server: Server, make_user: Any,
                                           pool: Callable[[str], tuple[str, str]]) -> None:
    pool_id, client_id = pool("refuse")
    make_user(pool_id, "di", email="di@example.com", email_verified="true")
    before = len(server.outbox())
    with raises_code("UserLambdaValidationException",
                     "^CustomMessage failed with error Sign-ups from example.org are closed..$"):
        idp.forgot_password(ClientId=client_id, Username="di")
    assert len(server.outbox()) == before
    with raises_code("ExpiredCodeException"):  # no code stored
        idp.confirm_forgot_password(ClientId=client_id, Username="di", ConfirmationCode="123456", Password=PASSWORD)


def test_an_answer_without_the_placeholder(idp: Any, server: Server,
                                          pool: Callable[[str], tuple[str, str]]) -> None:
    _, client_id = pool("custom_message_without_code")
    with raises_code("InvalidLambdaResponseException"):
        idp.sign_up(ClientId=client_id, Username="ed", Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": "ed@example.com"}])
    assert not [m for m in server.outbox() if m["username"] == "ed"]


def test_mfa_code_through_custom_message(idp: Any, server: Server, endpoint: LambdaEndpoint, make_pool: Any,
                                         make_user: Any, make_client: Callable[..., dict[str, Any]]) -> None:
    pool_id = str(make_pool(SmsConfiguration=SNS, LambdaConfig={"CustomMessage": arn("custom_message")}))
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                                 SmsMfaConfiguration={"SmsConfiguration": SNS})
    client_id = make_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])[
        "ClientId"]
    mfa_user(make_user, pool_id, "fay")
    enable(idp, pool_id, "fay", "SMS", preferred="SMS")
    out = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", ClientMetadata={"x": "y"},
                            AuthParameters={"USERNAME": "fay", "PASSWORD": PASSWORD})
    assert out["ChallengeName"] == "SMS_MFA"
    mfa = events(endpoint, pool_id)[-1]
    assert mfa["triggerSource"] == "CustomMessage_Authentication"
    assert "clientMetadata" not in mfa["request"]  # InitiateAuth passes none to CustomMessage
    sent = last_message(server, "fay")
    assert sent["body"] == f"[CustomMessage_Authentication] code {sent['code']}"


KMS = "arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555"


@pytest.mark.parametrize(("lambda_config", "tier", "code", "message"), [
    ({"PreTokenGeneration": arn("one"), "PreTokenGenerationConfig": {"LambdaArn": arn("two"), "LambdaVersion": "V1_0"}},
     "ESSENTIALS", "InvalidParameterException", "^PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must"),
    ({"PreTokenGenerationConfig": {"LambdaArn": arn("two"), "LambdaVersion": "V2_0"}},
     "LITE", "FeatureUnavailableInTierException", "LambdaVersion V2_0 requires the Essentials tier"),
    ({"PreTokenGenerationConfig": {"LambdaArn": arn("two"), "LambdaVersion": "V3_0"}},
     "LITE", "FeatureUnavailableInTierException", "LambdaVersion V3_0 requires the Essentials tier"),
    ({"CustomEmailSender": {"LambdaArn": arn("send"), "LambdaVersion": "V1_0"}},
     "ESSENTIALS", "InvalidParameterException", "^CustomEmailSender requires KMSKeyID"),
])
def test_lambda_config_refusals(idp: Any, lambda_config: dict[str, Any], tier: str, code: str,
                                message: str) -> None:
    name = f"cfg-{uuid.uuid4().hex[:8]}"
    with raises_code(code, message):
        idp.create_user_pool(PoolName=name, UserPoolTier=tier, LambdaConfig=lambda_config)
    assert not [p for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == name]
    pool_id = idp.create_user_pool(PoolName=name, UserPoolTier=tier)["UserPool"]["Id"]
    with raises_code(code, message):
        idp.update_user_pool(UserPoolId=pool_id, UserPoolTier=tier, LambdaConfig=lambda_config)
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"] == {}


def test_lambda_config_accepted(idp: Any) -> None:
    same = {"PreTokenGeneration": arn("one"),
            "PreTokenGenerationConfig": {"LambdaArn": arn("one"), "LambdaVersion": "V2_0"},
            "CustomMessage": arn("custom_message")}
    pool_id = idp.create_user_pool(PoolName=f"ok-{uuid.uuid4().hex[:8]}", LambdaConfig=same)["UserPool"]["Id"]
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"] == same
    lite = {"PreTokenGenerationConfig": {"LambdaArn": arn("one"), "LambdaVersion": "V1_0"}}
    idp.update_user_pool(UserPoolId=pool_id, UserPoolTier="LITE", LambdaConfig=lite)
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"] == lite


def test_a_refused_invitation_creates_nobody(idp: Any, server: Server,
                                             pool: Callable[[str], tuple[str, str]]) -> None:
    pool_id, _ = pool("refuse")
    with raises_code("UserLambdaValidationException", "^CustomMessage failed with error "):
        idp.admin_create_user(UserPoolId=pool_id, Username="gus", DesiredDeliveryMediums=["EMAIL"],
                              UserAttributes=[{"Name": "email", "Value": "gus@example.com"}])
    with raises_code("UserNotFoundException"):
        idp.admin_get_user(UserPoolId=pool_id, Username="gus")
    assert not [m for m in server.outbox() if m["username"] == "gus"]
    # the name is free again: a suppressed invitation creates the user
    idp.admin_create_user(UserPoolId=pool_id, Username="gus", MessageAction="SUPPRESS")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="gus")["UserStatus"] == "FORCE_CHANGE_PASSWORD"


def test_refused_messages_are_not_counted_and_keep_the_previous_code(
    idp: Any, server: Server, make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = idp.create_user_pool(PoolName=f"count-{uuid.uuid4().hex[:8]}",
                                   AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    client_id = make_client(pool_id)["ClientId"]
    idp.sign_up(ClientId=client_id, Username="hal", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "hal@example.com"}])
    idp.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"],
                         LambdaConfig={"CustomMessage": arn("refuse")})
    for _ in range(6):  # more than the hourly allowance of 5: none of them counts
        with raises_code("UserLambdaValidationException", "^CustomMessage failed with error "):
            idp.resend_confirmation_code(ClientId=client_id, Username="hal")
    idp.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"])
    idp.resend_confirmation_code(ClientId=client_id, Username="hal")  # still allowed
    latest = server.last_code("hal", "SIGN_UP")
    idp.confirm_sign_up(ClientId=client_id, Username="hal", ConfirmationCode=latest)


def test_refused_resend_keeps_the_code_already_sent(
    idp: Any, server: Server, make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = idp.create_user_pool(PoolName=f"keep-{uuid.uuid4().hex[:8]}",
                                   AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    client_id = make_client(pool_id)["ClientId"]
    idp.sign_up(ClientId=client_id, Username="ida", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "ida@example.com"}])
    first = server.last_code("ida", "SIGN_UP")
    idp.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"],
                         LambdaConfig={"CustomMessage": arn("refuse")})
    with raises_code("UserLambdaValidationException"):
        idp.resend_confirmation_code(ClientId=client_id, Username="ida")
    idp.confirm_sign_up(ClientId=client_id, Username="ida", ConfirmationCode=first)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="ida")["UserStatus"] == "CONFIRMED"


def test_a_refused_mfa_message_fails_the_sign_in(idp: Any, server: Server, make_pool: Any, make_user: Any,
                                                 make_client: Callable[..., dict[str, Any]]) -> None:
    pool_id = str(make_pool(SmsConfiguration=SNS, LambdaConfig={"CustomMessage": arn("refuse")}))
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                                 SmsMfaConfiguration={"SmsConfiguration": SNS})
    client_id = make_client(pool_id)["ClientId"]
    mfa_user(make_user, pool_id, "jo")
    enable(idp, pool_id, "jo", "SMS", preferred="SMS")
    for _ in range(11):  # more than SendMfaCode's hourly 10: a refused message is not counted
        with raises_code("UserLambdaValidationException", "^CustomMessage failed with error "):
            idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "jo", "PASSWORD": PASSWORD})
    assert not [m for m in server.outbox() if m["username"] == "jo"]
    idp.update_user_pool(UserPoolId=pool_id, SmsConfiguration=SNS, MfaConfiguration="OPTIONAL")
    out = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                            AuthParameters={"USERNAME": "jo", "PASSWORD": PASSWORD})
    assert out["ChallengeName"] == "SMS_MFA"
