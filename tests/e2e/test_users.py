"""Admin user management through boto3 (spec §2.3, §3.8): AdminCreateUser, AdminGetUser,
AdminSetUserPassword, AdminEnable/DisableUser, attribute operations, AdminConfirmSignUp,
AdminDeleteUser, ListUsers, and how case-insensitive, UsernameAttributes and alias pools name users."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable
from typing import Any

from tests.e2e.conftest import PASSWORD, raises_code
from tests.e2e.server import Server

SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-")


def attrs_of(user: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in user.get("UserAttributes", user.get("Attributes", []))}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_admin_create_user_invites_with_a_temporary_password(
    idp: Any, server: Server, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool()
    name = unique("ivy")
    user = idp.admin_create_user(
        UserPoolId=pool_id, Username=name, DesiredDeliveryMediums=["EMAIL"],
        UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
    )["User"]
    assert user["Username"] == name
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert user["Enabled"] is True
    sub = attrs_of(user)["sub"]
    assert uuid.UUID(sub).version == 4 and sub == sub.lower()

    invite = [m for m in server.outbox() if m["username"] == name]
    assert [m["purpose"] for m in invite] == ["ADMIN_CREATE_USER"]
    assert invite[0]["medium"] == "EMAIL" and invite[0]["destination"] == f"{name}@example.com"
    temporary = invite[0]["code"]
    assert temporary in invite[0]["body"]
    assert len(temporary) >= 8
    assert any(c.isupper() for c in temporary) and any(c.islower() for c in temporary)
    assert any(c.isdigit() for c in temporary) and any(c in SYMBOLS for c in temporary)

    # The invitation's password is the one that signs in (and asks for a new password).
    client_id = make_client(pool_id)["ClientId"]
    answer = idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": name, "PASSWORD": temporary})
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_admin_create_user_suppress_existing_resend_and_policy(
    idp: Any, server: Server, make_pool: Callable[..., str],
) -> None:
    pool_id = make_pool()
    name = unique("sam")
    idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS",
                          DesiredDeliveryMediums=["EMAIL"],
                          UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
    assert not [m for m in server.outbox() if m["username"] == name]

    with raises_code("UsernameExistsException", "^User account already exists$"):
        idp.admin_create_user(UserPoolId=pool_id, Username=name)

    # RESEND re-invites a FORCE_CHANGE_PASSWORD user, and only such a user.
    idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="RESEND",
                          DesiredDeliveryMediums=["EMAIL"])
    assert [m["purpose"] for m in server.outbox() if m["username"] == name] == ["ADMIN_CREATE_USER"]
    idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)
    with raises_code("UnsupportedUserStateException"):
        idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="RESEND")

    with raises_code("InvalidPasswordException", "^Password did not conform with policy: "):
        idp.admin_create_user(UserPoolId=pool_id, Username=unique("weak"), TemporaryPassword="short",
                              MessageAction="SUPPRESS")
    given = idp.admin_create_user(UserPoolId=pool_id, Username=unique("temp"), TemporaryPassword="Temp-Pass-123",
                                  MessageAction="SUPPRESS")["User"]
    assert given["UserStatus"] == "FORCE_CHANGE_PASSWORD"


def test_admin_get_user_by_username_sub_and_alias(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool(AliasAttributes=["email"])
    created = idp.admin_create_user(
        UserPoolId=pool_id, Username="gus", MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "gus@example.com"}, {"Name": "email_verified", "Value": "true"},
                        {"Name": "given_name", "Value": "Gus"}],
    )["User"]
    sub = attrs_of(created)["sub"]
    for typed in ("gus", sub, "gus@example.com"):
        user = idp.admin_get_user(UserPoolId=pool_id, Username=typed)
        assert user["Username"] == "gus", typed
        assert attrs_of(user)["given_name"] == "Gus"
        assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD" and user["Enabled"] is True
        assert user["UserCreateDate"] and user["UserLastModifiedDate"]
    with raises_code("UserNotFoundException", r"^User does not exist\.$"):
        idp.admin_get_user(UserPoolId=pool_id, Username="nobody")


def test_admin_set_user_password_statuses(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    idp.admin_create_user(UserPoolId=pool_id, Username="pat", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="pat", Password=PASSWORD, Permanent=True)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="pat")["UserStatus"] == "CONFIRMED"
    idp.admin_set_user_password(UserPoolId=pool_id, Username="pat", Password="Other-Pass-42", Permanent=False)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="pat")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    with raises_code("InvalidPasswordException", "Password did not conform with policy: "):
        idp.admin_set_user_password(UserPoolId=pool_id, Username="pat", Password="alllowercase1!", Permanent=True)
    with raises_code("UserNotFoundException"):
        idp.admin_set_user_password(UserPoolId=pool_id, Username="ghost", Password=PASSWORD, Permanent=True)


def test_password_history(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool(Policies={"PasswordPolicy": {"MinimumLength": 8, "PasswordHistorySize": 2}})
    idp.admin_create_user(UserPoolId=pool_id, Username="hal", MessageAction="SUPPRESS")
    first, second, third = "First-Pass-1", "Second-Pass-2", "Third-Pass-3"
    idp.admin_set_user_password(UserPoolId=pool_id, Username="hal", Password=first, Permanent=True)
    idp.admin_set_user_password(UserPoolId=pool_id, Username="hal", Password=second, Permanent=True)
    for reused in (second, first):  # the current password, then the previous one
        with raises_code("PasswordHistoryPolicyViolationException"):
            idp.admin_set_user_password(UserPoolId=pool_id, Username="hal", Password=reused, Permanent=True)
    idp.admin_set_user_password(UserPoolId=pool_id, Username="hal", Password=third, Permanent=True)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="hal")["UserStatus"] == "CONFIRMED"


def test_enable_disable_and_delete(idp: Any, make_pool: Callable[..., str], make_user: Callable[..., str]) -> None:
    pool_id = make_pool()
    make_user(pool_id, "eve")
    idp.admin_disable_user(UserPoolId=pool_id, Username="eve")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="eve")["Enabled"] is False
    idp.admin_enable_user(UserPoolId=pool_id, Username="eve")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="eve")["Enabled"] is True
    idp.admin_delete_user(UserPoolId=pool_id, Username="eve")
    with raises_code("UserNotFoundException", r"^User does not exist\.$"):
        idp.admin_get_user(UserPoolId=pool_id, Username="eve")
    with raises_code("UserNotFoundException"):
        idp.admin_delete_user(UserPoolId=pool_id, Username="eve")
    with raises_code("UserNotFoundException"):
        idp.admin_disable_user(UserPoolId=pool_id, Username="eve")


def test_admin_update_and_delete_user_attributes(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool(
        Schema=[{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
                {"Name": "team", "AttributeDataType": "String", "Mutable": True}],
    )
    idp.admin_create_user(
        UserPoolId=pool_id, Username="uma", MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "uma@example.com"}, {"Name": "email_verified", "Value": "true"},
                        {"Name": "given_name", "Value": "Uma"}],
    )
    with raises_code("InvalidParameterException", "^Attributes did not conform to the schema"):
        idp.admin_update_user_attributes(UserPoolId=pool_id, Username="uma",
                                         UserAttributes=[{"Name": "shoe_size", "Value": "9"}])
    with raises_code("InvalidParameterException", "^Attributes did not conform to the schema"):
        idp.admin_update_user_attributes(UserPoolId=pool_id, Username="uma",
                                         UserAttributes=[{"Name": "custom:nope", "Value": "x"}])

    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="uma", UserAttributes=[
        {"Name": "email", "Value": "uma@new.example.com"}, {"Name": "custom:team", "Value": "blue"}])
    attrs = attrs_of(idp.admin_get_user(UserPoolId=pool_id, Username="uma"))
    assert attrs["email"] == "uma@new.example.com"
    assert attrs["email_verified"] == "false"
    assert attrs["custom:team"] == "blue"

    for name in ("sub", "email"):  # sub and required attributes cannot be deleted
        with raises_code("InvalidParameterException"):
            idp.admin_delete_user_attributes(UserPoolId=pool_id, Username="uma", UserAttributeNames=[name])
    idp.admin_delete_user_attributes(UserPoolId=pool_id, Username="uma",
                                     UserAttributeNames=["given_name", "custom:team"])
    attrs = attrs_of(idp.admin_get_user(UserPoolId=pool_id, Username="uma"))
    assert "given_name" not in attrs and "custom:team" not in attrs
    assert attrs["email"] == "uma@new.example.com" and "sub" in attrs


def test_longest_custom_attribute_of_multibyte_characters(idp: Any, make_pool: Callable[..., str]) -> None:
    """2048 CJK characters (6 KiB of UTF-8, no pattern to compress; one UTF-16 unit each, so
    within the limit however it is counted) are stored, read back and replaced: on PostgreSQL
    too, whose index entries are limited in size."""
    pool_id = make_pool(Schema=[{"Name": "bio", "AttributeDataType": "String", "Mutable": True,
                                 "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "2048"}}])
    rnd = random.Random(4)
    bio = "".join(chr(rnd.randrange(0x4E00, 0xA000)) for _ in range(2048))
    idp.admin_create_user(UserPoolId=pool_id, Username="long", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "custom:bio", "Value": bio}])
    assert attrs_of(idp.admin_get_user(UserPoolId=pool_id, Username="long"))["custom:bio"] == bio
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="long",
                                     UserAttributes=[{"Name": "custom:bio", "Value": bio[::-1]}])
    assert attrs_of(idp.admin_get_user(UserPoolId=pool_id, Username="long"))["custom:bio"] == bio[::-1]


def test_admin_confirm_sign_up(
    idp: Any, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool()
    client_id = make_client(pool_id)["ClientId"]
    idp.sign_up(ClientId=client_id, Username="cal", Password=PASSWORD)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="cal")["UserStatus"] == "UNCONFIRMED"
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="cal")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="cal")["UserStatus"] == "CONFIRMED"
    with raises_code("NotAuthorizedException", "^User cannot be confirmed. Current status is CONFIRMED$"):
        idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="cal")


def test_list_users_filters_attributes_and_pages(
    idp: Any, make_pool: Callable[..., str], make_user: Callable[..., str],
) -> None:
    pool_id = make_pool()
    make_user(pool_id, "alice", email="alice@example.com", given_name="Alice")
    make_user(pool_id, "albert", email="albert@example.com")
    make_user(pool_id, "bob", email="bob@example.com")
    make_user(pool_id, "carl", email="carl@example.com")
    idp.admin_create_user(UserPoolId=pool_id, Username="dina", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "dina@example.com"}])
    idp.admin_disable_user(UserPoolId=pool_id, Username="bob")

    def names(flt: str) -> list[str]:
        return sorted(u["Username"] for u in idp.list_users(UserPoolId=pool_id, Filter=flt)["Users"])

    assert names('email = "alice@example.com"') == ["alice"]
    assert names('email ^= "al"') == ["albert", "alice"]
    assert names('username = "carl"') == ["carl"]
    assert names('username ^= "b"') == ["bob"]
    assert names('cognito:user_status = "CONFIRMED"') == ["albert", "alice", "bob", "carl"]
    assert names('cognito:user_status = "FORCE_CHANGE_PASSWORD"') == ["dina"]
    assert names('status = "Disabled"') == ["bob"]
    assert names('given_name = "Alice"') == ["alice"]
    assert names('email = "nobody@example.com"') == []
    with raises_code("InvalidParameterException"):
        idp.list_users(UserPoolId=pool_id, Filter='custom:whatever = "x"')
    with raises_code("InvalidParameterException"):
        idp.list_users(UserPoolId=pool_id, Filter="email is alice")

    only_email = idp.list_users(UserPoolId=pool_id, AttributesToGet=["email"])["Users"]
    assert len(only_email) == 5
    assert all([a["Name"] for a in u["Attributes"]] == ["email"] for u in only_email)
    full = idp.list_users(UserPoolId=pool_id, Filter='username = "alice"')["Users"][0]
    assert {"sub", "email", "given_name"} <= set(attrs_of(full))
    assert full["UserStatus"] == "CONFIRMED" and full["Enabled"] is True

    seen: list[str] = []
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "Limit": 2}
    pages = 0
    while True:
        page = idp.list_users(**kwargs)
        pages += 1
        assert len(page["Users"]) <= 2
        seen += [u["Username"] for u in page["Users"]]
        if "PaginationToken" not in page:
            break
        kwargs["PaginationToken"] = page["PaginationToken"]
    assert sorted(seen) == ["albert", "alice", "bob", "carl", "dina"] and len(seen) == 5
    assert pages == 3


def test_case_insensitive_pool(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool(UsernameConfiguration={"CaseSensitive": False})
    created = idp.admin_create_user(UserPoolId=pool_id, Username="Alice", MessageAction="SUPPRESS")["User"]
    assert created["Username"] == "alice"
    for typed in ("ALICE", "alice", "aLiCe"):
        assert idp.admin_get_user(UserPoolId=pool_id, Username=typed)["Username"] == "alice"
    with raises_code("UsernameExistsException"):
        idp.admin_create_user(UserPoolId=pool_id, Username="ALICE", MessageAction="SUPPRESS")
    assert [u["Username"] for u in idp.list_users(UserPoolId=pool_id)["Users"]] == ["alice"]

    sensitive = make_pool()
    idp.admin_create_user(UserPoolId=sensitive, Username="Alice", MessageAction="SUPPRESS")
    with raises_code("UserNotFoundException"):
        idp.admin_get_user(UserPoolId=sensitive, Username="alice")
    idp.admin_create_user(UserPoolId=sensitive, Username="alice", MessageAction="SUPPRESS")
    assert len(idp.list_users(UserPoolId=sensitive)["Users"]) == 2


def test_username_attributes_pool(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool(UsernameAttributes=["email"])
    with raises_code("InvalidParameterException"):
        idp.admin_create_user(UserPoolId=pool_id, Username="not-an-email", MessageAction="SUPPRESS")
    user = idp.admin_create_user(UserPoolId=pool_id, Username="zoe@example.com", MessageAction="SUPPRESS")["User"]
    attrs = attrs_of(user)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", user["Username"])
    assert attrs["sub"] == user["Username"]
    assert attrs["email"] == "zoe@example.com"
    assert idp.admin_get_user(UserPoolId=pool_id, Username="zoe@example.com")["Username"] == user["Username"]
    with raises_code("UsernameExistsException", "An account with the given email already exists"):
        idp.admin_create_user(UserPoolId=pool_id, Username="zoe@example.com", MessageAction="SUPPRESS")


def test_alias_pool_alias_exists_unless_forced(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool(AliasAttributes=["email"])
    shared = [{"Name": "email", "Value": "team@example.com"}, {"Name": "email_verified", "Value": "true"}]
    idp.admin_create_user(UserPoolId=pool_id, Username="first", MessageAction="SUPPRESS", UserAttributes=shared)
    with raises_code("AliasExistsException", r"^An account with the given email already exists\.$"):
        idp.admin_create_user(UserPoolId=pool_id, Username="second", MessageAction="SUPPRESS",
                              UserAttributes=shared)
    # An unverified copy is not an alias, so it does not clash.
    idp.admin_create_user(UserPoolId=pool_id, Username="third", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "team@example.com"}])
    idp.admin_create_user(UserPoolId=pool_id, Username="second", MessageAction="SUPPRESS",
                          UserAttributes=shared, ForceAliasCreation=True)
    assert attrs_of(idp.admin_get_user(UserPoolId=pool_id, Username="first"))["email_verified"] == "false"
    assert idp.admin_get_user(UserPoolId=pool_id, Username="team@example.com")["Username"] == "second"


def test_admin_update_cannot_take_another_users_verified_alias(idp: Any, make_pool: Any, make_user: Any) -> None:
    pool_id = make_pool(AliasAttributes=["email"])
    make_user(pool_id, "first", email="shared@example.com", email_verified="true")
    make_user(pool_id, "second")
    with raises_code("AliasExistsException"):
        idp.admin_update_user_attributes(UserPoolId=pool_id, Username="second", UserAttributes=[
            {"Name": "email", "Value": "shared@example.com"}, {"Name": "email_verified", "Value": "true"}])
    first = {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pool_id, Username="first")["UserAttributes"]}
    assert first["email_verified"] == "true"
