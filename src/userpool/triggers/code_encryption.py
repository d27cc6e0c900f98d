"""Codes encrypted for the custom sender triggers (Developer Guide, "Custom sender Lambda
triggers"): an AWS Encryption SDK message under the pool's ``KMSKeyID``, through KMS (or a
KMS-compatible endpoint, ``--kms-endpoint``), which the sender function decrypts with the SDK and
the same key — the Guide's samples (``aws_encryption_sdk`` with a strict KMS key provider, or
``@aws-crypto/client-node`` with a KMS keyring, both with the commitment policy
REQUIRE_ENCRYPT_ALLOW_DECRYPT) work unchanged.

The message is made as Cognito makes it (a code Cognito sent to a real sender, read with the SDK:
docs/decisions.md, "Custom senders"): message format 1, algorithm suite
AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384 (0x0378: signed, without key commitment — hence
the samples' ALLOW_DECRYPT), 4096-byte frames, one data key encrypted by KMS under the key, and
the encryption context ``{"userpool-id": <pool ID>}`` (beside the SDK's own signing key), which
key policies may name in a ``kms:EncryptionContext:userpool-id`` condition.

Implements ``model.ports.CodeEncrypter``. Needs the optional packages ``aws-encryption-sdk`` and
boto3 (``pip install 'userpool[aws]'``); ``available()`` tells the composition root.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Mapping
from typing import Any

from userpool.model.ports import DeliveryFailed

log = logging.getLogger("userpool.triggers")
#: The frame length of Cognito's messages (the SDK's default).
FRAME_LENGTH = 4096


def available() -> bool:
    """Whether the optional packages are installed (found, not imported: a worker imports boto3
    and botocore only when a custom sender first needs them)."""
    return all(importlib.util.find_spec(name) is not None for name in ("aws_encryption_sdk", "boto3"))


class KmsCodeEncrypter:
    """Encrypts as Cognito does (module docstring), one KMS client per region."""

    def __init__(self, *, endpoint_url: str | None = None, default_region: str = "us-east-1") -> None:
        self.endpoint_url = endpoint_url
        self.default_region = default_region
        self._sdk: Any = None
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def encrypt(self, key_id: str, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        import aws_encryption_sdk
        from aws_encryption_sdk.identifiers import Algorithm, CommitmentPolicy
        from aws_encryption_sdk.key_providers.kms import KMSMasterKey, KMSMasterKeyConfig
        from botocore.exceptions import BotoCoreError, ClientError

        if self._sdk is None:
            # Cognito's suite has no key commitment, which only this policy may write
            self._sdk = aws_encryption_sdk.EncryptionSDKClient(
                commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT)
        try:
            key = KMSMasterKey(config=KMSMasterKeyConfig(key_id=key_id, client=self._client(key_id)))
            ciphertext, _ = self._sdk.encrypt(
                source=plaintext, key_provider=key, encryption_context=dict(context),
                algorithm=Algorithm.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384, frame_length=FRAME_LENGTH)
        except (ClientError, BotoCoreError) as error:
            log.warning("KMS refused or unreachable for key %s: %r", key_id, error)
            raise DeliveryFailed(f"KMS: {type(error).__name__}") from None
        except Exception as error:  # the SDK wraps KMS failures in its own errors
            log.warning("encrypting a code under %s failed: %r", key_id, error)
            raise DeliveryFailed(f"encryption: {type(error).__name__}") from None
        return bytes(ciphertext)

    def _client(self, key_id: str) -> Any:
        parts = key_id.split(":")
        region = parts[3] if len(parts) > 3 and parts[0] == "arn" and parts[3] else self.default_region
        with self._lock:
            client = self._clients.get(region)
            if client is None:
                import boto3
                from botocore.config import Config

                client = boto3.session.Session().client(
                    "kms", region_name=region, endpoint_url=self.endpoint_url,
                    config=Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 2}))
                self._clients[region] = client
            return client
