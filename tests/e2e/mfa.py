"""MFA set-up for the end-to-end tests with real clients, all through boto3 as an administrator
would do it: a pool offering SMS, TOTP and e-mail codes (SetUserPoolMfaConfig), users with a
phone number and an e-mail address, factors enabled with AdminSetUserMFAPreference, and a TOTP
authenticator app (:class:`Authenticator`, pyotp) that, like a phone, never shows the same code
twice and can only show codes of the current time."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pyotp

SNS = {"SnsCallerArn": "arn:aws:iam::123456789012:role/userpool-sms", "ExternalId": "userpool-tests"}
SES = {"EmailSendingAccount": "DEVELOPER", "From": "no-reply@example.com",
       "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.com"}
MISMATCH = "Invalid code or auth state for the user."
SETUP_MISMATCH = "Code mismatch and fail enable Software Token MFA"
PHONE = "+15555550100"
MASKED_PHONE = "+*******0100"


def mfa_pool(idp: Any, make_pool: Any, mode: str = "OPTIONAL", *, sms: bool = True, totp: bool = True,
             email: bool = True) -> str:
    """A pool whose MfaConfiguration is ``mode`` offering the factors asked for."""
    settings: dict[str, Any] = {"EmailConfiguration": SES, "UserPoolTier": "ESSENTIALS"}
    if sms:  # a pool with an SMS configuration cannot turn SMS MFA off
        settings["SmsConfiguration"] = SNS
    pool_id = str(make_pool(**settings))
    config: dict[str, Any] = {"UserPoolId": pool_id, "MfaConfiguration": mode}
    if sms:
        config["SmsMfaConfiguration"] = {"SmsAuthenticationMessage": "Your sign-in code is {####}",
                                         "SmsConfiguration": SNS}
    if totp:
        config["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
    if email:
        config["EmailMfaConfiguration"] = {"Message": "Your sign-in code is {####}", "Subject": "Sign-in code"}
    idp.set_user_pool_mfa_config(**config)
    return pool_id


def mfa_user(make_user: Any, pool_id: str, name: str) -> str:
    """A CONFIRMED user with a (not yet verified) phone number and a verified e-mail address."""
    return str(make_user(pool_id, name, phone_number=PHONE, email=f"{name}@example.com", email_verified="true"))


def enable(idp: Any, pool_id: str, username: str, *factors: str, preferred: str | None = None) -> None:
    """AdminSetUserMFAPreference: ``factors`` (SMS, TOTP, EMAIL) enabled, ``preferred`` preferred."""
    keys = {"SMS": "SMSMfaSettings", "TOTP": "SoftwareTokenMfaSettings", "EMAIL": "EmailMfaSettings"}
    settings = {keys[f]: {"Enabled": True, "PreferredMfa": f == preferred} for f in factors}
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=username, **settings)


@dataclass
class Authenticator:
    """A TOTP app holding ``secret`` (the SecretCode AssociateSoftwareToken handed out): each code
    it shows is of a later 30-second step than the last one shown (the server accepts a step once),
    at most one step ahead of the clock (the server's tolerance), waiting for the clock if need be."""

    secret: str
    last_step: int = -1

    def code(self) -> str:
        totp = pyotp.TOTP(self.secret)
        while True:
            now = time.time()
            step = max(self.last_step + 1, int(now // 30))
            if step <= int(now // 30) + 1:
                self.last_step = step
                return str(totp.at(step * 30))
            time.sleep(30 - now % 30 + 0.05)

    @staticmethod
    def wrong(code: str) -> str:
        """A six-digit code that is not ``code`` (nor, with overwhelming odds, any valid one)."""
        return f"{(int(code) + 500_000) % 1_000_000:06d}"


def with_totp(idp: Any, access_token: str) -> Authenticator:
    """Registers a TOTP authenticator for the signed-in user (AssociateSoftwareToken and
    VerifySoftwareToken with the access token) and returns the app holding it."""
    app = Authenticator(idp.associate_software_token(AccessToken=access_token)["SecretCode"])
    assert idp.verify_software_token(AccessToken=access_token, UserCode=app.code(),
                                     FriendlyDeviceName="phone")["Status"] == "SUCCESS"
    return app


def sent_code(server: Any, username: str, medium: str) -> str:
    """The last MFA code the server sent ``username``, checking it went by ``medium`` (SMS, EMAIL)."""
    message = next(m for m in reversed(server.outbox()) if m["username"] == username and m["purpose"].startswith("MFA"))
    assert message["medium"] == medium, message
    return str(message["code"])
