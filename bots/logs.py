"""Log lines as ``[log] format`` asks: text for people, or one JSON object a line for a log
collector. Either way each line carries the correlation id of the inbound event or the
outbox row that caused it (core.correlation), and no secret: records are redacted when
they are made (bots.redaction), before any formatter sees them."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Literal, TextIO

from core import correlation


class Correlated(logging.Filter):
    """Adds ``correlation_id`` (the current one, or "") to every record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "correlation_id"):
            record.correlation_id = correlation.current() or ""
        return True


class JsonLines(logging.Formatter):
    """``{"time", "level", "logger", "message", "correlation_id"?, "exception"?}``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        correlation_id = getattr(record, "correlation_id", "") or correlation.current()
        if correlation_id:
            line["correlation_id"] = correlation_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False)


class TextWithCorrelation(logging.Formatter):
    """The text format, with `` [<correlation id>]`` after the logger's name when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        correlation_id = getattr(record, "correlation_id", "") or correlation.current()
        record.correlation = f" [{correlation_id}]" if correlation_id else ""
        return super().format(record)


def log_handler(
    format_name: Literal["text", "json"], text_line: str, stream: TextIO
) -> logging.Handler:
    """A stream handler writing ``format_name`` lines; ``text_line`` may use
    ``%(correlation)s``."""
    handler: logging.Handler = logging.StreamHandler(stream)
    handler.addFilter(Correlated())
    if format_name == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(TextWithCorrelation(text_line))
    return handler
