"""The pytest plugin (entry point ``pytest11`` named ``userpool``: on as soon as userpool is
installed; ``-p no:userpool`` turns it off, ``-p userpool`` turns it on where plugins do not load
by themselves):

- ``userpool_server`` (session): a real ``userpool serve`` process (``UserpoolServer``), started
  the first time a test asks for it;
- ``cognito_idp``: a ``cognito-idp`` client pointed at it, with its admin credentials;
- ``userpool_messages``: the codes and messages the server sent during this test (``Messages``).

Settings: ``--userpool-args="--quotas off"`` on the command line, or ``userpool_args`` in the ini
file (relative paths in it, such as ``--seed seed.json``, are relative to the ini file's folder;
on the command line, to the current one); ``--userpool-region`` / ``userpool_region`` (default
us-east-1). Nothing starts unless a test uses a fixture. When a test that used the server fails,
its report shows what the server logged during the test.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from userpool.testing.messages import Messages
from userpool.testing.server import UserpoolServer

DEFAULT_REGION = "us-east-1"
_LOG_START = pytest.StashKey[int]()
_SHOWN_LINES = 200


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("userpool", "userpool server of the userpool_server / cognito_idp fixtures")
    group.addoption("--userpool-args", dest="userpool_args", default=None, metavar="FLAGS",
                    help="extra `userpool serve` flags (replace the ini file's userpool_args)")
    group.addoption("--userpool-region", dest="userpool_region", default=None, metavar="REGION",
                    help=f"the server's region (default {DEFAULT_REGION})")
    parser.addini("userpool_args", "extra `userpool serve` flags; paths relative to this file", type="args")
    parser.addini("userpool_region", f"the userpool server's region (default {DEFAULT_REGION})",
                  default=DEFAULT_REGION)


@pytest.fixture(scope="session")
def userpool_server(pytestconfig: pytest.Config) -> Iterator[UserpoolServer]:
    """A userpool server for the whole session (SQLite in a temporary directory)."""
    given = pytestconfig.getoption("userpool_args")
    if given is not None:
        import shlex

        args, cwd = shlex.split(given), pytestconfig.invocation_params.dir
    else:
        inipath = pytestconfig.inipath
        args, cwd = list(pytestconfig.getini("userpool_args")), inipath.parent if inipath else Path.cwd()
    region = pytestconfig.getoption("userpool_region") or str(pytestconfig.getini("userpool_region"))
    with UserpoolServer(args, region=region, cwd=cwd) as server:
        yield server


@pytest.fixture
def cognito_idp(userpool_server: UserpoolServer) -> Any:
    """A cognito-idp client of ``userpool_server`` (botocore, as ``boto3.client`` gives)."""
    userpool_server.check()
    return userpool_server.client()


@pytest.fixture
def userpool_messages(userpool_server: UserpoolServer) -> Messages:
    """What the server sends from now on (codes, invitations), for this test."""
    userpool_server.check()
    userpool_server.messages.clear()
    return userpool_server.messages


def _server_of(item: pytest.Item) -> UserpoolServer | None:
    server = getattr(item, "funcargs", {}).get("userpool_server")
    return server if isinstance(server, UserpoolServer) else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    server = _server_of(item)
    if server is not None:
        item.stash[_LOG_START] = server.log_size()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[
        None, pytest.TestReport, pytest.TestReport]:
    report = yield
    server = _server_of(item)
    if server is not None and report.failed and report.when == "call":
        lines = server.log(item.stash.get(_LOG_START, 0)).splitlines()[-_SHOWN_LINES:]
        if server.process is None or server.process.poll() is not None:
            lines.append("(the userpool server is no longer running)")
        report.sections.append(("userpool server log", "\n".join(lines)))
    return report
