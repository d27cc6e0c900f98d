"""Request validation against botocore's ``cognito-idp`` service model (spec §1.5, §1.6).

Real Cognito checks every modelled constraint (required, length, pattern, enum, range) and
answers ``InvalidParameterException`` listing the violations; botocore checks only a few and
JavaScript clients none, so the server must check everything itself.

Message format (spec §1.5): ``"<n> validation error(s) detected: "`` then items joined by
``"; "``, each ``Value '<value>' at '<path>' failed to satisfy constraint: Member must <rule>``.

Member paths, chosen to follow AWS's Coral style:

* structure members: the member name with its first letter lower-cased, joined by ``.``
  (``clientId``, ``tokenValidityUnits.accessToken``);
* list elements: ``<list>.<1-based index>.member`` (``userAttributes.1.member.value``);
* string-to-scalar maps (every map in this model): at most one error for the keys and one for
  the values, at the map's own path, as Coral words it:
  ``Value '{K=v}' at 'clientMetadata' failed to satisfy constraint: Map value must satisfy
  constraint: [Member must have length less than or equal to 131072, ...]`` (the bracket lists
  all the key's or value's constraints, as AWS does). A map whose values are structures or lists
  would recurse with ``<map>.<key>``.

Values of shapes marked ``sensitive`` (and of everything inside them) are left out:
``Value at 'password' failed ...``. A missing required member reads ``Value null at ...``.

Lengths are counted in code points. A JSON type that cannot be the member's type is not a
constraint violation but a deserialization failure: ``SerializationException``, at the first one.

Patterns are full-match and use Java syntax; ``\\p{L}``-style Unicode classes are expanded into
explicit ranges from ``unicodedata`` (the ``regex`` module is not a dependency), and patterns are
compiled with ``re.ASCII`` because Java's ``\\w``, ``\\s`` and ``\\d`` are ASCII-only.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from userpool.model.errors import (
    CognitoError,
    InvalidParameterException,
    SerializationException,
    UnknownOperationException,
)
from userpool.wire.service_model import load_service_model

SERVICE_NAME = "cognito-idp"

_INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


# --- Java regex translation ------------------------------------------------------------------
# Planes 4-13 hold no assigned code point in any Unicode version so far, and planes 15-16 are
# private use: all of them are category C. Skipping them makes the one-time scan ~3x faster.
_SCANNED = ((0, 0x40000), (0xE0000, 0xF0000))
_UNSCANNED_C = ((0x40000, 0xDFFFF), (0xF0000, 0x10FFFF))


@functools.cache
def _category_ranges() -> dict[str, tuple[tuple[int, int], ...]]:
    """Code-point ranges of every general category (``Lu``...) and major class (``L``...)."""
    acc: dict[str, list[tuple[int, int]]] = {}
    category = unicodedata.category
    for lo, hi in _SCANNED:
        prev = category(chr(lo))
        start = lo
        for cp in range(lo + 1, hi):
            cat = category(chr(cp))
            if cat != prev:
                acc.setdefault(prev, []).append((start, cp - 1))
                prev, start = cat, cp
        acc.setdefault(prev, []).append((start, hi - 1))
    acc.setdefault("Cn", []).extend(_UNSCANNED_C)
    result: dict[str, tuple[tuple[int, int], ...]] = {}
    for cat, ranges in acc.items():
        result[cat] = tuple(sorted(ranges))
    for major in {cat[0] for cat in acc}:
        merged: list[tuple[int, int]] = []
        for lo, hi in sorted(r for cat, rs in acc.items() if cat[0] == major for r in rs):
            if merged and lo <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
            else:
                merged.append((lo, hi))
        result[major] = tuple(merged)
    return result


def _class_body(name: str) -> str:
    ranges = _category_ranges().get(name)
    if ranges is None:
        raise ValueError(f"unsupported Unicode class \\p{{{name}}}")
    return "".join(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)


def translate_pattern(pattern: str) -> str:
    """Rewrite a Java pattern's ``\\p{X}`` classes so Python's ``re`` accepts it."""
    out: list[str] = []
    in_class = False
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt in "pP" and i + 2 < n:
                if pattern[i + 2] == "{":
                    close = pattern.index("}", i + 3)
                    name, i = pattern[i + 3 : close], close + 1
                else:
                    name, i = pattern[i + 2], i + 3
                body = _class_body(name)
                if not in_class:
                    out.append(f"[{'^' if nxt == 'P' else ''}{body}]")
                elif nxt == "p":
                    out.append(body)
                else:
                    raise ValueError(f"\\P inside a character class is not supported: {pattern}")
                continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
            out.append(ch)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a leading ']' is literal
                out.append("\\]")
                i += 1
            continue
        if ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


# --- compiled validators ---------------------------------------------------------------------
def _render(value: Any) -> str:
    """Java-ish ``toString`` of a request value, as AWS echoes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    return str(value)


def _token(value: Any) -> str:
    if isinstance(value, bool):
        return "BOOLEAN_VALUE"
    if isinstance(value, int | float):
        return "NUMBER_VALUE"
    if isinstance(value, str):
        return "STRING_VALUE"
    return "NULL_VALUE"


def _type_error(value: Any, expected: str, path: str) -> CognitoError:
    where = f" (at '{path}')" if path else ""
    if isinstance(value, dict):
        return SerializationException(f"Start of structure or map found where not expected{where}.")
    if isinstance(value, list):
        return SerializationException(f"Start of list found where not expected{where}.")
    return SerializationException(f"{_token(value)} can not be converted to {expected}{where}")


def _failure(value: Any, path: str, rule: str, sensitive: bool) -> str:
    if value is None:
        shown = "Value null"
    elif sensitive:
        shown = "Value"
    else:
        shown = f"Value '{_render(value)}'"
    return f"{shown} at '{path}' failed to satisfy constraint: {rule}"


def _length_rules(min_len: int | None, max_len: int | None) -> list[str]:
    rules = []
    if max_len is not None:
        rules.append(f"Member must have length less than or equal to {max_len}")
    if min_len is not None:
        rules.append(f"Member must have length greater than or equal to {min_len}")
    return rules


class _Node:
    sensitive: bool = False

    def violations(self, value: Any, path: str) -> list[str]:
        """Rules ``value`` breaks, for scalar nodes; raises on a JSON type mismatch."""
        return []

    def check(self, value: Any, path: str, errors: list[str]) -> None:
        errors.extend(_failure(value, path, rule, self.sensitive) for rule in self.violations(value, path))

    def all_rules(self) -> list[str]:
        return []


class _Anything(_Node):
    """A Smithy ``document``: any JSON value."""


_ANY = _Anything()


@dataclass(eq=False)
class _String(_Node):
    min_len: int | None
    max_len: int | None
    pattern: str | None
    enum: tuple[str, ...]
    sensitive: bool

    def violations(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, str):
            raise _type_error(value, "a String", path)
        found = []
        size = len(value)
        if self.min_len is not None and size < self.min_len:
            found.append(f"Member must have length greater than or equal to {self.min_len}")
        if self.max_len is not None and size > self.max_len:
            found.append(f"Member must have length less than or equal to {self.max_len}")
        if self.pattern is not None and _regex(self.pattern).fullmatch(value) is None:
            found.append(f"Member must satisfy regular expression pattern: {self.pattern}")
        if self.enum and value not in self.enum:
            found.append(f"Member must satisfy enum value set: [{', '.join(self.enum)}]")
        return found

    def all_rules(self) -> list[str]:
        rules = _length_rules(self.min_len, self.max_len)
        if self.pattern is not None:
            rules.append(f"Member must satisfy regular expression pattern: {self.pattern}")
        if self.enum:
            rules.append(f"Member must satisfy enum value set: [{', '.join(self.enum)}]")
        return rules


@dataclass(eq=False)
class _Integer(_Node):
    kind: str
    min_value: int | None
    max_value: int | None
    sensitive: bool

    def violations(self, value: Any, path: str) -> list[str]:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _type_error(value, "an Integer" if self.kind == "integer" else "a Long", path)
        lo, hi = _INT_RANGE[self.kind]
        if not lo <= value <= hi:
            raise SerializationException(f"Numeric value ({value}) out of range of {self.kind}")
        found = []
        if self.min_value is not None and value < self.min_value:
            found.append(f"Member must have value greater than or equal to {self.min_value}")
        if self.max_value is not None and value > self.max_value:
            found.append(f"Member must have value less than or equal to {self.max_value}")
        return found

    def all_rules(self) -> list[str]:
        rules = []
        if self.max_value is not None:
            rules.append(f"Member must have value less than or equal to {self.max_value}")
        if self.min_value is not None:
            rules.append(f"Member must have value greater than or equal to {self.min_value}")
        return rules


@dataclass(eq=False)
class _Scalar(_Node):
    """boolean, timestamp (epoch seconds), float/double: a type check only."""

    kind: str
    sensitive: bool

    def violations(self, value: Any, path: str) -> list[str]:
        if self.kind == "boolean":
            ok = isinstance(value, bool)
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok:
            raise _type_error(value, f"a {self.kind.capitalize()}", path)
        return []


@dataclass(eq=False)
class _Blob(_Node):
    min_len: int | None
    max_len: int | None
    sensitive: bool

    def violations(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, str):
            raise _type_error(value, "a Blob", path)
        try:
            size = len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            raise SerializationException(f"Invalid base64 value at '{path}'") from None
        found = []
        if self.min_len is not None and size < self.min_len:
            found.append(f"Member must have length greater than or equal to {self.min_len}")
        if self.max_len is not None and size > self.max_len:
            found.append(f"Member must have length less than or equal to {self.max_len}")
        return found

    def all_rules(self) -> list[str]:
        return _length_rules(self.min_len, self.max_len)


def _check_size(node: _List | _Map, value: Any, path: str, errors: list[str]) -> None:
    size = len(value)
    if node.min_len is not None and size < node.min_len:
        rule = f"Member must have length greater than or equal to {node.min_len}"
        errors.append(_failure(value, path, rule, node.sensitive))
    if node.max_len is not None and size > node.max_len:
        rule = f"Member must have length less than or equal to {node.max_len}"
        errors.append(_failure(value, path, rule, node.sensitive))


@dataclass(eq=False)
class _List(_Node):
    min_len: int | None
    max_len: int | None
    sensitive: bool
    member: _Node = _ANY

    def check(self, value: Any, path: str, errors: list[str]) -> None:
        if not isinstance(value, list):
            raise _type_error(value, "a List", path)
        _check_size(self, value, path, errors)
        for index, item in enumerate(value, start=1):
            item_path = f"{path}.{index}.member"
            if item is None:
                errors.append(_failure(None, item_path, "Member must not be null", False))
            else:
                self.member.check(item, item_path, errors)


@dataclass(eq=False)
class _Map(_Node):
    min_len: int | None
    max_len: int | None
    sensitive: bool
    key: _Node = _ANY
    value: _Node = _ANY

    def check(self, value: Any, path: str, errors: list[str]) -> None:
        if not isinstance(value, dict):
            raise _type_error(value, "a Map", path)
        _check_size(self, value, path, errors)
        bad_key = bad_value = False
        scalar_values = isinstance(self.value, _String | _Integer | _Scalar | _Blob)
        for key, item in value.items():
            bad_key = bad_key or bool(self.key.violations(key, path))
            if scalar_values:
                bad_value = bool(self.value.violations(item, path)) or bad_value
            else:
                self.value.check(item, f"{path}.{key}", errors)
        if bad_key:
            rule = f"Map keys must satisfy constraint: [{', '.join(self.key.all_rules())}]"
            errors.append(_failure(value, path, rule, self.sensitive))
        if bad_value:
            rule = f"Map value must satisfy constraint: [{', '.join(self.value.all_rules())}]"
            errors.append(_failure(value, path, rule, self.sensitive))


@dataclass(eq=False)
class _Structure(_Node):
    sensitive: bool
    members: tuple[tuple[str, str, _Node], ...] = ()  # (wire name, path name, node)
    required: frozenset[str] = frozenset()

    def check(self, value: Any, path: str, errors: list[str]) -> None:
        if not isinstance(value, dict):
            raise _type_error(value, "a Structure", path)
        prefix = f"{path}." if path else ""
        for name, camel, node in self.members:
            item = value.get(name)
            if item is not None:
                node.check(item, prefix + camel, errors)
            elif name in self.required:
                errors.append(_failure(None, prefix + camel, "Member must not be null", False))


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


@functools.cache
def _regex(pattern: str) -> re.Pattern[str]:
    """A model pattern compiled for Python on first use: compiling all of them (large Unicode
    classes) would add a quarter of a second to every worker's start."""
    return re.compile(translate_pattern(pattern), re.ASCII)


class _Compiler:
    def __init__(self) -> None:
        self._memo: dict[tuple[str, bool], _Node] = {}
        self.patterns: set[str] = set()

    def node(self, shape: Any, inherited_sensitive: bool = False) -> _Node:
        meta = shape.metadata
        sensitive = inherited_sensitive or bool(meta.get("sensitive"))
        memo_key = (shape.name, sensitive)
        if memo_key in self._memo:
            return self._memo[memo_key]
        kind = shape.type_name
        lo, hi = meta.get("min"), meta.get("max")
        node: _Node
        if kind == "string":
            pattern = meta.get("pattern")
            if pattern:
                self.patterns.add(pattern)
            node = _String(lo, hi, pattern, tuple(getattr(shape, "enum", ()) or ()), sensitive)
        elif kind in ("integer", "long"):
            node = _Integer(kind, lo, hi, sensitive)
        elif kind in ("boolean", "timestamp", "float", "double"):
            node = _Scalar(kind, sensitive)
        elif kind == "blob":
            node = _Blob(lo, hi, sensitive)
        elif kind == "structure" and meta.get("document"):
            node = _ANY
        elif kind == "structure":
            struct = _Structure(sensitive)
            self._memo[memo_key] = struct  # before recursing: shapes may refer to themselves
            struct.members = tuple(
                (name, _camel(name), self.node(member, sensitive)) for name, member in shape.members.items()
            )
            struct.required = frozenset(shape.required_members)
            return struct
        elif kind == "list":
            seq = _List(lo, hi, sensitive)
            self._memo[memo_key] = seq
            seq.member = self.node(shape.member, sensitive)
            return seq
        elif kind == "map":
            mapping = _Map(lo, hi, sensitive)
            self._memo[memo_key] = mapping
            mapping.key = self.node(shape.key, sensitive)
            mapping.value = self.node(shape.value, sensitive)
            return mapping
        else:
            raise ValueError(f"unsupported shape type {kind!r} ({shape.name})")
        self._memo[memo_key] = node
        return node


@dataclass(frozen=True)
class _Operation:
    name: str
    public: bool
    input: _Node


@dataclass(frozen=True)
class _Model:
    operations: dict[str, _Operation]
    patterns: frozenset[str]


def _is_public(operation_model: Any) -> bool:
    auth = getattr(operation_model, "auth", None) or ()
    return operation_model.auth_type == "none" or "smithy.api#noAuth" in auth


@functools.cache
def _model() -> _Model:
    service = load_service_model(SERVICE_NAME)
    compiler = _Compiler()
    operations = {}
    for name in service.operation_names:
        op = service.operation_model(name)
        node = compiler.node(op.input_shape) if op.input_shape is not None else _Structure(False)
        operations[name] = _Operation(name, _is_public(op), node)
    return _Model(operations, frozenset(compiler.patterns))


def prepare() -> None:
    """Load the model now (a fraction of a second), not on a request; patterns compile on first use."""
    _model()


@functools.cache
def operation_names() -> frozenset[str]:
    """Every operation of the ``cognito-idp`` model (122 in botocore 1.43.11)."""
    return frozenset(_model().operations)


@functools.cache
def public_operation_names() -> frozenset[str]:
    """Operations the model marks ``smithy.api#noAuth``: callable without SigV4 (spec §1.6)."""
    return frozenset(name for name, op in _model().operations.items() if op.public)


def requires_sigv4(operation_name: str) -> bool:
    """True for the admin API; unknown names fail closed."""
    op = _model().operations.get(operation_name)
    return op is None or not op.public


def compiled_patterns() -> dict[str, re.Pattern[str]]:
    """Every model pattern, by its original (Java) text, compiled for Python."""
    return {pattern: _regex(pattern) for pattern in _model().patterns}


def validate_input(operation_name: str, body: dict[str, Any]) -> None:
    """Check a decoded request body (nulls already stripped) against the operation's input shape.

    Raises ``InvalidParameterException`` listing every constraint violation, or
    ``SerializationException`` at the first JSON value of the wrong type.
    """
    op = _model().operations.get(operation_name)
    if op is None:
        raise UnknownOperationException(f"Unknown operation {operation_name}")
    errors: list[str] = []
    op.input.check(body, "", errors)
    if errors:
        raise InvalidParameterException(_message(errors))


def _message(errors: Iterable[str]) -> str:
    items = list(errors)
    plural = "error" if len(items) == 1 else "errors"
    return f"{len(items)} validation {plural} detected: " + "; ".join(items)
