"""One-time confirmation and reset codes: six digits, hashed at rest, expiring, with
attempt limits (spec §2.6; the counting is in ``limits.py``). Messages are queued and sent only
after the transaction that stored the code has committed; one that cannot be delivered is
undone and answered ``CodeDeliveryFailureException`` (``Outbox.flush``).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from userpool.crypto import codes as code_math
from userpool.directory import custom_message, custom_senders, limits, messages
from userpool.directory.runtime import Runtime
from userpool.model.entities import CodePurpose, Message, User, UserPool, VerificationCode
from userpool.model.errors import (
    CodeDeliveryFailureException,
    CodeMismatchException,
    CognitoError,
    ExpiredCodeException,
)
from userpool.model.ports import DeliveryFailed, Tx

VALIDITY = {
    CodePurpose.SIGN_UP: 24 * 3600,
    CodePurpose.VERIFY_EMAIL: 24 * 3600,
    CodePurpose.VERIFY_PHONE_NUMBER: 24 * 3600,
    CodePurpose.FORGOT_PASSWORD: 3600,
}
#: Compared against for a concealed name, so its answer costs what a real check does.
_NO_CODE = b"\x00" * 32
#: Cognito's texts for an undeliverable code (amazon-cognito-identity-js#307, amplify-js#1305 for
#: e-mail; amplify-js#166 for SMS).
DELIVERY_FAILURE_TEXT = {
    "EMAIL": "Invalid email provided/Unable to send the email",
    "SMS": "Invalid phone number provided/Unable to send the message.",
}

#: Puts back, in a new transaction, what was stored for a message that was never delivered.
Undo = Callable[[Tx], None]

_log = logging.getLogger("userpool.delivery")


@dataclass(frozen=True, eq=False)
class Queued:
    """A message waiting for the commit, with what undoes it. Several messages may share one
    ``undo`` (an invitation by e-mail and SMS): it runs only if none of them was delivered."""

    message: Message
    undo: Undo | None = None
    #: Renders the message again from the template the CustomMessage function chooses; run by
    #: ``flush``, outside the transaction (an invocation may take seconds).
    custom: Callable[[], Message] | None = None
    #: What undoes the call when the CustomMessage function refuses; ``undo`` when None.
    refused: Undo | None = None
    #: The call that sends it (its CustomMessage source, client, ClientMetadata): what a custom
    #: sender trigger is told (``custom_senders``).
    call: custom_message.Call | None = None


@dataclass
class Outbox:
    """Messages to send once the transaction that stored their codes commits."""

    pending: list[Queued] = field(default_factory=list)

    def queue(self, message: Message, undo: Undo | None = None,
              custom: Callable[[], Message] | None = None, refused: Undo | None = None,
              call: custom_message.Call | None = None) -> None:
        self.pending.append(Queued(message, undo, custom, refused, call))

    def _customize(self, rt: Runtime) -> None:
        """Runs the CustomMessage function for each message that has one, before anything is
        sent. If one fails, every undo runs (no code stays stored or counted) and the caller
        gets the trigger's error (spec §7.5)."""
        customized: list[Queued] = []
        for item in self.pending:
            if item.custom is None:
                customized.append(item)
                continue
            try:
                customized.append(Queued(item.custom(), item.undo, call=item.call))
            except CognitoError:
                queued, self.pending = self.pending, []
                _undo_all(rt, [Queued(q.message, q.refused or q.undo) for q in queued])
                raise
        self.pending = customized

    def flush(self, rt: Runtime) -> None:
        """Sends every queued message. If one cannot be delivered (the sender raises), the
        others are still sent; then each undo none of whose messages went out runs, each in a
        transaction of its own, and the caller gets ``CodeDeliveryFailureException``: no code
        that never reached the user stays valid or counted. Bodies (which hold codes) are never
        logged."""
        self._customize(rt)
        queued, self.pending = self.pending, []
        failed: list[Queued] = []
        delivered: set[int] = set()
        for item in queued:
            try:
                custom_senders.deliver(rt, item.message, item.call)
            except Exception as error:  # any sender failure means "not delivered"
                reason = error.reason if isinstance(error, DeliveryFailed) else type(error).__name__
                _log.warning("message not delivered: pool=%s user=%s purpose=%s medium=%s: %s",
                             item.message.pool_id, item.message.username, item.message.purpose,
                             item.message.medium, reason)
                failed.append(item)
            else:
                if item.undo is not None:
                    delivered.add(id(item.undo))
        if not failed:
            return
        undone: set[int] = set()
        for item in failed:
            undo = item.undo
            if undo is None or id(undo) in delivered or id(undo) in undone:
                continue
            undone.add(id(undo))
            try:
                with rt.store.transaction() as tx:
                    undo(tx)
            except Exception:
                _log.exception("undoing an undelivered message failed: pool=%s user=%s purpose=%s",
                               item.message.pool_id, item.message.username, item.message.purpose)
        raise CodeDeliveryFailureException(DELIVERY_FAILURE_TEXT.get(failed[0].message.medium,
                                                                     DELIVERY_FAILURE_TEXT["EMAIL"]))


def _undo_all(rt: Runtime, queued: list[Queued]) -> None:
    """Runs each distinct undo of ``queued``, each in a transaction of its own."""
    done: set[int] = set()
    for item in queued:
        if item.undo is None or id(item.undo) in done:
            continue
        done.add(id(item.undo))
        try:
            with rt.store.transaction() as tx:
                item.undo(tx)
        except Exception:
            _log.exception("undoing a message refused by CustomMessage failed: pool=%s user=%s purpose=%s",
                           item.message.pool_id, item.message.username, item.message.purpose)


def issue(
    rt: Runtime, tx: Tx, outbox: Outbox, pool: UserPool, user: User, purpose: CodePurpose,
    medium: str, destination: str, text: tuple[str, str | None], *, bound_to: str | None = None,
    counted: limits.Taken | None = None, call: custom_message.Call | None = None,
) -> None:
    """Stores a new code for ``purpose`` (replacing the user's previous one) and queues its
    message to ``destination``. ``bound_to``: the attribute value a VERIFY_* code verifies, and
    the only one (VerifyUserAttribute).

    Should the message not be delivered, its undo puts the previous code back (or none) unless
    another code has replaced this one meanwhile, and refunds ``counted``, the call
    ``limits.take`` counted for it in ``tx`` (ResendConfirmationCode, ForgotPassword,
    GetUserAttributeVerificationCode): an undelivered code neither works nor counts. ``call``:
    the call's CustomMessage source, client and ClientMetadata; when the pool has the trigger,
    the function chooses the template after the commit (``Outbox.flush``)."""
    now = rt.clock.now()
    code = code_math.numeric_code(rt.random.bytes, 6)
    previous = tx.get_code(pool.id, user.username, purpose)
    stored = VerificationCode(
        pool.id, user.username, purpose, code_math.hash_code(code, rt.code_pepper), now, now + VALIDITY[purpose],
        value=bound_to,
    )
    tx.put_code(stored)

    def undo(tx: Tx) -> None:
        current = tx.get_code(pool.id, user.username, purpose)
        if current is not None and hmac.compare_digest(current.code_hash, stored.code_hash):
            if previous is not None and previous.expires_at > rt.clock.now():
                tx.put_code(previous)
            else:
                tx.delete_code(pool.id, user.username, purpose)
        if counted is not None:
            limits.refund(tx, counted)

    outbox.queue(messages.render(pool, user, purpose.value, medium, destination, code, text, now), undo,
                 customizer(rt, pool, user, call, medium, text,
                            lambda chosen: messages.render(pool, user, purpose.value, medium, destination, code,
                                                           chosen, now)), call=call)


def customizer(rt: Runtime, pool: UserPool, user: User, call: custom_message.Call | None, medium: str,
               text: tuple[str, str | None], render: Callable[[tuple[str, str | None]], Message],
               ) -> Callable[[], Message] | None:
    """What renders the message from the CustomMessage function's template, or None when the
    pool has no such function (or the call sends no CustomMessage, or a custom sender delivers
    this medium: the server's message is not sent at all)."""
    if call is None or not custom_message.configured(pool) or custom_senders.configured(pool, medium):
        return None
    return lambda: render(custom_message.template(rt, pool, user, call, medium, text))


@dataclass(frozen=True)
class Claimant:
    """Who redeems a code: the user, or None for a name whose existence is concealed
    (PreventUserExistenceErrors ENABLED), answered like a wrong code. ``key`` names the
    user's counters (``limits.key_for_unknown`` for an unknown name)."""

    pool_id: str
    key: str
    user: User | None


def redeem_then(
    rt: Runtime, load: Callable[[Tx], Claimant], purpose: CodePurpose, code: str,
    apply: Callable[[Tx, User], None], *, action: str | None, too_many: Callable[[], CognitoError],
) -> None:
    """``redeem_code_then`` for an effect that needs only the user."""
    redeem_code_then(rt, load, purpose, code, lambda tx, user, _: apply(tx, user), action=action,
                     too_many=too_many)


def redeem_code_then(
    rt: Runtime, load: Callable[[Tx], Claimant], purpose: CodePurpose, code: str,
    apply: Callable[[Tx, User, VerificationCode], None], *, action: str | None,
    too_many: Callable[[], CognitoError],
) -> None:
    """Redeems ``code`` for the user ``load`` finds, then applies the effect (spec §2.6, §3.8).

    First transaction, under the row lock of the user's wrong-code counter: counts the call
    toward ``action``'s hourly limit, refuses once the wrong-code allowance is spent
    (``too_many``), checks the code and counts a wrong one; it commits before any refusal is
    raised, so concurrent guesses from any number of processes are decided one at a time and
    every one is counted. Second transaction, only for a right code: takes the same lock,
    re-reads the code (still the one that matched: a code is single use, and of two right
    answers only the first gets here), spends it and applies the effect. If ``apply`` refuses
    (a password the policy rejects), only the second rolls back: the call stays counted and the
    code stays valid for a corrected request. ``apply`` gets the spent code too (the value a
    verification code is bound to).
    """
    with rt.store.transaction() as tx:
        claim = load(tx)
        now = rt.clock.now()
        if action is not None:
            limits.take(tx, claim.pool_id, claim.key, action, now)
        refusal, matched = _check(rt, tx, claim, purpose, code, now, too_many)
    if refusal is not None:
        raise refusal
    with rt.store.transaction() as tx:
        claim = load(tx)
        guesses = limits.lock_guesses(tx, claim.pool_id, claim.key, purpose, rt.clock.now())
        stored = tx.get_code(claim.pool_id, claim.key, purpose)
        if (claim.user is None or stored is None or stored.expires_at <= rt.clock.now()
                or not hmac.compare_digest(stored.code_hash, matched)):
            raise ExpiredCodeException()
        user = tx.lock_user(claim.user.pool_id, claim.user.username)  # the latest row, locked: no lost update
        if user is None:
            raise ExpiredCodeException()
        tx.delete_code(claim.pool_id, claim.key, purpose)
        limits.forgive_guesses(tx, claim.pool_id, claim.key, purpose, guesses)
        apply(tx, user, stored)


def _check(
    rt: Runtime, tx: Tx, claim: Claimant, purpose: CodePurpose, code: str, now: float,
    too_many: Callable[[], CognitoError],
) -> tuple[CognitoError | None, bytes]:
    """The verdict on ``code`` and, for a right one, the stored hash it matched; a wrong code
    is counted in ``tx``. Called under the wrong-code counter's row lock."""
    guesses = limits.lock_guesses(tx, claim.pool_id, claim.key, purpose, now)
    if limits.guesses_spent(guesses):
        return too_many(), b""
    stored = tx.get_code(claim.pool_id, claim.key, purpose)  # read for a concealed name too: equal work
    if claim.user is None:
        code_math.verify_code(code, rt.code_pepper, _NO_CODE)
        limits.wrong_guess(tx, claim.pool_id, claim.key, purpose, guesses)
        return CodeMismatchException(), b""
    if stored is None or stored.expires_at <= now:
        return ExpiredCodeException(), b""
    if not code_math.verify_code(code, rt.code_pepper, stored.code_hash):
        limits.wrong_guess(tx, claim.pool_id, claim.key, purpose, guesses)
        return CodeMismatchException(), b""
    return None, stored.code_hash
