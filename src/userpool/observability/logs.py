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
import re
import time
from typing import Any

import orjson

LOG_FORMATS = ("text", "json")
#: uvicorn's levels ("trace" is its own, below debug).
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
#: A text value written as it is; any other (a space, a quote, a newline...) is quoted with
#: JSON's escapes, so no value can forge another field or line.
_PLAIN = re.compile(r"[A-Za-z0-9_.:/+@-]+")
_second: tuple[int, str] = (-1, "")  # the last second formatted: one strftime per second, not per line


def _timestamp(record: logging.LogRecord) -> str:
    global _second
    whole = int(record.created)
    cached = _second
    if cached[0] != whole:
        cached = _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{cached[1]}.{int(record.msecs):03d}Z"


def _text_fields(fields: dict[str, Any]) -> str:
    """`` name=value`` for each field: None as ``-``, anything outside ``_PLAIN`` JSON-quoted."""
    parts = []
    plain = _PLAIN.fullmatch
    for name, value in fields.items():
        if value is None:
            parts.append(f" {name}=-")
            continue
        text = value if type(value) is str else str(value)
        parts.append(f" {name}={text}" if plain(text) else f" {name}={json.dumps(text)}")
    return "".join(parts)


class TextFormatter(logging.Formatter):
    """``2026-12-05T10:00:00.123Z INFO userpool.requests request request_id=... status=200``."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name} {record.getMessage()}"
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line += _text_fields(fields)
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
        try:
            return orjson.dumps(document, default=str).decode()
        except (TypeError, orjson.JSONEncodeError):  # a field orjson refuses (an int past 64 bits...)
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
