"""Inline handlers and Lambda triggers (issue 12): on an embedded database handlers run on the
event loop, until a request invokes a trigger; from then on requests of the same app client
(or pool, or operation without either) run in a worker thread, so a slow function does not hold
up every other request of the worker."""

from __future__ import annotations

import threading
from typing import Any

from tests.wire.helpers import call, run
from tests.wire.test_app import make_app
from userpool.directory import triggers
from userpool.wire.registry import Request

LOOP_THREAD: list[int] = []


def dispatch(request: Request) -> dict[str, Any]:
    if request.body.get("ClientId") == "withtriggers" or request.operation == "GetUser":
        triggers.invoked.set(True)  # what directory.triggers.invoke does before invoking a function
    return {"Thread": threading.get_ident()}


def test_requests_that_invoked_a_trigger_move_off_the_event_loop() -> None:
    async def scenario() -> list[int]:
        app = make_app(dispatch=dispatch, inline=True)
        loop_thread = threading.get_ident()
        threads = []
        for client_id in ("plain", "withtriggers", "withtriggers", "plain"):
            body = {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id, "AuthParameters": {}}
            threads.append((await call(app, "InitiateAuth", body)).json()["Thread"])
        for _ in range(2):
            threads.append((await call(app, "GetUser", {"AccessToken": "x" * 20})).json()["Thread"])
        return [loop_thread, *threads]

    loop, plain, first, second, plain_again, get_user, get_user_again = run(scenario())
    assert plain == loop and first == loop  # inline until a trigger was seen
    assert second != loop  # the same client's next request runs in a thread
    assert plain_again == loop  # other clients stay inline
    assert get_user == loop and get_user_again != loop  # keyed by operation without client or pool
