"""The printed table and the JSON file (``bench/results/<timestamp>.json``)."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import proc
from bench.workloads import OK, RunResult

REFERENCE = "userpool-sqlite"


def machine() -> dict[str, Any]:
    return {
        "nproc": proc.nproc(),
        "cpu_model": proc.cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }


def ratios(results: list[RunResult], reference: str = REFERENCE) -> list[dict[str, Any]]:
    """userpool's (``reference``) throughput ÷ each other server's, per flow and concurrency."""
    by_key = {(r.server, r.flow, r.concurrency): r for r in results}
    servers = list(dict.fromkeys(r.server for r in results if r.server != reference))
    rows = []
    for r in results:
        if r.server != reference:
            continue
        row: dict[str, Any] = {"flow": r.flow, "concurrency": r.concurrency}
        for other in servers:
            peer = by_key.get((other, r.flow, r.concurrency))
            if peer is None:
                row[other] = None
            elif peer.status != OK:
                row[other] = peer.status
            elif r.logins_per_s and peer.logins_per_s:
                row[other] = r.logins_per_s / peer.logins_per_s
            else:
                row[other] = None
        rows.append(row)
    return rows


def _num(value: float | None, width: int, digits: int = 1) -> str:
    return f"{value:>{width}.{digits}f}" if value is not None else f"{'-':>{width}}"


def format_table(report: dict[str, Any]) -> str:
    m = report["machine"]
    config = report["config"]
    if report["mode"] == "long":
        run = f"{config['logins']} logins at concurrency {config['concurrency'][0]}"
    elif config["duration_s"] is not None:
        run = f"{config['duration_s']} s per run; concurrency {config['concurrency']}"
    else:
        run = f"{config['count']} logins per run; concurrency {config['concurrency']}"
    lines = [
        f"# userpool bench — {m['date']} — {m['nproc']} × {m['cpu_model']} — CPython {m['python']}",
        f"# mode {report['mode']}; users {config['users']}; {run}",
    ]
    startup = ", ".join(f"{name} {s['startup_s'] * 1000:.0f} ms" for name, s in report["servers"].items()
                        if s.get("startup_s") is not None)
    lines.append(f"# startup (spawn → first answered request): {startup or '-'}")
    floor = report["floor"]
    taken = f" (lowest of {floor['measurements']} measurements through the run)" if floor.get("measurements") else ""
    lines.append(f"# crypto floor, min CPU ms on one core{taken}: "
                 + ", ".join(f"{k} {v:.2f}" for k, v in floor["flows"].items())
                 + "  (ops: " + ", ".join(f"{k} {v:.2f}" for k, v in floor["operations"].items()) + ")")
    if "flows_median" in floor:
        lines.append("# the same cryptography, median CPU ms (this machine's noise): "
                     + ", ".join(f"{k} {v:.2f}" for k, v in floor["flows_median"].items()))
    for name, s in report["servers"].items():
        extra = f" — {s['error']}" if s.get("error") else ""
        lines.append(f"# {name}: {s.get('version', '?')}{extra}")
        for problem in s.get("setup_problems", []):
            lines.append(f"#   setup: {problem}")
        odd = {f: v["wrong_credential_answer"] for f, v in s.get("flows", {}).items()
               if v.get("wrong_credential_answer") and not v["wrong_credential_answer"].startswith("NotAuthorized")}
        for flow, answer in odd.items():
            lines.append(f"#   {flow}: a wrong credential is refused with {answer} (Cognito: NotAuthorizedException)")
    if report["mode"] == "long":
        return "\n".join([*lines, "", *format_long(report["long"])])
    header = (f"{'server':<18} {'flow':<9} {'c':>3} {'logins/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'srv CPU ms/login':>16} {'×floor':>7} {'×median':>7} {'client CPU ms/login':>19} {'errors':>6}")
    lines += ["", header, "-" * len(header)]
    said: set[tuple[str, ...]] = set()
    for r in report["results"]:
        lead = f"{r['server']:<18} {r['flow']:<9} {r['concurrency']:>3} "
        if r["status"] != OK:  # one line per server (unavailable) or per flow, not per concurrency
            key = (r["server"],) if r["status"] == "UNAVAILABLE" else (r["server"], r["flow"])
            if key not in said:
                said.add(key)
                flow = "*" if len(key) == 1 else r["flow"]
                lines.append(f"{r['server']:<18} {flow:<9} {'*':>3} {r['status']:>9}  {r['reason'][:110]}")
            continue
        lines.append(
            lead + _num(r["logins_per_s"], 9) + " " + _num(r["p50_ms"], 8, 2) + " " + _num(r["p99_ms"], 8, 2) + " "
            + _num(r["server_cpu_ms_per_login"], 16, 2) + " " + _num(r["floor_ratio"], 7, 2) + " "
            + _num(r.get("median_ratio"), 7, 2) + " "
            + _num(r["client_cpu_ms_per_login"], 19, 2) + f" {r['errors']:>6}"
        )
        for sample in r["error_samples"]:
            lines.append(f"{'':<32}error: {sample[:100]}")
    if report["ratios"]:
        others = [k for k in report["ratios"][0] if k not in ("flow", "concurrency")]
        if others:
            lines += ["", f"{REFERENCE} throughput ÷ peer's:",
                      f"{'flow':<9} {'c':>3} " + " ".join(f"{o:>18}" for o in others)]
            for row in report["ratios"]:
                cells = []
                for o in others:
                    v = row[o]
                    cells.append(f"{v:>18.2f}" if isinstance(v, float) else f"{v or '-':>18}")
                lines.append(f"{row['flow']:<9} {row['concurrency']:>3} " + " ".join(cells))
    return "\n".join(lines)


def format_long(long: dict[str, Any]) -> list[str]:
    lines = [f"long run on {long['server']}: {long['users']} users (seeded in {long['seed_s']:.0f} s), "
             f"{long['logins']} password logins at concurrency {long['concurrency']}: "
             f"{long['logins_per_s']:.1f} logins/s overall, server CPU {long['server_cpu_ms_per_login']:.2f} "
             f"ms/login ({long['floor_ratio']:.2f}× floor), errors {long['errors']}",
             f"{'slice':>6} {'logins':>7} {'logins/s':>9} {'p50 ms':>8} {'p99 ms':>8}"]
    for s in long["slices"]:
        lines.append(f"{s['slice']:>6} {s['logins']:>7} {_num(s['logins_per_s'], 9)} {_num(s['p50_ms'], 8, 2)} "
                     f"{_num(s['p99_ms'], 8, 2)}")
    lines.append("RSS MiB per process over time (t s: pid=MiB ...):")
    samples = long["rss"]
    step = max(1, len(samples) // 10)
    for sample in samples[::step] + ([samples[-1]] if samples and (len(samples) - 1) % step else []):
        cells = " ".join(f"{pid}={kib / 1024:.0f}" for pid, kib in sample["kib"].items())
        lines.append(f"  t={sample['t']:>6.1f}: {cells}")
    return lines


def write_json(report: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{stamp}.json"
    n = 1
    while path.exists():
        path = directory / f"{stamp}-{n}.json"
        n += 1
    path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
    return path
