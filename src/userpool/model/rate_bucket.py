"""Token-bucket arithmetic for request-rate quotas (spec §9.2), in its GCRA form.

A bucket of ``burst`` tokens refills at ``rate`` tokens per second; a request takes one token or
is refused (Cognito answers ``TooManyRequestsException``). Stored as one number, the
*theoretical arrival time* (TAT) of the generic cell rate algorithm (ITU-T I.371): the moment at
which the bucket will be full again. A bucket whose TAT is not after ``now`` is full, which is the
same as having no bucket at all, so a table of buckets may forget (reuse) such slots and stays
bounded. Pure functions: the caller passes the clock's ``now``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Float slack so that exactly ``burst`` requests at one instant are admitted.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Quota:
    """``rate`` requests per second, with bursts of up to ``burst`` requests (``burst >= 1``)."""

    rate: float
    burst: float


def admit(tat: float, now: float, quota: Quota) -> float | None:
    """The bucket's new TAT if one more request at ``now`` fits, else ``None`` (nothing consumed).

    A TAT further ahead than a whole bucket can reach (the clock went backwards, or a stale table
    survived a restart) counts as a full bucket rather than blocking the key for that long.
    """
    interval = 1.0 / quota.rate
    horizon = quota.burst * interval
    if tat <= now or tat - now > horizon + _EPSILON:
        tat = now
    new = tat + interval
    if new - now > horizon + _EPSILON:
        return None
    return new


def is_full(tat: float, now: float) -> bool:
    """True when the bucket has refilled completely: its slot holds nothing worth keeping."""
    return tat <= now


def parse_quota(text: str) -> Quota:
    """``RATE`` or ``RATE/BURST`` (requests per second, bucket size); BURST defaults to RATE, at least 1."""
    rate_text, _, burst_text = text.partition("/")
    rate = _positive(rate_text, text)
    burst = _positive(burst_text, text) if burst_text.strip() else max(rate, 1.0)
    if burst < 1:
        raise ValueError(f"a quota's burst must be at least 1 request, got {text!r}")
    return Quota(rate=rate, burst=burst)


def _positive(part: str, whole: str) -> float:
    try:
        value = float(part.strip())
    except ValueError:
        raise ValueError(f"a quota must look like RATE or RATE/BURST (positive numbers), got {whole!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"a quota must look like RATE or RATE/BURST (positive numbers), got {whole!r}")
    return value
