"""Device rules (spec §2.4, §4.11, §11.2): confirming a device minted at sign-in, and reading,
remembering and forgetting a user's devices (the user's own calls and the admin ones).

ConfirmDevice stores the device's SRP secret — ``DeviceSecretVerifierConfig``, the standard
base64 of PAD(dv) and PAD(ds) computed by the client from a random device password (§4.11) —
sealed like a password verifier (``storage/sql/repos/verifiers.py``). The device must be one
minted for the caller and not confirmed yet: another user's key, or one that names nothing, is
"Invalid device key given." (Cognito's answer, aws/boto3#4059, amplify-js#2087); a second
confirmation is DeviceKeyExistsException. Values that are not a verifier (not base64, zero, not
below the group's modulus N, longer than PAD(N - 1)) and salts of odd sizes are refused with
InvalidParameterException before anything is stored; a long user-agent string is a fine
DeviceName (Amplify sends one).
``UserConfirmationNecessary`` is the pool's ``DeviceOnlyRememberedOnUserPrompt``: without it a
confirmed device is remembered at once.

A device belongs to one user: a key that is not a confirmed device of the user the call is for
(another user's, another pool's, a forgotten one, one never confirmed) is
``ResourceNotFoundException`` "Device does not exist." for every other operation. The user's own
GetDevice / ListDevices show remembered devices only (§11.2, reported); the admin calls show
every confirmed device. ForgetDevice deletes the device, which ends the refresh tokens issued on
it. ``DeviceAttributes``: ``device_status`` "valid", ``device_name``,
``dev:device_remembered_status``, ``last_ip_used`` when known.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from userpool.crypto import srp
from userpool.directory import pagination
from userpool.directory.pools import get_pool
from userpool.directory.runtime import Runtime
from userpool.directory.user_records import find_for_admin
from userpool.model.entities import Device, DeviceSecret, User, UserPool
from userpool.model.errors import DeviceKeyExistsException, InvalidParameterException, ResourceNotFoundException
from userpool.model.ports import Tx

UNKNOWN = "Device does not exist."
STATUSES = {"remembered": True, "not_remembered": False}
#: ListDevices' Limit: 0..60 in the model; 0 or none gives the most (Cognito's default).
LIST_LIMIT = 60

INVALID_KEY = "Invalid device key given."
#: Salt sizes accepted (bytes): clients draw 16 and encode PAD(ds), which adds a byte or drops
#: leading zeros (§11.2: 15–17 seen); more than 64 is no salt a client makes.
SALT_BYTES = (1, 64)
#: A verifier is PAD(v) for some v < N: 384 bytes, 385 when the top bit is set, fewer when v is
#: small. Leading zero bytes beyond that change nothing but what is stored (up to the 1 MiB body).
VERIFIER_MAX_BYTES = len(srp.pad(srp.N - 1))


def confirm(tx: Tx, pool: UserPool, user: User, key: str, config: Mapping[str, Any] | None, name: str | None,
            now: float) -> bool:
    """ConfirmDevice for ``user`` inside ``tx``; returns ``UserConfirmationNecessary``."""
    device = tx.lock_device(pool.id, key)
    if device is None or device.username != user.username:
        raise InvalidParameterException(INVALID_KEY)
    if device.confirmed:
        raise DeviceKeyExistsException("Device already confirmed.")
    secret = _secret(config)
    prompt = bool((pool.config.get("DeviceConfiguration") or {}).get("DeviceOnlyRememberedOnUserPrompt"))
    tx.update_device(replace(device, secret=secret, name=name or device.name, remembered=not prompt,
                             last_modified=now))
    return prompt


def _secret(config: Mapping[str, Any] | None) -> DeviceSecret:
    if not config or not config.get("PasswordVerifier") or not config.get("Salt"):
        raise InvalidParameterException("DeviceSecretVerifierConfig with PasswordVerifier and Salt is required.")
    salt = _base64(config["Salt"], "Salt")
    verifier = _base64(config["PasswordVerifier"], "PasswordVerifier")
    if not SALT_BYTES[0] <= len(salt) <= SALT_BYTES[1]:
        raise InvalidParameterException("Invalid DeviceSecretVerifierConfig: Salt has an invalid length.")
    value = int.from_bytes(verifier, "big")
    if len(verifier) > VERIFIER_MAX_BYTES or not 1 < value < srp.N:
        raise InvalidParameterException("Invalid DeviceSecretVerifierConfig: PasswordVerifier is not a verifier.")
    return DeviceSecret(salt=_unpadded(int.from_bytes(salt, "big")), verifier=_unpadded(value))


def _unpadded(value: int) -> bytes:
    """Minimal big-endian bytes (at least one), as ``DeviceSecret`` holds them: the SRP code reads
    both as integers and pads them itself (``srp.compute_x``, ``srp.salt_to_hex``)."""
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def _base64(value: Any, member: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParameterException(f"Invalid DeviceSecretVerifierConfig: {member} is not base64.") from None


def owned(tx: Tx, pool: UserPool, user: User, key: str, *, remembered_only: bool = False) -> Device:
    """The confirmed device ``key`` of ``user`` (read with a row lock, for a change that follows);
    "Device does not exist." otherwise."""
    device = tx.lock_device(pool.id, key)
    if (device is None or device.username != user.username or not device.confirmed
            or (remembered_only and not device.remembered)):
        raise ResourceNotFoundException(UNKNOWN)
    return device


def get(tx: Tx, pool: UserPool, user: User, key: str, *, admin: bool) -> dict[str, Any]:
    return {"Device": device_type(owned(tx, pool, user, key, remembered_only=not admin))}


def listing(tx: Tx, pool: UserPool, user: User, body: Mapping[str, Any], *, admin: bool) -> dict[str, Any]:
    """ListDevices / AdminListDevices: by key, ``Limit`` per page, ``PaginationToken``."""
    limit = pagination.page_limit(body.get("Limit"), LIST_LIMIT, LIST_LIMIT)
    after = pagination.decode(body.get("PaginationToken"))
    found: list[Device] = []
    while len(found) <= limit:  # the user's side skips devices that are not remembered
        batch = tx.list_devices(pool.id, user.username, limit + 1, after)
        found.extend(d for d in batch if admin or d.remembered)
        if len(batch) <= limit:
            break
        after = batch[-1].key
    return pagination.page(found, limit, lambda d: d.key, "Devices", "PaginationToken", device_type)


def set_status(tx: Tx, pool: UserPool, user: User, key: str, status: str | None, now: float) -> dict[str, Any]:
    """UpdateDeviceStatus / AdminUpdateDeviceStatus."""
    if status not in STATUSES:
        raise InvalidParameterException("DeviceRememberedStatus must be remembered or not_remembered.")
    device = owned(tx, pool, user, key)
    tx.update_device(replace(device, remembered=STATUSES[status], last_modified=now))
    return {}


def forget(tx: Tx, pool: UserPool, user: User, key: str) -> dict[str, Any]:
    """ForgetDevice / AdminForgetDevice: the device goes, and with it every refresh token issued
    on it (they work only with a confirmed device: ``tokens.refresh_grant``). Access tokens live
    on until they expire, as after any change but RevokeToken and GlobalSignOut: an app that
    forgets the device it runs on stays signed in until its tokens need refreshing."""
    owned(tx, pool, user, key)
    tx.delete_device(pool.id, key)
    return {}


def device_type(device: Device) -> dict[str, Any]:
    """``DeviceType``."""
    attributes = [{"Name": "device_status", "Value": "valid"}]
    if device.name:
        attributes.append({"Name": "device_name", "Value": device.name})
    attributes.append({"Name": "dev:device_remembered_status",
                       "Value": "remembered" if device.remembered else "not_remembered"})
    if device.last_ip:
        attributes.append({"Name": "last_ip_used", "Value": device.last_ip})
    out: dict[str, Any] = {"DeviceKey": device.key, "DeviceAttributes": attributes,
                           "DeviceCreateDate": device.created, "DeviceLastModifiedDate": device.last_modified}
    if device.last_authenticated is not None:
        out["DeviceLastAuthenticatedDate"] = device.last_authenticated
    return out


# --- the admin operations -------------------------------------------------------------------


def _admin(tx: Tx, body: Mapping[str, Any]) -> tuple[UserPool, User]:
    pool = get_pool(tx, body["UserPoolId"])
    return pool, find_for_admin(tx, pool, body["Username"])


def admin_get_device(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool, user = _admin(tx, body)
        return get(tx, pool, user, body["DeviceKey"], admin=True)


def admin_list_devices(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.read() as tx:
        pool, user = _admin(tx, body)
        return listing(tx, pool, user, body, admin=True)


def admin_update_device_status(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool, user = _admin(tx, body)
        return set_status(tx, pool, user, body["DeviceKey"], body.get("DeviceRememberedStatus"), rt.clock.now())


def admin_forget_device(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool, user = _admin(tx, body)
        return forget(tx, pool, user, body["DeviceKey"])
