"""UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate (issue 9 item 1): a
changed email / phone number stays pending, the old verified value in effect, until the code
sent to the new value is redeemed; and a verification code verifies only the value it was sent
to."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD

#: attribute, old value, new value, another new value, code purpose, masked new value
CASES = [
    ("email", "old@example.com", "new@example.com", "other@example.com", "VERIFY_EMAIL", "n***@e***"),
    ("phone_number", "+15555550101", "+15555550102", "+15555550103", "VERIFY_PHONE_NUMBER", "+*******0102"),
]
IDS = ["email", "phone_number"]


def _attrs(response: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in response.get("UserAttributes") or response.get("Attributes") or []}


def _login(idp: Any, client: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})["AuthenticationResult"])


def _code_sent_to(server: Any, username: str, purpose: str, destination: str) -> str:
    for message in reversed(server.outbox()):
        if (message["username"], message["purpose"], message["destination"]) == (username, purpose, destination):
            return str(message["code"])
    raise AssertionError(f"no {purpose} message to {destination}")


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def _pool(make_pool: Any, attribute: str, **extra: Any) -> str:
    settings: dict[str, Any] = {
        "AliasAttributes": ["email", "phone_number"], "AutoVerifiedAttributes": [attribute],
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": [attribute]},
    }
    settings.update(extra)
    return str(make_pool(**settings))


@pytest.mark.parametrize(("attribute", "old", "new", "_other", "purpose", "masked"), CASES, ids=IDS)
def test_changed_value_stays_pending_until_its_code_is_redeemed(
    idp: Any, server: Any, make_pool: Any, make_client: Any, make_user: Any, expect_error: Any,
    verify_token: Any, attribute: str, old: str, new: str, _other: str, purpose: str, masked: str,
) -> None:
    flag = f"{attribute}_verified"
    pool_id = _pool(make_pool, attribute)
    client = make_client(pool_id)
    make_user(pool_id, "vera", **{attribute: old, flag: "true"})
    access = _login(idp, client, "vera")["AccessToken"]

    sent = idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": attribute, "Value": new}])
    assert sent["CodeDeliveryDetailsList"] == [
        {"Destination": masked, "DeliveryMedium": "EMAIL" if attribute == "email" else "SMS",
         "AttributeName": attribute}]
    code = _code_sent_to(server, "vera", purpose, new)

    # The old value stays in effect, verified: GetUser, AdminGetUser, sign-in by alias, ID token.
    assert (_attrs(idp.get_user(AccessToken=access))[attribute],
            _attrs(idp.get_user(AccessToken=access))[flag]) == (old, "true")
    admin_view = _attrs(idp.admin_get_user(UserPoolId=pool_id, Username="vera"))
    assert (admin_view[attribute], admin_view[flag]) == (old, "true")
    tokens = _login(idp, client, old)
    claims = verify_token(tokens["IdToken"], pool_id, client["ClientId"])
    assert (claims[attribute], claims[flag]) == (old, True)
    with expect_error("UserNotFoundException"):  # the pending value is no sign-in name yet (LEGACY client)
        _login(idp, client, new)

    with expect_error("CodeMismatchException"):
        idp.verify_user_attribute(AccessToken=access, AttributeName=attribute, Code=_wrong(code))
    assert _attrs(idp.get_user(AccessToken=access))[attribute] == old

    idp.verify_user_attribute(AccessToken=access, AttributeName=attribute, Code=code)
    mine = _attrs(idp.get_user(AccessToken=access))
    assert (mine[attribute], mine[flag]) == (new, "true")
    claims = verify_token(_login(idp, client, new)["IdToken"], pool_id, client["ClientId"])
    assert (claims[attribute], claims[flag]) == (new, True)
    with expect_error("UserNotFoundException"):
        _login(idp, client, old)


@pytest.mark.parametrize(("attribute", "old", "new", "other", "purpose", "_masked"), CASES, ids=IDS)
def test_a_code_verifies_only_the_value_it_was_sent_to(
    idp: Any, server: Any, make_pool: Any, make_client: Any, make_user: Any, expect_error: Any,
    attribute: str, old: str, new: str, other: str, purpose: str, _masked: str,
) -> None:
    pool_id = _pool(make_pool, attribute)
    client = make_client(pool_id)
    make_user(pool_id, "walt", **{attribute: old, f"{attribute}_verified": "true"})
    access = _login(idp, client, "walt")["AccessToken"]
    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": attribute, "Value": new}])
    code_for_new = _code_sent_to(server, "walt", purpose, new)
    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": attribute, "Value": other}])
    code_for_other = _code_sent_to(server, "walt", purpose, other)
    if code_for_other != code_for_new:  # 1 in a million they coincide; then the check says nothing
        with expect_error("CodeMismatchException"):
            idp.verify_user_attribute(AccessToken=access, AttributeName=attribute, Code=code_for_new)
    idp.verify_user_attribute(AccessToken=access, AttributeName=attribute, Code=code_for_other)
    mine = _attrs(idp.get_user(AccessToken=access))
    assert (mine[attribute], mine[f"{attribute}_verified"]) == (other, "true")


def test_resending_the_code_goes_to_the_pending_value(
    idp: Any, server: Any, make_pool: Any, make_client: Any, make_user: Any,
) -> None:
    pool_id = _pool(make_pool, "email")
    client = make_client(pool_id)
    make_user(pool_id, "rosa", email="rosa@example.com", email_verified="true")
    access = _login(idp, client, "rosa")["AccessToken"]
    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": "rose@example.com"}])
    details = idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    assert details["CodeDeliveryDetails"]["Destination"] == "r***@e***"
    assert server.outbox()[-1]["destination"] == "rose@example.com"
    assert _attrs(idp.get_user(AccessToken=access))["email"] == "rosa@example.com"
    idp.verify_user_attribute(AccessToken=access, AttributeName="email",
                              Code=_code_sent_to(server, "rosa", "VERIFY_EMAIL", "rose@example.com"))
    mine = _attrs(idp.get_user(AccessToken=access))
    assert (mine["email"], mine["email_verified"]) == ("rose@example.com", "true")


def test_promotion_rechecks_that_the_alias_is_free(
    idp: Any, server: Any, make_pool: Any, make_client: Any, make_user: Any, expect_error: Any,
) -> None:
    pool_id = _pool(make_pool, "email")
    client = make_client(pool_id)
    make_user(pool_id, "ann", email="ann@example.com", email_verified="true")
    access = _login(idp, client, "ann")["AccessToken"]
    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": "shared@example.com"}])
    code = _code_sent_to(server, "ann", "VERIFY_EMAIL", "shared@example.com")
    make_user(pool_id, "ben", email="shared@example.com", email_verified="true")  # ben verifies it first

    with expect_error("AliasExistsException"):
        idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    mine = _attrs(idp.get_user(AccessToken=access))
    assert (mine["email"], mine["email_verified"]) == ("ann@example.com", "true")
    assert _login(idp, client, "shared@example.com")["AccessToken"]  # still ben's alias
    assert _attrs(idp.admin_get_user(UserPoolId=pool_id, Username="ben"))["email_verified"] == "true"


def test_username_attribute_pool_keeps_the_old_sign_in_name(
    idp: Any, server: Any, make_pool: Any, make_client: Any, expect_error: Any,
) -> None:
    pool_id = make_pool(UsernameAttributes=["email"], AutoVerifiedAttributes=["email"],
                        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]})
    client = make_client(pool_id)
    for address in ("una@example.com", "taken@example.com"):
        idp.admin_create_user(UserPoolId=pool_id, Username=address, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email_verified", "Value": "true"}])
        idp.admin_set_user_password(UserPoolId=pool_id, Username=address, Password=PASSWORD, Permanent=True)
    access = _login(idp, client, "una@example.com")["AccessToken"]
    with expect_error("AliasExistsException"):  # another user's sign-in name, refused at once
        idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": "taken@example.com"}])

    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": "uma@example.com"}])
    assert _login(idp, client, "una@example.com")["AccessToken"]
    with expect_error("UserNotFoundException"):
        _login(idp, client, "uma@example.com")
    username = idp.get_user(AccessToken=access)["Username"]
    idp.verify_user_attribute(AccessToken=access, AttributeName="email",
                              Code=_code_sent_to(server, username, "VERIFY_EMAIL", "uma@example.com"))
    assert _login(idp, client, "uma@example.com")["AccessToken"]


def test_admin_update_is_pending_unless_it_verifies_in_the_same_call(
    idp: Any, server: Any, make_pool: Any, make_client: Any, make_user: Any,
) -> None:
    pool_id = _pool(make_pool, "email")
    make_user(pool_id, "ida", email="ida@example.com", email_verified="true")
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="ida",
                                     UserAttributes=[{"Name": "email", "Value": "ida2@example.com"}])
    seen = _attrs(idp.admin_get_user(UserPoolId=pool_id, Username="ida"))
    assert (seen["email"], seen["email_verified"]) == ("ida@example.com", "true")
    assert server.outbox()[-1]["destination"] == "ida2@example.com"
    messages = len(server.outbox())

    # AdminUpdateUserAttributes with email_verified=true applies the new value at once, verified,
    # and sends no message (UserAttributeUpdateSettingsType, AdminUpdateUserAttributes docs).
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="ida", UserAttributes=[
        {"Name": "email", "Value": "ida3@example.com"}, {"Name": "email_verified", "Value": "true"}])
    seen = _attrs(idp.admin_get_user(UserPoolId=pool_id, Username="ida"))
    assert (seen["email"], seen["email_verified"]) == ("ida3@example.com", "true")
    assert len(server.outbox()) == messages


def test_unverified_old_value_is_replaced_at_once(
    idp: Any, server: Any, make_pool: Any, make_client: Any, make_user: Any,
) -> None:
    """Nothing verified to keep: the new value takes effect at once, unverified, as without the setting."""
    pool_id = _pool(make_pool, "email")
    client = make_client(pool_id)
    make_user(pool_id, "uri", email="uri@example.com")
    access = _login(idp, client, "uri")["AccessToken"]
    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": "uri2@example.com"}])
    mine = _attrs(idp.get_user(AccessToken=access))
    assert (mine["email"], mine["email_verified"]) == ("uri2@example.com", "false")
    idp.verify_user_attribute(AccessToken=access, AttributeName="email",
                              Code=_code_sent_to(server, "uri", "VERIFY_EMAIL", "uri2@example.com"))
    assert _attrs(idp.get_user(AccessToken=access))["email_verified"] == "true"


def test_without_the_setting_the_change_is_immediate_and_unverified(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any,
) -> None:
    pool_id = make_pool(AliasAttributes=["email"], AutoVerifiedAttributes=["email"])
    client = make_client(pool_id)
    make_user(pool_id, "nia", email="nia@example.com", email_verified="true")
    access = _login(idp, client, "nia")["AccessToken"]
    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": "nia2@example.com"}])
    mine = _attrs(idp.get_user(AccessToken=access))
    assert (mine["email"], mine["email_verified"]) == ("nia2@example.com", "false")


def test_setting_requires_auto_verification(idp: Any, make_pool: Any, expect_error: Any) -> None:
    message = "All attributes in AttributesRequireVerificationBeforeUpdate must exist in AutoVerifiedAttributes"
    setting = {"AttributesRequireVerificationBeforeUpdate": ["email"]}
    with expect_error("InvalidParameterException", message):
        make_pool(UserAttributeUpdateSettings=setting)
    pool_id = make_pool(AutoVerifiedAttributes=["email"], UserAttributeUpdateSettings=setting)
    with expect_error("InvalidParameterException", message):  # omitted AutoVerifiedAttributes resets to none
        idp.update_user_pool(UserPoolId=pool_id, UserAttributeUpdateSettings=setting)
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["UserAttributeUpdateSettings"] == setting
