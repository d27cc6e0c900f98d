"""Device rules (spec §2.4, §4.11, §11.2): confirming a device minted at sign-in.

ConfirmDevice stores the device's SRP secret — ``DeviceSecretVerifierConfig``, the standard
base64 of PAD(dv) and PAD(ds) computed by the client from a random device password (§4.11) —
sealed like a password verifier (``storage/sql/repos/verifiers.py``). The device must be one
minted for the caller and not confirmed yet: another user's key, or one that names nothing, is
"Invalid device key given." (Cognito's answer, aws/boto3#4059, amplify-js#2087); a second
confirmation is DeviceKeyExistsException. Values that are not a verifier (not base64, zero, not
below the group's modulus N) and salts of odd sizes are refused with InvalidParameterException
before anything is stored; a long user-agent string is a fine DeviceName (Amplify sends one).
``UserConfirmationNecessary`` is the pool's ``DeviceOnlyRememberedOnUserPrompt``: without it a
confirmed device is remembered at once.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from userpool.crypto import srp
from userpool.model.entities import DeviceSecret, User, UserPool
from userpool.model.errors import DeviceKeyExistsException, InvalidParameterException
from userpool.model.ports import Tx

INVALID_KEY = "Invalid device key given."
#: Salt sizes accepted (bytes): clients draw 16 and encode PAD(ds), which adds a byte or drops
#: leading zeros (§11.2: 15–17 seen); more than 64 is no salt a client makes.
SALT_BYTES = (1, 64)


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
    if not 1 < value < srp.N:
        raise InvalidParameterException("Invalid DeviceSecretVerifierConfig: PasswordVerifier is not a verifier.")
    return DeviceSecret(salt=salt, verifier=verifier)


def _base64(value: Any, member: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParameterException(f"Invalid DeviceSecretVerifierConfig: {member} is not base64.") from None
