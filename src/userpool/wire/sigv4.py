"""Verification of AWS Signature Version 4 (``AWS4-HMAC-SHA256``) on admin API calls (spec §1.6).

The canonical request is rebuilt exactly as botocore's ``SigV4Auth`` builds it for a JSON POST:
method, URI path (dot segments removed, percent-encoded with ``/~`` safe), sorted query string,
the signed headers (lower-cased names, values with runs of whitespace collapsed), the
``SignedHeaders`` list and the SHA-256 of the payload.

Failures are the generic AWS errors (spec §1.6, §10.2): no ``Authorization`` ->
``MissingAuthenticationTokenException``; unparseable -> ``IncompleteSignatureException``; unknown
key -> ``UnrecognizedClientException``; stale date or wrong signature ->
``InvalidSignatureException``. Signatures are compared in constant time.

``host`` and ``x-amz-target`` must be among the ``SignedHeaders`` (botocore, the AWS CLI and the JS
SDK v3 sign both), so a captured request cannot be replayed as another operation or to another
host.

With ``credentials=None`` the verifier runs in accept-any mode for local development: the header
must be well formed, scoped to ``cognito-idp`` and sign ``host`` and ``x-amz-target``, but neither
the signature nor the clock skew is checked. ``userpool serve`` allows that mode on loopback only.
"""

from __future__ import annotations

import datetime
import email.utils
import functools
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from userpool.model.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "cognito-idp"
_TERMINATOR = "aws4_request"
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_AMZ_DATE_RE = re.compile(r"\d{8}T\d{6}Z")


@dataclass(frozen=True)
class Authorization:
    """The parts of an ``Authorization: AWS4-HMAC-SHA256 ...`` header."""

    access_key: str
    date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signed_headers_text: str
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{self.terminator}"


def parse_authorization(value: str) -> Authorization:
    """Split the header; anything missing or misshapen is an ``IncompleteSignatureException``."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignatureException(
            f"Unsupported Authorization algorithm '{algorithm[:40]}'; expected {ALGORITHM}."
        )
    params: dict[str, str] = {}
    for part in rest.split(","):
        name, eq, val = part.strip().partition("=")
        if eq:
            params[name.strip()] = val.strip()
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not params.get(name)]
    if missing:
        raise IncompleteSignatureException(
            " ".join(f"Authorization header requires '{name}' parameter." for name in missing)
        )
    credential = params["Credential"].split("/")
    if len(credential) != 5 or not all(credential):
        raise IncompleteSignatureException(
            "Credential must have the form <key>/<yyyymmdd>/<region>/<service>/aws4_request."
        )
    key, date, region, service, terminator = credential
    if not re.fullmatch(r"\d{8}", date):
        raise IncompleteSignatureException(f"Credential date '{date[:20]}' is not yyyymmdd.")
    signature = params["Signature"]
    if not _SIGNATURE.fullmatch(signature):
        raise IncompleteSignatureException("Signature must be 64 lower-case hexadecimal characters.")
    signed_text = params["SignedHeaders"]
    signed = tuple(signed_text.split(";"))
    if not all(signed) or any(name != name.lower() for name in signed):
        raise IncompleteSignatureException("SignedHeaders must be lower-case names separated by ';'.")
    return Authorization(key, date, region, service, terminator, signed, signed_text, signature)


def _request_time(headers: Mapping[str, str]) -> tuple[str, datetime.datetime]:
    """The request's timestamp as SigV4's ISO-8601 basic string and as an aware datetime."""
    amz_date = headers.get("x-amz-date")
    if amz_date is not None:
        amz_date = amz_date.strip()
        if not _AMZ_DATE_RE.fullmatch(amz_date):
            raise IncompleteSignatureException(f"Date must be in ISO-8601 'basic format'. Got '{amz_date[:40]}'.")
        try:
            parsed = datetime.datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=datetime.UTC)
        except ValueError:
            raise IncompleteSignatureException(f"Invalid X-Amz-Date '{amz_date}'.") from None
        return amz_date, parsed
    http_date = headers.get("date")
    if http_date is not None:
        try:
            parsed = email.utils.parsedate_to_datetime(http_date)
        except (TypeError, ValueError):
            raise IncompleteSignatureException(f"Invalid Date header '{http_date[:40]}'.") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=datetime.UTC)
        return parsed.astimezone(datetime.UTC).strftime(_AMZ_DATE), parsed
    raise IncompleteSignatureException(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
    )


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 plus AWS's collapsing of repeated slashes (botocore ``remove_dot_segments``)."""
    output: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if output:
                output.pop()
        elif segment and segment != ".":
            output.append(segment)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and output else ""
    return first + "/".join(output) + last


def canonical_uri(raw_path: str) -> str:
    """botocore's ``_normalize_url_path`` on the path as sent (still percent-encoded)."""
    return quote(_remove_dot_segments(raw_path) if raw_path else "/", safe="/~")


def canonical_query(query_string: str) -> str:
    """botocore's ``_canonical_query_string_url``: the raw pairs, sorted, not re-encoded."""
    if not query_string:
        return ""
    pairs = [pair.partition("=") for pair in query_string.split("&")]
    return "&".join(f"{key}={value}" for key, _, value in sorted(pairs))


def canonical_request(
    method: str,
    path: str,
    query_string: str,
    headers: Mapping[str, str],
    auth: Authorization,
    payload_hash: str,
) -> str:
    lines = [f"{name}:{' '.join(headers.get(name, '').split())}" for name in auth.signed_headers]
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query_string),
            "\n".join(lines) + "\n",
            auth.signed_headers_text,
            payload_hash,
        ]
    )


@functools.lru_cache(maxsize=256)
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, _TERMINATOR):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _fmt(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime(_AMZ_DATE)


class SigV4Verifier:
    """Checks SigV4 on a request; ``credentials`` maps access key id -> secret access key."""

    def __init__(
        self,
        credentials: Mapping[str, str] | None,
        clock: Callable[[], float],
        max_skew: float = 300,
    ) -> None:
        self._credentials = None if credentials is None else dict(credentials)
        self._clock = clock
        self._max_skew = max_skew

    @property
    def accepts_any(self) -> bool:
        return self._credentials is None

    def verify(
        self,
        method: str,
        path: str,
        query_string: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> str:
        """Return the caller's access key id, or raise the AWS error for the failure.

        ``headers`` must have lower-case names.
        """
        value = headers.get("authorization")
        if value is None or not value.strip():
            raise MissingAuthenticationTokenException()
        auth = parse_authorization(value)
        amz_date, moment = _request_time(headers)
        if auth.terminator != _TERMINATOR:
            raise InvalidSignatureException(
                f"Credential should be scoped with a valid terminator: '{_TERMINATOR}', not '{auth.terminator[:40]}'."
            )
        if auth.service != SERVICE:
            raise InvalidSignatureException(f"Credential should be scoped to correct service: '{SERVICE}'.")
        if auth.date != amz_date[:8]:
            raise InvalidSignatureException(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                f"from HTTP: '{auth.date}' != '{amz_date[:8]}', from '{amz_date}'."
            )
        if "host" not in auth.signed_headers:
            raise InvalidSignatureException("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        if "x-amz-target" not in auth.signed_headers:  # else a captured call replays as another operation
            raise InvalidSignatureException("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.")
        if self._credentials is None:
            return auth.access_key
        secret = self._credentials.get(auth.access_key)
        if secret is None:
            raise UnrecognizedClientException()
        self._check_skew(moment)
        payload_hash = hashlib.sha256(body).hexdigest()
        declared = headers.get("x-amz-content-sha256")
        # Honour a signed x-amz-content-sha256 as botocore does, but only when it is the body's real
        # hash: UNSIGNED-PAYLOAD would let the body be changed under a valid signature.
        signed_hash = "x-amz-content-sha256" in auth.signed_headers
        if signed_hash and declared is not None and declared.strip() != payload_hash:
            raise InvalidSignatureException(
                "The provided 'x-amz-content-sha256' header does not match what was computed."
            )
        request = canonical_request(method, path, query_string, headers, auth, payload_hash)
        string_to_sign = "\n".join([ALGORITHM, amz_date, auth.scope, hashlib.sha256(request.encode()).hexdigest()])
        key = _signing_key(secret, auth.date, auth.region, auth.service)
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, auth.signature):
            raise InvalidSignatureException()
        return auth.access_key

    def _check_skew(self, moment: datetime.datetime) -> None:
        now = datetime.datetime.fromtimestamp(self._clock(), datetime.UTC)
        skew = datetime.timedelta(seconds=self._max_skew)
        minutes = f"{self._max_skew / 60:g} min."
        if moment < now - skew:
            raise InvalidSignatureException(
                f"Signature expired: {_fmt(moment)} is now earlier than {_fmt(now - skew)} ({_fmt(now)} - {minutes})"
            )
        if moment > now + skew:
            raise InvalidSignatureException(
                f"Signature not yet current: {_fmt(moment)} is still later than {_fmt(now + skew)} "
                f"({_fmt(now)} + {minutes})"
            )
