"""PreSignUp, PostConfirmation and UserMigration end to end (issue 12), on both databases: a real
server invokes the functions of tests/triggers/functions.py through boto3's ``lambda`` client
against the Lambda-Invoke-compatible test endpoint (so the test sees each event it received), and
one in process (``--lambda-function``). Which calls carry ``validationData`` / ``clientMetadata``
and which nothing, and what the answers change."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD, raises_code
from tests.e2e.server import Server
from tests.e2e.triggers import arn, endpoint_serving, trigger_server
from tests.triggers.lambda_endpoint import LambdaEndpoint

pytestmark = pytest.mark.e2e

ENDPOINT = ("record_only", "refuse", "migrate_legacy")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LambdaEndpoint]:
    yield from endpoint_serving(ENDPOINT)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           endpoint: LambdaEndpoint) -> Iterator[Server]:
    yield from trigger_server(tmp_path_factory.mktemp(f"lifecycle-{request.param}"), request.param, endpoint,
                              {"auto_confirm": "fill_response"})


def events(endpoint: LambdaEndpoint, function: str, pool_id: str) -> list[dict[str, Any]]:
    return [call.event for call in endpoint.calls_to(function) if call.event["userPoolId"] == pool_id]


@pytest.fixture
def pool(idp: Any, make_client: Callable[..., dict[str, Any]]) -> Callable[..., tuple[str, str]]:
    def make(**lambda_config: str) -> tuple[str, str]:
        pool_id = str(idp.create_user_pool(
            PoolName=f"life-{uuid.uuid4().hex[:8]}", AutoVerifiedAttributes=["email"],
            LambdaConfig={key: arn(name) for key, name in lambda_config.items()})["UserPool"]["Id"])
        return pool_id, make_client(pool_id)["ClientId"]
    return make


def test_sign_up_events_and_confirmation(idp: Any, server: Server, endpoint: LambdaEndpoint,
                                         pool: Callable[..., tuple[str, str]]) -> None:
    pool_id, client_id = pool(PreSignUp="record_only", PostConfirmation="record_only")
    idp.sign_up(ClientId=client_id, Username="amy", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "amy@example.com"}],
                ValidationData=[{"Name": "captcha", "Value": "ok"}], ClientMetadata={"app": "web"})
    [pre] = events(endpoint, "record_only", pool_id)
    assert pre["triggerSource"] == "PreSignUp_SignUp" and pre["userName"] == "amy"
    assert pre["callerContext"]["clientId"] == client_id
    assert pre["request"]["userAttributes"] == {"email": "amy@example.com"}
    assert pre["request"]["validationData"] == {"captcha": "ok"}
    assert pre["request"]["clientMetadata"] == {"app": "web"}
    assert pre["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}
    idp.confirm_sign_up(ClientId=client_id, Username="amy", ConfirmationCode=server.last_code("amy", "SIGN_UP"))
    post = events(endpoint, "record_only", pool_id)[-1]
    assert post["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert "clientMetadata" not in post["request"]  # ConfirmSignUp sent none
    assert post["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert post["request"]["userAttributes"]["email_verified"] == "true"


def test_pre_sign_up_auto_confirms_in_process(idp: Any, pool: Callable[..., tuple[str, str]]) -> None:
    pool_id = str(idp.create_user_pool(
        PoolName=f"auto-{uuid.uuid4().hex[:8]}", AutoVerifiedAttributes=["email"],
        LambdaConfig={"PreSignUp": arn("auto_confirm")})["UserPool"]["Id"])
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"]["ClientId"]
    out = idp.sign_up(ClientId=client_id, Username="bo", Password=PASSWORD,
                      UserAttributes=[{"Name": "email", "Value": "bo@example.com"}])
    assert out["UserConfirmed"] is True and "CodeDeliveryDetails" not in out
    user = idp.admin_get_user(UserPoolId=pool_id, Username="bo")
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]


def test_a_refusing_pre_sign_up_creates_nobody(idp: Any, pool: Callable[..., tuple[str, str]]) -> None:
    pool_id, client_id = pool(PreSignUp="refuse")
    with raises_code("UserLambdaValidationException",
                     "^PreSignUp failed with error Sign-ups from example.org are closed..$"):
        idp.sign_up(ClientId=client_id, Username="cy", Password=PASSWORD)
    with raises_code("UserNotFoundException"):
        idp.admin_get_user(UserPoolId=pool_id, Username="cy")
    with raises_code("UserLambdaValidationException"):  # AdminCreateUser runs it too (its answer ignored)
        idp.admin_create_user(UserPoolId=pool_id, Username="cy", MessageAction="SUPPRESS")
    with raises_code("UserNotFoundException"):
        idp.admin_get_user(UserPoolId=pool_id, Username="cy")


def test_admin_create_and_confirm_events(idp: Any, endpoint: LambdaEndpoint,
                                         pool: Callable[..., tuple[str, str]]) -> None:
    pool_id, client_id = pool(PreSignUp="record_only", PostConfirmation="record_only")
    idp.admin_create_user(UserPoolId=pool_id, Username="di", MessageAction="SUPPRESS",
                          ClientMetadata={"by": "admin"})
    [pre] = events(endpoint, "record_only", pool_id)
    assert pre["triggerSource"] == "PreSignUp_AdminCreateUser"
    assert pre["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"
    assert pre["request"]["clientMetadata"] == {"by": "admin"} and "validationData" not in pre["request"]
    idp.sign_up(ClientId=client_id, Username="ed", Password=PASSWORD)
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="ed", ClientMetadata={"why": "support"})
    post = events(endpoint, "record_only", pool_id)[-1]
    assert post["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert post["request"]["clientMetadata"] == {"why": "support"}


def test_post_confirmation_failure_is_answered_and_the_user_stays_confirmed(
    idp: Any, server: Server, pool: Callable[..., tuple[str, str]],
) -> None:
    pool_id, client_id = pool(PostConfirmation="refuse")
    idp.sign_up(ClientId=client_id, Username="fe", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "fe@example.com"}])
    with raises_code("UserLambdaValidationException", "^PostConfirmation failed with error "):
        idp.confirm_sign_up(ClientId=client_id, Username="fe", ConfirmationCode=server.last_code("fe", "SIGN_UP"))
    assert idp.admin_get_user(UserPoolId=pool_id, Username="fe")["UserStatus"] == "CONFIRMED"


def test_user_migration_at_sign_in_and_forgot_password(idp: Any, server: Server, endpoint: LambdaEndpoint,
                                                        pool: Callable[..., tuple[str, str]]) -> None:
    pool_id, client_id = pool(UserMigration="migrate_legacy")
    with raises_code("UserNotFoundException"):  # the old system does not know the password
        idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "old-gus", "PASSWORD": "Wrong-Password-1"})
    tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", ClientMetadata={"from": "web"},
                               AuthParameters={"USERNAME": "old-gus", "PASSWORD": "Old-Password-1"})
    assert "AccessToken" in tokens["AuthenticationResult"]  # signed in within the same call
    migration = events(endpoint, "migrate_legacy", pool_id)[-1]
    assert migration["triggerSource"] == "UserMigration_Authentication" and migration["userName"] == "old-gus"
    assert migration["request"]["password"] == "Old-Password-1"
    assert migration["request"]["validationData"] == {"from": "web"} and "userAttributes" not in migration["request"]
    user = idp.admin_get_user(UserPoolId=pool_id, Username="old-gus")
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email", "Value": "old-gus@legacy.example"} in user["UserAttributes"]
    # the password works from now on, without the trigger
    idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                      AuthParameters={"USERNAME": "old-gus", "PASSWORD": "Old-Password-1"})
    assert len(events(endpoint, "migrate_legacy", pool_id)) == 2
    out = idp.forgot_password(ClientId=client_id, Username="old-hal", ClientMetadata={"from": "app"})
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    forgot = events(endpoint, "migrate_legacy", pool_id)[-1]
    assert forgot["triggerSource"] == "UserMigration_ForgotPassword" and "password" not in forgot["request"]
    assert forgot["request"]["clientMetadata"] == {"from": "app"}
    idp.confirm_forgot_password(ClientId=client_id, Username="old-hal", Password="Brand-New-Pass-1",
                                ConfirmationCode=server.last_code("old-hal", "FORGOT_PASSWORD"))
    idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                      AuthParameters={"USERNAME": "old-hal", "PASSWORD": "Brand-New-Pass-1"})
