"""Device operations a signed-in user makes with an access token (spec §2.4, §11.2): ConfirmDevice,
GetDevice, ListDevices, UpdateDeviceStatus and ForgetDevice.

The caller is authenticated as for every access-token operation (``account``); the rules are in
``directory.devices``. pycognito posts these with an ``Authorization: Bearer`` header, which the
wire tolerates on public operations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.auth.account import authenticated
from userpool.auth.runtime import AuthRuntime
from userpool.directory import devices


def confirm_device(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    with auth.rt.store.transaction() as tx:
        caller = authenticated(auth, tx, body)
        necessary = devices.confirm(tx, caller.pool, caller.user, body["DeviceKey"],
                                    body.get("DeviceSecretVerifierConfig"), body.get("DeviceName"),
                                    auth.rt.clock.now())
    return {"UserConfirmationNecessary": necessary}


def get_device(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    with auth.rt.store.transaction() as tx:
        caller = authenticated(auth, tx, body)
        return devices.get(tx, caller.pool, caller.user, body["DeviceKey"], admin=False)


def list_devices(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    with auth.rt.store.read() as tx:
        caller = authenticated(auth, tx, body)
        return devices.listing(tx, caller.pool, caller.user, body, admin=False)


def update_device_status(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    with auth.rt.store.transaction() as tx:
        caller = authenticated(auth, tx, body)
        return devices.set_status(tx, caller.pool, caller.user, body["DeviceKey"], body.get("DeviceRememberedStatus"),
                                  auth.rt.clock.now())


def forget_device(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    with auth.rt.store.transaction() as tx:
        caller = authenticated(auth, tx, body)
        return devices.forget(tx, caller.pool, caller.user, body["DeviceKey"])
