"""What every trigger runner shares (spec §7.1, §7.5).

- The retry rule: Cognito tries a synchronous trigger at most three times, each attempt limited
  by the 5-second timeout, and gives up after three unsuccessful attempts. An attempt that could
  not reach the function or got no answer in time is retried at once; an answer (even an error
  or an unusable one) is final.
- An answer is strict JSON (no ``NaN`` / ``Infinity``, which Python's ``json.dumps`` writes and
  JSON parsers refuse) and must be an object.
- A function ARN, ``arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]``,
  names its region and function; any other string is a bare function name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import orjson

from userpool.model.errors import TriggerBadResponse, TriggerUnreachable

#: Attempts per invocation (spec §7.1: "gives up after three unsuccessful attempts").
ATTEMPTS = 3
#: The reason given when an attempt gets no answer in time (a real Cognito text, spec §7.5).
TIMED_OUT = "Socket timeout while invoking Lambda function"

#: Seconds an asynchronous invocation (the custom senders) may take to be handed over, and the
#: time an in-process function is told it has.
ASYNC_TIMEOUT = 10.0

log = logging.getLogger("userpool.triggers")


class AttemptFailed(Exception):
    """One attempt did not reach the function or got no answer in time: worth another try.
    ``reason`` is safe to show to API callers; ``detail`` goes to the log only."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail or reason
        super().__init__(reason)


def with_retries(function_arn: str, attempt: Callable[[], dict[str, Any]], attempts: int = ATTEMPTS) -> dict[str, Any]:
    """``attempt()`` until it returns, at most ``attempts`` times; ``TriggerUnreachable`` with the
    last reason when every attempt failed. Other exceptions pass through at once."""
    last: AttemptFailed | None = None
    for number in range(1, attempts + 1):
        try:
            return attempt()
        except AttemptFailed as failed:
            last = failed
            log.warning("trigger %s: attempt %d of %d failed: %s", function_arn, number, attempts, failed.detail)
    assert last is not None
    raise TriggerUnreachable(last.reason)


def decode_answer(payload: bytes) -> dict[str, Any]:
    """The function's answer as an object; ``TriggerBadResponse`` when the payload is not strict
    JSON (``invalid_json``) or is JSON of another kind (null, a string, an array, a number)."""
    try:
        answer = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise TriggerBadResponse("the function's answer is not JSON", invalid_json=True) from None
    if not isinstance(answer, dict):
        raise TriggerBadResponse(f"the function answered a JSON {type(answer).__name__}, not an object",
                                 invalid_json=False)
    return answer


def _arn_parts(function_arn: str) -> list[str] | None:
    parts = function_arn.split(":")
    if len(parts) in (7, 8) and parts[0] == "arn" and parts[2] == "lambda" and parts[5] == "function":
        return parts
    return None


def function_name(function_arn: str) -> str:
    """The function's name: the ARN's ``<name>`` part (without a version or alias qualifier), or
    the whole string when it is not a Lambda function ARN."""
    parts = _arn_parts(function_arn)
    return parts[6] if parts else function_arn


def qualifier_of(function_arn: str) -> str | None:
    """The version or alias an ARN names after the function name, if any."""
    parts = _arn_parts(function_arn)
    return parts[7] if parts and len(parts) == 8 and parts[7] else None


def region_of(function_arn: str) -> str | None:
    """The region an ARN names; None for a bare name (or an ARN with an empty region)."""
    parts = _arn_parts(function_arn)
    return (parts[3] or None) if parts else None
