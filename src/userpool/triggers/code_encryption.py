"""Codes encrypted for the custom sender triggers (Developer Guide, "Custom sender Lambda
triggers"): an AWS Encryption SDK message under the pool's ``KMSKeyID``, through KMS (or a
KMS-compatible endpoint, ``--kms-endpoint``), which the sender function decrypts with the SDK and
the same key — the Guide's sample (``aws_encryption_sdk`` with a KMS key provider, or
``@aws-crypto/client-node`` with a KMS keyring) works unchanged. No encryption context is set:
the samples check none.

Implements ``model.ports.CodeEncrypter``. Needs the optional packages ``aws-encryption-sdk`` and
boto3 (``pip install 'userpool[aws]'``); ``available()`` tells the composition root.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from typing import Any

from userpool.model.ports import DeliveryFailed

log = logging.getLogger("userpool.triggers")


def available() -> bool:
    """Whether the optional packages are installed (found, not imported: a worker imports boto3
    and botocore only when a custom sender first needs them)."""
    return all(importlib.util.find_spec(name) is not None for name in ("aws_encryption_sdk", "boto3"))


class KmsCodeEncrypter:
    """Encrypts with ``aws_encryption_sdk`` (commitment policy REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
    the SDK's default) under a KMS key, one KMS client per region."""

    def __init__(self, *, endpoint_url: str | None = None, default_region: str = "us-east-1") -> None:
        self.endpoint_url = endpoint_url
        self.default_region = default_region
        self._sdk: Any = None
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def encrypt(self, key_id: str, plaintext: bytes) -> bytes:
        import aws_encryption_sdk
        from aws_encryption_sdk.key_providers.kms import KMSMasterKey, KMSMasterKeyConfig
        from botocore.exceptions import BotoCoreError, ClientError

        if self._sdk is None:
            self._sdk = aws_encryption_sdk.EncryptionSDKClient(
                commitment_policy=aws_encryption_sdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
        try:
            key = KMSMasterKey(config=KMSMasterKeyConfig(key_id=key_id, client=self._client(key_id)))
            ciphertext, _ = self._sdk.encrypt(source=plaintext, key_provider=key)
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
