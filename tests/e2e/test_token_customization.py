"""PreTokenGeneration end to end (issue 12), on both databases: a real server invokes the sample
functions of tests/triggers/functions.py through both runners — boto3's ``lambda`` client against
the Lambda-Invoke-compatible test endpoint (``--lambda-endpoint``; the test sees every event it
received), and in process (``--lambda-function``; the ``token_echo`` function writes what it
received into the token). The LambdaConfig is set with CreateUserPool; the tokens are verified
with PyJWT against the pool's JWKS."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.e2e.conftest import PASSWORD, compute_secret_hash
from tests.e2e.server import Server
from tests.e2e.triggers import arn, endpoint_serving, trigger_server
from tests.triggers import functions
from tests.triggers.lambda_endpoint import LambdaEndpoint

pytestmark = pytest.mark.e2e

ENDPOINT_FUNCTIONS = ("token_claims_v1", "token_keep", "token_refuse", "token_number_v1", "token_drop_groups")
#: Served in the server's own process, under names of their own.
IN_PROCESS = {"local_claims_v2": "token_claims_v2", "local_echo": "token_echo",
              "local_drop_admin_scope": "token_drop_admin_scope"}
ADMIN_SCOPE = "aws.cognito.signin.user.admin"
EDITOR_ROLE = "arn:aws:iam::123456789012:role/editors"
ADMIN_ROLE = "arn:aws:iam::123456789012:role/admins"
NEW_PASSWORD = "Brand-New-Pass-1"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LambdaEndpoint]:
    yield from endpoint_serving(ENDPOINT_FUNCTIONS)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           endpoint: LambdaEndpoint) -> Iterator[Server]:
    """The conftest fixtures (``idp``, ``make_client``, ``verify_token``, ...) use this server."""
    yield from trigger_server(tmp_path_factory.mktemp(f"tokens-{request.param}"), request.param, endpoint,
                              IN_PROCESS)


@pytest.fixture
def setup(idp: Any, make_client: Callable[..., dict[str, Any]]) -> Callable[..., tuple[str, dict[str, Any]]]:
    """A pool with ``LambdaConfig``, a client with a secret, and the user ann (e-mail, phone, name;
    in the groups admins and editors, with roles) — or ann with a temporary password."""

    def make(lambda_config: dict[str, Any], *, temporary: bool = False) -> tuple[str, dict[str, Any]]:
        pool_id = str(idp.create_user_pool(PoolName=f"tokens-{uuid.uuid4().hex[:8]}",
                                           LambdaConfig=lambda_config)["UserPool"]["Id"])
        client = make_client(pool_id, GenerateSecret=True)
        extra = {"TemporaryPassword": PASSWORD} if temporary else {}
        idp.admin_create_user(UserPoolId=pool_id, Username="ann", MessageAction="SUPPRESS", UserAttributes=[
            {"Name": "email", "Value": "ann@example.com"}, {"Name": "email_verified", "Value": "true"},
            {"Name": "phone_number", "Value": "+15555550100"}, {"Name": "name", "Value": "Ann"}], **extra)
        if not temporary:
            idp.admin_set_user_password(UserPoolId=pool_id, Username="ann", Password=PASSWORD, Permanent=True)
        for name, role, precedence in (("editors", EDITOR_ROLE, 5), ("admins", ADMIN_ROLE, 1)):
            idp.create_group(UserPoolId=pool_id, GroupName=name, RoleArn=role, Precedence=precedence)
            idp.admin_add_user_to_group(UserPoolId=pool_id, Username="ann", GroupName=name)
        return pool_id, client

    return make


def sign_in(idp: Any, client: dict[str, Any], password: str = PASSWORD, **extra: Any) -> dict[str, Any]:
    return dict(idp.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ann", "PASSWORD": password,
                        "SECRET_HASH": compute_secret_hash(client["ClientSecret"], "ann", client["ClientId"])},
        **extra))


def last_event(endpoint: LambdaEndpoint, function: str, pool_id: str) -> dict[str, Any]:
    events = [call.event for call in endpoint.calls_to(function) if call.event.get("userPoolId") == pool_id]
    assert events, f"{function} was not invoked for {pool_id}"
    return dict(events[-1])


def test_configuration_round_trips(idp: Any) -> None:
    config = {"PreTokenGenerationConfig": {"LambdaArn": arn("local_claims_v2"), "LambdaVersion": "V2_0"}}
    pool_id = idp.create_user_pool(PoolName="configured", LambdaConfig=config)["UserPool"]["Id"]
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"]
    assert described["PreTokenGenerationConfig"] == config["PreTokenGenerationConfig"]


def test_v1_through_the_lambda_api(idp: Any, setup: Any, endpoint: LambdaEndpoint,
                                   verify_token: Callable[..., dict[str, Any]]) -> None:
    pool_id, client = setup({"PreTokenGeneration": arn("token_claims_v1")})
    result = sign_in(idp, client, ClientMetadata={"captcha": "ok"})["AuthenticationResult"]
    event = last_event(endpoint, "token_claims_v1", pool_id)
    sub = idp.admin_get_user(UserPoolId=pool_id, Username="ann")["UserAttributes"]
    assert event["version"] == "1" and event["triggerSource"] == "TokenGeneration_Authentication"
    assert event["region"] == "us-east-1" and event["userPoolId"] == pool_id and event["userName"] == "ann"
    assert event["callerContext"] == {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client["ClientId"]}
    assert list(event["request"]) == ["userAttributes", "groupConfiguration"]  # InitiateAuth: no clientMetadata
    assert event["request"]["userAttributes"] == {
        "sub": next(a["Value"] for a in sub if a["Name"] == "sub"), "email": "ann@example.com",
        "email_verified": "true", "phone_number": "+15555550100", "name": "Ann", "cognito:user_status": "CONFIRMED"}
    assert event["request"]["groupConfiguration"] == {
        "groupsToOverride": ["admins", "editors"], "iamRolesToOverride": [ADMIN_ROLE, EDITOR_ROLE],
        "preferredRole": ADMIN_ROLE}
    assert event["response"] == {"claimsOverrideDetails": None}
    id_claims = verify_token(result["IdToken"], pool_id, audience=client["ClientId"])
    access = verify_token(result["AccessToken"], pool_id)
    assert id_claims["tenant"] == "acme" and id_claims["name"] == "Overridden Name"
    assert id_claims["email_verified"] is False and "phone_number" not in id_claims and "both" not in id_claims
    assert id_claims["cognito:username"] == "ann" and id_claims["token_use"] == "id"  # protected
    assert id_claims["cognito:groups"] == access["cognito:groups"] == ["auditors"]
    assert id_claims["cognito:roles"] == [functions.AUDITOR_ROLE]
    assert "tenant" not in access and access["scope"] == ADMIN_SCOPE
    assert idp.get_user(AccessToken=result["AccessToken"])["Username"] == "ann"


def test_v2_json_claims_and_scopes_in_process(idp: Any, setup: Any,
                                              verify_token: Callable[..., dict[str, Any]]) -> None:
    pool_id, client = setup({"PreTokenGenerationConfig": {"LambdaArn": arn("local_claims_v2"),
                                                          "LambdaVersion": "V2_0"}})
    result = sign_in(idp, client)["AuthenticationResult"]
    id_claims = verify_token(result["IdToken"], pool_id, audience=client["ClientId"])
    access = verify_token(result["AccessToken"], pool_id, audience=client["ClientId"])
    assert id_claims["tenant"] == {"id": 7, "tier": "gold"} and id_claims["features"] == ["a", "b"]
    assert id_claims["cognito:groups"] == ["admins", "editors"]
    assert access["permissions"] == ["orders:read", "orders:write"] and "cognito:groups" not in access
    assert access["scope"].split() == [ADMIN_SCOPE, "orders/read", "orders/write"]
    assert access["username"] == "ann" and access["client_id"] == client["ClientId"]
    assert access["aud"] == client["ClientId"]
    assert idp.get_user(AccessToken=result["AccessToken"])["Username"] == "ann"


def test_suppressing_the_admin_scope_locks_the_token_out_of_the_api(idp: Any, setup: Any,
                                                                     verify_token: Callable[..., dict[str, Any]],
                                                                     expect_error: Any) -> None:
    pool_id, client = setup({"PreTokenGenerationConfig": {"LambdaArn": arn("local_drop_admin_scope"),
                                                          "LambdaVersion": "V3_0"}})
    token = sign_in(idp, client)["AuthenticationResult"]["AccessToken"]
    assert verify_token(token, pool_id)["scope"] == "orders/read"
    with expect_error("NotAuthorizedException", "Access Token does not have required scopes"):
        idp.get_user(AccessToken=token)


def test_new_password_challenge_event_seen_by_an_in_process_function(idp: Any, setup: Any,
                                                                      verify_token: Callable[..., dict[str, Any]]
                                                                      ) -> None:
    pool_id, client = setup({"PreTokenGenerationConfig": {"LambdaArn": arn("local_echo"), "LambdaVersion": "V2_0"}},
                            temporary=True)
    challenge = sign_in(idp, client, ClientMetadata={"at": "initiate"})
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    done = idp.respond_to_auth_challenge(
        ClientId=client["ClientId"], ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"],
        ClientMetadata={"at": "respond"},
        ChallengeResponses={"USERNAME": "ann", "NEW_PASSWORD": NEW_PASSWORD,
                            "SECRET_HASH": compute_secret_hash(client["ClientSecret"], "ann", client["ClientId"])})
    seen = verify_token(done["AuthenticationResult"]["AccessToken"], pool_id)["seen"]
    assert seen["version"] == "2" and seen["triggerSource"] == "TokenGeneration_NewPasswordChallenge"
    assert seen["userName"] == "ann" and seen["callerContext"]["clientId"] == client["ClientId"]
    assert seen["request"]["clientMetadata"] == {"at": "respond"}
    assert seen["request"]["scopes"] == [ADMIN_SCOPE]
    assert seen["request"]["groupConfiguration"]["groupsToOverride"] == ["admins", "editors"]
    assert seen["response"] == {"claimsAndScopeOverrideDetails": None}
    # The next sign-in is an ordinary one, through InitiateAuth: no clientMetadata.
    again = sign_in(idp, client, NEW_PASSWORD, ClientMetadata={"at": "initiate"})
    seen = verify_token(again["AuthenticationResult"]["AccessToken"], pool_id)["seen"]
    assert seen["triggerSource"] == "TokenGeneration_Authentication" and "clientMetadata" not in seen["request"]


def test_refresh_events_through_the_lambda_api(idp: Any, setup: Any, endpoint: LambdaEndpoint,
                                               verify_token: Callable[..., dict[str, Any]]) -> None:
    pool_id, client = setup({"PreTokenGeneration": arn("token_drop_groups")})
    refresh = sign_in(idp, client)["AuthenticationResult"]["RefreshToken"]
    refreshed = idp.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH", ClientMetadata={"from": "initiate"},
        AuthParameters={"REFRESH_TOKEN": refresh,
                        "SECRET_HASH": compute_secret_hash(client["ClientSecret"], "ann", client["ClientId"])},
    )["AuthenticationResult"]
    event = last_event(endpoint, "token_drop_groups", pool_id)
    assert event["triggerSource"] == "TokenGeneration_RefreshTokens" and "clientMetadata" not in event["request"]
    assert "RefreshToken" not in refreshed
    id_claims = verify_token(refreshed["IdToken"], pool_id, audience=client["ClientId"])
    assert id_claims["plan"] == "free" and "cognito:groups" not in id_claims
    assert "cognito:groups" not in verify_token(refreshed["AccessToken"], pool_id)
    fresh = idp.get_tokens_from_refresh_token(RefreshToken=refresh, ClientId=client["ClientId"],
                                              ClientSecret=client["ClientSecret"],
                                              ClientMetadata={"from": "get-tokens"})["AuthenticationResult"]
    event = last_event(endpoint, "token_drop_groups", pool_id)
    assert event["triggerSource"] == "TokenGeneration_RefreshTokens"
    assert event["request"]["clientMetadata"] == {"from": "get-tokens"}
    assert verify_token(fresh["IdToken"], pool_id, audience=client["ClientId"])["plan"] == "free"


def test_a_failing_function_returns_no_tokens(idp: Any, setup: Any, endpoint: LambdaEndpoint,
                                              expect_error: Any) -> None:
    pool_id, client = setup({"PreTokenGeneration": arn("token_refuse")})
    with expect_error("UserLambdaValidationException",
                      "PreTokenGeneration failed with error No tokens for suspended accounts."):
        sign_in(idp, client)
    assert last_event(endpoint, "token_refuse", pool_id)["triggerSource"] == "TokenGeneration_Authentication"


def test_a_v1_claim_that_is_not_a_string_is_unrecognizable(idp: Any, setup: Any, expect_error: Any) -> None:
    _, client = setup({"PreTokenGeneration": arn("token_number_v1")})
    with expect_error("InvalidLambdaResponseException", "Unrecognizable lambda output"):
        sign_in(idp, client)


def test_aws_sdk_version_comes_from_the_callers_user_agent(server: Server, setup: Any,
                                                            endpoint: LambdaEndpoint) -> None:
    """Spec §11.7: ``callerContext.awsSdkVersion`` names the caller's AWS SDK when its User-Agent
    does (here boto3 made to announce itself as aws-sdk-js 2.1639.0, as that SDK does)."""
    pool_id, client = setup({"PreTokenGeneration": arn("token_claims_v1")})
    js_like = boto3.client("cognito-idp", endpoint_url=server.url, region_name="us-east-1",
                           aws_access_key_id="local", aws_secret_access_key="local",
                           config=Config(user_agent="aws-sdk-js/2.1639.0 promise"))
    sign_in(js_like, client)
    event = last_event(endpoint, "token_claims_v1", pool_id)
    assert event["callerContext"] == {"awsSdkVersion": "aws-sdk-js-2.1639.0", "clientId": client["ClientId"]}
