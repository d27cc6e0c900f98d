"""What the end-to-end trigger tests share: function ARNs, the Lambda test endpoint serving the
functions of tests/triggers/functions.py, and a server that reaches it (``--lambda-endpoint``)
and runs other functions in process (``--lambda-function``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from tests.e2e.conftest import serving
from tests.e2e.server import Server
from tests.triggers import functions
from tests.triggers.lambda_endpoint import LambdaEndpoint


def arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:000000000000:function:{name}"


def endpoint_serving(names: Iterable[str]) -> Iterator[LambdaEndpoint]:
    """The test Lambda endpoint running these functions (closed when the generator ends)."""
    lambdas = LambdaEndpoint({name: getattr(functions, name) for name in names})
    try:
        yield lambdas
    finally:
        lambdas.close()


def trigger_server(data_dir: Path, backend: str, endpoint: LambdaEndpoint,
                   in_process: Mapping[str, str], *args: str) -> Iterator[Server]:
    """A server invoking functions at ``endpoint``, and ``in_process`` (name → function of
    tests/triggers/functions.py) in its own process; ``args``: more server options."""
    mapped = [arg for name, function in in_process.items()
              for arg in ("--lambda-function", f"{name}=tests.triggers.functions:{function}")]
    yield from serving(data_dir, backend, "--lambda-endpoint", endpoint.url, *mapped, *args)
