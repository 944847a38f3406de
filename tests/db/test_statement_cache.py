"""The planner's statements are prepared once per connection, however long they are."""

from __future__ import annotations

import pytest

from db.core import create_pool
from tests.pooler import POOLED


@pytest.mark.skipif(
    POOLED, reason="behind a pooler in transaction mode statements are never prepared"
)
async def test_a_long_statement_is_prepared_once(database_url: str) -> None:
    """asyncpg caches statements up to 15 KB unless told otherwise; a planned statement
    for a large selection is longer, and was parsed and planned on every request."""
    # ~40 KB of SQL: nested json_build_object calls, as a large selection gives
    groups = [
        f"'group_{g}', json_build_object("
        + ", ".join(f"'field_{n:04d}', {n}" for n in range(g * 40, g * 40 + 40))
        + ")"
        for g in range(45)
    ]
    sql = f"select json_build_object({', '.join(groups)})::text"
    assert len(sql) > 32 * 1024
    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            first = await conn.fetchval(sql)
            again = await conn.fetchval(sql)
            prepared = await conn.fetchval(
                "select count(*) from pg_prepared_statements where statement = $1", sql
            )
    finally:
        await pool.close()
    assert first == again
    assert prepared == 1
