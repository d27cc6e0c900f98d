"""Operation modules are found by snake-casing botocore's operation names."""

from __future__ import annotations

import keyword
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from userpool.model.errors import CognitoError, InvalidParameterException, NotAuthorizedException
from userpool.wire import validation
from userpool.wire.registry import Operations, Request, discover, module_name, module_names


@pytest.mark.parametrize(
    ("operation", "module"),
    [
        ("InitiateAuth", "initiate_auth"),
        ("AdminSetUserMFAPreference", "admin_set_user_mfa_preference"),
        ("GetCSVHeader", "get_csv_header"),
        ("SetUICustomization", "set_ui_customization"),
        ("VerifySoftwareToken", "verify_software_token"),
        ("GetUserPoolMfaConfig", "get_user_pool_mfa_config"),
        ("ListWebAuthnCredentials", "list_web_authn_credentials"),
        ("AdminListGroupsForUser", "admin_list_groups_for_user"),
        ("DescribeManagedLoginBrandingByClient", "describe_managed_login_branding_by_client"),
    ],
)
def test_module_name(operation: str, module: str) -> None:
    assert module_name(operation) == module


def test_every_operation_maps_to_a_unique_identifier() -> None:
    operations = validation.operation_names()
    names = {module_name(op) for op in operations}
    assert len(operations) == 122
    assert len(names) == 122
    for name in names:
        assert name.isidentifier() and not keyword.iskeyword(name)
        assert name == name.lower() and "__" not in name and not name.startswith("_")
    assert module_names() == {module_name(op): op for op in operations}


def request(operation: str) -> Request:
    return Request(operation, {}, {}, None, "rid", None)


@pytest.fixture
def package(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "fake_ops_pkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "initiate_auth.py").write_text(
        textwrap.dedent(
            """
            def handle(services, request):
                return {"Services": services, "Operation": request.operation}
            """
        )
    )
    (root / "_shared.py").write_text("HELPER = True\n")
    sys.path.insert(0, str(tmp_path))
    yield root
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("fake_ops_pkg")]:
        del sys.modules[name]


def test_discover_and_dispatch(package: Path) -> None:
    modules = discover("fake_ops_pkg")
    assert set(modules) == {"InitiateAuth"}
    ops = Operations.from_modules(modules, services="SERVICES")
    assert ops(request("InitiateAuth")) == {"Services": "SERVICES", "Operation": "InitiateAuth"}
    assert "InitiateAuth" in ops and len(ops) == 1 and list(ops) == ["InitiateAuth"]
    with pytest.raises(InvalidParameterException, match="SignUp is not supported"):
        ops(request("SignUp"))


def test_discover_rejects_typos(package: Path) -> None:
    (package / "initiate_auht.py").write_text("def handle(services, request):\n    return {}\n")
    with pytest.raises(ValueError, match="initiate_auht"):
        discover("fake_ops_pkg")


def test_discover_requires_handle(package: Path) -> None:
    (package / "sign_up.py").write_text("X = 1\n")
    with pytest.raises(ValueError, match="handle"):
        discover("fake_ops_pkg")


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


def test_the_real_operations_package_is_discoverable() -> None:
    for operation in discover("userpool.wire.operations"):
        assert operation in validation.operation_names()
