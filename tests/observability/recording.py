"""A ``model.ports.Metrics`` that remembers every call, for tests of where things are counted."""

from __future__ import annotations

from collections import Counter


class RecordingMetrics:
    def __init__(self) -> None:
        self.calls: Counter[tuple[str, ...]] = Counter()
        self.latencies: list[tuple[str, float]] = []

    def request(self, operation: str, outcome: str) -> None:
        self.calls["request", operation, outcome] += 1

    def sign_in(self, flow: str, seconds: float) -> None:
        self.calls["sign_in", flow] += 1
        self.latencies.append((flow, seconds))

    def lockout(self) -> None:
        self.calls["lockout",] += 1

    def code_sent(self, medium: str) -> None:
        self.calls["code_sent", medium] += 1

    def trigger(self, trigger: str, outcome: str) -> None:
        self.calls["trigger", trigger, outcome] += 1

    def database_error(self) -> None:
        self.calls["database_error",] += 1
