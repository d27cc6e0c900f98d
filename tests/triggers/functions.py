"""Trigger functions as a developer would write them for the Lambda Python runtime: ``(event,
context)`` in, the event with ``response`` filled out. The same functions run in process
(``--lambda-function NAME=tests.triggers.functions:NAME``) and behind the test Lambda endpoint
(``lambda_endpoint.py``), so both runners are held to one behaviour.

Every call is recorded in ``CALLS`` (function name, the event received, what the context said),
so tests see how many attempts reached a function and what it was given."""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

CALLS: list[dict[str, Any]] = []
_lock = threading.Lock()
#: How long ``slow`` sleeps: longer than the timeouts the tests give it.
SLOW_SECONDS = 1.5


def _record(name: str, event: Any, context: Any) -> None:
    with _lock:
        CALLS.append({"function": name, "event": copy.deepcopy(event), "context_function": context.function_name,
                      "remaining_ms": context.get_remaining_time_in_millis(), "request_id": context.aws_request_id})


def calls(name: str) -> list[dict[str, Any]]:
    with _lock:
        return [call for call in CALLS if call["function"] == name]


def fill_response(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A PreSignUp function that confirms every user: the event back with ``response`` set."""
    _record("fill_response", event, context)
    event["response"]["autoConfirmUser"] = True
    event["response"]["autoVerifyEmail"] = event["request"]["userAttributes"].get("email") is not None
    return event


def refuse(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _record("refuse", event, context)
    raise ValueError("Sign-ups from example.org are closed.")


def missing_key(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A typo'd key: the runtime reports the KeyError as ``'challengeMetaData'``."""
    _record("missing_key", event, context)
    return event["request"]["challengeMetaData"]  # type: ignore[no-any-return]


def answer_nan(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Python's json.dumps writes NaN, which is not JSON: the answer is invalid JSON."""
    _record("answer_nan", event, context)
    event["response"]["score"] = float("nan")
    return event


def answer_garbage(event: dict[str, Any], context: Any) -> bytes:
    """Raw bytes, as a custom runtime may post them."""
    _record("answer_garbage", event, context)
    return b"<html>Bad Gateway</html>"


def answer_nothing(event: dict[str, Any], context: Any) -> None:
    """Forgot to return the event: the payload is JSON null."""
    _record("answer_nothing", event, context)


def answer_list(event: dict[str, Any], context: Any) -> list[Any]:
    _record("answer_list", event, context)
    return [event]


def answer_partial(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Only the response: the common fields are dropped."""
    _record("answer_partial", event, context)
    return {"response": {"autoConfirmUser": True}}


def answer_unmarshallable(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _record("answer_unmarshallable", event, context)
    event["response"]["groups"] = {"admins"}
    return event


def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _record("slow", event, context)
    time.sleep(SLOW_SECONDS)
    return event



# PreTokenGeneration functions (issue 12). Each names, in its docstring, what it asks for; the
# tests check what of it Cognito's rules let through.

AUDITOR_ROLE = "arn:aws:iam::123456789012:role/auditors"


def token_claims_v1(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """V1_0: ID-token claims added and overridden (a typed one as a string), suppressed (one also
    overridden), protected ones tried both ways, and the groups replaced in both tokens."""
    _record("token_claims_v1", event, context)
    event["response"]["claimsOverrideDetails"] = {
        "claimsToAddOrOverride": {
            "tenant": "acme", "name": "Overridden Name", "email_verified": "false",
            "sub": "forged-sub", "cognito:username": "forged", "aud": "forged-aud", "event_id": "forged",
            "cognito:groups": "forged", "both": "added and suppressed",
        },
        "claimsToSuppress": ["phone_number", "both", "iss", "token_use", "auth_time"],
        "groupOverrideDetails": {"groupsToOverride": ["auditors"], "iamRolesToOverride": [AUDITOR_ROLE],
                                 "preferredRole": AUDITOR_ROLE},
    }
    return event


def token_claims_v2(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """V2_0 / V3_0: JSON-valued claims in both tokens, scopes added and suppressed, the access
    token's groups suppressed (the ID token keeps them: no groupOverrideDetails), protected
    access-token claims tried, and ``aud`` added with the app client's ID."""
    _record("token_claims_v2", event, context)
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {
            "claimsToAddOrOverride": {"tenant": {"id": 7, "tier": "gold"}, "features": ["a", "b"], "age": 42,
                                      "beta": True, "email_verified": "false", "updated_at": 1700000000},
            "claimsToSuppress": ["phone_number"],
        },
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"permissions": ["orders:read", "orders:write"], "tenant": {"id": 7},
                                      "aud": event["callerContext"]["clientId"], "username": "forged",
                                      "client_id": "forged", "scope": "forged", "token_use": "id"},
            "claimsToSuppress": ["cognito:groups", "sub", "jti"],
            "scopesToAdd": ["orders/read", "orders/write", "temporary"],
            "scopesToSuppress": ["temporary"],
        },
    }
    return event


def token_echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """V2_0: the event it was given, written into the access token as the claim ``seen`` (so a
    test can see what an in-process function in a server process received)."""
    _record("token_echo", event, context)
    seen = copy.deepcopy({key: event[key] for key in ("version", "triggerSource", "userName", "callerContext",
                                                      "request", "response")})
    event["response"]["claimsAndScopeOverrideDetails"] = {"accessTokenGeneration": {
        "claimsToAddOrOverride": {"seen": seen}}}
    return event


def token_drop_admin_scope(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """V2_0: the access token loses ``aws.cognito.signin.user.admin`` and gains a custom scope."""
    _record("token_drop_admin_scope", event, context)
    event["response"]["claimsAndScopeOverrideDetails"] = {"accessTokenGeneration": {
        "scopesToAdd": ["orders/read"], "scopesToSuppress": ["aws.cognito.signin.user.admin"]}}
    return event


def token_keep(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Any version: the event back as it came (the response left null)."""
    _record("token_keep", event, context)
    return event


def token_drop_groups(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """V1_0: ``groupOverrideDetails`` null (Cognito: the groups are suppressed)."""
    _record("token_drop_groups", event, context)
    event["response"]["claimsOverrideDetails"] = {"claimsToAddOrOverride": {"plan": "free"},
                                                  "groupOverrideDetails": None}
    return event


def token_number_v1(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """V1_0 with a number as a claim value (V1 takes strings only)."""
    _record("token_number_v1", event, context)
    event["response"]["claimsOverrideDetails"] = {"claimsToAddOrOverride": {"level": 3}}
    return event


def token_refuse(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _record("token_refuse", event, context)
    raise ValueError("No tokens for suspended accounts")


NOT_A_FUNCTION = "a string is not callable"


# --- user life cycle (PreSignUp, PostConfirmation, UserMigration) ----------------------------


def record_only(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Any trigger that only needs to see the event (PostConfirmation, PreSignUp without auto*)."""
    _record("record_only", event, context)
    return event


def migrate_legacy(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """UserMigration against a pretend old system: "old-*" users exist there with password
    "Old-Password-1"; the ForgotPassword source needs no password."""
    _record("migrate_legacy", event, context)
    name = event["userName"]
    known = name.startswith("old-")
    if event["triggerSource"] == "UserMigration_Authentication":
        known = known and event["request"].get("password") == "Old-Password-1"
    if known:
        event["response"]["userAttributes"] = {"email": f"{name}@legacy.example", "email_verified": "true",
                                               "name": "Migrated"}
        event["response"]["finalUserStatus"] = "CONFIRMED"
        event["response"]["messageAction"] = "SUPPRESS"
    return event


def custom_message(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A CustomMessage function: every message rewritten, naming its source, with the code
    placeholder it was given (and the username placeholder for an invitation)."""
    _record("custom_message", event, context)
    request = event["request"]
    text = f"[{event['triggerSource']}] code {request['codeParameter']}"
    if "usernameParameter" in request:
        text += f" for {request['usernameParameter']}"
    event["response"]["smsMessage"] = text
    event["response"]["emailMessage"] = f"<p>{text}</p>"
    event["response"]["emailSubject"] = f"Subject {event['triggerSource']}"
    return event


def custom_message_without_code(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A CustomMessage function that forgets the code placeholder."""
    _record("custom_message_without_code", event, context)
    event["response"]["emailMessage"] = "Welcome!"
    event["response"]["smsMessage"] = "Welcome!"
    return event


def code_sender(event: dict[str, Any], context: Any) -> None:
    """A custom sender (CustomEmailSender / CustomSMSSender) written as the Developer Guide's Python
    sample writes one: decrypt ``request.code`` with the AWS Encryption SDK and the KMS key (its ARN
    in KEY_ARN; KMS wherever boto3 is pointed, AWS_ENDPOINT_URL_KMS in the tests), then deliver
    it — here, record it (``sent``)."""
    import base64
    import os

    import aws_encryption_sdk
    from aws_encryption_sdk.identifiers import CommitmentPolicy

    client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT)
    provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[os.environ["KEY_ARN"]])
    plaintext, header = client.decrypt(source=base64.b64decode(event["request"]["code"]), key_provider=provider)
    _sent(event, context, decrypted=plaintext.decode(),
          encryption_context=dict(header.encryption_context))


def failing_sender(event: dict[str, Any], context: Any) -> None:
    """A custom sender that fails: the API call that sent the code must not notice (asynchronous)."""
    _sent(event, context)
    raise RuntimeError("the e-mail provider is down")


#: How long ``slow_sender`` takes: longer than any call that hands it a code may take.
SLOW_SENDER_SECONDS = 2.0


def slow_sender(event: dict[str, Any], context: Any) -> None:
    """A custom sender whose provider takes seconds: the call must not wait for it."""
    time.sleep(SLOW_SENDER_SECONDS)
    _sent(event, context)


def readme_sender(event: dict[str, Any], context: Any) -> None:
    """The README's custom sender, run as written; its ``send(event, secret)`` (the reader's
    provider) replaced by one that records. The README's text is run afresh for every call."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    code = re.search(r"^```python\n(.*?)^```$", text[text.index("**Custom senders.**"):], re.S | re.M)
    assert code is not None, "the README's custom sender example"
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), "README.md", "exec"), namespace)  # the README's own example
    namespace["send"] = lambda sent_event, secret: _sent(sent_event, context, decrypted=secret)
    namespace["handler"](event, context)


_sent_lock = threading.Lock()


def _sent(event: dict[str, Any], context: Any, **found: Any) -> None:
    """Records what a sender got, in ``CALLS`` and, for the tests to read across processes (an
    in-process function runs in the server), as a JSON line in the file SENDER_OUTBOX names:
    ``{"function": the name it was invoked by, "event", **found}``."""
    import json
    import os

    _record(context.function_name, event, context)
    path = os.environ.get("SENDER_OUTBOX")
    if path:
        line = json.dumps({"function": context.function_name, "event": event, **found}) + "\n"
        with _sent_lock, open(path, "a") as out:
            out.write(line)
