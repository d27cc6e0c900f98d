"""Token-bucket arithmetic (GCRA form) of ``userpool.model.rate_bucket``, with a fake clock."""

from __future__ import annotations

import pytest

from userpool.model.rate_bucket import Quota, admit, is_full, parse_quota


def run(quota: Quota, times: list[float]) -> list[bool]:
    """Admit one request at each time; the bucket starts absent (full)."""
    tat = 0.0
    verdicts = []
    for now in times:
        new = admit(tat, now, quota)
        verdicts.append(new is not None)
        if new is not None:
            tat = new
    return verdicts


def test_a_full_bucket_admits_exactly_burst_requests_at_once() -> None:
    assert run(Quota(rate=2, burst=2), [100.0] * 3) == [True, True, False]
    assert run(Quota(rate=10, burst=25), [100.0] * 26) == [True] * 25 + [False]


def test_one_token_returns_every_interval() -> None:
    quota = Quota(rate=2, burst=2)
    # two at once, the third refused; half a second later one more, then refused again
    assert run(quota, [10.0, 10.0, 10.0, 10.5, 10.5]) == [True, True, False, True, False]


def test_a_steady_stream_at_the_rate_is_never_refused() -> None:
    quota = Quota(rate=100, burst=1)
    assert all(run(quota, [50.0 + i / 100 for i in range(1000)]))


def test_a_stream_faster_than_the_rate_is_held_to_the_rate() -> None:
    quota = Quota(rate=10, burst=5)
    times = [200.0 + i / 100 for i in range(1000)]  # 100 per second for 10 s
    admitted = sum(run(quota, times))
    assert 10 * 10 <= admitted <= 10 * 10 + 5 + 1


def test_refused_requests_do_not_consume_tokens() -> None:
    quota = Quota(rate=1, burst=1)
    assert run(quota, [0.0, 0.1, 0.2, 0.3, 1.0]) == [True, False, False, False, True]


def test_a_refilled_bucket_is_full_and_equals_an_absent_one() -> None:
    quota = Quota(rate=4, burst=4)
    tat = 0.0
    for _ in range(4):
        new = admit(tat, 10.0, quota)
        assert new is not None
        tat = new
    assert not is_full(tat, 10.0)
    assert not is_full(tat, 10.99)
    assert is_full(tat, 11.0)
    # a reused (absent) slot and the refilled one answer the same from then on
    assert admit(tat, 11.0, quota) == admit(0.0, 11.0, quota)


def test_a_clock_that_jumps_backwards_does_not_block_a_bucket_forever() -> None:
    quota = Quota(rate=1, burst=3)
    far_future = 1_000_000.0
    assert admit(far_future, 5.0, quota) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2", Quota(2, 2)), ("120/600", Quota(120, 600)), ("0.5/3", Quota(0.5, 3)), (" 7 / 9 ", Quota(7, 9))],
)
def test_parse_quota(text: str, expected: Quota) -> None:
    assert parse_quota(text) == expected


@pytest.mark.parametrize("text", ["", "x", "0", "-1", "5/0", "5/0.5", "1/2/3", "nan", "inf", "1e400"])
def test_parse_quota_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quota(text)
