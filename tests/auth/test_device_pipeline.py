"""Devices in the sign-in pipeline, in process (issue 13): NewDeviceMetadata, DEVICE_SRP_AUTH /
DEVICE_PASSWORD_VERIFIER, the MFA skip of a remembered device, the "Device does not exist."
retry contract, refresh binding, and the attacks: a device secret alone, replays, another
user's device. End-to-end tests with real clients are in tests/e2e/test_devices*.py."""

from __future__ import annotations

import base64
import dataclasses
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.auth.conftest import Harness, refused
from tests.auth.test_mfa_pipeline import SECRET, code_now, mfa_pool, mfa_user
from userpool.auth import engine
from userpool.auth.context import AuthCall
from userpool.crypto import srp
from userpool.model.entities import SOFTWARE_TOKEN_MFA, DeviceSecret, SoftwareToken
from userpool.model.errors import NotAuthorizedException, ResourceNotFoundException
from userpool.triggers.in_process import InProcessInvoker

WRONG = "Incorrect username or password."
INVALID = "Invalid session for the user."
UNKNOWN = "Device does not exist."
DEVICE_PASSWORD = "device-password-from-the-client"
REMEMBER = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False}


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def tracked_pool(h: Harness, **device_configuration: Any) -> tuple[str, dict[str, Any]]:
    pool_id = h.pool(DeviceConfiguration=device_configuration or REMEMBER)
    return pool_id, h.client(pool_id)


def confirm(h: Harness, pool_id: str, metadata: dict[str, str], *, remembered: bool = True) -> None:
    """What ConfirmDevice stores: the client's verifier of its device password (spec §4.11)."""
    salt = bytes(range(1, 17))
    verifier = srp.make_verifier(metadata["DeviceGroupKey"], metadata["DeviceKey"], DEVICE_PASSWORD, salt)
    with h.rt.store.transaction() as tx:
        device = tx.lock_device(pool_id, metadata["DeviceKey"])
        assert device is not None
        tx.update_device(replace(device, secret=DeviceSecret(salt, verifier), remembered=remembered))


def device_sign_in(h: Harness, client: dict[str, Any], first: dict[str, Any], metadata: dict[str, str],
                   username: str = "ann", password: str = DEVICE_PASSWORD, *, with_session: bool = True,
                   a: int = 0x1234567890ABCDEF) -> dict[str, Any]:
    """Answers DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER as amazon-cognito-identity-js does."""
    assert first["ChallengeName"] == "DEVICE_SRP_AUTH"
    assert first["ChallengeParameters"] == {}
    key, group = metadata["DeviceKey"], metadata["DeviceGroupKey"]
    verifier = h.respond(client, "DEVICE_SRP_AUTH", first["Session"] if with_session else "",
                         USERNAME=username, DEVICE_KEY=key, SRP_A=format(srp.client_a(a), "x"))
    assert verifier["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    params = verifier["ChallengeParameters"]
    assert params["DEVICE_KEY"] == key and params["USERNAME"] == username
    session_key = srp.client_session_key(group, key, password, bytes.fromhex(params["SALT"].rjust(32, "0")), a,
                                         int(params["SRP_B"], 16))
    timestamp = srp.format_timestamp(datetime.fromtimestamp(h.clock.now(), UTC))
    signature = srp.claim_signature(session_key, group, key, base64.b64decode(params["SECRET_BLOCK"]), timestamp)
    return h.respond(client, "DEVICE_PASSWORD_VERIFIER", verifier["Session"], USERNAME=params["USERNAME"],
                     DEVICE_KEY=key, PASSWORD_CLAIM_SECRET_BLOCK=params["SECRET_BLOCK"],
                     PASSWORD_CLAIM_SIGNATURE=base64.b64encode(signature).decode(), TIMESTAMP=timestamp)


def totp_pool_with_devices(h: Harness, devices: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A pool requiring MFA, with user "ann" on a TOTP authenticator, tracking devices as told."""
    pool_id, client = mfa_pool(h, "ON", sms=False, email=False)
    mfa_user(h, pool_id, software_token=True, preferred=SOFTWARE_TOKEN_MFA, token=SoftwareToken(SECRET, "phone"))
    with h.rt.store.transaction() as tx:
        pool = tx.get_pool(pool_id)
        assert pool is not None
        tx.update_pool(replace(pool, config={**pool.config, "DeviceConfiguration": devices}))
    return pool_id, client


def remembered_device(h: Harness, pool_id: str, client: dict[str, Any], **confirm_options: Any) -> dict[str, str]:
    first = h.sign_in(client, "ann")
    metadata = first["AuthenticationResult"]["NewDeviceMetadata"]
    confirm(h, pool_id, metadata, **confirm_options)
    return dict(metadata)


def test_sign_in_mints_a_device_bound_to_the_tokens(harness: Harness) -> None:
    pool_id, client = tracked_pool(harness)
    harness.user(pool_id, "ann")
    result = harness.sign_in(client, "ann")["AuthenticationResult"]
    metadata = result["NewDeviceMetadata"]
    region, _, uuid = metadata["DeviceKey"].partition("_")
    assert region == pool_id.split("_")[0] and len(uuid) == 36
    assert metadata["DeviceGroupKey"].startswith("-") and len(metadata["DeviceGroupKey"]) == 9
    assert claims(result["AccessToken"])["device_key"] == metadata["DeviceKey"]
    with harness.rt.store.read() as tx:
        device = tx.get_device(pool_id, metadata["DeviceKey"])
    assert device is not None and device.username == "ann" and not device.confirmed
    # without the device's key, or before it is confirmed, the refresh token does not work (§11.2)
    with refused(NotAuthorizedException, "Invalid Refresh Token"):
        harness.refresh(client, result["RefreshToken"])
    with refused(NotAuthorizedException, "Invalid Refresh Token"):
        harness.initiate(client, "REFRESH_TOKEN_AUTH", REFRESH_TOKEN=result["RefreshToken"],
                         DEVICE_KEY=metadata["DeviceKey"])
    confirm(harness, pool_id, metadata)
    refreshed = harness.initiate(client, "REFRESH_TOKEN_AUTH", REFRESH_TOKEN=result["RefreshToken"],
                                 DEVICE_KEY=metadata["DeviceKey"])["AuthenticationResult"]
    assert claims(refreshed["AccessToken"])["device_key"] == metadata["DeviceKey"]
    with refused(NotAuthorizedException, "Invalid Refresh Token"):
        harness.refresh(client, result["RefreshToken"])


def test_no_tracking_no_device(harness: Harness) -> None:
    pool_id = harness.pool()
    client = harness.client(pool_id)
    harness.user(pool_id, "ann")
    result = harness.sign_in(client, "ann")["AuthenticationResult"]
    assert "NewDeviceMetadata" not in result and "device_key" not in claims(result["AccessToken"])


def test_remembered_device_signs_in_through_device_srp(harness: Harness) -> None:
    pool_id, client = tracked_pool(harness)
    harness.user(pool_id, "ann")
    metadata = remembered_device(harness, pool_id, client)
    harness.clock.advance(60)
    first = harness.initiate(client, USERNAME="ann", PASSWORD="Correct-Horse-9", DEVICE_KEY=metadata["DeviceKey"])
    result = device_sign_in(harness, client, first, metadata)["AuthenticationResult"]
    assert "NewDeviceMetadata" not in result
    assert claims(result["AccessToken"])["device_key"] == metadata["DeviceKey"]
    with harness.rt.store.read() as tx:
        device = tx.get_device(pool_id, metadata["DeviceKey"])
    assert device is not None and device.last_authenticated == harness.clock.now()


def test_pycognito_answers_device_srp_without_a_session(harness: Harness) -> None:
    pool_id, client = tracked_pool(harness)
    harness.user(pool_id, "ann")
    metadata = remembered_device(harness, pool_id, client)
    first = harness.initiate(client, USERNAME="ann", PASSWORD="Correct-Horse-9", DEVICE_KEY=metadata["DeviceKey"])
    assert "AuthenticationResult" in device_sign_in(harness, client, first, metadata, with_session=False)


def test_a_device_secret_alone_signs_nobody_in(harness: Harness) -> None:
    """DEVICE_SRP_AUTH is answerable only after the sign-in's earlier steps passed, once."""
    pool_id, client = tracked_pool(harness)
    harness.user(pool_id, "ann")
    metadata = remembered_device(harness, pool_id, client)
    forged = {"ChallengeName": "DEVICE_SRP_AUTH", "ChallengeParameters": {}, "Session": ""}
    with refused(NotAuthorizedException, INVALID):
        device_sign_in(harness, client, forged, metadata, with_session=False)
    first = harness.initiate(client, USERNAME="ann", PASSWORD="Correct-Horse-9", DEVICE_KEY=metadata["DeviceKey"])
    device_sign_in(harness, client, first, metadata)
    with refused(NotAuthorizedException, INVALID):  # the challenge is spent
        device_sign_in(harness, client, first, metadata)


def test_wrong_device_secret_is_refused_and_spends_the_block(harness: Harness) -> None:
    pool_id, client = tracked_pool(harness)
    harness.user(pool_id, "ann")
    metadata = remembered_device(harness, pool_id, client)
    first = harness.initiate(client, USERNAME="ann", PASSWORD="Correct-Horse-9", DEVICE_KEY=metadata["DeviceKey"])
    with refused(NotAuthorizedException, WRONG):
        device_sign_in(harness, client, first, metadata, password="not-the-device-password")
    with refused(NotAuthorizedException, INVALID):  # the DEVICE_SRP_AUTH step was spent too
        device_sign_in(harness, client, first, metadata)


def test_unknown_device_key_in_an_answer_keeps_the_challenge(harness: Harness) -> None:
    """Spec §2.4: "Device does not exist." and the same answer without the key still works."""
    pool_id, client = totp_pool_with_devices(harness, REMEMBER)
    challenge = harness.sign_in(client, "ann")
    assert challenge["ChallengeName"] == SOFTWARE_TOKEN_MFA
    with refused(ResourceNotFoundException, UNKNOWN):
        harness.respond(client, SOFTWARE_TOKEN_MFA, challenge["Session"], USERNAME="ann",
                        SOFTWARE_TOKEN_MFA_CODE=code_now(harness), DEVICE_KEY=f"{pool_id.split('_')[0]}_nope")
    done = harness.respond(client, SOFTWARE_TOKEN_MFA, challenge["Session"], USERNAME="ann",
                           SOFTWARE_TOKEN_MFA_CODE=code_now(harness))
    assert "NewDeviceMetadata" in done["AuthenticationResult"]


def test_unknown_device_key_at_initiate_is_ignored(harness: Harness) -> None:
    pool_id, client = tracked_pool(harness)
    harness.user(pool_id, "ann")
    result = harness.initiate(client, USERNAME="ann", PASSWORD="Correct-Horse-9", DEVICE_KEY="us-east-1_unknown")
    assert "NewDeviceMetadata" in result["AuthenticationResult"]


def test_another_users_device_is_unknown(harness: Harness) -> None:
    pool_id, client = tracked_pool(harness)
    harness.user(pool_id, "ann")
    harness.user(pool_id, "bob")
    metadata = remembered_device(harness, pool_id, client)
    result = harness.initiate(client, USERNAME="bob", PASSWORD="Correct-Horse-9", DEVICE_KEY=metadata["DeviceKey"])
    assert result["AuthenticationResult"]["NewDeviceMetadata"]["DeviceKey"] != metadata["DeviceKey"]


@pytest.mark.parametrize(("required", "remembered", "mfa_first"), [
    (True, True, False), (True, False, True), (False, True, True),
])
def test_mfa_and_the_remembered_device(harness: Harness, required: bool, remembered: bool, mfa_first: bool) -> None:
    """Spec §11.1: a remembered device skips MFA only under ChallengeRequiredOnNewDevice;
    otherwise MFA comes first and the MFA answer carrying the device key gets DEVICE_SRP_AUTH."""
    pool_id, client = totp_pool_with_devices(
        harness, {"ChallengeRequiredOnNewDevice": required, "DeviceOnlyRememberedOnUserPrompt": True})
    challenge = harness.sign_in(client, "ann")
    done = harness.respond(client, SOFTWARE_TOKEN_MFA, challenge["Session"], USERNAME="ann",
                           SOFTWARE_TOKEN_MFA_CODE=code_now(harness))
    metadata = done["AuthenticationResult"]["NewDeviceMetadata"]
    confirm(harness, pool_id, metadata, remembered=remembered)
    harness.clock.advance(90)
    first = harness.initiate(client, USERNAME="ann", PASSWORD="Correct-Horse-9", DEVICE_KEY=metadata["DeviceKey"])
    if mfa_first:
        assert first["ChallengeName"] == SOFTWARE_TOKEN_MFA
        first = harness.respond(client, SOFTWARE_TOKEN_MFA, first["Session"], USERNAME="ann",
                                SOFTWARE_TOKEN_MFA_CODE=code_now(harness), DEVICE_KEY=metadata["DeviceKey"])
    result = device_sign_in(harness, client, first, metadata)["AuthenticationResult"]
    assert claims(result["AccessToken"])["device_key"] == metadata["DeviceKey"]


def test_forgotten_device_ends_its_refresh_tokens(harness: Harness) -> None:
    pool_id, client = tracked_pool(harness)
    harness.user(pool_id, "ann")
    result = harness.sign_in(client, "ann")["AuthenticationResult"]
    metadata = result["NewDeviceMetadata"]
    confirm(harness, pool_id, metadata)
    with harness.rt.store.transaction() as tx:
        tx.delete_device(pool_id, metadata["DeviceKey"])
    with refused(NotAuthorizedException, "Invalid Refresh Token"):
        harness.initiate(client, "REFRESH_TOKEN_AUTH", REFRESH_TOKEN=result["RefreshToken"],
                         DEVICE_KEY=metadata["DeviceKey"])


def test_device_answer_for_another_client_is_refused(harness: Harness) -> None:
    pool_id, client = tracked_pool(harness)
    other = harness.client(pool_id)
    harness.user(pool_id, "ann")
    metadata = remembered_device(harness, pool_id, client)
    first = harness.initiate(client, USERNAME="ann", PASSWORD="Correct-Horse-9", DEVICE_KEY=metadata["DeviceKey"])
    with refused(NotAuthorizedException, INVALID):
        device_sign_in(harness, other, first, metadata)


def test_source_ip_is_recorded(harness: Harness) -> None:
    pool_id, client = tracked_pool(harness)
    harness.user(pool_id, "ann")
    result = engine.initiate(harness.auth, AuthCall(
        client_id=client["ClientId"], admin=False, base_url="http://userpool.test",
        parameters={"USERNAME": "ann", "PASSWORD": "Correct-Horse-9"}, flow="USER_PASSWORD_AUTH",
        source_ip="198.51.100.4"))
    with harness.rt.store.read() as tx:
        device = tx.get_device(pool_id, result["AuthenticationResult"]["NewDeviceMetadata"]["DeviceKey"])
    assert device is not None and device.last_ip == "198.51.100.4"


EVENTS: list[dict[str, Any]] = []


def record_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    EVENTS.append(event)
    return event


def test_triggers_see_the_device(harness: Harness) -> None:
    """PostAuthentication's ``newDeviceUsed`` is true when the sign-in minted a device;
    PreTokenGeneration's source after device authentication is TokenGeneration_AuthenticateDevice."""
    EVENTS.clear()
    rt = replace(harness.rt, triggers=InProcessInvoker({"record": record_event}))
    h = dataclasses.replace(harness, rt=rt, auth=replace(harness.auth, rt=rt))
    arn = "arn:aws:lambda:us-east-1:000000000000:function:record"
    pool_id = h.pool(DeviceConfiguration=REMEMBER,
                     LambdaConfig={"PostAuthentication": arn, "PreTokenGeneration": arn})
    client = h.client(pool_id)
    h.user(pool_id, "ann")
    metadata = remembered_device(h, pool_id, client)
    assert [(e["triggerSource"], e["request"].get("newDeviceUsed")) for e in EVENTS] == [
        ("TokenGeneration_Authentication", None), ("PostAuthentication_Authentication", True)]
    EVENTS.clear()
    first = h.initiate(client, USERNAME="ann", PASSWORD="Correct-Horse-9", DEVICE_KEY=metadata["DeviceKey"])
    device_sign_in(h, client, first, metadata)
    assert [(e["triggerSource"], e["request"].get("newDeviceUsed")) for e in EVENTS] == [
        ("TokenGeneration_AuthenticateDevice", None), ("PostAuthentication_Authentication", False)]
