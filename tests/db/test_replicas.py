"""WAL positions as PostgreSQL writes them (`pg_lsn` text), parsed for X-Sitrep-LSN."""

from __future__ import annotations

import asyncpg
import pytest

from db.replicas import format_lsn, parse_lsn


async def test_positions_round_trip_through_postgresql(conn: asyncpg.Connection) -> None:
    for text in ["0/0", "0/16B3748", "16/B374D848", "FFFFFFFF/FFFFFFFF"]:
        value = parse_lsn(text)
        assert format_lsn(value) == text
        # The same order and distance as PostgreSQL's own pg_lsn arithmetic.
        assert await conn.fetchval("select $1::text::pg_lsn - '0/0'::pg_lsn", text) == value


@pytest.mark.parametrize(
    "text", ["", "16B3748", "0/", "/1", "x/1", "1/2/3", "123456789/0", "+1/2", "0/-1"]
)
def test_malformed_positions_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a WAL position"):
        parse_lsn(text)
