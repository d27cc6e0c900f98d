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

Members a structure of the model does not define are dropped from the body while it is
validated, at any depth, as Cognito's deserializer ignores them: botocore never sends them, and
one sent by hand (``Policies.PasswordPolicy.Foo``) must not be stored and echoed by
DescribeUserPool. Document members (``_ANY``) keep whatever they hold.

Patterns are full-match and use Java syntax; ``wire/patterns.py`` runs them on RE2, in time
linear in the value. Lengths are checked first, and a value over its maximum length is not matched
against its pattern at all: its length is reported alone.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from userpool.model.errors import (
    CognitoError,
    InvalidParameterException,
    SerializationException,
    UnknownOperationException,
)
from userpool.wire.patterns import Pattern, compile_pattern
from userpool.wire.service_model import load_service_model

SERVICE_NAME = "cognito-idp"

_INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


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
        too_long = self.max_len is not None and size > self.max_len
        if self.min_len is not None and size < self.min_len:
            found.append(f"Member must have length greater than or equal to {self.min_len}")
        if too_long:
            found.append(f"Member must have length less than or equal to {self.max_len}")
        # Cheap checks first: a value over its maximum length is never matched (issue 9 item 8).
        elif self.pattern is not None and not _matcher_for(self.pattern).fullmatch(value):
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
        known = 0
        for name, camel, node in self.members:
            item = value.get(name)
            if item is not None:
                known += 1
                node.check(item, prefix + camel, errors)
            elif name in self.required:
                errors.append(_failure(None, prefix + camel, "Member must not be null", False))
        if known < len(value):  # members the model does not define: dropped, never stored or echoed
            for name in [name for name in value if name not in self.names]:
                del value[name]

    @functools.cached_property
    def names(self) -> frozenset[str]:
        return frozenset(name for name, _, _ in self.members)


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _matcher_for(pattern: str) -> Pattern:
    """A model pattern compiled on first use (all of them take ~30 ms), then from the cache."""
    return compile_pattern(pattern)


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


def compiled_patterns() -> dict[str, Pattern]:
    """Every pattern of an operation input, by its original (Java) text, compiled."""
    return {pattern: compile_pattern(pattern) for pattern in _model().patterns}


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
