"""User-pool schema: the standard attributes and ``custom:`` ones (spec §2.1).

Converts between ``SchemaAttributeType`` dicts and ``SchemaAttribute`` entities, applies
Cognito's defaults, and checks attribute writes against the schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from userpool.model.entities import SchemaAttribute
from userpool.model.errors import InvalidParameterException

STANDARD_ATTRIBUTES: dict[str, SchemaAttribute] = {
    a.name: a
    for a in (
        SchemaAttribute("sub", mutable=False, required=True, min_length=1, max_length=2048),
        *(SchemaAttribute(n, min_length=0, max_length=2048) for n in (
            "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
            "profile", "picture", "website", "email")),
        SchemaAttribute("email_verified", data_type="Boolean"),
        SchemaAttribute("gender", min_length=0, max_length=2048),
        SchemaAttribute("birthdate", min_length=10, max_length=10),
        SchemaAttribute("zoneinfo", min_length=0, max_length=2048),
        SchemaAttribute("locale", min_length=0, max_length=2048),
        SchemaAttribute("phone_number", min_length=0, max_length=2048),
        SchemaAttribute("phone_number_verified", data_type="Boolean"),
        SchemaAttribute("address", min_length=0, max_length=2048),
        SchemaAttribute("updated_at", data_type="Number", min_value=0),
    )
}

VERIFIED_FLAGS = {"email": "email_verified", "phone_number": "phone_number_verified"}
DEVELOPER_PREFIX = "dev:"
"""Developer-only custom attributes are named ``dev:custom:{name}`` (in the schema and on users)."""
STRING_LIMIT = 2048
_CONSTRAINTS = {
    "String": ("StringAttributeConstraints", "MinLength", "MaxLength", "length"),
    "Number": ("NumberAttributeConstraints", "MinValue", "MaxValue", "value"),
}


def is_developer_only(name: str) -> bool:
    """A ``dev:custom:`` attribute: written only by administrators, never read through a user's
    tokens (GetUser, ID token, NEW_PASSWORD_REQUIRED's userAttributes)."""
    return name.startswith(DEVELOPER_PREFIX)


def build_schema(requested: Iterable[Mapping[str, Any]] | None) -> tuple[SchemaAttribute, ...]:
    """CreateUserPool's ``Schema``: standard attributes, overridden by ``Schema`` entries, plus
    custom ones. Every problem of every entry is reported at once (``_refuse``)."""
    attributes = dict(STANDARD_ATTRIBUTES)
    custom: list[SchemaAttribute] = []
    problems: list[str] = []
    for raw in requested or ():
        name = str(raw.get("Name", ""))
        if name in STANDARD_ATTRIBUTES:
            standard = _standard(raw, name, problems)
            if name != "sub":
                attributes[name] = standard
        else:
            custom.append(_custom(raw, name, problems))
    _refuse(problems)
    _check_custom(custom, len(custom))
    return (*attributes.values(), *custom)


def add_custom_attributes(
    schema: tuple[SchemaAttribute, ...], requested: Iterable[Mapping[str, Any]]
) -> tuple[SchemaAttribute, ...]:
    """AddCustomAttributes: new ``custom:`` (or ``dev:custom:``) attributes appended. A name the
    pool already has, developer-only or not, is refused naming the stored attribute:
    "custom:banana: Existing attribute already has name dev:custom:banana."."""
    problems: list[str] = []
    extra = [_custom(raw, str(raw.get("Name", "")), problems) for raw in requested]
    _refuse(problems)
    stored = {_public_name(a.name): a.name for a in schema}
    for attribute in extra:
        name = _public_name(attribute.name)
        if name in stored:
            raise InvalidParameterException(f"{name}: Existing attribute already has name {stored[name]}.")
    _check_custom(extra, sum(1 for a in schema if a.name not in STANDARD_ATTRIBUTES) + len(extra))
    return (*schema, *extra)


def _public_name(name: str) -> str:
    return name[len(DEVELOPER_PREFIX):] if is_developer_only(name) else name


def _check_custom(custom: list[SchemaAttribute], total: int) -> None:
    if len({c.name for c in custom}) != len(custom):
        raise InvalidParameterException("Duplicate custom attribute names are not allowed.")
    if total > 50:
        raise InvalidParameterException("A user pool can have at most 50 custom attributes.")


def _refuse(problems: list[str]) -> None:
    """One problem is the message; several are each followed by a newline, as Cognito joins them."""
    if len(problems) == 1:
        raise InvalidParameterException(problems[0])
    if problems:
        raise InvalidParameterException("".join(f"{p}\n" for p in problems))


def _standard(raw: Mapping[str, Any], name: str, problems: list[str]) -> SchemaAttribute:
    """A standard attribute may change Mutable, Required and its constraints, never its type;
    it cannot be developer-only."""
    base = STANDARD_ATTRIBUTES[name]
    given_type = raw.get("AttributeDataType")
    if (given_type and given_type != base.data_type) or raw.get("DeveloperOnlyAttribute"):
        problems.append(
            f"You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {name}"
        )
        return base
    if _CONSTRAINTS.get(base.data_type, ("",))[0] in raw:
        low, high = _constraints(raw, name, base.data_type, problems)
    elif base.data_type == "String":
        low, high = base.min_length, base.max_length
    else:
        low, high = base.min_value, base.max_value
    return _attribute(base.name, base.data_type, False, bool(raw.get("Mutable", base.mutable)),
                      bool(raw.get("Required", base.required)), low, high)


def _custom(raw: Mapping[str, Any], name: str, problems: list[str]) -> SchemaAttribute:
    """A custom attribute: ``custom:{name}``, or ``dev:custom:{name}`` when developer-only; its
    AttributeDataType is required; it is never required; only the constraints given are kept."""
    if name.startswith("custom:"):
        name = name[len("custom:"):]
    if not 1 <= len(name) <= 20:
        raise InvalidParameterException(f"Custom attribute name {name} must be between 1 and 20 characters.")
    developer_only = bool(raw.get("DeveloperOnlyAttribute", False))
    full = f"{DEVELOPER_PREFIX if developer_only else ''}custom:{name}"
    data_type = raw.get("AttributeDataType")
    if not data_type:
        problems.append("Invalid AttributeDataType input, consider using the provided AttributeDataType enum.")
        data_type = "String"
    if raw.get("Required"):
        problems.append("Required custom attributes are not supported currently.")
    low, high = _constraints(raw, full, str(data_type), problems)
    return _attribute(full, str(data_type), developer_only, bool(raw.get("Mutable", True)), False, low, high)


def _attribute(name: str, data_type: str, developer_only: bool, mutable: bool, required: bool,
               low: int | None, high: int | None) -> SchemaAttribute:
    string, number = data_type == "String", data_type == "Number"
    return SchemaAttribute(
        name=name, data_type=data_type, developer_only=developer_only, mutable=mutable, required=required,
        min_length=low if string else None, max_length=high if string else None,
        min_value=low if number else None, max_value=high if number else None,
    )


def _constraints(
    raw: Mapping[str, Any], name: str, data_type: str, problems: list[str]
) -> tuple[int | None, int | None]:
    """The (min, max) of the constraints matching ``data_type``, as given; the other type's
    constraints are ignored, as Cognito does."""
    if data_type not in _CONSTRAINTS:
        return None, None
    key, low_key, high_key, what = _CONSTRAINTS[data_type]
    given = raw.get(key) or {}
    bounds: list[int | None] = []
    for member in (low_key, high_key):
        value = given.get(member)
        if value is None or value == "":
            bounds.append(None)
        elif isinstance(value, str) and value.isascii() and value.isdigit():
            bounds.append(int(value))
        else:
            problems.append(f"Invalid {key} for schema attribute {name}")
            return None, None
    low, high = bounds
    if data_type == "String" and any(b is not None and b > STRING_LIMIT for b in bounds):
        problems.append(f"user.{name}: String attributes cannot have a length of more than {STRING_LIMIT}")
    if low is not None and high is not None and low > high:
        problems.append(f"user.{name}: Max {what} cannot be less than min {what}.")
    return low, high


def to_wire(attribute: SchemaAttribute) -> dict[str, Any]:
    """A ``SchemaAttributeType`` as DescribeUserPool returns it: the constraints as given (a
    custom String attribute created without any shows ``StringAttributeConstraints: {}``, a
    Number one none), the standard attributes' own."""
    out: dict[str, Any] = {
        "Name": attribute.name,
        "AttributeDataType": attribute.data_type,
        "DeveloperOnlyAttribute": attribute.developer_only,
        "Mutable": attribute.mutable,
        "Required": attribute.required,
    }
    if attribute.data_type == "String":
        strings: dict[str, str] = {}
        if attribute.min_length is not None:
            strings["MinLength"] = str(attribute.min_length)
        if attribute.max_length is not None:
            strings["MaxLength"] = str(attribute.max_length)
        out["StringAttributeConstraints"] = strings
    elif attribute.data_type == "Number":
        numbers: dict[str, str] = {}
        if attribute.min_value is not None:
            numbers["MinValue"] = str(attribute.min_value)
        if attribute.max_value is not None:
            numbers["MaxValue"] = str(attribute.max_value)
        if numbers:
            out["NumberAttributeConstraints"] = numbers
    return out
