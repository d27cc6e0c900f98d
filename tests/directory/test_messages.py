"""Rendering of codes into templates (issue 11 item 4): a plain template stays plain; in an HTML
e-mail template the inserted values are HTML-escaped and a plain-text alternative carries them
as they are; HTML-ness is decided on the template, never on the values; the pool's
EmailConfiguration From / ReplyTo travel with e-mail only."""

from __future__ import annotations

from typing import Any

import pytest

from userpool.directory import messages
from userpool.model.entities import User, UserPool, UserStatus

NASTY = "A1<b>&\"'x</b>"


def _pool(**config: Any) -> UserPool:
    return UserPool(id="us-east-1_Pool", name="pool", created=0.0, last_modified=0.0, config=config)


def _user(username: str = "jo<e>") -> User:
    return User("us-east-1_Pool", username, {}, UserStatus.CONFIRMED, True, 0.0, 0.0)


def test_plain_template_inserts_values_as_they_are() -> None:
    pool = _pool(EmailConfiguration={"From": "App <app@app.example>", "ReplyToEmailAddress": "help@app.example"})
    text = ("Your username is {username} and temporary password is {####}. ", "Welcome")
    message = messages.render(pool, _user(), "ADMIN_CREATE_USER", "EMAIL", "j@example.com", NASTY, text, 5.0)
    assert message.body == f"Your username is jo<e> and temporary password is {NASTY}. "
    assert not message.html and message.text is None
    assert (message.email_from, message.reply_to, message.subject) == ("App <app@app.example>",
                                                                       "help@app.example", "Welcome")


def test_html_template_escapes_inserted_values() -> None:
    template = '<html><body><p>Hello {username},</p><p>your password is <b>{####}</b> &amp; more</p>' \
               '<a href="https://app.example/?c={####}">sign in</a></body></html>'
    message = messages.render(_pool(), _user(), "ADMIN_CREATE_USER", "EMAIL", "j@example.com", NASTY,
                              (template, "Hi"), 5.0)
    assert message.html
    escaped = "A1&lt;b&gt;&amp;&quot;&#x27;x&lt;/b&gt;"
    assert f"<b>{escaped}</b>" in message.body and f"?c={escaped}\"" in message.body
    assert "Hello jo&lt;e&gt;," in message.body and NASTY not in message.body
    assert message.text == f"Hello jo<e>,\n\nyour password is {NASTY} & more\nsign in"
    assert message.code == NASTY
    assert (message.email_from, message.reply_to) == (None, None)


@pytest.mark.parametrize(("template", "html"), [
    ("Your code is {####}.", False),
    ("Your code is {####}. 3 < 4 and 5 > 2", False),
    ("Your code is <b>{####}</b>", True),
    ("Line one<br/>code {####}", True),
    ("Code {####} &mdash; thanks", True),
    ("<!DOCTYPE html><p>{####}</p>", True),
])
def test_html_is_decided_on_the_template(template: str, html: bool) -> None:
    assert messages.is_html(template) is html
    message = messages.render(_pool(), _user("amy"), "SIGN_UP", "EMAIL", "a@example.com", "<p>&", (template, None), 0)
    assert message.html is html


def test_sms_is_never_html_and_has_no_sender() -> None:
    pool = _pool(EmailConfiguration={"From": "app@app.example"})
    message = messages.render(pool, _user("amy"), "SIGN_UP", "SMS", "+15555550100", "123456",
                              ("<b>{####}</b>", None), 0)
    assert message.body == "<b>123456</b>" and not message.html and message.email_from is None
