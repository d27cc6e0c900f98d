"""The SES and SNS senders through boto3 against a real HTTP endpoint that speaks enough of the
AWS wire to check what arrives: SES v2 ``SendEmail`` (REST-JSON ``POST
/v2/email/outbound-emails``) and SNS ``Publish`` (query protocol), SigV4-signed for the right
service and region; AWS errors become DeliveryFailed with the AWS error code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest

from tests.delivery.receivers import HttpReceiver, http_receiver
from userpool.delivery.aws import SesSender, SnsSender
from userpool.model.entities import Message
from userpool.model.ports import DeliveryFailed

pytest.importorskip("boto3")

_PUBLISHED = (b'<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>'
              b"<MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId>"
              b"</ResponseMetadata></PublishResponse>")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpReceiver]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDDELIVERYTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "delivery-test-secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield from http_receiver()


def _message(medium: str, **fields: object) -> Message:
    values: dict[str, object] = {
        "pool_id": "eu-west-1_Pool", "username": "ann", "medium": medium,
        "destination": "ann@example.com" if medium == "EMAIL" else "+447700900123", "purpose": "FORGOT_PASSWORD",
        "body": "Your code is 111222", "subject": "Reset" if medium == "EMAIL" else None, "code": "111222",
    }
    values.update(fields)
    return Message(**values)  # type: ignore[arg-type]


def _credential_scope(authorization: str) -> list[str]:
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDDELIVERYTEST/"), authorization
    return authorization.split("Credential=")[1].split(",")[0].split("/")


def test_ses_send_email(aws: HttpReceiver) -> None:
    aws.default = (200, {}, b'{"MessageId": "ses-1"}')
    sender = SesSender(default_from="no-reply@server.example", region="eu-west-1", endpoint_url=aws.url,
                       configuration_set="codes")
    sender.send(_message("EMAIL", email_from="App <app@app.example>", reply_to="help@app.example"))
    sender.send(_message("EMAIL", body="<p>Code <b>111222</b></p>", html=True, text="Code 111222"))
    first, second = aws.hits
    assert first.path == "/v2/email/outbound-emails"
    assert _credential_scope(first.headers["authorization"])[2:4] == ["eu-west-1", "ses"]
    assert json.loads(first.body) == {
        "FromEmailAddress": "App <app@app.example>",
        "Destination": {"ToAddresses": ["ann@example.com"]},
        "ReplyToAddresses": ["help@app.example"],
        "ConfigurationSetName": "codes",
        "Content": {"Simple": {"Subject": {"Data": "Reset", "Charset": "UTF-8"},
                               "Body": {"Text": {"Data": "Your code is 111222", "Charset": "UTF-8"}}}},
    }
    body = json.loads(second.body)
    assert body["FromEmailAddress"] == "no-reply@server.example" and "ReplyToAddresses" not in body
    assert body["Content"]["Simple"]["Body"] == {
        "Text": {"Data": "Code 111222", "Charset": "UTF-8"},
        "Html": {"Data": "<p>Code <b>111222</b></p>", "Charset": "UTF-8"},
    }


def test_ses_error_is_delivery_failed(aws: HttpReceiver) -> None:
    aws.default = (400, {"x-amzn-ErrorType": "MessageRejected"},
                   b'{"message": "Email address is not verified."}')
    sender = SesSender(default_from="no-reply@server.example", region="eu-west-1", endpoint_url=aws.url)
    with pytest.raises(DeliveryFailed) as info:
        sender.send(_message("EMAIL"))
    assert info.value.medium == "EMAIL" and info.value.reason == "SES: MessageRejected"


def test_sns_publish(aws: HttpReceiver) -> None:
    aws.default = (200, {"Content-Type": "text/xml"}, _PUBLISHED)
    SnsSender(region="eu-west-1", endpoint_url=aws.url, sender_id="APP").send(_message("SMS"))
    (hit,) = aws.hits
    assert _credential_scope(hit.headers["authorization"])[2:4] == ["eu-west-1", "sns"]
    form = {k: v[0] for k, v in parse_qs(hit.body.decode()).items()}
    assert form["Action"] == "Publish" and form["PhoneNumber"] == "+447700900123"
    assert form["Message"] == "Your code is 111222"
    attributes = {form[f"MessageAttributes.entry.{i}.Name"]: form[f"MessageAttributes.entry.{i}.Value.StringValue"]
                  for i in (1, 2)}
    assert attributes == {"AWS.SNS.SMS.SMSType": "Transactional", "AWS.SNS.SMS.SenderID": "APP"}


def test_sns_error_is_delivery_failed(aws: HttpReceiver) -> None:
    aws.default = (400, {"Content-Type": "text/xml"},
                   b"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code>"
                   b"<Message>Invalid parameter: PhoneNumber</Message></Error><RequestId>r</RequestId></ErrorResponse>")
    with pytest.raises(DeliveryFailed) as info:
        SnsSender(region="eu-west-1", endpoint_url=aws.url).send(_message("SMS"))
    assert info.value.medium == "SMS" and info.value.reason == "SNS: InvalidParameter"


def test_unreachable_endpoint_is_delivery_failed(aws: HttpReceiver) -> None:
    aws.stop()
    with pytest.raises(DeliveryFailed, match="SNS: EndpointConnectionError"):
        SnsSender(region="eu-west-1", endpoint_url=aws.url, timeout=1).send(_message("SMS"))
