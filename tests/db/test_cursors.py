"""The one cursor codec writes the same bytes the three codecs it replaced wrote (clients
keep cursors); each kind of cursor refuses the others' and malformed ones with
``CursorError``."""

from __future__ import annotations

import datetime as dt

import pytest

from db.actors import TABLE as ACTORS
from db.cursors import CursorError, decode_change, decode_key, encode_change, encode_key
from db.incidents import TABLE as INCIDENTS
from db.pagination import Cursor, Order, decode_cursor, encode_cursor

BY_DATE = INCIDENTS.order("OCCURRED_ON", True)
BY_NAME = ACTORS.order("NAME", False)
BY_CREATED = INCIDENTS.order("CREATED_AT", False)
CREATED = dt.datetime(2024, 1, 1, 13, 35, 1, 123, tzinfo=dt.UTC)

# written by the codecs before they were one (db/pagination, schema/geo, db/changes)
LIST_CURSORS = [
    (BY_DATE, dt.date(2024, 1, 1), 7, "WyJPQ0NVUlJFRF9PTjpERVNDIiwiMjAyNC0wMS0wMSIsN10"),
    (BY_NAME, "kata'ib ḥizballāh", 12, "WyJOQU1FOkFTQyIsImthdGEnaWIg4bilaXpiYWxsxIFoIiwxMl0"),
    (BY_NAME, None, 3, "WyJOQU1FOkFTQyIsbnVsbCwzXQ"),
    (
        BY_CREATED,
        CREATED,
        9,
        "WyJDUkVBVEVEX0FUOkFTQyIsIjIwMjQtMDEtMDFUMTM6MzU6MDEuMDAwMTIzKzAwOjAwIiw5XQ",
    ),
]


@pytest.mark.parametrize(("order", "value", "pk", "cursor"), LIST_CURSORS)
def test_list_cursors_are_unchanged(order: Order, value: object, pk: int, cursor: str) -> None:
    assert encode_cursor(order, value, pk) == cursor
    assert decode_cursor(order, cursor) == Cursor(value, pk)


def test_distance_and_change_cursors_are_unchanged() -> None:
    assert encode_key("DISTANCE", 12.345678901, 5) == "WyJESVNUQU5DRSIsMTIuMzQ1Njc4OTAxLDVd"
    assert encode_key("DISTANCE", 0, 6) == "WyJESVNUQU5DRSIsMCw2XQ"
    assert decode_key("WyJESVNUQU5DRSIsMCw2XQ") == ("DISTANCE", 0, 6)
    assert (encode_change(0), encode_change(123456)) == ("Y2hhbmdlOjA", "Y2hhbmdlOjEyMzQ1Ng")
    assert decode_change("Y2hhbmdlOjEyMzQ1Ng") == 123456


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "",
        encode_key("NAME:ASC", "x", 0),  # ids are positive
        encode_key("NAME:ASC", "x", 2**63),
        encode_change(5),  # a feed cursor is not a list cursor
        encode_key("OCCURRED_ON:DESC", "2024-01-01", 1),  # made for another order
    ],
)
def test_list_cursor_errors(cursor: str) -> None:
    with pytest.raises(CursorError):
        decode_cursor(BY_NAME, cursor)


@pytest.mark.parametrize(
    "cursor", ["not-a-cursor", encode_key("NAME:ASC", "x", 1), encode_change(-1), "Y2hhbmdlOng"]
)
def test_change_cursor_errors(cursor: str) -> None:
    with pytest.raises(CursorError):
        decode_change(cursor)
