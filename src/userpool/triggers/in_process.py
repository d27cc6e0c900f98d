"""Triggers as Python callables in the server process, for development without any Lambda
service (``--lambda-function NAME=module:function``).

It behaves as a Lambda function with the Python runtime would: the callable gets
``(event, context)``, the event a fresh object decoded from its JSON, ``context`` Lambda's
context object (``function_name``, ``aws_request_id``, ``get_remaining_time_in_millis()``, ...).
Its answer crosses JSON the way the Python runtime sends it (``json.dumps``: an answer that is
not serialisable is the runtime's ``Unable to marshal response`` error; bytes are sent as they
are, as a custom runtime may). An exception is the function's error, ``str(exception)`` its
message. Each attempt runs in its own daemon thread and is abandoned after the timeout (a thread
cannot be stopped: a function that never returns keeps its thread, as a Lambda sandbox keeps
running until its own timeout); then the retry rule of ``invocation`` applies.
"""

from __future__ import annotations

import importlib
import json
import queue
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from userpool.model.errors import TriggerFunctionError, TriggerUnreachable
from userpool.triggers.invocation import (
    ASYNC_TIMEOUT,
    ATTEMPTS,
    TIMED_OUT,
    AttemptFailed,
    decode_answer,
    function_name,
    log,
    with_retries,
)

Handler = Callable[[Any, Any], Any]
#: Threads running asynchronous invocations (the custom senders), and how many may wait for one.
EVENT_WORKERS = 4
EVENT_QUEUE = 1000


@dataclass(frozen=True)
class LambdaContext:
    """The parts of Lambda's Python context object a trigger function may read."""

    function_name: str
    invoked_function_arn: str
    deadline: float  # time.monotonic() when the attempt is abandoned
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    memory_limit_in_mb: str = "128"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"userpool/in-process/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def load_function(spec: str) -> Handler:
    """The callable named ``module:function`` (``function`` may be a dotted path inside the
    module); ValueError saying what is wrong otherwise."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"{spec!r} does not name a callable as module:function")
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as error:  # ImportError, or whatever the module raised while importing
        raise ValueError(f"cannot import module {module_name!r} ({type(error).__name__}: {error})") from None
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ValueError(f"module {module_name!r} has no attribute {attribute!r}")
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f"{spec!r} is not callable")
    return target  # type: ignore[no-any-return]


def load_functions(specs: Mapping[str, str]) -> dict[str, Handler]:
    """Function name → callable for ``--lambda-function`` (ValueError naming the bad entry)."""
    functions: dict[str, Handler] = {}
    for name, spec in specs.items():
        try:
            functions[name] = load_function(spec)
        except ValueError as error:
            raise ValueError(f"--lambda-function {name}={spec}: {error}") from None
    return functions


class InProcessInvoker:
    """Implements ``TriggerInvoker`` for the function names it maps to callables."""

    def __init__(self, functions: Mapping[str, Handler], *, attempts: int = ATTEMPTS) -> None:
        self.functions = dict(functions)
        self.attempts = attempts
        self._events: queue.Queue[tuple[Handler, str, str, str]] | None = None
        self._events_lock = threading.Lock()

    def handles(self, function_arn: str) -> bool:
        return function_name(function_arn) in self.functions

    def invoke(self, function_arn: str, event: Mapping[str, Any], *, timeout: float) -> dict[str, Any]:
        name = function_name(function_arn)
        handler = self.functions.get(name)
        if handler is None:  # what Lambda answers for a function that does not exist
            raise TriggerUnreachable("ResourceNotFoundException")
        payload = json.dumps(event)
        return with_retries(
            function_arn, lambda: self._attempt(handler, name, function_arn, payload, timeout), self.attempts)

    def invoke_event(self, function_arn: str, event: Mapping[str, Any]) -> None:
        """An asynchronous invocation: the callable runs on one of ``EVENT_WORKERS`` background
        threads, in order of arrival; an error, no such function, or a full queue (more than
        ``EVENT_QUEUE`` invocations waiting) is logged (Lambda's Event invocations report nothing
        back). The workers are daemon threads: a function that never returns holds up neither
        the caller nor the server's shutdown, only the later invocations on its thread."""
        name = function_name(function_arn)
        handler = self.functions.get(name)
        if handler is None:
            log.warning("trigger %s: no function named %s (asynchronous invocation dropped)", function_arn, name)
            return
        try:
            self._event_queue().put_nowait((handler, name, function_arn, json.dumps(event)))
        except queue.Full:
            log.warning("trigger %s: %d asynchronous invocations waiting (this one dropped)", function_arn,
                        EVENT_QUEUE)

    def _event_queue(self) -> queue.Queue[tuple[Handler, str, str, str]]:
        with self._events_lock:
            if self._events is None:
                self._events = queue.Queue(EVENT_QUEUE)
                for number in range(EVENT_WORKERS):
                    threading.Thread(target=self._run_events, args=(self._events,), daemon=True,
                                     name=f"trigger-event-{number}").start()
            return self._events

    @staticmethod
    def _run_events(events: queue.Queue[tuple[Handler, str, str, str]]) -> None:
        while True:
            handler, name, function_arn, payload = events.get()
            context = LambdaContext(function_name=name, invoked_function_arn=function_arn,
                                    deadline=time.monotonic() + ASYNC_TIMEOUT)
            try:
                handler(json.loads(payload), context)
            except Exception:
                log.exception("trigger %s failed (asynchronous invocation)", function_arn)

    def _attempt(self, handler: Handler, name: str, function_arn: str, payload: str, timeout: float) -> dict[str, Any]:
        context = LambdaContext(function_name=name, invoked_function_arn=function_arn,
                                deadline=time.monotonic() + timeout)
        outcome: dict[str, Any] = {}
        finished = threading.Event()

        def run() -> None:
            try:
                outcome["answer"] = handler(json.loads(payload), context)
            except Exception as error:
                outcome["error"] = error
            finally:
                finished.set()

        threading.Thread(target=run, name=f"trigger-{name}", daemon=True).start()
        if not finished.wait(timeout):
            raise AttemptFailed(TIMED_OUT, f"{name} did not return within {timeout} s")
        if "error" in outcome:
            raise TriggerFunctionError(str(outcome["error"]))
        if "answer" not in outcome:  # SystemExit or the like ended the function
            raise TriggerFunctionError("Runtime exited without providing a reason")
        return decode_answer(_marshal(outcome["answer"]))


def _marshal(answer: Any) -> bytes:
    """The answer's payload, as Lambda's Python runtime writes it."""
    if isinstance(answer, bytes | bytearray):
        return bytes(answer)
    try:
        return json.dumps(answer).encode()
    except (TypeError, ValueError) as error:
        raise TriggerFunctionError(f"Unable to marshal response: {error}") from None
