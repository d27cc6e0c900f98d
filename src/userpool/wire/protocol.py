"""AWS JSON 1.1 for ``cognito-idp``: target header, content type, JSON codec, error envelope.

Spec §1.1-§1.3 and §1.7. This is the one place where a ``CognitoError`` becomes an HTTP
response: ``{"__type": code, "message": text}`` with ``x-amzn-ErrorType: <code>:`` (real Cognito
sends the trailing colon), ``x-amzn-ErrorMessage`` and ``x-amzn-RequestId``. Every response
carries the CORS headers browsers need to read those.
"""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

import orjson

from userpool.model.errors import (
    CognitoError,
    SerializationException,
    UnknownOperationException,
)
from userpool.wire import validation

TARGET_PREFIX = "AWSCognitoIdentityProviderService"
AMZ_JSON = "application/x-amz-json-1.1"
ACCEPTED_CONTENT_TYPES = frozenset({AMZ_JSON, "application/json"})
EXPOSED_HEADERS = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
CORS_HEADERS: tuple[tuple[str, str], ...] = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
)
# http.client refuses header lines over 64 KiB; a validation message can echo long values.
_MAX_ERROR_HEADER = 4096

Headers = list[tuple[str, str]]
Response = tuple[int, Headers, bytes]


class RequestEntityTooLargeException(CognitoError):
    """A body over the server's limit; a transport refusal, not a Cognito error."""

    code = "RequestEntityTooLargeException"
    status = 413
    default_message = "Request body is too large."


def parse_target(header_value: str | None) -> str:
    """``AWSCognitoIdentityProviderService.<Operation>`` -> ``<Operation>`` (an operation of the model)."""
    if not header_value:
        raise UnknownOperationException("Missing X-Amz-Target header.")
    prefix, dot, operation = header_value.strip().partition(".")
    if not dot or prefix != TARGET_PREFIX or operation not in validation.operation_names():
        raise UnknownOperationException(f"Unknown operation: {header_value.strip()[:200]}")
    return operation


def check_content_type(header_value: str | None) -> None:
    """Accept ``application/x-amz-json-1.1`` and ``application/json``, with any parameters.

    An absent Content-Type is tolerated (the body must still be JSON).
    """
    if header_value is None or not header_value.strip():
        return
    media_type = header_value.split(";", 1)[0].strip().lower()
    if media_type not in ACCEPTED_CONTENT_TYPES:
        raise SerializationException(f"Unsupported Content-Type '{header_value[:100]}'; expected {AMZ_JSON}.")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _without_nulls(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # JavaScript clients send `"DEVICE_KEY": null` (spec §1.1): null members are absent.
    return {key: value for key, value in pairs if value is not None}


def decode_body(raw: bytes) -> dict[str, Any]:
    """Parse a request body into a dict; object members whose value is null are dropped at any depth.

    Null list elements are kept, so validation reports them (``Member must not be null``). The
    body is decoded as strict UTF-8 (RFC 8259 §8.1) once, before parsing: ``json.loads`` on bytes
    would decode with ``surrogatepass`` and let encoded surrogates (``ED A0 80``) through into
    member names.
    """
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
        if text.startswith("\ufeff"):  # a UTF-8 byte-order mark, which json.loads on bytes accepted
            text = text[1:]
        data = json.loads(text, object_pairs_hook=_without_nulls, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError included
        raise SerializationException(f"Request body is not valid JSON: {_short(exc)}") from None
    if not isinstance(data, dict):
        raise SerializationException("Request body must be a JSON object.")
    if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH:  # fewer brackets cannot nest that deep
        _check_depth(data)
    if b"\\u" in raw:  # only a \u escape can smuggle in a lone surrogate, which no UTF-8 text holds
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise SerializationException("Request body is not valid JSON: lone surrogate in a string") from None
    return data


#: Objects and arrays nested deeper than this are refused. The deepest input shape of the model
#: is 4 levels (UpdateUserPool); unknown members are ignored but may not nest without bound,
#: because every later walk of the body (error messages, stored settings echoed in responses)
#: would recurse once per level.
MAX_DEPTH = 64


def _check_depth(data: dict[str, Any]) -> None:
    """Refuses a body nested deeper than ``MAX_DEPTH``, once, right after decoding: without
    recursion, so any depth the decoder accepts gets the same clean answer."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise SerializationException(f"Request body is not valid JSON: nested deeper than {MAX_DEPTH} levels")
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def _short(exc: BaseException) -> str:
    return str(exc)[:200] or type(exc).__name__


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_drop_none(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):  # DateType is epoch seconds on the wire (spec §1.2)
        return value.timestamp()
    if isinstance(value, bytes | bytearray):  # blobs are base64
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, frozenset | set):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def encode_body(obj: Any) -> bytes:
    """Compact JSON; ``None`` members are omitted at every depth.

    orjson writes it (a sign-in's answer holds three tokens; orjson is about fifteen times
    faster than ``json``), with the types it would handle its own way passed to
    ``_json_default`` so the bytes are ``json``'s (but for floats under 1e-4, which orjson
    writes ``1e-7`` where ``json`` writes ``1e-07``: the same number, and no answer holds one).
    Whatever orjson refuses (an integer over 64 bits, a lone surrogate, a non-string key) is
    left to ``json``.
    """
    cleaned = _drop_none(obj)
    try:
        return orjson.dumps(cleaned, default=_json_default, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        pass
    try:
        return json.dumps(cleaned, separators=(",", ":"), ensure_ascii=False, default=_json_default).encode()
    except UnicodeEncodeError:  # lone surrogates (from \\ud800 escapes) cannot be UTF-8
        return json.dumps(cleaned, separators=(",", ":"), default=_json_default).encode()


def header_safe(text: str, limit: int = _MAX_ERROR_HEADER) -> str:
    """Make ``text`` a legal HTTP header value: no control characters, latin-1 only, bounded."""
    chars = []
    for ch in text[:limit]:
        code = ord(ch)
        if code < 0x20 or code == 0x7F:
            chars.append(" ")
        elif code > 0xFF:
            chars.append("?")
        else:
            chars.append(ch)
    return "".join(chars).strip()


def _base_headers(request_id: str, content_type: str) -> Headers:
    return [("Content-Type", content_type), ("x-amzn-RequestId", request_id), *CORS_HEADERS]


def success_response(result: Any, request_id: str) -> Response:
    """HTTP 200 with the operation's output shape."""
    return 200, _base_headers(request_id, AMZ_JSON), encode_body(result)


def error_response(err: CognitoError, request_id: str) -> Response:
    """The one serializer of API errors (spec §1.3)."""
    headers = _base_headers(request_id, AMZ_JSON)
    headers.append(("x-amzn-ErrorType", f"{err.code}:"))
    message = header_safe(err.message)
    if message:
        headers.append(("x-amzn-ErrorMessage", message))
    return err.status, headers, encode_body({"__type": err.code, "message": err.message})


def json_response(status: int, document: Any, request_id: str) -> Response:
    """A plain JSON document (well-known documents, health, 404)."""
    return status, _base_headers(request_id, "application/json"), encode_body(document)
