"""The rules every runner shares: the parts of a function ARN, the strict reading of an answer,
the retry rule, and how an in-process function is named (``module:function``)."""

from __future__ import annotations

import pytest

from userpool.model.errors import TriggerBadResponse, TriggerFunctionError, TriggerUnreachable
from userpool.triggers.in_process import load_function, load_functions
from userpool.triggers.invocation import (
    AttemptFailed,
    decode_answer,
    function_name,
    qualifier_of,
    region_of,
    with_retries,
)


@pytest.mark.parametrize(("arn", "name", "region", "qualifier"), [
    ("arn:aws:lambda:eu-west-2:123456789012:function:pre-sign-up", "pre-sign-up", "eu-west-2", None),
    ("arn:aws:lambda:us-east-1:123456789012:function:define:live", "define", "us-east-1", "live"),
    ("arn:aws:lambda:us-east-1:123456789012:function:define:7", "define", "us-east-1", "7"),
    ("arn:aws-cn:lambda:cn-north-1:123456789012:function:f", "f", "cn-north-1", None),
    ("pre-sign-up", "pre-sign-up", None, None),
    ("arn:aws:sns:us-east-1:123456789012:topic", "arn:aws:sns:us-east-1:123456789012:topic", None, None),
])
def test_arn_parts(arn: str, name: str, region: str | None, qualifier: str | None) -> None:
    assert function_name(arn) == name
    assert region_of(arn) == region
    assert qualifier_of(arn) == qualifier


@pytest.mark.parametrize(("payload", "invalid_json"), [
    (b"NaN", True), (b'{"a": Infinity}', True), (b'{"a": -Infinity}', True), (b"", True), (b"{", True),
    (b'{"a": "\xff"}', True), (b"null", False), (b'"event"', False), (b"[]", False), (b"1", False),
])
def test_answers_that_are_not_objects(payload: bytes, invalid_json: bool) -> None:
    with pytest.raises(TriggerBadResponse) as info:
        decode_answer(payload)
    assert info.value.invalid_json is invalid_json


def test_an_object_is_an_answer() -> None:
    assert decode_answer(b'{"response": {"n": 1.5, "s": "\\u00fc"}}') == {"response": {"n": 1.5, "s": "ü"}}


def test_retries_stop_at_the_first_answer() -> None:
    outcomes: list[object] = [AttemptFailed("first"), AttemptFailed("second"), {"response": {}}]

    def attempt() -> dict[str, object]:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome  # type: ignore[return-value]

    assert with_retries("f", attempt) == {"response": {}}
    assert outcomes == []


def test_retries_give_up_with_the_last_reason() -> None:
    reasons = iter(["one", "two", "three", "four"])

    def attempt() -> dict[str, object]:
        raise AttemptFailed(next(reasons))

    with pytest.raises(TriggerUnreachable, match=r"^three$"):
        with_retries("f", attempt)
    assert next(reasons) == "four"


def test_a_final_failure_is_not_retried() -> None:
    count = 0

    def attempt() -> dict[str, object]:
        nonlocal count
        count += 1
        raise TriggerFunctionError("no")

    with pytest.raises(TriggerFunctionError):
        with_retries("f", attempt)
    assert count == 1


def test_load_function() -> None:
    from tests.triggers import functions

    assert load_function("tests.triggers.functions:fill_response") is functions.fill_response
    assert load_function("os.path:join") is __import__("os").path.join


@pytest.mark.parametrize(("spec", "message"), [
    ("nonexistent.module:f", "cannot import module 'nonexistent.module' (ModuleNotFoundError: No module named "
                             "'nonexistent')"),
    ("tests.triggers.functions:nope", "module 'tests.triggers.functions' has no attribute 'nope'"),
    ("tests.triggers.functions:NOT_A_FUNCTION", "'tests.triggers.functions:NOT_A_FUNCTION' is not callable"),
    ("tests.triggers.functions", "'tests.triggers.functions' does not name a callable as module:function"),
    (":f", "':f' does not name a callable as module:function"),
])
def test_load_function_refusals(spec: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        load_function(spec)
    assert str(info.value) == message
    with pytest.raises(ValueError) as info:
        load_functions({"pre": spec})
    assert str(info.value) == f"--lambda-function pre={spec}: {message}"
