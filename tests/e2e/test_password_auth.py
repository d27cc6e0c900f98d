"""Password sign-in through boto3 against a real server (spec §3.0, §3.1, §3.7, §5.5, §6.2–6.4,
§8, §9.3): USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH and ADMIN_NO_SRP_AUTH, their tokens
as a relying party verifies them, every refusal with its exact code and message, sign-in by
alias, and temporary passwords (NEW_PASSWORD_REQUIRED)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jwt
import pytest

from tests.e2e.conftest import PASSWORD

NEW_PASSWORD = "Battery-Staple-7"
WRONG = "Incorrect username or password."
ADMIN_FLOWS = ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH")


def tokens(response: dict[str, Any]) -> dict[str, Any]:
    assert "ChallengeName" not in response, response
    return dict(response["AuthenticationResult"])


# --- tokens and their claims ------------------------------------------------------------------


@pytest.mark.parametrize("flow", ["USER_PASSWORD_AUTH", *ADMIN_FLOWS])
def test_tokens_verify_against_jwks_with_cognito_claims(
    server: Any, make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, verify_token: Any, flow: str,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id, IdTokenValidity=30, AccessTokenValidity=2, TokenValidityUnits={
        "IdToken": "minutes", "AccessToken": "hours", "RefreshToken": "days"})
    make_user(pool_id, "alice", email="alice@example.com", email_verified="true")

    result = tokens(sign_in(client, "alice", flow=flow))

    assert result["TokenType"] == "Bearer"
    assert result["ExpiresIn"] == 7200
    assert result["RefreshToken"]
    client_id = client["ClientId"]
    id_claims = verify_token(result["IdToken"], pool_id, audience=client_id)
    access = verify_token(result["AccessToken"], pool_id)
    issuer = f"{server.url}/{pool_id}"
    discovery = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
    assert discovery["issuer"] == issuer == id_claims["iss"] == access["iss"]

    assert id_claims["token_use"] == "id"
    assert id_claims["aud"] == client_id
    assert id_claims["cognito:username"] == "alice"
    assert id_claims["email"] == "alice@example.com"
    assert id_claims["email_verified"] is True
    assert "cognito:groups" not in id_claims
    assert id_claims["exp"] - id_claims["iat"] == 1800
    assert all(isinstance(id_claims[k], int) for k in ("iat", "exp", "auth_time"))
    assert abs(id_claims["auth_time"] - id_claims["iat"]) <= 1

    assert access["token_use"] == "access"
    assert access["client_id"] == client_id
    assert access["scope"] == "aws.cognito.signin.user.admin"
    assert access["username"] == "alice"
    assert "aud" not in access
    assert access["exp"] - access["iat"] == 7200

    user = server.client().admin_get_user(UserPoolId=pool_id, Username="alice")
    sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
    assert id_claims["sub"] == access["sub"] == sub
    assert id_claims["event_id"] == access["event_id"]
    assert id_claims["origin_jti"] == access["origin_jti"]
    assert id_claims["auth_time"] == access["auth_time"]
    assert len({id_claims["jti"], access["jti"], id_claims["origin_jti"]}) == 3

    id_header = jwt.get_unverified_header(result["IdToken"])
    access_header = jwt.get_unverified_header(result["AccessToken"])
    assert id_header["alg"] == access_header["alg"] == "RS256"
    assert id_header["kid"] != access_header["kid"]
    published = httpx.get(f"{issuer}/.well-known/jwks.json").json()["keys"]
    assert {id_header["kid"], access_header["kid"]} <= {k["kid"] for k in published}


def test_groups_claim_lists_the_users_groups(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, verify_token: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    make_user(pool_id, "bob")
    for group in ("admins", "editors"):
        idp.create_group(UserPoolId=pool_id, GroupName=group)
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="bob", GroupName=group)

    result = tokens(sign_in(client, "bob"))

    id_claims = verify_token(result["IdToken"], pool_id, audience=client["ClientId"])
    access = verify_token(result["AccessToken"], pool_id)
    assert sorted(id_claims["cognito:groups"]) == sorted(access["cognito:groups"]) == ["admins", "editors"]


def test_id_token_carries_custom_attributes_and_honours_read_attributes(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, verify_token: Any,
) -> None:
    pool_id = make_pool(Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}])
    everything = make_client(pool_id)
    names_only = make_client(pool_id, ReadAttributes=["name"])
    make_user(pool_id, "carol", name="Carol", email="carol@example.com", phone_number="+15555550100",
              phone_number_verified="false", **{"custom:tier": "gold"})

    full = verify_token(tokens(sign_in(everything, "carol"))["IdToken"], pool_id, audience=everything["ClientId"])
    assert full["custom:tier"] == "gold"
    assert full["name"] == "Carol"
    assert full["phone_number"] == "+15555550100"
    assert full["phone_number_verified"] is False

    narrow_tokens = tokens(sign_in(names_only, "carol"))
    narrow = verify_token(narrow_tokens["IdToken"], pool_id, audience=names_only["ClientId"])
    assert narrow["name"] == "Carol"
    assert narrow["sub"] == full["sub"]
    for hidden in ("custom:tier", "email", "phone_number", "phone_number_verified"):
        assert hidden not in narrow
    seen = idp.get_user(AccessToken=narrow_tokens["AccessToken"])["UserAttributes"]
    assert {a["Name"] for a in seen} == {"name", "sub"}


# --- refusals ---------------------------------------------------------------------------------


def test_wrong_password(make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, expect_error: Any) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    make_user(pool_id, "dave")
    for flow in ("USER_PASSWORD_AUTH", *ADMIN_FLOWS):
        with expect_error("NotAuthorizedException", WRONG):
            sign_in(client, "dave", "Wrong-Password-1", flow=flow)


def test_unknown_user_legacy_reveals_and_enabled_conceals(
    make_pool: Any, make_client: Any, sign_in: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    legacy = make_client(pool_id, PreventUserExistenceErrors="LEGACY")
    enabled = make_client(pool_id, PreventUserExistenceErrors="ENABLED")
    for flow in ("USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH"):
        with expect_error("UserNotFoundException", "User does not exist."):
            sign_in(legacy, "nobody", flow=flow)
        with expect_error("NotAuthorizedException", WRONG):
            sign_in(enabled, "nobody", flow=flow)


def test_a_nul_in_the_name_is_just_an_unknown_name(
    make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, expect_error: Any,
) -> None:
    """No 500 from a database that cannot store NUL (PostgreSQL text)."""
    pool_id = make_pool()
    make_user(pool_id, "nul")
    legacy = make_client(pool_id)
    enabled = make_client(pool_id, PreventUserExistenceErrors="ENABLED")
    with expect_error("UserNotFoundException", "User does not exist."):
        sign_in(legacy, "nul\x00")
    for _ in range(2):
        with expect_error("NotAuthorizedException", WRONG):
            sign_in(enabled, "nul\x00")
    with expect_error("NotAuthorizedException", WRONG):
        sign_in(legacy, "nul", PASSWORD + "\x00")


def test_disabled_user(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    make_user(pool_id, "erin")
    idp.admin_disable_user(UserPoolId=pool_id, Username="erin")
    with expect_error("NotAuthorizedException", "User is disabled."):
        sign_in(client, "erin")
    idp.admin_enable_user(UserPoolId=pool_id, Username="erin")
    assert tokens(sign_in(client, "erin"))["AccessToken"]


def test_unconfirmed_user_is_refused_before_the_password_check(
    idp: Any, make_pool: Any, make_client: Any, sign_in: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    idp.sign_up(ClientId=client["ClientId"], Username="frank", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "frank@example.com"}])
    with expect_error("UserNotConfirmedException", "User is not confirmed."):
        sign_in(client, "frank")
    with expect_error("UserNotConfirmedException", "User is not confirmed."):
        sign_in(client, "frank", "Wrong-Password-1")
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="frank")
    assert tokens(sign_in(client, "frank"))["IdToken"]


def test_reset_required_after_admin_reset(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    make_user(pool_id, "gina", email="gina@example.com", email_verified="true")
    idp.admin_reset_user_password(UserPoolId=pool_id, Username="gina")
    for flow in ("USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH"):
        with expect_error("PasswordResetRequiredException", "Password reset required for the user"):
            sign_in(client, "gina", flow=flow)


def test_flow_not_enabled_for_the_client(
    make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    make_user(pool_id, "hank")
    srp_only = make_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    with expect_error("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client"):
        sign_in(srp_only, "hank")
    for flow in ADMIN_FLOWS:
        with expect_error("InvalidParameterException", f"{flow} flow not enabled for this client"):
            sign_in(srp_only, "hank", flow=flow)


def test_legacy_flow_names_enable_the_password_flows(
    make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    make_user(pool_id, "iris")
    legacy = make_client(pool_id, ExplicitAuthFlows=["USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"])
    assert tokens(sign_in(legacy, "iris"))["AccessToken"]
    for flow in ADMIN_FLOWS:
        assert tokens(sign_in(legacy, "iris", flow=flow))["AccessToken"]


def test_flow_on_the_wrong_operation(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    make_user(pool_id, "jack")
    parameters = {"USERNAME": "jack", "PASSWORD": PASSWORD}
    for flow in ADMIN_FLOWS:
        with expect_error("InvalidParameterException", "Initiate Auth method not supported."):
            idp.initiate_auth(ClientId=client["ClientId"], AuthFlow=flow, AuthParameters=parameters)
    with expect_error("InvalidParameterException", "Initiate Auth method not supported."):
        idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                                AuthParameters=parameters)


def test_missing_auth_parameters(idp: Any, make_pool: Any, make_client: Any, expect_error: Any) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    with expect_error("InvalidParameterException", "Missing required parameter PASSWORD"):
        idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "kim"})
    with expect_error("InvalidParameterException", "Missing required parameter USERNAME"):
        idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"PASSWORD": PASSWORD})


def test_secret_hash_missing_wrong_and_right(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, secret_hash: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id, GenerateSecret=True)
    client_id = client["ClientId"]
    make_user(pool_id, "liam")
    missing = f"Client {client_id} is configured for secret but secret was not received"

    def initiate(**extra: str) -> Any:
        return idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": "liam", "PASSWORD": PASSWORD, **extra})

    with expect_error("NotAuthorizedException", missing):
        initiate()
    with expect_error("NotAuthorizedException", f"Unable to verify secret hash for client {client_id}"):
        initiate(SECRET_HASH=secret_hash(client, "someone-else"))
    with expect_error("NotAuthorizedException", missing):
        idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": "liam", "PASSWORD": PASSWORD})
    assert initiate(SECRET_HASH=secret_hash(client, "liam"))["AuthenticationResult"]["AccessToken"]


def test_secret_hash_is_over_the_name_as_typed(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, secret_hash: Any, expect_error: Any,
) -> None:
    """An alias sign-in hashes the alias, not the internal username (spec §3.0 step 6)."""
    pool_id = make_pool(AliasAttributes=["email"])
    client = make_client(pool_id, GenerateSecret=True)
    make_user(pool_id, "mia", email="mia@example.com", email_verified="true")

    def initiate(hashed_name: str) -> Any:
        return idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
            "USERNAME": "mia@example.com", "PASSWORD": PASSWORD, "SECRET_HASH": secret_hash(client, hashed_name)})

    assert initiate("mia@example.com")["AuthenticationResult"]["IdToken"]
    with expect_error("NotAuthorizedException", f"Unable to verify secret hash for client {client['ClientId']}"):
        initiate("mia")


def test_unknown_client_and_client_of_another_pool(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, expect_error: Any,
) -> None:
    pool_id, other_pool = make_pool(), make_pool()
    make_user(pool_id, "noah")
    foreign = make_client(other_pool)
    parameters = {"USERNAME": "noah", "PASSWORD": PASSWORD}
    foreign_id = foreign["ClientId"]
    with expect_error("ResourceNotFoundException", f"User pool client {foreign_id} does not exist."):
        idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=foreign_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                AuthParameters=parameters)
    unknown = "1example23456789abcdefghij"
    with expect_error("ResourceNotFoundException", f"User pool client {unknown} does not exist."):
        idp.initiate_auth(ClientId=unknown, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=parameters)
    missing_pool = pool_id.split("_")[0] + "_doesNotExist0"
    with expect_error("ResourceNotFoundException", f"User pool {missing_pool} does not exist."):
        idp.admin_initiate_auth(UserPoolId=missing_pool, ClientId=foreign_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                AuthParameters=parameters)


# --- sign-in names ------------------------------------------------------------------------------


def test_alias_pool_signs_in_with_a_verified_email_only(
    make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, verify_token: Any, expect_error: Any,
) -> None:
    pool_id = make_pool(AliasAttributes=["email"])
    client = make_client(pool_id)
    make_user(pool_id, "olga", email="olga@example.com", email_verified="true")
    make_user(pool_id, "pete", email="pete@example.com")

    id_claims = verify_token(tokens(sign_in(client, "olga@example.com"))["IdToken"], pool_id,
                             audience=client["ClientId"])
    assert id_claims["cognito:username"] == "olga"
    assert tokens(sign_in(client, "olga"))["IdToken"]
    with expect_error("UserNotFoundException", "User does not exist."):
        sign_in(client, "pete@example.com")
    assert tokens(sign_in(client, "pete"))["IdToken"]


def test_username_attributes_pool_signs_in_with_the_email(
    idp: Any, make_pool: Any, make_client: Any, sign_in: Any, verify_token: Any,
) -> None:
    pool_id = make_pool(UsernameAttributes=["email"])
    client = make_client(pool_id)
    created = idp.admin_create_user(UserPoolId=pool_id, Username="quinn@example.com", MessageAction="SUPPRESS")
    internal = created["User"]["Username"]
    idp.admin_set_user_password(UserPoolId=pool_id, Username="quinn@example.com", Password=PASSWORD,
                                Permanent=True)

    result = tokens(sign_in(client, "quinn@example.com"))

    id_claims = verify_token(result["IdToken"], pool_id, audience=client["ClientId"])
    access = verify_token(result["AccessToken"], pool_id)
    assert id_claims["cognito:username"] == access["username"] == internal == id_claims["sub"]
    assert internal != "quinn@example.com"
    assert id_claims["email"] == "quinn@example.com"


def test_case_insensitive_pool_folds_the_username(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, verify_token: Any,
    expect_error: Any,
) -> None:
    pool_id = make_pool(UsernameConfiguration={"CaseSensitive": False})
    client = make_client(pool_id)
    make_user(pool_id, "Alice")
    subs = {
        verify_token(tokens(sign_in(client, typed))["IdToken"], pool_id, audience=client["ClientId"])["sub"]
        for typed in ("Alice", "ALICE", "alice")
    }
    assert len(subs) == 1
    with expect_error("UsernameExistsException"):
        idp.admin_create_user(UserPoolId=pool_id, Username="ALICE", MessageAction="SUPPRESS")


def test_case_sensitive_pool_keeps_names_apart(
    make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    make_user(pool_id, "Alice")
    assert tokens(sign_in(client, "Alice"))["IdToken"]
    with expect_error("UserNotFoundException", "User does not exist."):
        sign_in(client, "alice")


# --- temporary passwords: NEW_PASSWORD_REQUIRED (spec §5.5) -------------------------------------

REQUIRED_NAME = [{"Name": "name", "AttributeDataType": "String", "Mutable": True, "Required": True}]


def create_with_temporary_password(idp: Any, pool_id: str, username: str, **attributes: str) -> None:
    idp.admin_create_user(UserPoolId=pool_id, Username=username, TemporaryPassword="Temporary-Pass-1",
                          MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()])


def status_of(idp: Any, pool_id: str, username: str) -> str:
    return str(idp.admin_get_user(UserPoolId=pool_id, Username=username)["UserStatus"])


def test_new_password_required_lists_required_attributes_and_signs_in(
    idp: Any, make_pool: Any, make_client: Any, sign_in: Any, verify_token: Any, expect_error: Any,
) -> None:
    pool_id = make_pool(Schema=REQUIRED_NAME)
    client = make_client(pool_id)
    create_with_temporary_password(idp, pool_id, "rosa", email="rosa@example.com")
    assert status_of(idp, pool_id, "rosa") == "FORCE_CHANGE_PASSWORD"

    challenge = sign_in(client, "rosa", "Temporary-Pass-1")

    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert "AuthenticationResult" not in challenge
    parameters = challenge["ChallengeParameters"]
    assert parameters["USER_ID_FOR_SRP"] == "rosa"
    assert json.loads(parameters["requiredAttributes"]) == ["userAttributes.name"]
    assert json.loads(parameters["userAttributes"])["email"] == "rosa@example.com"
    assert 20 <= len(challenge["Session"]) <= 2048

    with expect_error("InvalidParameterException", match="name"):
        idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="NEW_PASSWORD_REQUIRED",
                                      Session=challenge["Session"],
                                      ChallengeResponses={"USERNAME": "rosa", "NEW_PASSWORD": NEW_PASSWORD})
    answer = idp.respond_to_auth_challenge(
        ClientId=client["ClientId"], ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "rosa", "NEW_PASSWORD": NEW_PASSWORD, "userAttributes.name": "Rosa"},
    )

    id_claims = verify_token(tokens(answer)["IdToken"], pool_id, audience=client["ClientId"])
    assert id_claims["name"] == "Rosa"
    assert status_of(idp, pool_id, "rosa") == "CONFIRMED"
    with expect_error("NotAuthorizedException", WRONG):
        sign_in(client, "rosa", "Temporary-Pass-1")
    assert tokens(sign_in(client, "rosa", NEW_PASSWORD))["AccessToken"]


def test_new_password_answer_may_not_change_a_provided_required_attribute(
    idp: Any, make_pool: Any, make_client: Any, sign_in: Any, verify_token: Any, expect_error: Any,
) -> None:
    pool_id = make_pool(Schema=REQUIRED_NAME)
    client = make_client(pool_id)
    create_with_temporary_password(idp, pool_id, "ruth", name="Ruth")
    challenge = sign_in(client, "ruth", "Temporary-Pass-1")
    assert json.loads(challenge["ChallengeParameters"]["requiredAttributes"]) == []
    assert json.loads(challenge["ChallengeParameters"]["userAttributes"])["name"] == "Ruth"

    def answer(**attributes: str) -> Any:
        return idp.respond_to_auth_challenge(
            ClientId=client["ClientId"], ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"],
            ChallengeResponses={"USERNAME": "ruth", "NEW_PASSWORD": NEW_PASSWORD, **attributes},
        )

    with expect_error("InvalidParameterException", match="name"):
        answer(**{"userAttributes.name": "Someone Else"})
    id_token = tokens(answer(**{"userAttributes.nickname": "Ru"}))["IdToken"]
    id_claims = verify_token(id_token, pool_id, audience=client["ClientId"])
    assert (id_claims["name"], id_claims["nickname"]) == ("Ruth", "Ru")


def test_admin_respond_answers_new_password_required(
    idp: Any, make_pool: Any, make_client: Any, sign_in: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    create_with_temporary_password(idp, pool_id, "sam")

    challenge = sign_in(client, "sam", "Temporary-Pass-1", flow="ADMIN_USER_PASSWORD_AUTH")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert json.loads(challenge["ChallengeParameters"]["requiredAttributes"]) == []

    answer = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id, ClientId=client["ClientId"], ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"], ChallengeResponses={"USERNAME": "sam", "NEW_PASSWORD": NEW_PASSWORD},
    )
    assert tokens(answer)["RefreshToken"]
    assert status_of(idp, pool_id, "sam") == "CONFIRMED"


def test_weak_new_password_leaves_the_session_usable(
    idp: Any, make_pool: Any, make_client: Any, sign_in: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    create_with_temporary_password(idp, pool_id, "tina")
    session = sign_in(client, "tina", "Temporary-Pass-1")["Session"]

    def answer(password: str) -> Any:
        return idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="NEW_PASSWORD_REQUIRED",
                                             Session=session,
                                             ChallengeResponses={"USERNAME": "tina", "NEW_PASSWORD": password})

    with expect_error("InvalidPasswordException", "Password did not conform with policy: Password not long enough"):
        answer("Ab1-")
    with expect_error("InvalidPasswordException", match="Password did not conform with policy"):
        answer("alllowercase-1")
    assert status_of(idp, pool_id, "tina") == "FORCE_CHANGE_PASSWORD"
    assert tokens(answer(NEW_PASSWORD))["AccessToken"]


def test_admin_set_user_password_not_permanent_forces_a_change_again(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    make_user(pool_id, "uma")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="uma", Password="Temporary-Pass-2", Permanent=False)
    assert status_of(idp, pool_id, "uma") == "FORCE_CHANGE_PASSWORD"
    with expect_error("NotAuthorizedException", WRONG):
        sign_in(client, "uma", PASSWORD)
    challenge = sign_in(client, "uma", "Temporary-Pass-2")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="NEW_PASSWORD_REQUIRED",
                                  Session=challenge["Session"],
                                  ChallengeResponses={"USERNAME": "uma", "NEW_PASSWORD": NEW_PASSWORD})
    assert status_of(idp, pool_id, "uma") == "CONFIRMED"


def test_generated_temporary_password_from_the_invitation_works(
    server: Any, idp: Any, make_pool: Any, make_client: Any, sign_in: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    idp.admin_create_user(UserPoolId=pool_id, Username="vera", DesiredDeliveryMediums=["EMAIL"],
                          UserAttributes=[{"Name": "email", "Value": "vera@example.com"}])

    temporary = server.last_code("vera", "ADMIN_CREATE_USER")

    challenge = sign_in(client, "vera", temporary)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    answer = idp.respond_to_auth_challenge(
        ClientId=client["ClientId"], ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "vera", "NEW_PASSWORD": NEW_PASSWORD},
    )
    assert tokens(answer)["IdToken"]
