"""Trigger functions as a developer would write them for the Lambda Python runtime: ``(event,
context)`` in, the event with ``response`` filled out. The same functions run in process
(``--lambda-function NAME=tests.triggers.functions:NAME``) and behind the test Lambda endpoint
(``lambda_endpoint.py``), so both runners are held to one behaviour.

Every call is recorded in ``CALLS`` (function name, the event received, what the context said),
so tests see how many attempts reached a function and what it was given."""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

CALLS: list[dict[str, Any]] = []
_lock = threading.Lock()
#: How long ``slow`` sleeps: longer than the timeouts the tests give it.
SLOW_SECONDS = 1.5


def _record(name: str, event: Any, context: Any) -> None:
    with _lock:
        CALLS.append({"function": name, "event": copy.deepcopy(event), "context_function": context.function_name,
                      "remaining_ms": context.get_remaining_time_in_millis(), "request_id": context.aws_request_id})


def calls(name: str) -> list[dict[str, Any]]:
    with _lock:
        return [call for call in CALLS if call["function"] == name]


def fill_response(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A PreSignUp function that confirms every user: the event back with ``response`` set."""
    _record("fill_response", event, context)
    event["response"]["autoConfirmUser"] = True
    event["response"]["autoVerifyEmail"] = event["request"]["userAttributes"].get("email") is not None
    return event


def refuse(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _record("refuse", event, context)
    raise ValueError("Sign-ups from example.org are closed.")


def missing_key(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A typo'd key: the runtime reports the KeyError as ``'challengeMetaData'``."""
    _record("missing_key", event, context)
    return event["request"]["challengeMetaData"]  # type: ignore[no-any-return]


def answer_nan(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Python's json.dumps writes NaN, which is not JSON: the answer is invalid JSON."""
    _record("answer_nan", event, context)
    event["response"]["score"] = float("nan")
    return event


def answer_garbage(event: dict[str, Any], context: Any) -> bytes:
    """Raw bytes, as a custom runtime may post them."""
    _record("answer_garbage", event, context)
    return b"<html>Bad Gateway</html>"


def answer_nothing(event: dict[str, Any], context: Any) -> None:
    """Forgot to return the event: the payload is JSON null."""
    _record("answer_nothing", event, context)


def answer_list(event: dict[str, Any], context: Any) -> list[Any]:
    _record("answer_list", event, context)
    return [event]


def answer_partial(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Only the response: the common fields are dropped."""
    _record("answer_partial", event, context)
    return {"response": {"autoConfirmUser": True}}


def answer_unmarshallable(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _record("answer_unmarshallable", event, context)
    event["response"]["groups"] = {"admins"}
    return event


def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _record("slow", event, context)
    time.sleep(SLOW_SECONDS)
    return event


NOT_A_FUNCTION = "a string is not callable"
