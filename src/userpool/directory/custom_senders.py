"""The custom sender triggers, CustomEmailSender and CustomSMSSender (Developer Guide, "Custom
sender Lambda triggers"; spec §7.1, §7.3): the one place a message with a code is handed over.

``deliver`` sends a message through the server's sender, unless the pool names a custom sender
for the message's medium: then the code (or an invitation's temporary password) is encrypted with
the AWS Encryption SDK under the pool's ``KMSKeyID`` (``Runtime.code_encrypter``) and the function
is invoked asynchronously with Cognito's event — ``version`` "1", ``triggerSource``
``CustomEmailSender_<Source>`` / ``CustomSMSSender_<Source>`` (the same sources as CustomMessage:
SignUp, ResendCode, ForgotPassword, UpdateUserAttribute, VerifyUserAttribute, AdminCreateUser,
Authentication), ``request`` {``type`` "customEmailSenderRequestV1" / "customSMSSenderRequestV1",
``code`` (base64 of the encrypted message), ``clientMetadata`` when the call had it,
``userAttributes``}. The function sends the message itself; the server sends nothing. The call
does not wait for the function, and its failures are only logged (asynchronous, as in Cognito);
an encryption that fails (KMS unreachable, unknown key) is a delivery failure: the caller answers
CodeDeliveryFailureException and the code is withdrawn, as for any undelivered message.

With a custom sender for a medium, CustomMessage is not invoked for that medium: nothing of the
server's message is sent.
"""

from __future__ import annotations

import base64

from userpool.directory import custom_message, triggers
from userpool.directory.runtime import Runtime
from userpool.model.entities import Message, UserPool
from userpool.model.ports import DeliveryFailed

#: The sender trigger of each medium, and its request type.
SENDERS = {"EMAIL": ("CustomEmailSender", "customEmailSenderRequestV1"),
           "SMS": ("CustomSMSSender", "customSMSSenderRequestV1")}
_PREFIX = "CustomMessage_"


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
    if pool is None or user is None or not configured(pool, message.medium):
        rt.sender.send(message)
        return
    key_id = str((pool.config.get("LambdaConfig") or {}).get("KMSKeyID") or "")
    if rt.code_encrypter is None or not key_id:
        raise DeliveryFailed("no code encryption for the custom sender", medium=message.medium)
    encrypted = rt.code_encrypter.encrypt(key_id, (message.code or "").encode())
    name, request_type = SENDERS[message.medium]
    request: dict[str, object] = {"type": request_type, "code": base64.b64encode(encrypted).decode()}
    if call.metadata:
        request["clientMetadata"] = dict(call.metadata)
    request["userAttributes"] = triggers.user_attributes(pool, user)
    source = call.source[len(_PREFIX):] if call.source.startswith(_PREFIX) else call.source
    event = triggers.event(rt, pool, f"{name}_{source}", user.username, call.client_id, request, {})
    arn = triggers.function_arn(pool, name)
    assert arn is not None
    triggers.invoked.set(True)
    rt.triggers.invoke_event(arn, event)
