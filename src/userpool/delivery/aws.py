"""Amazon SES (API v2 ``SendEmail``) for e-mail and Amazon SNS (``Publish`` to a phone number)
for SMS, through boto3 — the optional extra ``pip install 'userpool[aws]'``.

boto3 is imported when one of these senders is built, never otherwise; ``require_boto3`` lets
the server refuse to start, with the command to run, when it is chosen but missing.
Credentials and region come from boto3's usual chain (environment, shared config, instance or
task role) unless a region is given. ``From`` is the pool's ``EmailConfiguration.From`` (an SES
verified identity) or the server's default sender; ``Reply-To`` the pool's
``ReplyToEmailAddress``. SMS go as ``Transactional``, as Cognito sends codes. Errors become
``DeliveryFailed`` with the AWS error code only.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from userpool.model.entities import Message
from userpool.model.ports import DeliveryFailed

INSTALL_HINT = "pip install 'userpool[aws]'"


def require_boto3(what: str) -> None:
    """Raises RuntimeError naming the fix when boto3 is not installed."""
    if importlib.util.find_spec("boto3") is None:
        raise RuntimeError(f"{what} needs boto3, which is not installed: {INSTALL_HINT}")


def _client(service: str, what: str, region: str | None, endpoint_url: str | None, timeout: float) -> Any:
    require_boto3(what)
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"mode": "standard", "max_attempts": 3})
    return boto3.session.Session().client(service, region_name=region, endpoint_url=endpoint_url, config=config)


def _failed(medium: str, service: str, error: Exception) -> DeliveryFailed:
    code = getattr(error, "response", {}).get("Error", {}).get("Code") if hasattr(error, "response") else None
    return DeliveryFailed(f"{service}: {code or type(error).__name__}", medium=medium)


class SesSender:
    """Implements ``MessageSender`` for EMAIL through Amazon SES v2 ``SendEmail``."""

    def __init__(self, *, default_from: str, region: str | None = None, endpoint_url: str | None = None,
                 configuration_set: str | None = None, timeout: float = 10.0) -> None:
        self.default_from = default_from
        self.configuration_set = configuration_set
        self._client = _client("sesv2", "--email-delivery ses", region, endpoint_url, timeout)

    def request(self, message: Message) -> dict[str, Any]:
        """The ``SendEmail`` parameters for ``message``."""
        body: dict[str, Any] = {"Text": {"Data": message.text if message.html else message.body, "Charset": "UTF-8"}}
        if message.html:
            body["Html"] = {"Data": message.body, "Charset": "UTF-8"}
        params: dict[str, Any] = {
            "FromEmailAddress": message.email_from or self.default_from,
            "Destination": {"ToAddresses": [message.destination]},
            "Content": {"Simple": {"Subject": {"Data": message.subject or "", "Charset": "UTF-8"}, "Body": body}},
        }
        if message.reply_to:
            params["ReplyToAddresses"] = [message.reply_to]
        if self.configuration_set:
            params["ConfigurationSetName"] = self.configuration_set
        return params

    def send(self, message: Message) -> None:
        try:
            self._client.send_email(**self.request(message))
        except Exception as error:  # botocore's ClientError / BotoCoreError and the like
            raise _failed("EMAIL", "SES", error) from None


class SnsSender:
    """Implements ``MessageSender`` for SMS through Amazon SNS ``Publish`` with ``PhoneNumber``."""

    def __init__(self, *, region: str | None = None, endpoint_url: str | None = None,
                 sender_id: str | None = None, timeout: float = 10.0) -> None:
        self.sender_id = sender_id
        self._client = _client("sns", "--sms-delivery sns", region, endpoint_url, timeout)

    def request(self, message: Message) -> dict[str, Any]:
        """The ``Publish`` parameters for ``message``."""
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if self.sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": self.sender_id}
        return {"PhoneNumber": message.destination, "Message": message.body, "MessageAttributes": attributes}

    def send(self, message: Message) -> None:
        try:
            self._client.publish(**self.request(message))
        except Exception as error:  # botocore's ClientError / BotoCoreError and the like
            raise _failed("SMS", "SNS", error) from None
