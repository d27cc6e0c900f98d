"""CustomEmailSender / CustomSMSSender (issue 12 item 5), on both databases and through both
runners (boto3's ``lambda`` client against the test Lambda endpoint, and ``--lambda-function``
in the server): codes encrypted with the AWS Encryption SDK under the pool's KMSKeyID through a
KMS-compatible endpoint nobody here wrote (moto's server, ``--kms-endpoint``), the sender invoked
asynchronously, and a sender written as the Developer Guide's sample (it decrypts the code with
the SDK and the key ARN) whose decrypted codes confirm a sign-up, reset a password, verify
attributes, answer an invitation and MFA challenges. Every source's event is checked field by
field against the fields of an event Cognito sent (src/userpool/directory/custom_senders.py).
The server sends nothing itself; no KMSKeyID, KMS unreachable, a failing or slow sender get the
answers docs/decisions.md describes."""

from __future__ import annotations

import base64
import html
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD, raises_code, serving
from tests.e2e.mfa import SES, SNS
from tests.e2e.server import Server
from tests.e2e.triggers import arn, endpoint_serving, trigger_server
from tests.triggers import functions
from tests.triggers.kms import CREDENTIALS, Kms, free_port, moto_kms
from tests.triggers.lambda_endpoint import LambdaEndpoint

pytestmark = pytest.mark.e2e

ENDPOINT = ("code_sender", "failing_sender", "slow_sender", "readme_sender", "custom_message")
IN_PROCESS = {"code_sender_local": "code_sender", "failing_sender_local": "failing_sender",
              "slow_sender_local": "slow_sender"}
NO_CLIENT = "CLIENT_ID_NOT_APPLICABLE"
EVENT_FIELDS = {"version", "triggerSource", "region", "userPoolId", "userName", "callerContext", "request"}
PHONE = "+15555550123"
EMAIL_FAILURE = "Invalid email provided/Unable to send the email"
SMS_FAILURE = "Invalid phone number provided/Unable to send the message."


@pytest.fixture(scope="module")
def kms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kms]:
    """moto's KMS server and a key; the environment a sender function finds (KMS through boto3's
    AWS_ENDPOINT_URL_KMS, the key ARN in KEY_ARN, SENDER_OUTBOX where it records what it got),
    set before the servers start so that in-process senders find it too."""
    outbox = tmp_path_factory.mktemp("senders") / "sent.jsonl"
    with moto_kms() as running:
        settings = {**CREDENTIALS, "AWS_ENDPOINT_URL_KMS": running.endpoint, "KEY_ARN": running.key_arn,
                    "SENDER_OUTBOX": str(outbox)}
        saved = {name: os.environ.get(name) for name in settings}
        os.environ.update(settings)
        try:
            yield running
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LambdaEndpoint]:
    yield from endpoint_serving(ENDPOINT)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory, kms: Kms,
           endpoint: LambdaEndpoint) -> Iterator[Server]:
    yield from trigger_server(tmp_path_factory.mktemp(f"senders-{backend}"), backend, endpoint, IN_PROCESS,
                              "--kms-endpoint", kms.endpoint)


def sent(function: str, pool_id: str, source: str, count: int = 1, timeout: float = 10.0) -> dict[str, Any]:
    """The ``count``-th record of what ``function`` got for ``pool_id`` and ``source``, waiting for
    it (the sender runs asynchronously): {"function", "event", "decrypted", "encryption_context"}."""
    path = Path(os.environ["SENDER_OUTBOX"])
    deadline = time.monotonic() + timeout
    while True:
        lines = path.read_text().splitlines() if path.exists() else []
        found = [record for record in map(json.loads, lines) if record["function"] == function
                 and record["event"]["userPoolId"] == pool_id and record["event"]["triggerSource"] == source]
        if len(found) >= count:
            return found[count - 1]
        if time.monotonic() > deadline:
            raise AssertionError(f"{function} got {len(found)} {source} event(s) for {pool_id}, not {count}")
        time.sleep(0.05)


def sent_to_pool(pool_id: str) -> list[dict[str, Any]]:
    path = Path(os.environ["SENDER_OUTBOX"])
    lines = path.read_text().splitlines() if path.exists() else []
    return [record for record in map(json.loads, lines) if record["event"]["userPoolId"] == pool_id]


def sender_pool(idp: Any, key: str, email: str | None, sms: str | None, *, settings: dict[str, Any] | None = None,
                **lambdas: Any) -> str:
    """An Essentials pool (e-mail MFA) with SES and SNS settings, the senders named (functions of
    tests/triggers/functions.py) and KMSKeyID ``key``; MFA optional with SMS and e-mail codes;
    ``settings``: more CreateUserPool members, ``lambdas``: more LambdaConfig members."""
    config: dict[str, Any] = {"KMSKeyID": key, **lambdas}
    if email:
        config["CustomEmailSender"] = {"LambdaVersion": "V1_0", "LambdaArn": arn(email)}
    if sms:
        config["CustomSMSSender"] = {"LambdaVersion": "V1_0", "LambdaArn": arn(sms)}
    pool_id = str(idp.create_user_pool(
        PoolName=f"senders-{uuid.uuid4().hex[:8]}", AutoVerifiedAttributes=["email"], LambdaConfig=config,
        UserPoolTier="ESSENTIALS", EmailConfiguration=SES, SmsConfiguration=SNS, **(settings or {}))["UserPool"]["Id"])
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
        SmsMfaConfiguration={"SmsAuthenticationMessage": "Code {####}", "SmsConfiguration": SNS},
        EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Sign-in code"})
    return pool_id


def attributes_now(idp: Any, pool_id: str, username: str) -> dict[str, str]:
    """``request.userAttributes`` as it must read for the user as it is now: every attribute and
    ``cognito:user_status``."""
    user = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    return {**{a["Name"]: a["Value"] for a in user["UserAttributes"]}, "cognito:user_status": user["UserStatus"]}


def check(record: dict[str, Any], *, source: str, pool_id: str, username: str, client_id: str | None,
          metadata: dict[str, str] | None, attributes: dict[str, str]) -> str:
    """The event, field by field; returns the decrypted code."""
    event = record["event"]
    assert set(event) == EVENT_FIELDS  # no ``response``: the function answers nothing
    assert event["version"] == "1" and event["triggerSource"] == source
    assert event["region"] == "us-east-1" and event["userPoolId"] == pool_id and event["userName"] == username
    assert event["callerContext"] == {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id or NO_CLIENT}
    request = event["request"]
    assert set(request) == {"type", "code", "clientMetadata", "userAttributes"}
    email = source.startswith("CustomEmailSender_")
    assert request["type"] == ("customEmailSenderRequestV1" if email else "customSMSSenderRequestV1")
    assert request["clientMetadata"] == metadata  # null when the call had none
    assert request["userAttributes"] == attributes
    assert request["code"].startswith("AYAD") and base64.b64decode(request["code"], validate=True)
    assert record["encryption_context"]["userpool-id"] == pool_id
    secret = str(record["decrypted"])
    assert secret and secret not in request["code"]
    return secret


@pytest.mark.parametrize("sender", ["code_sender", "code_sender_local"])
def test_every_source_round_trip(idp: Any, server: Server, kms: Kms, endpoint: LambdaEndpoint, sender: str,
                                 make_client: Callable[..., dict[str, Any]], make_user: Callable[..., str]) -> None:
    pool_id = sender_pool(idp, kms.key_arn, sender, sender)
    client_id = make_client(pool_id)["ClientId"]
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"]
    assert described == {"KMSKeyID": kms.key_arn,
                         "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": arn(sender)},
                         "CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": arn(sender)}}

    # SignUp, ResendConfirmationCode
    answer = idp.sign_up(ClientId=client_id, Username="ann", Password=PASSWORD, ClientMetadata={"app": "web"},
                         UserAttributes=[{"Name": "email", "Value": "ann@example.com"}])
    assert answer["CodeDeliveryDetails"] == {"Destination": "a***@e***", "DeliveryMedium": "EMAIL",
                                             "AttributeName": "email"}
    ann = attributes_now(idp, pool_id, "ann")
    check(sent(sender, pool_id, "CustomEmailSender_SignUp"), source="CustomEmailSender_SignUp", pool_id=pool_id,
          username="ann", client_id=client_id, metadata={"app": "web"}, attributes=ann)
    idp.resend_confirmation_code(ClientId=client_id, Username="ann")
    code = check(sent(sender, pool_id, "CustomEmailSender_ResendCode"), source="CustomEmailSender_ResendCode",
                 pool_id=pool_id, username="ann", client_id=client_id, metadata=None, attributes=ann)
    idp.confirm_sign_up(ClientId=client_id, Username="ann", ConfirmationCode=code)

    # ForgotPassword, and AdminResetUserPassword (the same source, no app client)
    idp.forgot_password(ClientId=client_id, Username="ann", ClientMetadata={"why": "lost"})
    code = check(sent(sender, pool_id, "CustomEmailSender_ForgotPassword"), source="CustomEmailSender_ForgotPassword",
                 pool_id=pool_id, username="ann", client_id=client_id, metadata={"why": "lost"},
                 attributes=attributes_now(idp, pool_id, "ann"))
    idp.confirm_forgot_password(ClientId=client_id, Username="ann", ConfirmationCode=code, Password="Another-Horse-8")
    idp.admin_reset_user_password(UserPoolId=pool_id, Username="ann")
    code = check(sent(sender, pool_id, "CustomEmailSender_ForgotPassword", 2),
                 source="CustomEmailSender_ForgotPassword", pool_id=pool_id, username="ann", client_id=None,
                 metadata=None, attributes=attributes_now(idp, pool_id, "ann"))
    idp.confirm_forgot_password(ClientId=client_id, Username="ann", ConfirmationCode=code, Password=PASSWORD)

    # UpdateUserAttributes, GetUserAttributeVerificationCode (an SMS)
    access = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "ann", "PASSWORD": PASSWORD})["AuthenticationResult"]["AccessToken"]
    idp.update_user_attributes(AccessToken=access, ClientMetadata={"screen": "profile"},
                               UserAttributes=[{"Name": "email", "Value": "ann.new@example.com"}])
    code = check(sent(sender, pool_id, "CustomEmailSender_UpdateUserAttribute"),
                 source="CustomEmailSender_UpdateUserAttribute", pool_id=pool_id, username="ann",
                 client_id=client_id, metadata={"screen": "profile"}, attributes=attributes_now(idp, pool_id, "ann"))
    idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="ann",
                                     UserAttributes=[{"Name": "phone_number", "Value": PHONE}])
    idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="phone_number")
    code = check(sent(sender, pool_id, "CustomSMSSender_VerifyUserAttribute"),
                 source="CustomSMSSender_VerifyUserAttribute", pool_id=pool_id, username="ann", client_id=client_id,
                 metadata=None, attributes=attributes_now(idp, pool_id, "ann"))
    idp.verify_user_attribute(AccessToken=access, AttributeName="phone_number", Code=code)
    assert attributes_now(idp, pool_id, "ann")["phone_number_verified"] == "true"

    # AdminCreateUser by e-mail and SMS: the temporary password, HTML-escaped for e-mail only; RESEND
    temporary = "Tmp<pass>&9a"
    idp.admin_create_user(UserPoolId=pool_id, Username="bob", TemporaryPassword=temporary,
                          DesiredDeliveryMediums=["EMAIL", "SMS"], ClientMetadata={"ignored": "yes"},
                          UserAttributes=[{"Name": "email", "Value": "bob@example.com"},
                                          {"Name": "email_verified", "Value": "true"},
                                          {"Name": "phone_number", "Value": PHONE}])
    bob = attributes_now(idp, pool_id, "bob")
    by_email = check(sent(sender, pool_id, "CustomEmailSender_AdminCreateUser"),
                     source="CustomEmailSender_AdminCreateUser", pool_id=pool_id, username="bob", client_id=None,
                     metadata=None, attributes=bob)
    by_sms = check(sent(sender, pool_id, "CustomSMSSender_AdminCreateUser"), source="CustomSMSSender_AdminCreateUser",
                   pool_id=pool_id, username="bob", client_id=None, metadata=None, attributes=bob)
    assert (by_email, by_sms) == ("Tmp&lt;pass&gt;&amp;9a", temporary)
    idp.admin_create_user(UserPoolId=pool_id, Username="bob", MessageAction="RESEND", DesiredDeliveryMediums=["SMS"])
    resent = check(sent(sender, pool_id, "CustomSMSSender_AdminCreateUser", 2),
                   source="CustomSMSSender_AdminCreateUser", pool_id=pool_id, username="bob", client_id=None,
                   metadata=None, attributes=attributes_now(idp, pool_id, "bob"))
    challenge = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "bob", "PASSWORD": resent})
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"

    # MFA codes at sign-in: SMS_MFA and EMAIL_OTP (no ClientMetadata reaches a sender from InitiateAuth)
    for username, factor, settings, source, answer_key in (
            ("cy", "SMS_MFA", "SMSMfaSettings", "CustomSMSSender_Authentication", "SMS_MFA_CODE"),
            ("dee", "EMAIL_OTP", "EmailMfaSettings", "CustomEmailSender_Authentication", "EMAIL_OTP_CODE")):
        make_user(pool_id, username, email=f"{username}@example.com", email_verified="true", phone_number=PHONE,
                  phone_number_verified="true")
        idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=username,
                                          **{settings: {"Enabled": True, "PreferredMfa": True}})
        challenge = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", ClientMetadata={"a": "b"},
                                      AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
        assert challenge["ChallengeName"] == factor
        code = check(sent(sender, pool_id, source), source=source, pool_id=pool_id, username=username,
                     client_id=client_id, metadata=None, attributes=attributes_now(idp, pool_id, username))
        done = idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName=factor, Session=challenge["Session"],
                                             ChallengeResponses={"USERNAME": username, answer_key: code})
        assert done["AuthenticationResult"]["AccessToken"]

    assert [m for m in server.outbox() if m["pool_id"] == pool_id] == []  # the server itself sent nothing
    if sender == "code_sender":
        invocations = endpoint.calls_to("code_sender")
        assert invocations and all(c.headers.get("X-Amz-Invocation-Type") == "Event" for c in invocations)
    else:
        assert not [c for c in endpoint.calls_to("code_sender") if c.event["userPoolId"] == pool_id]


def test_first_factor_codes(idp: Any, server: Server, kms: Kms, make_client: Callable[..., dict[str, Any]],
                            make_user: Callable[..., str]) -> None:
    """USER_AUTH's one-time codes (EMAIL_OTP, SMS_OTP as first factors) are _Authentication too."""
    pool_id = sender_pool(idp, kms.key_arn, "code_sender", "code_sender", settings={
        "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]}}})
    client_id = make_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["ClientId"]
    make_user(pool_id, "ned", email="ned@example.com", email_verified="true", phone_number=PHONE,
              phone_number_verified="true")
    for factor, source, answer_key in (("EMAIL_OTP", "CustomEmailSender_Authentication", "EMAIL_OTP_CODE"),
                                       ("SMS_OTP", "CustomSMSSender_Authentication", "SMS_OTP_CODE")):
        challenge = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_AUTH",
                                      AuthParameters={"USERNAME": "ned", "PREFERRED_CHALLENGE": factor})
        assert challenge["ChallengeName"] == factor
        code = check(sent("code_sender", pool_id, source), source=source, pool_id=pool_id, username="ned",
                     client_id=client_id, metadata=None, attributes=attributes_now(idp, pool_id, "ned"))
        done = idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName=factor, Session=challenge["Session"],
                                             ChallengeResponses={"USERNAME": "ned", answer_key: code})
        assert done["AuthenticationResult"]["AccessToken"]
    assert [m for m in server.outbox() if m["pool_id"] == pool_id] == []


def test_custom_message_runs_only_for_the_other_medium(idp: Any, server: Server, kms: Kms,
                                                       endpoint: LambdaEndpoint) -> None:
    """An e-mail sender and CustomMessage: an invitation by e-mail goes to the sender untouched by
    CustomMessage; the one by SMS is the server's, through CustomMessage."""
    pool_id = sender_pool(idp, kms.key_arn, "code_sender", None, CustomMessage=arn("custom_message"))
    idp.admin_create_user(UserPoolId=pool_id, Username="eve", DesiredDeliveryMediums=["EMAIL", "SMS"],
                          UserAttributes=[{"Name": "email", "Value": "eve@example.com"},
                                          {"Name": "phone_number", "Value": PHONE}])
    password = sent("code_sender", pool_id, "CustomEmailSender_AdminCreateUser")["decrypted"]
    [sms] = [m for m in server.outbox() if m["pool_id"] == pool_id]
    assert sms["medium"] == "SMS" and sms["body"] == f"[CustomMessage_AdminCreateUser] code {sms['code']} for eve"
    assert [c.event["triggerSource"] for c in endpoint.calls_to("custom_message")
            if c.event["userPoolId"] == pool_id] == ["CustomMessage_AdminCreateUser"]
    assert html.unescape(password) == sms["code"]  # one temporary password, two mediums


@pytest.mark.parametrize("sender", ["slow_sender", "slow_sender_local"])
def test_the_call_does_not_wait_for_the_sender(idp: Any, server: Server, kms: Kms, sender: str,
                                               make_client: Callable[..., dict[str, Any]]) -> None:
    pool_id = sender_pool(idp, kms.key_arn, sender, sender)
    client_id = make_client(pool_id)["ClientId"]
    started = time.monotonic()
    idp.sign_up(ClientId=client_id, Username="fay", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "fay@example.com"}])
    assert time.monotonic() - started < functions.SLOW_SENDER_SECONDS / 2
    sent(sender, pool_id, "CustomEmailSender_SignUp", timeout=functions.SLOW_SENDER_SECONDS + 10)


@pytest.mark.parametrize("sender", ["failing_sender", "failing_sender_local"])
def test_a_failing_sender_does_not_fail_the_call(idp: Any, server: Server, kms: Kms, sender: str,
                                                 make_client: Callable[..., dict[str, Any]]) -> None:
    pool_id = sender_pool(idp, kms.key_arn, sender, sender)
    client_id = make_client(pool_id)["ClientId"]
    answer = idp.sign_up(ClientId=client_id, Username="gus", Password=PASSWORD,
                         UserAttributes=[{"Name": "email", "Value": "gus@example.com"}])
    assert answer["UserConfirmed"] is False and answer["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    sent(sender, pool_id, "CustomEmailSender_SignUp")
    idp.resend_confirmation_code(ClientId=client_id, Username="gus")  # and the next call too
    sent(sender, pool_id, "CustomEmailSender_ResendCode")


def test_the_readme_sender(idp: Any, server: Server, kms: Kms, make_client: Callable[..., dict[str, Any]]) -> None:
    """The README's sender, as written, delivers what confirms a sign-up and answers an invitation."""
    pool_id = sender_pool(idp, kms.key_arn, "readme_sender", "readme_sender")
    client_id = make_client(pool_id)["ClientId"]
    idp.sign_up(ClientId=client_id, Username="hal", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "hal@example.com"}])
    code = sent("readme_sender", pool_id, "CustomEmailSender_SignUp")["decrypted"]
    idp.confirm_sign_up(ClientId=client_id, Username="hal", ConfirmationCode=code)
    idp.admin_create_user(UserPoolId=pool_id, Username="ida", TemporaryPassword="Tmp<pass>&9a",
                          DesiredDeliveryMediums=["EMAIL"],
                          UserAttributes=[{"Name": "email", "Value": "ida@example.com"}])
    temporary = sent("readme_sender", pool_id, "CustomEmailSender_AdminCreateUser")["decrypted"]
    assert temporary == "Tmp<pass>&9a"  # unescaped, as the README tells a sender to
    challenge = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "ida", "PASSWORD": temporary})
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_lambda_config_refusals_and_removal(idp: Any, server: Server, kms: Kms,
                                            make_client: Callable[..., dict[str, Any]]) -> None:
    sender = {"LambdaVersion": "V1_0", "LambdaArn": arn("code_sender")}
    with raises_code("InvalidParameterException",
                     "^CustomEmailSender requires KMSKeyID: the KMS key that encrypts the codes sent to it.$"):
        idp.create_user_pool(PoolName="no-key", LambdaConfig={"CustomEmailSender": sender})
    pool_id = sender_pool(idp, kms.key_arn, "code_sender", None)
    with raises_code("InvalidParameterException", "^CustomSMSSender and CustomEmailSender require KMSKeyID: "
                                                  "the KMS key that encrypts the codes sent to them.$"):
        idp.update_user_pool(UserPoolId=pool_id, LambdaConfig={"CustomEmailSender": sender,
                                                               "CustomSMSSender": sender})
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"]["CustomEmailSender"] == sender
    # UpdateUserPool without the sender removes it: the server sends the codes again
    idp.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"], LambdaConfig={"KMSKeyID": kms.key_arn})
    client_id = make_client(pool_id)["ClientId"]
    idp.sign_up(ClientId=client_id, Username="jon", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "jon@example.com"}])
    idp.confirm_sign_up(ClientId=client_id, Username="jon", ConfirmationCode=server.last_code("jon"))
    assert sent_to_pool(pool_id) == []


def test_a_key_kms_does_not_know(idp: Any, server: Server, kms: Kms,
                                 make_client: Callable[..., dict[str, Any]]) -> None:
    """KMS refuses to encrypt: the code is undeliverable, withdrawn, and said so; nothing sent."""
    unknown = kms.key_arn.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    pool_id = sender_pool(idp, unknown, "code_sender", "code_sender")
    client_id = make_client(pool_id)["ClientId"]
    with raises_code("CodeDeliveryFailureException", f"^{EMAIL_FAILURE}$"):
        idp.sign_up(ClientId=client_id, Username="kim", Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": "kim@example.com"}])
    with raises_code("ExpiredCodeException"):  # no code stored
        idp.confirm_sign_up(ClientId=client_id, Username="kim", ConfirmationCode="123456")
    assert sent_to_pool(pool_id) == [] and [m for m in server.outbox() if m["pool_id"] == pool_id] == []


@pytest.fixture(scope="module")
def kms_down_server(backend: str, tmp_path_factory: pytest.TempPathFactory, kms: Kms,
                    endpoint: LambdaEndpoint) -> Iterator[Server]:
    """A server whose --kms-endpoint nobody answers on."""
    yield from serving(tmp_path_factory.mktemp(f"kms-down-{backend}"), backend, "--lambda-endpoint", endpoint.url,
                       "--kms-endpoint", f"http://127.0.0.1:{free_port()}")


def test_kms_unreachable(kms_down_server: Server, kms: Kms) -> None:
    """Every code KMS cannot encrypt is CodeDeliveryFailureException and leaves nothing behind:
    no reset code, no MFA challenge, no message sent by the server or handed to the sender."""
    idp = kms_down_server.client()
    pool_id = sender_pool(idp, kms.key_arn, "code_sender", "code_sender")
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=[
        "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="lee", MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "email", "Value": "lee@example.com"}, {"Name": "email_verified", "Value": "true"},
        {"Name": "phone_number", "Value": PHONE}, {"Name": "phone_number_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username="lee", Password=PASSWORD, Permanent=True)
    with raises_code("CodeDeliveryFailureException", f"^{SMS_FAILURE}$"):  # by SMS: the phone number is verified
        idp.forgot_password(ClientId=client_id, Username="lee")
    with raises_code("ExpiredCodeException"):  # no reset code stored
        idp.confirm_forgot_password(ClientId=client_id, Username="lee", ConfirmationCode="123456", Password=PASSWORD)
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username="lee",
                                      SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    with raises_code("CodeDeliveryFailureException", f"^{SMS_FAILURE}$"):
        idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "lee", "PASSWORD": PASSWORD})
    idp.admin_create_user(UserPoolId=pool_id, Username="max", MessageAction="SUPPRESS", TemporaryPassword=PASSWORD,
                          UserAttributes=[{"Name": "email", "Value": "max@example.com"}])
    with raises_code("CodeDeliveryFailureException", f"^{EMAIL_FAILURE}$"):
        idp.admin_create_user(UserPoolId=pool_id, Username="max", MessageAction="RESEND",
                              DesiredDeliveryMediums=["EMAIL"])
    challenge = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",  # the old password is back
                                  AuthParameters={"USERNAME": "max", "PASSWORD": PASSWORD})
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    time.sleep(0.3)
    assert sent_to_pool(pool_id) == [] and [m for m in kms_down_server.outbox() if m["pool_id"] == pool_id] == []
