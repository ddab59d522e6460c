"""Secrets never reach a log line: the configured tokens and secrets are masked in every
record, whichever library logs it and at whatever level (an SDK at DEBUG logs its request
parameters: Telegram's ``setWebhook`` its ``secret_token``, request URLs the bot token).

One :class:`SecretRedactor` per process, installed at start-up by ``bots.bootstrap``: it
wraps the log record factory, so every record of every logger passes through it once,
before any handler or formatter sees it (a filter on one logger or handler would miss the
records that never pass there).
"""

from __future__ import annotations

import logging
import threading
import traceback
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

MASK = "[redacted]"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words; no real secret is that short


class SecretRedactor(logging.Filter):
    """Replaces every known secret (and its URL-encoded forms) in a record's message,
    arguments, exception and stack text with :data:`MASK`."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def add(self, *values: str) -> None:
        """Mask these from now on (empty or very short values are ignored)."""
        with self._lock:
            known = set(self._secrets)
            for value in values:
                if len(value) >= MIN_SECRET_LENGTH:
                    known.update(_forms(value))
            # longest first, so a secret containing another is masked whole
            self._secrets = tuple(sorted(known, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask in place; never drops a record."""
        secrets = self._secrets
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports it as usual later
            message = str(record.msg)
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _forms(value: str) -> Iterable[str]:
    """A secret as it may appear in a log line: as is, and URL-encoded (query strings,
    form bodies)."""
    return {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}


_installed: SecretRedactor | None = None
_install_lock = threading.Lock()


def install_redaction() -> SecretRedactor:
    """The process's redactor, wrapping the log record factory the first time."""
    global _installed
    with _install_lock:
        if _installed is None:
            redactor = SecretRedactor()
            make_record: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

            def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = make_record(*args, **kwargs)
                redactor.filter(record)
                return record

            logging.setLogRecordFactory(redacting_factory)
            _installed = redactor
        return _installed
