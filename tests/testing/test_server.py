"""``userpool.testing.UserpoolServer``: a real ``userpool serve`` process, set up the way a safe
deployment is (admin calls need its own SigV4 credentials), that owns its port and its data, and
says why when it cannot start."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from userpool.testing import UserpoolServer
from userpool.testing import server as server_module


@pytest.fixture(scope="module")
def server() -> Iterator[UserpoolServer]:
    with UserpoolServer() as running:
        yield running


def _error(call: object) -> str:
    with pytest.raises(ClientError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value.response["Error"]["Code"])


def test_admin_calls_need_the_servers_own_credentials(server: UserpoolServer) -> None:
    assert server.client().list_user_pools(MaxResults=1)["UserPools"] == []
    wrong = server.client(aws_secret_access_key="not-the-secret")
    assert _error(lambda: wrong.list_user_pools(MaxResults=1)) == "InvalidSignatureException"
    stranger = server.client(aws_access_key_id="AKIDEXAMPLE")
    assert _error(lambda: stranger.list_user_pools(MaxResults=1)) == "UnrecognizedClientException"
    other = UserpoolServer()  # another server object has another secret
    try:
        assert other.secret_key != server.secret_key
    finally:
        other.stop()


def test_the_secret_is_not_on_the_command_line(server: UserpoolServer) -> None:
    assert server.process is not None
    cmdline = Path(f"/proc/{server.process.pid}/cmdline")
    if not cmdline.exists():
        pytest.skip("no /proc")
    assert server.secret_key.encode() not in cmdline.read_bytes()


def test_the_client_ignores_the_machines_aws_configuration(server: UserpoolServer,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setattr(server, "_session", None)
    assert server.client().list_user_pools(MaxResults=1)["UserPools"] == []


def test_a_failed_start_shows_the_servers_output_and_leaves_nothing(tmp_path: Path) -> None:
    broken = UserpoolServer(["--quotas", "sometimes"])
    with pytest.raises(RuntimeError, match="invalid choice: 'sometimes'"):
        broken.start()
    assert broken.process is None and not broken.data_dir.exists()


def test_the_callers_userpool_environment_is_not_passed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USERPOOL_EMAIL_DELIVERY", "smtp")  # without --smtp-host: serve would refuse to start
    monkeypatch.setenv("USERPOOL_ADMIN_CREDENTIALS", "someone:else")
    with UserpoolServer() as server:
        assert server.client().list_user_pools(MaxResults=1)["UserPools"] == []


@pytest.mark.parametrize("flag", ["--port", "--port=9229", "--host", "--data-dir", "--region", "--reg",
                                  "--admin-credentials", "--admin"])
def test_flags_the_server_sets_itself_are_refused(flag: str) -> None:
    with pytest.raises(ValueError, match="UserpoolServer sets"):
        UserpoolServer([flag, "x"])


def test_a_port_taken_meanwhile_is_retried(server: UserpoolServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The free port found is taken by another userpool server before ours binds it: ours exits,
    and the start goes on with another port. The other server, whose /health answers, is not
    mistaken for ours: it refuses our signature."""
    ports = iter([server.port])
    real = server_module._free_port
    monkeypatch.setattr(server_module, "_free_port", lambda: next(ports, None) or real())
    with UserpoolServer(region="eu-west-1") as second:
        assert second.port != server.port
        pool = second.client().create_user_pool(PoolName="second")["UserPool"]["Id"]
        assert pool.startswith("eu-west-1_")
        assert server.client().list_user_pools(MaxResults=60)["UserPools"] == []
        assert "address already in use" in second.log()


def test_stop_ends_the_process_and_removes_the_data(tmp_path: Path) -> None:
    server = UserpoolServer().start()
    process, data = server.process, server.data_dir
    assert process is not None and (data / "userpool.db").exists()
    with pytest.raises(RuntimeError, match="running already"):
        server.start()
    assert server.process is process and process.poll() is None
    server.stop()
    assert process.poll() is not None and not data.exists()
    with pytest.raises(RuntimeError, match="not running"):
        server.check()
    kept = tmp_path / "kept"
    with UserpoolServer(data_dir=kept) as mine:
        mine.client().create_user_pool(PoolName="kept")
    assert (kept / "userpool.db").exists()  # a data_dir given is the caller's


def test_relative_paths_resolve_in_cwd_and_python_path_is_kept_absolute(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "seed.json").write_text('{"pools": [{"Id": "us-east-1_Seeded01", "PoolName": "seeded"}]}')
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(["relative-entry", os.environ.get("PYTHONPATH", "")]))
    with UserpoolServer(["--seed", "seed.json"], cwd=tmp_path) as server:
        assert server.client().describe_user_pool(UserPoolId="us-east-1_Seeded01")["UserPool"]["Name"] == "seeded"
    entries = server_module._python_path("relative-entry").split(os.pathsep)
    assert os.path.abspath("relative-entry") in entries and all(os.path.isabs(e) for e in entries)
