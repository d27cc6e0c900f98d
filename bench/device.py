"""The ``device`` workload: a sign-in on a remembered device (spec §4.11, §5.7–5.8). One login =
InitiateAuth USER_PASSWORD_AUTH with the DEVICE_KEY → DEVICE_SRP_AUTH, RespondToAuthChallenge
DEVICE_SRP_AUTH with SRP_A → DEVICE_PASSWORD_VERIFIER, RespondToAuthChallenge with the device's
proof → tokens, in a pool of its own that tracks devices (remembered at once).

Before the clock starts each user signs in once and confirms the device it got, with a device
secret drawn here (the verifier computed as amazon-cognito-identity-js does). The flow is credited
only if a wrong device secret is refused (``workloads.check_device``). Peers without device
tracking cannot set it up.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.client import PASSWORD, Conn, boto_client, dumps, error_type, signed_in_users
from bench.srp_client import Ephemeral
from userpool.crypto import srp

FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


@dataclass(frozen=True)
class Device:
    key: str
    group_key: str
    password: str


@dataclass
class DeviceSetup:
    pool_id: str
    client_id: str
    devices: dict[str, Device]  # user -> the remembered device
    problems: list[str] = field(default_factory=list)

    @property
    def users(self) -> list[str]:
        return list(self.devices)


def setup_device(url: str, n_users: int, threads: int = 8) -> DeviceSetup:
    idp = boto_client(url)
    pool_id = idp.create_user_pool(PoolName="bench-device", DeviceConfiguration={
        "ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False})["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="bench-device", GenerateSecret=False,
                                            ExplicitAuthFlows=FLOWS)["UserPoolClient"]["ClientId"]
    def confirmed(api: Any, name: str, result: dict[str, Any]) -> Device:
        metadata = result["NewDeviceMetadata"]
        device = Device(metadata["DeviceKey"], metadata["DeviceGroupKey"], base64.b64encode(os.urandom(40)).decode())
        salt = os.urandom(16)
        verifier = srp.make_verifier(device.group_key, device.key, device.password, salt)
        api.confirm_device(AccessToken=result["AccessToken"], DeviceKey=device.key, DeviceName="bench",
                           DeviceSecretVerifierConfig={"Salt": base64.b64encode(salt).decode(),
                                                       "PasswordVerifier": base64.b64encode(verifier).decode()})
        return device

    made, problems = signed_in_users(url, pool_id, client_id, n_users, "device", confirmed, threads)
    return DeviceSetup(pool_id, client_id, made, problems)


def login(setup: DeviceSetup, conn: Conn, user: str, eph: Ephemeral, *, wrong: bool = False) -> tuple[int, bytes] | str:
    """The three requests; the final (status, body), or why a step gave no challenge."""
    device = setup.devices[user]
    status, data = conn.call("InitiateAuth", dumps({
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": setup.client_id,
        "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD, "DEVICE_KEY": device.key}}))
    doc = _challenge(status, data, "DEVICE_SRP_AUTH")
    if isinstance(doc, str):
        return doc
    status, data = conn.call("RespondToAuthChallenge", dumps({
        "ChallengeName": "DEVICE_SRP_AUTH", "ClientId": setup.client_id, "Session": doc.get("Session", ""),
        "ChallengeResponses": {"USERNAME": user, "DEVICE_KEY": device.key, "SRP_A": eph.srp_a}}))
    doc = _challenge(status, data, "DEVICE_PASSWORD_VERIFIER")
    if isinstance(doc, str):
        return doc
    params = doc["ChallengeParameters"]
    password = "a-wrong-device-secret" if wrong else device.password
    salt = int(params["SALT"], 16).to_bytes(max(1, (int(params["SALT"], 16).bit_length() + 7) // 8), "big")
    key = srp.client_session_key(device.group_key, device.key, password, salt, eph.a, int(params["SRP_B"], 16))
    timestamp = srp.format_timestamp(datetime.now(UTC))
    signature = srp.claim_signature(key, device.group_key, device.key, base64.b64decode(params["SECRET_BLOCK"]),
                                    timestamp)
    return conn.call("RespondToAuthChallenge", dumps({
        "ChallengeName": "DEVICE_PASSWORD_VERIFIER", "ClientId": setup.client_id, "Session": doc.get("Session", ""),
        "ChallengeResponses": {"USERNAME": params.get("USERNAME", user), "DEVICE_KEY": device.key,
                               "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"], "TIMESTAMP": timestamp,
                               "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(signature).decode()}}))


def _challenge(status: int, data: bytes, name: str) -> dict[str, Any] | str:
    if status != 200:
        return error_type(status, data)
    doc: dict[str, Any] = json.loads(data)
    if doc.get("ChallengeName") != name:
        return f"no {name}: {data[:160]!r}"
    return doc
