"""The custom senders' code encryption (triggers/code_encryption.py) against moto's KMS server:
the message is made as Cognito makes it (tests/triggers/kms.py), the Developer Guide's decrypt
code reads it, the SDK's strict default policy refuses it as it refuses Cognito's, and every KMS
failure is a DeliveryFailed. The endpoint is the one given to the encrypter (``--kms-endpoint``):
boto3's own endpoint settings are pointed elsewhere."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import pytest

from tests.triggers.kms import COGNITO_MESSAGE, CREDENTIALS, Kms, free_port, moto_kms
from userpool.model.ports import DeliveryFailed
from userpool.triggers.code_encryption import KmsCodeEncrypter

aws_encryption_sdk = pytest.importorskip("aws_encryption_sdk")

POOL = "us-east-1_AbCdEfGhI"


@pytest.fixture(scope="module")
def kms() -> Iterator[Kms]:
    with moto_kms() as running:
        yield running


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    # only the encrypter's endpoint may reach KMS: boto3's own setting points nowhere
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def header_of(message: bytes) -> object:
    from aws_encryption_sdk.internal.formatting.deserialize import deserialize_header

    header, _ = deserialize_header(io.BytesIO(message))
    return header


def decrypt_as_the_guide_does(kms: Kms, message: bytes, monkeypatch: pytest.MonkeyPatch,
                              policy: str = "REQUIRE_ENCRYPT_ALLOW_DECRYPT") -> tuple[bytes, object]:
    """The Developer Guide's Python sample: a strict KMS key provider for the key ARN, with KMS
    wherever boto3 is pointed (here moto, as a Lambda function's boto3 finds AWS KMS)."""
    from aws_encryption_sdk.identifiers import CommitmentPolicy

    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", kms.endpoint)
    client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=getattr(CommitmentPolicy, policy))
    provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[kms.key_arn])
    plaintext, header = client.decrypt(source=message, key_provider=provider)
    return bytes(plaintext), header


def test_a_message_as_cognito_makes_it(kms: Kms, monkeypatch: pytest.MonkeyPatch) -> None:
    message = KmsCodeEncrypter(endpoint_url=kms.endpoint).encrypt(kms.key_arn, b"123456", {"userpool-id": POOL})
    assert base64.b64encode(message).startswith(b"AYAD")  # as every code Cognito sends begins
    header = header_of(message)
    assert header.version.value == COGNITO_MESSAGE["version"]  # type: ignore[attr-defined]
    assert header.algorithm.algorithm_id == COGNITO_MESSAGE["algorithm"]  # type: ignore[attr-defined]
    assert header.frame_length == COGNITO_MESSAGE["frame_length"]  # type: ignore[attr-defined]
    assert header.content_type.name == COGNITO_MESSAGE["content_type"]  # type: ignore[attr-defined]
    context = header.encryption_context  # type: ignore[attr-defined]
    assert set(context) == COGNITO_MESSAGE["encryption_context_keys"] and context["userpool-id"] == POOL
    keys = header.encrypted_data_keys  # type: ignore[attr-defined]
    assert [k.key_provider.provider_id for k in keys] == COGNITO_MESSAGE["key_providers"]
    assert [k.key_provider.key_info.decode() for k in keys] == [kms.key_arn]

    plaintext, decrypted_header = decrypt_as_the_guide_does(kms, message, monkeypatch)
    assert plaintext == b"123456"
    assert decrypted_header.encryption_context["userpool-id"] == POOL  # type: ignore[attr-defined]


def test_two_codes_never_share_a_message(kms: Kms) -> None:
    encrypter = KmsCodeEncrypter(endpoint_url=kms.endpoint)
    first = encrypter.encrypt(kms.key_arn, b"804219", {"userpool-id": POOL})
    second = encrypter.encrypt(kms.key_arn, b"804219", {"userpool-id": POOL})
    assert first != second  # a fresh data key and signing key each time
    assert b"804219" not in first


def test_the_sdks_strict_default_refuses_it_as_it_refuses_cognitos(kms: Kms, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sender must keep the Guide's REQUIRE_ENCRYPT_ALLOW_DECRYPT, against us as against Cognito."""
    from aws_encryption_sdk.exceptions import ActionNotAllowedError

    message = KmsCodeEncrypter(endpoint_url=kms.endpoint).encrypt(kms.key_arn, b"123456", {"userpool-id": POOL})
    with pytest.raises(ActionNotAllowedError):
        decrypt_as_the_guide_does(kms, message, monkeypatch, policy="REQUIRE_ENCRYPT_REQUIRE_DECRYPT")


def test_another_key_cannot_read_it(kms: Kms, monkeypatch: pytest.MonkeyPatch) -> None:
    other = kms.client().create_key()["KeyMetadata"]["Arn"]  # type: ignore[attr-defined]
    message = KmsCodeEncrypter(endpoint_url=kms.endpoint).encrypt(other, b"123456", {"userpool-id": POOL})
    with pytest.raises(aws_encryption_sdk.exceptions.DecryptKeyError):
        decrypt_as_the_guide_does(kms, message, monkeypatch)


@pytest.mark.parametrize("key", ["unknown", "not a key"])
def test_kms_refusals_are_delivery_failures(kms: Kms, key: str) -> None:
    """(moto does not refuse a disabled key, so that refusal is not tested here.)"""
    if key == "unknown":
        key_id = kms.key_arn.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    else:
        key_id = "arn:aws:kms:bad.region/x:000000000000:key/k"
    with pytest.raises(DeliveryFailed):
        KmsCodeEncrypter(endpoint_url=kms.endpoint).encrypt(key_id, b"123456", {"userpool-id": POOL})


def test_kms_unreachable_is_a_delivery_failure() -> None:
    encrypter = KmsCodeEncrypter(endpoint_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(DeliveryFailed):
        encrypter.encrypt("arn:aws:kms:us-east-1:000000000000:key/k", b"123456", {"userpool-id": POOL})


def test_no_credentials_is_a_delivery_failure(kms: Kms, monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in CREDENTIALS:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path) + "/none")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path) + "/none")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(DeliveryFailed):
        KmsCodeEncrypter(endpoint_url=kms.endpoint).encrypt(kms.key_arn, b"123456", {"userpool-id": POOL})
