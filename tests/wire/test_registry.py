"""The operations table (``wire/operations.py``) and the dispatcher over it (``wire/registry.py``)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from userpool.model.errors import CognitoError, InvalidParameterException, NotAuthorizedException
from userpool.wire import operations, validation
from userpool.wire.registry import Operations, Request


def request(operation: str) -> Request:
    return Request(operation, {}, {}, None, "rid", None)


def test_dispatch_and_unsupported_operations() -> None:
    ops = Operations({"InitiateAuth": lambda r: {"Operation": r.operation}})
    assert ops(request("InitiateAuth")) == {"Operation": "InitiateAuth"}
    assert "InitiateAuth" in ops and len(ops) == 1 and list(ops) == ["InitiateAuth"]
    with pytest.raises(InvalidParameterException, match="SignUp is not supported"):
        ops(request("SignUp"))


def test_custom_missing_error() -> None:
    class NotImplementedOperation(CognitoError):
        code = "InvalidParameterException"

    def fail(_: Request) -> dict[str, Any]:
        raise NotAuthorizedException()

    ops = Operations({"GetUser": fail}, missing=lambda op: NotImplementedOperation(f"{op} later"))
    with pytest.raises(NotImplementedOperation, match="SignUp later"):
        ops(request("SignUp"))
    with pytest.raises(NotAuthorizedException):
        ops(request("GetUser"))


def test_the_table_names_only_operations_of_the_model_each_once() -> None:
    operations.check()
    assert operations.served() <= validation.operation_names()
    assert sum(len(table) for table in operations.TABLES) == len(operations.served())


def test_the_table_check_refuses_typos_and_duplicates() -> None:
    with pytest.raises(ValueError, match="InitiateAuht"):
        operations.check(({"InitiateAuht": None},))
    with pytest.raises(ValueError, match="twice"):
        operations.check(({"SignUp": None}, {"SignUp": None}))


def test_every_model_operation_is_served_or_answers_not_supported() -> None:
    """The table binds every name it lists; any other operation of the model gets Cognito's
    InvalidParameterException naming it, never a 500 or a silent success."""
    ops = Operations(operations.bind(cast(Any, SimpleNamespace(rt=None, auth=None))))
    assert set(ops) == operations.served()
    for name in sorted(validation.operation_names() - operations.served()):
        with pytest.raises(InvalidParameterException, match=f"^{name} is not supported by this server."):
            ops(request(name))
