"""MFA_SETUP (spec §5.10, §10.14, §11.5): a pool that requires MFA, a user with no factor.

Two ways through, each offered only if ``MFAS_CAN_SETUP`` named it:

- TOTP: AssociateSoftwareToken and VerifySoftwareToken with the session
  (``mfa_setup_session``) leave a "verified" session; answering MFA_SETUP with it enables
  SOFTWARE_TOKEN_MFA (preferred when no other factor is) and the sign-in goes on. Amplify never
  calls SetUserMFAPreference after set-up, so the answer must enable the factor (§11.5).
- e-mail: the answer carries ``EMAIL``; an EMAIL_OTP code goes to that address, and the right
  code (``email_otp.py``) stores the address, verified, and enables e-mail MFA.

Answering before the authenticator was verified (and without ``EMAIL``) is
SoftwareTokenMFANotFoundException: no factor was set up (docs/decisions.md).
"""

from __future__ import annotations

from typing import Any

from userpool.auth import custom_auth, mfa_step
from userpool.auth.challenges.base import Challenge
from userpool.auth.context import FlowContext
from userpool.auth.mfa_setup_session import VERIFIED
from userpool.auth.next_step import Completed, issue, record
from userpool.auth.session import INVALID, spend
from userpool.directory import attributes, mfa
from userpool.model.entities import EMAIL_OTP, SOFTWARE_TOKEN_MFA
from userpool.model.errors import (
    InvalidParameterException,
    NotAuthorizedException,
    SoftwareTokenMFANotFoundException,
)

NOT_SET_UP = "Software token MFA has not been set up and verified for the user."


class MfaSetupChallenge(Challenge):
    name = mfa_step.MFA_SETUP

    def respond(self, ctx: FlowContext) -> dict[str, Any]:
        session = self.open(ctx)
        can_setup = session.data.get("can_setup", ())
        address = ctx.optional("EMAIL")
        if session.data.get("stage") != VERIFIED and address is not None and EMAIL_OTP in can_setup:
            attributes.check_writes(ctx.pool, {"email": address}, creating=False, admin=False, client=ctx.client)
            with ctx.auth.rt.store.transaction() as tx:
                spend(tx, session)
                user = tx.lock_user(ctx.pool.id, session.username)
                if user is None or not user.enabled:
                    raise NotAuthorizedException(INVALID if user is None else "User is disabled.")
                step = mfa_step.challenge(ctx, tx, user, EMAIL_OTP, session.flow, destination=address,
                                          answered=session)
            return issue(ctx, step)
        if session.data.get("stage") != VERIFIED or SOFTWARE_TOKEN_MFA not in can_setup:
            if address is not None and EMAIL_OTP not in can_setup:
                raise InvalidParameterException("E-mail MFA cannot be set up in this user pool.")
            raise SoftwareTokenMFANotFoundException(NOT_SET_UP)
        with ctx.auth.rt.store.transaction() as tx:
            user = tx.lock_user(ctx.pool.id, session.username)
            if user is None or user.mfa.token is None:
                raise SoftwareTokenMFANotFoundException(NOT_SET_UP)
            enabled = mfa.enable(user, SOFTWARE_TOKEN_MFA, prefer=user.mfa.preferred is None)
            outcome = record(ctx, tx, Completed(enabled, spent=session, updated_user=True, mfa_done=True))
        return custom_auth.finish_mfa(ctx, outcome)
