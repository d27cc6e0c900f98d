"""SMS_OTP (spec §5.14): USER_AUTH's first factor by SMS, answered as ``SMS_OTP_CODE``; the code,
its session binding and its attempt limits are the MFA code challenges' (``mfa_code``), and a
right code skips MFA (§3.5 step 7)."""

from __future__ import annotations

from userpool.auth.challenges.mfa_code import MfaCodeChallenge
from userpool.auth.context import FlowContext
from userpool.auth.mfa_step import SMS_OTP
from userpool.auth.session import AuthSession
from userpool.crypto import codes as code_math
from userpool.model.entities import User, VerificationCode
from userpool.model.ports import Tx


class SmsOtpChallenge(MfaCodeChallenge):
    name = SMS_OTP
    code_keys = ("SMS_OTP_CODE",)

    def check(self, ctx: FlowContext, tx: Tx, session: AuthSession, user: User, code: str,
              state: VerificationCode) -> User | None:
        return user if code_math.verify_code(code, ctx.auth.rt.code_pepper, state.code_hash) else None
