"""Self-service sign-up and password recovery through boto3 (spec §2.6, §3.8, §9.3): SignUp,
ConfirmSignUp, ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from typing import Any

from tests.e2e.conftest import PASSWORD, raises_code
from tests.e2e.server import Server


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def attrs_of(user: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def secret_hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_sign_up_and_confirm(
    idp: Any, server: Server, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["email"])
    client_id = make_client(pool_id)["ClientId"]
    name = unique("amy")
    out = idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD,
                      UserAttributes=[{"Name": "email", "Value": "amy@example.com"}])
    assert out["UserConfirmed"] is False
    assert uuid.UUID(out["UserSub"]).version == 4
    assert out["CodeDeliveryDetails"] == {"Destination": "a***@e***", "DeliveryMedium": "EMAIL",
                                          "AttributeName": "email"}
    user = idp.admin_get_user(UserPoolId=pool_id, Username=name)
    assert user["UserStatus"] == "UNCONFIRMED"
    assert attrs_of(user)["sub"] == out["UserSub"]
    assert attrs_of(user).get("email_verified", "false") == "false"

    code = server.last_code(name, "SIGN_UP")
    assert len(code) == 6 and code.isdigit()
    with raises_code("CodeMismatchException"):
        idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=wrong(code))
    idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code)
    user = idp.admin_get_user(UserPoolId=pool_id, Username=name)
    assert user["UserStatus"] == "CONFIRMED"
    assert attrs_of(user)["email_verified"] == "true"
    with raises_code("NotAuthorizedException", "^User cannot be confirmed. Current status is CONFIRMED$"):
        idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code)
    with raises_code("InvalidParameterException"):
        idp.resend_confirmation_code(ClientId=client_id, Username=name)

    tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
    assert "AccessToken" in tokens["AuthenticationResult"]


def test_resend_confirmation_code_replaces_the_old_one(
    idp: Any, server: Server, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["email"])
    client_id = make_client(pool_id)["ClientId"]
    name = unique("rex")
    idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "rex@example.com"}])
    old = server.last_code(name, "SIGN_UP")
    resent = idp.resend_confirmation_code(ClientId=client_id, Username=name)
    assert resent["CodeDeliveryDetails"] == {"Destination": "r***@e***", "DeliveryMedium": "EMAIL",
                                             "AttributeName": "email"}
    new = server.last_code(name, "SIGN_UP")
    assert len([m for m in server.outbox() if m["username"] == name and m["purpose"] == "SIGN_UP"]) == 2
    if new != old:  # one chance in a million that they coincide
        with raises_code("CodeMismatchException"):
            idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=old)
    idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=new)
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"] == "CONFIRMED"


def test_sign_up_refusals(
    idp: Any, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["email"])
    client_id = make_client(pool_id)["ClientId"]
    idp.sign_up(ClientId=client_id, Username="taken", Password=PASSWORD)
    with raises_code("UsernameExistsException"):
        idp.sign_up(ClientId=client_id, Username="taken", Password=PASSWORD)
    with raises_code("InvalidPasswordException", "^Password did not conform with policy: "):
        idp.sign_up(ClientId=client_id, Username="weakling", Password="password")
    with raises_code("InvalidParameterException", "^Attributes did not conform to the schema"):
        idp.sign_up(ClientId=client_id, Username="odd", Password=PASSWORD,
                    UserAttributes=[{"Name": "custom:missing", "Value": "x"}])
    with raises_code("UserNotFoundException"):
        idp.confirm_sign_up(ClientId=client_id, Username="ghost", ConfirmationCode="123456")
    with raises_code("ResourceNotFoundException"):
        idp.sign_up(ClientId="nosuchclient", Username="x", Password=PASSWORD)

    closed = make_pool(AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})
    closed_client = make_client(closed)["ClientId"]
    with raises_code("NotAuthorizedException", "^SignUp is not permitted for this user pool$"):
        idp.sign_up(ClientId=closed_client, Username="someone", Password=PASSWORD)


def test_sign_up_with_a_secret_client(
    idp: Any, server: Server, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["email"])
    client = make_client(pool_id, GenerateSecret=True)
    client_id, secret = client["ClientId"], client["ClientSecret"]
    name = unique("sid")
    email = [{"Name": "email", "Value": "sid@example.com"}]
    with raises_code("NotAuthorizedException", "configured for secret but secret was not received"):
        idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD, UserAttributes=email)
    with raises_code("NotAuthorizedException"):
        idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD, UserAttributes=email,
                    SecretHash=secret_hash(secret, "someone-else", client_id))
    idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD, UserAttributes=email,
                SecretHash=secret_hash(secret, name, client_id))
    code = server.last_code(name, "SIGN_UP")
    with raises_code("NotAuthorizedException"):
        idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code)
    idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code,
                        SecretHash=secret_hash(secret, name, client_id))
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"] == "CONFIRMED"


def test_sign_up_in_an_email_username_pool(
    idp: Any, server: Server, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool(UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = make_client(pool_id)["ClientId"]
    with raises_code("InvalidParameterException"):
        idp.sign_up(ClientId=client_id, Username="plainname", Password=PASSWORD)
    email = f"{unique('eli')}@example.com"
    out = idp.sign_up(ClientId=client_id, Username=email, Password=PASSWORD)
    sub = out["UserSub"]
    assert out["CodeDeliveryDetails"]["Destination"] == "e***@e***"
    user = idp.admin_get_user(UserPoolId=pool_id, Username=email)
    assert user["Username"] == sub and attrs_of(user)["email"] == email
    with raises_code("UsernameExistsException"):
        idp.sign_up(ClientId=client_id, Username=email, Password=PASSWORD)
    idp.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode=server.last_code(sub, "SIGN_UP"))
    assert idp.admin_get_user(UserPoolId=pool_id, Username=sub)["UserStatus"] == "CONFIRMED"


def test_forgot_password(
    idp: Any, server: Server, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
    make_user: Callable[..., str],
) -> None:
    pool_id = make_pool()
    client_id = make_client(pool_id)["ClientId"]
    name = make_user(pool_id, unique("fay"), email="fay@example.com", email_verified="true")
    with raises_code("ExpiredCodeException"):  # no code was requested
        idp.confirm_forgot_password(ClientId=client_id, Username=name, ConfirmationCode="123456",
                                    Password="New-Password-7")

    out = idp.forgot_password(ClientId=client_id, Username=name)
    assert out["CodeDeliveryDetails"] == {"Destination": "f***@e***", "DeliveryMedium": "EMAIL",
                                          "AttributeName": "email"}
    code = server.last_code(name, "FORGOT_PASSWORD")
    with raises_code("CodeMismatchException"):
        idp.confirm_forgot_password(ClientId=client_id, Username=name, ConfirmationCode=wrong(code),
                                    Password="New-Password-7")
    with raises_code("InvalidPasswordException"):
        idp.confirm_forgot_password(ClientId=client_id, Username=name, ConfirmationCode=code, Password="weak")
    # The policy refusal must not have spent the code.
    idp.confirm_forgot_password(ClientId=client_id, Username=name, ConfirmationCode=code,
                                Password="New-Password-7")

    def sign_in(password: str) -> Any:
        return idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": name, "PASSWORD": password})

    assert "AccessToken" in sign_in("New-Password-7")["AuthenticationResult"]
    with raises_code("NotAuthorizedException"):
        sign_in(PASSWORD)
    with raises_code("ExpiredCodeException"):  # the code was single use
        idp.confirm_forgot_password(ClientId=client_id, Username=name, ConfirmationCode=code,
                                    Password="Newer-Password-8")


def test_forgot_password_for_unknown_users(
    idp: Any, server: Server, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
    make_user: Callable[..., str],
) -> None:
    pool_id = make_pool()
    hiding = make_client(pool_id, PreventUserExistenceErrors="ENABLED")["ClientId"]
    legacy = make_client(pool_id, PreventUserExistenceErrors="LEGACY")["ClientId"]
    ghost = unique("ghost")
    out = idp.forgot_password(ClientId=hiding, Username=ghost)
    details = out["CodeDeliveryDetails"]
    assert details["DeliveryMedium"] in ("EMAIL", "SMS") and details["Destination"]
    assert "*" in details["Destination"]
    assert not [m for m in server.outbox() if m["username"] == ghost]
    with raises_code("CodeMismatchException"):
        idp.confirm_forgot_password(ClientId=hiding, Username=ghost, ConfirmationCode="123456",
                                    Password="New-Password-7")
    assert "CodeDeliveryDetails" in idp.resend_confirmation_code(ClientId=hiding, Username=ghost)
    with raises_code("CodeMismatchException"):
        idp.confirm_sign_up(ClientId=hiding, Username=ghost, ConfirmationCode="123456")
    assert not [m for m in server.outbox() if m["username"] == ghost]
    with raises_code("UserNotFoundException"):
        idp.forgot_password(ClientId=legacy, Username=ghost)
    with raises_code("UserNotFoundException"):
        idp.resend_confirmation_code(ClientId=legacy, Username=ghost)
    with raises_code("UserNotFoundException"):
        idp.confirm_forgot_password(ClientId=legacy, Username=ghost, ConfirmationCode="123456",
                                    Password="New-Password-7")

    # A real user without a verified email or phone cannot reset (LEGACY says so).
    make_user(pool_id, "noemail")
    with raises_code("InvalidParameterException", "no registered/verified email or phone_number"):
        idp.forgot_password(ClientId=legacy, Username="noemail")


def test_alias_clash_is_reported_at_confirmation(
    idp: Any, server: Server, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool(AliasAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = make_client(pool_id)["ClientId"]
    shared = "shared@example.com"
    idp.admin_create_user(UserPoolId=pool_id, Username="holder", MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "email", "Value": shared}, {"Name": "email_verified", "Value": "true"}])
    name = unique("late")
    idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD,  # not an error at sign-up
                UserAttributes=[{"Name": "email", "Value": shared}])
    code = server.last_code(name, "SIGN_UP")
    with raises_code("AliasExistsException", "An account with the email already exists"):
        idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code)
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"] == "UNCONFIRMED"
    idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code, ForceAliasCreation=True)
    assert attrs_of(idp.admin_get_user(UserPoolId=pool_id, Username="holder"))["email_verified"] == "false"
    assert idp.admin_get_user(UserPoolId=pool_id, Username=shared)["Username"] == name


def test_too_many_wrong_codes(
    idp: Any, server: Server, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["email"])
    client_id = make_client(pool_id)["ClientId"]
    name = unique("tim")
    idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "tim@example.com"}])
    code = server.last_code(name, "SIGN_UP")
    for _ in range(5):
        with raises_code("CodeMismatchException"):
            idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=wrong(code))
    # After five wrong codes even the right one is refused.
    with raises_code("TooManyFailedAttemptsException"):
        idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code)
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"] == "UNCONFIRMED"


def test_outbox_cli_lists_the_code(server: Server, idp: Any, make_pool: Any, make_client: Any) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["email"])
    client = make_client(pool_id)
    idp.sign_up(ClientId=client["ClientId"], Username="cli-reader", Password="Correct-Horse-9",
                UserAttributes=[{"Name": "email", "Value": "cli@example.com"}])
    done = subprocess.run([sys.executable, "-m", "userpool.cli", "outbox", "--data-dir", str(server.data_dir),
                           "--json", "--limit", "50"], capture_output=True, text=True, check=True, timeout=30)
    mine = [json.loads(line) for line in done.stdout.splitlines() if '"cli-reader"' in line]
    assert mine and mine[-1]["code"] == server.last_code("cli-reader", "SIGN_UP")
    assert mine[-1]["destination"] == "cli@example.com" and mine[-1]["medium"] == "EMAIL"
