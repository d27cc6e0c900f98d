"""DEVICE_PASSWORD_VERIFIER (spec §4.11, §5.8, §11.2): the client's proof of the device secret.

The SRP state comes from the sealed SECRET_BLOCK (``device_srp_auth``); the proof is the password
proof of §4.8 with the two substitutions of §4.11 — the DeviceGroupKey for the pool name and the
DeviceKey for the user id — checked by the same code (``crypto.srp``). The block is spent right
or wrong, so each is worth one proof; a wrong one is "Incorrect username or password.". The
device secret has 40 random bytes and a block exists only after the sign-in's earlier steps
passed, so wrong proofs are not counted toward the password lockout.

Success ends the sign-in: the device's ``DeviceLastAuthenticatedDate`` and ``last_ip_used`` are
updated and the tokens (``TokenGeneration_AuthenticateDevice``) carry ``device_key``, in the
transaction that spends the block. Nothing follows (§11.1).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from typing import Any

from userpool.auth import device_step
from userpool.auth.challenges.base import Challenge
from userpool.auth.challenges.device_srp_auth import SECRET_BLOCK_AAD
from userpool.auth.challenges.password_verifier import timestamp_ok
from userpool.auth.context import FlowContext
from userpool.auth.first_factor import WRONG
from userpool.auth.next_step import Completed, finish, record
from userpool.auth.session import INVALID, AuthSession, open_block, spend
from userpool.crypto import srp
from userpool.directory.client_auth import check_secret_hash
from userpool.model.entities import Device
from userpool.model.errors import NotAuthorizedException


class DevicePasswordVerifierChallenge(Challenge):
    name = device_step.DEVICE_PASSWORD_VERIFIER

    def respond(self, ctx: FlowContext) -> dict[str, Any]:
        typed = ctx.param("USERNAME")
        block = ctx.param("PASSWORD_CLAIM_SECRET_BLOCK")
        signature = ctx.param("PASSWORD_CLAIM_SIGNATURE")
        timestamp = ctx.param("TIMESTAMP")
        check_secret_hash(ctx.client, typed, ctx.optional("SECRET_HASH"))
        state = _state(ctx, block)
        user, device = device_step.answered_for(ctx)
        if user.username != state.username or state.data.get("device") != device.key:
            raise NotAuthorizedException(INVALID)
        key = device.key
        now = ctx.auth.rt.clock.now()
        correct = timestamp_ok(timestamp, now, ctx.auth.srp_timestamp_skew) and _proof_ok(
            state, device, block, timestamp, signature)
        rt = ctx.auth.rt
        refusal = NotAuthorizedException(WRONG)
        with rt.store.transaction() as tx:
            current = tx.lock_device(ctx.pool.id, key)
            locked = tx.lock_user(ctx.pool.id, user.username)
            if not correct or current is None or current.secret != device.secret or locked is None:
                spend(tx, state)
                outcome = None
            elif not locked.enabled:
                spend(tx, state)
                outcome = None
                refusal = NotAuthorizedException("User is disabled.")
            else:
                ip = ctx.call.source_ip or current.last_ip
                tx.update_device(replace(current, last_authenticated=now, last_ip=ip))
                outcome = record(ctx, tx, Completed(locked, spent=state, device=current, mfa_done=True))
        if outcome is None:
            raise refusal
        return finish(ctx, outcome)


def _state(ctx: FlowContext, block: str) -> AuthSession:
    state = open_block(ctx.auth, block, SECRET_BLOCK_AAD, WRONG)
    if state.pool_id != ctx.pool.id or state.client_id != ctx.client.client_id:
        raise NotAuthorizedException(INVALID)
    return state


def _proof_ok(state: AuthSession, device: Device, block: str, timestamp: str, signature: str) -> bool:
    """The device's proof: §4.8 with DeviceGroupKey as the realm and DeviceKey as the user id."""
    assert device.secret is not None
    try:
        key = srp.session_key(int(state.data["A"], 16), int(state.data["B"], 16), int(state.data["b"], 16),
                              device.secret.verifier)
        block_bytes = base64.b64decode(block, validate=True)
    except (srp.SrpError, binascii.Error, ValueError):
        return False
    return srp.verify_claim(key, device.group_key, device.key, block_bytes, timestamp, signature)
