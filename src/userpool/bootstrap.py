"""Composition root: settings → store, keys, delivery, triggers, clock, randomness → ASGI app.

The only module (with ``cli.py``) that imports every room.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from userpool.auth.runtime import AuthRuntime, IssuerPolicy
from userpool.auth.signing import PoolKeys
from userpool.crypto.sealing import AesGcmSecretBox, Sealer, derive_key, load_or_create_master_key, parse_master_key
from userpool.delivery.outbox import OutboxSender
from userpool.delivery.router import MediumRouter
from userpool.delivery.smtp import SmtpSender
from userpool.delivery.webhook import WebhookSender
from userpool.directory.runtime import Runtime
from userpool.model.ports import CodeEncrypter, MessageSender, Metrics, NoMetrics
from userpool.settings import Settings
from userpool.storage import open_store
from userpool.storage.rate_table import RateTable
from userpool.storage.sql.engine import normalise_url
from userpool.triggers.in_process import InProcessInvoker, load_functions
from userpool.triggers.lambda_invoker import LambdaInvoker
from userpool.triggers.router import TriggerRouter
from userpool.wire.cors import CorsPolicy
from userpool.wire.forwarding import BaseUrlPolicy
from userpool.wire.quotas import QuotaGate, configure
from userpool.wire.services import Services, build_asgi_app


class SystemClock:
    def now(self) -> float:
        return time.time()


class SystemRandom:
    def bytes(self, n: int) -> bytes:
        return os.urandom(n)


def master_key(settings: Settings) -> bytes:
    if settings.server_key:
        return parse_master_key(settings.server_key)
    os.makedirs(settings.data_dir, exist_ok=True)
    return load_or_create_master_key(os.path.join(settings.data_dir, "server.key"), os.urandom)


def metrics_for(settings: Settings) -> Metrics:
    """Prometheus counters (``--metrics on``, the default) or none."""
    if settings.metrics == "off":
        return NoMetrics()
    from userpool.observability.prometheus import PrometheusMetrics

    return PrometheusMetrics()


def build_services(settings: Settings, metrics: Metrics | None = None) -> Services:
    os.makedirs(settings.data_dir, exist_ok=True)
    key = master_key(settings)
    metrics = metrics if metrics is not None else metrics_for(settings)
    store = open_store(settings.database_url, AesGcmSecretBox(derive_key(key, "secret-box"), os.urandom),
                       metrics=metrics)
    rt = Runtime(
        store=store, clock=SystemClock(), random=SystemRandom(), sender=message_sender(settings, metrics),
        code_pepper=derive_key(key, "code-pepper"), region=settings.region, triggers=trigger_runner(settings),
        metrics=metrics, code_encrypter=code_encrypter(settings),
    )
    auth = AuthRuntime(
        rt=rt, sealer=Sealer(derive_key(key, "auth-session")), keys=PoolKeys(store),
        issuer=IssuerPolicy(public_url=settings.public_url, aws=settings.issuer == "aws"),
    )
    return Services(rt=rt, auth=auth)


def message_sender(settings: Settings, metrics: Metrics | None = None) -> MessageSender:
    """The sender of each medium as configured (``--email-delivery``, ``--sms-delivery``); what
    they deliver is counted in ``metrics``."""
    outbox = OutboxSender(settings.outbox_path)
    webhook: WebhookSender | None = None
    if "webhook" in (settings.email_delivery, settings.sms_delivery):
        webhook = WebhookSender(
            settings.webhook_url or "", (settings.webhook_secret or "").encode(),
            timeout=settings.webhook_timeout, max_time=settings.webhook_max_time,
        )
    email: MessageSender = outbox
    if settings.email_delivery == "smtp":
        email = SmtpSender(
            settings.smtp_host or "", settings.smtp_port, security=settings.smtp_security,
            username=settings.smtp_user, password=settings.smtp_password, timeout=settings.smtp_timeout,
            default_from=settings.smtp_from,
        )
    elif settings.email_delivery == "webhook" and webhook is not None:
        email = webhook
    elif settings.email_delivery == "ses":
        from userpool.delivery.aws import SesSender

        email = SesSender(default_from=settings.smtp_from, region=settings.ses_region,
                          endpoint_url=settings.ses_endpoint_url, configuration_set=settings.ses_configuration_set)
    sms: MessageSender = outbox
    if settings.sms_delivery == "webhook" and webhook is not None:
        sms = webhook
    elif settings.sms_delivery == "sns":
        from userpool.delivery.aws import SnsSender

        sms = SnsSender(region=settings.sns_region, endpoint_url=settings.sns_endpoint_url,
                        sender_id=settings.sns_sender_id)
    return MediumRouter(email=email, sms=sms, metrics=metrics)


def delivers_over_network(settings: Settings) -> bool:
    return (settings.email_delivery, settings.sms_delivery) != ("outbox", "outbox")


def code_encrypter(settings: Settings) -> CodeEncrypter | None:
    """KMS through the AWS Encryption SDK for the custom sender triggers (``--kms-endpoint``, or
    AWS KMS in the key's region); None when the optional packages are not installed (pools may
    then not name a custom sender)."""
    from userpool.triggers import code_encryption

    if not code_encryption.available():
        return None
    return code_encryption.KmsCodeEncrypter(endpoint_url=settings.kms_endpoint, default_region=settings.region)


def trigger_runner(settings: Settings) -> TriggerRouter:
    """Trigger functions mapped by ``--lambda-function`` run in process, every other one through
    the Lambda Invoke API (``--lambda-endpoint``, or AWS Lambda in the ARN's region)."""
    return TriggerRouter(
        InProcessInvoker(load_functions(settings.lambda_functions())),
        LambdaInvoker(endpoint_url=settings.lambda_endpoint, default_region=settings.region),
    )


def build_app(settings: Settings):  # type: ignore[no-untyped-def]
    services = build_services(settings)
    # An embedded SQLite database never makes a handler wait on the network: run handlers on
    # the event loop, saving the thread hand-off; PostgreSQL's round trips overlap in threads.
    # A network sender (SMTP, webhook, SES, SNS) can wait seconds: then handlers run in threads
    # on SQLite too, so one slow relay never stalls the worker's other requests.
    embedded = normalise_url(settings.database_url).get_backend_name() == "sqlite"
    inline = embedded and not delivers_over_network(settings)
    return build_asgi_app(
        services, credentials=settings.credentials(), inline=inline,
        cors=CorsPolicy(origins=settings.cors_origins, admin_origins=settings.cors_admin_origins),
        base_urls=BaseUrlPolicy(public_url=settings.public_url, trusted_proxies=settings.trusted_proxies),
        quotas=quota_gate(settings), metrics_page=metrics_page(services.rt.metrics),
    )


def metrics_page(metrics: Metrics) -> Callable[[], tuple[str, bytes]] | None:
    """The body of ``GET /metrics`` when the server counts with Prometheus; None: no such route."""
    if isinstance(metrics, NoMetrics):
        return None
    from userpool.observability.prometheus import PrometheusMetrics

    return metrics.page if isinstance(metrics, PrometheusMetrics) else None


def quota_gate(settings: Settings) -> QuotaGate | None:
    """Request-rate quotas (spec §9.2) in a table shared by this server's workers; None when off."""
    if settings.quotas == "off":
        return None
    os.makedirs(settings.data_dir, exist_ok=True)
    return QuotaGate(RateTable(settings.rate_table_path, SystemClock()), configure(settings.quota))


def app_from_env():  # type: ignore[no-untyped-def]
    """uvicorn factory for ``--workers N``: each worker process builds its own app from the
    settings file (0600) whose path the parent put in ``USERPOOL_SETTINGS_FILE``; the secrets
    themselves are never in a worker's environment."""
    with open(os.environ["USERPOOL_SETTINGS_FILE"], encoding="utf-8") as handle:
        return build_app(Settings.from_json(handle.read()))
