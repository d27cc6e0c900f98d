"""The custom sender triggers, CustomEmailSender and CustomSMSSender (Developer Guide, "Custom
sender Lambda triggers"; spec §7.1, §7.3): the one place a message with a code is handed over.

``deliver`` sends a message through the server's sender, unless the pool names a custom sender
for the message's medium: then the code (or an invitation's temporary password) is encrypted with
the AWS Encryption SDK under the pool's ``KMSKeyID`` (``Runtime.code_encrypter``) and the function
is invoked asynchronously with Cognito's event — ``version`` "1", ``triggerSource``
``CustomEmailSender_<Source>`` / ``CustomSMSSender_<Source>`` (the same sources as CustomMessage:
SignUp, ResendCode, ForgotPassword, UpdateUserAttribute, VerifyUserAttribute, AdminCreateUser,
Authentication), ``region``, ``userPoolId``, ``userName``, ``callerContext``, and ``request``
{``type`` "customEmailSenderRequestV1" / "customSMSSenderRequestV1", ``code`` (base64 of the
encrypted message), ``clientMetadata`` (null when the call had none), ``userAttributes``}; no
``response`` (the function answers nothing). These are the fields of an event Cognito sent to a
real sender (docs/decisions.md, "Custom senders"). A temporary password handed to the e-mail
sender is HTML-escaped first, as the Guide says Cognito does ("Things to know about custom sender
Lambda triggers"); codes are digits.

The function sends the message itself; the server sends nothing. The call does not wait for the
function, and its failures are only logged (asynchronous, as in Cognito); an encryption that
fails (KMS unreachable, unknown key) is a delivery failure: the caller answers
CodeDeliveryFailureException and the code is withdrawn, as for any undelivered message.

With a custom sender for a medium, CustomMessage is not invoked for that medium: nothing of the
server's message is sent.
"""

from __future__ import annotations

import base64
import html

from userpool.directory import custom_message, triggers
from userpool.directory.runtime import Runtime
from userpool.model.entities import Message, UserPool
from userpool.model.ports import DeliveryFailed

#: The sender trigger of each medium, and its request type.
SENDERS = {"EMAIL": ("CustomEmailSender", "customEmailSenderRequestV1"),
           "SMS": ("CustomSMSSender", "customSMSSenderRequestV1")}
_PREFIX = "CustomMessage_"
#: ``Message.purpose`` of an invitation, whose "code" is the temporary password.
INVITATION = "ADMIN_CREATE_USER"


def configured(pool: UserPool, medium: str) -> bool:
    """Whether the pool names a custom sender for ``medium`` (EMAIL or SMS)."""
    sender = SENDERS.get(medium)
    return sender is not None and triggers.function_arn(pool, sender[0]) is not None


def deliver(rt: Runtime, message: Message, call: custom_message.Call | None) -> None:
    """Sends ``message``: the pool's custom sender when it has one for the medium (``call``: the
    call that sends it, as CustomMessage names it), else the server's sender. Raises
    ``DeliveryFailed`` when it cannot be handed over."""
    if call is None:
        rt.sender.send(message)
        return
    with rt.store.read() as tx:
        pool = tx.get_pool(message.pool_id)
        user = tx.get_user(message.pool_id, message.username) if pool is not None else None
    if pool is None or not configured(pool, message.medium):
        rt.sender.send(message)
        return
    if user is None:  # deleted since the code was stored: nobody to send it to
        raise DeliveryFailed("the user no longer exists", medium=message.medium)
    key_id = str((pool.config.get("LambdaConfig") or {}).get("KMSKeyID") or "")
    if rt.code_encrypter is None or not key_id:
        raise DeliveryFailed("no code encryption for the custom sender", medium=message.medium)
    secret = message.code or ""
    if message.medium == "EMAIL" and message.purpose == INVITATION:
        secret = html.escape(secret)
    encrypted = rt.code_encrypter.encrypt(key_id, secret.encode(), {"userpool-id": pool.id})
    name, request_type = SENDERS[message.medium]
    request = {"type": request_type, "code": base64.b64encode(encrypted).decode(),
               "clientMetadata": dict(call.metadata) if call.metadata else None,
               "userAttributes": triggers.user_attributes(pool, user)}
    source = call.source.removeprefix(_PREFIX)
    event = triggers.event(rt, pool, f"{name}_{source}", user.username, call.client_id, request, {})
    del event["response"]
    arn = triggers.function_arn(pool, name)
    assert arn is not None
    triggers.invoked.set(True)
    rt.triggers.invoke_event(arn, event)
