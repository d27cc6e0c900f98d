"""A user's MFA factors: which can be used, and the TOTP authenticator's life cycle (spec §3.6,
§3.8 AssociateSoftwareToken / VerifySoftwareToken / SetUserMFAPreference, §5.10–5.13, §11.5).

The one place that says whether a factor is usable and whether a TOTP code is right, for every
path: the account operations (access token), MFA_SETUP (sign-in session) and the
SOFTWARE_TOKEN_MFA challenge. Functions here return the changed user; callers write it back in
the transaction in which they read it with ``lock_user``.
"""

from __future__ import annotations

from dataclasses import replace

from userpool.crypto import totp
from userpool.model.entities import EMAIL_OTP, SMS_MFA, SOFTWARE_TOKEN_MFA, SoftwareToken, User, UserPool
from userpool.model.ports import Random


def can_use(user: User, factor: str) -> bool:
    """Whether the factor can reach the user: SMS needs a phone number (verified or not: a right
    SMS code verifies it, spec §3.6), e-mail an address, TOTP a verified authenticator."""
    if factor == SMS_MFA:
        return bool(user.attributes.get("phone_number"))
    if factor == EMAIL_OTP:
        return bool(user.attributes.get("email"))
    if factor == SOFTWARE_TOKEN_MFA:
        return user.mfa.token is not None
    return False


def usable_factors(pool: UserPool, user: User) -> tuple[str, ...]:
    """Factors the user enabled, the pool offers and that can reach the user (MFA_FACTORS order)."""
    return tuple(f for f in user.mfa.enabled if f in pool.mfa_factors and can_use(user, f))


def associate(random: Random, user: User) -> tuple[User, str]:
    """AssociateSoftwareToken: a new secret, kept as pending until VerifySoftwareToken accepts a
    code from it; a verified authenticator keeps working meanwhile. Returns the user to write
    and the ``SecretCode`` to hand out."""
    secret = totp.new_secret(random.bytes)
    return replace(user, mfa=replace(user.mfa, pending_secret=secret)), totp.secret_code(secret)


def verify_pending(user: User, code: str, now: float, friendly_name: str | None) -> User | None:
    """VerifySoftwareToken: the pending secret becomes the user's authenticator when ``code`` is
    its current code (±1 step; the step is then spent). None for a wrong code or when nothing is
    pending. Registering is not enabling (spec §10.14): SetUserMFAPreference, or the end of
    MFA_SETUP, enables the factor."""
    pending = user.mfa.pending_secret
    if pending is None:
        return None
    step = totp.matching_step(pending, code, now)
    if step is None:
        return None
    token = SoftwareToken(secret=pending, friendly_name=friendly_name, last_step=step)
    return replace(user, mfa=replace(user.mfa, token=token, pending_secret=None))


def redeem_code(user: User, code: str, now: float) -> User | None:
    """SOFTWARE_TOKEN_MFA: the user with the code's step recorded as spent, or None when the code
    is wrong, outside ±1 step, or of a step already accepted (a replay)."""
    token = user.mfa.token
    if token is None:
        return None
    step = totp.matching_step(token.secret, code, now, after=token.last_step)
    if step is None:
        return None
    return replace(user, mfa=replace(user.mfa, token=replace(token, last_step=step)))


def enable(user: User, factor: str, *, prefer: bool) -> User:
    """The user with ``factor`` enabled, and preferred when ``prefer``. The end of MFA_SETUP
    enables the factor set up and prefers it when no other is preferred (§10.14, §11.5)."""
    mfa = user.mfa
    mfa = replace(mfa, sms=mfa.sms or factor == SMS_MFA, email=mfa.email or factor == EMAIL_OTP,
                  software_token=mfa.software_token or factor == SOFTWARE_TOKEN_MFA)
    if prefer:
        mfa = replace(mfa, preferred=factor)
    return replace(user, mfa=mfa)


#: The legacy ``MFAOptions`` entry of SMS MFA (SetUserSettings; GetUser reports it).
SMS_OPTION = {"DeliveryMedium": "SMS", "AttributeName": "phone_number"}


def settings_output(user: User) -> dict[str, object]:
    """GetUser / AdminGetUser / GetUserAuthFactors: ``UserMFASettingList`` (the enabled factors),
    ``PreferredMfaSetting`` and the legacy ``MFAOptions`` (SMS MFA, however it was enabled).
    Members with nothing to say are left out, as Cognito leaves them out for a user without MFA."""
    out: dict[str, object] = {}
    if user.mfa.enabled:
        out["UserMFASettingList"] = list(user.mfa.enabled)
    if user.mfa.preferred:
        out["PreferredMfaSetting"] = user.mfa.preferred
    if user.mfa.sms:
        out["MFAOptions"] = [dict(SMS_OPTION)]
    return out
