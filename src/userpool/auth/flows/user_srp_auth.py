"""USER_SRP_AUTH (InitiateAuth and AdminInitiateAuth), step 1 of Cognito's SRP-6a (spec §3.2).

Answers PASSWORD_VERIFIER with SALT, SRP_B, SECRET_BLOCK, USERNAME and USER_ID_FOR_SRP and no
Session: the server's SRP state (A, b, B, user, expiry, single-use id) is sealed with AEAD
into SECRET_BLOCK, which the client returns with its proof. Under
PreventUserExistenceErrors ENABLED an unknown user gets a challenge that looks the same —
a salt and user id stable for the typed name — and can never succeed.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import replace
from typing import Any

from userpool.auth import sign_in_triggers
from userpool.auth.context import FlowContext
from userpool.auth.first_factor import check_user_state
from userpool.auth.flows.base import AuthFlow
from userpool.auth.session import new_session, seal
from userpool.crypto import srp
from userpool.directory.client_auth import check_secret_hash
from userpool.model.errors import InvalidParameterException, UserNotFoundException

PASSWORD_VERIFIER = "PASSWORD_VERIFIER"
SRP_AAD = b"userpool/srp-secret-block/v1"


def decoy_credential(ctx: FlowContext, typed: str) -> tuple[str, bytes, bytes]:
    """User id, salt and verifier for a name that does not exist: stable per pool and name."""
    seed = hmac.new(ctx.auth.rt.code_pepper, f"srp-decoy\x00{ctx.pool.id}\x00{typed}".encode(),
                    hashlib.sha256).digest()
    verifier = hmac.new(seed, b"verifier", hashlib.sha512).digest() * 6
    return str(uuid.UUID(bytes=seed[:16], version=4)), seed[16:32], verifier


def password_verifier_challenge(ctx: FlowContext, typed: str, srp_a_hex: str, *,
                                custom: dict[str, Any] | None = None, flow: str | None = None) -> dict[str, Any]:
    """The PASSWORD_VERIFIER challenge for ``typed`` (also CUSTOM_AUTH's, with ``custom``: the
    custom-auth state the proof continues, sealed in SECRET_BLOCK with the SRP state; and
    USER_AUTH's PASSWORD_SRP, with ``flow``, whose answer also carries the state as its Session)."""
    try:
        a_pub = srp.parse_srp_a(srp_a_hex)
    except srp.SrpError:
        raise InvalidParameterException("Invalid SRP_A value.") from None
    user = ctx.find_user(typed)
    if user is None:
        if not ctx.client.prevent_user_existence_errors:
            raise UserNotFoundException()
        user_id, salt, verifier = decoy_credential(ctx, typed)
        decoy = True
    else:
        check_user_state(ctx, user)
        user_id, decoy = user.username, user.password is None
    if custom is None:  # CUSTOM_WITH_SRP ran PreAuthentication when it started
        sign_in_triggers.pre_authentication(ctx, user, typed)
    if user is not None:
        credential = user.password
        salt, verifier = (credential.salt, credential.verifier) if credential else decoy_credential(ctx, typed)[1:]
    b_pub = 0
    while b_pub == 0:
        b = srp.private_b(ctx.auth.rt.random.bytes(srp.PRIVATE_B_BYTES))
        b_pub = srp.server_b(verifier, b)
    state = new_session(
        ctx.auth, pool_id=ctx.pool.id, client_id=ctx.client.client_id, username=user_id,
        challenge=PASSWORD_VERIFIER, flow=flow or ctx.call.flow, lifetime=ctx.client.auth_session_validity_seconds,
        data={"A": format(a_pub, "x"), "b": format(b, "x"), "B": format(b_pub, "x"), "decoy": decoy,
              "typed": typed, **({"custom": custom} if custom is not None else {})},
    )
    answer: dict[str, Any] = {
        "ChallengeName": PASSWORD_VERIFIER,
        "ChallengeParameters": {
            "SALT": srp.salt_to_hex(salt), "SRP_B": format(b_pub, "x"),
            "SECRET_BLOCK": seal(ctx.auth, state, aad=SRP_AAD), "USERNAME": user_id, "USER_ID_FOR_SRP": user_id,
        },
    }
    if flow is not None:
        # Amplify passes on whatever Session USER_AUTH's PASSWORD_SRP answer has (§3.5); the SRP
        # state travels in SECRET_BLOCK (too long for a Session), this one only names it
        answer["Session"] = seal(ctx.auth, replace(state, data={}))
    return answer


class UserSrpAuthFlow(AuthFlow):
    names = ("USER_SRP_AUTH",)
    enabled_by = ("ALLOW_USER_SRP_AUTH",)
    implicit_for_legacy_clients = True

    def start(self, ctx: FlowContext) -> dict[str, Any]:
        typed = ctx.param("USERNAME")
        srp_a = ctx.param("SRP_A")
        check_secret_hash(ctx.client, typed, ctx.optional("SECRET_HASH"))
        return password_verifier_challenge(ctx, typed, srp_a)
