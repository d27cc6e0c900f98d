"""Lambda triggers as Cognito calls them (spec §7, §11.7): the one place a trigger is invoked.

A caller (sign-up, sign-in, messages, ...) builds the event with ``event`` — the common fields
of every trigger event, its own ``request`` and the pre-filled ``response`` — and hands it to
``invoke``, which runs the pool's function through ``rt.triggers`` and turns every failure into
the error Cognito answers (spec §7.5):

- the function returned an error: ``UserLambdaValidationException``
  "<Trigger> failed with error <errorMessage>." (the message as the function gave it, so one
  that ends with a period shows two, as Cognito's do);
- its answer is not JSON: ``InvalidLambdaResponseException``
  "Invalid lambda function output : Invalid JSON";
- its answer is JSON but not the event with ``response`` filled in (not an object, a common
  field dropped, ``response`` not an object): ``InvalidLambdaResponseException``
  "Unrecognizable lambda output" (spec §11.6);
- it could not be invoked, or gave no answer within the 5-second limit after the retries:
  ``UnexpectedLambdaException`` "<Trigger> invocation failed due to error <reason>.", where the
  reason is Cognito's "Socket timeout while invoking Lambda function" for a timeout, the Lambda
  error code (AccessDeniedException, ResourceNotFoundException, ...) for a refused invocation.

Call triggers outside database transactions: an invocation may take seconds.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Mapping
from typing import Any

from userpool.directory.runtime import Runtime
from userpool.directory.schema import VERIFIED_FLAGS
from userpool.model.entities import User, UserPool
from userpool.model.errors import (
    CognitoError,
    InvalidLambdaResponseException,
    TriggerBadResponse,
    TriggerFunctionError,
    TriggerUnreachable,
    UnexpectedLambdaException,
    UserLambdaValidationException,
)

#: Seconds a synchronous trigger has to answer (spec §7.1; Cognito's limit cannot be changed).
TRIGGER_TIMEOUT = 5.0
#: ``callerContext.awsSdkVersion`` when the caller's SDK is not known (spec §11.7).
UNKNOWN_SDK = "aws-sdk-unknown-unknown"
#: ``callerContext.clientId`` for admin operations made without an app client (spec §11.7).
NO_CLIENT = "CLIENT_ID_NOT_APPLICABLE"
#: The fields every trigger event carries (spec §7.2), in the order Cognito writes them.
COMMON_FIELDS = ("version", "region", "userPoolId", "userName", "callerContext", "triggerSource", "request",
                 "response")
INVALID_JSON = "Invalid lambda function output : Invalid JSON"
#: Set when a request invoked a trigger function: the wire then runs later requests of the same
#: pool off the event loop (``wire/app.py``), since an invocation may take seconds.
invoked: contextvars.ContextVar[bool] = contextvars.ContextVar("userpool_trigger_invoked", default=False)
UNRECOGNIZABLE = "Unrecognizable lambda output"
#: The caller's User-Agent header, set by the wire for the request being served: the source of
#: ``callerContext.awsSdkVersion``.
caller_agent: contextvars.ContextVar[str | None] = contextvars.ContextVar("userpool_caller_agent", default=None)
_AWS_SDK = re.compile(r"(?:^|\s)(aws-sdk-[a-z0-9-]+)/([0-9][0-9A-Za-z.+-]{0,40})(?:\s|$)", re.IGNORECASE)


def sdk_of(user_agent: str | None) -> str:
    """``callerContext.awsSdkVersion`` (spec §11.7): an AWS SDK's product token in the caller's
    User-Agent, ``aws-sdk-js/2.1639.0`` -> "aws-sdk-js-2.1639.0"; "aws-sdk-unknown-unknown"
    when it names none (boto3 and Amplify write other tokens)."""
    match = _AWS_SDK.search(user_agent[:512]) if user_agent else None
    return f"{match[1].lower()}-{match[2]}" if match else UNKNOWN_SDK


def function_arn(pool: UserPool, trigger_key: str) -> str | None:
    """The function the pool's ``LambdaConfig`` names for ``trigger_key``; None when none.

    PreTokenGeneration prefers ``PreTokenGenerationConfig.LambdaArn`` (the two name the same
    function when both are set); CustomSMSSender / CustomEmailSender hold ``{LambdaArn,
    LambdaVersion}``."""
    config = pool.config.get("LambdaConfig")
    if not config:  # the common case: one lookup
        return None
    value: Any = None
    if trigger_key == "PreTokenGeneration":
        value = (config.get("PreTokenGenerationConfig") or {}).get("LambdaArn")
    if not value:
        value = config.get(trigger_key)
    if isinstance(value, dict):
        value = value.get("LambdaArn")
    return str(value) if value else None


def invoke(rt: Runtime, pool: UserPool, trigger_key: str, event: Mapping[str, Any], *,
           timeout: float = TRIGGER_TIMEOUT) -> dict[str, Any] | None:
    """The function's answer to ``event`` (the event with ``response`` filled in), or None when
    the pool has no function for ``trigger_key`` (a ``LambdaConfig`` key: PreSignUp, ...).
    Raises Cognito's error for every failure (module docstring)."""
    arn = function_arn(pool, trigger_key)
    if arn is None:
        return None
    invoked.set(True)
    try:
        try:
            answer = rt.triggers.invoke(arn, event, timeout=timeout)
        except TriggerFunctionError as error:
            raise UserLambdaValidationException(f"{trigger_key} failed with error {error.message}.") from None
        except TriggerBadResponse as error:
            raise InvalidLambdaResponseException(INVALID_JSON if error.invalid_json else UNRECOGNIZABLE) from None
        except TriggerUnreachable as error:
            raise UnexpectedLambdaException(
                f"{trigger_key} invocation failed due to error {error.message}.") from None
        checked = check_answer(event, answer)
    except CognitoError as failure:
        rt.metrics.trigger(trigger_key, failure.code)
        raise
    rt.metrics.trigger(trigger_key, "ok")
    return checked


def check_answer(event: Mapping[str, Any], answer: object) -> dict[str, Any]:
    """``answer`` when it is ``event`` with ``response`` filled in: an object keeping every
    common field the event has, with ``response`` an object. Else InvalidLambdaResponseException
    "Unrecognizable lambda output" (spec §11.6)."""
    if not isinstance(answer, Mapping):
        raise InvalidLambdaResponseException(UNRECOGNIZABLE)
    if any(name in event and name not in answer for name in COMMON_FIELDS):
        raise InvalidLambdaResponseException(UNRECOGNIZABLE)
    if not isinstance(answer.get("response"), Mapping):
        raise InvalidLambdaResponseException(UNRECOGNIZABLE)
    return dict(answer)


def event(rt: Runtime, pool: UserPool, trigger_source: str, user_name: str, client_id: str | None,
          request: Mapping[str, Any], response: Mapping[str, Any], *, version: str = "1",
          sdk_version: str | None = None) -> dict[str, Any]:
    """A trigger event (spec §7.2, §11.7): ``version`` ("1"; "2" / "3" for PreTokenGeneration
    V2_0 / V3_0), ``triggerSource``, ``region`` (the pool's: the prefix of its ID, which was the
    server's region when the pool was made), ``userPoolId``, ``userName`` (the internal username;
    the typed name for UserMigration), ``callerContext`` {``awsSdkVersion`` (the caller's SDK when
    known, else "aws-sdk-unknown-unknown"), ``clientId`` (the app client; "CLIENT_ID_NOT_APPLICABLE"
    for admin calls without one)}, and the trigger's own ``request`` and pre-filled ``response``
    (members the function may set start as null, spec §11.7). ``rt`` is taken as every
    directory function takes it; the event itself depends on the pool only."""
    return {
        "version": version,
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": user_name,
        "callerContext": {"awsSdkVersion": sdk_version or sdk_of(caller_agent.get()),
                          "clientId": client_id or NO_CLIENT},
        "triggerSource": trigger_source,
        "request": dict(request),
        "response": dict(response),
    }


def user_attributes(pool: UserPool, user: User) -> dict[str, str]:
    """``request.userAttributes`` (spec §7.2): every attribute of the user as a string (``sub``
    first), plus the pseudo-attributes ``cognito:user_status`` and, for an e-mail address or
    phone number the user can sign in with, ``cognito:email_alias`` /
    ``cognito:phone_number_alias``: in a ``UsernameAttributes`` pool the value itself, in an
    ``AliasAttributes`` pool the value once verified (the rule of ``usernames.resolve``)."""
    attributes = {"sub": user.sub}
    attributes.update((name, str(value)) for name, value in user.attributes.items() if name != "sub")
    attributes["cognito:user_status"] = user.status.value
    for name in ("email", "phone_number"):
        value = user.attributes.get(name)
        if value and _sign_in_alias(pool, user, name):
            attributes[f"cognito:{name}_alias"] = value
    return attributes


def _sign_in_alias(pool: UserPool, user: User, name: str) -> bool:
    if name in pool.username_attributes:
        return True
    return name in pool.alias_attributes and user.attributes.get(VERIFIED_FLAGS[name]) == "true"
