"""E-mail over SMTP (RFC 5321) with the standard library: plain, STARTTLS (RFC 3207) or
implicit TLS (RFC 8314), optional AUTH login.

``From`` is the pool's ``EmailConfiguration.From`` when set, else the server's default sender
(Cognito's own default is ``no-reply@verificationemail.com``); ``Reply-To`` is the pool's
``ReplyToEmailAddress``. An HTML body goes as ``multipart/alternative`` with its plain-text
rendering first (RFC 2046 §5.1.4: the preferred, richest part last). One connection per
message: sends are rare (sign-up, resets, invitations) and a fresh connection has no state to
go stale. Failures raise ``DeliveryFailed`` with the SMTP status only, never the body.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from userpool.model.entities import Message
from userpool.model.ports import DeliveryFailed

#: Cognito's sender when a pool has no ``EmailConfiguration.From``.
COGNITO_DEFAULT_FROM = "no-reply@verificationemail.com"
SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class SmtpSender:
    """Implements ``MessageSender`` for EMAIL through an SMTP relay."""

    def __init__(
        self, host: str, port: int | None = None, *, security: str = "starttls", username: str | None = None,
        password: str | None = None, timeout: float = 10.0, default_from: str = COGNITO_DEFAULT_FROM,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in SECURITY:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITY)}, got {security!r}")
        self.host = host
        self.port = port or DEFAULT_PORTS[security]
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout
        self.default_from = default_from
        self.ssl_context = ssl_context or ssl.create_default_context()

    def compose(self, message: Message) -> EmailMessage:
        """The e-mail as it goes on the wire."""
        mail = EmailMessage()
        mail["From"] = message.email_from or self.default_from
        mail["To"] = message.destination
        if message.reply_to:
            mail["Reply-To"] = message.reply_to
        mail["Subject"] = message.subject or ""
        mail["Date"] = formatdate(message.created or None, usegmt=True)
        domain = parseaddr(str(mail["From"]))[1].rpartition("@")[2] or None
        mail["Message-ID"] = make_msgid(domain=domain)
        if message.html:
            mail.set_content(message.text or "")
            mail.add_alternative(message.body, subtype="html")
        else:
            mail.set_content(message.body)
        return mail

    def send(self, message: Message) -> None:
        try:
            mail = self.compose(message)
            envelope_from = parseaddr(str(mail["From"]))[1]
            with self._connect() as smtp:
                if self.security == "starttls":
                    smtp.starttls(context=self.ssl_context)
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(mail, from_addr=envelope_from, to_addrs=[message.destination])
        except smtplib.SMTPResponseException as error:
            raise DeliveryFailed(f"SMTP {self.host}:{self.port} answered {error.smtp_code}", medium="EMAIL") from None
        except smtplib.SMTPRecipientsRefused as error:
            codes = sorted({code for code, _ in error.recipients.values()})
            raise DeliveryFailed(f"SMTP {self.host}:{self.port} refused the recipient {codes}",
                                 medium="EMAIL") from None
        except (smtplib.SMTPException, OSError, ValueError) as error:
            raise DeliveryFailed(f"SMTP {self.host}:{self.port}: {type(error).__name__}", medium="EMAIL") from None

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.ssl_context)
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)
