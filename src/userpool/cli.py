"""``userpool serve``, ``userpool outbox``."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from userpool.settings import (
    DEFAULT_FROM,
    EMAIL_DELIVERY,
    ENV_PREFIX,
    SMS_DELIVERY,
    SMTP_SECURITY,
    Settings,
    from_environment,
    is_loopback,
    split_list,
)

SETTINGS_FILE_ENV = "USERPOOL_SETTINGS_FILE"
_LIST_FLAGS = ("admin_credentials", "cors_origins", "cors_admin_origins", "trusted_proxies", "quota", "lambda_function")


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
    serve.add_argument("--seed", metavar="FILE",
                       help="create the pools, app clients, groups and users a JSON / YAML seed file lists (those "
                            "missing only; all or nothing) before serving")
    serve.add_argument("--progress", choices=["auto", "on", "off"],
                       help="progress of --seed on stderr: auto (default) when stderr is a terminal, on, off")
    serve.add_argument("--log-format", dest="log_format", choices=["text", "json"],
                       help="one line per request and per event: text (default) or json (README: Operating)")
    serve.add_argument("--metrics", choices=["on", "off"],
                       help="serve Prometheus metrics, unauthenticated, on GET /metrics (default on)")
    serve.add_argument("--insecure-accept-any-signature", dest="insecure_accept_any_signature",
                       action="store_true", default=None,
                       help="without --admin-credentials, accept any SigV4 signature even off loopback (unsafe)")
    serve.add_argument("--cors-origins", dest="cors_origins", action="append",
                       help="browser origins allowed to call the public operations, comma-separated (default *)")
    serve.add_argument("--cors-admin-origins", dest="cors_admin_origins", action="append",
                       help="browser origins also allowed to make signed admin calls (default none)")
    serve.add_argument("--trusted-proxies", dest="trusted_proxies", action="append",
                       help="addresses/CIDRs of reverse proxies whose X-Forwarded-Host/-Proto are trusted")
    serve.add_argument("--quotas", choices=["on", "off"],
                       help="request-rate quotas per user pool and operation category (default on)")
    serve.add_argument("--quota", action="append", metavar="CATEGORY=RATE[/BURST]",
                       help="override one category's quota, e.g. UserAuthentication=200/1000 (repeatable)")
    serve.add_argument("--lambda-endpoint", dest="lambda_endpoint", metavar="URL",
                       help="Lambda Invoke API endpoint for trigger functions (Lambda RIE, SAM local, LocalStack); "
                            "default AWS Lambda in the function ARN's region")
    serve.add_argument("--kms-endpoint", dest="kms_endpoint", metavar="URL",
                       help="KMS endpoint (a KMS-compatible server) that encrypts the codes handed to custom sender "
                            "triggers; default AWS KMS in the key's region")
    serve.add_argument("--lambda-function", dest="lambda_function", action="append", metavar="NAME=module:function",
                       help="run the trigger function NAME (an ARN's function name) as this Python callable in "
                            "the server process, for development (repeatable)")
    _delivery_flags(serve.add_argument_group(
        "message delivery", "where codes and invitations go (README: Delivering messages); every flag also "
        "reads USERPOOL_<NAME>, e.g. USERPOOL_SMTP_PASSWORD, USERPOOL_WEBHOOK_SECRET"))


def _delivery_flags(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--email-delivery", dest="email_delivery", choices=list(EMAIL_DELIVERY),
                       help="how e-mail goes out (default outbox: the development outbox, `userpool outbox`)")
    group.add_argument("--sms-delivery", dest="sms_delivery", choices=list(SMS_DELIVERY),
                       help="how SMS go out (default outbox)")
    group.add_argument("--smtp-host", dest="smtp_host", help="SMTP relay host (with --email-delivery smtp)")
    group.add_argument("--smtp-port", dest="smtp_port", type=int,
                       help="SMTP port (default 587 for starttls, 465 for tls, 25 for none)")
    group.add_argument("--smtp-security", dest="smtp_security", choices=list(SMTP_SECURITY),
                       help="starttls (default), tls (implicit TLS) or none (plain; login refused off loopback)")
    group.add_argument("--smtp-user", dest="smtp_user", help="SMTP login name")
    group.add_argument("--smtp-password-file", dest="smtp_password_file", metavar="PATH",
                       help="file holding the SMTP password (or USERPOOL_SMTP_PASSWORD)")
    group.add_argument("--smtp-from", dest="smtp_from", metavar="ADDRESS",
                       help=f"sender when a pool's EmailConfiguration has no From (default {DEFAULT_FROM})")
    group.add_argument("--smtp-timeout", dest="smtp_timeout", type=float, metavar="SECONDS",
                       help="SMTP connection and command timeout (default 10)")
    group.add_argument("--webhook-url", dest="webhook_url", metavar="URL",
                       help="endpoint receiving signed JSON messages (with --sms-delivery/--email-delivery webhook)")
    group.add_argument("--webhook-secret-file", dest="webhook_secret_file", metavar="PATH",
                       help="file holding the HMAC key of X-Userpool-Signature (or USERPOOL_WEBHOOK_SECRET)")
    group.add_argument("--webhook-timeout", dest="webhook_timeout", type=float, metavar="SECONDS",
                       help="timeout of one webhook attempt (default 3)")
    group.add_argument("--webhook-max-time", dest="webhook_max_time", type=float, metavar="SECONDS",
                       help="retry connection errors, 5xx and 429 with back-off for at most this long (default 5)")
    group.add_argument("--ses-region", dest="ses_region", help="AWS region of SES (default: boto3's configuration)")
    group.add_argument("--ses-endpoint-url", dest="ses_endpoint_url", metavar="URL", help="SES endpoint override")
    group.add_argument("--ses-configuration-set", dest="ses_configuration_set", metavar="NAME",
                       help="SES configuration set for every e-mail")
    group.add_argument("--sns-region", dest="sns_region", help="AWS region of SNS (default: boto3's configuration)")
    group.add_argument("--sns-endpoint-url", dest="sns_endpoint_url", metavar="URL", help="SNS endpoint override")
    group.add_argument("--sns-sender-id", dest="sns_sender_id", metavar="ID", help="SMS sender ID, where supported")


def settings_from(args: argparse.Namespace) -> Settings:
    values = from_environment(os.environ)
    for name in Settings.__dataclass_fields__:
        given = getattr(args, name, None)
        if given is not None:
            if name == "admin_credentials":
                values[name] = tuple(given)
            elif name in _LIST_FLAGS:
                values[name] = tuple(part for item in given for part in split_list(item))
            else:
                values[name] = given
    return replace(Settings(), **values)  # type: ignore[arg-type]


def serve(settings: Settings) -> int:
    import uvicorn

    refusal = settings.admin_api_refusal()
    if refusal is not None:
        print(f"userpool: {refusal}", file=sys.stderr)
        return 2
    try:
        settings.check_trusted_proxies()
        credentials = settings.credentials()
        _check_quotas(settings)
        log_config = _log_config(settings)
        settings = settings.read_secret_files()
        triggers = _check_triggers(settings)
    except (ValueError, OSError, RuntimeError) as err:
        print(f"userpool: {err}", file=sys.stderr)
        return 2
    refusal = settings.delivery_refusal()
    if refusal is not None:
        print(f"userpool: {refusal}", file=sys.stderr)
        return 2
    # Each worker opens the store and migrates under a database lock (safe when they race), so the
    # parent imports nothing heavy and workers start at once (unless it applies a seed file first).
    os.umask(0o077)  # data dir 0700; key, database, its -wal/-shm (made lazily by SQLite), outbox 0600
    os.makedirs(settings.data_dir, exist_ok=True)
    if settings.seed:
        try:
            for line in _apply_seed(settings):
                print(line)
        except (ValueError, OSError) as err:
            print(f"userpool: seed: {err}", file=sys.stderr)
            return 2
    where = settings.database_url if settings.db else os.path.abspath(settings.data_dir)
    print(f"userpool listening on http://{settings.host}:{settings.port} ({settings.workers} worker(s))")
    print(f"data: {where}; dev outbox: {settings.outbox_path}")
    if credentials is None and not is_loopback(settings.host):  # only with the insecure override
        print(f"WARNING: INSECURE: --insecure-accept-any-signature: the admin API on {settings.host} accepts "
              "any well-formed SigV4 signature from the network without checking it.")
    elif credentials is None:
        print("WARNING: no --admin-credentials configured: the admin API accepts any well-formed "
              "SigV4 signature without checking it (allowed on loopback only).")
    if settings.quotas == "off":
        print("WARNING: --quotas off: no request-rate quotas (TooManyRequestsException is never raised).")
    if settings.metrics == "on" and not is_loopback(settings.host):
        print(f"NOTE: GET /metrics answers anyone who reaches {settings.host}:{settings.port} (--metrics off "
              "to disable, or keep the path from the network at your proxy).")
    print(f"delivery: {settings.delivery_summary()}")
    kept = [kind for kind, way in (("e-mail", settings.email_delivery), ("SMS", settings.sms_delivery))
            if way == "outbox"]
    if kept:
        print(f"NOTE: {' and '.join(kept)} codes and invitations go to the development outbox "
              "(`userpool outbox`), not to users.")
    if "webhook" in (settings.email_delivery, settings.sms_delivery) and (settings.webhook_url or "").startswith(
            "http://") and not is_loopback(urlsplit(settings.webhook_url or "").hostname or ""):
        print("WARNING: --webhook-url is plain http: codes cross the network unencrypted.")
    print(f"triggers: {triggers}")
    sys.stdout.flush()
    private_dir = _hand_settings_to_workers(settings)
    try:
        uvicorn.run(
            "userpool.cli:worker_app", factory=True, host=settings.host, port=settings.port,
            workers=settings.workers if settings.workers > 1 else None, log_level=settings.log_level,
            log_config=log_config, access_log=False, server_header=False, date_header=True,
            proxy_headers=False,  # forwarded headers are believed only from --trusted-proxies (wire/forwarding.py)
        )
    finally:
        shutil.rmtree(private_dir, ignore_errors=True)
    return 0


def _hand_settings_to_workers(settings: Settings) -> str:
    """Write the settings (server key, admin credentials, database URL) to a file only this user
    can read, in a fresh 0700 directory (in memory, /dev/shm, where there is one), and give the
    workers its path: an environment variable would show the secrets in ``/proc/<pid>/environ``
    of every worker. The ``USERPOOL_*`` variables the settings came from are not passed on either.
    Returns the directory, removed when the server stops."""
    shm = "/dev/shm"  # noqa: S108 - memory, not disk; mkdtemp makes a fresh 0700 directory in it
    private_dir = tempfile.mkdtemp(prefix="userpool-", dir=shm if os.access(shm, os.W_OK) else None)
    path = os.path.join(private_dir, "settings.json")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(settings.to_json())
    for name in Settings.__dataclass_fields__:
        os.environ.pop(ENV_PREFIX + name.upper(), None)
    os.environ[SETTINGS_FILE_ENV] = path
    _share_metrics(settings, private_dir)
    return private_dir


def _share_metrics(settings: Settings, private_dir: str) -> None:
    """Give the workers a fresh directory, in the private one removed at stop, where each writes its
    Prometheus counts and from which any of them adds up all workers' (``observability/prometheus.py``).
    Set before any worker starts: prometheus-client reads it when first imported."""
    from userpool.observability import MULTIPROC_ENV

    if settings.metrics == "off":
        os.environ.pop(MULTIPROC_ENV, None)
        return
    shared = os.path.join(private_dir, "metrics")
    os.mkdir(shared, 0o700)
    os.environ[MULTIPROC_ENV] = shared


def _log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's ``log_config`` for ``--log-format`` / ``--log-level``; refuses a typo (ValueError)."""
    from userpool.observability.logs import logging_config

    if settings.metrics not in ("on", "off"):
        raise ValueError(f"--metrics must be on or off, got {settings.metrics!r}")
    return logging_config(settings.log_format, settings.log_level)


def _check_quotas(settings: Settings) -> None:
    """Refuse ``--quotas``/``--quota`` typos before any worker starts (ValueError)."""
    if settings.quotas not in ("on", "off"):
        raise ValueError(f"--quotas must be on or off, got {settings.quotas!r}")
    if settings.quotas == "on":
        from userpool.wire.quotas import configure

        configure(settings.quota)


def _check_triggers(settings: Settings) -> str:
    """Refuse a bad ``--lambda-endpoint`` or ``--lambda-function`` before any worker starts: every
    in-process callable must import (ValueError), boto3 must be there for an endpoint
    (RuntimeError). Returns the line that says where trigger functions run."""
    from userpool.triggers.in_process import load_functions
    from userpool.triggers.lambda_invoker import require_boto3

    settings.check_lambda_endpoint()
    names = sorted(load_functions(settings.lambda_functions()))
    if settings.lambda_endpoint:
        require_boto3("--lambda-endpoint")
    where = f"the Lambda endpoint {settings.lambda_endpoint}" if settings.lambda_endpoint else "AWS Lambda"
    if names:
        return f"{', '.join(names)} in process; other functions through {where}"
    return f"functions through {where}"


def _apply_seed(settings: Settings) -> list[str]:
    """Applies ``--seed`` once, before any worker starts (seed.SeedError, a ValueError, refuses);
    the lines that say what it did."""
    from userpool import seed
    from userpool.bootstrap import build_services

    if settings.progress not in ("auto", "on", "off"):
        raise ValueError(f"--progress must be auto, on or off, got {settings.progress!r}")
    document = seed.parse(seed.load(settings.seed or ""), settings.region)  # before a database is made
    shown = settings.progress == "on" or (settings.progress == "auto" and sys.stderr.isatty())
    progress = seed.printer(sys.stderr, terminal=sys.stderr.isatty()) if shown else None
    services = build_services(settings)
    try:
        applied = seed.apply(services.rt, document, progress)
    finally:
        services.rt.store.close()
    lines = [f"seed: {settings.seed}: created {applied.pools} pool(s), {applied.clients} client(s), "
             f"{applied.groups} group(s), {applied.users} user(s); {applied.existing} existed"]
    differing = applied.differing
    if differing:
        listed = ", ".join(differing[:10]) + (" ..." if len(differing) > 10 else "")
        lines.append(f"NOTE: seed: {len(differing)} existing entr{'y' if len(differing) == 1 else 'ies'} differ "
                     f"from the file and were left as they are (a seed only creates what is missing): {listed}")
    return lines


def export(args: argparse.Namespace) -> int:
    """``userpool export``: the store's pools, clients, groups and users as a seed file. Refuses a
    data directory without a database or a server key (it would make new ones, and export
    nothing) and a key that does not open the database's secrets."""
    from userpool import seed
    from userpool.bootstrap import build_services
    from userpool.crypto.sealing import SealError

    settings = settings_from(args)
    missing = _export_refusal(settings)
    if missing is not None:
        print(f"userpool: export: {missing}", file=sys.stderr)
        return 2
    services = build_services(settings)
    try:
        document = seed.export(services.rt, with_secrets=args.with_secrets)
    except SealError:
        print("userpool: export: the database's secrets do not open with this server key: give the server's "
              "--data-dir (its server.key) or its USERPOOL_SERVER_KEY", file=sys.stderr)
        return 2
    finally:
        services.rt.store.close()
    fmt = args.format or ("yaml" if (args.output or "").endswith((".yaml", ".yml")) else "json")
    text = seed.dump(document, fmt)
    if args.output:
        fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # may hold client secrets
        os.fchmod(fd, 0o600)  # a file that existed keeps its mode otherwise
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


def _export_refusal(settings: Settings) -> str | None:
    url = settings.database_url
    if url.startswith("sqlite:///") and not os.path.exists(url[len("sqlite:///"):]):
        return f"no database at {url[len('sqlite:///'):]} (give the server's --data-dir or --db)"
    if not settings.server_key and not os.path.exists(os.path.join(settings.data_dir, "server.key")):
        return (f"no server key: {os.path.abspath(settings.data_dir)} has no server.key (give the server's "
                "--data-dir, or USERPOOL_SERVER_KEY)")
    return None


def worker_app() -> Any:
    """uvicorn's factory in each worker process: the app of ``bootstrap.app_from_env``.

    A worker's start is mostly imports, which allocate hundreds of thousands of objects that
    live as long as the process; the cyclic collector would scan them again and again (about 5 %
    of the start). It is paused while they are made, then everything made so far is frozen out
    of future collections (``gc.freeze``), which spares every later collection those objects.
    """
    import gc
    import logging

    # Our log lines never show a thread or process name: LogRecord need not look them up
    # (the logging HOWTO's "Optimization"; a few µs per request line).
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
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
    dump = sub.add_parser("export", help="write the pools, app clients, groups and users as a seed file")
    dump.add_argument("--data-dir", dest="data_dir")
    dump.add_argument("--db", help="database URL (default: the SQLite file in the data directory)")
    dump.add_argument("--region")
    dump.add_argument("--with-secrets", action="store_true", help="include app client secrets")
    dump.add_argument("--format", choices=["json", "yaml"], help="default: by the output's extension, else JSON")
    dump.add_argument("-o", "--output", metavar="FILE")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(settings_from(args))
    if args.command == "export":
        return export(args)
    return outbox(args)


if __name__ == "__main__":
    raise SystemExit(main())
