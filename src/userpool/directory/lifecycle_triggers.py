"""The triggers of a user's life cycle (spec §7.3, §7.4, §11.7, §11.8): PreSignUp, PostConfirmation
and UserMigration, with their events and the ClientMetadata routing of §7.4.

Each is called outside any database transaction (an invocation may take seconds); the callers
read what the event needs first and re-check what could have changed in the transaction that
acts on the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from userpool.directory import triggers
from userpool.directory.runtime import Runtime
from userpool.model.entities import User, UserPool, UserStatus
from userpool.model.errors import UnexpectedLambdaException, UserNotFoundException

#: What PreSignUp_SignUp may answer (spec §7.3); AdminCreateUser ignores it.
NO_AUTO = {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


def _with_metadata(request: dict[str, Any], key: str, metadata: Mapping[str, str] | None) -> dict[str, Any]:
    """``request`` with ``key`` (clientMetadata / validationData) only when the caller sent one
    (spec §11.7: the key is absent otherwise)."""
    if metadata:
        request[key] = dict(metadata)
    return request


def validation_data(listed: Any) -> dict[str, str] | None:
    """SignUp / AdminCreateUser ``ValidationData`` (a list of {Name, Value}) as the event's map."""
    if not listed:
        return None
    return {str(item["Name"]): str(item.get("Value", "")) for item in listed}


def pre_sign_up(rt: Runtime, pool: UserPool, source: str, username: str, attributes: Mapping[str, str],
                client_id: str | None, validation: Mapping[str, str] | None,
                client_metadata: Mapping[str, str] | None) -> dict[str, bool]:
    """PreSignUp (``PreSignUp_SignUp`` / ``PreSignUp_AdminCreateUser``): its auto-confirm and
    auto-verify answers (all false when the pool has no function). A function error refuses the
    call (UserLambdaValidationException "PreSignUp failed with error ...")."""
    if triggers.function_arn(pool, "PreSignUp") is None:
        return dict(NO_AUTO)
    request = {"userAttributes": {k: str(v) for k, v in attributes.items()}}
    _with_metadata(request, "validationData", validation)
    _with_metadata(request, "clientMetadata", client_metadata)
    event = triggers.event(rt, pool, source, username, client_id, request, dict(NO_AUTO))
    answer = triggers.invoke(rt, pool, "PreSignUp", event) or {}
    response = answer.get("response") or {}
    return {key: response.get(key) is True for key in NO_AUTO}


def post_confirmation(rt: Runtime, pool: UserPool, user: User, source: str, client_id: str | None,
                      client_metadata: Mapping[str, str] | None) -> None:
    """PostConfirmation (``PostConfirmation_ConfirmSignUp`` / ``_ConfirmForgotPassword``), after
    the confirmation committed: a function error is the call's answer, and the user stays
    confirmed (Cognito confirms first and then reports the trigger's failure)."""
    if triggers.function_arn(pool, "PostConfirmation") is None:
        return
    request = _with_metadata({"userAttributes": triggers.user_attributes(pool, user)}, "clientMetadata",
                             client_metadata)
    triggers.invoke(rt, pool, "PostConfirmation", triggers.event(rt, pool, source, user.username, client_id,
                                                                 request, {}))


@dataclass(frozen=True)
class Migrated:
    """What UserMigration answered: the user to create (spec §7.3, §11.8)."""

    attributes: dict[str, str]
    status: UserStatus
    force_alias: bool
    message_action: str | None


def migrate(rt: Runtime, pool: UserPool, source: str, typed: str, client_id: str, password: str | None,
            metadata: Mapping[str, str] | None) -> Migrated | None:
    """UserMigration for a name no user has: ``UserMigration_Authentication`` (with the password;
    the call's ClientMetadata as ``validationData``) or ``UserMigration_ForgotPassword`` (as
    ``clientMetadata``). None when the pool has no function or the function found nobody (an
    answer without ``userAttributes``). A function that cannot be invoked is
    ``UserNotFoundException`` "Exception migrating user in app client <clientId>" (spec §11.8)."""
    if triggers.function_arn(pool, "UserMigration") is None:
        return None
    request: dict[str, Any] = {}
    if password is not None:
        request["password"] = password
    _with_metadata(request, "validationData" if source == "UserMigration_Authentication" else "clientMetadata",
                   metadata)
    response = {"userAttributes": None, "finalUserStatus": None, "messageAction": None,
                "desiredDeliveryMediums": None, "forceAliasCreation": None, "enableSMSMFA": None}
    try:
        answer = triggers.invoke(rt, pool, "UserMigration", triggers.event(rt, pool, source, typed, client_id,
                                                                           request, response))
    except UnexpectedLambdaException:
        raise UserNotFoundException(f"Exception migrating user in app client {client_id}") from None
    result = (answer or {}).get("response") or {}
    attributes = result.get("userAttributes")
    if not isinstance(attributes, Mapping) or not attributes:
        return None
    final = result.get("finalUserStatus")
    status = UserStatus.RESET_REQUIRED if final == "RESET_REQUIRED" else UserStatus.CONFIRMED
    if source == "UserMigration_ForgotPassword":
        status = UserStatus.RESET_REQUIRED  # no password was given: it is reset next
    return Migrated({str(k): str(v) for k, v in attributes.items()}, status,
                    result.get("forceAliasCreation") is True, result.get("messageAction"))
