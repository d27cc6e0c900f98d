"""Device operations a signed-in user makes with an access token (spec §2.4, §11.2): ConfirmDevice.

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
