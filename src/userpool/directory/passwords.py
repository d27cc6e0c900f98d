"""Password policy, history and the credential kept for a password (spec §2.1, §4.5).

A password is kept only as its Cognito SRP salt and verifier, so USER_SRP_AUTH and the
plaintext flows check the same credential; the plaintext flows recompute the verifier.
"""

from __future__ import annotations

from userpool.crypto import srp
from userpool.model.entities import PasswordCredential, PasswordPolicy, User, UserPool
from userpool.model.errors import InvalidPasswordException, PasswordHistoryPolicyViolationException
from userpool.model.ports import Random

SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")


def check_policy(policy: PasswordPolicy, password: str) -> None:
    """Raises InvalidPasswordException with Cognito's reason texts."""
    reasons: list[str] = []
    if len(password) < policy.minimum_length:
        reasons.append("Password not long enough")
    if policy.require_lowercase and not any(c.islower() for c in password):
        reasons.append("Password must have lowercase characters")
    if policy.require_uppercase and not any(c.isupper() for c in password):
        reasons.append("Password must have uppercase characters")
    if policy.require_numbers and not any(c.isdigit() for c in password):
        reasons.append("Password must have numeric characters")
    if policy.require_symbols and not any(c in SYMBOLS for c in password):
        reasons.append("Password must have symbol characters")
    if password != password.strip():
        reasons.append("Password must not have leading or trailing whitespace")
    if reasons:
        raise InvalidPasswordException("Password did not conform with policy: " + reasons[0])


def make_credential(
    pool: UserPool, username: str, password: str, random: Random, now: float, *, temporary: bool = False
) -> PasswordCredential:
    salt = random.bytes(16)
    expires = now + pool.password_policy.temporary_password_validity_days * 86400 if temporary else None
    verifier = srp.make_verifier(pool.name_part, username, password, salt)
    return PasswordCredential(salt=salt, verifier=verifier, set_at=now, temporary=temporary, expires_at=expires)


def matches(pool: UserPool, username: str, password: str, credential: PasswordCredential) -> bool:
    return srp.check_password(pool.name_part, username, password, credential.salt, credential.verifier)


def new_password(
    pool: UserPool, user: User, password: str, random: Random, now: float, *, temporary: bool = False,
    enforce_policy: bool = True,
) -> tuple[PasswordCredential, tuple[PasswordCredential, ...]]:
    """The new credential and password history, after policy and history checks."""
    if enforce_policy:
        check_policy(pool.password_policy, password)
    size = pool.password_policy.password_history_size
    history = user.password_history
    if size and not temporary:
        recent = (user.password, *history) if user.password and not user.password.temporary else history
        if any(matches(pool, user.username, password, old) for old in recent[:size]):
            raise PasswordHistoryPolicyViolationException()
    credential = make_credential(pool, user.username, password, random, now, temporary=temporary)
    if size and user.password is not None and not user.password.temporary:
        history = (user.password, *history)[:size]
    return credential, history
