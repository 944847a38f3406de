"""Issue 10, finding 4 (GraphQL side): incidentStats refuses too many buckets before SQL."""

from __future__ import annotations

import datetime as dt

from tests.client import Gql

STATS = """query($f: IncidentFilter, $i: TimeInterval) {
  incidentStats(filter: $f, interval: $i, fillEmpty: true) { groups { incidents } } }"""


async def test_a_day_bucket_per_day_of_ten_millennia_is_refused_before_sql(gql: Gql) -> None:
    variables = {"f": {"occurredOn": {"gte": "0001-01-01", "lte": "9999-12-31"}}, "i": "DAY"}
    response, statements = await gql.post(STATS, variables)
    [error] = response.json()["errors"]
    # 0001-01-01 and 9999-12-31 are -infinity and infinity to PostgreSQL: no bounds, so
    # the days from 1900-01-01 (the earliest date accepted) to today.
    buckets = (dt.date.today() - dt.date(1900, 1, 1)).days + 1
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "fillEmpty",
        "buckets": buckets,
        "limit": 10_000,
    }
    assert error["message"].startswith(f"`fillEmpty` would return {buckets} day buckets")
    assert statements == []


async def test_the_same_range_by_year_runs_over_the_data(gql: Gql) -> None:
    """By year it is within the limit, and runs from the data's first to its last year
    (it ran into the statement timeout: a series from -infinity never ends)."""
    variables = {"f": {"occurredOn": {"gte": "0001-01-01", "lte": "9999-12-31"}}, "i": "YEAR"}
    query = STATS.replace("{ incidents }", "{ period { label } incidents }")
    groups = (await gql.data(query, variables))["incidentStats"]["groups"]
    unbounded = await gql.data(query, {"i": "YEAR"})
    assert groups == unbounded["incidentStats"]["groups"]
    total = await gql.data("{ incidents { totalCount } }")
    assert sum(g["incidents"] for g in groups) == total["incidents"]["totalCount"] > 0


async def test_an_open_range_counts_from_1900(gql: Gql) -> None:
    """Without a lower bound, fillEmpty's days are counted from 1900 (the earliest date
    accepted): more than 10,000 up to 2024."""
    body = await gql(STATS, {"f": {"occurredOn": {"lte": "2024-01-31"}}, "i": "DAY"})
    assert body["errors"][0]["extensions"]["buckets"] == 45_321
    body = await gql(STATS, {"f": {"occurredOn": {"lte": "2024-01-31"}}, "i": "MONTH"})
    assert "errors" not in body
