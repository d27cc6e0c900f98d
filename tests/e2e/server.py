"""A real userpool server process for end-to-end tests, and clients pointed at it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config

ACCESS_KEY = "AKIDUSERPOOLTEST"
SECRET_KEY = "userpool-test-secret-key"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    extra_args: tuple[str, ...] = field(default_factory=tuple)

    def client(self, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY) -> Any:
        return boto3.client(
            "cognito-idp", endpoint_url=self.url, region_name=REGION, aws_access_key_id=access_key,
            aws_secret_access_key=secret_key, config=Config(retries={"max_attempts": 1}),
        )

    def outbox(self) -> list[dict[str, Any]]:
        """Every message still kept, oldest first (the current outbox file and the rotated one)."""
        from userpool.delivery.outbox import read_outbox

        return list(read_outbox(str(self.data_dir / "outbox.jsonl")))

    def last_code(self, username: str, purpose: str | None = None) -> str:
        for message in reversed(self.outbox()):
            if message["username"] == username and (purpose is None or message["purpose"] == purpose):
                return str(message["code"])
        raise AssertionError(f"no message for {username} in the outbox")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_server(data_dir: Path, *args: str, db: str | None = None, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "server.log"
    command = [sys.executable, "-m", "userpool.cli", "serve", "--port", str(port), "--data-dir", str(data_dir),
               "--log-level", "warning", *args]
    if db:
        command += ["--db", db]
    full_env = {**os.environ, **(env or {})}
    full_env.pop("USERPOOL_SETTINGS_FILE", None)
    log = open(log_path, "wb")  # noqa: SIM115 - owned by the process
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=full_env)
    server = Server(f"http://127.0.0.1:{port}", data_dir, process, log_path, tuple(args))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        try:
            if httpx.get(server.url + "/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"server did not start:\n{server.log()}")


def running(data_dir: Path, *args: str, db: str | None = None) -> Iterator[Server]:
    server = start_server(data_dir, *args, db=db)
    try:
        yield server
    finally:
        server.stop()
