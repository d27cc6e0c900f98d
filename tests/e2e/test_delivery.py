"""Real delivery through a running server (issue 11 item 4), on both databases: e-mail over SMTP
to a real SMTP server (aiosmtpd) with the pool's From / Reply-To and HTML templates escaped,
SMS through the signed webhook to a real HTTP listener (retried after a 500), and receivers
that stay down: CodeDeliveryFailureException within the time budget, no code left behind, the
hourly limit untouched, no code in the server's log; SES and SNS through boto3 in the server to
listeners speaking enough of the AWS wire."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.delivery.receivers import HttpReceiver, SmtpReceiver
from tests.e2e.conftest import PASSWORD, raises_code, serving
from tests.e2e.server import Server
from userpool.delivery.webhook import MESSAGE_ID_HEADER, SIGNATURE_HEADER, verify_signature

pytestmark = pytest.mark.e2e

SECRET = "whsec-e2e-" + uuid.uuid4().hex
MAX_TIME = 1.0
EMAIL_FAILED = "Invalid email provided/Unable to send the email"
SMS_FAILED = "Invalid phone number provided/Unable to send the message."
NO_CODE = "Invalid code provided, please request a code again."
LIMIT = "Attempt limit exceeded, please try after some time."
CODE = re.compile(r"\b(\d{6})\b")


@dataclass
class Delivery:
    server: Server
    smtp: SmtpReceiver
    hook: HttpReceiver


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def delivery(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Delivery]:
    data_dir = tmp_path_factory.mktemp(f"delivery-{request.param}")
    secret_file = data_dir / "webhook-secret"
    secret_file.write_text(SECRET + "\n")
    smtp = SmtpReceiver().start()
    hook = HttpReceiver().start()
    try:
        yield from (Delivery(server, smtp, hook) for server in serving(
            data_dir / "server", request.param,
            "--email-delivery", "smtp", "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp.port),
            "--smtp-security", "none", "--smtp-timeout", "5",
            "--sms-delivery", "webhook", "--webhook-url", f"{hook.url}/sms", "--webhook-secret-file",
            str(secret_file), "--webhook-timeout", "0.5", "--webhook-max-time", str(MAX_TIME),
        ))
    finally:
        smtp.stop()
        hook.stop()


@pytest.fixture(scope="module")
def server(delivery: Delivery) -> Server:
    """The conftest fixtures (idp, make_pool ...) drive this module's server."""
    return delivery.server


@pytest.fixture(autouse=True)
def _receivers_up(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test on the shared receivers, they work again."""
    yield
    if "delivery" not in request.fixturenames:
        return
    delivery: Delivery = request.getfixturevalue("delivery")
    delivery.smtp.handler.refuse_with = None
    delivery.hook.script = []
    if delivery.hook._server is None:
        delivery.hook.start()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _code_in(text: str) -> str:
    match = CODE.search(text)
    assert match is not None, text
    return match.group(1)


def _sms_hits(hook: HttpReceiver, phone: str) -> list[Any]:
    return [hit for hit in hook.hits if json.loads(hit.body)["destination"] == phone]


def test_sign_up_mail_arrives_from_the_pool_and_confirms(
    idp: Any, delivery: Delivery, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["email"], EmailConfiguration={
        "EmailSendingAccount": "DEVELOPER", "From": "Example App <no-reply@app.example>",
        "ReplyToEmailAddress": "help@app.example",
        "SourceArn": "arn:aws:ses:us-east-1:000000000000:identity/app.example"})
    client_id = make_client(pool_id)["ClientId"]
    name, address = unique("amy"), f"{unique('amy')}@example.com"
    idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": address}])
    mail = delivery.smtp.wait_for(address)
    assert mail.mail_from == "no-reply@app.example"
    assert mail.message["From"] == "Example App <no-reply@app.example>"
    assert mail.message["Reply-To"] == "help@app.example"
    assert mail.message["Subject"] == "Your verification code"
    idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=_code_in(mail.part("plain")))
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"] == "CONFIRMED"
    assert all(m["destination"] != address for m in delivery.server.outbox())  # not the dev outbox


def test_forgot_password_mail_resets_the_password(
    idp: Any, delivery: Delivery, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
    make_user: Callable[..., str],
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    name, address = unique("fay"), f"{unique('fay')}@example.com"
    make_user(pool_id, name, email=address, email_verified="true")
    idp.forgot_password(ClientId=client["ClientId"], Username=name)
    mail = delivery.smtp.wait_for(address)
    assert mail.message["From"] == "no-reply@verificationemail.com"  # no EmailConfiguration.From
    assert mail.message["Reply-To"] is None
    idp.confirm_forgot_password(ClientId=client["ClientId"], Username=name,
                                ConfirmationCode=_code_in(mail.part("plain")), Password="Brand-New-Pass-7")
    out = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                            AuthParameters={"USERNAME": name, "PASSWORD": "Brand-New-Pass-7"})
    assert "AccessToken" in out["AuthenticationResult"]


def test_html_invitation_escapes_the_temporary_password(
    idp: Any, delivery: Delivery, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    template = ("<html><body><p>Welcome {username}!</p>"
                "<p>Your temporary password: <code>{####}</code></p></body></html>")
    pool_id = make_pool(AdminCreateUserConfig={"InviteMessageTemplate": {
        "EmailMessage": template, "EmailSubject": "Welcome aboard", "SMSMessage": "{username} {####}"}})
    client = make_client(pool_id)
    name, address = unique("ivy"), f"{unique('ivy')}@example.com"
    temporary = "Tmp1<b>&\"'x</b>"
    idp.admin_create_user(UserPoolId=pool_id, Username=name, TemporaryPassword=temporary,
                          DesiredDeliveryMediums=["EMAIL"], UserAttributes=[{"Name": "email", "Value": address}])
    mail = delivery.smtp.wait_for(address)
    assert mail.message.get_content_type() == "multipart/alternative"
    html = mail.part("html")
    assert "<code>Tmp1&lt;b&gt;&amp;&quot;&#x27;x&lt;/b&gt;</code>" in html and temporary not in html
    assert temporary in mail.part("plain")
    out = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                            AuthParameters={"USERNAME": name, "PASSWORD": temporary})
    assert out["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_sms_through_the_signed_webhook_after_a_500(
    idp: Any, delivery: Delivery, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["phone_number"])
    client_id = make_client(pool_id)["ClientId"]
    name, phone = unique("sam"), f"+1555{uuid.uuid4().int % 10_000_000:07d}"
    delivery.hook.answer(500)
    out = idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD,
                      UserAttributes=[{"Name": "phone_number", "Value": phone}])
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "SMS"
    first, second = _sms_hits(delivery.hook, phone)
    assert first.path == second.path == "/sms"
    assert first.headers[MESSAGE_ID_HEADER.lower()] == second.headers[MESSAGE_ID_HEADER.lower()]
    assert verify_signature(SECRET.encode(), second.headers[SIGNATURE_HEADER.lower()], second.body, time.time())
    assert not verify_signature(b"not-the-secret", second.headers[SIGNATURE_HEADER.lower()], second.body,
                                time.time())
    document = json.loads(second.body)
    assert (document["medium"], document["purpose"], document["poolId"]) == ("SMS", "SIGN_UP", pool_id)
    idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=_code_in(document["body"]))
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"] == "CONFIRMED"


def test_a_webhook_that_stays_down(
    idp: Any, delivery: Delivery, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["phone_number"])
    client_id = make_client(pool_id)["ClientId"]
    name, phone = unique("dan"), f"+1555{uuid.uuid4().int % 10_000_000:07d}"
    delivery.hook.stop()
    started = time.monotonic()
    with raises_code("CodeDeliveryFailureException", re.escape(SMS_FAILED)):
        idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD,
                    UserAttributes=[{"Name": "phone_number", "Value": phone}])
    assert MAX_TIME * 0.5 <= time.monotonic() - started <= MAX_TIME + 2.0  # retried, within the budget
    # The user stays, unconfirmed, without any code: whatever code is tried, none is valid.
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"] == "UNCONFIRMED"
    for guess in ("000000", "123456"):
        with raises_code("ExpiredCodeException", re.escape(NO_CODE)):
            idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=guess)
    # Undelivered resends are not counted: more than the hourly five fail, then five succeed.
    for _ in range(6):
        with raises_code("CodeDeliveryFailureException", re.escape(SMS_FAILED)):
            idp.resend_confirmation_code(ClientId=client_id, Username=name)
    delivery.hook.start()
    for _ in range(5):
        idp.resend_confirmation_code(ClientId=client_id, Username=name)
    with raises_code("LimitExceededException", re.escape(LIMIT)):
        idp.resend_confirmation_code(ClientId=client_id, Username=name)
    last = json.loads(_sms_hits(delivery.hook, phone)[-1].body)
    idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=_code_in(last["body"]))
    log = delivery.server.log()
    assert "message not delivered" in log and "SIGN_UP" in log
    assert last["body"] not in log and _code_in(last["body"]) not in log


def test_an_smtp_server_that_refuses(
    idp: Any, delivery: Delivery, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
    make_user: Callable[..., str],
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    name, address = unique("ray"), f"{unique('ray')}@example.com"
    make_user(pool_id, name, email=address, email_verified="true")
    delivery.smtp.handler.refuse_with = "451 4.3.0 Mailbox temporarily unavailable"
    for _ in range(6):  # more than ForgotPassword's hourly five: none is counted
        with raises_code("CodeDeliveryFailureException", re.escape(EMAIL_FAILED)):
            idp.forgot_password(ClientId=client["ClientId"], Username=name)
    with raises_code("ExpiredCodeException", re.escape(NO_CODE)):
        idp.confirm_forgot_password(ClientId=client["ClientId"], Username=name, ConfirmationCode="123456",
                                    Password="Brand-New-Pass-7")
    delivery.smtp.handler.refuse_with = None
    idp.forgot_password(ClientId=client["ClientId"], Username=name)
    code = _code_in(delivery.smtp.wait_for(address).part("plain"))
    idp.confirm_forgot_password(ClientId=client["ClientId"], Username=name, ConfirmationCode=code,
                                Password="Brand-New-Pass-7")
    assert code not in delivery.server.log()


def test_outbox_stays_the_default(tmp_path: Path) -> None:
    for running in serving(tmp_path, "sqlite"):
        assert "delivery: e-mail -> outbox; SMS -> outbox" in running.log()
        idp = running.client()
        pool_id = idp.create_user_pool(PoolName="p", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c")["UserPoolClient"]["ClientId"]
        idp.sign_up(ClientId=client_id, Username="olga", Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": "olga@example.com"}])
        assert running.last_code("olga", "SIGN_UP").isdigit()


def test_attribute_verification_sms_with_the_webhook_down(
    idp: Any, delivery: Delivery, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
    make_user: Callable[..., str],
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    name, phone = unique("pat"), f"+1555{uuid.uuid4().int % 10_000_000:07d}"
    make_user(pool_id, name, phone_number=phone)
    access = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": name, "PASSWORD": PASSWORD})["AuthenticationResult"]["AccessToken"]
    delivery.hook.stop()
    for _ in range(6):  # GetUserAttributeVerificationCode allows five an hour: none of these counts
        with raises_code("CodeDeliveryFailureException", re.escape(SMS_FAILED)):
            idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="phone_number")
    with raises_code("ExpiredCodeException", re.escape(NO_CODE)):
        idp.verify_user_attribute(AccessToken=access, AttributeName="phone_number", Code="123456")
    delivery.hook.start()
    for _ in range(5):
        idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="phone_number")
    with raises_code("LimitExceededException", re.escape(LIMIT)):
        idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="phone_number")
    code = _code_in(json.loads(_sms_hits(delivery.hook, phone)[-1].body)["body"])
    idp.verify_user_attribute(AccessToken=access, AttributeName="phone_number", Code=code)
    user = idp.admin_get_user(UserPoolId=pool_id, Username=name)
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["phone_number_verified"] == "true"


def test_a_failed_resend_invitation_keeps_the_delivered_password(
    idp: Any, delivery: Delivery, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    name, address = unique("kit"), f"{unique('kit')}@example.com"
    idp.admin_create_user(UserPoolId=pool_id, Username=name, DesiredDeliveryMediums=["EMAIL"],
                          UserAttributes=[{"Name": "email", "Value": address}])
    invitation = re.search(r"temporary password is (\S+)\. \s*$", delivery.smtp.wait_for(address).part("plain"))
    assert invitation is not None
    delivered = invitation.group(1)
    delivery.smtp.handler.refuse_with = "554 5.7.1 Rejected"
    with raises_code("CodeDeliveryFailureException", re.escape(EMAIL_FAILED)):
        idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="RESEND",
                              DesiredDeliveryMediums=["EMAIL"])
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    out = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                            AuthParameters={"USERNAME": name, "PASSWORD": delivered})
    assert out["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


_PUBLISHED = (b'<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>'
              b"<MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId>"
              b"</ResponseMetadata></PublishResponse>")


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_ses_and_sns_through_the_server(tmp_path: Path, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """SES v2 and SNS requests (boto3 in the server) to listeners speaking enough of the AWS wire."""
    pytest.importorskip("boto3")
    from urllib.parse import parse_qs

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDDELIVERYE2E")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "delivery-e2e-secret")
    ses, sns = HttpReceiver().start(), HttpReceiver().start()
    ses.default = (200, {}, b'{"MessageId": "ses-1"}')
    sns.default = (200, {"Content-Type": "text/xml"}, _PUBLISHED)
    try:
        for running in serving(tmp_path, backend, "--email-delivery", "ses", "--ses-region", "eu-west-1",
                               "--ses-endpoint-url", ses.url, "--sms-delivery", "sns", "--sns-region", "eu-west-1",
                               "--sns-endpoint-url", sns.url):
            idp = running.client()
            pool_id = idp.create_user_pool(PoolName="aws", AutoVerifiedAttributes=["email"], EmailConfiguration={
                "EmailSendingAccount": "DEVELOPER", "From": "no-reply@app.example",
                "SourceArn": "arn:aws:ses:eu-west-1:000000000000:identity/app.example"})["UserPool"]["Id"]
            client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c")["UserPoolClient"]["ClientId"]
            idp.sign_up(ClientId=client_id, Username="eve", Password=PASSWORD,
                        UserAttributes=[{"Name": "email", "Value": "eve@example.com"}])
            (hit,) = ses.hits
            assert hit.path == "/v2/email/outbound-emails" and "/eu-west-1/ses/" in hit.headers["authorization"]
            request = json.loads(hit.body)
            assert request["FromEmailAddress"] == "no-reply@app.example"
            assert request["Destination"] == {"ToAddresses": ["eve@example.com"]}
            text = request["Content"]["Simple"]["Body"]["Text"]["Data"]
            idp.confirm_sign_up(ClientId=client_id, Username="eve", ConfirmationCode=_code_in(text))

            idp.admin_create_user(UserPoolId=pool_id, Username="sid", DesiredDeliveryMediums=["SMS"],
                                  UserAttributes=[{"Name": "phone_number", "Value": "+447700900123"}])
            (hit,) = sns.hits
            form = {k: v[0] for k, v in parse_qs(hit.body.decode()).items()}
            assert (form["Action"], form["PhoneNumber"]) == ("Publish", "+447700900123")
            assert "/eu-west-1/sns/" in hit.headers["authorization"] and "sid" in form["Message"]

            ses.default = (400, {"x-amzn-ErrorType": "MessageRejected"}, b'{"message": "not verified"}')
            with raises_code("CodeDeliveryFailureException", re.escape(EMAIL_FAILED)):
                idp.sign_up(ClientId=client_id, Username="ned", Password=PASSWORD,
                            UserAttributes=[{"Name": "email", "Value": "ned@example.com"}])
            assert "SES: MessageRejected" in running.log()
    finally:
        ses.stop()
        sns.stop()


def _mfa_pool(idp: Any, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]]) -> tuple[str, str]:
    """A pool offering SMS and e-mail MFA (OPTIONAL), its client allowing the admin password flow."""
    pool_id = make_pool(EmailConfiguration={"EmailSendingAccount": "DEVELOPER", "From": "Sign-in <auth@app.example>",
                                            "SourceArn": "arn:aws:ses:us-east-1:000000000000:identity/app.example"})
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
        SmsMfaConfiguration={"SmsAuthenticationMessage": "Your sign-in code is {####}",
                             "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::000000000000:role/sms",
                                                  "ExternalId": "userpool"}},
        EmailMfaConfiguration={"Message": "Sign-in code: {####}", "Subject": "Your sign-in code"})
    return pool_id, make_client(pool_id)["ClientId"]


def _mfa_user(idp: Any, pool_id: str, make_user: Callable[..., str], **settings: Any) -> tuple[str, str, str]:
    name, address = unique("mia"), f"{unique('mia')}@example.com"
    phone = f"+1555{uuid.uuid4().int % 10_000_000:07d}"
    make_user(pool_id, name, email=address, email_verified="true", phone_number=phone)
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=name, **settings)
    return name, address, phone


def _sign_in(idp: Any, pool_id: str, client_id: str, name: str) -> dict[str, Any]:
    return dict(idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                        AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD}))


def test_email_mfa_code_arrives_over_smtp_and_signs_in(
    idp: Any, delivery: Delivery, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
    make_user: Callable[..., str],
) -> None:
    pool_id, client_id = _mfa_pool(idp, make_pool, make_client)
    name, address, _ = _mfa_user(idp, pool_id, make_user, EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    challenge = _sign_in(idp, pool_id, client_id, name)
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    mail = delivery.smtp.wait_for(address)
    assert mail.message["Subject"] == "Your sign-in code"
    assert mail.message["From"] == "Sign-in <auth@app.example>"
    code = _code_in(mail.part("plain"))
    wrong = "000000" if code != "000000" else "111111"
    with raises_code("CodeMismatchException", "^Invalid code or auth state for the user.$"):
        idp.admin_respond_to_auth_challenge(UserPoolId=pool_id, ClientId=client_id, ChallengeName="EMAIL_OTP",
                                            Session=challenge["Session"],
                                            ChallengeResponses={"USERNAME": name, "EMAIL_OTP_CODE": wrong})
    done = idp.admin_respond_to_auth_challenge(UserPoolId=pool_id, ClientId=client_id, ChallengeName="EMAIL_OTP",
                                               Session=challenge["Session"],
                                               ChallengeResponses={"USERNAME": name, "EMAIL_OTP_CODE": code})
    assert "AccessToken" in done["AuthenticationResult"]
    assert code not in delivery.server.log()


def test_sms_mfa_code_goes_through_the_signed_webhook_and_a_dead_gateway_spends_nothing(
    idp: Any, delivery: Delivery, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
    make_user: Callable[..., str],
) -> None:
    pool_id, client_id = _mfa_pool(idp, make_pool, make_client)
    name, _, phone = _mfa_user(idp, pool_id, make_user, SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    delivery.hook.stop()
    for _ in range(11):  # more than the hourly allowance of MFA codes: undelivered ones do not count
        with raises_code("CodeDeliveryFailureException", re.escape(SMS_FAILED)):
            _sign_in(idp, pool_id, client_id, name)
    delivery.hook.start()
    challenge = _sign_in(idp, pool_id, client_id, name)
    assert challenge["ChallengeName"] == "SMS_MFA"
    [hit] = _sms_hits(delivery.hook, phone)
    assert verify_signature(SECRET.encode(), hit.headers[SIGNATURE_HEADER.lower()], hit.body, time.time())
    document = json.loads(hit.body)
    assert document["medium"] == "SMS" and document["body"].startswith("Your sign-in code is ")
    done = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id, ClientId=client_id, ChallengeName="SMS_MFA", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": name, "SMS_MFA_CODE": _code_in(document["body"])})
    assert "AccessToken" in done["AuthenticationResult"]
    listed = idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserAttributes"]
    assert {a["Name"]: a["Value"] for a in listed}["phone_number_verified"] == "true"  # the code verified it
