"""How a decoded request reaches its handler: the ``Request`` handlers see, and ``Operations``,
the dispatcher over the table of ``wire/operations.py`` (an operation it does not serve answers
"<Operation> is not supported by this server.").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from userpool.model.errors import CognitoError, InvalidParameterException


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
