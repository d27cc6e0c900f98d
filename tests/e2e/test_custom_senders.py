"""CustomEmailSender / CustomSMSSender (issue 12 item 5): codes encrypted with the AWS Encryption
SDK under the pool's KMSKeyID through a KMS-compatible endpoint nobody here wrote (moto's server,
``--kms-endpoint``), the sender invoked asynchronously through boto3's ``lambda`` client with
InvocationType Event, and a sender function written as the Developer Guide's sample (it decrypts
the code with the SDK and the key) whose decrypted codes confirm a sign-up, reset a password,
answer an invitation and an MFA challenge. The server sends nothing itself; no KMSKeyID, KMS down
and a failing sender get the answers docs/decisions.md describes."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.e2e.conftest import PASSWORD, serving
from tests.e2e.server import Server
from tests.e2e.triggers import arn, endpoint_serving
from tests.triggers import functions
from tests.triggers.lambda_endpoint import LambdaEndpoint


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def kms() -> Iterator[tuple[str, str]]:
    """moto's server as the KMS endpoint, and a symmetric key made there: (endpoint, key ARN)."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    saved = {name: os.environ.get(name) for name in ("AWS_ENDPOINT_URL_KMS", "SENDER_KMS_KEY_ARN",
                                                     "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ENDPOINT_URL_KMS=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    try:
        key = boto3.client("kms", region_name="us-east-1", endpoint_url=endpoint).create_key()["KeyMetadata"]["Arn"]
        os.environ["SENDER_KMS_KEY_ARN"] = key
        yield endpoint, key
    finally:
        moto.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def senders() -> Iterator[LambdaEndpoint]:
    yield from endpoint_serving(["code_sender", "failing_sender"])


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sender_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                  kms: tuple[str, str], senders: LambdaEndpoint) -> Iterator[Server]:
    yield from serving(tmp_path_factory.mktemp("senders"), request.param, "--lambda-endpoint", senders.url,
                       "--kms-endpoint", kms[0])


def sender_pool(idp: Any, key: str, function: str = "code_sender", **settings: Any) -> tuple[str, str]:
    pool_id = idp.create_user_pool(PoolName="senders", AutoVerifiedAttributes=["email"], LambdaConfig={
        "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": arn(function)},
        "CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": arn(function)}, "KMSKeyID": key},
        **settings)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=[
        "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def sent(function: str, pool_id: str, source: str, timeout: float = 10.0) -> dict[str, Any]:
    """The last event ``function`` got for ``pool_id`` and ``source`` (waiting: it runs asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [c["event"] for c in functions.calls(function)
                 if c["event"].get("userPoolId") == pool_id and c["event"].get("triggerSource") == source]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"{function} got no {source} event for {pool_id}")


def test_codes_go_encrypted_to_the_senders(sender_server: Server, kms: tuple[str, str],
                                           senders: LambdaEndpoint) -> None:
    idp = sender_server.client()
    pool_id, client_id = sender_pool(idp, kms[1])
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"]
    assert described["KMSKeyID"] == kms[1]
    assert described["CustomEmailSender"] == {"LambdaVersion": "V1_0", "LambdaArn": arn("code_sender")}
    outbox_before = len(sender_server.outbox())
    idp.sign_up(ClientId=client_id, Username="ann", Password=PASSWORD, ClientMetadata={"app": "web"},
                UserAttributes=[{"Name": "email", "Value": "ann@example.com"}])
    event = sent("code_sender", pool_id, "CustomEmailSender_SignUp")
    assert event["version"] == "1" and event["userName"] == "ann" and event["region"] == "us-east-1"
    assert event["callerContext"]["clientId"] == client_id
    assert event["request"]["type"] == "customEmailSenderRequestV1"
    assert event["request"]["clientMetadata"] == {"app": "web"}
    assert event["request"]["userAttributes"]["email"] == "ann@example.com"
    code = event["decrypted"]
    assert code.isdigit() and len(code) == 6 and code not in event["request"]["code"]
    assert any(c.headers.get("X-Amz-Invocation-Type") == "Event" for c in senders.calls_to("code_sender"))
    idp.confirm_sign_up(ClientId=client_id, Username="ann", ConfirmationCode=code)
    idp.forgot_password(ClientId=client_id, Username="ann")
    reset = sent("code_sender", pool_id, "CustomEmailSender_ForgotPassword")["decrypted"]
    idp.confirm_forgot_password(ClientId=client_id, Username="ann", ConfirmationCode=reset, Password="Another-Horse-8")
    idp.admin_create_user(UserPoolId=pool_id, Username="bob", UserAttributes=[
        {"Name": "email", "Value": "bob@example.com"}, {"Name": "email_verified", "Value": "true"}],
        DesiredDeliveryMediums=["EMAIL"])
    temporary = sent("code_sender", pool_id, "CustomEmailSender_AdminCreateUser")["decrypted"]
    challenge = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "bob", "PASSWORD": temporary})
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert len(sender_server.outbox()) == outbox_before  # the server itself sent nothing


def test_mfa_codes_go_to_the_sms_sender(sender_server: Server, kms: tuple[str, str]) -> None:
    idp = sender_server.client()
    pool_id, client_id = sender_pool(idp, kms[1], SmsConfiguration={"SnsCallerArn": "arn:aws:iam::0:role/sms"})
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                                 SmsMfaConfiguration={"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::0:role/sms"}})
    idp.admin_create_user(UserPoolId=pool_id, Username="cy", MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "phone_number", "Value": "+15555550100"}, {"Name": "phone_number_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username="cy", Password=PASSWORD, Permanent=True)
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username="cy",
                                      SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    challenge = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "cy", "PASSWORD": PASSWORD})
    assert challenge["ChallengeName"] == "SMS_MFA"
    event = sent("code_sender", pool_id, "CustomSMSSender_Authentication")
    assert event["request"]["type"] == "customSMSSenderRequestV1" and "clientMetadata" not in event["request"]
    done = idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="SMS_MFA", Session=challenge["Session"],
                                         ChallengeResponses={"USERNAME": "cy", "SMS_MFA_CODE": event["decrypted"]})
    assert done["AuthenticationResult"]["AccessToken"]


def test_refusals(sender_server: Server, kms: tuple[str, str], expect_error: Any) -> None:
    idp = sender_server.client()
    with expect_error("InvalidParameterException", match="KMSKeyID"):
        idp.create_user_pool(PoolName="no-key", LambdaConfig={
            "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": arn("code_sender")}})
    # KMS refuses (a key it does not have): the code is undeliverable, withdrawn, and said so
    unknown_key = kms[1].rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    pool_id, client_id = sender_pool(idp, unknown_key)
    with expect_error("CodeDeliveryFailureException"):
        idp.sign_up(ClientId=client_id, Username="dee", Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": "dee@example.com"}])
    # a sender that fails does not fail the call: the invocation is asynchronous
    pool_id, client_id = sender_pool(idp, kms[1], function="failing_sender")
    assert idp.sign_up(ClientId=client_id, Username="eve", Password=PASSWORD,
                       UserAttributes=[{"Name": "email", "Value": "eve@example.com"}])["UserConfirmed"] is False
    sent("failing_sender", pool_id, "CustomEmailSender_SignUp")


def test_no_encryption_sdk_no_custom_sender(tmp_path: Path) -> None:
    """A server that cannot encrypt refuses the custom senders at CreateUserPool (never sends a
    code in clear): the rule in directory/lambda_config.py, here through its own function."""
    from userpool.directory import lambda_config
    from userpool.model.errors import InvalidParameterException

    config = {"LambdaConfig": {"CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": arn("x")},
                               "KMSKeyID": "arn:aws:kms:us-east-1:000000000000:key/k"}}
    with pytest.raises(InvalidParameterException, match="AWS Encryption SDK"):
        lambda_config.check(config, can_encrypt=False)
    lambda_config.check(config, can_encrypt=True)
