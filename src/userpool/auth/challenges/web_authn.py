"""WEB_AUTHN (spec §5.15, §11.4): the passkey assertion answering USER_AUTH's WEB_AUTHN challenge.

``CREDENTIAL`` is the JSON string of the WebAuthn authentication response; it is checked
(``directory.passkeys.verify_assertion``: one of the user's passkeys, the session's challenge, an
allowed origin, the relying party, user presence, user verification when required, signature,
a growing counter). The session is spent right or wrong, so an assertion — or a guess — is worth
one try; a refused one is "Incorrect username or password.". A passkey used with user
verification satisfies MFA when the pool's ``FactorConfiguration`` is
MULTI_FACTOR_WITH_USER_VERIFICATION; otherwise it is a first factor like the password, and MFA
follows where the pool asks for it.
"""

from __future__ import annotations

from typing import Any

from userpool.auth.challenges.base import Challenge
from userpool.auth.context import FlowContext
from userpool.auth.first_factor import WRONG
from userpool.auth.next_step import Completed, finish, record
from userpool.auth.session import INVALID, spend
from userpool.directory import first_factors, passkeys
from userpool.model.errors import NotAuthorizedException


class WebAuthnChallenge(Challenge):
    name = first_factors.WEB_AUTHN

    def respond(self, ctx: FlowContext) -> dict[str, Any]:
        session = self.open(ctx)
        credential = ctx.param("CREDENTIAL")
        user = ctx.named
        state = session.data.get("webauthn")
        if user is None or user.username != session.username or not isinstance(state, dict):
            raise NotAuthorizedException(INVALID)
        multi_factor = (ctx.pool.config.get("WebAuthnConfiguration") or {}).get("FactorConfiguration") \
            == "MULTI_FACTOR_WITH_USER_VERIFICATION"
        with ctx.auth.rt.store.transaction() as tx:
            locked = tx.lock_user(ctx.pool.id, user.username)
            verified = passkeys.verify_assertion(tx, ctx.pool, user, state, credential) \
                if locked is not None and locked.enabled else None
            if verified is None:
                spend(tx, session)
                outcome = None
            else:
                assert locked is not None
                outcome = record(ctx, tx, Completed(locked, spent=session, mfa_done=verified and multi_factor))
        if outcome is None:
            raise NotAuthorizedException(WRONG)
        return finish(ctx, outcome)
