"""Request validation against botocore's cognito-idp model (spec §1.5, §1.6, Appendix A)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from userpool.model.errors import (
    InvalidParameterException,
    SerializationException,
    UnknownOperationException,
)
from userpool.wire import validation
from userpool.wire.patterns import Pattern, compile_pattern, translate
from userpool.wire.validation import validate_input

POOL = "us-east-1_AbCdEf123"
USERNAME_PATTERN = r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+"
MAP_VALUE_RULES = (
    "Map value must satisfy constraint: [Member must have length less than or equal to 131072, "
    "Member must have length greater than or equal to 0]"
)

SPEC_PUBLIC = frozenset(
    [
        "AssociateSoftwareToken",
        "ChangePassword",
        "CompleteWebAuthnRegistration",
        "ConfirmDevice",
        "ConfirmForgotPassword",
        "ConfirmSignUp",
        "DeleteUser",
        "DeleteUserAttributes",
        "DeleteWebAuthnCredential",
        "ForgetDevice",
        "ForgotPassword",
        "GetDevice",
        "GetTokensFromRefreshToken",
        "GetUser",
        "GetUserAttributeVerificationCode",
        "GetUserAuthFactors",
        "GlobalSignOut",
        "InitiateAuth",
        "ListDevices",
        "ListWebAuthnCredentials",
        "ResendConfirmationCode",
        "RespondToAuthChallenge",
        "RevokeToken",
        "SetUserMFAPreference",
        "SetUserSettings",
        "SignUp",
        "StartWebAuthnRegistration",
        "UpdateAuthEventFeedback",
        "UpdateDeviceStatus",
        "UpdateUserAttributes",
        "VerifySoftwareToken",
        "VerifyUserAttribute",
    ]
)


def message_of(operation: str, body: dict[str, Any]) -> str:
    with pytest.raises(InvalidParameterException) as caught:
        validate_input(operation, body)
    return caught.value.message


# --- the model: operations and who needs SigV4 ----------------------------------------------
def test_operation_inventory_matches_appendix_a() -> None:
    assert len(validation.operation_names()) == 122
    assert len(validation.public_operation_names()) == 32
    assert validation.public_operation_names() == SPEC_PUBLIC


def test_requires_sigv4() -> None:
    assert not validation.requires_sigv4("InitiateAuth")
    assert not validation.requires_sigv4("RespondToAuthChallenge")
    assert validation.requires_sigv4("AdminInitiateAuth")
    assert validation.requires_sigv4("CreateUserPool")
    assert validation.requires_sigv4("NoSuchOperation")  # fail closed
    assert sum(not validation.requires_sigv4(op) for op in validation.operation_names()) == 32


def test_unknown_operation() -> None:
    with pytest.raises(UnknownOperationException):
        validate_input("NoSuchOperation", {})


# --- required members, enums, lengths, patterns ---------------------------------------------
def test_missing_required_members_in_model_order() -> None:
    assert message_of("InitiateAuth", {}) == (
        "2 validation errors detected: "
        "Value null at 'authFlow' failed to satisfy constraint: Member must not be null; "
        "Value null at 'clientId' failed to satisfy constraint: Member must not be null"
    )


def test_one_error_is_singular() -> None:
    assert message_of("InitiateAuth", {"ClientId": "abc"}) == (
        "1 validation error detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null"
    )


def test_bad_enum() -> None:
    assert message_of("InitiateAuth", {"AuthFlow": "NOPE", "ClientId": "abc"}) == (
        "1 validation error detected: Value 'NOPE' at 'authFlow' failed to satisfy constraint: "
        "Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, "
        "CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]"
    )


def test_valid_requests_pass() -> None:
    validate_input("InitiateAuth", {"AuthFlow": "USER_SRP_AUTH", "ClientId": "abc123"})
    validate_input("AdminGetUser", {"UserPoolId": POOL, "Username": "élodie.müller+1@example.com"})
    validate_input("SignUp", {"ClientId": "c", "Username": "用户", "Password": "Pässwörd1!"})


def test_too_long_username_is_sensitive() -> None:
    assert message_of("AdminGetUser", {"UserPoolId": POOL, "Username": "a" * 129}) == (
        "1 validation error detected: Value at 'username' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )


@pytest.mark.parametrize("username", ["al ice", "tab\there", "nbsp\u00a0here", "line\nbreak", "zero\u200bwidth"])
def test_username_rejects_whitespace_and_invisible_characters(username: str) -> None:
    message = message_of("AdminGetUser", {"UserPoolId": POOL, "Username": username})
    assert message == (
        "1 validation error detected: Value at 'username' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {USERNAME_PATTERN}"
    )
    assert username not in message


def test_empty_username_breaks_two_rules() -> None:
    assert message_of("AdminGetUser", {"UserPoolId": POOL, "Username": ""}) == (
        "2 validation errors detected: "
        "Value at 'username' failed to satisfy constraint: Member must have length greater than or equal to 1; "
        "Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: "
        f"{USERNAME_PATTERN}"
    )


def test_sensitive_password_value_is_omitted() -> None:
    message = message_of("SignUp", {"ClientId": "c", "Username": "bob", "Password": "has space"})
    assert message == (
        "1 validation error detected: Value at 'password' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\S]+"
    )
    assert "has space" not in message


def test_non_sensitive_value_is_shown() -> None:
    assert message_of("AdminGetUser", {"UserPoolId": "no-underscore", "Username": "bob"}) == (
        "1 validation error detected: Value 'no-underscore' at 'userPoolId' failed to satisfy "
        r"constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+"
    )


def test_pattern_is_full_match() -> None:
    # [\w-]+_[0-9a-zA-Z]+ would find a match inside this value; the whole value must match
    message = message_of("AdminGetUser", {"UserPoolId": "us-east-1_abc!", "Username": "bob"})
    assert "at 'userPoolId'" in message


def test_java_w_is_ascii_only() -> None:
    message = message_of("InitiateAuth", {"AuthFlow": "USER_SRP_AUTH", "ClientId": "clïent"})
    assert (
        r"Value at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+]+"
        in message
    )


# --- nesting: lists, structures, maps --------------------------------------------------------
def test_nested_list_item_paths_are_one_based() -> None:
    body = {
        "UserPoolId": POOL,
        "Username": "bob",
        "UserAttributes": [{"Name": "n" * 33, "Value": "v" * 2049}, {"Value": "x"}],
    }
    assert message_of("AdminCreateUser", body) == (
        "3 validation errors detected: "
        f"Value '{'n' * 33}' at 'userAttributes.1.member.name' failed to satisfy constraint: "
        "Member must have length less than or equal to 32; "
        "Value at 'userAttributes.1.member.value' failed to satisfy constraint: "
        "Member must have length less than or equal to 2048; "
        "Value null at 'userAttributes.2.member.name' failed to satisfy constraint: Member must not be null"
    )


def test_null_list_element() -> None:
    body = {"UserPoolId": POOL, "Username": "bob", "UserAttributeNames": ["email", None]}
    assert message_of("AdminDeleteUserAttributes", body) == (
        "1 validation error detected: Value null at 'userAttributeNames.2.member' failed to "
        "satisfy constraint: Member must not be null"
    )


def test_nested_structure_path() -> None:
    body = {"UserPoolId": POOL, "ClientName": "app", "TokenValidityUnits": {"AccessToken": "weeks"}}
    assert message_of("CreateUserPoolClient", body) == (
        "1 validation error detected: Value 'weeks' at 'tokenValidityUnits.accessToken' failed to "
        "satisfy constraint: Member must satisfy enum value set: [seconds, minutes, hours, days]"
    )


@pytest.mark.parametrize(
    ("validity", "rule"),
    [
        (0, "Member must have value greater than or equal to 1"),
        (86401, "Member must have value less than or equal to 86400"),
    ],
)
def test_integer_ranges(validity: int, rule: str) -> None:
    body = {"UserPoolId": POOL, "ClientName": "app", "AccessTokenValidity": validity}
    assert message_of("CreateUserPoolClient", body) == (
        f"1 validation error detected: Value '{validity}' at 'accessTokenValidity' failed to satisfy constraint: {rule}"
    )


def test_integer_in_range_passes() -> None:
    validate_input("CreateUserPoolClient", {"UserPoolId": POOL, "ClientName": "app", "AccessTokenValidity": 60})


def test_list_length() -> None:
    body = {"UserPoolId": POOL, "ClientName": "app", "CallbackURLs": [f"https://x/{i}" for i in range(101)]}
    message = message_of("CreateUserPoolClient", body)
    assert message.startswith("1 validation error detected: Value '[https://x/0, https://x/1, ")
    assert message.endswith(
        "at 'callbackURLs' failed to satisfy constraint: Member must have length less than or equal to 100"
    )


def test_map_value_length() -> None:
    body = {"AuthFlow": "USER_SRP_AUTH", "ClientId": "c", "ClientMetadata": {"k": "x" * 131073, "ok": "y"}}
    message = message_of("InitiateAuth", body)
    assert message.startswith("1 validation error detected: Value '{k=xxx")
    assert message.endswith(f", ok=y}}' at 'clientMetadata' failed to satisfy constraint: {MAP_VALUE_RULES}")


def test_sensitive_map_hides_its_values() -> None:
    body = {"AuthFlow": "USER_SRP_AUTH", "ClientId": "c", "AuthParameters": {"SRP_A": "x" * 131073}}
    assert message_of("InitiateAuth", body) == (
        f"1 validation error detected: Value at 'authParameters' failed to satisfy constraint: {MAP_VALUE_RULES}"
    )


def test_map_keys() -> None:
    body = {"UserPoolId": POOL, "UserPoolTags": {"": "v"}}
    message = message_of("UpdateUserPool", body)
    assert "at 'userPoolTags' failed to satisfy constraint: Map keys must satisfy constraint: [" in message
    assert "Member must have length greater than or equal to 1" in message


def test_unknown_members_and_map_keys_are_ignored() -> None:
    validate_input(
        "InitiateAuth",
        {
            "AuthFlow": "USER_SRP_AUTH",
            "ClientId": "c",
            "Unknown": {"anything": [1, 2]},
            "AuthParameters": {"USERNAME": "bob", "WHATEVER": "x"},
        },
    )
    validate_input(
        "AdminCreateUser", {"UserPoolId": POOL, "Username": "b", "UserAttributes": [{"Name": "a", "Extra": 1}]}
    )


def test_unknown_structure_members_are_dropped_at_every_depth() -> None:
    body: dict[str, Any] = {
        "PoolName": "p", "Foo": 1,
        "Policies": {"PasswordPolicy": {"MinimumLength": 9, "Foo": "bar"}, "Bar": {}},
        "Schema": [{"Name": "plan", "AttributeDataType": "String", "Extra": True}],
        "UserPoolTags": {"any-key": "kept"},
    }
    validate_input("CreateUserPool", body)
    assert body == {
        "PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": 9}},
        "Schema": [{"Name": "plan", "AttributeDataType": "String"}], "UserPoolTags": {"any-key": "kept"},
    }
    parameters = {"USERNAME": "bob", "WHATEVER": "x"}  # a map: its keys are not members
    validate_input("InitiateAuth", {"AuthFlow": "USER_SRP_AUTH", "ClientId": "c", "AuthParameters": parameters})
    assert parameters == {"USERNAME": "bob", "WHATEVER": "x"}


def test_documents_accept_any_json() -> None:
    body = {"AccessToken": "abc.def", "Credential": {"id": "x", "response": {"list": [1, True, "s"]}}}
    validate_input("CompleteWebAuthnRegistration", body)
    assert body["Credential"] == {"id": "x", "response": {"list": [1, True, "s"]}}


# --- JSON type mismatches are SerializationException ----------------------------------------
@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("InitiateAuth", {"AuthFlow": "USER_SRP_AUTH", "ClientId": 123}),
        ("InitiateAuth", {"AuthFlow": "USER_SRP_AUTH", "ClientId": {"a": 1}}),
        ("InitiateAuth", {"AuthFlow": "USER_SRP_AUTH", "ClientId": ["c"]}),
        ("InitiateAuth", {"AuthFlow": "USER_SRP_AUTH", "ClientId": "c", "AuthParameters": ["x"]}),
        ("InitiateAuth", {"AuthFlow": "USER_SRP_AUTH", "ClientId": "c", "AuthParameters": {"A": 1}}),
        ("CreateUserPoolClient", {"UserPoolId": POOL, "ClientName": "a", "AccessTokenValidity": "60"}),
        ("CreateUserPoolClient", {"UserPoolId": POOL, "ClientName": "a", "AccessTokenValidity": 1.5}),
        ("CreateUserPoolClient", {"UserPoolId": POOL, "ClientName": "a", "AccessTokenValidity": True}),
        ("CreateUserPoolClient", {"UserPoolId": POOL, "ClientName": "a", "AccessTokenValidity": 2**40}),
        ("CreateUserPoolClient", {"UserPoolId": POOL, "ClientName": "a", "GenerateSecret": "true"}),
        ("CreateUserPoolClient", {"UserPoolId": POOL, "ClientName": "a", "TokenValidityUnits": "x"}),
        ("AdminCreateUser", {"UserPoolId": POOL, "Username": "b", "UserAttributes": {"Name": "a"}}),
        ("SetUICustomization", {"UserPoolId": POOL, "ImageFile": "not base64!"}),
    ],
)
def test_wrong_json_types(operation: str, body: dict[str, Any]) -> None:
    with pytest.raises(SerializationException):
        validate_input(operation, body)


def test_serialization_message_is_readable() -> None:
    with pytest.raises(SerializationException) as caught:
        validate_input("InitiateAuth", {"AuthFlow": "USER_SRP_AUTH", "ClientId": 123})
    assert caught.value.message == "NUMBER_VALUE can not be converted to a String (at 'clientId')"


def test_blob_is_base64() -> None:
    validate_input("SetUICustomization", {"UserPoolId": POOL, "ImageFile": "aGVsbG8="})


# --- Java pattern translation -----------------------------------------------------------------
def test_every_model_pattern_compiles() -> None:
    patterns = validation.compiled_patterns()
    assert len(patterns) >= 30
    assert all(isinstance(p, Pattern) for p in patterns.values())


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("alice", True),
        ("Émilie", True),
        ("用户名", True),
        ("a.b-c_d+e@f", True),
        ("€$^`|~", True),  # symbols
        ("😀", True),  # So
        ("e\u0301", True),  # combining mark
        ("a b", False),
        ("a\u3000b", False),  # ideographic space (Zs)
        ("a\u2028b", False),  # line separator (Zl)
        ("a\x00b", False),  # control (Cc)
        ("\ud800", False),  # lone surrogate (Cs)
    ],
)
def test_username_pattern(text: str, ok: bool) -> None:
    assert validation.compiled_patterns()[USERNAME_PATTERN].fullmatch(text) is ok


def test_unicode_classes_outside_class_and_negated() -> None:
    letters = compile_pattern(r"\p{Lu}+")
    assert letters.fullmatch("ÀBC") and not letters.fullmatch("abc")
    not_space = compile_pattern(r"[^_\p{Z}]+")
    assert not_space.fullmatch("ab") and not not_space.fullmatch("a b") and not not_space.fullmatch("a_b")
    non_letters = compile_pattern(r"\P{L}+")
    assert non_letters.fullmatch("123") and not non_letters.fullmatch("1a")
    with pytest.raises(ValueError, match="not supported"):
        compile_pattern(r"\p{Nope}")


def test_java_whitespace_includes_vertical_tab() -> None:
    """Java's ``\\s`` is ``[ \\t\\n\\x0B\\f\\r]``; RE2's lacks ``\\x0B``."""
    assert translate(r"[\w\s+=,.@-]+") == r"[\w\t\n\x0B\f\r\x20+=,.@-]+"
    assert compile_pattern(r"[\w\s+=,.@-]+").fullmatch("a\x0bb")
    assert not compile_pattern(r"[\S]+").fullmatch("a\x0bb")
    assert compile_pattern(r"[\S]+").fullmatch("a\x85b")
    with pytest.raises(ValueError, match="not supported"):
        translate(r"[a\S]+")


def test_lookbehind_equivalent() -> None:
    """S3BucketType's look-behind has no RE2 spelling; its replacement agrees with Python's ``re``."""
    java = r"^[0-9A-Za-z\.\-_]*(?<!\.)$"
    original = re.compile(java)
    texts = ["", ".", "a", "a.", ".a", "a.b", "a..", "my-bucket_1", "my.bucket.", "x" * 70 + ".", "a b", "a\n"]
    for text in texts:
        assert compile_pattern(java).fullmatch(text) is (original.fullmatch(text) is not None), text


def test_ranges_and_literal_dashes_agree_with_python_re() -> None:
    for java, texts in {
        r"[A-Za-z0-9-_=.]+": ["a-b_c=d.e", "a,b", "-", "a b"],
        r"[\w+=/]+": ["a+b=/c", "a-b", "é"],
        r".*\{####\}.*": ["x{####}y", "x\n{####}", "{###}"],
        r"^cognito:(default|chinese-(simplified|traditional))$": ["cognito:default", "cognito:chinese-", "x"],
    }.items():
        for text in texts:
            expected = re.fullmatch(java, text, re.ASCII) is not None
            assert compile_pattern(java).fullmatch(text) is expected, (java, text)
