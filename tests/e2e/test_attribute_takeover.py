"""Issue 9 item 1: a user never verifies an e-mail or phone number they do not own.

Every user-side attribute write — SignUp, UpdateUserAttributes, the NEW_PASSWORD_REQUIRED answer —
goes through one rule (``directory.users.write_attributes`` / ``attributes.check_writes``):
``email_verified`` / ``phone_number_verified`` come only from a redeemed code or an administrator
(Cognito answers a user's write of them with NotAuthorizedException "A client attempted to write
unauthorized attribute", aws/aws-sdk-js#3603); a changed e-mail or phone is unverified; aliases
are claimed or refused as on every other path (spec §2.2, §3.8, §5.5, §11.10). App clients cannot
be given write access to the verified flags (aws/aws-cdk#2608, #7607; aws/aws-sdk-java#1395).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD

TEMPORARY = "Temporary-Pass-1"
NEW_PASSWORD = "Battery-Staple-7"
UNAUTHORIZED = "A client attempted to write unauthorized attribute"
VICTIM_EMAIL = "victim@example.com"
VICTIM_PHONE = "+15555550100"


def _attrs(response: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in response.get("UserAttributes") or response.get("Attributes") or []}


def _admin_attrs(idp: Any, pool_id: str, username: str) -> dict[str, str]:
    return _attrs(idp.admin_get_user(UserPoolId=pool_id, Username=username))


def _with_temporary_password(idp: Any, pool_id: str, username: str, **attributes: str) -> str:
    user = idp.admin_create_user(UserPoolId=pool_id, Username=username, TemporaryPassword=TEMPORARY,
                                 MessageAction="SUPPRESS",
                                 UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()])
    return str(user["User"]["Username"])


def _answer_new_password(idp: Any, client: dict[str, Any], challenge: dict[str, Any], username: str,
                         **attributes: str) -> dict[str, Any]:
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED", challenge
    responses = {"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD,
                 **{f"userAttributes.{k}": v for k, v in attributes.items()}}
    return dict(idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="NEW_PASSWORD_REQUIRED",
                                              Session=challenge["Session"], ChallengeResponses=responses))


def _id_claims(answer: dict[str, Any], verify_token: Any, pool_id: str, client: dict[str, Any]) -> dict[str, Any]:
    assert "ChallengeName" not in answer, answer
    return dict(verify_token(answer["AuthenticationResult"]["IdToken"], pool_id, audience=client["ClientId"]))


def _access(idp: Any, client: dict[str, Any], username: str) -> str:
    return str(idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})[
        "AuthenticationResult"]["AccessToken"])


# --- NEW_PASSWORD_REQUIRED: the reproduced takeover --------------------------------------------


@pytest.mark.parametrize(("attribute", "value", "flag"), [
    ("email", VICTIM_EMAIL, "email_verified"),
    ("phone_number", VICTIM_PHONE, "phone_number_verified"),
])
def test_new_password_answer_cannot_set_a_verified_flag(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, verify_token: Any,
    expect_error: Any, attribute: str, value: str, flag: str,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    make_user(pool_id, "victim", **{attribute: value, flag: "true"})
    _with_temporary_password(idp, pool_id, "mallory")
    challenge = sign_in(client, "mallory", TEMPORARY)

    with expect_error("NotAuthorizedException", UNAUTHORIZED):
        _answer_new_password(idp, client, challenge, "mallory", **{attribute: value, flag: "true"})
    assert _admin_attrs(idp, pool_id, "mallory").get(attribute) is None
    assert idp.admin_get_user(UserPoolId=pool_id, Username="mallory")["UserStatus"] == "FORCE_CHANGE_PASSWORD"

    # Without the flag the address is stored, unverified: no ID token vouches for it.
    claims = _id_claims(_answer_new_password(idp, client, challenge, "mallory", **{attribute: value}),
                        verify_token, pool_id, client)
    assert claims[attribute] == value
    assert claims[flag] is False
    assert _admin_attrs(idp, pool_id, "mallory")[flag] == "false"
    assert _admin_attrs(idp, pool_id, "victim")[flag] == "true"


def test_new_password_answer_with_a_new_email_makes_it_unverified(
    idp: Any, make_pool: Any, make_client: Any, sign_in: Any, verify_token: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    _with_temporary_password(idp, pool_id, "nora", email="nora@example.com", email_verified="true")
    challenge = sign_in(client, "nora", TEMPORARY)
    claims = _id_claims(_answer_new_password(idp, client, challenge, "nora", email="other@example.com"),
                        verify_token, pool_id, client)
    assert (claims["email"], claims["email_verified"]) == ("other@example.com", False)


def test_new_password_answer_cannot_take_a_verified_alias(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, verify_token: Any,
    expect_error: Any,
) -> None:
    pool_id = make_pool(AliasAttributes=["email", "preferred_username"])
    client = make_client(pool_id)
    make_user(pool_id, "victim", email=VICTIM_EMAIL, email_verified="true", preferred_username="vic")
    _with_temporary_password(idp, pool_id, "mallory")
    challenge = sign_in(client, "mallory", TEMPORARY)

    with expect_error("AliasExistsException", "An account with the given preferred_username already exists."):
        _answer_new_password(idp, client, challenge, "mallory", preferred_username="vic")
    with expect_error("NotAuthorizedException", UNAUTHORIZED):
        _answer_new_password(idp, client, challenge, "mallory", email=VICTIM_EMAIL, email_verified="true")

    claims = _id_claims(_answer_new_password(idp, client, challenge, "mallory", email=VICTIM_EMAIL),
                        verify_token, pool_id, client)
    assert claims["email_verified"] is False
    # The alias still names the victim, whose address stays verified.
    assert idp.admin_get_user(UserPoolId=pool_id, Username=VICTIM_EMAIL)["Username"] == "victim"
    assert _admin_attrs(idp, pool_id, "victim")["email_verified"] == "true"
    with expect_error("NotAuthorizedException", "Incorrect username or password."):
        sign_in(client, VICTIM_EMAIL, NEW_PASSWORD)


@pytest.mark.parametrize("typed", [VICTIM_EMAIL, "Victim@Example.COM"])
def test_new_password_answer_cannot_take_another_users_sign_in_email(
    idp: Any, make_pool: Any, make_client: Any, sign_in: Any, expect_error: Any, typed: str,
) -> None:
    pool_id = make_pool(UsernameAttributes=["email"])
    client = make_client(pool_id)
    idp.admin_create_user(UserPoolId=pool_id, Username=VICTIM_EMAIL, MessageAction="SUPPRESS")
    mallory = _with_temporary_password(idp, pool_id, "mallory@example.com")
    challenge = sign_in(client, "mallory@example.com", TEMPORARY)

    with expect_error("AliasExistsException", "An account with the given email already exists."):
        _answer_new_password(idp, client, challenge, mallory, email=typed)
    assert _admin_attrs(idp, pool_id, mallory)["email"] == "mallory@example.com"
    assert idp.admin_get_user(UserPoolId=pool_id, Username=VICTIM_EMAIL)["Username"] != mallory


# --- SignUp and UpdateUserAttributes ------------------------------------------------------------


@pytest.mark.parametrize("flag", ["email_verified", "phone_number_verified"])
def test_sign_up_cannot_set_a_verified_flag(
    idp: Any, make_pool: Any, make_client: Any, expect_error: Any, flag: str,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    with expect_error("NotAuthorizedException", UNAUTHORIZED):
        idp.sign_up(ClientId=client["ClientId"], Username="mallory", Password=PASSWORD, UserAttributes=[
            {"Name": "email", "Value": VICTIM_EMAIL}, {"Name": "phone_number", "Value": VICTIM_PHONE},
            {"Name": flag, "Value": "true"}])
    with expect_error("UserNotFoundException"):
        idp.admin_get_user(UserPoolId=pool_id, Username="mallory")


@pytest.mark.parametrize(("attribute", "value", "flag"), [
    ("email", VICTIM_EMAIL, "email_verified"),
    ("phone_number", VICTIM_PHONE, "phone_number_verified"),
])
def test_update_user_attributes_cannot_set_a_verified_flag(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, expect_error: Any,
    attribute: str, value: str, flag: str,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    make_user(pool_id, "mallory", **{attribute: "+15555550199" if attribute == "phone_number" else "m@example.com",
                                     flag: "true"})
    access = _access(idp, client, "mallory")
    for attempt in ([{"Name": attribute, "Value": value}, {"Name": flag, "Value": "true"}],
                    [{"Name": flag, "Value": "true"}]):
        with expect_error("NotAuthorizedException", UNAUTHORIZED):
            idp.update_user_attributes(AccessToken=access, UserAttributes=attempt)
    assert _admin_attrs(idp, pool_id, "mallory")[flag] == "true"

    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": attribute, "Value": value}])
    mine = _attrs(idp.get_user(AccessToken=access))
    assert (mine[attribute], mine[flag]) == (value, "false")


def test_update_user_attributes_refuses_flags_even_for_a_client_listing_write_attributes(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id, WriteAttributes=["email", "name"])
    make_user(pool_id, "mallory", email="m@example.com")
    access = _access(idp, client, "mallory")
    with expect_error("NotAuthorizedException", UNAUTHORIZED):
        idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email_verified", "Value": "true"}])
    assert _admin_attrs(idp, pool_id, "mallory").get("email_verified", "false") == "false"


@pytest.mark.parametrize("typed", [VICTIM_EMAIL, "VICTIM@example.com"])
def test_update_user_attributes_cannot_take_another_users_sign_in_email(
    idp: Any, make_pool: Any, make_client: Any, expect_error: Any, typed: str,
) -> None:
    pool_id = make_pool(UsernameAttributes=["email"])
    client = make_client(pool_id)
    for email in (VICTIM_EMAIL, "mallory@example.com"):
        idp.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True)
    access = _access(idp, client, "mallory@example.com")
    with expect_error("AliasExistsException", "An account with the given email already exists."):
        idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": typed}])


def test_admin_may_still_set_verified_flags(idp: Any, make_pool: Any, make_user: Any) -> None:
    pool_id = make_pool()
    make_user(pool_id, "ada", email="ada@example.com")
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="ada", UserAttributes=[
        {"Name": "email_verified", "Value": "true"}])
    assert _admin_attrs(idp, pool_id, "ada")["email_verified"] == "true"


# --- app clients: WriteAttributes never includes the verified flags -----------------------------


@pytest.mark.parametrize("flag", ["email_verified", "phone_number_verified"])
def test_client_write_attributes_refuse_verified_flags(
    idp: Any, make_pool: Any, make_client: Any, expect_error: Any, flag: str,
) -> None:
    pool_id = make_pool()
    with expect_error("InvalidParameterException", "Invalid write attributes specified while creating a client"):
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", WriteAttributes=["email", flag])
    client = make_client(pool_id, WriteAttributes=["email"])
    with expect_error("InvalidParameterException", "Invalid write attributes specified while updating a client"):
        idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"], WriteAttributes=["email", flag])
    described = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])["UserPoolClient"]
    assert described["WriteAttributes"] == ["email"]
    # Reading them stays allowed.
    idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"], ReadAttributes=["email", flag])


# --- a code sent to the old address never verifies a new one ------------------------------------


@pytest.mark.parametrize(("attribute", "own", "purpose"), [
    ("email", "m@example.com", "VERIFY_EMAIL"),
    ("phone_number", "+15555550199", "VERIFY_PHONE_NUMBER"),
])
@pytest.mark.parametrize("auto_verified", [False, True])
def test_code_for_the_old_address_does_not_verify_the_new_one(
    idp: Any, server: Any, make_pool: Any, make_client: Any, make_user: Any, expect_error: Any,
    attribute: str, own: str, purpose: str, auto_verified: bool,
) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=[attribute] if auto_verified else [])
    client = make_client(pool_id)
    make_user(pool_id, "mallory", **{attribute: own})
    access = _access(idp, client, "mallory")
    idp.get_user_attribute_verification_code(AccessToken=access, AttributeName=attribute)
    code_for_own_address = server.last_code("mallory", purpose)

    victim = VICTIM_EMAIL if attribute == "email" else VICTIM_PHONE
    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": attribute, "Value": victim}])
    with expect_error("CodeMismatchException" if auto_verified else "ExpiredCodeException"):
        idp.verify_user_attribute(AccessToken=access, AttributeName=attribute, Code=code_for_own_address)
    mine = _attrs(idp.get_user(AccessToken=access))
    assert (mine[attribute], mine[f"{attribute}_verified"]) == (victim, "false")
