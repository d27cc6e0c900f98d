"""EMAIL_OTP as a second factor (spec §5.13, §10.6): the code sent by e-mail, answered as
``EMAIL_OTP_CODE`` (``EMAIL_MFA_CODE`` accepted as a synonym). When the code was sent by
MFA_SETUP's e-mail path, the right code also sets the factor up: the address becomes the user's
e-mail (through the user-side write rule, then verified) and e-mail MFA is enabled."""

from __future__ import annotations

from userpool.auth.challenges.mfa_code import MfaCodeChallenge
from userpool.auth.context import FlowContext
from userpool.auth.session import AuthSession
from userpool.crypto import codes as code_math
from userpool.directory import mfa, users
from userpool.model.entities import EMAIL_OTP, User, VerificationCode
from userpool.model.ports import Tx


class EmailOtpChallenge(MfaCodeChallenge):
    name = EMAIL_OTP
    code_keys = ("EMAIL_OTP_CODE", "EMAIL_MFA_CODE")

    def check(self, ctx: FlowContext, tx: Tx, session: AuthSession, user: User, code: str,
              state: VerificationCode) -> User | None:
        if not code_math.verify_code(code, ctx.auth.rt.code_pepper, state.code_hash):
            return None
        if not session.data.get("setup"):
            return user
        address, now = str(session.data["destination"]), ctx.auth.rt.clock.now()
        written = users.write_attributes(tx, ctx.pool, user, {"email": address}, admin=False, client=ctx.client,
                                         now=now)
        verified = users.mark_verified(tx, ctx.pool, written, "email", address, now)
        return mfa.enable(verified, EMAIL_OTP, prefer=user.mfa.preferred is None)
