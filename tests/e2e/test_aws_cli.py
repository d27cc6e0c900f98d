"""The unmodified AWS CLI (v1, ``aws cognito-idp``) against the server: pool, secret client, admin
user, permanent password, ADMIN_USER_PASSWORD_AUTH with SECRET_HASH, and its error reporting."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.conftest import PASSWORD
from tests.e2e.server import ACCESS_KEY, REGION, SECRET_KEY, Server

AWS = str(Path(sys.executable).with_name("aws"))


def aws(server: Server, tmp_path: Path, *args: str, secret_key: str = SECRET_KEY) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=secret_key,
        AWS_CONFIG_FILE=str(tmp_path / "no-config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
        AWS_EC2_METADATA_DISABLED="true", AWS_MAX_ATTEMPTS="1", AWS_RETRY_MODE="standard",
    )
    command = [AWS, "cognito-idp", *args, "--endpoint-url", server.url, "--region", REGION, "--output", "json"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else {}


def test_aws_cli_admin_sign_in(server: Server, tmp_path: Path) -> None:
    pool = ok(aws(server, tmp_path, "create-user-pool", "--pool-name", "cli-pool"))["UserPool"]
    pool_id = pool["Id"]
    assert pool_id.startswith(f"{REGION}_")
    client = ok(aws(server, tmp_path, "create-user-pool-client", "--user-pool-id", pool_id, "--client-name", "cli",
                    "--generate-secret", "--explicit-auth-flows", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                    "ALLOW_REFRESH_TOKEN_AUTH"))["UserPoolClient"]
    client_id, secret = client["ClientId"], client["ClientSecret"]
    user = ok(aws(server, tmp_path, "admin-create-user", "--user-pool-id", pool_id, "--username", "cliuser",
                  "--message-action", "SUPPRESS"))["User"]
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    ok(aws(server, tmp_path, "admin-set-user-password", "--user-pool-id", pool_id, "--username", "cliuser",
           "--password", PASSWORD, "--permanent"))

    digest = hmac.new(secret.encode(), ("cliuser" + client_id).encode(), hashlib.sha256).digest()
    secret_hash = base64.b64encode(digest).decode()

    def sign_in(password: str) -> subprocess.CompletedProcess[str]:
        return aws(server, tmp_path, "admin-initiate-auth", "--user-pool-id", pool_id, "--client-id", client_id,
                   "--auth-flow", "ADMIN_USER_PASSWORD_AUTH", "--auth-parameters",
                   f"USERNAME=cliuser,PASSWORD={password},SECRET_HASH={secret_hash}")

    result = ok(sign_in(PASSWORD))["AuthenticationResult"]
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 3600
    assert result["AccessToken"].count(".") == 2 and result["IdToken"] and result["RefreshToken"]

    wrong = sign_in("Wrong-Horse-9")
    assert wrong.returncode != 0
    assert "NotAuthorizedException" in wrong.stderr

    forged = aws(server, tmp_path, "list-user-pools", "--max-results", "5", secret_key="not-the-secret")
    assert forged.returncode != 0
    assert "InvalidSignatureException" in forged.stderr
