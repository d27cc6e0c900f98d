"""The MFA decision after the first factor (spec §3.6 step 3, §5.9–5.13, §11.5), and the
challenges it issues: SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP, SELECT_MFA_TYPE, MFA_SETUP.

- pool MFA OFF: no MFA;
- the user's usable factors (``directory.mfa.usable_factors``: enabled, offered by the pool,
  able to reach the user): the preferred one, or the only one, is challenged; several and none
  preferred: SELECT_MFA_TYPE with ``MFAS_CAN_CHOOSE``;
- none: pool ON → MFA_SETUP with ``MFAS_CAN_SETUP`` (what the pool offers that can be set up
  during sign-in: TOTP and e-mail; never SMS, which needs a phone number first, §5.10); pool
  OPTIONAL → no MFA.

Every MFA challenge keeps its state in one ``codes`` row of purpose MFA, bound to the session it
was issued with (``value`` = the session's ID): the hash of the SMS / e-mail code (empty for
TOTP), its expiry (the session's), and the wrong answers given (``attempts``). A newer MFA
challenge of the same user replaces the row, so only the latest session can be answered.

What the sign-in knew before MFA and needs when it makes the tokens (the PreTokenGeneration
source after NEW_PASSWORD_REQUIRED) travels in each MFA session's data under ``CARRIED``, passed
on from the session answered to the next one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from userpool.auth.context import FlowContext
from userpool.auth.session import AuthSession, new_session
from userpool.crypto import codes as code_math
from userpool.directory import custom_message, limits, messages
from userpool.directory import mfa as user_mfa
from userpool.directory.codes import customizer
from userpool.model.entities import (
    EMAIL_OTP,
    SMS_MFA,
    SOFTWARE_TOKEN_MFA,
    CodePurpose,
    Message,
    User,
    VerificationCode,
)
from userpool.model.errors import InvalidUserPoolConfigurationException
from userpool.model.ports import Tx

SELECT_MFA_TYPE = "SELECT_MFA_TYPE"
MFA_SETUP = "MFA_SETUP"
#: Factors a user can set up inside a sign-in (MFA_SETUP); SMS needs a phone number first.
SETUP_FACTORS = (SOFTWARE_TOKEN_MFA, EMAIL_OTP)
#: USER_AUTH's first-factor SMS code (spec §5.14); EMAIL_OTP serves as MFA factor and first factor.
SMS_OTP = "SMS_OTP"
MEDIUM = {SMS_MFA: "SMS", EMAIL_OTP: "EMAIL", SMS_OTP: "SMS"}
DESTINATION = {SMS_MFA: "phone_number", EMAIL_OTP: "email", SMS_OTP: "phone_number"}
#: The session data member carried through the MFA challenges up to the tokens.
CARRIED = "carried"


@dataclass(frozen=True)
class Step:
    """A challenge to send back: its session (sealed by ``next_step.finish``), its parameters,
    and the code message to deliver once the transaction that stored the code commits."""

    name: str
    session: AuthSession
    parameters: dict[str, str] = field(default_factory=dict)
    message: Message | None = None
    answered: AuthSession | None = None  # the session spent to get here, released if the code is not sent
    counted: limits.Taken | None = None  # the code's send, refunded if it is not delivered
    #: Renders ``message`` from the CustomMessage_Authentication function's template; run after
    #: the commit (``next_step.issue``), outside the transaction.
    custom: Callable[[], Message] | None = None
    #: The call that sends the code, for a custom sender trigger (``directory.custom_senders``).
    call: custom_message.Call | None = None


def begin(ctx: FlowContext, tx: Tx, user: User, flow: str, carried: Mapping[str, str] | None = None) -> Step | None:
    """The MFA challenge that follows a first factor, or None when MFA does not apply; its
    session carries ``carried``."""
    carry: dict[str, object] = {CARRIED: dict(carried)} if carried else {}
    pool = ctx.pool
    if pool.mfa_configuration == "OFF":
        return None
    factors = user_mfa.usable_factors(pool, user)
    if not factors:
        if pool.mfa_configuration != "ON":
            return None
        setup = [f for f in pool.mfa_factors if f in SETUP_FACTORS]
        if not setup:
            raise InvalidUserPoolConfigurationException(
                "This user pool requires MFA, and the user has no factor it can use or set up: the pool "
                "offers SMS only, which is not set up during sign-in (an administrator or the user enables "
                "SMS MFA for a phone_number first).")
        return Step(MFA_SETUP, _session(ctx, user, MFA_SETUP, flow, {**carry, "can_setup": setup}),
                    {"MFAS_CAN_SETUP": _json_list(setup)})
    preferred = user.mfa.preferred
    if preferred in factors or len(factors) == 1:
        return challenge(ctx, tx, user, preferred if preferred in factors else factors[0], flow, carried=carried)
    return Step(SELECT_MFA_TYPE, _session(ctx, user, SELECT_MFA_TYPE, flow, {**carry, "choices": list(factors)}),
                {"MFAS_CAN_CHOOSE": _json_list(factors)})


def challenge(ctx: FlowContext, tx: Tx, user: User, factor: str, flow: str, *,
              destination: str | None = None, answered: AuthSession | None = None,
              carried: Mapping[str, str] | None = None) -> Step:
    """Issues ``factor``'s challenge: a new session, its state row and, for SMS / e-mail, a code
    sent to the user's number or address (or to ``destination``: the address MFA_SETUP sets up).
    Each code sent counts toward the user's hourly limit (``SendMfaCode``). The new session
    carries ``carried``, else what the ``answered`` session carried."""
    rt = ctx.auth.rt
    now = rt.clock.now()
    if carried is None and answered is not None:
        carried = answered.data.get(CARRIED)
    data: dict[str, object] = {CARRIED: dict(carried)} if carried else {}
    code_hash, message, parameters, counted, custom, call = b"", None, {}, None, None, None
    if factor in MEDIUM:
        medium = MEDIUM[factor]
        address = destination or user.attributes[DESTINATION[factor]]
        counted = limits.take(tx, ctx.pool.id, user.username, "SendMfaCode", now)
        code = code_math.numeric_code(rt.random.bytes, 6)
        code_hash = code_math.hash_code(code, rt.code_pepper)
        text = messages.mfa_text(ctx.pool, medium)

        def render(chosen: tuple[str, str | None]) -> Message:
            return messages.render(ctx.pool, user, f"MFA_{factor}", medium, address, code, chosen, now)

        message = render(text)
        # CustomMessage_Authentication: invoked without ClientMetadata (spec §7.4)
        call = custom_message.Call("CustomMessage_Authentication", ctx.client.client_id)
        custom = customizer(rt, ctx.pool, user, call, medium, text, render)
        parameters = {"CODE_DELIVERY_DELIVERY_MEDIUM": medium,
                      "CODE_DELIVERY_DESTINATION": messages.mask(medium, address)}
        data["destination"] = address
        if destination is not None:
            data["setup"] = True  # MFA_SETUP's e-mail path: the right code sets the address up
    session = _session(ctx, user, factor, flow, data)
    tx.put_code(VerificationCode(ctx.pool.id, user.username, CodePurpose.MFA, code_hash, now, session.expires_at,
                                 value=session.id))
    return Step(factor, session, parameters, message, answered, counted, custom, call)


def withdraw(tx: Tx, step: Step) -> None:
    """Undoes ``challenge`` when its code could not be delivered: the state row goes (the
    session can never be answered), the send is not counted, and the session answered to get
    here (SELECT_MFA_TYPE, MFA_SETUP) is usable again."""
    if step.answered is not None:
        tx.release(step.answered.id)
    session = step.session
    state = tx.get_code(session.pool_id, session.username, CodePurpose.MFA)
    if state is not None and state.value == session.id:
        tx.delete_code(session.pool_id, session.username, CodePurpose.MFA)
    if step.counted is not None:
        limits.refund(tx, step.counted)


def _session(ctx: FlowContext, user: User, challenge_name: str, flow: str, data: dict[str, object]) -> AuthSession:
    return new_session(
        ctx.auth, pool_id=ctx.pool.id, client_id=ctx.client.client_id, username=user.username,
        challenge=challenge_name, flow=flow, lifetime=ctx.client.auth_session_validity_seconds, data=data,
    )


def _json_list(names: Sequence[str]) -> str:
    """A challenge parameter holding a list, as Cognito writes it: compact JSON,
    ``["SMS_MFA","SOFTWARE_TOKEN_MFA"]`` (spec §5.9, §5.10; Amplify builds the same string
    when it narrows MFAS_CAN_SETUP itself)."""
    return json.dumps(list(names), separators=(",", ":"))
