"""``service_model`` reads botocore's ``cognito-idp`` model without importing botocore; it must
describe exactly what botocore's own model describes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.session

from userpool.wire.service_model import load_service_model


def _describe(shape: Any, seen: set[str]) -> Any:
    """A comparable description of a shape and everything it refers to."""
    if shape.name in seen:
        return ("ref", shape.name)
    seen.add(shape.name)
    out: dict[str, Any] = {"name": shape.name, "type": shape.type_name, "metadata": dict(shape.metadata),
                           "enum": list(getattr(shape, "enum", []) or [])}
    if shape.type_name == "structure":
        out["members"] = {name: _describe(member, seen) for name, member in shape.members.items()}
        out["required"] = list(shape.required_members)
    elif shape.type_name == "list":
        out["member"] = _describe(shape.member, seen)
    elif shape.type_name == "map":
        out["key"] = _describe(shape.key, seen)
        out["value"] = _describe(shape.value, seen)
    return out


def test_the_model_is_botocores() -> None:
    ours = load_service_model("cognito-idp")
    theirs = botocore.session.get_session().get_service_model("cognito-idp")
    assert ours.operation_names == list(theirs.operation_names)
    assert len(ours.operation_names) > 100
    for name in theirs.operation_names:
        mine, reference = ours.operation_model(name), theirs.operation_model(name)
        assert (mine.auth_type, mine.auth) == (reference.auth_type, getattr(reference, "auth", None)), name
        if reference.input_shape is None:
            assert mine.input_shape is None
        else:
            assert mine.input_shape is not None
            assert _describe(mine.input_shape, set()) == _describe(reference.input_shape, set()), name


def test_a_worker_does_not_import_botocore(tmp_path: Path) -> None:
    """The reason the module exists: a worker's start does not pay for botocore's imports (nor,
    on SQLite, for the PostgreSQL dialect)."""
    code = (
        "import sys\n"
        "from userpool.bootstrap import build_app\n"
        "from userpool.settings import Settings\n"
        f"build_app(Settings(data_dir={str(tmp_path)!r}))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'urllib3')"
        " or m.startswith('sqlalchemy.dialects.postgresql')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
