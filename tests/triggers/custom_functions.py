"""CUSTOM_AUTH trigger functions as a developer would write them for the Lambda Python runtime: a
question / answer challenge whose answer stays private (CreateAuthChallenge puts it in
``privateChallengeParameters``; the client only sees the question), three tries, and a password
check first when the client starts with SRP_A (CUSTOM_WITH_SRP). The same functions run in process
(``--lambda-function define=tests.triggers.custom_functions:define``) and behind the test Lambda
endpoint (``lambda_endpoint.py``).

Every call is appended as one JSON line to the file named by ``$USERPOOL_TEST_TRIGGER_LOG`` (when
set), so a test reads what a function received even when it ran inside the server process."""

from __future__ import annotations

import json
import os
import random
import re
import threading
from pathlib import Path
from typing import Any

LOG_VARIABLE = "USERPOOL_TEST_TRIGGER_LOG"
#: Wrong answers Define accepts before it fails the sign-in.
TRIES = 3
QUESTION = re.compile(r"^What is (\d+) \+ (\d+)\?$")
_lock = threading.Lock()
_random = random.SystemRandom()


def _record(function: str, event: dict[str, Any]) -> None:
    path = os.environ.get(LOG_VARIABLE)
    if not path:
        return
    line = json.dumps({"function": function, "event": event}) + "\n"
    with _lock, open(path, "a", encoding="utf-8") as log:
        log.write(line)


def recorded(path: str | Path, pool_id: str) -> list[dict[str, Any]]:
    """The calls recorded in ``path`` for one pool, oldest first: ``{"function", "event"}``."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    calls = [json.loads(line) for line in lines if line]
    return [call for call in calls if call["event"].get("userPoolId") == pool_id]


def answer_to(question: str) -> str:
    """What a person answers to the public ``question``."""
    match = QUESTION.match(question)
    assert match is not None, question
    return str(int(match[1]) + int(match[2]))


def define(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """DefineAuthChallenge: SRP_A → PASSWORD_VERIFIER; a verified password or a wrong answer → a
    (new) CUSTOM_CHALLENGE; a right answer → tokens; TRIES wrong answers → fail."""
    _record("define", event)
    history = event["request"]["session"]
    response = event["response"]
    last = history[-1] if history else None
    wrong = sum(1 for item in history if item["challengeName"] == "CUSTOM_CHALLENGE" and not item["challengeResult"])
    if last is not None and last["challengeName"] == "SRP_A":
        response.update(challengeName="PASSWORD_VERIFIER", issueTokens=False, failAuthentication=False)
    elif last is not None and not last["challengeResult"] and last["challengeName"] != "CUSTOM_CHALLENGE":
        response.update(issueTokens=False, failAuthentication=True)
    elif last is not None and last["challengeName"] == "CUSTOM_CHALLENGE" and last["challengeResult"]:
        response.update(issueTokens=True, failAuthentication=False)
    elif wrong >= TRIES:
        response.update(issueTokens=False, failAuthentication=True)
    else:
        response.update(challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False)
    return event


def create(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """CreateAuthChallenge: a fresh sum to solve; the answer only in the private parameters."""
    _record("create", event)
    first, second = _random.randint(10, 99), _random.randint(10, 99)
    event["response"].update(
        publicChallengeParameters={"question": f"What is {first} + {second}?"},
        privateChallengeParameters={"answer": str(first + second)},
        challengeMetadata=f"QUESTION-{len(event['request']['session'])}",
    )
    return event


def verify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """VerifyAuthChallengeResponse: the answer against the private one."""
    _record("verify", event)
    expected = event["request"]["privateChallengeParameters"]["answer"]
    event["response"]["answerCorrect"] = event["request"]["challengeAnswer"].strip() == expected
    return event


def undecided(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A DefineAuthChallenge with a bug: it asks again whatever the answers were."""
    _record("undecided", event)
    event["response"].update(challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False)
    return event


FUNCTIONS = ("define", "create", "verify", "undecided")


def flags() -> list[str]:
    """The server flags that map every function here in process."""
    module = "tests.triggers.custom_functions"
    return [arg for name in FUNCTIONS for arg in ("--lambda-function", f"{name}={module}:{name}")]
