"""``userpool serve``, ``userpool outbox``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from userpool.settings import Settings, from_environment


def _serve_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--db", help="database URL: sqlite:////path/file.db or postgresql://user@host/db")
    serve.add_argument("--data-dir", dest="data_dir")
    serve.add_argument("--region")
    serve.add_argument("--issuer", choices=["url", "aws"])
    serve.add_argument("--public-url", dest="public_url")
    serve.add_argument("--workers", type=int)
    serve.add_argument("--admin-credentials", dest="admin_credentials", action="append",
                       help="ACCESS_KEY:SECRET allowed to call the signed admin API (repeatable)")
    serve.add_argument("--log-level", dest="log_level")


def settings_from(args: argparse.Namespace) -> Settings:
    values = from_environment(os.environ)
    for name in Settings.__dataclass_fields__:
        given = getattr(args, name, None)
        if given is not None:
            values[name] = tuple(given) if name == "admin_credentials" else given
    return replace(Settings(), **values)  # type: ignore[arg-type]


def serve(settings: Settings) -> int:
    import uvicorn

    # Each worker opens the store and migrates under a database lock (safe when they race), so the
    # parent imports nothing heavy and workers start at once.
    os.umask(0o077)  # data dir 0700; key, database, its -wal/-shm (made lazily by SQLite), outbox 0600
    os.makedirs(settings.data_dir, exist_ok=True)
    credentials = settings.credentials()
    where = settings.database_url if settings.db else os.path.abspath(settings.data_dir)
    print(f"userpool listening on http://{settings.host}:{settings.port} ({settings.workers} worker(s))")
    print(f"data: {where}; dev outbox: {settings.outbox_path}")
    if credentials is None:
        print("WARNING: no --admin-credentials configured: the admin API accepts any well-formed "
              "SigV4 signature without checking it.")
    print("NOTE: codes and invitations go to the development outbox (`userpool outbox`), not to users.")
    sys.stdout.flush()
    os.environ["USERPOOL_SETTINGS_JSON"] = settings.to_json()
    uvicorn.run(
        "userpool.cli:worker_app", factory=True, host=settings.host, port=settings.port,
        workers=settings.workers if settings.workers > 1 else None, log_level=settings.log_level,
        access_log=False, server_header=False, date_header=True,
    )
    return 0


def worker_app() -> Any:
    """uvicorn's factory in each worker process: the app of ``bootstrap.app_from_env``.

    A worker's start is mostly imports, which allocate hundreds of thousands of objects that
    live as long as the process; the cyclic collector would scan them again and again (about 5 %
    of the start). It is paused while they are made, then everything made so far is frozen out
    of future collections (``gc.freeze``), which spares every later collection those objects.
    """
    import gc

    gc.disable()
    try:
        from userpool.bootstrap import app_from_env

        app = app_from_env()  # type: ignore[no-untyped-call]
    finally:
        gc.enable()
    gc.freeze()
    return app


def outbox(args: argparse.Namespace) -> int:
    from userpool.delivery.outbox import read_outbox

    settings = settings_from(args)
    messages = list(read_outbox(settings.outbox_path))[-args.limit:]
    for message in messages:
        if args.json:
            print(json.dumps(message))
        else:
            print(f"{message['pool_id']}  {message['username']}  {message['purpose']}  "
                  f"{message['medium']} {message['destination']}  code={message.get('code')}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="userpool", description="A Cognito-compatible user-pool server.")
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    box = sub.add_parser("outbox", help="list recent codes and invitations (development delivery)")
    box.add_argument("--data-dir", dest="data_dir")
    box.add_argument("--limit", type=int, default=20)
    box.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(settings_from(args))
    return outbox(args)


if __name__ == "__main__":
    raise SystemExit(main())
