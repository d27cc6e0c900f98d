"""AWS JSON 1.1 codec and error envelope (spec §1.1-§1.3, §1.7)."""

from __future__ import annotations

import datetime
import json

import pytest

from userpool.model.errors import (
    CognitoError,
    ForbiddenException,
    InternalErrorException,
    InvalidParameterException,
    NotAuthorizedException,
    SerializationException,
    UnknownOperationException,
)
from userpool.wire import protocol


# --- X-Amz-Target ------------------------------------------------------------------------------
def test_parse_target() -> None:
    assert protocol.parse_target("AWSCognitoIdentityProviderService.InitiateAuth") == "InitiateAuth"
    assert protocol.parse_target(" AWSCognitoIdentityProviderService.AdminGetUser ") == "AdminGetUser"


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "InitiateAuth",
        "AWSCognitoIdentityProviderService.",
        "AWSCognitoIdentityProviderService.NoSuchThing",
        "DynamoDB_20120810.InitiateAuth",
        "awscognitoidentityproviderservice.InitiateAuth",
    ],
)
def test_parse_target_rejects(value: str | None) -> None:
    with pytest.raises(UnknownOperationException):
        protocol.parse_target(value)


# --- Content-Type ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        "application/x-amz-json-1.1",
        "application/x-amz-json-1.1; charset=UTF-8",
        "Application/X-Amz-JSON-1.1;charset=utf-8",
        "application/json",
        "application/json; charset=utf-8",
        None,
        "",
    ],
)
def test_accepted_content_types(value: str | None) -> None:
    protocol.check_content_type(value)


@pytest.mark.parametrize("value", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_rejected_content_types(value: str) -> None:
    with pytest.raises(SerializationException):
        protocol.check_content_type(value)


# --- decoding ------------------------------------------------------------------------------
def test_empty_body_is_empty_object() -> None:
    assert protocol.decode_body(b"") == {}
    assert protocol.decode_body(b"  \n") == {}


def test_nulls_are_dropped_at_every_depth() -> None:
    raw = json.dumps(
        {
            "ClientId": "c",
            "Session": None,
            "ChallengeResponses": {"USERNAME": "bob", "DEVICE_KEY": None},
            "UserAttributes": [{"Name": "email", "Value": None}],
            "Deep": {"a": {"b": None, "c": [None, {"d": None}]}},
        }
    ).encode()
    assert protocol.decode_body(raw) == {
        "ClientId": "c",
        "ChallengeResponses": {"USERNAME": "bob"},
        "UserAttributes": [{"Name": "email"}],
        # null list elements stay, so validation can say "Member must not be null"
        "Deep": {"a": {"c": [None, {}]}},
    }


def test_decode_keeps_unicode() -> None:
    assert protocol.decode_body('{"Username": "用户"}'.encode()) == {"Username": "用户"}


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"not json",
        b"[1, 2]",
        b'"string"',
        b"42",
        b"null",
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b"\xff\xfe{}",
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_bad_bodies_are_serialization_errors(raw: bytes) -> None:
    with pytest.raises(SerializationException):
        protocol.decode_body(raw)


# --- encoding ------------------------------------------------------------------------------
def test_encode_is_compact_and_drops_none() -> None:
    body = {"A": None, "B": {"C": None, "D": 1}, "E": [{"F": None, "G": "ü"}], "H": False, "I": 0}
    assert protocol.encode_body(body) == '{"B":{"D":1},"E":[{"G":"ü"}],"H":false,"I":0}'.encode()


def test_encode_timestamps_blobs_and_lone_surrogates() -> None:
    moment = datetime.datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=datetime.UTC)
    assert json.loads(protocol.encode_body({"T": moment, "B": b"\x00\x01"})) == {
        "T": moment.timestamp(),
        "B": "AAE=",
    }
    assert json.loads(protocol.encode_body({"S": "\ud800x"})) == {"S": "\ud800x"}


@pytest.mark.parametrize(
    "body",
    [
        {"AuthenticationResult": {"AccessToken": "eyJ.a-b_c", "ExpiresIn": 3600, "IdToken": "x", "TokenType": "B"}},
        {"UserAttributes": [{"Name": "name", "Value": "Zoë \u2028 \"quoted\" \\ \t\n 🙂"}], "Enabled": True},
        {"Big": 2**70, "Negative": -(2**63) - 1},  # beyond orjson's 64 bits
        {"Surrogate": "\ud800", "After": "ok"},  # orjson refuses it
        {1: "int key"},  # orjson refuses it
        {"k": [1.5, 1e16, 0.1, -0.0, 1700000000.123456, 2**53 + 0.0]},  # timestamps and the like
        {"When": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC), "Blob": b"\xff", "Set": {"b", "a"}},
    ],
)
def test_encode_writes_the_bytes_json_writes(body: dict[object, object]) -> None:
    """encode_body writes with orjson, falling back to json: the bytes never depend on which."""
    cleaned = protocol._drop_none(body)
    try:
        expected = json.dumps(cleaned, separators=(",", ":"), ensure_ascii=False, default=protocol._json_default)
        expected_bytes = expected.encode()
    except UnicodeEncodeError:
        expected_bytes = json.dumps(cleaned, separators=(",", ":"), default=protocol._json_default).encode()
    assert protocol.encode_body(body) == expected_bytes


# --- responses --------------------------------------------------------------------------------
def test_success_response() -> None:
    status, headers, body = protocol.success_response({"Session": None, "ChallengeName": "X"}, "rid-1")
    assert status == 200
    assert dict(headers) == {
        "Content-Type": "application/x-amz-json-1.1",
        "x-amzn-RequestId": "rid-1",
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date",
    }
    assert body == b'{"ChallengeName":"X"}'


def test_error_response() -> None:
    status, headers, body = protocol.error_response(NotAuthorizedException(), "rid-2")
    assert status == 400
    assert json.loads(body) == {"__type": "NotAuthorizedException", "message": "Incorrect username or password."}
    got = dict(headers)
    assert got["x-amzn-ErrorType"] == "NotAuthorizedException:"
    assert got["x-amzn-ErrorMessage"] == "Incorrect username or password."
    assert got["x-amzn-RequestId"] == "rid-2"
    assert got["Access-Control-Allow-Origin"] == "*"
    assert got["Content-Type"] == "application/x-amz-json-1.1"


@pytest.mark.parametrize(
    ("error", "status"),
    [(InternalErrorException(), 500), (ForbiddenException("no"), 403), (InvalidParameterException("x"), 400)],
)
def test_error_status_comes_from_the_class(error: CognitoError, status: int) -> None:
    assert protocol.error_response(error, "r")[0] == status


def test_error_message_header_is_header_safe() -> None:
    err = InvalidParameterException("line one\r\nline two: 用户 café\x00")
    _, headers, body = protocol.error_response(err, "r")
    header = dict(headers)["x-amzn-ErrorMessage"]
    assert header == "line one  line two: ?? café"
    header.encode("latin-1")
    assert json.loads(body)["message"] == err.message  # the body keeps the full text


def test_error_message_header_is_bounded() -> None:
    _, headers, _ = protocol.error_response(InvalidParameterException("x" * 100_000), "r")
    assert len(dict(headers)["x-amzn-ErrorMessage"]) <= 4096


def test_empty_message_sends_no_message_header() -> None:
    _, headers, body = protocol.error_response(UnknownOperationException(""), "r")
    assert "x-amzn-ErrorMessage" not in dict(headers)
    assert json.loads(body) == {"__type": "UnknownOperationException", "message": ""}


def test_lone_surrogates_are_refused_but_escaped_text_is_fine() -> None:
    from userpool.model.errors import CognitoError
    from userpool.wire.protocol import decode_body

    assert decode_body(b'{"Password": "caf\\u00e9 \\ud83d\\ude00"}') == {"Password": "caf\u00e9 \U0001f600"}
    try:
        decode_body(b'{"Password": "x\\ud800y"}')
    except CognitoError as error:
        assert error.code == "SerializationException"
    else:
        raise AssertionError("a lone surrogate was accepted")
