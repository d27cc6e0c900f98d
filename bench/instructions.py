"""Instructions per login beyond the cryptography, counted by callgrind: a repeatable number for
comparing two versions of the hot path on a noisy machine.

    .venv/bin/python -m bench.instructions                  # password, SQLite, 200 logins
    .venv/bin/python -m bench.instructions --flow refresh --logins 300

CPU time on shared cores moves by 10–30 % from run to run; instruction counts do not (the same
code and inputs give the same count within about 1 %, whatever else the machine is doing). This
drives the ASGI app in process as ``bench.profile_login`` does, with the two RS256 signatures
replaced by a constant signature and the verifier's exponentiation memoised, so what is counted
is our Python, the database and the JSON: the overhead the crypto floor does not cover. Only the
timed loop is counted (``--toggle-collect`` on the C function that drives it); setup, key
generation and imports are not. It needs valgrind; it takes about a minute.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

#: The C function through which the timed loop, and nothing else, calls each login.
TOGGLE = "starmap_next"


def _stub_cryptography() -> None:
    """Constant signatures; the verifier's exponentiation computed once per user."""
    from userpool.crypto import bigint, jwt

    def constant_signature(claims: Any, private_key: Any, kid: str) -> str:
        signing_input = jwt._encoded_header(kid) + "." + jwt._b64url_encode(jwt._claims_json(claims))
        return signing_input + "." + jwt._b64url_encode(b"\x01" * 256)

    jwt.sign = constant_signature  # type: ignore[assignment]
    powered = bigint.FixedBase.pow
    memo: dict[tuple[int, int], int] = {}

    def memoised(self: Any, e: int) -> int:
        key = (id(self), e)
        if key not in memo:
            memo[key] = powered(self, e)
        return memo[key]

    bigint.FixedBase.pow = memoised  # type: ignore[method-assign]


def run_logins(flow: str, logins: int, users: int) -> None:
    """The counted part: ``logins`` sign-ins of ``flow`` through the in-process app."""
    _stub_cryptography()
    from bench import profile_login
    from userpool.bootstrap import build_services
    from userpool.settings import Settings
    from userpool.wire.services import build_asgi_app

    with tempfile.TemporaryDirectory() as data_dir:
        services = build_services(Settings(data_dir=data_dir))
        quotas = profile_login.bench_quotas(data_dir)
        client = profile_login.InProcess(build_asgi_app(services, credentials=None, inline=True, quotas=quotas))
        pool_id, client_id = profile_login.setup(client, users)
        run = profile_login.workload(client, flow, pool_id, client_id, users)
        for i in range(100):
            run(i)  # warm-up: caches, compiled statements, lazy patterns
        collections.deque(itertools.starmap(run, ((i,) for i in range(logins))), maxlen=0)
        services.rt.store.close()  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flow", default="password", choices=("password", "refresh"))
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        run_logins(args.flow, args.logins, args.users)
        return
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is not installed")
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONHASHSEED": "0",
           "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root), os.environ.get("PYTHONPATH", "")])}
    with tempfile.TemporaryDirectory() as out:
        command = [valgrind, "--tool=callgrind", f"--toggle-collect={TOGGLE}",
                   f"--callgrind-out-file={out}/callgrind.out", sys.executable, "-m", "bench.instructions",
                   "--inside", "--flow", args.flow, "--logins", str(args.logins), "--users", str(args.users)]
        done = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"callgrind run failed ({done.returncode}):\n{done.stderr[-2000:]}")
        found = re.search(r"Collected : (\d+)", done.stderr)
        if found is None:
            raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    per_login = int(found.group(1)) / args.logins
    print(json.dumps({"flow": args.flow, "logins": args.logins, "instructions_per_login": round(per_login)}))


if __name__ == "__main__":
    main()
