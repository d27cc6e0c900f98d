"""The ``custom`` workload: CUSTOM_AUTH, InitiateAuth → CUSTOM_CHALLENGE → RespondToAuthChallenge
with the answer (one login = both requests), in a pool of its own whose DefineAuthChallenge /
CreateAuthChallenge / VerifyAuthChallengeResponse triggers are the functions below. userpool runs
them in process (``--lambda-function bench-define=bench.custom:define``, bench/peers.py), so the
row measures the server's custom-auth loop (three trigger events through JSON, the sealed
session, the tokens), not a Lambda service. Peers without triggers cannot sign anyone in here.

The challenge is a sum to solve; the answer stays in the private challenge parameters. Define
gives one try: a wrong answer fails the sign-in with NotAuthorizedException, so the flow is
credited only if a wrong answer is refused (``check_custom``)."""

from __future__ import annotations

import json
import random
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bench.client import PASSWORD, Conn, boto_client, dumps, error_type

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"
#: Function names the in-process runner maps (bench/peers.py).
IN_PROCESS = "bench-"
FUNCTIONS = ("define", "create", "verify")
FLOWS = ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
_QUESTION = re.compile(r"^What is (\d+) \+ (\d+)\?$")
_random = random.SystemRandom()


# --- the trigger functions (the Lambda Python runtime's shape: (event, context) → event) --------


def define(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One question; a right answer gets tokens, anything else fails the sign-in."""
    history = event["request"]["session"]
    if not history:
        event["response"].update(challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False)
    elif history[-1]["challengeName"] == "CUSTOM_CHALLENGE" and history[-1]["challengeResult"]:
        event["response"].update(issueTokens=True, failAuthentication=False)
    else:
        event["response"].update(issueTokens=False, failAuthentication=True)
    return event


def create(event: dict[str, Any], context: Any) -> dict[str, Any]:
    first, second = _random.randint(10, 99), _random.randint(10, 99)
    event["response"].update(publicChallengeParameters={"question": f"What is {first} + {second}?"},
                             privateChallengeParameters={"answer": str(first + second)}, challengeMetadata="SUM")
    return event


def verify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    expected = event["request"]["privateChallengeParameters"]["answer"]
    event["response"]["answerCorrect"] = event["request"]["challengeAnswer"] == expected
    return event


def server_flags() -> list[str]:
    """userpool's flags mapping the functions in process."""
    return [arg for name in FUNCTIONS for arg in ("--lambda-function", f"{IN_PROCESS}{name}=bench.custom:{name}")]


def answer_to(question: str) -> str | None:
    match = _QUESTION.match(question)
    return str(int(match[1]) + int(match[2])) if match else None


# --- pool, users, one login ---------------------------------------------------------------------


@dataclass
class CustomSetup:
    pool_id: str
    client_id: str
    users: list[str]
    problems: list[str] = field(default_factory=list)


def setup_custom(url: str, n_users: int, prefix: str = IN_PROCESS, threads: int = 8) -> CustomSetup:
    """A pool whose custom-auth triggers are the functions named ``prefix`` + define/create/verify,
    an app client allowing CUSTOM_AUTH, and ``n_users`` confirmed users."""
    idp = boto_client(url)
    pool_id = idp.create_user_pool(PoolName=f"bench-custom-{prefix.strip('-')}", LambdaConfig={
        "DefineAuthChallenge": f"{ARN}{prefix}define", "CreateAuthChallenge": f"{ARN}{prefix}create",
        "VerifyAuthChallengeResponse": f"{ARN}{prefix}verify"})["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="bench-custom", GenerateSecret=False,
                                            ExplicitAuthFlows=FLOWS)["UserPoolClient"]["ClientId"]
    local = [boto_client(url) for _ in range(threads)]
    problems: list[str] = []

    def make(i: int) -> str | None:
        api = local[i % threads]
        name = f"custom{i:07d}"
        try:
            api.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
            api.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)
        except Exception as exc:
            problems.append(f"{type(exc).__name__}: {exc}")
            return None
        return name

    with ThreadPoolExecutor(threads) as pool:
        made = [name for name in pool.map(make, range(n_users)) if name is not None]
    return CustomSetup(pool_id, client_id, made, sorted(set(problems))[:5])


def login(setup: CustomSetup, conn: Conn, user: str, *, wrong: bool = False) -> tuple[int, bytes] | str:
    """Both requests; the final (status, body), or why there was no CUSTOM_CHALLENGE to answer."""
    status, data = conn.call("InitiateAuth", dumps({
        "AuthFlow": "CUSTOM_AUTH", "ClientId": setup.client_id, "AuthParameters": {"USERNAME": user}}))
    if status != 200:
        return error_type(status, data)
    doc: dict[str, Any] = json.loads(data)
    if doc.get("ChallengeName") != "CUSTOM_CHALLENGE":
        return f"no CUSTOM_CHALLENGE: {data[:160]!r}"
    answer = answer_to(str(doc.get("ChallengeParameters", {}).get("question", "")))
    if answer is None:
        return f"no question in the challenge: {data[:160]!r}"
    if wrong:
        answer = str(int(answer) + 1)
    return conn.call("RespondToAuthChallenge", dumps({
        "ChallengeName": "CUSTOM_CHALLENGE", "ClientId": setup.client_id, "Session": doc.get("Session", ""),
        "ChallengeResponses": {"USERNAME": user, "ANSWER": answer}}))
