"""The pytest plugin (entry point ``pytest11``; on as soon as userpool is installed):

- ``userpool_server`` (session): a real ``userpool serve`` process (``UserpoolServer``), started
  the first time a test asks for it;
- ``cognito_idp``: a boto3 ``cognito-idp`` client pointed at it;
- ``userpool_messages``: the codes and messages the server sent during this test (``Messages``).

Extra server flags: ``--userpool-args="--quotas off"`` on the command line, or ``userpool_args``
in the ini file. Nothing starts unless a test uses a fixture.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from typing import Any

import pytest

from userpool.testing.messages import Messages
from userpool.testing.server import UserpoolServer


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("userpool")
    group.addoption("--userpool-args", dest="userpool_args", default=None,
                    help="extra flags for the userpool server the fixtures start")
    parser.addini("userpool_args", "extra flags for the userpool server the fixtures start", default="")


@pytest.fixture(scope="session")
def userpool_server(pytestconfig: pytest.Config) -> Iterator[UserpoolServer]:
    """A userpool server for the whole session (SQLite in a temporary directory)."""
    flags = pytestconfig.getoption("userpool_args") or str(pytestconfig.getini("userpool_args") or "")
    with UserpoolServer(shlex.split(flags)) as server:
        yield server


@pytest.fixture
def cognito_idp(userpool_server: UserpoolServer) -> Any:
    """A boto3 cognito-idp client of ``userpool_server``."""
    return userpool_server.client()


@pytest.fixture
def userpool_messages(userpool_server: UserpoolServer) -> Messages:
    """What the server sends from now on (codes, invitations), for this test."""
    userpool_server.messages.clear()
    return userpool_server.messages
