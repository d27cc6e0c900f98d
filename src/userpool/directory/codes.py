"""One-time confirmation and reset codes: six digits, hashed at rest, expiring, with
attempt limits (spec §2.6). Messages are queued and sent only after the transaction
that stored the code has committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from userpool.crypto import codes as code_math
from userpool.directory import messages
from userpool.directory.runtime import Runtime
from userpool.model.entities import CodePurpose, Message, User, UserPool, VerificationCode
from userpool.model.errors import CodeMismatchException, ExpiredCodeException, TooManyFailedAttemptsException
from userpool.model.ports import Tx

VALIDITY = {
    CodePurpose.SIGN_UP: 24 * 3600,
    CodePurpose.VERIFY_EMAIL: 24 * 3600,
    CodePurpose.VERIFY_PHONE_NUMBER: 24 * 3600,
    CodePurpose.FORGOT_PASSWORD: 3600,
}
MAX_FAILED_ATTEMPTS = 5


@dataclass
class Outbox:
    """Messages to send once the transaction commits."""

    pending: list[Message] = field(default_factory=list)

    def flush(self, rt: Runtime) -> None:
        for message in self.pending:
            rt.sender.send(message)
        self.pending.clear()


def issue(
    rt: Runtime, tx: Tx, outbox: Outbox, pool: UserPool, user: User, purpose: CodePurpose,
    medium: str, destination: str, text: tuple[str, str | None],
) -> None:
    now = rt.clock.now()
    code = code_math.numeric_code(rt.random.bytes, 6)
    tx.put_code(VerificationCode(
        pool.id, user.username, purpose, code_math.hash_code(code, rt.code_pepper), now, now + VALIDITY[purpose]
    ))
    outbox.pending.append(messages.render(pool, user, purpose.value, medium, destination, code, text, now))


def _redeem(rt: Runtime, tx: Tx, user: User, purpose: CodePurpose, code: str) -> None:
    """Checks and consumes a code (inside the caller's transaction)."""
    stored = tx.get_code(user.pool_id, user.username, purpose)
    if stored is None or stored.expires_at <= rt.clock.now():
        raise ExpiredCodeException()
    if stored.attempts >= MAX_FAILED_ATTEMPTS:
        raise TooManyFailedAttemptsException("Too many failed attempts.")
    if not code_math.verify_code(code, rt.code_pepper, stored.code_hash):
        raise CodeMismatchException()
    tx.delete_code(user.pool_id, user.username, purpose)


def redeem_then(
    rt: Runtime, load: Callable[[Tx], User], purpose: CodePurpose, code: str, apply: Callable[[Tx, User], None]
) -> None:
    """Redeems ``code`` for the user ``load`` finds and applies the effect, in one transaction.

    A wrong code must count toward the attempt limit although the call then fails, so it is
    counted in a transaction of its own, after the first has rolled back.
    """
    with rt.store.transaction() as tx:
        user = load(tx)
        try:
            _redeem(rt, tx, user, purpose, code)
        except CodeMismatchException:
            mismatched = True
        else:
            mismatched = False
            apply(tx, user)
    if mismatched:
        with rt.store.transaction() as tx:
            tx.count_failed_attempt(user.pool_id, user.username, purpose)
        raise CodeMismatchException()
