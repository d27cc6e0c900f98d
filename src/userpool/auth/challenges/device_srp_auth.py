"""DEVICE_SRP_AUTH (spec §5.7, §11.2): the client starts the device's SRP exchange with SRP_A.

The answer is bound to the sign-in that earned it through the user's DEVICE row
(``device_step.challenge``), which holds the challenge's sealed session: the Session, when the
client sends it (Amplify, amazon-cognito-identity-js), must be that one; pycognito sends none and
is matched by the row alone. DEVICE_KEY must be the device the challenge was issued for. The row
and the session are spent here, in one transaction, and the answer is DEVICE_PASSWORD_VERIFIER
with the device's salt and a fresh B computed from the device verifier: the same SRP code as the
password (§4.11), the SRP state sealed into SECRET_BLOCK (``device_password_verifier``).

SECRET_HASH is checked when given; pycognito sends none with this answer, and the row already
binds it to a sign-in whose first step checked it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from userpool.auth import device_step
from userpool.auth.challenges.base import Challenge
from userpool.auth.context import FlowContext
from userpool.auth.session import INVALID, new_session, open_session, seal, spend
from userpool.crypto import srp
from userpool.directory.client_auth import check_secret_hash
from userpool.model.entities import CodePurpose, Device
from userpool.model.errors import InvalidParameterException, NotAuthorizedException

#: SECRET_BLOCK of DEVICE_PASSWORD_VERIFIER: sealed under its own associated data, so neither an
#: SRP SECRET_BLOCK of the password step nor a Session opens as one.
SECRET_BLOCK_AAD = b"userpool/device-secret-block/v1"


class DeviceSrpAuthChallenge(Challenge):
    name = device_step.DEVICE_SRP_AUTH

    def respond(self, ctx: FlowContext) -> dict[str, Any]:
        typed = ctx.param("USERNAME")
        srp_a_hex = ctx.param("SRP_A")
        if ctx.optional("SECRET_HASH"):
            check_secret_hash(ctx.client, typed, ctx.optional("SECRET_HASH"))
        user, device = device_step.answered_for(ctx)
        given = open_session(ctx.auth, ctx.call.session) if ctx.call.session else None
        try:
            a_pub = srp.parse_srp_a(srp_a_hex)
        except srp.SrpError:
            raise InvalidParameterException("Invalid SRP_A value.") from None
        rt = ctx.auth.rt
        with rt.store.transaction() as tx:
            row = tx.get_code(ctx.pool.id, user.username, CodePurpose.DEVICE)
            if row is None or row.expires_at <= rt.clock.now() or not row.value:
                raise NotAuthorizedException(INVALID)
            pending = open_session(ctx.auth, row.value)
            if (pending.client_id != ctx.client.client_id or pending.challenge != self.name
                    or (given is not None and given.id != pending.id)):
                raise NotAuthorizedException(INVALID)
            if pending.data.get("device") != device.key:
                raise NotAuthorizedException(INVALID)
            tx.delete_code(ctx.pool.id, user.username, CodePurpose.DEVICE)
            spend(tx, pending)
        return _verifier_challenge(ctx, device, a_pub, pending.flow)


def _verifier_challenge(ctx: FlowContext, device: Device, a_pub: int, flow: str) -> dict[str, Any]:
    assert device.secret is not None
    b_pub = 0
    while b_pub == 0:
        b = srp.private_b(ctx.auth.rt.random.bytes(srp.PRIVATE_B_BYTES))
        b_pub = srp.server_b(device.secret.verifier, b)
    state = new_session(
        ctx.auth, pool_id=ctx.pool.id, client_id=ctx.client.client_id, username=device.username,
        challenge=device_step.DEVICE_PASSWORD_VERIFIER, flow=flow,
        lifetime=ctx.client.auth_session_validity_seconds,
        data={"A": format(a_pub, "x"), "b": format(b, "x"), "B": format(b_pub, "x"), "device": device.key},
    )
    return {
        "ChallengeName": device_step.DEVICE_PASSWORD_VERIFIER,
        "ChallengeParameters": {
            "SRP_B": format(b_pub, "x"), "SALT": srp.salt_to_hex(device.secret.salt),
            "SECRET_BLOCK": seal(ctx.auth, state, aad=SECRET_BLOCK_AAD), "USERNAME": device.username,
            "DEVICE_KEY": device.key,
        },
        # the SRP state travels in SECRET_BLOCK (too long for a Session); the Session only names it
        "Session": seal(ctx.auth, replace(state, data={})),
    }
