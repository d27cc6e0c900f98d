"""The CustomMessage trigger (spec §7.3, §7.4, §11.7): the pool's function may rewrite every
message that carries a code before it is sent.

The function sees ``codeParameter`` "{####}" (never the code), and for an invitation
``usernameParameter`` "{username}" and ``linkParameter`` "{##Click Here##}"; ``clientMetadata``
only when the call had ClientMetadata. Its ``smsMessage`` / ``emailMessage`` / ``emailSubject``
start null; a non-null one replaces the pool's template for its medium. The message for the
medium sent must keep the code placeholder (and an invitation the username placeholder), else
``InvalidLambdaResponseException``. The chosen template is then rendered by
``messages.render``, the one place rendering happens, after the function has answered: the
function runs outside every database transaction (``codes.Outbox.flush``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from userpool.directory import triggers
from userpool.directory.runtime import Runtime
from userpool.model.entities import User, UserPool
from userpool.model.errors import InvalidLambdaResponseException

CODE_PARAMETER = "{####}"
USERNAME_PARAMETER = "{username}"
LINK_PARAMETER = "{##Click Here##}"
INVITATION = "CustomMessage_AdminCreateUser"


@dataclass(frozen=True)
class Call:
    """Which call sends the message: ``source`` (``CustomMessage_SignUp``, ...), the app client
    (None for admin calls) and the call's ClientMetadata (None when it had none)."""

    source: str
    client_id: str | None = None
    metadata: Mapping[str, str] | None = None


def configured(pool: UserPool) -> bool:
    """Whether the pool names a CustomMessage function."""
    return triggers.function_arn(pool, "CustomMessage") is not None


def template(rt: Runtime, pool: UserPool, user: User, call: Call, medium: str,
             text: tuple[str, str | None]) -> tuple[str, str | None]:
    """The (body, subject) to render for ``medium``: the function's answer where it gave one,
    else the pool's ``text``. Raises Cognito's trigger errors (``triggers.invoke``)."""
    request: dict[str, Any] = {"userAttributes": triggers.user_attributes(pool, user),
                               "codeParameter": CODE_PARAMETER}
    if call.source == INVITATION:
        request["linkParameter"] = LINK_PARAMETER
        request["usernameParameter"] = USERNAME_PARAMETER
    if call.metadata:
        request["clientMetadata"] = dict(call.metadata)
    event = triggers.event(rt, pool, call.source, user.username, call.client_id, request,
                           {"smsMessage": None, "emailMessage": None, "emailSubject": None})
    answer = triggers.invoke(rt, pool, "CustomMessage", event)
    if answer is None:
        return text
    response = answer["response"]
    body, subject = text
    chosen = response.get("emailMessage" if medium == "EMAIL" else "smsMessage")
    if chosen is not None:
        if not isinstance(chosen, str) or CODE_PARAMETER not in chosen or (
                call.source == INVITATION and USERNAME_PARAMETER not in chosen):
            raise InvalidLambdaResponseException(triggers.UNRECOGNIZABLE)
        body = chosen
    if medium == "EMAIL" and response.get("emailSubject") is not None:
        if not isinstance(response["emailSubject"], str):
            raise InvalidLambdaResponseException(triggers.UNRECOGNIZABLE)
        subject = response["emailSubject"]
    return body, subject
