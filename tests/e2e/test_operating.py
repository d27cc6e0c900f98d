"""Operating a real server (issue 15 items 3 and 4): ``GET /health`` and ``GET /metrics`` from a
``userpool serve --workers 2`` process, counts added up across its workers, and a per-request
log that never holds a password, code, token, secret, session or SRP value."""

from __future__ import annotations

import base64
import concurrent.futures
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from botocore.exceptions import ClientError
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families
from psycopg import sql
from pycognito.aws_srp import AWSSRP
from sqlalchemy.engine import make_url

from tests.conftest import postgres_admin_url, require_postgres
from tests.e2e.conftest import compute_secret_hash
from tests.e2e.server import ACCESS_KEY, SECRET_KEY, Server, start_server
from userpool.storage.sql.migrations import LATEST_VERSION

pytestmark = pytest.mark.e2e

PASSWORD = "Operating-Passw0rd!"
TARGET = "AWSCognitoIdentityProviderService."
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


@dataclass
class Operated:
    server: Server
    backend: str
    db_url: str | None  # PostgreSQL's URL; None on SQLite (the file in the data directory)

    def schema_rows(self, statement: str, *args: Any) -> None:
        if self.db_url is None:
            with sqlite3.connect(self.server.data_dir / "userpool.db") as conn:
                conn.execute(statement.replace("%s", "?"), args)
        else:
            with psycopg.connect(self.db_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
                conn.execute(statement, args)  # type: ignore[arg-type]


def _operated(data_dir: Path, backend: str, *args: str) -> Iterator[Operated]:
    """``userpool serve --workers 2`` on ``backend`` (a fresh PostgreSQL database dropped after)."""
    creds = ("--admin-credentials", f"{ACCESS_KEY}:{SECRET_KEY}", "--workers", "2")
    if backend == "sqlite":
        server = start_server(data_dir, *creds, *args)
        try:
            yield Operated(server, backend, None)
        finally:
            server.stop()
        return
    admin = require_postgres()
    name = f"userpool_ops_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
        server = start_server(data_dir, *creds, *args, db=url)
        try:
            yield Operated(server, backend, url)
        finally:
            server.stop()
    finally:
        with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=BACKENDS)
def operated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operated]:
    """Two workers, JSON request log at info level, one trigger function in process."""
    yield from _operated(
        tmp_path_factory.mktemp(f"ops-{request.param}"), request.param, "--log-format", "json",
        "--log-level", "info", "--lambda-function", "ops-pre=tests.triggers.functions:record_only",
        "--lambda-function", "ops-refuse=tests.triggers.functions:refuse",
    )


def _arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:000000000000:function:{name}"


def scrape(server: Server) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``GET /metrics`` (a fresh connection, so any worker may answer)."""
    answer = httpx.get(server.url + "/metrics", headers={"connection": "close"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def call(server: Server, operation: str, body: dict[str, Any]) -> httpx.Response:
    """One unsigned API call on a connection of its own."""
    return httpx.post(server.url, content=json.dumps(body), headers={
        "x-amz-target": TARGET + operation, "content-type": "application/x-amz-json-1.1", "connection": "close"})


def _pool(operated: Operated, **settings: Any) -> tuple[Any, str, str]:
    idp = operated.server.client()
    pool_id = idp.create_user_pool(PoolName=f"ops-{uuid.uuid4().hex[:6]}", **settings)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app",
                                            ExplicitAuthFlows=FLOWS)["UserPoolClient"]["ClientId"]
    return idp, pool_id, client_id


def _user(idp: Any, pool_id: str, name: str) -> None:
    idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)


def _worker_files(server: Server) -> dict[int, Path]:
    """The Prometheus counter file of each worker process of ``server`` (found through /proc)."""
    files: dict[int, Path] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            environ = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) != server.process.pid or b"spawn_main" not in command:
            continue  # not a worker of this server (multiprocessing's resource tracker is a child too)
        shared = next((v.split(b"=", 1)[1] for v in environ if v.startswith(b"PROMETHEUS_MULTIPROC_DIR=")), None)
        if shared is not None:
            files[int(entry)] = Path(shared.decode()) / f"counter_{entry}.db"
    return files


def _count_in(path: Path, name: str, **labels: str) -> float:
    """One worker's own count of a labelled counter, read from its file."""
    if not path.exists():
        return 0.0
    wanted = tuple(sorted(labels.items()))
    total = 0.0
    for key, found, _timestamp, _offset in MmapedDict.read_all_values_from_file(str(path)):
        metric, sample, label_values, _help = json.loads(key)
        if metric == name and sample == f"{name}_total" and tuple(sorted(label_values.items())) == wanted:
            total += found
    return total


def test_health_answers_with_the_database_and_schema(operated: Operated) -> None:
    answer = httpx.get(operated.server.url + "/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "sqlite" if operated.backend == "sqlite" else "postgresql",
                             "schema": LATEST_VERSION}
    assert httpx.head(operated.server.url + "/health").status_code == 200


def test_health_is_503_while_the_schema_is_not_the_servers(operated: Operated) -> None:
    """A database a newer server migrated (say, during a rolling upgrade) is not ready for this one."""
    newer = LATEST_VERSION + 1
    operated.schema_rows("INSERT INTO schema_version (version, applied_at) VALUES (%s, %s)", newer, time.time())
    try:
        for _ in range(4):  # whichever worker answers
            answer = httpx.get(operated.server.url + "/health", headers={"connection": "close"})
            assert answer.status_code == 503
            assert answer.json()["status"] == "unavailable" and answer.json()["schema"] == newer
            assert f"this server needs {LATEST_VERSION}" in answer.json()["reason"]
    finally:
        operated.schema_rows("DELETE FROM schema_version WHERE version = %s", newer)
    assert httpx.get(operated.server.url + "/health").status_code == 200


def test_metrics_add_up_across_workers(operated: Operated) -> None:
    server = operated.server
    idp, pool_id, client_id = _pool(operated)
    _user(idp, pool_id, "ok-user")
    _user(idp, pool_id, "locked-user")
    workers = _worker_files(server)
    assert len(workers) == 2, workers
    before = scrape(server)
    ok_body = {"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "ok-user", "PASSWORD": PASSWORD}}
    sent = 0
    # Sign-ins on connections of their own, eight at a time, until both workers have served some.
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for _ in range(10):
            statuses = list(pool.map(lambda _: call(server, "InitiateAuth", ok_body).status_code, range(16)))
            assert statuses == [200] * 16
            sent += 16
            if all(_count_in(path, "userpool_requests", operation="InitiateAuth", outcome="ok") > 0
                   for path in workers.values()):
                break
    per_worker = {pid: _count_in(path, "userpool_requests", operation="InitiateAuth", outcome="ok")
                  for pid, path in workers.items()}
    assert all(count > 0 for count in per_worker.values()), per_worker
    # Five wrong passwords lock the user out once (spec §9.1); the sixth attempt is refused uncounted.
    wrong = {"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
             "AuthParameters": {"USERNAME": "locked-user", "PASSWORD": "Wrong-Passw0rd!"}}
    for _ in range(6):
        assert call(server, "InitiateAuth", wrong).json()["__type"] == "NotAuthorizedException"
    assert call(server, "InitiateAuth", {"ClientId": client_id, "AuthFlow": "NOT_A_FLOW", "AuthParameters": {}}
                ).json()["__type"] == "InvalidParameterException"
    scrapes = [scrape(server) for _ in range(6)]  # any worker answers: every one adds up all workers' counts
    for after in scrapes:
        ok = value(after, "userpool_requests_total", operation="InitiateAuth", outcome="ok")
        assert ok - value(before, "userpool_requests_total", operation="InitiateAuth", outcome="ok") == sent
        assert ok == sum(_count_in(path, "userpool_requests", operation="InitiateAuth", outcome="ok")
                         for path in workers.values())
        refused = "userpool_requests_total", {"operation": "InitiateAuth", "outcome": "NotAuthorizedException"}
        assert value(after, refused[0], **refused[1]) - value(before, refused[0], **refused[1]) == 6
        invalid = {"operation": "InitiateAuth", "outcome": "InvalidParameterException"}
        assert value(after, "userpool_requests_total", **invalid) - value(before, "userpool_requests_total",
                                                                          **invalid) == 1
        # Timed: every sign-in that passed validation, refused ones included; not the invalid flow.
        timed = value(after, "userpool_sign_in_seconds_count", flow="USER_PASSWORD_AUTH")
        assert timed - value(before, "userpool_sign_in_seconds_count", flow="USER_PASSWORD_AUTH") == sent + 6
        assert value(after, "userpool_sign_in_seconds_bucket", flow="USER_PASSWORD_AUTH", le="+Inf") == timed
        assert value(after, "userpool_sign_in_seconds_sum", flow="USER_PASSWORD_AUTH") > 0
        assert not any(labels and dict(labels).get("flow") == "NOT_A_FLOW" for _, labels in after)
        assert value(after, "userpool_lockouts_total") - value(before, "userpool_lockouts_total") == 1
        assert value(after, "userpool_database_errors_total") == 0
    assert scrapes[0] == scrapes[-1]


def test_codes_and_triggers_are_counted(operated: Operated) -> None:
    server = operated.server
    idp, pool_id, client_id = _pool(operated, AutoVerifiedAttributes=["email"])
    before = scrape(server)
    idp.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"],
                         LambdaConfig={"PreSignUp": _arn("ops-pre")})
    for name in ("ann", "bob"):
        idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
    idp.resend_confirmation_code(ClientId=client_id, Username="ann")
    idp.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"],
                         LambdaConfig={"PreSignUp": _arn("ops-refuse")})
    with pytest.raises(ClientError) as refused:
        idp.sign_up(ClientId=client_id, Username="cy", Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": "cy@example.com"}])
    assert refused.value.response["Error"]["Code"] == "UserLambdaValidationException"
    after = scrape(server)
    assert value(after, "userpool_codes_sent_total", medium="EMAIL") - value(
        before, "userpool_codes_sent_total", medium="EMAIL") == 3
    assert value(after, "userpool_trigger_invocations_total", trigger="PreSignUp", outcome="ok") - value(
        before, "userpool_trigger_invocations_total", trigger="PreSignUp", outcome="ok") == 2
    failed = {"trigger": "PreSignUp", "outcome": "UserLambdaValidationException"}
    assert value(after, "userpool_trigger_invocations_total", **failed) - value(
        before, "userpool_trigger_invocations_total", **failed) == 1
    assert value(after, "userpool_requests_total", operation="SignUp", outcome="UserLambdaValidationException") >= 1


def test_no_secret_reaches_the_log(operated: Operated) -> None:
    """Requests carrying passwords, an SRP A and proof, codes, refresh / access / ID tokens, client
    secrets, SECRET_HASH and sessions: none of them, nor what the server answered with (SRP B,
    SECRET_BLOCK, tokens), appears in the server's log, and every request has its line."""
    server = operated.server
    idp = server.client()
    pool_id = idp.create_user_pool(PoolName="ops-secrets", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", GenerateSecret=True,
                                         ExplicitAuthFlows=FLOWS)["UserPoolClient"]
    client_id, client_secret = client["ClientId"], client["ClientSecret"]
    secrets: list[str] = [client_secret, SECRET_KEY]
    request_ids: list[str] = []

    def note(response: dict[str, Any]) -> dict[str, Any]:
        request_ids.append(response["ResponseMetadata"]["RequestId"])
        return response

    def hashed(name: str) -> str:
        secrets.append(compute_secret_hash(client_secret, name, client_id))
        return secrets[-1]

    # Sign-up and its code.
    note(idp.sign_up(ClientId=client_id, SecretHash=hashed("una"), Username="una", Password=PASSWORD,
                     UserAttributes=[{"Name": "email", "Value": "una@example.com"}]))
    code = server.last_code("una")
    note(idp.confirm_sign_up(ClientId=client_id, SecretHash=hashed("una"), Username="una", ConfirmationCode=code))
    secrets += [PASSWORD, code]
    # A wrong password, then the right one; the tokens used.
    wrong = "Not-The-Passw0rd!"
    with pytest.raises(ClientError) as refused:
        idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "una", "PASSWORD": wrong, "SECRET_HASH": hashed("una")})
    request_ids.append(refused.value.response["ResponseMetadata"]["RequestId"])
    secrets.append(wrong)
    tokens = note(idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "una", "PASSWORD": PASSWORD, "SECRET_HASH": hashed("una")}))["AuthenticationResult"]
    secrets += [tokens["AccessToken"], tokens["IdToken"], tokens["RefreshToken"]]
    note(idp.get_user(AccessToken=tokens["AccessToken"]))
    refreshed = note(idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={
        "REFRESH_TOKEN": tokens["RefreshToken"], "SECRET_HASH": hashed("una")}))["AuthenticationResult"]
    secrets += [refreshed["AccessToken"], refreshed["IdToken"]]
    note(idp.get_tokens_from_refresh_token(RefreshToken=tokens["RefreshToken"], ClientId=client_id,
                                           ClientSecret=client_secret))
    # USER_SRP_AUTH: A, B, the SECRET_BLOCK, the proof.
    srp = AWSSRP(username="una", password=PASSWORD, pool_id=pool_id, client_id=client_id,
                 client_secret=client_secret, client=idp)
    parameters = srp.get_auth_params()
    challenge = note(idp.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=parameters))
    answers = srp.process_challenge(challenge["ChallengeParameters"], parameters)
    note(idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="PASSWORD_VERIFIER",
                                       ChallengeResponses=answers))
    secrets += [parameters["SRP_A"], challenge["ChallengeParameters"]["SRP_B"],
                challenge["ChallengeParameters"]["SECRET_BLOCK"], answers["PASSWORD_CLAIM_SIGNATURE"]]
    # A session: NEW_PASSWORD_REQUIRED after a temporary password.
    temporary, new = "Tempor-Passw0rd!", "Brand-New-Passw0rd!"
    note(idp.admin_create_user(UserPoolId=pool_id, Username="ted", TemporaryPassword=temporary,
                               MessageAction="SUPPRESS"))
    started = note(idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "ted", "PASSWORD": temporary, "SECRET_HASH": hashed("ted")}))
    note(idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
                                       Session=started["Session"], ChallengeResponses={
                                           "USERNAME": "ted", "NEW_PASSWORD": new, "SECRET_HASH": hashed("ted")}))
    secrets += [temporary, new, started["Session"]]
    # Forgotten password: its code and the new password; then revocation with the client secret.
    note(idp.forgot_password(ClientId=client_id, SecretHash=hashed("una"), Username="una"))
    reset_code, reset = server.last_code("una", "FORGOT_PASSWORD"), "Reset-Passw0rd!"
    note(idp.confirm_forgot_password(ClientId=client_id, SecretHash=hashed("una"), Username="una",
                                     ConfirmationCode=reset_code, Password=reset))
    note(idp.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id, ClientSecret=client_secret))
    secrets += [reset_code, reset]

    time.sleep(0.2)  # the workers' stderr reaches the log file
    log = server.log()
    for secret in secrets:
        assert secret not in log
        for part in (secret[:24], secret[-24:]) if len(secret) > 48 else ():
            assert part not in log  # nor a fragment of a long one
        assert base64.b64encode(secret.encode()).decode()[:20] not in log
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    requests = {line["request_id"]: line for line in lines if line.get("logger") == "userpool.requests"}
    assert set(request_ids) <= set(requests)
    fields = {"time", "level", "logger", "message", "request_id", "operation", "pool", "client", "outcome",
              "status", "duration_ms", "remote"}
    assert all(set(line) == fields for line in requests.values())
    by_operation = {line["operation"]: line for line in requests.values() if line["pool"] == pool_id}
    assert by_operation["GetUser"]["client"] == client_id  # resolved from the access token
    assert by_operation["RespondToAuthChallenge"]["client"] == client_id
    first = requests[request_ids[0]]
    assert (first["operation"], first["pool"], first["client"], first["outcome"], first["status"]) == (
        "SignUp", pool_id, client_id, "ok", 200)
    assert first["remote"] == "127.0.0.1" and first["duration_ms"] > 0
    failed = requests[request_ids[2]]
    assert (failed["operation"], failed["outcome"], failed["status"]) == ("InitiateAuth", "NotAuthorizedException",
                                                                          400)


def test_metrics_off_and_plain_text_log(tmp_path: Path) -> None:
    """``--metrics off``: no /metrics route. The default log format: one plain line per request."""
    for operated in _operated(tmp_path, "sqlite", "--metrics", "off", "--log-level", "info"):
        assert httpx.get(operated.server.url + "/metrics").status_code == 404
        answer = call(operated.server, "ListUserPools", {"MaxResults": 1})
        assert answer.status_code == 400  # not signed
        time.sleep(0.2)
        request_id = answer.headers["x-amzn-requestid"]
        (line,) = [line for line in operated.server.log().splitlines() if request_id in line]
        assert " INFO userpool.requests request " in line
        assert f"request_id={request_id} operation=ListUserPools pool=- client=- " in line
        assert " status=400 " in line and " remote=127.0.0.1" in line and "duration_ms=" in line


@pytest.mark.postgres
def test_an_unreachable_database_is_503_and_counted(tmp_path: Path) -> None:
    """The database goes away under a running server: /health says so, API calls answer
    InternalErrorException, database errors are counted, and /metrics still answers."""
    for operated in _operated(tmp_path, "postgres"):
        server = operated.server
        _, _, client_id = _pool(operated)
        before = scrape(server)
        assert operated.db_url is not None
        name = make_url(operated.db_url).database
        with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(str(name))))
        for _ in range(4):
            answer = httpx.get(server.url + "/health", headers={"connection": "close"})
            assert answer.status_code == 503
            assert answer.json() == {"status": "unavailable", "reason": "database unreachable"}
        failed = call(server, "InitiateAuth", {"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                                              "AuthParameters": {"USERNAME": "x", "PASSWORD": PASSWORD}})
        assert (failed.status_code, failed.json()["__type"]) == (500, "InternalErrorException")
        after = scrape(server)
        assert value(after, "userpool_database_errors_total") - value(before, "userpool_database_errors_total") >= 5
        assert value(after, "userpool_requests_total", operation="InitiateAuth", outcome="InternalErrorException") == 1
