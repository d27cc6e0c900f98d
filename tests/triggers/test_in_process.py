"""The in-process runner's asynchronous invocation (custom senders)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from userpool.triggers.in_process import InProcessInvoker


def test_invoke_event_runs_in_the_background_and_only_logs_failures(caplog: pytest.LogCaptureFixture) -> None:
    """The custom senders' asynchronous invocation: the callable gets the event through JSON in a
    thread of its own; its failure is logged, never raised to the caller."""
    import threading

    got: list[dict[str, Any]] = []
    done = threading.Event()

    def sender(event: dict[str, Any], context: Any) -> None:
        got.append(event)
        done.set()
        raise RuntimeError("provider down")

    invoker = InProcessInvoker({"sender": sender})
    invoker.invoke_event("arn:aws:lambda:us-east-1:000000000000:function:sender", {"request": {"code": "x"}})
    assert done.wait(5)
    assert got == [{"request": {"code": "x"}}]
    invoker.invoke_event("arn:aws:lambda:us-east-1:000000000000:function:missing", {})  # logged, not raised



def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_asynchronous_invocations_wait_in_a_bounded_queue(monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    """A flood of codes to a slow in-process sender: a fixed number of threads run them, a
    bounded number wait, the rest are dropped and logged (never a thread per invocation)."""
    import threading

    from userpool.triggers import in_process

    monkeypatch.setattr(in_process, "EVENT_WORKERS", 1)
    monkeypatch.setattr(in_process, "EVENT_QUEUE", 1)
    release, started = threading.Event(), threading.Event()
    got: list[int] = []

    def sender(event: dict[str, Any], context: Any) -> None:
        started.set()
        release.wait(5)
        got.append(event["n"])

    invoker = InProcessInvoker({"sender": sender})
    arn = "arn:aws:lambda:us-east-1:000000000000:function:sender"
    threads_before = threading.active_count()
    invoker.invoke_event(arn, {"n": 1})  # taken by the one worker, which waits
    assert started.wait(5)
    invoker.invoke_event(arn, {"n": 2})  # waits in the queue
    invoker.invoke_event(arn, {"n": 3})  # dropped
    assert threading.active_count() == threads_before + 1
    assert "asynchronous invocations waiting (this one dropped)" in caplog.text
    release.set()
    _wait_for(lambda: len(got) == 2)
    time.sleep(0.05)
    assert got == [1, 2]
