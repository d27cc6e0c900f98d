"""The in-process runner's asynchronous invocation (custom senders)."""

from __future__ import annotations

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
