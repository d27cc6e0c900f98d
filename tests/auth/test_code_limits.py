"""Per-user hourly limits and one-time code guessing (spec §2.6, §3.8, §9.3), in process with a
clock the tests advance: re-issuing a code never restores guesses, every limited operation
answers LimitExceededException once its hourly allowance is spent, unknown users (ENABLED)
meet the same limits, and ChangePassword counts only wrong previous passwords toward the
lockout (issue 9 item 12) and writes the password onto a fresh copy of the user (item 10)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from typing import Any

import pytest

from tests.auth.conftest import PASSWORD, Harness, refused
from userpool.auth import account
from userpool.auth.runtime import AuthRuntime
from userpool.directory import limits, signup, users
from userpool.model.errors import (
    CodeMismatchException,
    ExpiredCodeException,
    InvalidPasswordException,
    LimitExceededException,
    NotAuthorizedException,
    TooManyFailedAttemptsException,
)
from userpool.model.ports import Store, Tx

LIMIT = "Attempt limit exceeded, please try after some time."
NEW_PASSWORD = "Another-Horse-8"
HOUR = 3600.0


def _recovery_user(h: Harness, **client_settings: Any) -> tuple[str, str]:
    pool_id = h.pool(AutoVerifiedAttributes=["email"])
    client_id = h.client(pool_id, **client_settings)["ClientId"]
    users.admin_create_user(h.rt, {
        "UserPoolId": pool_id, "Username": "rita", "MessageAction": "SUPPRESS",
        "UserAttributes": [{"Name": "email", "Value": "rita@example.com"},
                           {"Name": "email_verified", "Value": "true"}],
    })
    users.admin_set_user_password(h.rt, {"UserPoolId": pool_id, "Username": "rita", "Password": PASSWORD,
                                         "Permanent": True})
    return pool_id, client_id


def _last_code(h: Harness) -> str:
    return str(h.sender.messages[-1].code)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _confirm(h: Harness, client_id: str, code: str, username: str = "rita") -> None:
    signup.confirm_forgot_password(h.rt, {"ClientId": client_id, "Username": username, "ConfirmationCode": code,
                                          "Password": NEW_PASSWORD})


def _forgot(h: Harness, client_id: str, username: str = "rita") -> dict[str, Any]:
    return signup.forgot_password(h.rt, {"ClientId": client_id, "Username": username})


def test_a_new_code_does_not_restore_guesses(harness: Harness) -> None:
    h = harness
    _, client_id = _recovery_user(h)
    _forgot(h, client_id)
    for _ in range(limits.CODE_GUESSES):
        with pytest.raises(CodeMismatchException):
            _confirm(h, client_id, _wrong(_last_code(h)))
    _forgot(h, client_id)
    with pytest.raises(TooManyFailedAttemptsException):
        _confirm(h, client_id, _last_code(h))
    h.clock.advance(HOUR)
    _forgot(h, client_id)
    _confirm(h, client_id, _last_code(h))
    client = {"ClientId": client_id}
    assert h.sign_in(client, "rita", NEW_PASSWORD)["AuthenticationResult"]


def test_forgot_password_hourly_limit(harness: Harness) -> None:
    h = harness
    _, client_id = _recovery_user(h)
    for _ in range(limits.HOURLY["ForgotPassword"]):
        _forgot(h, client_id)
    with refused(LimitExceededException, LIMIT):
        _forgot(h, client_id)
    h.clock.advance(HOUR)
    _forgot(h, client_id)


def test_unknown_users_meet_the_same_limit(harness: Harness) -> None:
    h = harness
    _, client_id = _recovery_user(h, PreventUserExistenceErrors="ENABLED")
    for _ in range(limits.HOURLY["ForgotPassword"]):
        _forgot(h, client_id, "ghost")
    with refused(LimitExceededException, LIMIT):
        _forgot(h, client_id, "ghost")
    _forgot(h, client_id, "another-ghost")
    for _ in range(limits.CODE_GUESSES):
        with pytest.raises(CodeMismatchException):
            _confirm(h, client_id, "123456", "ghost")
    with pytest.raises(TooManyFailedAttemptsException):
        _confirm(h, client_id, "123456", "ghost")


def test_confirm_forgot_password_hourly_limit(harness: Harness) -> None:
    h = harness
    _, client_id = _recovery_user(h)
    _forgot(h, client_id)
    outcomes = []
    for _ in range(limits.HOURLY["ConfirmForgotPassword"] + 1):
        try:
            _confirm(h, client_id, _wrong(_last_code(h)))
        except (CodeMismatchException, TooManyFailedAttemptsException, LimitExceededException) as error:
            outcomes.append(type(error).__name__)
    assert outcomes == (["CodeMismatchException"] * limits.CODE_GUESSES
                        + ["TooManyFailedAttemptsException"] * (limits.HOURLY["ConfirmForgotPassword"]
                                                                - limits.CODE_GUESSES)
                        + ["LimitExceededException"])


def test_a_failing_password_keeps_the_count_and_the_code(harness: Harness) -> None:
    h = harness
    _, client_id = _recovery_user(h)
    _forgot(h, client_id)
    code = _last_code(h)
    for _ in range(limits.HOURLY["ConfirmForgotPassword"] - 2):
        with pytest.raises(InvalidPasswordException):
            signup.confirm_forgot_password(h.rt, {"ClientId": client_id, "Username": "rita",
                                                  "ConfirmationCode": code, "Password": "short"})
    _confirm(h, client_id, code)  # the refused calls did not spend the code
    with refused(ExpiredCodeException, "Invalid code provided, please request a code again."):
        _confirm(h, client_id, code)  # single use
    with refused(LimitExceededException, LIMIT):  # every call above was counted
        _confirm(h, client_id, code)


def test_sign_up_codes(harness: Harness) -> None:
    h = harness
    pool_id = h.pool(AutoVerifiedAttributes=["email"])
    client_id = h.client(pool_id)["ClientId"]
    signup.sign_up(h.rt, {"ClientId": client_id, "Username": "sam", "Password": PASSWORD,
                          "UserAttributes": [{"Name": "email", "Value": "sam@example.com"}]})
    resend = {"ClientId": client_id, "Username": "sam"}
    for _ in range(limits.HOURLY["ResendConfirmationCode"]):
        signup.resend_confirmation_code(h.rt, resend)
    with refused(LimitExceededException, LIMIT):
        signup.resend_confirmation_code(h.rt, resend)
    confirm = {"ClientId": client_id, "Username": "sam", "ConfirmationCode": _wrong(_last_code(h))}
    seen = []
    for _ in range(limits.HOURLY["ConfirmSignUp"] + 1):
        try:
            signup.confirm_sign_up(h.rt, confirm)
        except (CodeMismatchException, TooManyFailedAttemptsException, LimitExceededException) as error:
            seen.append(type(error).__name__)
    assert seen[:limits.CODE_GUESSES] == ["CodeMismatchException"] * limits.CODE_GUESSES
    assert seen[-2:] == ["TooManyFailedAttemptsException", "LimitExceededException"]


def signed_in_user(h: Harness, username: str = "cara") -> tuple[str, dict[str, Any], str]:
    """A new pool and client, a user with an e-mail, and the user's access token."""
    pool_id = h.pool()
    client = h.client(pool_id)
    h.user(pool_id, username)
    users.admin_update_user_attributes(h.rt, {"UserPoolId": pool_id, "Username": username, "UserAttributes": [
        {"Name": "email", "Value": f"{username}@example.com"}]})
    access = h.sign_in(client, username)["AuthenticationResult"]["AccessToken"]
    return pool_id, client, access


def test_attribute_verification_codes(harness: Harness) -> None:
    h = harness
    _, _, access = signed_in_user(h)
    ask = {"AccessToken": access, "AttributeName": "email"}
    for _ in range(limits.HOURLY["GetUserAttributeVerificationCode"]):
        account.get_user_attribute_verification_code(h.auth, ask)
    with refused(LimitExceededException, LIMIT):
        account.get_user_attribute_verification_code(h.auth, ask)
    verify = {"AccessToken": access, "AttributeName": "email", "Code": _wrong(_last_code(h))}
    for _ in range(limits.CODE_GUESSES):
        with pytest.raises(CodeMismatchException):
            account.verify_user_attribute(h.auth, verify)
    # VerifyUserAttribute does not declare TooManyFailedAttemptsException.
    with refused(LimitExceededException, LIMIT):
        account.verify_user_attribute(h.auth, {**verify, "Code": _last_code(h)})


def test_change_password_policy_failures_do_not_lock_out(harness: Harness) -> None:
    h = harness
    _, client, access = signed_in_user(h)
    for _ in range(6):
        with pytest.raises(InvalidPasswordException):
            account.change_password(h.auth, {"AccessToken": access, "PreviousPassword": PASSWORD,
                                             "ProposedPassword": "short"})
    assert h.sign_in(client, "cara")["AuthenticationResult"]
    account.change_password(h.auth, {"AccessToken": access, "PreviousPassword": PASSWORD,
                                     "ProposedPassword": NEW_PASSWORD})
    assert h.sign_in(client, "cara", NEW_PASSWORD)["AuthenticationResult"]


def test_change_password_wrong_previous_passwords_lock_out(harness: Harness) -> None:
    h = harness
    _, client, access = signed_in_user(h)
    wrong = {"AccessToken": access, "PreviousPassword": "Wrong-Horse-1", "ProposedPassword": NEW_PASSWORD}
    for _ in range(5):
        with refused(NotAuthorizedException, "Incorrect username or password."):
            account.change_password(h.auth, wrong)
    with refused(NotAuthorizedException, "Password attempts exceeded"):
        h.sign_in(client, "cara")


def test_change_password_hourly_limit(harness: Harness) -> None:
    h = harness
    _, _, access = signed_in_user(h)
    old = PASSWORD
    for i in range(limits.HOURLY["ChangePassword"]):
        new = f"Changed-Horse-{i}"
        account.change_password(h.auth, {"AccessToken": access, "PreviousPassword": old, "ProposedPassword": new})
        old = new
    with refused(LimitExceededException, LIMIT):
        account.change_password(h.auth, {"AccessToken": access, "PreviousPassword": old,
                                         "ProposedPassword": NEW_PASSWORD})


class _HookedStore:
    """The store, with ``hook`` run once just before the next write transaction begins."""

    def __init__(self, store: Store, hook: Callable[[], None]) -> None:
        self._store, self._hook = store, hook
        self.fired = False

    def transaction(self) -> AbstractContextManager[Tx]:
        if not self.fired:
            self.fired = True
            self._hook()
        return self._store.transaction()

    def read(self) -> AbstractContextManager[Tx]:
        return self._store.read()

    def close(self) -> None:  # pragma: no cover - the harness closes the real store
        self._store.close()


@contextmanager
def _racing(h: Harness, hook: Callable[[], None]) -> Iterator[AuthRuntime]:
    hooked = _HookedStore(h.rt.store, hook)
    yield replace(h.auth, rt=replace(h.rt, store=hooked))
    assert hooked.fired


def test_change_password_does_not_undo_a_concurrent_disable(harness: Harness) -> None:
    h = harness
    pool_id, _, access = signed_in_user(h)

    def disable() -> None:
        users.admin_disable_user(h.rt, {"UserPoolId": pool_id, "Username": "cara"})

    with _racing(h, disable) as auth, refused(NotAuthorizedException, "User is disabled."):
        account.change_password(auth, {"AccessToken": access, "PreviousPassword": PASSWORD,
                                       "ProposedPassword": NEW_PASSWORD})
    with h.rt.store.read() as tx:
        user = tx.get_user(pool_id, "cara")
    assert user is not None and user.enabled is False


def test_counters_are_purged_once_their_hour_is_over(harness: Harness) -> None:
    h = harness
    _, client_id = _recovery_user(h, PreventUserExistenceErrors="ENABLED")
    _forgot(h, client_id, "ghost")
    _forgot(h, client_id)
    h.clock.advance(HOUR)
    with h.rt.store.transaction() as tx:
        assert limits.purge(tx, h.clock.now()) == 0  # a window that began exactly an hour ago is kept
    h.clock.advance(1)
    with h.rt.store.transaction() as tx:
        assert limits.purge(tx, h.clock.now()) == 2
