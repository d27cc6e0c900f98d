"""directory/custom_senders.py and the LambdaConfig rule behind it, on a real SQLite store with
the development outbox as the server's sender: a server that cannot encrypt refuses a custom
sender at CreateUserPool / UpdateUserPool with a message saying what is missing, and a code for
a pool that has a sender is never sent in clear by the server — not after a restart without the
Encryption SDK, not for a user deleted meanwhile. (The round trips through KMS and both runners
are in tests/e2e/test_custom_senders.py.)"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from userpool.bootstrap import SystemClock, SystemRandom
from userpool.crypto.sealing import AesGcmSecretBox
from userpool.delivery.outbox import OutboxSender, read_outbox
from userpool.directory import custom_message, custom_senders, pools
from userpool.directory.runtime import Runtime
from userpool.model.entities import Message, User, UserStatus
from userpool.model.errors import InvalidParameterException
from userpool.model.ports import CodeEncrypter, DeliveryFailed
from userpool.storage import open_store
from userpool.triggers.code_encryption import KmsCodeEncrypter

SENDER = {"LambdaVersion": "V1_0", "LambdaArn": "arn:aws:lambda:us-east-1:000000000000:function:send"}
KEY = "arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555"
NO_SDK = ("CustomSMSSender needs the server to encrypt codes with the AWS Encryption SDK, which is not installed "
          "here: pip install 'userpool[aws]' (and give the server KMS access, or --kms-endpoint).")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    opened = open_store(f"sqlite:///{tmp_path / 'senders.db'}", AesGcmSecretBox(b"\x02" * 32, os.urandom))
    yield opened
    opened.close()


def runtime(store: Any, tmp_path: Path, encrypter: CodeEncrypter | None) -> Runtime:
    return Runtime(store=store, clock=SystemClock(), random=SystemRandom(),
                   sender=OutboxSender(str(tmp_path / "outbox.jsonl")), code_pepper=b"p" * 32,
                   code_encrypter=encrypter)


def test_a_server_that_cannot_encrypt_refuses_a_sender(store: Any, tmp_path: Path) -> None:
    cannot = runtime(store, tmp_path, None)
    with pytest.raises(InvalidParameterException) as refused:
        pools.create_pool(cannot, {"PoolName": "p", "LambdaConfig": {"CustomSMSSender": SENDER, "KMSKeyID": KEY}})
    assert refused.value.message == NO_SDK
    pool_id = pools.create_pool(cannot, {"PoolName": "p"})["UserPool"]["Id"]
    with pytest.raises(InvalidParameterException) as refused:
        pools.update_pool(cannot, {"UserPoolId": pool_id,
                                   "LambdaConfig": {"CustomSMSSender": SENDER, "KMSKeyID": KEY}})
    assert refused.value.message == NO_SDK
    # a server that can encrypt accepts it (KMS is first asked when a code is sent)
    can = runtime(store, tmp_path, KmsCodeEncrypter())
    pools.update_pool(can, {"UserPoolId": pool_id, "LambdaConfig": {"CustomSMSSender": SENDER, "KMSKeyID": KEY}})


def _pool_with_sender(store: Any, tmp_path: Path) -> str:
    can = runtime(store, tmp_path, KmsCodeEncrypter())
    pool_id = str(pools.create_pool(can, {"PoolName": "p", "LambdaConfig": {
        "CustomEmailSender": SENDER, "KMSKeyID": KEY}})["UserPool"]["Id"])
    with store.transaction() as tx:
        tx.insert_user(User(pool_id, "ann", {"sub": "s-1", "email": "ann@example.com"}, UserStatus.UNCONFIRMED,
                            True, 0.0, 0.0))
    return pool_id


def _message(pool_id: str, username: str) -> Message:
    return Message(pool_id, username, "EMAIL", "ann@example.com", "SIGN_UP", "Your code is 123456", code="123456")


def test_no_code_in_clear_after_a_restart_without_the_sdk(store: Any, tmp_path: Path) -> None:
    pool_id = _pool_with_sender(store, tmp_path)
    restarted = runtime(store, tmp_path, None)
    with pytest.raises(DeliveryFailed):
        custom_senders.deliver(restarted, _message(pool_id, "ann"), custom_message.Call("CustomMessage_SignUp"))
    assert list(read_outbox(str(tmp_path / "outbox.jsonl"))) == []


def test_no_code_for_a_user_deleted_meanwhile(store: Any, tmp_path: Path) -> None:
    pool_id = _pool_with_sender(store, tmp_path)
    rt = runtime(store, tmp_path, KmsCodeEncrypter())
    with pytest.raises(DeliveryFailed):
        custom_senders.deliver(rt, _message(pool_id, "gone"), custom_message.Call("CustomMessage_SignUp"))
    assert list(read_outbox(str(tmp_path / "outbox.jsonl"))) == []


def test_the_other_medium_is_the_servers(store: Any, tmp_path: Path) -> None:
    """An e-mail sender only: an SMS goes out through the server's sender as before."""
    pool_id = _pool_with_sender(store, tmp_path)
    rt = runtime(store, tmp_path, None)
    sms = Message(pool_id, "ann", "SMS", "+15555550100", "SIGN_UP", "Your code is 123456", code="123456")
    custom_senders.deliver(rt, sms, custom_message.Call("CustomMessage_SignUp"))
    assert [m["medium"] for m in read_outbox(str(tmp_path / "outbox.jsonl"))] == ["SMS"]
