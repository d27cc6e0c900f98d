"""``PrometheusMetrics``: what ``GET /metrics`` shows for what was counted (one process here;
several workers adding up: tests/e2e/test_operating.py)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from userpool.model.ports import Metrics
from userpool.observability import prometheus
from userpool.observability.prometheus import PrometheusMetrics


def samples(metrics: PrometheusMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    content_type, body = metrics.page()
    assert content_type.startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode()) for s in family.samples}


def test_every_count_shows_on_the_page() -> None:
    metrics: Metrics = PrometheusMetrics()
    metrics.request("InitiateAuth", "ok")
    metrics.request("InitiateAuth", "ok")
    metrics.request("InitiateAuth", "NotAuthorizedException")
    metrics.sign_in("USER_SRP_AUTH", 0.004)
    metrics.sign_in("USER_SRP_AUTH", 3.0)
    metrics.lockout()
    metrics.code_sent("SMS")
    metrics.trigger("PreSignUp", "ok")
    metrics.trigger("PreSignUp", "UnexpectedLambdaException")
    metrics.database_error()
    assert isinstance(metrics, PrometheusMetrics)
    page = samples(metrics)
    assert page[("userpool_requests_total", (("operation", "InitiateAuth"), ("outcome", "ok")))] == 2
    refused = (("operation", "InitiateAuth"), ("outcome", "NotAuthorizedException"))
    assert page[("userpool_requests_total", refused)] == 1
    assert page[("userpool_sign_in_seconds_count", (("flow", "USER_SRP_AUTH"),))] == 2
    assert page[("userpool_sign_in_seconds_bucket", (("flow", "USER_SRP_AUTH"), ("le", "0.005")))] == 1
    assert page[("userpool_sign_in_seconds_bucket", (("flow", "USER_SRP_AUTH"), ("le", "2.5")))] == 1
    assert page[("userpool_sign_in_seconds_bucket", (("flow", "USER_SRP_AUTH"), ("le", "5.0")))] == 2
    assert page[("userpool_lockouts_total", ())] == 1
    assert page[("userpool_codes_sent_total", (("medium", "SMS"),))] == 1
    assert page[("userpool_trigger_invocations_total", (("outcome", "ok"), ("trigger", "PreSignUp")))] == 1
    assert page[("userpool_trigger_invocations_total",
                 (("outcome", "UnexpectedLambdaException"), ("trigger", "PreSignUp")))] == 1
    assert page[("userpool_database_errors_total", ())] == 1


def test_two_servers_in_one_process_count_apart() -> None:
    first, second = PrometheusMetrics(), PrometheusMetrics()
    first.lockout()
    assert samples(first)[("userpool_lockouts_total", ())] == 1
    assert samples(second)[("userpool_lockouts_total", ())] == 0


def test_label_values_past_the_bound_count_as_other(monkeypatch: object) -> None:
    """Callers pass closed sets; should one not, the number of series still cannot grow without end."""
    metrics = PrometheusMetrics()
    for n in range(prometheus.MAX_SERIES + 50):
        metrics.trigger(f"Trigger{n}", "ok")
    page = samples(metrics)
    series = [labels for name, labels in page if name == "userpool_trigger_invocations_total"]
    assert len(series) == prometheus.MAX_SERIES + 1
    assert page[("userpool_trigger_invocations_total", (("outcome", "other"), ("trigger", "other")))] == 50
