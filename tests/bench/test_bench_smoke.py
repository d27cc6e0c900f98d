"""Smoke test of the benchmark harness: ``python -m bench --tiny`` runs and reports.

Asserts that the table and the JSON come out with the expected shape; never asserts a speed.
The tiny mode uses peers only if they are already installed under bench/.peers/ (no network).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
FLOWS = {"password", "admin", "srp", "refresh", "wrong", "totp", "custom", "user_auth", "web_authn", "device"}
RESULT_KEYS = {
    "server", "flow", "concurrency", "status", "reason", "logins", "errors", "elapsed_s", "logins_per_s",
    "p50_ms", "p99_ms", "server_cpu_ms", "server_cpu_ms_per_login", "client_cpu_ms", "client_cpu_ms_per_login",
    "floor_ms", "floor_ratio",
}


def test_tiny_mode_prints_table_and_writes_json(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--tiny", "--results-dir", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "# userpool bench" in out
    for column in ("server", "flow", "logins/s", "p50 ms", "p99 ms", "srv CPU ms/login", "×floor"):
        assert column in out
    assert "crypto floor" in out and "startup (spawn → first answered request)" in out

    files = list(tmp_path.glob("*.json"))
    assert len(files) == 1
    report = json.loads(files[0].read_text())
    assert {"mode", "machine", "config", "floor", "servers", "results", "ratios", "long"} <= report.keys()
    assert report["mode"] == "tiny" and report["long"] is None
    assert {"nproc", "cpu_model", "date"} <= report["machine"].keys()
    assert set(report["floor"]["flows"]) == FLOWS
    assert all(ms > 0 for ms in report["floor"]["flows"].values())
    assert report["servers"]["userpool-sqlite"]["startup_s"] > 0

    ours = [r for r in report["results"] if r["server"] == "userpool-sqlite"]
    assert {(r["flow"], r["concurrency"]) for r in ours} == {(f, c) for f in FLOWS for c in (1, 2)}
    for r in report["results"]:
        assert r.keys() >= RESULT_KEYS
    for r in ours:
        assert r["status"] == "OK", r
        assert r["errors"] == 0, r
        assert r["logins"] > 0 and r["logins_per_s"] is not None
        assert r["p50_ms"] is not None and r["p99_ms"] is not None
    for row in report["ratios"]:
        assert {"flow", "concurrency"} <= row.keys()


@pytest.mark.parametrize("flow", ["password", "refresh"])
def test_the_counted_loop_of_bench_instructions_runs(flow: str) -> None:
    """What ``bench.instructions`` runs under callgrind, run without it (a few logins), so the
    stubs and the loop cannot rot; valgrind itself is too slow for the suite."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.instructions", "--inside", "--flow", flow, "--logins", "3", "--users", "2"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
