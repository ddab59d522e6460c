"""Row <-> core dataclass conversion, field by field with the same names."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
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
def _conversions(cls: Any) -> tuple[tuple[str, Any, bool], ...]:
    """Each field's name and type, and whether its column value needs converting."""
    plan = []
    for name, hint in _field_types(cls).items():
        inner = (
            [a for a in get_args(hint) if a is not type(None)]
            if get_origin(hint)
            in (
                types.UnionType,
                typing.Union,
            )
            else [hint]
        )
        plain = len(inner) == 1 and inner[0] in _PLAIN
        plan.append((name, hint, not plain))
    return tuple(plan)


def mapping_to_domain(row: Mapping[str, Any], cls: type[D]) -> D:
    """A core dataclass from a plain result row (column name -> value): for reads of many
    rows, where ORM objects would cost more than the query."""
    return cls(
        **{
            name: _from_column(hint, row[name]) if converted else row[name]
            for name, hint, converted in _conversions(cast(Any, cls))
        }
    )
