"""ListUsers filters and pagination as one SELECT (spec: ListUsers ``Filter``).

``username`` filters ``users.username``; ``cognito:user_status`` filters ``users.status``;
``status`` maps "Enabled"/"Disabled" onto the ``enabled`` flag; any other name is an attribute
looked up through ``user_attribute_index``. Comparison is case-sensitive and bytewise.

A prefix (``^=``) is a half-open range ``[prefix, successor(prefix))`` rather than ``LIKE``:
SQLite's LIKE ignores ASCII case and both databases give ``%``/``_`` meaning, whereas the range
is exact, literal, and served by the same B-tree index as equality.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, select, true

from userpool.model.ports import UserFilter
from userpool.storage.sql.schema import user_attribute_index, users

_idx = user_attribute_index
_STATUS_VALUES = {"Enabled": True, "Disabled": False}
_SURROGATES = range(0xD800, 0xE000)


def user_filter_query(pool_id: str, after: str | None, user_filter: UserFilter | None) -> Select[Any]:
    """SELECT of ``users`` rows matching the filter, ordered by username, after ``after``."""
    if user_filter is None or user_filter.name in ("username", "cognito:user_status", "status"):
        username = users.c.username
        query = select(users).where(users.c.pool_id == pool_id)
        if user_filter is not None:
            query = query.where(_column_condition(user_filter))
    else:
        username = _idx.c.username
        query = (
            select(users)
            .join(_idx, and_(_idx.c.pool_id == users.c.pool_id, _idx.c.username == users.c.username))
            .where(
                _idx.c.pool_id == pool_id,
                _idx.c.name == user_filter.name,
                matches(_idx.c.value, user_filter.value, user_filter.prefix),
            )
        )
    if after is not None:
        query = query.where(username > after)
    return query.order_by(username)


def _column_condition(user_filter: UserFilter) -> ColumnElement[bool]:
    if user_filter.name == "username":
        return matches(users.c.username, user_filter.value, user_filter.prefix)
    if user_filter.name == "cognito:user_status":
        return matches(users.c.status, user_filter.value, user_filter.prefix)
    wanted = {
        enabled
        for label, enabled in _STATUS_VALUES.items()
        if (label.startswith(user_filter.value) if user_filter.prefix else label == user_filter.value)
    }
    if len(wanted) == 2:
        return true()
    if not wanted:
        return false()
    return users.c.enabled.is_(wanted.pop())


def matches(column: ColumnElement[str], value: str, prefix: bool) -> ColumnElement[bool]:
    """``column = value``, or ``column`` starts with ``value`` (literally) when ``prefix``."""
    if not prefix:
        return column == value
    if not value:
        return true()
    upper = successor(value)
    if upper is None:
        return column >= value
    return and_(column >= value, column < upper)


def successor(prefix: str) -> str | None:
    """The least string greater than every string that starts with ``prefix`` (None: unbounded).

    UTF-8 byte order equals code point order, so this bound is right for SQLite's BINARY and
    PostgreSQL's "C" collation alike.
    """
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if code in _SURROGATES:
            code = _SURROGATES.stop
        if code <= 0x10FFFF:
            return "".join(chars) + chr(code)
    return None
