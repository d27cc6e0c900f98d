"""``UserpoolServer``: a real ``userpool serve`` process for tests and scripts.

    with UserpoolServer() as server:
        idp = server.client()                 # a cognito-idp client (botocore), pointed at the server
        ...
        code = server.messages.last_code("alice", "SIGN_UP")

It runs ``python -m userpool serve`` — the command users run, from the same userpool this process
imported — on a free port of 127.0.0.1, with a fresh data directory and SQLite database (removed
on exit), admin credentials of its own (a random secret: SigV4 is verified, as in a safe
deployment) and any extra ``args``. It is ready once ``GET /health`` answers and a call signed with
its credentials is accepted (so a port another server took meanwhile is noticed: the start is
retried on a new port). ``stop()`` sends SIGTERM, then SIGKILL. The server's output goes to
``<data dir>/server.log``, shown when it fails.

The ``USERPOOL_*`` variables of the caller's environment are not passed on (they could change the
test server); the credentials travel in ``USERPOOL_ADMIN_CREDENTIALS``, not on the command line,
where every local user could read them.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import site
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from userpool.testing.messages import Messages

ACCESS_KEY = "userpool-testing"
#: Flags the server object sets itself (their values are its attributes); argparse would also
#: take any unambiguous prefix of them.
RESERVED_FLAGS = ("--host", "--port", "--data-dir", "--region", "--admin-credentials")
_PORT_ATTEMPTS = 5
_PORT_TAKEN = "address already in use"
#: Where ``userpool`` was imported from: the server process imports the same code.
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class UserpoolServer:
    """A server process; ``start()`` / ``stop()``, or use it as a context manager.

    ``args``: more ``userpool serve`` flags (``--db postgresql://...`` runs it on PostgreSQL; the
    flags in ``RESERVED_FLAGS`` are refused: use ``region=`` and ``data_dir=``). ``cwd``: the
    server's working directory, against which relative paths in ``args`` (``--seed``) resolve and
    from which ``--lambda-function`` modules import. ``data_dir``: kept on exit when given.
    """

    def __init__(self, args: Sequence[str] = (), *, region: str = "us-east-1", cwd: str | Path | None = None,
                 data_dir: str | Path | None = None, startup_timeout: float = 30.0) -> None:
        self.args = [str(arg) for arg in args]
        _refuse_reserved(self.args)
        self.region = region
        self.cwd = Path(cwd) if cwd is not None else None
        self.startup_timeout = startup_timeout
        self.access_key, self.secret_key = ACCESS_KEY, secrets.token_urlsafe(24)
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="userpool-"))
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.messages = Messages(self.data_dir / "outbox.jsonl")
        self._session: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    def start(self) -> UserpoolServer:
        """Starts the server and waits until it is ready; RuntimeError (with its output) when it
        does not start."""
        if self.process is not None:
            raise RuntimeError(f"this UserpoolServer is running already, on {self.url}")
        try:
            for _ in range(_PORT_ATTEMPTS):
                self.port = _free_port()
                if self._launch():
                    return self
            raise RuntimeError(f"userpool serve found no free port in {_PORT_ATTEMPTS} attempts")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stops the process (SIGTERM, then SIGKILL after 10 s) and removes its own data directory."""
        self._terminate()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def check(self) -> None:
        """RuntimeError, with the end of its output, unless the server is running."""
        if self.process is None or self.process.poll() is not None:
            code = None if self.process is None else self.process.returncode
            raise RuntimeError(f"userpool serve is not running (exit code {code}):\n{self.log()[-4000:]}")

    def client(self, **options: Any) -> Any:
        """A ``cognito-idp`` client of the server with its admin credentials: a botocore client,
        what ``boto3.client("cognito-idp")`` returns (botocore comes with userpool). It ignores the
        machine's AWS profiles and config files. ``options``: more ``create_client`` arguments,
        such as ``config=botocore.config.Config(...)``."""
        if self._session is None:
            import botocore.session

            # no AWS_PROFILE / ~/.aws: the test client is the same on every machine
            session = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
            session.set_config_variable("config_file", os.devnull)
            session.set_config_variable("credentials_file", os.devnull)
            self._session = session
        settings: dict[str, Any] = {"region_name": self.region, "endpoint_url": self.url,
                                    "aws_access_key_id": self.access_key, "aws_secret_access_key": self.secret_key}
        return self._session.create_client("cognito-idp", **{**settings, **options})

    def log(self, since: int = 0) -> str:
        """The server's output (from byte ``since``, a ``log_size()`` taken earlier)."""
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(since)
                return handle.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def __enter__(self) -> UserpoolServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def _launch(self) -> bool:
        """Starts the process on ``self.port``; True once ready, False when the port was taken."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "userpool", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--db", f"sqlite:///{self.data_dir / 'userpool.db'}", "--data-dir", str(self.data_dir),
                   "--region", self.region, *self.args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("USERPOOL_")}
        env["USERPOOL_ADMIN_CREDENTIALS"] = f"{self.access_key}:{self.secret_key}"
        env["PYTHONPATH"] = _python_path(env.get("PYTHONPATH", ""))
        start = self.log_size()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,  # noqa: S603
                                            cwd=self.cwd)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.log(start)
                if _PORT_TAKEN in output:
                    return False
                raise RuntimeError(f"userpool serve exited with code {self.process.returncode}:\n{output[-4000:]}")
            if self._answers():
                return True
            time.sleep(0.05)
        output = self.log(start)
        self._terminate()
        raise RuntimeError(f"userpool serve did not start on {self.url} in {self.startup_timeout} s:\n{output[-4000:]}")

    def _answers(self) -> bool:
        """Whether this server answers: ``GET /health`` and a call signed with its secret (another
        server that took the port refuses the signature, or accepts any: then our process, which
        failed to bind, has exited before the next look)."""
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=2) as answer:  # noqa: S310 - our URL
                if answer.status != 200:
                    return False
        except (urllib.error.URLError, OSError):
            return False
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        probe = self.client(config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 0}))
        try:
            probe.list_user_pools(MaxResults=1)
        except (BotoCoreError, ClientError):
            return False
        return self.process is not None and self.process.poll() is None

    def _terminate(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _refuse_reserved(args: Sequence[str]) -> None:
    for arg in args:
        name = arg.partition("=")[0]
        if name.startswith("--") and len(name) > 2:
            taken = [flag for flag in RESERVED_FLAGS if flag.startswith(name)]
            if taken:
                raise ValueError(f"UserpoolServer sets {taken[0]} itself (got {arg!r}); "
                                 "use region= or data_dir=, and server.url / server.client() for the rest")


def _python_path(current: str) -> str:
    """The server's PYTHONPATH: where this userpool came from first (unless it is an ordinary
    site directory), then the caller's entries, made absolute (the server may run elsewhere)."""
    entries = [os.path.abspath(entry) for entry in current.split(os.pathsep) if entry]
    sites = {os.path.realpath(path) for path in [*site.getsitepackages(), site.getusersitepackages()]}
    if os.path.realpath(_PACKAGE_ROOT) not in sites:
        entries.insert(0, str(_PACKAGE_ROOT))
    return os.pathsep.join(entries)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
