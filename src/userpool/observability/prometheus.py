"""``GET /metrics``: the ``model.ports.Metrics`` of a running server, in Prometheus's text format
through ``prometheus-client``.

Series (label values come from closed sets; see ``Metrics``):

- ``userpool_requests_total{operation,outcome}``: API calls answered; outcome "ok" or the error's
  ``__type``; operation "unknown" for an X-Amz-Target the model does not name;
- ``userpool_sign_in_seconds{flow}``: latency of InitiateAuth / AdminInitiateAuth (by AuthFlow)
  and RespondToAuthChallenge / AdminRespondToAuthChallenge (by ChallengeName), failures included;
- ``userpool_lockouts_total``: failed attempts that locked a user out (spec §9.1);
- ``userpool_codes_sent_total{medium}``: messages with a code or temporary password handed to
  their carrier (EMAIL, SMS);
- ``userpool_trigger_invocations_total{trigger,outcome}``: Lambda trigger invocations by
  ``LambdaConfig`` key; outcome "ok" or the Cognito error the failure became;
- ``userpool_database_errors_total``: database failures (no connection, statement or commit refused).

Workers: ``userpool serve --workers N`` runs N processes. ``serve`` gives them a fresh, private
directory in ``PROMETHEUS_MULTIPROC_DIR`` before they start (removed when it stops); each worker
then writes its counts to memory-mapped files there (prometheus-client's multiprocess mode) and
a scrape of any worker adds up every worker's files. Without that variable (a server built in
process, tests) the counts live in this process's own registry.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector

from userpool.observability import MULTIPROC_ENV

#: Seconds: a password sign-in takes a few milliseconds; one that runs triggers up to seconds.
SIGN_IN_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Series per labelled metric past which new label values are counted as "other": the callers
#: pass closed sets, this only bounds a mistake.
MAX_SERIES = 2000
OTHER = "other"


def multiprocess_dir() -> str | None:
    """The directory shared by this server's workers, when prometheus-client was loaded with it."""
    where = os.environ.get(MULTIPROC_ENV)
    return where if where and values.ValueClass is not values.MutexValue else None


class _Family:
    """One labelled metric with its children cached: ``labels()`` costs more than the count."""

    __slots__ = ("_children", "_lock", "_metric")

    def __init__(self, metric: Any) -> None:
        self._metric = metric
        self._children: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()

    def child(self, *labels: str) -> Any:
        found = self._children.get(labels)
        if found is None:
            with self._lock:
                if labels not in self._children and len(self._children) >= MAX_SERIES:
                    labels = (OTHER,) * len(labels)
                found = self._children.get(labels)
                if found is None:
                    found = self._children[labels] = self._metric.labels(*labels)
        return found


class PrometheusMetrics:
    """Implements ``model.ports.Metrics``; ``page()`` is the body of ``GET /metrics``."""

    def __init__(self) -> None:
        self._shared_dir = multiprocess_dir()
        # In multiprocess mode the counts live in files and a scrape collects them from there:
        # the metric objects belong to no registry. Otherwise to this server's own registry.
        self._registry = CollectorRegistry() if self._shared_dir is None else None
        registry = self._registry
        self._requests = _Family(Counter(
            "userpool_requests", "API calls answered, by operation and outcome (ok or the error __type).",
            ("operation", "outcome"), registry=registry))
        self._sign_in = _Family(Histogram(
            "userpool_sign_in_seconds", "Sign-in request latency, by AuthFlow or answered ChallengeName.",
            ("flow",), buckets=SIGN_IN_BUCKETS, registry=registry))
        self._lockouts = Counter("userpool_lockouts", "Failed sign-in attempts that locked a user out.",
                                 registry=registry)
        self._codes = _Family(Counter(
            "userpool_codes_sent", "Messages with a code or temporary password handed to their carrier.",
            ("medium",), registry=registry))
        self._triggers = _Family(Counter(
            "userpool_trigger_invocations", "Lambda trigger invocations, by trigger and outcome.",
            ("trigger", "outcome"), registry=registry))
        self._database_errors = Counter("userpool_database_errors", "Database failures.", registry=registry)

    def request(self, operation: str, outcome: str) -> None:
        self._requests.child(operation, outcome).inc()

    def sign_in(self, flow: str, seconds: float) -> None:
        self._sign_in.child(flow).observe(seconds)

    def lockout(self) -> None:
        self._lockouts.inc()

    def code_sent(self, medium: str) -> None:
        self._codes.child(medium).inc()

    def trigger(self, trigger: str, outcome: str) -> None:
        self._triggers.child(trigger, outcome).inc()

    def database_error(self) -> None:
        self._database_errors.inc()

    def page(self) -> tuple[str, bytes]:
        """Content type and body of ``GET /metrics``: every worker's counts added up."""
        registry = self._registry
        if registry is None:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=self._shared_dir)  # type: ignore[no-untyped-call]
        return CONTENT_TYPE_LATEST, generate_latest(registry)
