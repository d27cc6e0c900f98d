"""Amplify JS v6 (``aws-amplify``, unmodified, from the npm registry) in Node against a real
server, configured with ``userPoolEndpoint``: sign-in as an app built on Amplify does it —
USER_SRP_AUTH (Amplify's default), USER_PASSWORD_AUTH through ``authFlowType``, the
NEW_PASSWORD_REQUIRED step answered with ``confirmSignIn``, a refresh through ``fetchAuthSession``,
and the refusals Amplify turns into its own steps or errors. MFA through Amplify:
test_mfa_js_clients.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD
from tests.e2e.node import JsError, amplify
from tests.e2e.server import Server

pytestmark = pytest.mark.node

FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def test_srp_sign_in_tokens_refresh_and_sign_out(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                                 make_user: Any, verify_token: Any) -> None:
    pool_id = make_pool()
    client_id = make_client(pool_id, ExplicitAuthFlows=FLOWS)["ClientId"]
    make_user(pool_id, "amy", email="amy@example.com")
    with amplify(server, pool_id, client_id) as app:
        done = app.call("signIn", input={"username": "amy", "password": PASSWORD})
        assert done == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
        current = app.call("getCurrentUser")
        assert current["username"] == "amy"
        assert current["signInDetails"] == {"loginId": "amy", "authFlowType": "USER_SRP_AUTH"}
        assert app.call("fetchUserAttributes")["email"] == "amy@example.com"
        tokens = app.call("tokens")
        claims = verify_token(tokens["idToken"], pool_id, client_id)
        assert claims["cognito:username"] == "amy" and claims["sub"] == current["userId"]
        assert idp.get_user(AccessToken=tokens["accessToken"])["Username"] == "amy"

        refreshed = app.call("tokens", forceRefresh=True)
        again = verify_token(refreshed["idToken"], pool_id, client_id)
        assert again["jti"] != claims["jti"] and again["auth_time"] == claims["auth_time"]

        app.call("signOut")
        with pytest.raises(JsError) as refused:
            app.call("getCurrentUser")
        assert refused.value.name == "UserUnAuthenticatedException"
        # Amplify's sign-out revoked the refresh token at the server (RevokeToken): the access
        # token of that session is no longer accepted.
        with pytest.raises(Exception, match="NotAuthorizedException"):
            idp.get_user(AccessToken=refreshed["accessToken"])


def test_wrong_password_and_unknown_user_are_refused(server: Server, make_pool: Any, make_client: Any,
                                                     make_user: Any) -> None:
    pool_id = make_pool()
    client_id = make_client(pool_id, ExplicitAuthFlows=FLOWS, PreventUserExistenceErrors="ENABLED")["ClientId"]
    make_user(pool_id, "bea")
    with amplify(server, pool_id, client_id) as app:
        for flow in ("USER_SRP_AUTH", "USER_PASSWORD_AUTH"):
            for name in ("bea", "nobody"):
                with pytest.raises(JsError) as refused:
                    app.call("signIn", input={"username": name, "password": "Wrong-Horse-9",
                                              "options": {"authFlowType": flow}})
                assert (refused.value.name, refused.value.message) == (
                    "NotAuthorizedException", "Incorrect username or password."), (flow, name)
        assert app.call("signIn", input={"username": "bea", "password": PASSWORD})["isSignedIn"] is True


def test_user_password_auth_through_auth_flow_type(server: Server, make_pool: Any, make_client: Any,
                                                   make_user: Any, verify_token: Any) -> None:
    pool_id = make_pool()
    client_id = make_client(pool_id, ExplicitAuthFlows=FLOWS)["ClientId"]
    srp_only = make_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    make_user(pool_id, "cal")
    with amplify(server, pool_id, client_id) as app:
        done = app.call("signIn", input={"username": "cal", "password": PASSWORD,
                                         "options": {"authFlowType": "USER_PASSWORD_AUTH"}})
        assert done["nextStep"]["signInStep"] == "DONE"
        assert app.call("getCurrentUser")["signInDetails"]["authFlowType"] == "USER_PASSWORD_AUTH"
        assert verify_token(app.call("tokens")["idToken"], pool_id, client_id)["cognito:username"] == "cal"
    with amplify(server, pool_id, srp_only["ClientId"]) as app:
        with pytest.raises(JsError) as refused:
            app.call("signIn", input={"username": "cal", "password": PASSWORD,
                                      "options": {"authFlowType": "USER_PASSWORD_AUTH"}})
        assert (refused.value.name, refused.value.message) == (
            "InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client")


@pytest.mark.parametrize("flow", ["USER_SRP_AUTH", "USER_PASSWORD_AUTH"])
def test_new_password_required_through_confirm_sign_in(flow: str, server: Server, idp: Any, make_pool: Any,
                                                       make_client: Any) -> None:
    pool_id = make_pool()
    client_id = make_client(pool_id, ExplicitAuthFlows=FLOWS)["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="dan", TemporaryPassword="Temp0rary!x",
                          MessageAction="SUPPRESS")
    with amplify(server, pool_id, client_id) as app:
        step = app.call("signIn", input={"username": "dan", "password": "Temp0rary!x",
                                         "options": {"authFlowType": flow}})
        assert step["isSignedIn"] is False
        assert step["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED"
        with pytest.raises(JsError) as weak:
            app.call("confirmSignIn", input={"challengeResponse": "short"})
        assert weak.value.name == "InvalidPasswordException"
        done = app.call("confirmSignIn", input={"challengeResponse": "Chosen-Passw0rd"})
        assert done == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
        assert app.call("getCurrentUser")["username"] == "dan"
    assert idp.admin_get_user(UserPoolId=pool_id, Username="dan")["UserStatus"] == "CONFIRMED"
    with amplify(server, pool_id, client_id) as app:
        with pytest.raises(JsError) as old:
            app.call("signIn", input={"username": "dan", "password": "Temp0rary!x"})
        assert old.value.name == "NotAuthorizedException"
        assert app.call("signIn", input={"username": "dan", "password": "Chosen-Passw0rd"})["isSignedIn"] is True


def test_unconfirmed_user_is_sent_to_confirm_sign_up(server: Server, idp: Any, make_pool: Any,
                                                     make_client: Any) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["email"])
    client_id = make_client(pool_id, ExplicitAuthFlows=FLOWS)["ClientId"]
    idp.sign_up(ClientId=client_id, Username="eve", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "eve@example.com"}])
    with amplify(server, pool_id, client_id) as app:
        step = app.call("signIn", input={"username": "eve", "password": PASSWORD})
        assert (step["isSignedIn"], step["nextStep"]["signInStep"]) == (False, "CONFIRM_SIGN_UP")
        idp.confirm_sign_up(ClientId=client_id, Username="eve", ConfirmationCode=server.last_code("eve"))
        assert app.call("signIn", input={"username": "eve", "password": PASSWORD})["isSignedIn"] is True


def test_reset_required_user_is_sent_to_reset_password(server: Server, idp: Any, make_pool: Any,
                                                       make_client: Any, make_user: Any) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["email"])
    client_id = make_client(pool_id, ExplicitAuthFlows=FLOWS)["ClientId"]
    make_user(pool_id, "fay", email="fay@example.com", email_verified="true")
    idp.admin_reset_user_password(UserPoolId=pool_id, Username="fay")
    with amplify(server, pool_id, client_id) as app:
        step = app.call("signIn", input={"username": "fay", "password": PASSWORD})
        assert (step["isSignedIn"], step["nextStep"]["signInStep"]) == (False, "RESET_PASSWORD")
