"""USER_AUTH, choice-based sign-in (spec §3.5, §5.2–5.4, §5.13–5.14, §11.3), on InitiateAuth and
AdminInitiateAuth with ``ALLOW_USER_AUTH``.

- With a ``Session`` from ConfirmSignUp / SignUp: the user signs in with it (``sign_up_session``).
- Otherwise the user's first factors (``directory.first_factors.available``: what the pool's
  ``AllowedFirstAuthFactors`` allows and the user has) are offered: ``PREFERRED_CHALLENGE``, when it
  is one of them, starts at once (``begin``); else SELECT_CHALLENGE lists them in
  ``AvailableChallenges`` and its answer's ANSWER starts one (``challenges/select_challenge``).
- The factors reuse the code of the other flows, never a copy: PASSWORD is USER_PASSWORD_AUTH's
  check (lockout, decoy work for unknown users, PreAuthentication, user migration), PASSWORD_SRP
  answers USER_SRP_AUTH's PASSWORD_VERIFIER, EMAIL_OTP and SMS_OTP send a code through the MFA
  challenge machinery (single use, bound to the session, three answers per session, the user's
  hourly allowance) and, answered, skip MFA (§3.5 step 7); WEB_AUTHN asks for a passkey assertion
  (``directory.passkeys``, ``challenges/web_authn``). Then the common pipeline (next_step).
- The server never issues PASSWORD or PASSWORD_SRP as a ChallengeName (§11.3).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from userpool.auth import mfa_step, sign_in_triggers
from userpool.auth.context import FlowContext
from userpool.auth.first_factor import WRONG, check_user_state, conclude, password_holder, password_matches
from userpool.auth.flows.base import AuthFlow
from userpool.auth.flows.user_srp_auth import password_verifier_challenge
from userpool.auth.next_step import issue
from userpool.auth.session import AuthSession, new_session, seal, spend
from userpool.auth.sign_up_session import sign_in as sign_in_from_sign_up
from userpool.directory import first_factors, messages, passkeys
from userpool.directory.client_auth import check_secret_hash
from userpool.model.entities import User
from userpool.model.errors import (
    FeatureUnavailableInTierException,
    InvalidParameterException,
    NotAuthorizedException,
    UserNotFoundException,
)

USER_AUTH = "USER_AUTH"
SELECT_CHALLENGE = "SELECT_CHALLENGE"
#: First-factor codes: the challenge each one-time-code factor answers with (spec §5.13–5.14).
CODE_FACTORS = (first_factors.EMAIL_OTP, first_factors.SMS_OTP)


class UserAuthFlow(AuthFlow):
    names = (USER_AUTH,)
    enabled_by = ("ALLOW_USER_AUTH",)
    checks_password = True  # PREFERRED_CHALLENGE PASSWORD: the counter is read with the user

    def start(self, ctx: FlowContext) -> dict[str, Any]:
        typed = ctx.param("USERNAME")
        if ctx.pool.tier == "LITE":
            raise FeatureUnavailableInTierException("Choice-based sign-in requires the Essentials tier or higher.")
        check_secret_hash(ctx.client, typed, ctx.optional("SECRET_HASH"))
        if ctx.call.session:
            return sign_in_from_sign_up(ctx, typed)
        user = ctx.named
        if user is None and not ctx.client.prevent_user_existence_errors:
            raise UserNotFoundException()
        if user is not None:
            check_user_state(ctx, user)
        preferred = ctx.optional("PREFERRED_CHALLENGE")
        if user is None:
            return _unknown(ctx, typed, preferred)
        choices = first_factors.available(ctx.pool, user, passkeys=_has_passkeys(ctx, user))
        if preferred is not None and preferred in choices:
            return begin(ctx, user, typed, preferred, choices, None)
        return select_challenge(ctx, user, typed, choices)


def _unknown(ctx: FlowContext, typed: str, preferred: str | None) -> dict[str, Any]:
    """A name no user has, under PreventUserExistenceErrors: as the Developer Guide says
    ("Managing user existence error responses"), a challenge of a type the pool allows — the one
    preferred, or one picked for the name (the same each time) — that no answer passes: a code
    challenge whose code went nowhere, or the password factors, whose check does the decoy work."""
    kinds = [f for f in first_factors.allowed(ctx.pool) if f in (first_factors.PASSWORD, *CODE_FACTORS)]
    if not kinds:
        raise NotAuthorizedException(WRONG)
    passwords = [first_factors.PASSWORD, first_factors.PASSWORD_SRP] if first_factors.PASSWORD in kinds else []
    if preferred in passwords:
        return begin(ctx, None, typed, str(preferred), passwords, None)
    if preferred not in kinds:
        seed = hmac.new(ctx.auth.rt.code_pepper, f"user-auth-decoy\x00{ctx.pool.id}\x00{typed}".encode(),
                        hashlib.sha256).digest()
        preferred = kinds[seed[0] % len(kinds)]
    if preferred in CODE_FACTORS:
        return _decoy_code(ctx, typed, str(preferred))
    return select_challenge(ctx, None, typed, passwords)


def _decoy_code(ctx: FlowContext, typed: str, factor: str) -> dict[str, Any]:
    """EMAIL_OTP / SMS_OTP for a name no user has: shaped like a real one, sent nowhere; its
    answers are wrong codes (``mfa_code``), counted against the name."""
    medium = mfa_step.MEDIUM[factor]
    session = new_session(
        ctx.auth, pool_id=ctx.pool.id, client_id=ctx.client.client_id, username=typed, challenge=factor,
        flow=USER_AUTH, lifetime=ctx.client.auth_session_validity_seconds, data={"decoy": True, "typed": typed},
    )
    return {"ChallengeName": factor, "Session": seal(ctx.auth, session), "ChallengeParameters": {
        "CODE_DELIVERY_DELIVERY_MEDIUM": medium,
        "CODE_DELIVERY_DESTINATION": messages.simulated_destination(medium, typed, ctx.auth.rt.code_pepper)}}


def select_challenge(ctx: FlowContext, user: User | None, typed: str, choices: list[str]) -> dict[str, Any]:
    """SELECT_CHALLENGE (§5.4): ``AvailableChallenges`` and a Session that remembers them."""
    session = _session(ctx, user, typed, SELECT_CHALLENGE, choices)
    return {"ChallengeName": SELECT_CHALLENGE, "ChallengeParameters": {}, "AvailableChallenges": choices,
            "Session": seal(ctx.auth, session)}


def begin(ctx: FlowContext, user: User | None, typed: str, choice: str, choices: list[str],
          answered: AuthSession | None) -> dict[str, Any]:
    """Starts first factor ``choice`` (one of ``choices``) for ``user`` (None: an unknown name a
    client hides); ``answered`` is the SELECT_CHALLENGE session this call answered, spent by the
    step that follows."""
    if choice == first_factors.PASSWORD:
        password = ctx.param("PASSWORD")
        holder = password_holder(ctx, typed, password)
        return conclude(ctx, holder, typed, password_matches(ctx, holder, typed, password), spent=answered)
    if choice == first_factors.PASSWORD_SRP:
        srp_a = ctx.param("SRP_A")
        challenge = password_verifier_challenge(ctx, typed, srp_a, flow=USER_AUTH)
        _spend(ctx, answered)
        return challenge
    if choice == first_factors.WEB_AUTHN and user is not None:
        return web_authn_challenge(ctx, user, typed, choices, answered)
    if choice in CODE_FACTORS and user is not None:
        sign_in_triggers.pre_authentication(ctx, user, typed)
        with ctx.auth.rt.store.transaction() as tx:
            if answered is not None:
                spend(tx, answered)
            step = mfa_step.challenge(ctx, tx, user, choice, USER_AUTH, answered=answered)
        return issue(ctx, step)
    raise InvalidParameterException(f"The challenge {choice} is not available for this user.")


def web_authn_challenge(ctx: FlowContext, user: User, typed: str, choices: list[str],
                        answered: AuthSession | None) -> dict[str, Any]:
    """WEB_AUTHN (§5.15, §11.4): ``CREDENTIAL_REQUEST_OPTIONS`` for the user's passkeys; the
    session carries the challenge, and the other choices (its Session may still be answered with
    SELECT_CHALLENGE to switch factor, §11.3)."""
    sign_in_triggers.pre_authentication(ctx, user, typed)
    with ctx.auth.rt.store.read() as tx:
        options, state = passkeys.assertion_options(ctx.auth.rt, tx, ctx.pool, user)
    session = _session(ctx, user, typed, first_factors.WEB_AUTHN, choices, webauthn=state)
    _spend(ctx, answered)
    return {"ChallengeName": first_factors.WEB_AUTHN, "ChallengeParameters": {"CREDENTIAL_REQUEST_OPTIONS": options},
            "Session": seal(ctx.auth, session)}


def _has_passkeys(ctx: FlowContext, user: User) -> bool:
    if not passkeys.configured(ctx.pool):
        return False
    with ctx.auth.rt.store.read() as tx:
        return passkeys.has_passkeys(tx, ctx.pool, user)


def _session(ctx: FlowContext, user: User | None, typed: str, challenge: str, choices: list[str],
             **extra: Any) -> AuthSession:
    return new_session(
        ctx.auth, pool_id=ctx.pool.id, client_id=ctx.client.client_id,
        username=user.username if user is not None else typed, challenge=challenge, flow=USER_AUTH,
        lifetime=ctx.client.auth_session_validity_seconds,
        data={"choices": choices, "typed": typed, "unknown": user is None, **extra},
    )


def _spend(ctx: FlowContext, answered: AuthSession | None) -> None:
    if answered is not None:
        with ctx.auth.rt.store.transaction() as tx:
            spend(tx, answered)
