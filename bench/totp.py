"""The ``totp`` workload: a password sign-in followed by SOFTWARE_TOKEN_MFA (one login = both
requests), in a pool of its own with MFA OPTIONAL and TOTP enabled, whose users set up an
authenticator through the standard API (AssociateSoftwareToken, VerifySoftwareToken,
AdminSetUserMFAPreference) before the clock starts.

A real server accepts each code once per 30-second step (one step of skew either way), so a user
signs in about once per step: the workload has ``PER_USER_FACTOR`` times as many users as the
others, and every login takes the next user in one rotation shared by all workers (so each user's
sign-ins are as far apart as the pool allows, and none has two in flight), with that user's next
unspent step. A user without one is passed over; if every user is spent the login is reported as
"no unspent TOTP step" — a bench artefact (too few users for the rate), not a server fault.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyotp

from bench.client import AUTH_FLOWS, PASSWORD, Conn, boto_client, dumps, error_type

#: The totp pool has this many users per user of the other workloads.
PER_USER_FACTOR = 3
STEP = 30


@dataclass
class TotpSetup:
    pool_id: str
    client_id: str
    secrets: dict[str, str]  # user → base32 SecretCode
    problems: list[str] = field(default_factory=list)
    _last: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _turn: int = 0

    @property
    def users(self) -> list[str]:
        return list(self.secrets)

    def next_code(self, user: str) -> str | None:
        """The code of the user's next unspent step within ±1 of now, or None if all are spent."""
        with self._lock:
            return self._take(user, int(time.time()) // STEP)

    def next_user(self) -> tuple[str, str] | None:
        """The next user in the shared rotation that has an unspent step, with its code."""
        names = self.users
        now_step = int(time.time()) // STEP
        with self._lock:
            for _ in range(len(names)):
                user = names[self._turn % len(names)]
                self._turn += 1
                code = self._take(user, now_step)
                if code is not None:
                    return user, code
        return None

    def _take(self, user: str, now_step: int) -> str | None:
        step = max(self._last.get(user, now_step - 2) + 1, now_step - 1)
        if step > now_step + 1:
            return None
        self._last[user] = step
        return str(pyotp.TOTP(self.secrets[user]).at(step * STEP))


def setup_totp(url: str, n_users: int, threads: int = 8) -> TotpSetup:
    idp = boto_client(url)
    pool_id = idp.create_user_pool(PoolName="bench-totp")["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                                 SoftwareTokenMfaConfiguration={"Enabled": True})
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="bench-totp", GenerateSecret=False,
                                            ExplicitAuthFlows=AUTH_FLOWS)["UserPoolClient"]["ClientId"]
    local = [boto_client(url) for _ in range(threads)]
    problems: list[str] = []

    def make(i: int) -> tuple[str, str, int] | None:
        api = local[i % threads]
        name = f"totp{i:07d}"
        try:
            api.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
            api.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)
            tokens = api.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id,
                                             AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                             AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
            access = tokens["AuthenticationResult"]["AccessToken"]
            secret = api.associate_software_token(AccessToken=access)["SecretCode"]
            now = time.time()
            api.verify_software_token(AccessToken=access, UserCode=pyotp.TOTP(secret).at(now))
            api.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=name,
                                              SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
        except Exception as exc:
            problems.append(f"{type(exc).__name__}: {exc}")
            return None
        return name, secret, int(now) // STEP  # the verification spent this step

    with ThreadPoolExecutor(threads) as pool:
        made = [row for row in pool.map(make, range(n_users)) if row is not None]
    setup = TotpSetup(pool_id, client_id, {name: secret for name, secret, _ in made}, sorted(set(problems))[:5])
    setup._last.update({name: step for name, _, step in made})
    return setup


def login(setup: TotpSetup, conn: Conn, user: str | None = None, *, code: str | None = None) -> tuple[int, bytes] | str:
    """Both requests for ``user`` (default: the next in the rotation); the final (status, body), or
    why there was no SOFTWARE_TOKEN_MFA challenge."""
    if user is None:
        picked = setup.next_user()
        if picked is None:
            return "no unspent TOTP step for any user (bench artefact: too few users for the rate)"
        user, code = picked
    status, data = conn.call("InitiateAuth", dumps({
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": setup.client_id,
        "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD}}))
    if status != 200:
        return error_type(status, data)
    doc: dict[str, Any] = json.loads(data)
    if doc.get("ChallengeName") != "SOFTWARE_TOKEN_MFA":
        return f"no SOFTWARE_TOKEN_MFA challenge: {data[:160]!r}"
    code = code if code is not None else setup.next_code(user)
    if code is None:
        return "no unspent TOTP step for this user (bench artefact: too few users for the rate)"
    return conn.call("RespondToAuthChallenge", dumps({
        "ChallengeName": "SOFTWARE_TOKEN_MFA", "ClientId": setup.client_id, "Session": doc["Session"],
        "ChallengeResponses": {"USERNAME": user, "SOFTWARE_TOKEN_MFA_CODE": code}}))


def wrong_code(secret: str) -> str:
    """A six-digit code that is none of the three accepted now."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    taken = {totp.at(now + offset) for offset in (-STEP, 0, STEP)}
    candidate = 0
    while f"{candidate:06d}" in taken:
        candidate += 1
    return f"{candidate:06d}"
