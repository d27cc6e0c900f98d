"""directory/devices.py and the device identifiers of directory/ids.py, against a real SQLite
store: ConfirmDevice's checks of the key and of DeviceSecretVerifierConfig (the stored secret
must be the one device SRP checks the device password against), who sees which device, paging
past the devices the user's side hides, status changes, forgetting, and the DeviceType output.
The same rules through boto3, pycognito and the JavaScript clients: tests/e2e/test_devices*.py."""

from __future__ import annotations

import base64
import os
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from userpool.crypto import srp
from userpool.crypto.sealing import AesGcmSecretBox
from userpool.directory import devices
from userpool.directory.ids import new_device_group_key, new_device_key
from userpool.model.entities import Device, DeviceSecret, User, UserPool, UserStatus
from userpool.model.errors import (
    CognitoError,
    DeviceKeyExistsException,
    InvalidParameterException,
    ResourceNotFoundException,
)
from userpool.model.ports import Store
from userpool.storage import open_store

POOL = "eu-west-2_Dev1ces00"
OTHER_POOL = "eu-west-2_0therP00l"
GROUP = "-AbCd1234"
DEVICE_PASSWORD = "a-random-device-password"
NOW = 5000.0
#: The model's DeviceKeyType pattern (botocore cognito-idp).
DEVICE_KEY_PATTERN = re.compile(r"[\w-]+_[0-9a-f-]+")


class SeededRandom:
    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def bytes(self, n: int) -> bytes:
        return self._random.randbytes(n)


def make_pool(pool_id: str = POOL, **device_configuration: bool) -> UserPool:
    return UserPool(id=pool_id, name="devices", created=0.0, last_modified=0.0,
                    config={"DeviceConfiguration": device_configuration})


def make_user(username: str, pool_id: str = POOL) -> User:
    return User(pool_id=pool_id, username=username, attributes={"sub": f"sub-{username}"},
                status=UserStatus.CONFIRMED, enabled=True, created=0.0, last_modified=0.0)


SECRET = DeviceSecret(salt=b"\x07" * 16, verifier=(12345).to_bytes(2, "big"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    made = open_store(f"sqlite:///{tmp_path / 'devices.db'}", AesGcmSecretBox(b"\x03" * 32, os.urandom))
    with made.transaction() as tx:
        for pool_id in (POOL, OTHER_POOL):
            tx.insert_pool(make_pool(pool_id))
            for name in ("ann", "bob"):
                tx.insert_user(make_user(name, pool_id))
    yield made


def add(store: Store, key: str, username: str = "ann", pool_id: str = POOL, **overrides: Any) -> Device:
    device = Device(pool_id=pool_id, username=username, key=key, group_key=GROUP, created=1000.0,
                    last_modified=1000.0, **overrides)
    with store.transaction() as tx:
        tx.insert_device(device)
    return device


def stored(store: Store, key: str, pool_id: str = POOL) -> Device | None:
    with store.read() as tx:
        return tx.get_device(pool_id, key)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def client_config(key: str, salt: bytes = b"\x00\x91" + b"s" * 14) -> dict[str, str]:
    """DeviceSecretVerifierConfig as the clients compute it (§4.11): base64 of PAD(dv) and of the
    salt bytes, dv = g^x with x over the device group key, device key and device password."""
    verifier = int.from_bytes(srp.make_verifier(GROUP, key, DEVICE_PASSWORD, salt), "big")
    return {"PasswordVerifier": b64(srp.pad(verifier)), "Salt": b64(salt)}


def confirm(store: Store, key: str, config: Any, *, pool: UserPool | None = None, username: str = "ann",
            name: str | None = "Chrome") -> bool:
    with store.transaction() as tx:
        return devices.confirm(tx, pool or make_pool(), make_user(username), key, config, name, NOW)


def refused(error: type[CognitoError], message: str | None = None) -> Any:
    return pytest.raises(error, match=re.escape(message) if message else None)


# --- identifiers ---------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["us-east-1", "ap-southeast-2", "us-gov-west-1"])
def test_device_keys_have_the_forms_clients_expect(region: str) -> None:
    key = new_device_key(SeededRandom(1), region)
    prefix, uuid = key.split("_")
    assert prefix == region and DEVICE_KEY_PATTERN.fullmatch(key) and len(key) <= 55
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", uuid)
    assert new_device_key(SeededRandom(1), region) == key  # from the injected random source only
    assert new_device_key(SeededRandom(2), region) != key
    group = new_device_group_key(SeededRandom(1))
    assert re.fullmatch(r"-[A-Za-z0-9]{8}", group)
    assert new_device_group_key(SeededRandom(1)) == group != new_device_group_key(SeededRandom(2))


# --- ConfirmDevice --------------------------------------------------------------------------


@pytest.mark.parametrize("prompt", [False, True])
def test_confirm_stores_the_secret_device_srp_checks(store: Store, prompt: bool) -> None:
    key = "eu-west-2_0001"
    add(store, key)
    salt = b"\x00\x91" + b"s" * 14  # a leading zero byte, as PAD(ds) can give
    necessary = confirm(store, key, client_config(key, salt), pool=make_pool(DeviceOnlyRememberedOnUserPrompt=prompt),
                        name="Mozilla/5.0 " + "x" * 1000)
    assert necessary is prompt
    device = stored(store, key)
    assert device is not None and device.secret is not None
    assert device.remembered is (not prompt)  # remembered at once unless the user is to be asked
    assert device.name == "Mozilla/5.0 " + "x" * 1000 and device.last_modified == NOW
    # the stored secret is what the device SRP check needs: the device password verifies, another does not
    assert srp.check_password(GROUP, key, DEVICE_PASSWORD, device.secret.salt, device.secret.verifier)
    assert not srp.check_password(GROUP, key, DEVICE_PASSWORD + "x", device.secret.salt, device.secret.verifier)
    assert srp.salt_to_hex(device.secret.salt) == salt.hex().lstrip("0")
    # stored unpadded (DeviceSecret's form): no leading zero byte
    assert device.secret.salt[0] != 0 and device.secret.verifier[0] != 0


def test_confirm_without_a_name_keeps_none(store: Store) -> None:
    add(store, "eu-west-2_0001")
    confirm(store, "eu-west-2_0001", client_config("eu-west-2_0001"), name=None)
    device = stored(store, "eu-west-2_0001")
    assert device is not None and device.name is None and device.confirmed


def test_confirm_refuses_keys_that_are_not_the_callers_new_device(store: Store) -> None:
    add(store, "eu-west-2_bobs", username="bob")
    add(store, "eu-west-2_elsewhere", pool_id=OTHER_POOL)
    for key in ("eu-west-2_bobs", "eu-west-2_elsewhere", "eu-west-2_nothing"):
        with refused(InvalidParameterException, "Invalid device key given."):
            confirm(store, key, client_config(key))
    bobs = stored(store, "eu-west-2_bobs")
    assert bobs is not None and not bobs.confirmed  # ann's attempt changed nothing
    add(store, "eu-west-2_0001")
    confirm(store, "eu-west-2_0001", client_config("eu-west-2_0001"))
    first = stored(store, "eu-west-2_0001")
    # a second confirmation, even with another secret, is refused and the first secret stays
    with refused(DeviceKeyExistsException, "Device already confirmed."):
        confirm(store, "eu-west-2_0001", client_config("eu-west-2_0001", b"other-salt-bytes"))
    assert stored(store, "eu-west-2_0001") == first


def _verifier(value: int, length: int | None = None) -> str:
    return b64(value.to_bytes(length or max(1, (value.bit_length() + 7) // 8), "big"))


GOOD_SALT = b64(b"s" * 16)
GOOD_VERIFIER = _verifier(2**3000 + 12345)


@pytest.mark.parametrize(("config", "message"), [
    (None, "DeviceSecretVerifierConfig with PasswordVerifier and Salt is required."),
    ({}, "DeviceSecretVerifierConfig with PasswordVerifier and Salt is required."),
    ({"PasswordVerifier": GOOD_VERIFIER}, "DeviceSecretVerifierConfig with PasswordVerifier and Salt is required."),
    ({"Salt": GOOD_SALT}, "DeviceSecretVerifierConfig with PasswordVerifier and Salt is required."),
    ({"PasswordVerifier": "not base64!", "Salt": GOOD_SALT}, "PasswordVerifier is not base64."),
    ({"PasswordVerifier": GOOD_VERIFIER, "Salt": "c2FsdA"}, "Salt is not base64."),  # padding missing
    ({"PasswordVerifier": GOOD_VERIFIER, "Salt": "-_-_"}, "Salt is not base64."),  # URL-safe alphabet
    ({"PasswordVerifier": GOOD_VERIFIER, "Salt": b64(b"s" * 65)}, "Salt has an invalid length."),
    ({"PasswordVerifier": _verifier(0), "Salt": GOOD_SALT}, "PasswordVerifier is not a verifier."),
    ({"PasswordVerifier": _verifier(1), "Salt": GOOD_SALT}, "PasswordVerifier is not a verifier."),
    ({"PasswordVerifier": _verifier(srp.N), "Salt": GOOD_SALT}, "PasswordVerifier is not a verifier."),
    ({"PasswordVerifier": _verifier(srp.N + 2), "Salt": GOOD_SALT}, "PasswordVerifier is not a verifier."),
    # a valid value padded far beyond PAD(N - 1): nothing a client makes, only bulk to store
    ({"PasswordVerifier": _verifier(12345, 386), "Salt": GOOD_SALT}, "PasswordVerifier is not a verifier."),
    ({"PasswordVerifier": _verifier(12345, 600_000), "Salt": GOOD_SALT}, "PasswordVerifier is not a verifier."),
])
def test_confirm_refuses_what_is_not_a_device_secret(store: Store, config: Any, message: str) -> None:
    add(store, "eu-west-2_0001")
    with refused(InvalidParameterException, message):
        confirm(store, "eu-west-2_0001", config)
    device = stored(store, "eu-west-2_0001")
    assert device is not None and not device.confirmed  # nothing stored: a good confirmation still works
    confirm(store, "eu-west-2_0001", client_config("eu-west-2_0001"))


@pytest.mark.parametrize(("verifier", "salt"), [
    (_verifier(srp.N - 1, 385), b64(b"\x00" + b"\x80" * 16)),  # PAD of values with the top bit set
    (_verifier(2**3071 + 5, 384), b64(b"s" * 15)),
    (_verifier(2, 1), b64(b"s")),  # the smallest verifier and salt
    (_verifier(12345, 385), b64(b"s" * 64)),  # leading zeros up to PAD(N - 1)'s length
])
def test_confirm_accepts_every_form_clients_send(store: Store, verifier: str, salt: str) -> None:
    add(store, "eu-west-2_0001")
    confirm(store, "eu-west-2_0001", {"PasswordVerifier": verifier, "Salt": salt})
    device = stored(store, "eu-west-2_0001")
    assert device is not None and device.secret is not None
    assert int.from_bytes(device.secret.verifier, "big") == int.from_bytes(base64.b64decode(verifier), "big")


# --- reading, remembering, forgetting -------------------------------------------------------


def seeded(store: Store) -> None:
    """ann: remembered r1 r3, not remembered n2 n4, unconfirmed u5; bob: b1; another pool: o1."""
    add(store, "eu-west-2_r1", secret=SECRET, remembered=True, name="phone", last_ip="192.0.2.1",
        last_authenticated=1500.0)
    add(store, "eu-west-2_n2", secret=SECRET)
    add(store, "eu-west-2_r3", secret=SECRET, remembered=True)
    add(store, "eu-west-2_n4", secret=SECRET)
    add(store, "eu-west-2_u5")
    add(store, "eu-west-2_b1", username="bob", secret=SECRET, remembered=True)
    add(store, "eu-west-2_o1", pool_id=OTHER_POOL, secret=SECRET, remembered=True)


def get(store: Store, key: str, *, admin: bool, username: str = "ann") -> dict[str, Any]:
    with store.transaction() as tx:
        return devices.get(tx, make_pool(), make_user(username), key, admin=admin)


@pytest.mark.parametrize("admin", [False, True])
def test_get_shows_own_confirmed_devices_only(store: Store, admin: bool) -> None:
    seeded(store)
    assert get(store, "eu-west-2_r1", admin=admin)["Device"]["DeviceKey"] == "eu-west-2_r1"
    hidden = ["eu-west-2_u5", "eu-west-2_b1", "eu-west-2_o1", "eu-west-2_none"]
    if admin:
        assert get(store, "eu-west-2_n2", admin=True)["Device"]["DeviceKey"] == "eu-west-2_n2"
    else:
        hidden.append("eu-west-2_n2")  # the user's side shows remembered devices only
    for key in hidden:
        with refused(ResourceNotFoundException, "Device does not exist."):
            get(store, key, admin=admin)


def test_device_type(store: Store) -> None:
    seeded(store)
    assert get(store, "eu-west-2_r1", admin=False)["Device"] == {
        "DeviceKey": "eu-west-2_r1",
        "DeviceAttributes": [{"Name": "device_status", "Value": "valid"},
                             {"Name": "device_name", "Value": "phone"},
                             {"Name": "dev:device_remembered_status", "Value": "remembered"},
                             {"Name": "last_ip_used", "Value": "192.0.2.1"}],
        "DeviceCreateDate": 1000.0, "DeviceLastModifiedDate": 1000.0, "DeviceLastAuthenticatedDate": 1500.0,
    }
    assert get(store, "eu-west-2_n2", admin=True)["Device"] == {
        "DeviceKey": "eu-west-2_n2",
        "DeviceAttributes": [{"Name": "device_status", "Value": "valid"},
                             {"Name": "dev:device_remembered_status", "Value": "not_remembered"}],
        "DeviceCreateDate": 1000.0, "DeviceLastModifiedDate": 1000.0,
    }


def pages(store: Store, limit: int | None, *, admin: bool) -> list[list[str]]:
    out: list[list[str]] = []
    body: dict[str, Any] = {} if limit is None else {"Limit": limit}
    while True:
        with store.read() as tx:
            page = devices.listing(tx, make_pool(), make_user("ann"), body, admin=admin)
        out.append([d["DeviceKey"] for d in page["Devices"]])
        if "PaginationToken" not in page:
            return out
        body = {**body, "PaginationToken": page["PaginationToken"]}


def test_listing_pages_past_the_devices_the_user_does_not_see(store: Store) -> None:
    seeded(store)
    assert pages(store, None, admin=False) == [["eu-west-2_r1", "eu-west-2_r3"]]
    assert pages(store, 0, admin=False) == [["eu-west-2_r1", "eu-west-2_r3"]]  # 0: the default
    assert pages(store, 1, admin=False) == [["eu-west-2_r1"], ["eu-west-2_r3"]]
    assert pages(store, 1, admin=True) == [["eu-west-2_n2"], ["eu-west-2_n4"], ["eu-west-2_r1"], ["eu-west-2_r3"]]
    assert pages(store, 3, admin=True) == [["eu-west-2_n2", "eu-west-2_n4", "eu-west-2_r1"], ["eu-west-2_r3"]]
    with store.read() as tx:
        assert devices.listing(tx, make_pool(), make_user("bob"), {}, admin=True)["Devices"][0]["DeviceKey"] == \
            "eu-west-2_b1"


def test_listing_many_hidden_devices_in_a_row(store: Store) -> None:
    """Pages of the user's side are full even when several store batches hold no remembered device."""
    for n in range(10):
        add(store, f"eu-west-2_a{n}", secret=SECRET, remembered=n in (0, 8, 9))
    assert pages(store, 1, admin=False) == [["eu-west-2_a0"], ["eu-west-2_a8"], ["eu-west-2_a9"]]
    assert pages(store, 2, admin=False) == [["eu-west-2_a0", "eu-west-2_a8"], ["eu-west-2_a9"]]


def test_listing_refuses_a_garbage_token(store: Store) -> None:
    with refused(InvalidParameterException, "Invalid pagination token."), store.read() as tx:
        devices.listing(tx, make_pool(), make_user("ann"), {"PaginationToken": "%%%"}, admin=False)


def set_status(store: Store, key: str, status: Any, username: str = "ann") -> None:
    with store.transaction() as tx:
        devices.set_status(tx, make_pool(), make_user(username), key, status, NOW)


def test_set_status(store: Store) -> None:
    seeded(store)
    set_status(store, "eu-west-2_n2", "remembered")  # the user may remember a device not yet remembered
    set_status(store, "eu-west-2_r1", "not_remembered")
    n2, r1 = stored(store, "eu-west-2_n2"), stored(store, "eu-west-2_r1")
    assert n2 is not None and n2.remembered and n2.last_modified == NOW
    assert r1 is not None and not r1.remembered
    for status in (None, "", "REMEMBERED", True):
        with refused(InvalidParameterException, "DeviceRememberedStatus must be remembered or not_remembered."):
            set_status(store, "eu-west-2_n2", status)
    for key, username in (("eu-west-2_b1", "ann"), ("eu-west-2_u5", "ann"), ("eu-west-2_o1", "ann"),
                          ("eu-west-2_r3", "bob")):
        with refused(ResourceNotFoundException, "Device does not exist."):
            set_status(store, key, "not_remembered", username)
    b1, u5 = stored(store, "eu-west-2_b1"), stored(store, "eu-west-2_u5")
    assert b1 is not None and b1.remembered and u5 is not None and not u5.remembered


def forget(store: Store, key: str, username: str = "ann") -> None:
    with store.transaction() as tx:
        devices.forget(tx, make_pool(), make_user(username), key)


def test_forget(store: Store) -> None:
    seeded(store)
    for key, username in (("eu-west-2_b1", "ann"), ("eu-west-2_u5", "ann"), ("eu-west-2_o1", "ann"),
                          ("eu-west-2_r1", "bob")):
        with refused(ResourceNotFoundException, "Device does not exist."):
            forget(store, key, username)
    assert all(stored(store, k) for k in ("eu-west-2_b1", "eu-west-2_u5", "eu-west-2_r1"))
    assert stored(store, "eu-west-2_o1", OTHER_POOL)
    forget(store, "eu-west-2_n2")  # not remembered: still the user's device to forget
    forget(store, "eu-west-2_r1")
    assert stored(store, "eu-west-2_r1") is None and stored(store, "eu-west-2_n2") is None
    with refused(ResourceNotFoundException, "Device does not exist."):
        set_status(store, "eu-west-2_r1", "remembered")
    with refused(ResourceNotFoundException, "Device does not exist."):
        forget(store, "eu-west-2_r1")
    assert pages(store, None, admin=True) == [["eu-west-2_n4", "eu-west-2_r3"]]


def test_a_forgotten_key_is_gone_for_confirm_too(store: Store) -> None:
    add(store, "eu-west-2_0001")
    confirm(store, "eu-west-2_0001", client_config("eu-west-2_0001"))
    forget(store, "eu-west-2_0001")
    with refused(InvalidParameterException, "Invalid device key given."):
        confirm(store, "eu-west-2_0001", client_config("eu-west-2_0001"))


def test_unconfirmed_device_cannot_be_reached_before_confirmation(store: Store) -> None:
    """A device minted at sign-in is only ConfirmDevice's until then: no status change makes it
    remembered without a verifier."""
    device = add(store, "eu-west-2_0001")
    with refused(ResourceNotFoundException, "Device does not exist."):
        set_status(store, "eu-west-2_0001", "remembered")
    assert stored(store, "eu-west-2_0001") == device
