"""User-pool schema: the standard attributes and ``custom:`` ones (spec §2.1).

Converts between ``SchemaAttributeType`` dicts and ``SchemaAttribute`` entities, applies
Cognito's defaults, and checks attribute writes against the schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from userpool.model.entities import SchemaAttribute
from userpool.model.errors import InvalidParameterException

_STRING = {"MinLength": "0", "MaxLength": "2048"}

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


def build_schema(requested: Iterable[Mapping[str, Any]] | None) -> tuple[SchemaAttribute, ...]:
    """The pool schema: standard attributes, overridden by ``Schema`` entries, plus custom ones."""
    attributes = dict(STANDARD_ATTRIBUTES)
    custom: list[SchemaAttribute] = []
    for raw in requested or ():
        name = str(raw.get("Name", ""))
        if not name:
            raise InvalidParameterException("Schema attribute name is required.")
        parsed = _parse(raw, name)
        if name in STANDARD_ATTRIBUTES:
            if name == "sub":
                continue
            attributes[name] = parsed
        else:
            if name.startswith("custom:"):
                name = name[len("custom:"):]
            if not 1 <= len(name) <= 20:
                raise InvalidParameterException(
                    f"Custom attribute name {name} must be between 1 and 20 characters."
                )
            if parsed.required:
                raise InvalidParameterException("Required custom attributes are not supported currently.")
            custom.append(replace(parsed, name=f"custom:{name}"))
    if len({c.name for c in custom}) != len(custom):
        raise InvalidParameterException("Duplicate custom attribute names are not allowed.")
    if len(custom) > 50:
        raise InvalidParameterException("A user pool can have at most 50 custom attributes.")
    return (*attributes.values(), *custom)


def add_custom_attributes(
    schema: tuple[SchemaAttribute, ...], requested: Iterable[Mapping[str, Any]]
) -> tuple[SchemaAttribute, ...]:
    """AddCustomAttributes: new ``custom:`` attributes appended; existing names refused."""
    existing = {a.name for a in schema}
    extra = build_schema(requested)[len(STANDARD_ATTRIBUTES):]
    for attribute in extra:
        if attribute.name in existing:
            raise InvalidParameterException(f"Existing attribute already has name {attribute.name}.")
    return (*schema, *extra)


def _parse(raw: Mapping[str, Any], name: str) -> SchemaAttribute:
    data_type = str(raw.get("AttributeDataType") or "String")
    strings = raw.get("StringAttributeConstraints") or {}
    numbers = raw.get("NumberAttributeConstraints") or {}
    return SchemaAttribute(
        name=name,
        data_type=data_type,
        developer_only=bool(raw.get("DeveloperOnlyAttribute", False)),
        mutable=bool(raw.get("Mutable", True)),
        required=bool(raw.get("Required", False)),
        min_length=_int_or_none(strings.get("MinLength")) if data_type == "String" else None,
        max_length=_int_or_none(strings.get("MaxLength")) if data_type == "String" else None,
        min_value=_int_or_none(numbers.get("MinValue")) if data_type == "Number" else None,
        max_value=_int_or_none(numbers.get("MaxValue")) if data_type == "Number" else None,
    )


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidParameterException(f"Invalid schema constraint value: {value}") from None


def to_wire(attribute: SchemaAttribute) -> dict[str, Any]:
    """A ``SchemaAttributeType`` as DescribeUserPool returns it."""
    out: dict[str, Any] = {
        "Name": attribute.name,
        "AttributeDataType": attribute.data_type,
        "DeveloperOnlyAttribute": attribute.developer_only,
        "Mutable": attribute.mutable,
        "Required": attribute.required,
    }
    if attribute.data_type == "String":
        constraints = dict(_STRING)
        if attribute.min_length is not None:
            constraints["MinLength"] = str(attribute.min_length)
        if attribute.max_length is not None:
            constraints["MaxLength"] = str(attribute.max_length)
        out["StringAttributeConstraints"] = constraints
    elif attribute.data_type == "Number":
        numbers: dict[str, str] = {}
        if attribute.min_value is not None:
            numbers["MinValue"] = str(attribute.min_value)
        if attribute.max_value is not None:
            numbers["MaxValue"] = str(attribute.max_value)
        out["NumberAttributeConstraints"] = numbers
    return out

