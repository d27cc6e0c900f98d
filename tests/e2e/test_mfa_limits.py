"""MFA codes under attack, through boto3 against a server with two worker processes (SQLite and
PostgreSQL, issue 11): parallel wrong answers spread over several sessions and both workers get no
more guesses than the per-user allowance, and parallel sign-ins send no more SMS codes than the
hourly allowance."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pyotp
from botocore.exceptions import ClientError

from tests.e2e.conftest import PASSWORD
from tests.e2e.server import Server
from tests.e2e.test_lockout import two_workers  # noqa: F401 - the two-worker server fixture

GUESSES = 5  # directory.limits.CODE_GUESSES
MISMATCH = "CodeMismatchException: Invalid code or auth state for the user."
SESSION_DEAD = "NotAuthorizedException: Invalid session for the user."
SPENT = "NotAuthorizedException: Too many invalid MFA codes; try again later."
SENDS = 10  # directory.limits.HOURLY["SendMfaCode"]


def _parallel(count: int, call: Callable[[int], str]) -> list[str]:
    start = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        start.wait()
        try:
            outcome = call(index)
        except ClientError as error:
            outcome = f'{error.response["Error"]["Code"]}: {error.response["Error"]["Message"]}'
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _pool(idp: Any, **mfa: Any) -> tuple[str, str]:
    pool_id = idp.create_user_pool(PoolName="mfa-limits")["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL", **mfa)
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=[
        "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def _user(idp: Any, pool_id: str, name: str, **attributes: str) -> None:
    idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()])
    idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)


def test_parallel_wrong_totp_codes_cannot_beat_the_allowance(two_workers: Server) -> None:  # noqa: F811
    idp = two_workers.client()
    pool_id, client_id = _pool(idp, SoftwareTokenMfaConfiguration={"Enabled": True})
    _user(idp, pool_id, "tia")
    tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "tia", "PASSWORD": PASSWORD})["AuthenticationResult"]
    secret = idp.associate_software_token(AccessToken=tokens["AccessToken"])["SecretCode"]
    totp = pyotp.TOTP(secret)
    idp.verify_software_token(AccessToken=tokens["AccessToken"], UserCode=totp.now())
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username="tia",
                                      SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    valid = {totp.at(time.time() + offset) for offset in (-60, -30, 0, 30, 60)}
    wrong = [c for c in (f"{n:06d}" for n in range(100)) if c not in valid]
    clients = [two_workers.client() for _ in range(12)]
    # Round 1: twelve parallel wrong answers to one session: it takes three, then it is dead.
    # Round 2, a new session: the user's hourly allowance has two wrong codes left.
    for round_, (mismatches_expected, refusal) in enumerate(((3, SESSION_DEAD), (GUESSES - 3, SPENT))):
        session = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": "tia", "PASSWORD": PASSWORD})["Session"]

        def answer(index: int, session: str = session, round_: int = round_) -> str:
            clients[index].respond_to_auth_challenge(
                ClientId=client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=session,
                ChallengeResponses={"USERNAME": "tia", "SOFTWARE_TOKEN_MFA_CODE": wrong[12 * round_ + index]})
            return "signed in"

        outcomes = _parallel(12, answer)
        assert outcomes.count(MISMATCH) == mismatches_expected, outcomes
        assert set(outcomes) <= {MISMATCH, refusal, SESSION_DEAD}, outcomes
    fresh = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "tia", "PASSWORD": PASSWORD})["Session"]
    try:  # even the right code is refused until the hour is over
        idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=fresh,
                                      ChallengeResponses={"USERNAME": "tia", "SOFTWARE_TOKEN_MFA_CODE": totp.now()})
        right = "signed in"
    except ClientError as error:
        right = str(error.response["Error"]["Code"])
    assert right == "NotAuthorizedException"


def test_parallel_sign_ins_send_no_more_sms_codes_than_allowed(two_workers: Server) -> None:  # noqa: F811
    idp = two_workers.client()
    pool_id, client_id = _pool(idp, SmsMfaConfiguration={"SmsConfiguration": {
        "SnsCallerArn": "arn:aws:iam::000000000000:role/sms", "ExternalId": "userpool"}})
    _user(idp, pool_id, "sid", phone_number="+15555550123")
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username="sid",
                                      SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    clients = [two_workers.client() for _ in range(16)]

    def sign_in(index: int) -> str:
        answer = clients[index].initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                              AuthParameters={"USERNAME": "sid", "PASSWORD": PASSWORD})
        return str(answer["ChallengeName"])

    outcomes = _parallel(16, sign_in)
    assert outcomes.count("SMS_MFA") == SENDS, outcomes
    assert outcomes.count("LimitExceededException: Attempt limit exceeded, please try after some time.") == 6
    sent = [m for m in two_workers.outbox() if m["username"] == "sid" and m["medium"] == "SMS"]
    assert len(sent) == SENDS
