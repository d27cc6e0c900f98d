"""userpool vs. moto vs. cognito-local, on loopback: ``.venv/bin/python -m bench [--tiny | --long]``.

See bench/README.md. Servers run one at a time, each on its own free port, and are stopped by
PID (process group) when their workloads are done, on Ctrl-C and on failure.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from types import FrameType
from typing import Any

from bench import floor, report
from bench.client import setup_pool
from bench.custom import setup_custom
from bench.device import setup_device
from bench.long import run_long
from bench.passkey import setup_passkeys
from bench.peers import BENCH_DIR, PeerUnavailable, Servers, postgres_reachable
from bench.totp import PER_USER_FACTOR, setup_totp
from bench.workloads import (
    FLOWS,
    OK,
    UNSUPPORTED,
    RunResult,
    check_custom,
    check_device,
    check_flows,
    check_totp,
    check_web_authn,
    make_target,
    run_workload,
)

ALL_SERVERS = ("userpool-sqlite", "userpool-postgres", "moto", "cognito-local")
UNAVAILABLE = "UNAVAILABLE"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--tiny", action="store_true",
                      help="a few requests per workload, concurrency 1 and 2, userpool on SQLite; peers only if "
                           "already installed (no network)")
    mode.add_argument("--long", action="store_true",
                      help="userpool only: --users users seeded directly into its database, --logins password "
                           "logins; throughput per 10%% slice and RSS per process over time")
    p.add_argument("--users", type=int, help="users per pool (default 400; --tiny 8; --long 1000000)")
    p.add_argument("--logins", type=int, default=100_000, help="--long: number of logins (default 100000)")
    p.add_argument("--long-db", choices=["sqlite", "postgres"], default="sqlite", help="--long: database")
    p.add_argument("--duration", type=float, help="seconds per workload run (default 3; --tiny uses --count)")
    p.add_argument("--count", type=int, help="logins per workload run instead of a duration (--tiny: 4)")
    p.add_argument("--concurrency", help="comma-separated (default 1,16; --tiny 1,2; --long 16)")
    p.add_argument("--servers", help=f"comma-separated subset of {','.join(ALL_SERVERS)}")
    p.add_argument("--flows", help=f"comma-separated subset of {','.join(FLOWS)}")
    p.add_argument("--no-install", action="store_true", help="use peers only if already under bench/.peers/")
    p.add_argument("--floor-reps", type=int, help="repetitions for the crypto floor (default 300; --tiny 10)")
    p.add_argument("--results-dir", type=Path, default=BENCH_DIR / "results", help="where the JSON goes")
    args = p.parse_args(argv)
    if args.tiny:
        args.users = args.users or 8
        args.concurrency = args.concurrency or "1,2"
        args.floor_reps = args.floor_reps or 10
        if args.duration is None and args.count is None:
            args.count = 4
        args.servers = args.servers or "userpool-sqlite,moto,cognito-local"
        args.no_install = True  # tiny never reaches the network: peers only if already installed
    elif args.long:
        args.users = args.users or 1_000_000
        args.concurrency = args.concurrency or "16"
    args.users = args.users or 400
    args.concurrency = [int(c) for c in (args.concurrency or "1,16").split(",")]
    args.floor_reps = args.floor_reps or 300
    if args.duration is None and args.count is None:
        args.duration = 3.0
    args.servers = [s.strip() for s in (args.servers or ",".join(ALL_SERVERS)).split(",") if s.strip()]
    args.flows = [f.strip() for f in (args.flows or ",".join(FLOWS)).split(",") if f.strip()]
    unknown = [s for s in args.servers if s not in ALL_SERVERS] + [f for f in args.flows if f not in FLOWS]
    if unknown:
        p.error(f"unknown server or flow: {', '.join(unknown)}")
    return args


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def bench_server(servers: Servers, name: str, args: argparse.Namespace, info: dict[str, Any]) -> list[RunResult]:
    """Start one server, set it up, check its flows, run every workload, stop it."""
    combos = [(flow, c) for flow in args.flows for c in args.concurrency]

    def unavailable(reason: str) -> list[RunResult]:
        info["error"] = reason
        return [RunResult(name, flow, c, UNAVAILABLE, reason) for flow, c in combos]

    if name == "userpool-postgres" and (reason := postgres_reachable()):
        return unavailable(reason)
    print(f"# {name}: starting ...", flush=True)
    try:
        server = servers.starter(name)()
    except PeerUnavailable as exc:
        return unavailable(str(exc).splitlines()[0] if str(exc) else "could not start")
    info.update(kind=server.kind, version=server.version, pid=server.pid, port=server.port,
                startup_s=server.startup_s)
    print(f"# {name} {server.version}: pid {server.pid}, port {server.port}, answered after "
          f"{server.startup_s * 1000:.0f} ms; creating pool and {args.users} users ...", flush=True)
    try:
        began = time.perf_counter()
        setup = setup_pool(server.url, args.users)
        info["setup_s"] = time.perf_counter() - began
        info["setup_problems"] = setup.problems
        target = make_target(server, setup, n_ephemerals=min(2000, max(16, 4 * args.users)))
        check_flows(target)
        if "totp" in args.flows:
            try:
                target.totp = setup_totp(server.url, args.users * PER_USER_FACTOR)
            except Exception as exc:  # a peer without the MFA operations
                target.status["totp"], target.reasons["totp"] = UNSUPPORTED, f"{type(exc).__name__}: {exc}"[:300]
            else:
                check_totp(target)
        if "custom" in args.flows:
            try:
                target.custom = setup_custom(server.url, args.users)
            except Exception as exc:  # a peer without LambdaConfig
                target.status["custom"], target.reasons["custom"] = UNSUPPORTED, f"{type(exc).__name__}: {exc}"[:300]
            else:
                check_custom(target)
        if "web_authn" in args.flows:
            try:
                target.passkeys = setup_passkeys(server.url, args.users)
            except Exception as exc:  # a peer without passkeys
                target.status["web_authn"] = UNSUPPORTED
                target.reasons["web_authn"] = f"{type(exc).__name__}: {exc}"[:300]
            else:
                check_web_authn(target)
        if "device" in args.flows:
            try:
                target.device = setup_device(server.url, args.users)
            except Exception as exc:  # a peer without device tracking
                target.status["device"], target.reasons["device"] = UNSUPPORTED, f"{type(exc).__name__}: {exc}"[:300]
            else:
                check_device(target)
        info["flows"] = {flow: {"status": target.status.get(flow), "reason": target.reasons.get(flow, ""),
                                "wrong_credential_answer": target.refusals.get(flow)} for flow in FLOWS}
        print(f"# {name}: " + ", ".join(f"{f} {s}" for f, s in target.status.items()), flush=True)
        results = []
        for flow, c in combos:
            result = run_workload(target, flow, c, duration=args.duration, count=args.count)
            if result.status == OK:
                print(f"#   {flow:<8} c={c:<3} {result.logins:>6} logins, {result.logins_per_s or 0:>8.1f}/s, "
                      f"{result.errors} errors", flush=True)
            results.append(result)
        return results
    except Exception as exc:
        traceback.print_exc()
        info["log_tail"] = server.log_tail()
        return unavailable(f"{type(exc).__name__}: {exc}")
    finally:
        servers.stop(server)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    out: dict[str, Any] = {
        "mode": "tiny" if args.tiny else "long" if args.long else "default",
        "machine": report.machine(),
        "config": {"users": args.users, "duration_s": args.duration, "count": args.count,
                   "concurrency": args.concurrency, "servers": args.servers, "flows": args.flows,
                   "floor_reps": args.floor_reps},
    }
    print(f"# measuring the crypto floor ({args.floor_reps} repetitions) ...", flush=True)
    floors = [floor.measure(args.floor_reps)]  # again after each server: see floor.combine
    out["floor"] = floors[0]
    out["servers"], out["results"], out["ratios"], out["long"] = {}, [], [], None
    with Servers(install=not args.no_install) as servers:
        if args.long:
            out["config"]["logins"] = args.logins
            out["long"] = long_run = run_long(
                servers, users=args.users, logins=args.logins, concurrency=args.concurrency[0],
                floor_ms=out["floor"]["flows"]["password"], db=args.long_db)
            out["servers"][long_run["server"]] = {"startup_s": long_run["startup_s"], "version": long_run["version"]}
            out["floor"] = floor.combine([*floors, floor.measure(args.floor_reps)])
            long_run["floor_ratio"] = long_run["server_cpu_ms_per_login"] / out["floor"]["flows"]["password"]
        else:
            results: list[RunResult] = []
            for name in args.servers:
                info: dict[str, Any] = {}
                out["servers"][name] = info
                results += bench_server(servers, name, args, info)
                floors.append(floor.measure(args.floor_reps))
            out["floor"] = floor.combine(floors)
            for r in results:
                r.floor_ms = out["floor"]["flows"].get(r.flow)
                median = out["floor"]["flows_median"].get(r.flow)
                if r.server_cpu_ms_per_login is not None and r.floor_ms and median:
                    r.floor_ratio = r.server_cpu_ms_per_login / r.floor_ms
                    r.median_ratio = r.server_cpu_ms_per_login / median
            out["results"] = [asdict(r) for r in results]
            out["ratios"] = report.ratios(results)
    text = report.format_table(out)
    print()
    print(text)
    path = report.write_json(out, args.results_dir)
    print(f"\n# JSON: {path}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\n# interrupted: servers stopped", file=sys.stderr)
        sys.exit(130)
