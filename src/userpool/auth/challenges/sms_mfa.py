"""SMS_MFA (spec §5.11): the code sent by SMS; a right one also verifies the number it went to
(spec §3.6: an SMS factor may use an unverified phone number)."""

from __future__ import annotations

from userpool.auth.challenges.mfa_code import MfaCodeChallenge
from userpool.auth.context import FlowContext
from userpool.auth.session import AuthSession
from userpool.crypto import codes as code_math
from userpool.directory import users
from userpool.model.entities import SMS_MFA, User, VerificationCode
from userpool.model.ports import Tx


class SmsMfaChallenge(MfaCodeChallenge):
    name = SMS_MFA
    code_keys = ("SMS_MFA_CODE",)

    def check(self, ctx: FlowContext, tx: Tx, session: AuthSession, user: User, code: str,
              state: VerificationCode) -> User | None:
        if not code_math.verify_code(code, ctx.auth.rt.code_pepper, state.code_hash):
            return None
        number = session.data.get("destination")
        if (number and user.attributes.get("phone_number") == number
                and user.attributes.get("phone_number_verified") != "true"):
            return users.mark_verified(tx, ctx.pool, user, "phone_number", number, ctx.auth.rt.clock.now())
        return user
