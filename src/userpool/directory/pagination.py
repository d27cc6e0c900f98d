"""Opaque pagination tokens (``NextToken`` / ``PaginationToken``).

A token is the base64url of the last key returned; the stores page by "after this key".
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any, TypeVar

from userpool.model.errors import InvalidParameterException


def encode(last_key: str) -> str:
    return base64.urlsafe_b64encode(last_key.encode()).decode().rstrip("=")


#: What ``encode`` writes. Checked first: the decoder drops characters outside its alphabet, so
#: a token such as "%%%" would otherwise read as "" and restart the listing instead of failing.
_TOKEN = re.compile(r"[A-Za-z0-9_-]*={0,2}")


def decode(token: str | None) -> str | None:
    if token is None:
        return None
    if not _TOKEN.fullmatch(token):
        raise InvalidParameterException("Invalid pagination token.")
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidParameterException("Invalid pagination token.") from None


def page_limit(requested: int | None, default: int, maximum: int) -> int:
    if requested is None or requested == 0:
        return default
    return min(int(requested), maximum)


T = TypeVar("T")


def page(
    items: list[T], limit: int, key: Callable[[T], str], field: str, token_field: str,
    render: Callable[[T], dict[str, Any]],
) -> dict[str, Any]:
    """Render one page; ``items`` holds up to ``limit + 1`` rows, the extra one says "more"."""
    out: dict[str, Any] = {field: [render(i) for i in items[:limit]]}
    if len(items) > limit:
        out[token_field] = encode(key(items[limit - 1]))
    return out
