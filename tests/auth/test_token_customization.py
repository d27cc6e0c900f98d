"""PreTokenGeneration (issue 12, spec §6, §7.3, §7.4, §11.6, §11.7), in process with the sample
functions of tests/triggers/functions.py through the in-process runner: the events of every
version and source, field by field (which calls carry clientMetadata), and what each answer does
to the decoded ID and access tokens; failures give Cognito's errors and no tokens."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import jwt
import pytest

from tests.auth import test_custom_auth as custom
from tests.auth.conftest import BASE_URL, PASSWORD, Harness, refused
from tests.triggers import functions
from userpool.auth import engine
from userpool.auth.context import AuthCall
from userpool.crypto import totp
from userpool.directory import groups, users
from userpool.model.entities import MfaSettings, SoftwareToken
from userpool.model.errors import (
    GroupExistsException,
    InvalidLambdaResponseException,
    NotAuthorizedException,
    UserLambdaValidationException,
)
from userpool.triggers.in_process import InProcessInvoker

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"
NAMES = ("token_claims_v1", "token_claims_v2", "token_echo", "token_drop_admin_scope", "token_keep",
         "token_drop_groups", "token_number_v1", "token_refuse", "refuse")
EDITOR_ROLE = "arn:aws:iam::123456789012:role/editors"
ADMIN_ROLE = "arn:aws:iam::123456789012:role/admins"
ADMIN_SCOPE = "aws.cognito.signin.user.admin"
REFUSED = "PreTokenGeneration failed with error No tokens for suspended accounts."


@pytest.fixture
def h(harness: Harness) -> Iterator[Harness]:
    functions.CALLS.clear()
    rt = replace(harness.rt, triggers=InProcessInvoker({name: getattr(functions, name) for name in NAMES}))
    yield dataclasses.replace(harness, rt=rt, auth=replace(harness.auth, rt=rt))


def v1(name: str) -> dict[str, Any]:
    """``LambdaConfig`` with only ``PreTokenGeneration``: a V1_0 trigger."""
    return {"PreTokenGeneration": ARN + name}


def versioned(name: str, version: str) -> dict[str, Any]:
    return {"PreTokenGenerationConfig": {"LambdaArn": ARN + name, "LambdaVersion": version}}


def setup(h: Harness, lambda_config: dict[str, Any], **pool: Any) -> tuple[str, dict[str, Any]]:
    pool_id = h.pool(LambdaConfig=lambda_config, **pool)
    client = h.client(pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                      GenerateSecret=True)
    return pool_id, client


def person(h: Harness, pool_id: str, username: str = "ann", *, temporary: bool = False,
           in_groups: bool = True) -> str:
    """A user with e-mail (verified), phone number and name, in two groups with roles."""
    body: dict[str, Any] = {
        "UserPoolId": pool_id, "Username": username, "MessageAction": "SUPPRESS",
        "UserAttributes": [{"Name": "email", "Value": f"{username}@example.com"},
                           {"Name": "email_verified", "Value": "true"},
                           {"Name": "phone_number", "Value": "+15555550100"}, {"Name": "name", "Value": "Ann"}],
    }
    if temporary:
        body["TemporaryPassword"] = PASSWORD
    users.admin_create_user(h.rt, body)
    if not temporary:
        users.admin_set_user_password(h.rt, {"UserPoolId": pool_id, "Username": username, "Password": PASSWORD,
                                             "Permanent": True})
    if in_groups:
        for name, role, precedence in (("editors", EDITOR_ROLE, 5), ("admins", ADMIN_ROLE, 1)):
            with contextlib.suppress(GroupExistsException):  # the second user of a pool
                groups.create_group(h.rt, {"UserPoolId": pool_id, "GroupName": name, "RoleArn": role,
                                           "Precedence": precedence})
            groups.admin_add_user_to_group(h.rt, {"UserPoolId": pool_id, "Username": username, "GroupName": name})
    return username


def sub_of(h: Harness, pool_id: str, username: str) -> str:
    with h.rt.store.read() as tx:
        user = tx.get_user(pool_id, username)
    assert user is not None
    return user.sub


def call(client: dict[str, Any], *, flow: str = "", challenge: str = "", session: str | None = None,
         metadata: dict[str, str] | None = None, **parameters: str) -> AuthCall:
    return AuthCall(client_id=client["ClientId"], admin=False, base_url=BASE_URL, parameters=parameters, flow=flow,
                    challenge_name=challenge, session=session, client_metadata=metadata or {})


def secret_hash(client: dict[str, Any], username: str) -> str:
    from tests.e2e.conftest import compute_secret_hash

    return compute_secret_hash(client["ClientSecret"], username, client["ClientId"])


def sign_in(h: Harness, client: dict[str, Any], username: str = "ann", password: str = PASSWORD,
            **metadata: str) -> dict[str, Any]:
    return engine.initiate(h.auth, call(client, flow="USER_PASSWORD_AUTH", metadata=metadata, USERNAME=username,
                                        PASSWORD=password, SECRET_HASH=secret_hash(client, username)))


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def tokens_of(answer: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    result = answer["AuthenticationResult"]
    return claims(result["IdToken"]), claims(result["AccessToken"])


def only_event(name: str) -> dict[str, Any]:
    [received] = functions.calls(name)
    return dict(received["event"])


def test_v1_event_field_by_field_and_no_client_metadata_from_initiate_auth(h: Harness) -> None:
    pool_id, client = setup(h, v1("token_keep"))
    person(h, pool_id)
    id_claims, access = tokens_of(sign_in(h, client, captcha="ok"))
    assert only_event("token_keep") == {
        "version": "1",
        "region": pool_id.split("_")[0],
        "userPoolId": pool_id,
        "userName": "ann",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client["ClientId"]},
        "triggerSource": "TokenGeneration_Authentication",
        "request": {
            "userAttributes": {"sub": sub_of(h, pool_id, "ann"), "email": "ann@example.com", "email_verified": "true",
                               "phone_number": "+15555550100", "name": "Ann", "cognito:user_status": "CONFIRMED"},
            "groupConfiguration": {"groupsToOverride": ["admins", "editors"],
                                   "iamRolesToOverride": [ADMIN_ROLE, EDITOR_ROLE], "preferredRole": ADMIN_ROLE},
        },
        "response": {"claimsOverrideDetails": None},
    }
    # The event back unchanged: the tokens are what they are without the trigger.
    assert id_claims["cognito:groups"] == access["cognito:groups"] == ["admins", "editors"]
    assert id_claims["cognito:roles"] == [ADMIN_ROLE, EDITOR_ROLE]
    assert id_claims["cognito:preferred_role"] == ADMIN_ROLE
    assert id_claims["email"] == "ann@example.com" and id_claims["email_verified"] is True
    assert access["scope"] == ADMIN_SCOPE


def test_group_configuration_without_groups_has_empty_arrays_and_a_null_role(h: Harness) -> None:
    pool_id, client = setup(h, v1("token_keep"))
    person(h, pool_id, in_groups=False)
    id_claims, access = tokens_of(sign_in(h, client))
    assert only_event("token_keep")["request"]["groupConfiguration"] == {
        "groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": None}
    assert not {"cognito:groups", "cognito:roles", "cognito:preferred_role"} & (set(id_claims) | set(access))


def test_v1_changes_the_id_token_and_the_groups_of_both_and_leaves_protected_claims_alone(h: Harness) -> None:
    pool_id, client = setup(h, v1("token_claims_v1"))
    person(h, pool_id)
    id_claims, access = tokens_of(sign_in(h, client))
    assert id_claims["tenant"] == "acme" and id_claims["name"] == "Overridden Name"
    assert id_claims["email_verified"] is False  # a string, typed as the attribute's claim
    assert "phone_number" not in id_claims and "both" not in id_claims  # suppressed wins over added
    # Protected: neither changed nor suppressed.
    assert id_claims["sub"] == access["sub"] == sub_of(h, pool_id, "ann")
    assert id_claims["cognito:username"] == "ann" and id_claims["aud"] == client["ClientId"]
    assert id_claims["iss"] == f"{BASE_URL}/{pool_id}" and id_claims["token_use"] == "id"
    assert isinstance(id_claims["auth_time"], int) and id_claims["event_id"] == access["event_id"] != "forged"
    # The groups are replaced in both tokens; roles and preferred role in the ID token.
    assert id_claims["cognito:groups"] == access["cognito:groups"] == ["auditors"]
    assert id_claims["cognito:roles"] == [functions.AUDITOR_ROLE]
    assert id_claims["cognito:preferred_role"] == functions.AUDITOR_ROLE
    # V1 changes nothing else in the access token.
    assert "tenant" not in access and access["scope"] == ADMIN_SCOPE and access["username"] == "ann"


def test_a_null_group_override_removes_the_groups_from_both_tokens(h: Harness) -> None:
    pool_id, client = setup(h, v1("token_drop_groups"))
    person(h, pool_id)
    id_claims, access = tokens_of(sign_in(h, client))
    assert id_claims["plan"] == "free"
    assert not {"cognito:groups", "cognito:roles", "cognito:preferred_role"} & (set(id_claims) | set(access))


def test_v2_event_has_scopes_and_json_claims_reach_both_tokens(h: Harness) -> None:
    pool_id, client = setup(h, versioned("token_claims_v2", "V2_0"))
    person(h, pool_id)
    id_claims, access = tokens_of(sign_in(h, client))
    event = only_event("token_claims_v2")
    assert event["version"] == "2" and event["triggerSource"] == "TokenGeneration_Authentication"
    assert list(event["request"]) == ["userAttributes", "groupConfiguration", "scopes"]
    assert event["request"]["scopes"] == [ADMIN_SCOPE]
    assert event["response"] == {"claimsAndScopeOverrideDetails": None}
    # ID token: JSON values as given, the typed attribute claims typed.
    assert id_claims["tenant"] == {"id": 7, "tier": "gold"} and id_claims["features"] == ["a", "b"]
    assert id_claims["age"] == 42 and id_claims["beta"] is True
    assert id_claims["email_verified"] is False and id_claims["updated_at"] == 1700000000
    assert "phone_number" not in id_claims
    assert id_claims["cognito:groups"] == ["admins", "editors"]  # no groupOverrideDetails: kept
    # Access token: claims, scopes (added, one added and suppressed), groups suppressed here only.
    assert access["permissions"] == ["orders:read", "orders:write"] and access["tenant"] == {"id": 7}
    assert access["scope"].split() == [ADMIN_SCOPE, "orders/read", "orders/write"]
    assert access["aud"] == client["ClientId"]  # allowed: the app client's own ID
    assert "cognito:groups" not in access
    # Protected access-token claims are left alone.
    assert access["username"] == "ann" and access["client_id"] == client["ClientId"]
    assert access["token_use"] == "access" and access["sub"] == id_claims["sub"] and access["jti"] != id_claims["jti"]
    # The customized token still works at the API, through its scope.
    assert h.get_user(sign_in(h, client)["AuthenticationResult"]["AccessToken"])["Username"] == "ann"


def test_v3_is_v2_with_version_3(h: Harness) -> None:
    pool_id, client = setup(h, versioned("token_claims_v2", "V3_0"))
    person(h, pool_id)
    id_claims, access = tokens_of(sign_in(h, client))
    assert only_event("token_claims_v2")["version"] == "3"
    assert id_claims["tenant"] == {"id": 7, "tier": "gold"} and "orders/read" in access["scope"].split()


def test_a_token_without_the_admin_scope_is_refused_by_the_api(h: Harness) -> None:
    pool_id, client = setup(h, versioned("token_drop_admin_scope", "V2_0"))
    person(h, pool_id)
    _, access = tokens_of(answer := sign_in(h, client))
    assert access["scope"] == "orders/read"
    with refused(NotAuthorizedException, "Access Token does not have required scopes"):
        h.get_user(answer["AuthenticationResult"]["AccessToken"])


def test_a_lite_pool_sends_v1_events_whatever_the_version(h: Harness) -> None:
    pool_id, client = setup(h, {})
    with h.rt.store.transaction() as tx:  # as a pool configured before it moved to Lite
        pool = tx.get_pool(pool_id)
        assert pool is not None
        tx.update_pool(replace(pool, config={**pool.config, "UserPoolTier": "LITE",
                                             "LambdaConfig": versioned("token_claims_v2", "V2_0")}))
    person(h, pool_id)
    _, access = tokens_of(sign_in(h, client))
    event = only_event("token_claims_v2")
    assert event["version"] == "1" and "scopes" not in event["request"]
    assert "permissions" not in access and access["scope"] == ADMIN_SCOPE  # a V2 answer means nothing to V1


def test_new_password_challenge_source_and_client_metadata_from_the_answer(h: Harness) -> None:
    pool_id, client = setup(h, v1("token_keep"))
    person(h, pool_id, temporary=True)
    challenge = sign_in(h, client, ignored="initiate")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and functions.calls("token_keep") == []
    done = engine.respond(h.auth, call(client, challenge="NEW_PASSWORD_REQUIRED", session=challenge["Session"],
                                       metadata={"locale": "de"}, USERNAME="ann", NEW_PASSWORD="Brand-New-Pass-1",
                                       SECRET_HASH=secret_hash(client, "ann")))
    assert "IdToken" in done["AuthenticationResult"]
    event = only_event("token_keep")
    assert event["triggerSource"] == "TokenGeneration_NewPasswordChallenge"
    assert event["request"]["clientMetadata"] == {"locale": "de"}
    assert event["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"


def test_new_password_challenge_source_survives_the_mfa_that_follows(h: Harness) -> None:
    pool_id, client = setup(h, v1("token_keep"))
    with h.rt.store.transaction() as tx:
        pool = tx.get_pool(pool_id)
        assert pool is not None
        tx.update_pool(replace(pool, config={**pool.config, "MfaConfiguration": "OPTIONAL",
                                             "SoftwareTokenMfaConfiguration": {"Enabled": True}}))
    person(h, pool_id, temporary=True)
    secret = bytes(range(20))
    with h.rt.store.transaction() as tx:
        user = tx.lock_user(pool_id, "ann")
        assert user is not None
        tx.update_user(replace(user, mfa=MfaSettings(software_token=True, token=SoftwareToken(secret))))
    challenge = sign_in(h, client)
    mfa = engine.respond(h.auth, call(client, challenge="NEW_PASSWORD_REQUIRED", session=challenge["Session"],
                                      USERNAME="ann", NEW_PASSWORD="Brand-New-Pass-1",
                                      SECRET_HASH=secret_hash(client, "ann")))
    assert mfa["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and functions.calls("token_keep") == []
    done = engine.respond(h.auth, call(client, challenge="SOFTWARE_TOKEN_MFA", session=mfa["Session"],
                                       metadata={"step": "mfa"}, USERNAME="ann",
                                       SOFTWARE_TOKEN_MFA_CODE=totp.code_at(secret, h.clock.now()),
                                       SECRET_HASH=secret_hash(client, "ann")))
    assert "IdToken" in done["AuthenticationResult"]
    event = only_event("token_keep")
    assert event["triggerSource"] == "TokenGeneration_NewPasswordChallenge"
    assert event["request"]["clientMetadata"] == {"step": "mfa"}
    # The next sign-in of the same user is an ordinary one again.
    second = sign_in(h, client, password="Brand-New-Pass-1")
    engine.respond(h.auth, call(client, challenge="SOFTWARE_TOKEN_MFA", session=second["Session"], USERNAME="ann",
                                SOFTWARE_TOKEN_MFA_CODE=totp.code_at(secret, h.clock.now() + 30),
                                SECRET_HASH=secret_hash(client, "ann")))
    assert functions.calls("token_keep")[-1]["event"]["triggerSource"] == "TokenGeneration_Authentication"


def test_refresh_sources_and_which_refresh_carries_client_metadata(h: Harness) -> None:
    pool_id, client = setup(h, versioned("token_claims_v2", "V2_0"))
    person(h, pool_id)
    refresh = sign_in(h, client)["AuthenticationResult"]["RefreshToken"]
    functions.CALLS.clear()
    refreshed = engine.initiate(h.auth, call(client, flow="REFRESH_TOKEN_AUTH", metadata={"from": "initiate"},
                                             REFRESH_TOKEN=refresh, SECRET_HASH=secret_hash(client, "ann")))
    event = only_event("token_claims_v2")
    assert event["triggerSource"] == "TokenGeneration_RefreshTokens" and "clientMetadata" not in event["request"]
    assert tokens_of(refreshed)[1]["permissions"] == ["orders:read", "orders:write"]
    assert "RefreshToken" not in refreshed["AuthenticationResult"]
    functions.CALLS.clear()
    rotated = engine.get_tokens_from_refresh_token(
        h.auth, call(client, flow="REFRESH_TOKEN_AUTH", metadata={"from": "get-tokens"}, REFRESH_TOKEN=refresh),
        client["ClientSecret"])
    event = only_event("token_claims_v2")
    assert event["triggerSource"] == "TokenGeneration_RefreshTokens"
    assert event["request"]["clientMetadata"] == {"from": "get-tokens"}
    assert tokens_of(rotated)[0]["tenant"] == {"id": 7, "tier": "gold"}


def test_a_failing_function_gives_no_tokens_and_no_post_authentication(h: Harness) -> None:
    pool_id, client = setup(h, {**v1("token_refuse"), "PostAuthentication": ARN + "token_keep"})
    person(h, pool_id)
    with refused(UserLambdaValidationException, REFUSED):
        sign_in(h, client)
    assert len(functions.calls("token_refuse")) == 1 and functions.calls("token_keep") == []
    with h.rt.store.read() as tx:  # a refused customization is not a failed sign-in
        assert tx.get_lockout(pool_id, "ann").failures == 0


def test_a_refused_refresh_gives_no_tokens(h: Harness) -> None:
    pool_id, client = setup(h, v1("token_keep"))
    person(h, pool_id)
    refresh = sign_in(h, client)["AuthenticationResult"]["RefreshToken"]
    with h.rt.store.transaction() as tx:
        pool = tx.get_pool(pool_id)
        assert pool is not None
        tx.update_pool(replace(pool, config={**pool.config, "LambdaConfig": v1("token_refuse")}))
    with refused(UserLambdaValidationException, REFUSED):
        engine.initiate(h.auth, call(client, flow="REFRESH_TOKEN_AUTH", REFRESH_TOKEN=refresh,
                                     SECRET_HASH=secret_hash(client, "ann")))


@pytest.mark.parametrize(("function", "config"), [
    ("token_number_v1", "V1_0"),  # V1 takes strings only (spec §11.6)
    ("token_claims_v1", "V3_0"),  # fine for V1; for V3, ``claimsOverrideDetails`` is simply not read
])
def test_answer_shapes(h: Harness, function: str, config: str) -> None:
    pool_id, client = setup(h, versioned(function, config))
    person(h, pool_id)
    if function == "token_number_v1":
        with refused(InvalidLambdaResponseException, "Unrecognizable lambda output"):
            sign_in(h, client)
    else:
        id_claims, _ = tokens_of(sign_in(h, client))
        assert "tenant" not in id_claims and id_claims["cognito:groups"] == ["admins", "editors"]


@pytest.mark.parametrize("details", [
    "not an object",
    {"idTokenGeneration": {"claimsToAddOrOverride": {"address": {"street": "1 Main St"}}}},
    {"idTokenGeneration": {"claimsToAddOrOverride": {"email_verified": [True]}}},
    {"idTokenGeneration": {"claimsToSuppress": "email"}},
    {"accessTokenGeneration": {"scopesToAdd": ["two words"]}},
    {"accessTokenGeneration": {"scopesToAdd": [7]}},
    {"groupOverrideDetails": {"groupsToOverride": "admins"}},
    {"groupOverrideDetails": {"preferredRole": 1}},
])
def test_malformed_v2_answers_are_unrecognizable(h: Harness, details: Any) -> None:
    def answer(event: dict[str, Any], context: Any) -> dict[str, Any]:
        event["response"]["claimsAndScopeOverrideDetails"] = details
        return event

    rt = replace(h.rt, triggers=InProcessInvoker({"shape": answer}))
    h = dataclasses.replace(h, rt=rt, auth=replace(h.auth, rt=rt))
    pool_id, client = setup(h, versioned("shape", "V2_0"))
    person(h, pool_id)
    with refused(InvalidLambdaResponseException, "Unrecognizable lambda output"):
        sign_in(h, client)


def test_preferred_role_is_unset_when_the_best_groups_tie_with_different_roles(h: Harness) -> None:
    pool_id, client = setup(h, v1("token_keep"))
    person(h, pool_id, in_groups=False)
    for name, role, precedence in (("a", ADMIN_ROLE, 1), ("b", EDITOR_ROLE, 1), ("c", None, 0)):
        body: dict[str, Any] = {"UserPoolId": pool_id, "GroupName": name, "Precedence": precedence}
        if role:
            body["RoleArn"] = role
        groups.create_group(h.rt, body)
        groups.admin_add_user_to_group(h.rt, {"UserPoolId": pool_id, "Username": "ann", "GroupName": name})
    id_claims, _ = tokens_of(sign_in(h, client))
    assert id_claims["cognito:groups"] == ["c", "a", "b"]
    assert id_claims["cognito:roles"] == [ADMIN_ROLE, EDITOR_ROLE] and "cognito:preferred_role" not in id_claims
    assert only_event("token_keep")["request"]["groupConfiguration"]["preferredRole"] is None


def test_custom_auth_tokens_get_the_answer_s_client_metadata(h: Harness) -> None:
    invoker = InProcessInvoker({"token_keep": functions.token_keep, "define": custom.define, "create": custom.create,
                                "verify": custom.verify})
    rt = replace(h.rt, triggers=invoker)
    h = dataclasses.replace(h, rt=rt, auth=replace(h.auth, rt=rt))
    pool_id = h.pool(LambdaConfig={**v1("token_keep"), "DefineAuthChallenge": ARN + "define",
                                   "CreateAuthChallenge": ARN + "create",
                                   "VerifyAuthChallengeResponse": ARN + "verify"})
    client = h.client(pool_id, ExplicitAuthFlows=["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    person(h, pool_id)
    challenge = engine.initiate(h.auth, call(client, flow="CUSTOM_AUTH", metadata={"at": "initiate"},
                                             USERNAME="ann"))
    assert challenge["ChallengeName"] == "CUSTOM_CHALLENGE" and functions.calls("token_keep") == []
    done = engine.respond(h.auth, call(client, challenge="CUSTOM_CHALLENGE", session=challenge["Session"],
                                       metadata={"at": "answer"}, USERNAME="ann", ANSWER="42"))
    id_claims, _ = tokens_of(done)
    event = only_event("token_keep")
    assert event["triggerSource"] == "TokenGeneration_Authentication"
    assert event["request"]["clientMetadata"] == {"at": "answer"}
    assert id_claims["cognito:groups"] == ["admins", "editors"]
