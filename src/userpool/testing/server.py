"""``UserpoolServer``: a real ``userpool serve`` process for tests and scripts.

    with UserpoolServer() as server:
        idp = server.client()                 # boto3 cognito-idp, pointed at the server
        ...
        code = server.messages.last_code("alice", "SIGN_UP")

It runs ``python -m userpool serve`` (the command users run) on a free port of 127.0.0.1 with a
fresh data directory and SQLite database, admin credentials of its own (SigV4 is verified, as in a
safe deployment), and any extra ``args``; it waits until ``GET /health`` answers, and on exit
stops the process (SIGTERM, then SIGKILL) and deletes the directory. The server's output goes to
``<data dir>/server.log``, shown when it fails to start.
"""

from __future__ import annotations

import os
import shutil
import signal
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
SECRET_KEY = "userpool-testing-secret"


class UserpoolServer:
    """A server process; ``start()`` / ``stop()``, or use it as a context manager."""

    def __init__(self, args: Sequence[str] = (), *, region: str = "us-east-1", startup_timeout: float = 30.0,
                 data_dir: str | Path | None = None) -> None:
        self.args = list(args)
        self.region = region
        self.startup_timeout = startup_timeout
        self.access_key, self.secret_key = ACCESS_KEY, SECRET_KEY
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="userpool-"))
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.messages = Messages(self.data_dir / "outbox.jsonl")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> UserpoolServer:
        self.port = _free_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "userpool", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--db", f"sqlite:///{self.data_dir / 'userpool.db'}", "--data-dir", str(self.data_dir),
                   "--region", self.region, "--admin-credentials", f"{self.access_key}:{self.secret_key}",
                   *self.args]
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - the process holds it
        try:
            # our own command line (this interpreter, our flags); USERPOOL_* settings of the
            # caller's environment are left out so they cannot change the test server
            env = {k: v for k, v in os.environ.items() if not k.startswith("USERPOOL_")}
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)  # noqa: S603
        finally:
            log.close()
        self._wait_until_ready()
        return self

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def client(self, service: str = "cognito-idp") -> Any:
        """A boto3 client of the server (needs boto3: ``pip install 'userpool[aws]'``)."""
        try:
            import boto3
        except ImportError:
            raise RuntimeError("UserpoolServer.client needs boto3: pip install 'userpool[aws]'") from None
        return boto3.client(service, endpoint_url=self.url, region_name=self.region,
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key)

    def log(self) -> str:
        try:
            return (self.data_dir / "server.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def __enter__(self) -> UserpoolServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as answer:  # noqa: S310 - http we built
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        output = self.log()[-4000:]
        self.stop()
        raise RuntimeError(f"userpool serve did not start on {self.url}:\n{output}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
