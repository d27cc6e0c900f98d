"""CUSTOM_AUTH's loop (spec §3.4, §5.16, §11.6): the pool's DefineAuthChallenge trigger decides
each step from the history of the challenges so far; CreateAuthChallenge makes a
CUSTOM_CHALLENGE, VerifyAuthChallengeResponse judges its answer.

The history (``session`` in the trigger events: challengeName, challengeResult,
challengeMetadata) and the challenge's private parameters travel sealed in the ``Session``
(encrypted and authenticated, so the private parameters — often the expected answer — never
reach the client). Each session is single use and spent only when the step it answers has
completed: a trigger that fails leaves it usable. Define may go round at most
``MAX_CHALLENGES`` times; a function that never decides is stopped there.

Unknown users under PreventUserExistenceErrors ENABLED run the same triggers with
``userNotFound: true`` and never get tokens. Wrong answers do not count toward the password
lockout: Cognito has none for custom challenges (Define decides how many tries a user gets).
After a right PASSWORD_VERIFIER (CUSTOM_WITH_SRP) the user's MFA challenge, if any, is issued
at once, without asking Define (spec §11.6); its session carries the history, and once it is
answered the history gains the MFA step (SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP) and Define
decides again (``finish_mfa``). Passwordless custom flows never get MFA. NEW_PASSWORD_REQUIRED
follows ``issueTokens`` when a PASSWORD_VERIFIER step is in the history (spec §10.9); for such a
user (FORCE_CHANGE_PASSWORD) MFA comes after the new password, as in the other flows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from userpool.auth import mfa_step
from userpool.auth.context import FlowContext
from userpool.auth.first_factor import WRONG
from userpool.auth.flows.user_srp_auth import password_verifier_challenge
from userpool.auth.next_step import CUSTOM_HISTORY, Completed, Outcome, finish, issue, proceed
from userpool.auth.session import AuthSession, new_session, seal, spend
from userpool.directory import triggers
from userpool.model.entities import User, UserStatus
from userpool.model.errors import InvalidLambdaResponseException, NotAuthorizedException

CUSTOM_CHALLENGE = "CUSTOM_CHALLENGE"
PASSWORD_VERIFIER = "PASSWORD_VERIFIER"
SRP_A = "SRP_A"
#: Challenges one sign-in may go through before it is refused (chosen: docs/decisions.md).
MAX_CHALLENGES = 16
#: Longest Session the API accepts back (botocore's ``SessionType``: 20 to 2048 characters).
MAX_SESSION = 2048
NOT_CONFIGURED = "Custom auth lambda trigger is not configured for the user pool."


def configured(ctx: FlowContext) -> bool:
    return triggers.function_arn(ctx.pool, "DefineAuthChallenge") is not None


def step(ctx: FlowContext, user: User | None, typed: str, history: list[dict[str, Any]], *,
         answered: AuthSession | None = None, srp_a: str | None = None) -> dict[str, Any]:
    """Asks Define what follows ``history`` and does it: tokens (through the common pipeline),
    a refusal, a CUSTOM_CHALLENGE made by Create, or (after SRP_A) the PASSWORD_VERIFIER
    challenge. ``answered`` is the session this call answered, spent with the step's outcome."""
    if len(history) >= MAX_CHALLENGES:
        _spend(ctx, answered)
        raise NotAuthorizedException(WRONG)
    request = {**_common(ctx, user), "session": history}
    decision = _invoke(ctx, user, typed, "DefineAuthChallenge", "DefineAuthChallenge_Authentication", request,
                       {"challengeName": None, "issueTokens": None, "failAuthentication": None})
    if decision.get("failAuthentication") is True:
        _spend(ctx, answered)
        raise NotAuthorizedException(WRONG)
    if decision.get("issueTokens") is True:
        if user is None:  # never tokens for a user that does not exist
            _spend(ctx, answered)
            raise NotAuthorizedException(WRONG)
        verified = any(item["challengeName"] == PASSWORD_VERIFIER for item in history)
        mfa_after = verified and user.status == UserStatus.FORCE_CHANGE_PASSWORD
        return proceed(ctx, Completed(user, spent=answered, mfa_done=not mfa_after, new_password=verified))
    name = decision.get("challengeName")
    if name == PASSWORD_VERIFIER and srp_a is not None:
        _spend(ctx, answered)
        challenge = password_verifier_challenge(ctx, typed, srp_a, custom={"history": history})
        return {**challenge, "Session": _seal(ctx, user, typed, PASSWORD_VERIFIER, {"history": history})}
    if name != CUSTOM_CHALLENGE:
        raise InvalidLambdaResponseException(triggers.UNRECOGNIZABLE)
    created = _invoke(ctx, user, typed, "CreateAuthChallenge", "CreateAuthChallenge_Authentication",
                      {**request, "challengeName": CUSTOM_CHALLENGE},
                      {"publicChallengeParameters": None, "privateChallengeParameters": None,
                       "challengeMetadata": None})
    public = _strings(created.get("publicChallengeParameters"))
    private = _strings(created.get("privateChallengeParameters"))
    metadata = created.get("challengeMetadata")
    if metadata is not None and not isinstance(metadata, str):
        raise InvalidLambdaResponseException(triggers.UNRECOGNIZABLE)
    username = user.username if user is not None else typed
    session = _seal(ctx, user, typed, CUSTOM_CHALLENGE,
                    {"history": _pack(history), "private": private, "metadata": metadata})
    if len(session) > MAX_SESSION:  # the client could not send it back (botocore's SessionType)
        raise InvalidLambdaResponseException(triggers.UNRECOGNIZABLE)
    _spend(ctx, answered)
    return {"ChallengeName": CUSTOM_CHALLENGE, "ChallengeParameters": {**public, "USERNAME": username},
            "Session": session}


def verify(ctx: FlowContext, session: AuthSession, user: User | None, answer: str) -> dict[str, Any]:
    """A CUSTOM_CHALLENGE answer: Verify judges it, the result joins the history, Define decides."""
    typed = str(session.data.get("typed", session.username))
    request = {**_common(ctx, user), "privateChallengeParameters": session.data.get("private") or {},
               "challengeAnswer": answer}
    judged = _invoke(ctx, user, typed, "VerifyAuthChallengeResponse", "VerifyAuthChallengeResponse_Authentication",
                     request, {"answerCorrect": None})
    history = [*_unpack(session.data.get("history", [])),
               {"challengeName": CUSTOM_CHALLENGE, "challengeResult": judged.get("answerCorrect") is True,
                "challengeMetadata": session.data.get("metadata")}]
    return step(ctx, user, typed, history, answered=session)


def after_password(ctx: FlowContext, user: User, history: list[dict[str, Any]],
                   answered: AuthSession | None) -> dict[str, Any]:
    """CUSTOM_WITH_SRP: the password proof was right; the user's MFA challenge comes first, then
    Define decides what follows."""
    history = [*history, _passed(PASSWORD_VERIFIER)]
    if user.status != UserStatus.FORCE_CHANGE_PASSWORD and ctx.pool.mfa_configuration != "OFF":
        with ctx.auth.rt.store.transaction() as tx:
            mfa = mfa_step.begin(ctx, tx, user, "CUSTOM_AUTH", {CUSTOM_HISTORY: json.dumps(_pack(history))})
        if mfa is not None:
            return issue(ctx, mfa)
    return step(ctx, user, user.username, history, answered=answered)


def finish_mfa(ctx: FlowContext, outcome: Outcome) -> dict[str, Any]:
    """The answer to a right MFA code (or MFA_SETUP): tokens and the rest of the pipeline, or,
    inside CUSTOM_AUTH, Define asked again with the MFA step added to the history."""
    if outcome.custom is None:
        return finish(ctx, outcome)
    packed, factor = outcome.custom
    history = [*_unpack(json.loads(packed)), _passed(factor)]
    return step(ctx, outcome.user, outcome.user.username, history)


def _passed(challenge: str) -> dict[str, Any]:
    return {"challengeName": challenge, "challengeResult": True, "challengeMetadata": None}


def _common(ctx: FlowContext, user: User | None) -> dict[str, Any]:
    """``userAttributes``, ``userNotFound`` (clients that hide unknown users only) and
    ``clientMetadata`` (RespondToAuthChallenge only: InitiateAuth passes none, spec §7.4)."""
    request: dict[str, Any] = {"userAttributes": triggers.user_attributes(ctx.pool, user) if user else {}}
    if ctx.client.prevent_user_existence_errors:
        request["userNotFound"] = user is None
    if ctx.call.challenge_name and ctx.call.client_metadata:
        request["clientMetadata"] = dict(ctx.call.client_metadata)
    return request


def _invoke(ctx: FlowContext, user: User | None, typed: str, key: str, source: str, request: Mapping[str, Any],
            response: Mapping[str, Any]) -> Mapping[str, Any]:
    rt = ctx.auth.rt
    event = triggers.event(rt, ctx.pool, source, user.username if user else typed, ctx.client.client_id,
                           request, response)
    answer = triggers.invoke(rt, ctx.pool, key, event)
    if answer is None:
        raise InvalidLambdaResponseException(f"{key} is not configured for the user pool.")
    result = answer["response"]
    assert isinstance(result, Mapping)
    return result


def _pack(history: list[dict[str, Any]]) -> list[list[Any]]:
    """The history as ``[name, result, metadata]`` triples: the Session must stay within the
    2048 characters of the API's ``SessionType`` after 16 rounds."""
    return [[item["challengeName"], item["challengeResult"], item["challengeMetadata"]] for item in history]


def _unpack(packed: list[list[Any]]) -> list[dict[str, Any]]:
    return [{"challengeName": name, "challengeResult": result, "challengeMetadata": metadata}
            for name, result, metadata in packed]


def _strings(value: object) -> dict[str, str]:
    """A challenge-parameter map: string values only (spec §11.6)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidLambdaResponseException(triggers.UNRECOGNIZABLE)
    return dict(value)


def _seal(ctx: FlowContext, user: User | None, typed: str, challenge: str, data: dict[str, Any]) -> str:
    session = new_session(
        ctx.auth, pool_id=ctx.pool.id, client_id=ctx.client.client_id,
        username=user.username if user is not None else typed, challenge=challenge, flow="CUSTOM_AUTH",
        lifetime=ctx.client.auth_session_validity_seconds,
        data={**data, "typed": typed, "not_found": user is None},
    )
    return seal(ctx.auth, session)


def _spend(ctx: FlowContext, answered: AuthSession | None) -> None:
    if answered is not None:
        with ctx.auth.rt.store.transaction() as tx:
            spend(tx, answered)
