"""Installing, locating, starting and stopping the servers under test, each on its own loopback port.

Every server runs in its own session (process group), so stopping it by PID also stops the
workers it forked (uvicorn's ``--workers``). ``Servers`` is a context manager that stops every
server it started, and drops the PostgreSQL databases it created, however the run ends.
"""

from __future__ import annotations

import compileall
import contextlib
import functools
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from bench import proc

BENCH_DIR = Path(__file__).resolve().parent
PEERS_DIR = BENCH_DIR / ".peers"
MOTO_VENV = PEERS_DIR / "moto"
NODE_DIR = PEERS_DIR / "node"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ADMIN_KEY, ADMIN_SECRET = "bench", "bench-secret-key"
HOST = "127.0.0.1"


class PeerUnavailable(Exception):
    """A peer could not be installed, located or started; the message says why."""


def pins() -> dict[str, dict[str, str]]:
    """The pinned peer versions from ``bench/peers.toml``."""
    with (BENCH_DIR / "peers.toml").open("rb") as f:
        return tomllib.load(f)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


# --- installation -------------------------------------------------------------------------


def _run(cmd: list[str], cwd: Path | None = None, timeout: float = 600) -> str:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise PeerUnavailable(f"`{' '.join(cmd)}` failed ({done.returncode}): " + " | ".join(tail))
    return done.stdout


def moto_version_installed() -> str | None:
    python = MOTO_VENV / "bin" / "python"
    if not python.exists():
        return None
    done = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('moto'))"],
        capture_output=True, text=True, check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def ensure_moto(install: bool) -> Path:
    """``moto_server`` of the pinned version, installed into its own venv if allowed."""
    pin = pins()["moto"]
    if moto_version_installed() != pin["version"]:
        if not install:
            raise PeerUnavailable(f"moto {pin['version']} not installed under {MOTO_VENV} (installing not allowed)")
        print(f"# installing {pin['package']}=={pin['version']} into {MOTO_VENV} ...", flush=True)
        shutil.rmtree(MOTO_VENV, ignore_errors=True)
        base = getattr(sys, "_base_executable", sys.executable)
        _run([base, "-m", "venv", str(MOTO_VENV)])
        _run([str(MOTO_VENV / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
              f"{pin['package']}=={pin['version']}"])
    server = MOTO_VENV / "bin" / "moto_server"
    if not server.exists():
        raise PeerUnavailable(f"{server} missing after installing moto")
    return server


def cognito_local_version_installed() -> str | None:
    manifest = NODE_DIR / "node_modules" / "cognito-local" / "package.json"
    try:
        return str(json.loads(manifest.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def ensure_cognito_local(install: bool) -> Path:
    """cognito-local's start script (run with ``node``), installed with npm if allowed."""
    pin = pins()["cognito-local"]
    if shutil.which("node") is None:
        raise PeerUnavailable("node is not on PATH")
    if cognito_local_version_installed() != pin["version"]:
        if not install:
            raise PeerUnavailable(f"cognito-local {pin['version']} not installed under {NODE_DIR} "
                                  "(installing not allowed)")
        npm = shutil.which("npm")
        if npm is None:
            raise PeerUnavailable("npm is not on PATH")
        print(f"# installing {pin['package']}@{pin['version']} into {NODE_DIR} ...", flush=True)
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        package_json = NODE_DIR / "package.json"
        if not package_json.exists():
            package_json.write_text('{"name": "userpool-bench-peers", "private": true}\n')
        _run([npm, "install", "--no-audit", "--no-fund", "--save-exact", f"{pin['package']}@{pin['version']}"],
             cwd=NODE_DIR)
    start = NODE_DIR / "node_modules" / "cognito-local" / "lib" / "bin" / "start.js"
    if not start.exists():
        raise PeerUnavailable(f"{start} missing after installing cognito-local")
    return start


# --- running ------------------------------------------------------------------------------


@dataclass
class Server:
    """One running server under test."""

    name: str  # "userpool-sqlite", "userpool-postgres", "moto", "cognito-local"
    kind: str  # "userpool", "moto", "cognito-local"
    version: str
    port: int
    process: subprocess.Popen[bytes]
    workdir: Path
    log_path: Path
    startup_s: float = 0.0
    db_url: str = ""  # userpool only: the database it serves

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_ms(self) -> float:
        """CPU ms used so far by the server's whole process tree (parent + workers)."""
        return proc.tree_cpu_ms(self.pid)

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def stop_process(process: subprocess.Popen[bytes], grace: float = 8.0) -> None:
    """SIGTERM the process group led by ``process`` (its own session), then SIGKILL if needed."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=grace)
    # Workers left behind in the group (the leader exited first) get the same treatment.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@functools.cache
def compile_userpool() -> None:
    """Writes userpool's bytecode, as pip does when it installs a package. A checkout installed
    in editable mode gets it on first import, unless ``PYTHONDONTWRITEBYTECODE`` is set (as on
    some CI machines): then every worker would compile every module at every start, about
    0.1 s of the startup this bench reports, which no installed server pays."""
    import userpool

    compileall.compile_dir(str(Path(userpool.__file__).parent), quiet=1)


def _answers(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", path)
        conn.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        conn.close()


class Servers:
    """Starts servers and remembers them; ``__exit__`` stops them all and drops created databases."""

    def __init__(self, install: bool = True) -> None:
        self.install = install
        self.running: list[Server] = []
        self._databases: list[str] = []
        self._tempdirs: list[Path] = []

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop_all()

    def stop_all(self) -> None:
        while self.running:
            server = self.running.pop()
            stop_process(server.process)
        while self._databases:
            drop_database(self._databases.pop())
        while self._tempdirs:
            shutil.rmtree(self._tempdirs.pop(), ignore_errors=True)

    def stop(self, server: Server) -> None:
        stop_process(server.process)
        if server in self.running:
            self.running.remove(server)

    def _tempdir(self, prefix: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix=f"userpool-bench-{prefix}-"))
        self._tempdirs.append(path)
        return path

    def _spawn(
        self, name: str, kind: str, version: str, cmd: list[str], workdir: Path, port: int, health: str,
        env: dict[str, str] | None = None, timeout: float = 90.0,
    ) -> Server:
        log_path = workdir / f"{name}.log"
        with log_path.open("wb") as log:
            started = time.perf_counter()
            process = subprocess.Popen(
                cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})}, start_new_session=True,
            )
        server = Server(name, kind, version, port, process, workdir, log_path)
        self.running.append(server)
        # Poll tightly: the reported startup is spawn → first answered HTTP request.
        deadline = started + timeout
        while not _answers(port, health):
            if process.poll() is not None:
                raise PeerUnavailable(f"{name} exited with {process.returncode} before answering:\n"
                                      + server.log_tail())
            if time.perf_counter() > deadline:
                raise PeerUnavailable(f"{name} did not answer within {timeout:.0f} s:\n" + server.log_tail())
            time.sleep(0.002)
        server.startup_s = time.perf_counter() - started
        return server

    def start_userpool(self, name: str, *, workers: int = 2, db_url: str | None = None,
                       extra: tuple[str, ...] = ()) -> Server:
        compile_userpool()
        workdir = self._tempdir(name)
        port = free_port()
        script = Path(sys.executable).with_name("userpool")
        base = [str(script)] if script.exists() else [sys.executable, "-m", "userpool.cli"]
        cmd = [*base, "serve", "--host", HOST, "--port", str(port), "--data-dir", str(workdir / "data"),
               "--workers", str(workers), "--admin-credentials", f"{ADMIN_KEY}:{ADMIN_SECRET}",
               "--log-level", "warning"]
        if db_url:
            cmd += ["--db", db_url]
        # the custom workload's triggers run in process (bench/custom.py): the server imports them
        # from this checkout, whatever its working directory
        from bench.custom import server_flags

        cmd += [*server_flags(), *extra]
        checkout = str(Path(__file__).resolve().parents[1])
        pythonpath = os.pathsep.join(p for p in (checkout, os.environ.get("PYTHONPATH", "")) if p)
        # The quota check stays in the measured path, but no workload may be throttled: the bench
        # drives one pool far above Cognito's default per-pool rates (docs/decisions.md).
        from userpool.wire.quotas import DEFAULT_RATES

        for category in DEFAULT_RATES:
            cmd += ["--quota", f"{category}=1000000"]
        from importlib.metadata import version

        server = self._spawn(name, "userpool", version("userpool"), cmd, workdir, port, "/health",
                             env={"PYTHONPATH": pythonpath})
        server.db_url = db_url or f"sqlite:///{workdir / 'data' / 'userpool.db'}"
        return server

    def start_userpool_postgres(self, workers: int = 2) -> Server:
        url = create_database()
        self._databases.append(url)
        return self.start_userpool("userpool-postgres", workers=workers, db_url=url)

    def start_moto(self) -> Server:
        server_bin = ensure_moto(self.install)
        workdir = self._tempdir("moto")
        port = free_port()
        cmd = [str(server_bin), "-H", HOST, "-p", str(port)]
        return self._spawn("moto", "moto", pins()["moto"]["version"], cmd, workdir, port, "/")

    def start_cognito_local(self) -> Server:
        start_js = ensure_cognito_local(self.install)
        workdir = self._tempdir("cognito-local")  # it keeps its data in ./.cognito
        # Its pools default to UsernameAttributes ["email"] (UserPoolDefaults in its README); Cognito's
        # default is none, so plain usernames work. Only this default is changed.
        (workdir / ".cognito").mkdir()
        (workdir / ".cognito" / "config.json").write_text('{"UserPoolDefaults": {"UsernameAttributes": []}}\n')
        port = free_port()
        node = shutil.which("node") or "node"
        return self._spawn("cognito-local", "cognito-local", pins()["cognito-local"]["version"],
                           [node, str(start_js)], workdir, port, "/", env={"PORT": str(port), "HOST": HOST})

    def starter(self, name: str) -> Callable[[], Server]:
        return {
            "userpool-sqlite": lambda: self.start_userpool("userpool-sqlite"),
            "userpool-postgres": self.start_userpool_postgres,
            "moto": self.start_moto,
            "cognito-local": self.start_cognito_local,
        }[name]


# --- PostgreSQL ---------------------------------------------------------------------------


def postgres_reachable() -> str | None:
    """``None`` if PostgreSQL answers at 127.0.0.1:5432 as ``postgres``, else the reason."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}".strip()
    return None


def create_database() -> str:
    import psycopg
    from psycopg import sql

    name = f"userpool_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    except Exception as exc:
        print(f"# warning: could not drop database {name}: {exc}", file=sys.stderr)
