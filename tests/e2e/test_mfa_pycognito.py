"""MFA through pycognito (unmodified) against a real server: a signed-in user registers a TOTP
app (``associate_software_token``, ``verify_software_token``) and prefers it
(``set_user_mfa_preference``); the next SRP sign-in (``authenticate``) raises
SoftwareTokenMFAChallengeException, answered with ``respond_to_software_token_mfa_challenge``;
SMS codes through SMSMFAChallengeException and ``respond_to_sms_mfa_challenge``. With and without
a client secret (pycognito adds SECRET_HASH to every answer)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from pycognito import Cognito
from pycognito.exceptions import SMSMFAChallengeException, SoftwareTokenMFAChallengeException

from tests.e2e.conftest import PASSWORD
from tests.e2e.mfa import MISMATCH, SETUP_MISMATCH, Authenticator, enable, mfa_pool, mfa_user, sent_code
from tests.e2e.server import ACCESS_KEY, SECRET_KEY, Server

FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def cognito(server: Server, client: dict[str, Any], username: str) -> Cognito:
    return Cognito(client["UserPoolId"], client["ClientId"], username=username,
                   client_secret=client.get("ClientSecret"),
                   boto3_client_kwargs={"endpoint_url": server.url, "aws_access_key_id": ACCESS_KEY,
                                        "aws_secret_access_key": SECRET_KEY})


def error_of(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = info.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.mark.parametrize("secret", [False, True], ids=["public", "secret"])
def test_totp_registered_then_challenged_after_srp(secret: bool, server: Server, idp: Any, make_pool: Any,
                                                   make_client: Any, make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool)
    client = make_client(pool_id, ExplicitAuthFlows=FLOWS, GenerateSecret=secret)
    make_user(pool_id, "pia")
    user = cognito(server, client, "pia")
    user.authenticate(PASSWORD)  # no factor yet: tokens
    phone = Authenticator(user.associate_software_token())
    code = phone.code()
    with pytest.raises(ClientError) as wrong:
        user.verify_software_token(Authenticator.wrong(code), "phone")
    assert error_of(wrong) == ("EnableSoftwareTokenMFAException", SETUP_MISMATCH)
    assert user.verify_software_token(code, "phone") is True
    user.set_user_mfa_preference(False, True, preferred="SOFTWARE_TOKEN")
    settings = idp.get_user(AccessToken=user.access_token)
    assert (settings["UserMFASettingList"], settings["PreferredMfaSetting"]) == (["SOFTWARE_TOKEN_MFA"],
                                                                                 "SOFTWARE_TOKEN_MFA")

    again = cognito(server, client, "pia")
    with pytest.raises(SoftwareTokenMFAChallengeException) as challenge:
        again.authenticate(PASSWORD)
    assert challenge.value.get_tokens()["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert again.access_token is None
    code = phone.code()
    with pytest.raises(ClientError) as mismatch:
        again.respond_to_software_token_mfa_challenge(Authenticator.wrong(code))
    assert error_of(mismatch) == ("CodeMismatchException", MISMATCH)
    again.respond_to_software_token_mfa_challenge(code)  # same session, right code
    again.verify_tokens()  # against the pool's JWKS and issuer at the server
    assert idp.get_user(AccessToken=again.access_token)["Username"] == "pia"

    replay = cognito(server, client, "pia")
    with pytest.raises(SoftwareTokenMFAChallengeException):
        replay.authenticate(PASSWORD)
    with pytest.raises(ClientError) as replayed:
        replay.respond_to_software_token_mfa_challenge(code)
    assert error_of(replayed) == ("CodeMismatchException", MISMATCH)


def test_sms_challenge_after_srp(server: Server, idp: Any, make_pool: Any, make_client: Any, make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool)
    client = make_client(pool_id, ExplicitAuthFlows=FLOWS)
    mfa_user(make_user, pool_id, "sol")
    enable(idp, pool_id, "sol", "SMS", preferred="SMS")
    user = cognito(server, client, "sol")
    with pytest.raises(SMSMFAChallengeException) as challenge:
        user.authenticate(PASSWORD)
    assert challenge.value.get_tokens()["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    code = sent_code(server, "sol", "SMS")
    with pytest.raises(ClientError) as mismatch:
        user.respond_to_sms_mfa_challenge(Authenticator.wrong(code))
    assert error_of(mismatch) == ("CodeMismatchException", MISMATCH)
    user.respond_to_sms_mfa_challenge(code)
    assert idp.get_user(AccessToken=user.access_token)["Username"] == "sol"
