"""The server's log: one line per record, plain text (default) or JSON (``--log-format json``).

A record may carry structured fields (``logger.info("request", extra={"fields": {...}})``): the
text form appends them as ``name=value`` pairs, the JSON form as members of the object. The
per-request line (``wire/app.py``) is such a record, on the ``userpool.requests`` logger; its
fields are chosen there and never hold a request's parameters (passwords, codes, tokens,
secrets, SRP values).

``logging_config`` is the ``logging.config.dictConfig`` document uvicorn applies in every worker
(``uvicorn.run(log_config=...)``): the ``userpool`` loggers at ``--log-level`` with these
formatters, and in JSON mode uvicorn's own loggers too, so that every line is an object.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

LOG_FORMATS = ("text", "json")
#: uvicorn's levels ("trace" is its own, below debug).
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
#: Characters that make a text value ambiguous (quoted with JSON's escapes when present).
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/+@")


def _timestamp(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


def _text_value(value: object) -> str:
    text = "-" if value is None else str(value)
    return text if text and all(c in _PLAIN for c in text) else json.dumps(text)


class TextFormatter(logging.Formatter):
    """``2026-12-05T10:00:00.123Z INFO userpool.requests request request_id=... status=200``."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name} {record.getMessage()}"
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line += "".join(f" {name}={_text_value(value)}" for name, value in fields.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """``{"time": ..., "level": ..., "logger": ..., "message": ..., <fields>}``; a traceback, if
    any, in ``exception`` (one line: newlines are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": _timestamp(record), "level": record.levelname, "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            document.update((name, value) for name, value in fields.items() if name not in document)
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False, default=str)


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """The ``dictConfig`` document for ``--log-format`` and ``--log-level`` (see module docstring)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"--log-format must be text or json, got {log_format!r}")
    if level.lower() not in LOG_LEVELS:
        raise ValueError(f"--log-level must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    ours = f"{__name__}.{'JsonFormatter' if log_format == 'json' else 'TextFormatter'}"
    formatters: dict[str, Any] = {"userpool": {"()": ours}}
    handlers: dict[str, Any] = {
        "userpool": {"class": "logging.StreamHandler", "formatter": "userpool", "stream": "ext://sys.stderr"},
    }
    uvicorn_handler = "userpool"
    if log_format == "text":  # uvicorn's own lines keep their familiar look
        formatters["uvicorn"] = {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(levelprefix)s %(message)s",
                                 "use_colors": None}
        handlers["uvicorn"] = {"class": "logging.StreamHandler", "formatter": "uvicorn",
                               "stream": "ext://sys.stderr"}
        uvicorn_handler = "uvicorn"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": formatters,
        "handlers": handlers,
        "loggers": {
            "userpool": {"handlers": ["userpool"], "level": level.upper(), "propagate": False},
            "uvicorn": {"handlers": [uvicorn_handler], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": [uvicorn_handler], "level": "INFO", "propagate": False},
        },
    }
