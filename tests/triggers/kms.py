"""A KMS-compatible endpoint nobody here wrote, for the custom sender tests: moto's server
(``moto[server]``) on a free loopback port, and a symmetric key made there with boto3."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3

#: What moto accepts; no real credentials are ever used.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

#: What a code Cognito sent to a real CustomEmailSender function holds (a sign-up in eu-west-1,
#: the event as the function logged it with ``sam logs``, published in a public AWS SAM sample's
#: README), read with aws_encryption_sdk's header parser: the properties our messages must share
#: (docs/decisions.md, "Custom senders").
COGNITO_MESSAGE = {
    "version": 1,  # message format 1: base64 "AYAD..."
    "algorithm": 0x0378,  # AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384
    "frame_length": 4096,
    "content_type": "FRAMED_DATA",
    "encryption_context_keys": {"userpool-id", "aws-crypto-public-key"},
    "key_providers": ["aws-kms"],  # one data key, encrypted by KMS under the key ARN
}


@dataclass(frozen=True)
class Kms:
    endpoint: str
    key_arn: str

    def client(self) -> object:
        return boto3.client("kms", region_name="us-east-1", endpoint_url=self.endpoint,
                            aws_access_key_id="testing", aws_secret_access_key="testing")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def moto_kms() -> Iterator[Kms]:
    """moto's server running, with one symmetric encryption key."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        kms = Kms(endpoint, "")
        key = kms.client().create_key(KeyUsage="ENCRYPT_DECRYPT")  # type: ignore[attr-defined]
        yield Kms(endpoint, str(key["KeyMetadata"]["Arn"]))
    finally:
        server.stop()
