"""Message texts and delivery details: templates with ``{####}`` / ``{username}``,
masked destinations (spec §5 masking rules), and the pool's choice of medium.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.model.entities import Message, User, UserPool

DEFAULT_VERIFY_EMAIL = "Your verification code is {####}. "
DEFAULT_VERIFY_SUBJECT = "Your verification code"
DEFAULT_INVITE = "Your username is {username} and temporary password is {####}. "
DEFAULT_INVITE_SUBJECT = "Your temporary password"
DEFAULT_MFA_SMS = "Your authentication code is {####}. "
DEFAULT_MFA_EMAIL = "Your authentication code is {####}. "
DEFAULT_MFA_SUBJECT = "Your authentication code"


def mask(medium: str, destination: str) -> str:
    """``j***@e***`` for email; ``+*******1234`` for a phone number."""
    if medium == "EMAIL":
        local, _, domain = destination.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    return "+" + "*" * max(len(destination) - 5, 0) + destination[-4:]


def delivery(pool: UserPool, user: User, *, prefer: tuple[str, ...] = ("email", "phone_number"),
             verified_only: bool = False) -> tuple[str, str, str] | None:
    """(medium, destination, attribute name) for a code, or None when the user has nowhere."""
    for attribute in prefer:
        value = user.attributes.get(attribute)
        if not value:
            continue
        if verified_only and user.attributes.get(f"{attribute}_verified") != "true":
            continue
        return ("EMAIL" if attribute == "email" else "SMS", value, attribute)
    return None


def details(medium: str, destination: str, attribute: str) -> dict[str, str]:
    """``CodeDeliveryDetailsType``."""
    return {"Destination": mask(medium, destination), "DeliveryMedium": medium, "AttributeName": attribute}


def verification_text(pool: UserPool, medium: str) -> tuple[str, str | None]:
    template: Mapping[str, Any] = pool.config.get("VerificationMessageTemplate") or {}
    if medium == "EMAIL":
        body = template.get("EmailMessage") or pool.config.get("EmailVerificationMessage") or DEFAULT_VERIFY_EMAIL
        subject = template.get("EmailSubject") or pool.config.get("EmailVerificationSubject")
        return str(body), str(subject or DEFAULT_VERIFY_SUBJECT)
    body = template.get("SmsMessage") or pool.config.get("SmsVerificationMessage") or DEFAULT_VERIFY_EMAIL
    return str(body), None


def invitation_text(pool: UserPool, medium: str) -> tuple[str, str | None]:
    template = (pool.config.get("AdminCreateUserConfig") or {}).get("InviteMessageTemplate") or {}
    if medium == "EMAIL":
        return str(template.get("EmailMessage") or DEFAULT_INVITE), str(
            template.get("EmailSubject") or DEFAULT_INVITE_SUBJECT)
    return str(template.get("SMSMessage") or DEFAULT_INVITE), None


def mfa_text(pool: UserPool, medium: str) -> tuple[str, str | None]:
    """The MFA code message: ``SmsAuthenticationMessage`` for SMS, ``EmailMfaConfiguration``'s
    Message and Subject for e-mail (SetUserPoolMfaConfig), else defaults."""
    if medium == "EMAIL":
        settings: Mapping[str, Any] = pool.config.get("EmailMfaConfiguration") or {}
        return str(settings.get("Message") or DEFAULT_MFA_EMAIL), str(settings.get("Subject") or DEFAULT_MFA_SUBJECT)
    return str(pool.config.get("SmsAuthenticationMessage") or DEFAULT_MFA_SMS), None


def render(
    pool: UserPool, user: User, purpose: str, medium: str, destination: str, code: str,
    text: tuple[str, str | None], now: float,
) -> Message:
    body, subject = text
    rendered = body.replace("{####}", code).replace("{username}", user.username)
    return Message(pool.id, user.username, medium, destination, purpose, rendered, subject, code, now)
