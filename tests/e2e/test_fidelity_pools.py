"""Issue 10: pools, schemas and attributes as real Cognito answers them, through boto3 on both
databases. Every refusal is checked for its exact code and message (the sources of each text
are in docs/decisions.md, "Fidelity of pools, schemas and attributes (issue 10)")."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.e2e.conftest import PASSWORD
from tests.e2e.server import ACCESS_KEY, SECRET_KEY, Server

UNAUTHORIZED = "A client attempted to write unauthorized attribute"
NOT_FOUND = "Username/client id combination not found."


def attrs_of(user: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in user.get("UserAttributes") or user.get("Attributes") or []}


def schema_of(idp: Any, pool_id: str) -> dict[str, dict[str, Any]]:
    return {a["Name"]: a for a in idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]}


def create_pool_error(idp: Any, expect_error: Any, schema: list[dict[str, Any]], message: str) -> None:
    with expect_error("InvalidParameterException", message):
        idp.create_user_pool(PoolName=f"bad-{uuid.uuid4().hex[:8]}", Schema=schema)


# --- 1. Boolean attribute values in any case ------------------------------------------------------
def test_boolean_values_are_case_insensitive_and_stored_canonical(
    idp: Any, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool(Schema=[{"Name": "vip", "AttributeDataType": "Boolean"}])
    client = make_client(pool_id)
    idp.admin_create_user(UserPoolId=pool_id, Username="tess", MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "email", "Value": "tess@example.com"}, {"Name": "email_verified", "Value": "True"},
        {"Name": "phone_number", "Value": "+15555550123"}, {"Name": "phone_number_verified", "Value": "FALSE"},
        {"Name": "custom:vip", "Value": "tRuE"},
    ])
    attrs = attrs_of(idp.admin_get_user(UserPoolId=pool_id, Username="tess"))
    assert (attrs["email_verified"], attrs["phone_number_verified"], attrs["custom:vip"]) == ("true", "false", "true")
    # treated as verified: the reset code goes to the e-mail (the phone number is not verified)
    delivery = idp.forgot_password(ClientId=client["ClientId"], Username="tess")["CodeDeliveryDetails"]
    assert (delivery["DeliveryMedium"], delivery["AttributeName"]) == ("EMAIL", "email")

    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="tess", UserAttributes=[
        {"Name": "custom:vip", "Value": "False"}, {"Name": "phone_number_verified", "Value": "TRUE"}])
    attrs = attrs_of(idp.admin_get_user(UserPoolId=pool_id, Username="tess"))
    assert (attrs["custom:vip"], attrs["phone_number_verified"]) == ("false", "true")
    listed = idp.list_users(UserPoolId=pool_id, Filter='username = "tess"')["Users"]
    assert attrs_of(listed[0])["custom:vip"] == "false"


def test_a_value_that_is_no_boolean_is_refused(
    idp: Any, make_pool: Callable[..., str], expect_error: Any,
) -> None:
    pool_id = make_pool()
    with expect_error("InvalidParameterException",
                      "Attributes did not conform to the schema: email_verified: Value must be a boolean "
                      "(true or false).\n"):
        idp.admin_create_user(UserPoolId=pool_id, Username="yves", MessageAction="SUPPRESS", UserAttributes=[
            {"Name": "email", "Value": "yves@example.com"}, {"Name": "email_verified", "Value": "yes"}])


# --- 2. CreateUserPool Schema validation ----------------------------------------------------------
@pytest.mark.parametrize(("schema", "message"), [
    ([{"Name": "tenant"}],
     "Invalid AttributeDataType input, consider using the provided AttributeDataType enum."),
    ([{"Name": "tenant", "AttributeDataType": "String", "StringAttributeConstraints": {"MinLength": "x"}}],
     "Invalid StringAttributeConstraints for schema attribute custom:tenant"),
    ([{"Name": "email", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "-1"}}],
     "Invalid StringAttributeConstraints for schema attribute email"),
    ([{"Name": "level", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MaxValue": "1.5"}}],
     "Invalid NumberAttributeConstraints for schema attribute custom:level"),
    ([{"Name": "updated_at", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "a"}}],
     "Invalid NumberAttributeConstraints for schema attribute updated_at"),
    ([{"Name": "email", "AttributeDataType": "String", "StringAttributeConstraints": {"MinLength": "2049"}}],
     "user.email: String attributes cannot have a length of more than 2048"),
    ([{"Name": "bio", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "4096"}}],
     "user.custom:bio: String attributes cannot have a length of more than 2048"),
    ([{"Name": "email", "AttributeDataType": "String",
       "StringAttributeConstraints": {"MinLength": "2", "MaxLength": "1"}}],
     "user.email: Max length cannot be less than min length."),
    ([{"Name": "updated_at", "AttributeDataType": "Number",
       "NumberAttributeConstraints": {"MinValue": "2", "MaxValue": "1"}}],
     "user.updated_at: Max value cannot be less than min value."),
    ([{"Name": "email", "AttributeDataType": "Number"}],
     "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute email"),
    ([{"Name": "email", "DeveloperOnlyAttribute": True}],
     "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute email"),
    ([{"Name": "banana", "AttributeDataType": "String", "Required": True}],
     "Required custom attributes are not supported currently."),
], ids=["no-data-type", "min-length-nan", "max-length-negative", "max-value-fraction", "min-value-nan",
        "min-length-over-2048", "custom-max-length-over-2048", "min-length-over-max", "min-value-over-max",
        "standard-type-changed", "standard-developer-only", "custom-required"])
def test_schema_problems_get_cognitos_answer(
    idp: Any, expect_error: Any, schema: list[dict[str, Any]], message: str,
) -> None:
    before = {p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]}
    create_pool_error(idp, expect_error, schema, message)
    assert {p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]} <= before  # nothing stored


def test_several_schema_problems_are_reported_together(idp: Any, expect_error: Any) -> None:
    create_pool_error(idp, expect_error, [
        {"Name": "tenant"},
        {"Name": "email", "AttributeDataType": "Boolean"},
        {"Name": "nick", "AttributeDataType": "String",
         "StringAttributeConstraints": {"MinLength": "3000", "MaxLength": "2500"}},
    ], "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.\n"
       "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute email\n"
       "user.custom:nick: String attributes cannot have a length of more than 2048\n"
       "user.custom:nick: Max length cannot be less than min length.\n")


def test_add_custom_attributes_checks_the_schema_too(
    idp: Any, make_pool: Callable[..., str], expect_error: Any,
) -> None:
    pool_id = make_pool()
    with expect_error("InvalidParameterException",
                      "Invalid AttributeDataType input, consider using the provided AttributeDataType enum."):
        idp.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=[{"Name": "plan"}])
    with expect_error("InvalidParameterException", "user.custom:plan: Max length cannot be less than min length."):
        idp.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=[
            {"Name": "plan", "AttributeDataType": "String",
             "StringAttributeConstraints": {"MinLength": "9", "MaxLength": "3"}}])
    assert "custom:plan" not in schema_of(idp, pool_id)


# --- 3. Developer-only attributes -----------------------------------------------------------------
def test_developer_only_attributes_are_named_dev_custom(
    idp: Any, make_pool: Callable[..., str], expect_error: Any,
) -> None:
    banana = {"Name": "banana", "AttributeDataType": "String", "DeveloperOnlyAttribute": True}
    pool_id = make_pool(Schema=[banana])
    schema = schema_of(idp, pool_id)
    assert "custom:banana" not in schema
    assert schema["dev:custom:banana"]["DeveloperOnlyAttribute"] is True
    for attribute in (banana, {**banana, "DeveloperOnlyAttribute": False}):
        with expect_error("InvalidParameterException",
                          "custom:banana: Existing attribute already has name dev:custom:banana."):
            idp.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=[attribute])
    idp.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=[{"Name": "plan", "AttributeDataType": "String"}])
    with expect_error("InvalidParameterException", "custom:plan: Existing attribute already has name custom:plan."):
        idp.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=[
            {"Name": "plan", "AttributeDataType": "String", "DeveloperOnlyAttribute": True}])


def test_developer_only_attributes_are_for_administrators_only(
    idp: Any, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]], make_user: Any,
    sign_in: Any, verify_token: Any, expect_error: Any,
) -> None:
    pool_id = make_pool(Schema=[{"Name": "tier", "AttributeDataType": "String", "DeveloperOnlyAttribute": True}])
    client = make_client(pool_id)
    make_user(pool_id, "dora", email="dora@example.com", **{"dev:custom:tier": "gold"})
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="dora",
                                     UserAttributes=[{"Name": "dev:custom:tier", "Value": "platinum"}])
    # administrators read it
    assert attrs_of(idp.admin_get_user(UserPoolId=pool_id, Username="dora"))["dev:custom:tier"] == "platinum"
    listed = idp.list_users(UserPoolId=pool_id, Filter='username = "dora"')["Users"]
    assert attrs_of(listed[0])["dev:custom:tier"] == "platinum"
    # the custom: name is not it
    with expect_error("InvalidParameterException",
                      "Attributes did not conform to the schema: custom:tier: Attribute does not exist in the "
                      "schema.\n"):
        idp.admin_update_user_attributes(UserPoolId=pool_id, Username="dora",
                                         UserAttributes=[{"Name": "custom:tier", "Value": "x"}])

    # users neither read nor write it
    tokens = sign_in(client, "dora")["AuthenticationResult"]
    got = attrs_of(idp.get_user(AccessToken=tokens["AccessToken"]))
    assert got["email"] == "dora@example.com" and not any(name.startswith("dev:") for name in got)
    claims = verify_token(tokens["IdToken"], pool_id, client["ClientId"])
    assert claims["email"] == "dora@example.com" and not any(name.startswith("dev:") for name in claims)
    with expect_error("NotAuthorizedException", UNAUTHORIZED):
        idp.update_user_attributes(AccessToken=tokens["AccessToken"],
                                   UserAttributes=[{"Name": "dev:custom:tier", "Value": "free"}])
    with expect_error("NotAuthorizedException", UNAUTHORIZED):
        idp.delete_user_attributes(AccessToken=tokens["AccessToken"], UserAttributeNames=["dev:custom:tier"])
    with expect_error("NotAuthorizedException", UNAUTHORIZED):
        idp.sign_up(ClientId=client["ClientId"], Username="eve", Password=PASSWORD,
                    UserAttributes=[{"Name": "dev:custom:tier", "Value": "gold"}])
    assert attrs_of(idp.admin_get_user(UserPoolId=pool_id, Username="dora"))["dev:custom:tier"] == "platinum"

    # and no app client can be given it
    for key, word in (("ReadAttributes", "read"), ("WriteAttributes", "write")):
        with expect_error("InvalidParameterException", f"Invalid {word} attributes specified while creating a client"):
            idp.create_user_pool_client(UserPoolId=pool_id, ClientName="dev", **{key: ["email", "dev:custom:tier"]})


def test_new_password_challenge_does_not_show_developer_only_attributes(
    idp: Any, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]], sign_in: Any,
) -> None:
    pool_id = make_pool(Schema=[{"Name": "tier", "AttributeDataType": "String", "DeveloperOnlyAttribute": True}])
    client = make_client(pool_id)
    idp.admin_create_user(UserPoolId=pool_id, Username="nina", TemporaryPassword="Temporary-Pass-1",
                          MessageAction="SUPPRESS", UserAttributes=[
                              {"Name": "name", "Value": "Nina"}, {"Name": "dev:custom:tier", "Value": "gold"}])
    challenge = sign_in(client, "nina", "Temporary-Pass-1")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert json.loads(challenge["ChallengeParameters"]["userAttributes"]) == {"name": "Nina"}


# --- 4. Template mirroring ------------------------------------------------------------------------
def test_verification_template_and_older_members_mirror_each_other(
    idp: Any, make_pool: Callable[..., str],
) -> None:
    template = {"SmsMessage": "sms {####}", "EmailMessage": "mail {####}", "EmailSubject": "subject",
                "DefaultEmailOption": "CONFIRM_WITH_CODE"}
    pool = idp.describe_user_pool(UserPoolId=make_pool(VerificationMessageTemplate=template))["UserPool"]
    assert (pool["SmsVerificationMessage"], pool["EmailVerificationMessage"], pool["EmailVerificationSubject"]) == (
        "sms {####}", "mail {####}", "subject")

    pool_id = make_pool(SmsVerificationMessage="old sms {####}", EmailVerificationMessage="old mail {####}",
                        EmailVerificationSubject="old subject")
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["VerificationMessageTemplate"]
    assert (described["SmsMessage"], described["EmailMessage"], described["EmailSubject"]) == (
        "old sms {####}", "old mail {####}", "old subject")

    idp.update_user_pool(UserPoolId=pool_id, VerificationMessageTemplate={"EmailMessage": "new mail {####}"})
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["EmailVerificationMessage"] == "new mail {####}"
    assert pool["VerificationMessageTemplate"]["EmailMessage"] == "new mail {####}"
    assert "SmsVerificationMessage" not in pool  # UpdateUserPool replaces the settings it is not given

    idp.update_user_pool(UserPoolId=pool_id, EmailVerificationSubject="updated subject")
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["VerificationMessageTemplate"]["EmailSubject"] == "updated subject"


def test_mirrored_template_is_the_message_sent(
    idp: Any, server: Server, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["email"], EmailVerificationMessage="Hello {####}!",
                        EmailVerificationSubject="Your code")
    client = make_client(pool_id)
    name = f"mirror-{uuid.uuid4().hex[:6]}"
    idp.sign_up(ClientId=client["ClientId"], Username=name, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
    message = next(m for m in reversed(server.outbox()) if m["username"] == name)
    assert message["subject"] == "Your code"
    assert message["body"] == f"Hello {message['code']}!"


# --- 5. Messages ----------------------------------------------------------------------------------
def test_alias_exists_names_the_given_attribute(
    idp: Any, make_pool: Callable[..., str], make_user: Any, expect_error: Any,
) -> None:
    pool_id = make_pool(AliasAttributes=["email", "phone_number"])
    make_user(pool_id, "owner", email="owner@example.com", email_verified="true",
              phone_number="+15555550100", phone_number_verified="true")
    make_user(pool_id, "other")
    with expect_error("AliasExistsException", "An account with the given email already exists."):
        idp.admin_update_user_attributes(UserPoolId=pool_id, Username="other", UserAttributes=[
            {"Name": "email", "Value": "owner@example.com"}, {"Name": "email_verified", "Value": "true"}])
    with expect_error("AliasExistsException", "An account with the given phone_number already exists."):
        idp.admin_update_user_attributes(UserPoolId=pool_id, Username="other", UserAttributes=[
            {"Name": "phone_number", "Value": "+15555550100"}, {"Name": "phone_number_verified", "Value": "true"}])
    with expect_error("AliasExistsException", "An account with the given email already exists."):
        idp.admin_create_user(UserPoolId=pool_id, Username="third", MessageAction="SUPPRESS", UserAttributes=[
            {"Name": "email", "Value": "owner@example.com"}, {"Name": "email_verified", "Value": "true"}])


def test_admin_delete_user_attributes_lists_every_unknown_name(
    idp: Any, make_pool: Callable[..., str], make_user: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    make_user(pool_id, "dan", name="Dan")
    with expect_error("InvalidParameterException",
                      "Invalid user attributes: user.nope: Attribute does not exist in the schema.\n"
                      "user.custom:gone: Attribute does not exist in the schema.\n"):
        idp.admin_delete_user_attributes(UserPoolId=pool_id, Username="dan",
                                         UserAttributeNames=["nope", "name", "custom:gone"])
    assert attrs_of(idp.admin_get_user(UserPoolId=pool_id, Username="dan"))["name"] == "Dan"


def test_unknown_user_in_sign_up_and_recovery_operations(
    idp: Any, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]], expect_error: Any,
) -> None:
    client_id = make_client(make_pool(), PreventUserExistenceErrors="LEGACY")["ClientId"]
    with expect_error("UserNotFoundException", NOT_FOUND):
        idp.forgot_password(ClientId=client_id, Username="ghost")
    with expect_error("UserNotFoundException", NOT_FOUND):
        idp.confirm_forgot_password(ClientId=client_id, Username="ghost", ConfirmationCode="123456",
                                    Password=PASSWORD)
    with expect_error("UserNotFoundException", NOT_FOUND):
        idp.resend_confirmation_code(ClientId=client_id, Username="ghost")
    with expect_error("UserNotFoundException", NOT_FOUND):
        idp.confirm_sign_up(ClientId=client_id, Username="ghost", ConfirmationCode="123456")
    # sign-in keeps its own text
    with expect_error("UserNotFoundException", "User does not exist."):
        idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "ghost", "PASSWORD": PASSWORD})


@pytest.mark.parametrize(("key", "word"), [("ReadAttributes", "read"), ("WriteAttributes", "write")])
def test_invalid_client_attribute_lists(
    idp: Any, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]], expect_error: Any,
    key: str, word: str,
) -> None:
    pool_id = make_pool()
    with expect_error("InvalidParameterException", f"Invalid {word} attributes specified while creating a client"):
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="bad", **{key: ["email", "custom:missing"]})
    client_id = make_client(pool_id)["ClientId"]
    with expect_error("InvalidParameterException", f"Invalid {word} attributes specified while updating a client"):
        idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, **{key: ["shoe_size"]})


def test_list_users_unknown_search_attribute(
    idp: Any, make_pool: Callable[..., str], expect_error: Any,
) -> None:
    with expect_error("InvalidParameterException", "Invalid search attribute: custom:tenant"):
        idp.list_users(UserPoolId=make_pool(), Filter='custom:tenant = "acme"')


# --- 6. Defaults ----------------------------------------------------------------------------------
def test_no_account_recovery_setting_unless_given_and_legacy_order(
    idp: Any, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool()
    assert "AccountRecoverySetting" not in idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    client_id = make_client(pool_id)["ClientId"]
    both = [{"Name": "email", "Value": "both@example.com"}, {"Name": "email_verified", "Value": "true"},
            {"Name": "phone_number", "Value": "+15555550199"}, {"Name": "phone_number_verified", "Value": "true"}]
    idp.admin_create_user(UserPoolId=pool_id, Username="both", MessageAction="SUPPRESS", UserAttributes=both)
    # without the setting: the legacy behaviour, "SMS is preferred over email"
    assert idp.forgot_password(ClientId=client_id, Username="both")["CodeDeliveryDetails"]["DeliveryMedium"] == "SMS"

    setting = {"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]}
    pool_id = make_pool(AccountRecoverySetting=setting)
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["AccountRecoverySetting"] == setting
    client_id = make_client(pool_id)["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="both", MessageAction="SUPPRESS", UserAttributes=both)
    assert idp.forgot_password(ClientId=client_id, Username="both")["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"


def test_custom_attribute_constraints_are_reported_as_given(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool(Schema=[
        {"Name": "plain", "AttributeDataType": "String"},
        {"Name": "count", "AttributeDataType": "Number"},
        {"Name": "short", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "10"}},
        {"Name": "floor", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "3"}},
        {"Name": "flag", "AttributeDataType": "Boolean", "StringAttributeConstraints": {"MaxLength": "10"}},
        {"Name": "given_name", "AttributeDataType": "String", "Required": True,
         "StringAttributeConstraints": {"MinLength": "2", "MaxLength": "100"}},
    ])
    schema = schema_of(idp, pool_id)
    assert schema["custom:plain"]["StringAttributeConstraints"] == {}
    assert "NumberAttributeConstraints" not in schema["custom:count"]
    assert schema["custom:short"]["StringAttributeConstraints"] == {"MaxLength": "10"}
    assert schema["custom:floor"]["NumberAttributeConstraints"] == {"MinValue": "3"}
    assert "StringAttributeConstraints" not in schema["custom:flag"]
    assert schema["given_name"]["StringAttributeConstraints"] == {"MinLength": "2", "MaxLength": "100"}
    assert schema["given_name"]["Required"] is True
    # standard attributes keep their own constraints
    assert schema["email"]["StringAttributeConstraints"] == {"MinLength": "0", "MaxLength": "2048"}
    assert schema["birthdate"]["StringAttributeConstraints"] == {"MinLength": "10", "MaxLength": "10"}
    assert schema["updated_at"]["NumberAttributeConstraints"] == {"MinValue": "0"}


def test_custom_string_limits_apply(idp: Any, make_pool: Callable[..., str], expect_error: Any) -> None:
    pool_id = make_pool(Schema=[
        {"Name": "plain", "AttributeDataType": "String"},
        {"Name": "short", "AttributeDataType": "String", "StringAttributeConstraints": {"MaxLength": "5"}},
    ])
    idp.admin_create_user(UserPoolId=pool_id, Username="long", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "custom:plain", "Value": "x" * 2048}])
    with expect_error("InvalidParameterException",
                      "Attributes did not conform to the schema: custom:short: String must be no longer than 5 "
                      "characters\n"):
        idp.admin_update_user_attributes(UserPoolId=pool_id, Username="long",
                                         UserAttributes=[{"Name": "custom:short", "Value": "x" * 6}])


# --- Unknown members of settings structures --------------------------------------------------------
def _signed_post(server: Server, operation: str, body: dict[str, Any]) -> httpx.Response:
    """A raw signed request: botocore refuses unknown members before sending, a raw client does not."""
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1",
               "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}"}
    request = AWSRequest(method="POST", url=server.url + "/", data=data, headers=headers)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "cognito-idp", "us-east-1").add_auth(request)
    return httpx.post(server.url + "/", content=data, headers=dict(request.headers.items()), timeout=30)


def test_unknown_members_of_settings_are_dropped(server: Server, idp: Any) -> None:
    response = _signed_post(server, "CreateUserPool", {
        "PoolName": "unknown-members", "Foo": 1,
        "Policies": {"PasswordPolicy": {"MinimumLength": 10, "Foo": "bar"}, "Bar": {"x": 1}},
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True, "InviteMessageTemplate": {"Baz": "q"}},
        "Schema": [{"Name": "plan", "AttributeDataType": "String", "Extra": True}],
    })
    assert response.status_code == 200, response.text
    created = response.json()["UserPool"]
    pool = idp.describe_user_pool(UserPoolId=created["Id"])["UserPool"]
    for described in (created, pool):
        assert "Foo" not in described
        assert "Bar" not in described["Policies"]
        assert "Foo" not in described["Policies"]["PasswordPolicy"]
        assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
        assert described["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
        assert "Baz" not in described["AdminCreateUserConfig"].get("InviteMessageTemplate", {})
    client = _signed_post(server, "CreateUserPoolClient", {
        "UserPoolId": created["Id"], "ClientName": "c", "TokenValidityUnits": {"AccessToken": "hours", "Odd": 1}})
    assert client.status_code == 200, client.text
    described_client = idp.describe_user_pool_client(UserPoolId=created["Id"],
                                                     ClientId=client.json()["UserPoolClient"]["ClientId"])
    assert "Odd" not in described_client["UserPoolClient"]["TokenValidityUnits"]
