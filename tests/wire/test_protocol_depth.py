"""``protocol.decode_body`` refuses bodies nested past ``MAX_DEPTH``, without recursion (issue 16)."""

from __future__ import annotations

import pytest

from userpool.model.errors import SerializationException
from userpool.wire import protocol


def _body(depth: int, kind: str) -> bytes:
    opening, closing = ('{"a":', "}") if kind == "object" else ("[", "]")
    return ('{"PoolName":' + opening * depth + "1" + closing * depth + "}").encode()


@pytest.mark.parametrize("kind", ["object", "array"])
def test_depth_limit(kind: str) -> None:
    for depth in range(1, protocol.MAX_DEPTH):  # the top object is level 1
        protocol.decode_body(_body(depth, kind))
    for depth in (protocol.MAX_DEPTH, protocol.MAX_DEPTH + 1, 500, 998, 5000, 100_000):
        with pytest.raises(SerializationException, match=r"nested deeper than|not valid JSON"):
            protocol.decode_body(_body(depth, kind))


def test_wide_bodies_with_many_brackets_are_not_refused() -> None:
    wide = '{"UserAttributes":[' + ",".join('{"Name":"n","Value":"v"}' for _ in range(500)) + "]}"
    assert len(protocol.decode_body(wide.encode())["UserAttributes"]) == 500
