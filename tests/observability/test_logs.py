"""The log line formats (``--log-format text|json``) and the logging configuration uvicorn applies."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from userpool.observability.logs import JsonFormatter, TextFormatter, logging_config


def record(message: str = "request", fields: dict[str, object] | None = None, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            exc_info = sys.exc_info()
    made = logging.LogRecord("userpool.requests", logging.INFO, __file__, 1, message, None, exc_info)
    made.created = 1_764_000_000.25
    made.msecs = 250.0
    if fields is not None:
        made.fields = fields
    return made


FIELDS = {"request_id": "6f1c", "operation": "InitiateAuth", "pool": "us-east-1_Abc", "client": None,
          "outcome": "ok", "status": 200, "duration_ms": 1.25, "remote": "::1"}


def test_text_is_one_line_of_name_value_pairs() -> None:
    line = TextFormatter().format(record(fields=FIELDS))
    assert line == ("2025-11-24T16:00:00.250Z INFO userpool.requests request request_id=6f1c operation=InitiateAuth "
                    "pool=us-east-1_Abc client=- outcome=ok status=200 duration_ms=1.25 remote=::1")


def test_text_quotes_a_value_that_could_forge_a_field_or_a_line() -> None:
    line = TextFormatter().format(record(fields={"outcome": "ok\n2025 INFO forged status=200", "pool": 'a "b"'}))
    assert "\n" not in line
    assert line.endswith(' outcome="ok\\n2025 INFO forged status=200" pool="a \\"b\\""')


def test_json_is_one_object_per_line_with_the_fields() -> None:
    line = JsonFormatter().format(record(fields=FIELDS))
    assert "\n" not in line
    assert json.loads(line) == {"time": "2025-11-24T16:00:00.250Z", "level": "INFO", "logger": "userpool.requests",
                                "message": "request", **FIELDS}


def test_json_keeps_a_traceback_on_its_line() -> None:
    line = JsonFormatter().format(record("unhandled error", exc=True))
    assert "\n" not in line
    document = json.loads(line)
    assert document["message"] == "unhandled error" and "RuntimeError: boom" in document["exception"]


def test_fields_cannot_overwrite_the_record_members() -> None:
    document = json.loads(JsonFormatter().format(record(fields={"level": "CRITICAL", "time": "x", "ok": 1})))
    assert (document["level"], document["time"], document["ok"]) == ("INFO", "2025-11-24T16:00:00.250Z", 1)


def test_config_per_format() -> None:
    text = logging_config("text", "warning")
    assert text["loggers"]["userpool"]["level"] == "WARNING"
    assert text["formatters"]["userpool"]["()"].endswith("TextFormatter")
    assert text["loggers"]["uvicorn"]["handlers"] == ["uvicorn"]  # uvicorn's lines keep their look
    as_json = logging_config("json", "info")
    assert as_json["formatters"]["userpool"]["()"].endswith("JsonFormatter")
    assert as_json["loggers"]["uvicorn"]["handlers"] == ["userpool"]  # every line an object
    assert as_json["loggers"]["uvicorn.access"]["handlers"] == ["userpool"]


@pytest.mark.parametrize(("log_format", "level"), [("xml", "info"), ("json", "loud"), ("", "info")])
def test_config_refuses_unknown_values(log_format: str, level: str) -> None:
    with pytest.raises(ValueError, match="--log-"):
        logging_config(log_format, level)
