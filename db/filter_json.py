"""Filters (``db.filters``' frozen dataclasses) as JSON, for filters that are stored:
webhooks keep theirs in ``webhook.filter``.

``dump`` writes each dataclass as an object of its set fields (dates as ISO text, tuples
as lists); ``load`` rebuilds it from the field types. Ids inside are database ids.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from typing import Any

from db import filters
from db.filters import IncidentFilter


def dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if v != f.default and not (v == () and f.default_factory is not dataclasses.MISSING):
                out[f.name] = dump(v)
        return out
    if isinstance(value, tuple | list):
        return [dump(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls, vars(filters))
    return _HINTS[cls]


def _load(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _load(inner[0], value)
    if origin is tuple:
        return tuple(_load(typing.get_args(tp)[0], v) for v in value)
    if dataclasses.is_dataclass(tp):
        assert isinstance(tp, type)
        hints = _hints(tp)
        return tp(**{k: _load(hints[k], v) for k, v in value.items()})
    if tp is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if tp is dt.date:
        return dt.date.fromisoformat(value)
    return value


def load(value: Any) -> IncidentFilter | None:
    """A stored incident filter (None stays None: every incident)."""
    return typing.cast(IncidentFilter | None, _load(IncidentFilter, value))
