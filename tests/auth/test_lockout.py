"""The lockout schedule in exact numbers (spec §9.1), with the clock under the test's control:
5 failures → 1 s, then doubling up to the 900 s cap; refusals during a lockout neither count nor
extend it; the counter resets after a successful sign-in and after 15 idle minutes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.auth.conftest import PASSWORD, Harness, refused
from userpool.auth import lockout
from userpool.model.errors import NotAuthorizedException

WRONG = "Incorrect username or password."
EXCEEDED = "Password attempts exceeded"
BAD = "Wrong-Password-1"
# Failure number → seconds locked afterwards, as the spec's worked numbers give them.
SCHEDULE = {5: 1, 6: 2, 7: 4, 8: 8, 9: 16, 10: 32, 11: 64, 12: 128, 13: 256, 14: 512, 15: 900}


@pytest.mark.parametrize(("failures", "seconds"), [
    (0, 0), (1, 0), (4, 0), *SCHEDULE.items(), (16, 900), (20, 900), (1000, 900),
])
def test_backoff_table(failures: int, seconds: float) -> None:
    assert lockout.backoff(failures) == seconds


@pytest.fixture
def signed(harness: Harness) -> dict[str, Any]:
    pool_id = harness.pool()
    client = harness.client(pool_id)
    harness.user(pool_id, "ada")
    return client


def wrong(harness: Harness, client: dict[str, Any], password: str = BAD) -> None:
    with refused(NotAuthorizedException, WRONG):
        harness.sign_in(client, "ada", password)


def exceeded(harness: Harness, client: dict[str, Any], password: str = BAD) -> None:
    with refused(NotAuthorizedException, EXCEEDED):
        harness.sign_in(client, "ada", password)


def test_the_schedule_up_to_the_cap_and_refusals_do_not_count(harness: Harness, signed: dict[str, Any]) -> None:
    for _ in range(4):
        wrong(harness, signed)  # failures 1–4 lock nothing
    for failures in range(5, 16):
        wrong(harness, signed)  # failure number `failures`
        lock = SCHEDULE[failures]
        exceeded(harness, signed, PASSWORD)  # the right password is refused too
        harness.clock.advance(lock - 0.001)
        exceeded(harness, signed)  # a refusal: neither counted nor extending the lockout
        harness.clock.advance(0.001)
    wrong(harness, signed)  # 900 s after the 15th failure the lockout is over


def test_a_successful_sign_in_resets_the_counter(harness: Harness, signed: dict[str, Any]) -> None:
    for _ in range(4):
        wrong(harness, signed)
    assert harness.sign_in(signed, "ada")["AuthenticationResult"]
    for _ in range(4):
        wrong(harness, signed)
    assert harness.sign_in(signed, "ada")["AuthenticationResult"]
    for _ in range(5):
        wrong(harness, signed)
    exceeded(harness, signed, PASSWORD)


def test_the_counter_resets_after_fifteen_idle_minutes(harness: Harness, signed: dict[str, Any]) -> None:
    for _ in range(5):
        wrong(harness, signed)
    harness.clock.advance(900)
    wrong(harness, signed)  # counted as the first failure again: no lockout
    assert harness.sign_in(signed, "ada")["AuthenticationResult"]


def test_fewer_than_fifteen_idle_minutes_keep_the_counter(harness: Harness, signed: dict[str, Any]) -> None:
    for _ in range(5):
        wrong(harness, signed)
    harness.clock.advance(899)
    wrong(harness, signed)  # the 6th failure: locked for 2 s
    exceeded(harness, signed, PASSWORD)
    harness.clock.advance(2)
    assert harness.sign_in(signed, "ada")["AuthenticationResult"]


def test_each_user_has_its_own_counter(harness: Harness, signed: dict[str, Any]) -> None:
    harness.user(str(signed["UserPoolId"]), "bea")
    for _ in range(5):
        wrong(harness, signed)
    assert harness.sign_in(signed, "bea")["AuthenticationResult"]
