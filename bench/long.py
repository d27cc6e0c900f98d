"""Long mode: many users, many password logins, throughput per 10% slice and RSS over time."""

from __future__ import annotations

import itertools
import random
import threading
import time
from typing import Any

from bench import proc
from bench.client import PASSWORD, Conn, create_pool, dumps, error_type, username
from bench.peers import Servers
from bench.seed import seed_users


def _slices(done: list[tuple[int, int]], started_ns: int, parts: int = 10) -> list[dict[str, Any]]:
    """Throughput and latency of each tenth of the logins, in completion order."""
    done.sort()
    out = []
    previous_end = started_ns
    n = len(done)
    for k in range(parts):
        chunk = done[k * n // parts:(k + 1) * n // parts]
        if not chunk:
            continue
        end = chunk[-1][0]
        lat = sorted(latency for _, latency in chunk)
        span = (end - previous_end) / 1e9
        out.append({
            "slice": f"{k * 10}-{(k + 1) * 10}%",
            "logins": len(chunk),
            "logins_per_s": len(chunk) / span if span > 0 else None,
            "p50_ms": lat[len(lat) // 2] / 1e6,
            "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] / 1e6,
            "t_end_s": (end - started_ns) / 1e9,
        })
        previous_end = end
    return out


def run_long(servers: Servers, *, users: int, logins: int, concurrency: int, floor_ms: float,
             db: str = "sqlite") -> dict[str, Any]:
    """Start userpool, make the pool via the API, seed ``users`` directly, run ``logins`` logins."""
    server = (servers.start_userpool_postgres() if db == "postgres" else servers.start_userpool("userpool-sqlite"))
    print(f"# long: {server.name} up in {server.startup_s * 1000:.0f} ms; seeding {users} users ...", flush=True)
    pool_id, client_id = create_pool(server.url)
    seed_s = seed_users(server.workdir / "data", server.db_url, pool_id, users, PASSWORD)
    head = dumps({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
                  "AuthParameters": {"USERNAME": "@@U@@", "PASSWORD": PASSWORD}}).split(b"@@U@@")
    counter = itertools.count()
    results: list[list[tuple[int, int]]] = [[] for _ in range(concurrency)]
    errors: list[list[str]] = [[] for _ in range(concurrency)]
    rss: list[dict[str, Any]] = []
    stop = threading.Event()
    go = threading.Barrier(concurrency + 1)

    def work(w: int) -> None:
        rng = random.Random(w)
        conn = Conn(server.port)
        try:
            go.wait()
            while not stop.is_set() and next(counter) < logins:
                name = username(rng.randrange(users)).encode()
                start = time.perf_counter_ns()
                try:
                    status, data = conn.call("InitiateAuth", head[0] + name + head[1])
                except Exception as exc:
                    errors[w].append(f"{type(exc).__name__}: {exc}")
                    conn.close()
                    conn = Conn(server.port)
                    continue
                end = time.perf_counter_ns()
                if status == 200 and b'"AuthenticationResult"' in data:
                    results[w].append((end, end - start))
                else:
                    errors[w].append(error_type(status, data))
        finally:
            conn.close()

    def sample(started: float) -> None:
        while not stop.is_set():
            kib = {f"{pid}:{proc.process_name(pid)}": v for pid, v in proc.tree_rss_kib(server.pid).items()}
            rss.append({"t": time.perf_counter() - started, "kib": kib})
            stop.wait(1.0)

    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(concurrency)]
    for thread in threads:
        thread.start()
    print(f"# long: {logins} logins at concurrency {concurrency} ...", flush=True)
    cpu0, client0 = server.cpu_ms(), time.process_time()
    started = time.perf_counter()
    started_ns = time.perf_counter_ns()
    sampler = threading.Thread(target=sample, args=(started,), daemon=True)
    sampler.start()
    try:
        go.wait(timeout=60)
        for thread in threads:
            thread.join()
    finally:
        stop.set()  # workers still running (Ctrl-C) stop at their next login
    elapsed = time.perf_counter() - started
    cpu1, client1 = server.cpu_ms(), time.process_time()
    sampler.join()
    done = [x for r in results for x in r]
    all_errors = [e for errs in errors for e in errs]
    cpu_per_login = (cpu1 - cpu0) / len(done) if done else 0.0
    servers.stop(server)
    return {
        "server": server.name, "version": server.version,
        "users": users, "logins": len(done), "concurrency": concurrency, "seed_s": seed_s,
        "startup_s": server.startup_s, "elapsed_s": elapsed, "logins_per_s": len(done) / elapsed,
        "server_cpu_ms_per_login": cpu_per_login, "floor_ratio": cpu_per_login / floor_ms if floor_ms else None,
        "client_cpu_ms_per_login": (client1 - client0) * 1000 / len(done) if done else None,
        "errors": len(all_errors), "error_samples": sorted(set(all_errors))[:3],
        "slices": _slices(done, started_ns), "rss": rss,
    }
