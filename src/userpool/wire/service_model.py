"""The ``cognito-idp`` service model that botocore ships, read without importing botocore.

botocore's model is the authority for operations and shapes (spec §1.5), but importing
``botocore.session``, or even ``botocore.model``, loads urllib3, the HTTP stack and the docs
machinery: about 0.2 s of every worker's start. Validation needs only the shapes and the
operations, so this module reads ``botocore/data/cognito-idp/<api version>/service-2.json.gz``
itself (the newest API version, as botocore's loader picks it) and offers the few attributes of
botocore's ``Shape`` and ``OperationModel`` that validation uses, with the same meaning. A test
walks every operation's input shapes in both and compares them.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from functools import cached_property
from pathlib import Path
from typing import Any

#: The shape traits botocore's ``Shape.metadata`` reports (``botocore.model.Shape.METADATA_ATTRS``).
METADATA_ATTRS = (
    "required", "min", "max", "pattern", "sensitive", "enum", "idempotencyToken", "error", "exception",
    "endpointdiscoveryid", "retryable", "document", "union", "contextParam", "clientContextParams",
    "requiresLength",
)


class Shape:
    """One named shape of the model (botocore's ``Shape``: ``name``, ``type_name``, ``metadata``,
    ``enum``; structures' ``members`` and ``required_members``; ``member`` of lists; ``key``
    and ``value`` of maps)."""

    def __init__(self, name: str, service: ServiceModel) -> None:
        self.name = name
        self._service = service
        self._model: dict[str, Any] = service.shapes[name]

    @property
    def type_name(self) -> str:
        return str(self._model["type"])

    @cached_property
    def metadata(self) -> dict[str, Any]:
        return {name: self._model[name] for name in METADATA_ATTRS if name in self._model}

    @property
    def enum(self) -> list[str]:
        return list(self._model.get("enum", []))

    @cached_property
    def members(self) -> dict[str, Shape]:
        return {name: self._service.shape(ref["shape"]) for name, ref in self._model.get("members", {}).items()}

    @property
    def required_members(self) -> list[str]:
        return list(self._model.get("required", []))

    @property
    def member(self) -> Shape:
        return self._service.shape(self._model["member"]["shape"])

    @property
    def key(self) -> Shape:
        return self._service.shape(self._model["key"]["shape"])

    @property
    def value(self) -> Shape:
        return self._service.shape(self._model["value"]["shape"])


class Operation:
    """One operation (botocore's ``OperationModel``: ``name``, ``input_shape``, ``auth_type``, ``auth``)."""

    def __init__(self, name: str, service: ServiceModel) -> None:
        self.name = name
        self._model: dict[str, Any] = service.operations[name]
        self._service = service

    @property
    def input_shape(self) -> Shape | None:
        ref = self._model.get("input")
        return None if ref is None else self._service.shape(ref["shape"])

    @property
    def auth_type(self) -> str | None:
        return self._model.get("authtype")

    @property
    def auth(self) -> list[str] | None:
        return self._model.get("auth")


class ServiceModel:
    """A service description (the parsed ``service-2.json``)."""

    def __init__(self, description: dict[str, Any]) -> None:
        self.operations: dict[str, dict[str, Any]] = description.get("operations", {})
        self.shapes: dict[str, dict[str, Any]] = description.get("shapes", {})
        self._shapes: dict[str, Shape] = {}

    @property
    def operation_names(self) -> list[str]:
        return list(self.operations)

    def operation_model(self, name: str) -> Operation:
        return Operation(name, self)

    def shape(self, name: str) -> Shape:
        shape = self._shapes.get(name)
        if shape is None:
            shape = self._shapes[name] = Shape(name, self)
        return shape


def model_path(service_name: str) -> Path:
    """``service-2.json(.gz)`` of the newest API version of ``service_name`` in the installed botocore."""
    spec = importlib.util.find_spec("botocore")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed")
    service_dir = Path(next(iter(spec.submodule_search_locations))) / "data" / service_name
    versions = sorted(entry.name for entry in service_dir.iterdir() if entry.is_dir())
    if not versions:
        raise RuntimeError(f"botocore has no model for {service_name}")
    newest = service_dir / versions[-1]
    for name in ("service-2.json.gz", "service-2.json"):
        if (newest / name).exists():
            return newest / name
    raise RuntimeError(f"no service-2.json in {newest}")


def load_service_model(service_name: str) -> ServiceModel:
    path = model_path(service_name)
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return ServiceModel(json.loads(raw))
