"""Choice-based sign-in's first factors (spec §2.1 ``SignInPolicy``, §3.5, §11.3): which a pool
allows and which a user can use.

A pool's ``Policies.SignInPolicy.AllowedFirstAuthFactors`` lists PASSWORD, EMAIL_OTP, SMS_OTP and
WEB_AUTHN (PASSWORD by default); PASSWORD opens two challenges, PASSWORD (the password sent) and
PASSWORD_SRP (the SRP proof). A user can use PASSWORD with a password, EMAIL_OTP with a verified
e-mail address, SMS_OTP with a verified phone number and WEB_AUTHN with a registered passkey.
"""

from __future__ import annotations

from userpool.model.entities import User, UserPool

PASSWORD = "PASSWORD"
PASSWORD_SRP = "PASSWORD_SRP"
EMAIL_OTP = "EMAIL_OTP"
SMS_OTP = "SMS_OTP"
WEB_AUTHN = "WEB_AUTHN"
#: The order in which AvailableChallenges lists them.
ORDER = (PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP, WEB_AUTHN)


def allowed(pool: UserPool) -> tuple[str, ...]:
    """The pool's ``AllowedFirstAuthFactors``."""
    policy = (pool.config.get("Policies") or {}).get("SignInPolicy") or {}
    return tuple(policy.get("AllowedFirstAuthFactors") or (PASSWORD,))


#: A user without a password gets the code at one of these (the one-time-code factors).
PASSWORDLESS_ADDRESSES = {EMAIL_OTP: "email", SMS_OTP: "phone_number"}
#: Amplify recognises SignUp without a password from this text (spec §11.5).
PASSWORD_REQUIRED = ("1 validation error detected: Value at 'password' failed to satisfy constraint: "
                     "Member must not be null")


def passwordless(pool: UserPool) -> bool:
    """Whether passwordless sign-in is available: the pool allows a one-time-code first factor
    (EMAIL_OTP or SMS_OTP). SignUp (with a USER_AUTH client) and AdminCreateUser may then make
    users without a password (the API Reference's Password / TemporaryPassword)."""
    return any(factor in PASSWORDLESS_ADDRESSES for factor in allowed(pool))


def can_sign_up_without_password(pool: UserPool, client_flows: tuple[str, ...], attrs: dict[str, str]) -> bool:
    """SignUp without Password (the Developer Guide's "Passwords at sign-up"): passwordless
    sign-in is available in the pool and the app client (ALLOW_USER_AUTH), and the user gives the
    address a one-time code can reach."""
    if "ALLOW_USER_AUTH" not in client_flows:
        return False
    reachable = (PASSWORDLESS_ADDRESSES[factor] for factor in allowed(pool) if factor in PASSWORDLESS_ADDRESSES)
    return any(attrs.get(address) for address in reachable)


def configured(user: User, *, passkeys: bool) -> list[str]:
    """GetUserAuthFactors' ``ConfiguredUserAuthFactors``: the first factors the user has, whatever
    the pool allows (``passkeys``: the user has a registered passkey)."""
    have = {
        PASSWORD: user.password is not None,
        EMAIL_OTP: bool(user.attributes.get("email")) and user.attributes.get("email_verified") == "true",
        SMS_OTP: bool(user.attributes.get("phone_number")) and user.attributes.get("phone_number_verified") == "true",
        WEB_AUTHN: passkeys,
    }
    return [factor for factor in (PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN) if have[factor]]


def available(pool: UserPool, user: User | None, *, passkeys: bool) -> list[str]:
    """USER_AUTH's ``AvailableChallenges`` for ``user``: what the pool allows and the user has.
    An unknown user (None; only asked under PreventUserExistenceErrors) is offered what a user with
    a password only would be: PASSWORD and PASSWORD_SRP when the pool allows passwords."""
    pool_allows = allowed(pool)
    have = set(configured(user, passkeys=passkeys)) if user is not None else {PASSWORD}
    out = [factor for factor in (PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN) if factor in pool_allows and factor in have]
    if PASSWORD in out:
        out.insert(out.index(PASSWORD) + 1, PASSWORD_SRP)
    return out
