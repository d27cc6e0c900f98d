"""Devices in the sign-in pipeline (spec §2.4, §4.11, §5.7–5.8, §11.1–11.2).

- **Tracking** is on when the pool has a ``DeviceConfiguration``. A sign-in that ends without a
  valid device key presented mints a device (``mint``) in the transaction that stores the refresh
  token; the answer carries it as ``NewDeviceMetadata``, and the tokens are bound to it (a refresh
  token issued with it works only once it is confirmed, and only with its key: §11.2).
- **Which device a call presents**: the ``DEVICE_KEY`` of its AuthParameters or
  ChallengeResponses, read by the engine with the pool (``FlowContext.device``). It counts only as
  a confirmed device of the signing-in user (``presented``). An unknown key at Initiate is
  ignored; in a challenge answer it is ``ResourceNotFoundException`` "Device does not exist."
  (``refuse_unknown``), raised before anything is spent, so Amplify and
  amazon-cognito-identity-js can send the same answer again without the key.
- **Device authentication comes last** (§11.1): after the first factor and MFA, a call that
  presents a confirmed device of the user gets DEVICE_SRP_AUTH (``challenge``), then
  DEVICE_PASSWORD_VERIFIER, then tokens. A *remembered* device skips MFA when the pool's
  ``ChallengeRequiredOnNewDevice`` is true (``skips_mfa``). Never after NEW_PASSWORD_REQUIRED,
  SELECT_MFA_TYPE or MFA_SETUP (Amplify throws there).
- **The DEVICE_SRP_AUTH state** is one ``codes`` row of purpose DEVICE holding the challenge's
  sealed session, so the answer is bound to a sign-in whose earlier steps passed even when the
  client sends no Session (pycognito sends none, §11.2). The row and the session are spent by
  the answer; a device secret alone never signs anyone in.
"""

from __future__ import annotations

from userpool.auth.context import FlowContext
from userpool.auth.mfa_step import Step
from userpool.auth.session import INVALID, AuthSession, new_session, seal
from userpool.directory.ids import new_device_group_key, new_device_key
from userpool.model.entities import CodePurpose, Device, User, UserPool, VerificationCode
from userpool.model.errors import NotAuthorizedException, ResourceNotFoundException
from userpool.model.ports import Tx

DEVICE_SRP_AUTH = "DEVICE_SRP_AUTH"
DEVICE_PASSWORD_VERIFIER = "DEVICE_PASSWORD_VERIFIER"
UNKNOWN = "Device does not exist."
#: Challenges whose answer may not be followed by DEVICE_SRP_AUTH (spec §11.1).
NO_DEVICE_AFTER = frozenset({"NEW_PASSWORD_REQUIRED", "SELECT_MFA_TYPE", "MFA_SETUP"})
#: A device minted but never confirmed is forgotten after this long (housekeeping).
UNCONFIRMED_DEVICE_SECONDS = 86400.0


def tracking(pool: UserPool) -> bool:
    """Device tracking is on when the pool has a ``DeviceConfiguration`` (spec §2.4)."""
    return pool.config.get("DeviceConfiguration") is not None


def skips_mfa(pool: UserPool, device: Device) -> bool:
    """A remembered device passes instead of MFA when ``ChallengeRequiredOnNewDevice`` is true."""
    settings = pool.config.get("DeviceConfiguration") or {}
    return device.remembered and bool(settings.get("ChallengeRequiredOnNewDevice"))


def presented(ctx: FlowContext, user: User) -> Device | None:
    """The confirmed device of ``user`` the call's DEVICE_KEY names, or None."""
    device = ctx.device
    if device is None or device.username != user.username or not device.confirmed:
        return None
    return device


def answered_for(ctx: FlowContext) -> tuple[User, Device]:
    """The user a device step's answer names (USERNAME) and its confirmed device (DEVICE_KEY):
    "Invalid session for the user." for an unknown or disabled user, "Device does not exist."
    for a key that is not a confirmed device of that user."""
    ctx.param("DEVICE_KEY")
    user = ctx.named
    if user is None or not user.enabled:
        raise NotAuthorizedException(INVALID)
    device = ctx.device
    if device is None or device.username != user.username or device.secret is None:
        raise ResourceNotFoundException(UNKNOWN)
    return user, device


def refuse_unknown(ctx: FlowContext, username: str | None) -> None:
    """A challenge answer's DEVICE_KEY must name a confirmed device of the user (``username``:
    the user the answer is for, None if unknown): else "Device does not exist." (spec §2.4)."""
    if not ctx.call.parameters.get("DEVICE_KEY"):
        return
    device = ctx.device
    if device is None or device.username != username or not device.confirmed:
        raise ResourceNotFoundException(UNKNOWN)


def allowed_after(spent: AuthSession | None) -> bool:
    """Whether the step that just passed may be answered with DEVICE_SRP_AUTH."""
    return spent is None or spent.challenge not in NO_DEVICE_AFTER


def challenge(ctx: FlowContext, tx: Tx, user: User, device: Device, flow: str) -> Step:
    """DEVICE_SRP_AUTH for ``device``: its session, stored sealed in the user's DEVICE row (which
    replaces an older one: only the latest device challenge can be answered)."""
    session = new_session(
        ctx.auth, pool_id=ctx.pool.id, client_id=ctx.client.client_id, username=user.username,
        challenge=DEVICE_SRP_AUTH, flow=flow, lifetime=ctx.client.auth_session_validity_seconds,
        data={"device": device.key},
    )
    tx.put_code(VerificationCode(ctx.pool.id, user.username, CodePurpose.DEVICE, b"", ctx.auth.rt.clock.now(),
                                 session.expires_at, value=seal(ctx.auth, session)))
    return Step(DEVICE_SRP_AUTH, session)


def mint(ctx: FlowContext, tx: Tx, user: User) -> Device:
    """A new, unconfirmed device of ``user`` (``NewDeviceMetadata``), stored in ``tx``."""
    random, now = ctx.auth.rt.random, ctx.auth.rt.clock.now()
    device = Device(pool_id=ctx.pool.id, username=user.username, key=new_device_key(random, ctx.pool.region),
                    group_key=new_device_group_key(random), created=now, last_modified=now,
                    last_ip=ctx.call.source_ip)
    tx.insert_device(device)
    return device


def metadata(device: Device) -> dict[str, str]:
    """``AuthenticationResult.NewDeviceMetadata``."""
    return {"DeviceKey": device.key, "DeviceGroupKey": device.group_key}
