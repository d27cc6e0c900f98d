"""In-process checks of the directory's pure helpers: ListUsers filters, masked destinations,
password policy reasons, pagination tokens, attribute changes and the pool schema."""

from __future__ import annotations

import pytest

from userpool.directory import attributes, messages, pagination, schema
from userpool.directory.passwords import check_policy
from userpool.directory.users import parse_filter
from userpool.model.entities import PasswordPolicy
from userpool.model.errors import InvalidParameterException, InvalidPasswordException


@pytest.mark.parametrize(("text", "name", "value", "prefix"), [
    ('email = "a@example.com"', "email", "a@example.com", False),
    ('email ^= "al"', "email", "al", True),
    ('  username="x\\"y"  ', "username", 'x"y', False),
    ('cognito:user_status = "CONFIRMED"', "cognito:user_status", "CONFIRMED", False),
    ('status = "Disabled"', "status", "Disabled", False),
])
def test_parse_filter(text: str, name: str, value: str, prefix: bool) -> None:
    parsed = parse_filter(text)
    assert parsed is not None
    assert (parsed.name, parsed.value, parsed.prefix) == (name, value, prefix)


@pytest.mark.parametrize("text", ['custom:x = "1"', 'email != "a"', "email = a", 'email = "a" and name = "b"'])
def test_parse_filter_rejects(text: str) -> None:
    with pytest.raises(InvalidParameterException):
        parse_filter(text)


def test_no_filter() -> None:
    assert parse_filter(None) is None and parse_filter("") is None


def test_mask() -> None:
    assert messages.mask("EMAIL", "alice@example.com") == "a***@e***"
    assert messages.mask("SMS", "+15551234567") == "+*******4567"
    assert messages.details("EMAIL", "bob@x.org", "email") == {
        "Destination": "b***@x***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}


@pytest.mark.parametrize(("password", "reason"), [
    ("Sh0rt!", "Password not long enough"),
    ("NOLOWER-123", "Password must have lowercase characters"),
    ("noupper-123", "Password must have uppercase characters"),
    ("No-Numbers-Here", "Password must have numeric characters"),
    ("NoSymbols123", "Password must have symbol characters"),
])
def test_password_policy_reasons(password: str, reason: str) -> None:
    with pytest.raises(InvalidPasswordException) as info:
        check_policy(PasswordPolicy(), password)
    assert info.value.message == f"Password did not conform with policy: {reason}"


def test_password_policy_accepts() -> None:
    check_policy(PasswordPolicy(), "Correct-Horse-9")
    check_policy(PasswordPolicy(minimum_length=6, require_symbols=False, require_uppercase=False,
                                require_numbers=False), "simple")


def test_pagination_round_trip() -> None:
    for key in ("alice", "us-east-1_abc", "üñí", ""):
        assert pagination.decode(pagination.encode(key)) == key
    assert pagination.decode(None) is None
    for garbage in ("\xff!!", "%%%", "YWxpY2U%", "a b", "YW+/"):  # "%%%" must not read as "" (from the start)
        with pytest.raises(InvalidParameterException):
            pagination.decode(garbage)
    page = pagination.page(["a", "b", "c"], 2, str, "Items", "Next", lambda s: {"v": s})
    assert page["Items"] == [{"v": "a"}, {"v": "b"}]
    assert pagination.decode(page["Next"]) == "b"
    assert "Next" not in pagination.page(["a"], 2, str, "Items", "Next", lambda s: {"v": s})
    assert pagination.page_limit(None, 60, 60) == 60 and pagination.page_limit(500, 60, 60) == 60


def test_apply_changes_resets_verified_flag() -> None:
    current = {"email": "a@x.com", "email_verified": "true", "name": "A"}
    assert attributes.apply_changes(current, {"email": "b@x.com"})["email_verified"] == "false"
    assert attributes.apply_changes(current, {"email": "a@x.com"})["email_verified"] == "true"
    kept = attributes.apply_changes(current, {"email": "b@x.com", "email_verified": "true"})
    assert kept["email_verified"] == "true"
    assert "name" not in attributes.apply_changes(current, {"name": ""})


def test_schema_custom_attributes() -> None:
    built = schema.build_schema([{"Name": "tenant", "AttributeDataType": "String"},
                                 {"Name": "custom:level", "AttributeDataType": "Number"}])
    names = [a.name for a in built]
    assert {"sub", "email", "email_verified"} <= set(names)
    assert names[-2:] == ["custom:tenant", "custom:level"]
    with pytest.raises(InvalidParameterException):
        schema.build_schema([{"Name": "x" * 21, "AttributeDataType": "String"}])
    with pytest.raises(InvalidParameterException):
        schema.add_custom_attributes(built, [{"Name": "tenant", "AttributeDataType": "String"}])
