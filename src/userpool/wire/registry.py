"""How API operations plug into the wire: one module per operation, found by name.

``InitiateAuth`` lives in ``userpool.wire.operations.initiate_auth`` and defines
``handle(services, request) -> dict``. ``discover`` maps every operation of the botocore model
to its module (if written); ``Operations`` binds those modules to the services and dispatches.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from userpool.model.errors import CognitoError, InvalidParameterException
from userpool.wire import validation


@dataclass(frozen=True)
class Request:
    """One decoded, validated API call as an operation handler sees it."""

    operation: str
    body: dict[str, Any]
    headers: Mapping[str, str]  # lower-case names
    source_ip: str | None
    request_id: str
    access_key: str | None  # the SigV4 key id for admin calls; None for public operations
    base_url: str = "http://localhost"  # scheme://host the request came in on (wire/forwarding.py)


Handler = Callable[[Request], dict[str, Any]]

_ACRONYM_THEN_WORD = re.compile(r"([A-Z]+)([A-Z][a-z])")
_LOWER_THEN_UPPER = re.compile(r"([a-z0-9])([A-Z])")


def module_name(operation: str) -> str:
    """``AdminSetUserMFAPreference`` -> ``admin_set_user_mfa_preference``."""
    spaced = _ACRONYM_THEN_WORD.sub(r"\1_\2", operation)
    return _LOWER_THEN_UPPER.sub(r"\1_\2", spaced).lower()


def module_names() -> dict[str, str]:
    """Module name -> operation name, for every operation of the model."""
    return {module_name(op): op for op in sorted(validation.operation_names())}


def discover(package: ModuleType | str) -> dict[str, ModuleType]:
    """Import the operation modules present in ``package``, keyed by operation name.

    Modules whose names start with ``_`` are helpers and skipped; any other module that names no
    operation of the model (a typo) or lacks ``handle`` is an error, raised at start-up.
    """
    pkg = importlib.import_module(package) if isinstance(package, str) else package
    by_module = module_names()
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        operation = by_module.get(info.name)
        if operation is None:
            raise ValueError(f"{pkg.__name__}.{info.name} does not name an operation of the model")
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        if not callable(getattr(module, "handle", None)):
            raise ValueError(f"{module.__name__} defines no handle(services, request)")
        found[operation] = module
    return found


def _not_supported(operation: str) -> CognitoError:
    return InvalidParameterException(f"{operation} is not supported by this server.")


class Operations(Mapping[str, Handler]):
    """Operation name -> handler; calling it dispatches a ``Request``."""

    def __init__(
        self,
        handlers: Mapping[str, Handler],
        missing: Callable[[str], CognitoError] = _not_supported,
    ) -> None:
        self._handlers = dict(handlers)
        self._missing = missing

    @classmethod
    def from_modules(
        cls,
        modules: Mapping[str, ModuleType],
        services: Any,
        missing: Callable[[str], CognitoError] = _not_supported,
    ) -> Operations:
        def bind(module: ModuleType) -> Handler:
            handle = module.handle

            def handler(request: Request) -> dict[str, Any]:
                result: dict[str, Any] = handle(services, request)
                return result

            return handler

        return cls({name: bind(module) for name, module in modules.items()}, missing)

    def __getitem__(self, operation: str) -> Handler:
        return self._handlers[operation]

    def __iter__(self) -> Iterator[str]:
        return iter(self._handlers)

    def __len__(self) -> int:
        return len(self._handlers)

    def __call__(self, request: Request) -> dict[str, Any]:
        handler = self._handlers.get(request.operation)
        if handler is None:
            raise self._missing(request.operation)
        return handler(request)
