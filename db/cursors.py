"""Opaque cursors: the one codec for every cursor the API hands out, and its one error.

A cursor is url-safe base64 without padding of a small payload:

* a keyset position, ``[tag, value, id]`` as JSON (``tag`` names the order it was made
  for: ``"OCCURRED_ON:DESC"`` in lists, ``"DISTANCE"`` in ``incidentsNear``); the SQL
  planner writes the same bytes in SQL (``db/planner.py``);
* a position in the change log, ``change:<id>`` as text (``changes`` feed).

Clients keep cursors, so these bytes never change.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

_MAX_ID = 2**63  # ids are bigints


class CursorError(ValueError):
    """A cursor that is malformed, or was made for another order or list."""


def _encode(payload: bytes) -> str:
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def _decode(cursor: str) -> bytes:
    return base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())


def encode_key(tag: str, value: Any, row_id: int) -> str:
    """The cursor of a row at sort key ``value`` (JSON: a string, number or null)."""
    return _encode(orjson.dumps([tag, value, row_id]))


def encode_key_sql(tag: str, value_json: str, row_id: str) -> str:
    """``encode_key`` in SQL, for the planner: ``value_json`` is SQL giving the key's JSON
    text exactly as orjson writes it, ``row_id`` SQL giving the id. Tags are allow-listed
    order names (``NAME:ASC``), never input."""
    payload = f"'[\"{tag}\",' || {value_json} || ',' || {row_id} || ']'"
    return f"rtrim(translate(encode(convert_to({payload}, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')"


def decode_key(cursor: str) -> tuple[str, Any, int]:
    """``(tag, value, id)`` of a keyset cursor; the id is a positive bigint."""
    try:
        tag, value, row_id = orjson.loads(_decode(cursor))
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise CursorError("The cursor is malformed.") from exc
    # Ids are positive bigints; anything else would fail in the database instead.
    if (
        not isinstance(tag, str)
        or not isinstance(row_id, int)
        or isinstance(row_id, bool)
        or not 0 < row_id < _MAX_ID
    ):
        raise CursorError("The cursor is malformed.")
    return tag, value, row_id


_CHANGE = "change"


def encode_change(change_id: int) -> str:
    """The feed cursor after change ``change_id`` (0: the start)."""
    return _encode(f"{_CHANGE}:{change_id}".encode())


def decode_change(cursor: str) -> int:
    try:
        tag, _, value = _decode(cursor).decode().partition(":")
        change_id = int(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CursorError("not a changes cursor") from exc
    if tag != _CHANGE or not 0 <= change_id < _MAX_ID:
        raise CursorError("not a changes cursor")
    return change_id
