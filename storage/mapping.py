"""Row <-> core dataclass conversion, field by field with the same names."""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar, cast, get_args, get_origin

from sqlmodel import SQLModel

D = TypeVar("D")
R = TypeVar("R", bound=SQLModel)


@cache
def _field_types(cls: Any) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _from_column(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in get_args(hint) if a is not type(None)]
        return _from_column(inner[0], value) if len(inner) == 1 else value
    if origin is tuple:
        return tuple(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, type) and issubclass(hint, str) and hint is not str:
        return hint(value)  # a str-based key such as Platform
    if origin is dict or hint is dict:
        return dict(value)
    return value


def _to_column(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, str) and type(value) is not str:
        return str(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def to_domain(row: Any, cls: type[D]) -> D:
    """``cls`` from a model instance or a plain result row (read by attribute)."""
    hints = _field_types(cast(Any, cls))
    values = {name: _from_column(hint, getattr(row, name)) for name, hint in hints.items()}
    return cls(**values)


def to_row(obj: Any, row_cls: type[R]) -> R:
    return row_cls(**{f.name: _to_column(getattr(obj, f.name)) for f in dataclasses.fields(obj)})


def update_row(row: SQLModel, obj: Any) -> None:
    for f in dataclasses.fields(obj):
        if f.name != "id":
            setattr(row, f.name, _to_column(getattr(obj, f.name)))


_PLAIN = (str, int, bool, float, datetime, date)


@cache
def _conversions(cls: Any) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """Each field's name and how to convert its column value (None: as it is), worked out
    once per class rather than once per value."""
    plan: list[tuple[str, Callable[[Any], Any] | None]] = []
    for name, hint in _field_types(cls).items():
        optional = get_origin(hint) in (types.UnionType, typing.Union)
        inner = [a for a in get_args(hint) if a is not type(None)] if optional else [hint]
        if len(inner) == 1 and inner[0] in _PLAIN:
            plan.append((name, None))
        elif len(inner) == 1 and (direct := _direct(inner[0])) is not None:
            plan.append((name, _or_none(direct) if optional else direct))
        else:
            plan.append((name, functools.partial(_from_column, hint)))
    return tuple(plan)


def _direct(hint: Any) -> Callable[[Any], Any] | None:
    """A one-call conversion for the common column types (as _from_column would do)."""
    if get_origin(hint) is tuple:
        return tuple
    if isinstance(hint, type) and issubclass(hint, (enum.Enum, str)):
        return hint  # an enum, or a str-based key such as Platform
    return None


@cache
def column_conversions(cls: Any) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """Each field's name (``id`` aside) and how to store its value (None: as it is), worked
    out once per class: bulk writes of thousands of rows convert by plan, not by probing
    each value (as _to_column does)."""
    plan: list[tuple[str, Callable[[Any], Any] | None]] = []
    for name, hint in _field_types(cls).items():
        if name == "id":
            continue
        optional = get_origin(hint) in (types.UnionType, typing.Union)
        inner = [a for a in get_args(hint) if a is not type(None)] if optional else [hint]
        if len(inner) == 1 and inner[0] in _PLAIN:
            plan.append((name, None))
        else:
            plan.append((name, _to_column))
    return tuple(plan)


def _or_none(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def mapping_to_domain(row: Mapping[str, Any], cls: type[D], *, prefix: str = "") -> D:
    """A core dataclass from a plain result row (column name -> value; ``prefix``: the
    columns' labels in a joined row): for reads of many rows, where ORM objects would cost
    more than the query."""
    values = {}
    for name, convert in _conversions(cast(Any, cls)):
        value = row[prefix + name]
        values[name] = value if convert is None else convert(value)
    return cls(**values)
