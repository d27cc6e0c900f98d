"""Smoke test of ``python -m bench.existence``: it runs tiny and prints one row per flow.

Asserts the shape of the output only, never a timing (the benchmark is for reading)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from bench.existence import FLOWS

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def test_existence_bench_prints_a_row_per_flow() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.existence", "--count", "3", "--warmup", "1", "--users", "2"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "known p50 ms" in out and "unknown p50 ms" in out and "ratio" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "known p50" not in line]
    assert [row.split("|")[1].strip() for row in rows] == list(FLOWS)
    for row in rows:
        assert row.split("|")[2].strip() == "3"  # measured pairs
    # The wrong-password answers are the same for both sides (PreventUserExistenceErrors).
    for row in rows[:4]:
        known, unknown = row.split("|")[8].split("  vs  ")
        assert known.strip() == unknown.strip()
