"""What the three MFA code challenges share (spec §5.11–5.13, §10.11, §11.5): SMS_MFA,
SOFTWARE_TOKEN_MFA and EMAIL_OTP are answered with a code, checked against the challenge's
state row (``mfa_step``), in one write transaction:

- the session must be the one the row is bound to, unexpired and unspent;
- a wrong code is CodeMismatchException "Invalid code or auth state for the user." and leaves
  the session usable for ``SESSION_ATTEMPTS`` answers in all, after which it is dead ("Invalid
  session for the user."); wrong codes also count toward the user's hourly allowance
  (``limits.CODE_GUESSES``, shared by every session: starting a new sign-in does not restore
  it), after which MFA answers are refused until the hour is over;
- a right code spends the session and the row, and the pipeline goes on (``next_step``).

The checks of one user's MFA answers are decided one at a time (the wrong-code counter's row
lock), so no concurrency gets more guesses than that.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from userpool.auth import custom_auth
from userpool.auth.challenges.base import Challenge
from userpool.auth.context import FlowContext
from userpool.auth.next_step import Completed, Outcome, record
from userpool.auth.session import INVALID, AuthSession
from userpool.directory import limits
from userpool.model.entities import CodePurpose, User, VerificationCode
from userpool.model.errors import CodeMismatchException, CognitoError, NotAuthorizedException
from userpool.model.ports import Tx

#: Answers one MFA session accepts (spec §10.11: "up to 3 wrong codes per session").
SESSION_ATTEMPTS = 3
MISMATCH = "Invalid code or auth state for the user."
GUESSES_SPENT = "Too many invalid MFA codes; try again later."


class MfaCodeChallenge(Challenge):
    #: The ChallengeResponses keys that carry the code, the first one found wins.
    code_keys: ClassVar[tuple[str, ...]]

    def check(self, ctx: FlowContext, tx: Tx, session: AuthSession, user: User, code: str,
              state: VerificationCode) -> User | None:
        """The user as the right code leaves it (to be written back), or None for a wrong one."""
        raise NotImplementedError

    def respond(self, ctx: FlowContext) -> dict[str, Any]:
        session = self.open(ctx)
        code = next((ctx.call.parameters[k] for k in self.code_keys if ctx.call.parameters.get(k)), None)
        if code is None:
            ctx.param(self.code_keys[0])  # "Missing required parameter ..."
        assert code is not None
        outcome, refusal = self._decide(ctx, session, code)
        if refusal is not None:
            raise refusal
        assert outcome is not None
        return custom_auth.finish_mfa(ctx, outcome)

    def _decide(self, ctx: FlowContext, session: AuthSession, code: str) -> tuple[Outcome | None, CognitoError | None]:
        """One write transaction; a refusal is returned (not raised) so what it counted commits."""
        rt = ctx.auth.rt
        pool_id, username = ctx.pool.id, session.username
        if session.data.get("decoy"):
            return None, self._decoy(ctx, session)
        with rt.store.transaction() as tx:
            now = rt.clock.now()
            guesses = limits.lock_guesses(tx, pool_id, username, CodePurpose.MFA, now)
            state = tx.get_code(pool_id, username, CodePurpose.MFA)
            if state is None or state.value != session.id or state.expires_at <= now:
                return None, NotAuthorizedException(INVALID)
            if limits.guesses_spent(guesses):
                return None, NotAuthorizedException(GUESSES_SPENT)
            user = tx.lock_user(pool_id, username)
            if user is None:
                return None, NotAuthorizedException(INVALID)
            if not user.enabled:
                return None, NotAuthorizedException("User is disabled.")
            answered = self.check(ctx, tx, session, user, code, state)
            if answered is None:
                limits.wrong_guess(tx, pool_id, username, CodePurpose.MFA, guesses)
                if state.attempts + 1 >= SESSION_ATTEMPTS:
                    tx.delete_code(pool_id, username, CodePurpose.MFA)
                else:
                    tx.put_code(replace(state, attempts=state.attempts + 1))
                return None, CodeMismatchException(MISMATCH)
            tx.delete_code(pool_id, username, CodePurpose.MFA)
            limits.forgive_guesses(tx, pool_id, username, CodePurpose.MFA, guesses)
            return record(ctx, tx, Completed(answered, spent=session, updated_user=True, mfa_done=True)), None

    def _decoy(self, ctx: FlowContext, session: AuthSession) -> CognitoError:
        """A code challenge USER_AUTH gave a name no user has (PreventUserExistenceErrors): every
        answer is a wrong code, counted against the name as a user's would be."""
        rt, key = ctx.auth.rt, limits.key_for_unknown(str(session.data.get("typed", session.username)))
        with rt.store.transaction() as tx:
            guesses = limits.lock_guesses(tx, ctx.pool.id, key, CodePurpose.MFA, rt.clock.now())
            if limits.guesses_spent(guesses):
                return NotAuthorizedException(GUESSES_SPENT)
            limits.wrong_guess(tx, ctx.pool.id, key, CodePurpose.MFA, guesses)
        return CodeMismatchException(MISMATCH)
