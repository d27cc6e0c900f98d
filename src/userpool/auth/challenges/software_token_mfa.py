"""SOFTWARE_TOKEN_MFA (spec §5.12): the code of the user's authenticator app (RFC 6238, ±1 step),
accepted once: the step it belongs to is recorded with the user (``directory.mfa.redeem_code``),
so the same code — or an older one — never signs in again."""

from __future__ import annotations

from userpool.auth.challenges.mfa_code import MfaCodeChallenge
from userpool.auth.context import FlowContext
from userpool.auth.session import AuthSession
from userpool.directory import mfa
from userpool.model.entities import SOFTWARE_TOKEN_MFA, User, VerificationCode
from userpool.model.ports import Tx


class SoftwareTokenMfaChallenge(MfaCodeChallenge):
    name = SOFTWARE_TOKEN_MFA
    code_keys = ("SOFTWARE_TOKEN_MFA_CODE",)

    def check(self, ctx: FlowContext, tx: Tx, session: AuthSession, user: User, code: str,
              state: VerificationCode) -> User | None:
        return mfa.redeem_code(user, code, ctx.auth.rt.clock.now())
