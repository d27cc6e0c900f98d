"""Messages POSTed as JSON to an HTTP endpoint (an SMS gateway, or a mail service of your own),
signed so the receiver can tell them from forgeries and replays.

Request: ``POST <url>``, ``Content-Type: application/json``, body (UTF-8 JSON)::

    {"id": "<uuid, the same on every retry of one message>", "medium": "SMS" | "EMAIL",
     "destination": "+15555550100" | "jane@example.com", "subject": str | null,
     "body": str, "html": bool, "text": str | null, "from": str | null, "replyTo": str | null,
     "purpose": "SIGN_UP" | "FORGOT_PASSWORD" | "VERIFY_EMAIL" | "VERIFY_PHONE_NUMBER" |
                "ADMIN_CREATE_USER" | "MFA_SMS_MFA" | "MFA_EMAIL_OTP", "poolId": str, "username": str,
     "createdAt": int}

Header ``X-Userpool-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``
(the scheme Stripe uses): the receiver recomputes the HMAC over the timestamp, a dot and the raw
body bytes, compares it in constant time, and refuses a timestamp more than five minutes from
its clock. Each attempt is signed afresh. ``X-Userpool-Message-Id`` repeats ``id`` so a receiver
can drop a retry of a message it already accepted.

Any 2xx is delivery. Connection errors, timeouts, 5xx and 429 are retried with exponential
back-off (0.25 s, 0.5 s, 1 s ..., or the answer's ``Retry-After`` when shorter than what is left)
until ``max_time`` seconds have passed since the first attempt; any other answer (3xx, 4xx) is
final. Then ``DeliveryFailed``, naming the last status, never the body.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from userpool.model.entities import Message
from userpool.model.ports import DeliveryFailed

SIGNATURE_HEADER = "X-Userpool-Signature"
MESSAGE_ID_HEADER = "X-Userpool-Message-Id"
FIRST_DELAY = 0.25


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The ``X-Userpool-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret: bytes, header: str, body: bytes, now: float, tolerance: float = 300) -> bool:
    """What a receiver does (and the tests): the header's HMAC over ``t.body`` matches, in
    constant time, and ``t`` is within ``tolerance`` seconds of ``now``."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    expected = signature(secret, timestamp, body).rpartition("v1=")[2]
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, fields.get("v1", ""))


def payload(message: Message, message_id: str) -> bytes:
    """The JSON body for ``message`` (documented above)."""
    return json.dumps({
        "id": message_id,
        "medium": message.medium,
        "destination": message.destination,
        "subject": message.subject,
        "body": message.body,
        "html": message.html,
        "text": message.text,
        "from": message.email_from,
        "replyTo": message.reply_to,
        "purpose": message.purpose,
        "poolId": message.pool_id,
        "username": message.username,
        "createdAt": int(message.created),
    }, ensure_ascii=False).encode()


@dataclass(frozen=True)
class _Attempt:
    status: int | None  # None: no HTTP answer (connection error or timeout)
    retry_after: float | None = None
    error: str | None = None


class WebhookSender:
    """Implements ``MessageSender`` by POSTing signed JSON to ``url`` (http or https)."""

    def __init__(
        self, url: str, secret: bytes, *, timeout: float = 3.0, max_time: float = 5.0,
        clock: Callable[[], float] = time.time, monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep, new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
            raise ValueError("webhook URL must be http(s)://host[:port]/path, without user:password@")
        if not secret:
            raise ValueError("webhook secret must not be empty")
        self.url = url
        self._parts = parts
        self._secret = secret
        self.timeout = timeout
        self.max_time = max_time
        self._clock = clock
        self._monotonic = monotonic
        self._sleep = sleep
        self._new_id = new_id
        self._ssl = ssl_context or ssl.create_default_context()

    def send(self, message: Message) -> None:
        message_id = self._new_id()
        body = payload(message, message_id)
        deadline = self._monotonic() + self.max_time
        delay = FIRST_DELAY
        attempts = 0
        while True:
            attempts += 1
            left = deadline - self._monotonic()
            attempt = self._post(body, message_id, timeout=max(min(self.timeout, left), 0.05))
            if attempt.status is not None and 200 <= attempt.status < 300:
                return
            what = attempt.error or f"HTTP {attempt.status}"
            if attempt.status is not None and attempt.status != 429 and attempt.status < 500:
                raise DeliveryFailed(f"webhook {self._where()} answered {what}", medium=message.medium)
            wait = delay
            if attempt.retry_after is not None:
                wait = max(attempt.retry_after, 0.0)
            if self._monotonic() + wait >= deadline:
                raise DeliveryFailed(
                    f"webhook {self._where()}: {what} after {attempts} attempt(s) in {self.max_time:g} s",
                    medium=message.medium)
            self._sleep(wait)
            delay *= 2

    def _where(self) -> str:
        """The endpoint as logs name it: scheme, host and port only (a path or query may hold a token)."""
        port = f":{self._parts.port}" if self._parts.port else ""
        return f"{self._parts.scheme}://{self._parts.hostname}{port}"

    def _post(self, body: bytes, message_id: str, *, timeout: float) -> _Attempt:
        parts = self._parts
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=timeout,
                                                     context=self._ssl)
        else:
            connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "userpool-webhook/1",
            SIGNATURE_HEADER: signature(self._secret, int(self._clock()), body),
            MESSAGE_ID_HEADER: message_id,
        }
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            response.read(65536)  # drain a little, so the connection closes cleanly; the body is not used
            return _Attempt(response.status, _retry_after(response.getheader("Retry-After")))
        except (OSError, http.client.HTTPException) as error:
            return _Attempt(None, error=type(error).__name__)
        finally:
            connection.close()


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header in its delta-seconds form (RFC 9110 §10.2.3); an
    HTTP-date or anything else is ignored (the back-off applies)."""
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())
