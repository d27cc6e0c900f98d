"""Message texts and delivery details: templates with ``{####}`` / ``{username}``,
masked destinations (spec §5 masking rules), and the pool's choice of medium.

Rendering happens here and only here. Cognito lets e-mail templates be HTML; the values put
into an HTML template (codes, usernames, temporary passwords, which may hold ``< > & " '``) are
HTML-escaped, and a plain-text alternative is rendered from the same template with the values
as they are. The pool's ``EmailConfiguration`` (``From``, ``ReplyToEmailAddress``) travels
with each e-mail.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re
from collections.abc import Mapping
from html.parser import HTMLParser
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


def simulated_destination(medium: str, typed: str, pepper: bytes) -> str:
    """A masked destination for a name no user has (spec §9.3), shaped like ``mask``'s: the typed
    name's own when it is an address of ``medium``, else one made from the name (the same each
    time, so asking twice tells nothing)."""
    if medium == "EMAIL" and "@" in typed:
        return mask("EMAIL", typed)
    digest = hmac.new(pepper, f"simulated-destination\x00{typed}".encode("utf-8", "surrogatepass"),
                      hashlib.sha256).digest()
    if medium == "EMAIL":
        return f"{typed[:1]}***@{'abcdefghijklmnopqrstuvwxyz'[digest[0] % 26]}***"
    return "+*******" + "".join(str(b % 10) for b in digest[1:5])


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


#: An HTML tag, comment or character reference: a template holding one is HTML.
_MARKUP = re.compile(r"<[A-Za-z/!][^<>]*>|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);")


def is_html(template: str) -> bool:
    """Whether an e-mail template is HTML: decided on the template, never on the values put
    into it (a temporary password such as ``<b>x&amp;`` must not turn a text mail into HTML)."""
    return _MARKUP.search(template) is not None


def _fill(template: str, code: str, username: str) -> str:
    return template.replace("{####}", code).replace("{username}", username)


class _TextOf(HTMLParser):
    """The readable text of an HTML body: line breaks for block elements, no scripts or styles."""

    _BREAKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"})
    _HIDDEN = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(self._hidden - 1, 0)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


def plain_text(markup: str) -> str:
    """The plain-text alternative of an HTML template (placeholders survive: they hold no markup)."""
    parser = _TextOf()
    parser.feed(markup)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def email_configuration(pool: UserPool) -> tuple[str | None, str | None]:
    """The pool's ``EmailConfiguration.From`` and ``ReplyToEmailAddress`` (None when unset)."""
    config: Mapping[str, Any] = pool.config.get("EmailConfiguration") or {}
    return config.get("From") or None, config.get("ReplyToEmailAddress") or None


def render(
    pool: UserPool, user: User, purpose: str, medium: str, destination: str, code: str,
    text: tuple[str, str | None], now: float,
) -> Message:
    """The message for ``user``: ``{####}`` becomes ``code`` (or the temporary password) and
    ``{username}`` the username; in an HTML e-mail both are HTML-escaped."""
    body, subject = text
    if medium != "EMAIL":
        return Message(pool.id, user.username, medium, destination, purpose, _fill(body, code, user.username),
                       subject, code, now)
    sender, reply_to = email_configuration(pool)
    if not is_html(body):
        return Message(pool.id, user.username, medium, destination, purpose, _fill(body, code, user.username),
                       subject, code, now, email_from=sender, reply_to=reply_to)
    escaped = _fill(body, html.escape(code, quote=True), html.escape(user.username, quote=True))
    return Message(pool.id, user.username, medium, destination, purpose, escaped, subject, code, now, html=True,
                   text=_fill(plain_text(body), code, user.username), email_from=sender, reply_to=reply_to)
