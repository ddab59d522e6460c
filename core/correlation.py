"""A correlation id for everything one inbound event or one outbox row causes: set where
the work starts (the hub for an event, the delivery worker for a row) and read by the log
formatter, so every log line of that work carries the same id. A context variable, so
concurrent tasks each keep their own and a task started from the work inherits it."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("mentorhub_correlation_id", default=None)


def current() -> str | None:
    return _current.get()


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


@contextlib.contextmanager
def correlated(correlation_id: str) -> Iterator[str]:
    """Log lines written inside carry ``correlation_id`` (the outer one comes back after)."""
    token = _current.set(correlation_id)
    try:
        yield correlation_id
    finally:
        _current.reset(token)


@contextlib.contextmanager
def event_correlated() -> Iterator[str]:
    """A new id for an inbound event, unless the work is already part of one."""
    existing = _current.get()
    if existing is not None:
        yield existing
        return
    with correlated(new_id("ev")) as correlation_id:
        yield correlation_id
