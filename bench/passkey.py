"""The ``web_authn`` workload: USER_AUTH with a passkey (spec §5.15). One login = InitiateAuth
USER_AUTH with PREFERRED_CHALLENGE WEB_AUTHN → WEB_AUTHN challenge, RespondToAuthChallenge with the
assertion of a software authenticator (bench/soft_authenticator.py) → tokens, in a pool of its own
with passkeys configured. Each user registers a passkey (Start / CompleteWebAuthnRegistration)
before the clock starts. The flow is credited only if an assertion from another origin is refused
(``workloads.check_web_authn``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bench.client import Conn, boto_client, dumps, error_type, signed_in_users
from bench.soft_authenticator import SoftAuthenticator

ORIGIN = "https://app.example.com"
FLOWS = ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


@dataclass
class PasskeySetup:
    pool_id: str
    client_id: str
    authenticators: dict[str, SoftAuthenticator]  # user -> the authenticator holding their passkey
    problems: list[str] = field(default_factory=list)

    @property
    def users(self) -> list[str]:
        return list(self.authenticators)


def setup_passkeys(url: str, n_users: int, threads: int = 8) -> PasskeySetup:
    idp = boto_client(url)
    pool_id = idp.create_user_pool(PoolName="bench-passkeys", Policies={
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, WebAuthnConfiguration={
        "RelyingPartyId": "example.com", "UserVerification": "required"})
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="bench-passkeys", GenerateSecret=False,
                                            ExplicitAuthFlows=FLOWS)["UserPoolClient"]["ClientId"]
    def registered(api: Any, name: str, result: dict[str, Any]) -> SoftAuthenticator:
        access = result["AccessToken"]
        options = api.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
        authenticator = SoftAuthenticator(ORIGIN)
        api.complete_web_authn_registration(AccessToken=access, Credential=authenticator.register(options))
        return authenticator

    made, problems = signed_in_users(url, pool_id, client_id, n_users, "passkey", registered, threads)
    return PasskeySetup(pool_id, client_id, made, problems)


def login(setup: PasskeySetup, conn: Conn, user: str, *, wrong: bool = False) -> tuple[int, bytes] | str:
    """Both requests; the final (status, body), or why there was no WEB_AUTHN challenge."""
    status, data = conn.call("InitiateAuth", dumps({
        "AuthFlow": "USER_AUTH", "ClientId": setup.client_id,
        "AuthParameters": {"USERNAME": user, "PREFERRED_CHALLENGE": "WEB_AUTHN"}}))
    if status != 200:
        return error_type(status, data)
    doc: dict[str, Any] = json.loads(data)
    if doc.get("ChallengeName") != "WEB_AUTHN":
        return f"no WEB_AUTHN challenge: {data[:160]!r}"
    request = doc["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
    credential = setup.authenticators[user].assert_(request, origin="https://evil.example.net" if wrong else None)
    return conn.call("RespondToAuthChallenge", dumps({
        "ChallengeName": "WEB_AUTHN", "ClientId": setup.client_id, "Session": doc.get("Session", ""),
        "ChallengeResponses": {"USERNAME": user, "CREDENTIAL": credential}}))
