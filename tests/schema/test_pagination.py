"""Keyset pagination (issue 2): page sizes, walking forwards and backwards, orders with
ties, cursor validation, stability under inserts, and the lazy totalCount.

Most tests page through 25 incidents of their own at one location (``location: {ids}``
scopes the list to them). Their dates repeat and are not in id order, so the id
tiebreak is exercised: the expected order is computed here from (key, id).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from app.settings import Settings
from schema.ids import pk_of
from tests.client import Gql
from tests.factories import gid, make_actor, make_incident, make_location, make_source

PAGE = """query($f: IncidentFilter, $o: IncidentOrder, $first: Int, $after: String,
                $last: Int, $before: String) {
  incidents(filter: $f, orderBy: $o, first: $first, after: $after, last: $last,
            before: $before) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

BASE_DATE = dt.date(2001, 1, 1)
BASE_TIME = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Row:
    gid: str
    pk: int
    occurred_on: dt.date
    updated_at: dt.datetime
    created_at: dt.datetime
    killed: int | None


@dataclass(frozen=True)
class Fixture:
    location: int
    rows: list[Row]

    @property
    def filter(self) -> dict[str, Any]:
        return {"location": {"ids": [gid("Location", self.location)]}}

    def expected(self, field: str = "OCCURRED_ON", direction: str = "DESC") -> list[str]:
        def key(r: Row) -> tuple[Any, int]:
            if field == "OCCURRED_ON":
                return (r.occurred_on, r.pk)
            if field == "UPDATED_AT":
                return (r.updated_at, r.pk)
            if field == "KILLED":  # an unknown toll below a toll of 0
                return (-1 if r.killed is None else r.killed, r.pk)
            assert field == "CREATED_AT"
            return (r.created_at, r.pk)

        return [r.gid for r in sorted(self.rows, key=key, reverse=direction == "DESC")]


@pytest.fixture
async def many(conn: asyncpg.Connection) -> Fixture:
    """25 incidents over 7 dates (3 or 4 per date, ids interleaved across dates),
    updated_at values over 5 instants, 25 distinct created_at instants in an order
    unrelated to the ids (so that ordering by them is not the id tiebreak), and death
    tolls over 4 values and unknown (5 each, interleaved)."""
    location = await make_location(conn, "Pagetown")
    rows = []
    for n in range(25):
        on = BASE_DATE + dt.timedelta(days=(n * 3) % 7)
        at = BASE_TIME + dt.timedelta(hours=(n * 2) % 5)
        created = BASE_TIME - dt.timedelta(minutes=(n * 7) % 25)
        killed = [12, None, 0, 3, 1][(n * 3) % 5]
        pk = await make_incident(
            conn, location, on, updated_at=at, created_at=created, killed=killed
        )
        rows.append(Row(gid("Incident", pk), pk, on, at, created, killed))
    assert len({r.occurred_on for r in rows}) == 7
    assert len({r.created_at for r in rows}) == 25
    by_created = sorted(rows, key=lambda r: r.created_at)
    assert by_created != sorted(rows, key=lambda r: r.pk)
    return Fixture(location, rows)


async def page(gql: Gql, **variables: Any) -> dict[str, Any]:
    data = await gql.data(PAGE, variables)
    conn = data["incidents"]
    edges = conn["edges"]
    info = conn["pageInfo"]
    assert info["startCursor"] == (edges[0]["cursor"] if edges else None)
    assert info["endCursor"] == (edges[-1]["cursor"] if edges else None)
    return conn


def ids(conn: dict[str, Any]) -> list[str]:
    return [e["node"]["id"] for e in conn["edges"]]


async def walk_forward(
    gql: Gql, size: int, **variables: Any
) -> tuple[list[str], list[dict[str, Any]]]:
    seen: list[str] = []
    pages: list[dict[str, Any]] = []
    after = None
    while True:
        conn = await page(gql, first=size, after=after, **variables)
        pages.append(conn)
        seen += ids(conn)
        if not conn["pageInfo"]["hasNextPage"]:
            return seen, pages
        after = conn["pageInfo"]["endCursor"]
        assert len(pages) < 50, "paging does not end"


async def walk_backward(
    gql: Gql, size: int, **variables: Any
) -> tuple[list[str], list[dict[str, Any]]]:
    seen: list[str] = []
    pages: list[dict[str, Any]] = []
    before = None
    while True:
        conn = await page(gql, last=size, before=before, **variables)
        pages.append(conn)
        seen = ids(conn) + seen
        if not conn["pageInfo"]["hasPreviousPage"]:
            return seen, pages
        before = conn["pageInfo"]["startCursor"]
        assert len(pages) < 50, "paging does not end"


async def error(gql: Gql, query: str = PAGE, **variables: Any) -> dict[str, Any]:
    body = await gql(query, variables)
    assert body.get("errors"), body
    assert len(body["errors"]) == 1
    return dict(body["errors"][0]["extensions"])


# --- page sizes ----------------------------------------------------------------------


async def test_default_page_size(gql: Gql, many: Fixture, settings: Settings) -> None:
    assert settings.default_page_size == 20
    conn = await page(gql, f=many.filter)
    assert ids(conn) == many.expected()[:20]
    assert conn["totalCount"] == 25
    assert conn["pageInfo"]["hasNextPage"] is True
    assert conn["pageInfo"]["hasPreviousPage"] is False
    # `before` alone pages backwards by the default size.
    tail = await page(gql, f=many.filter, last=5)
    back = await page(gql, f=many.filter, before=tail["pageInfo"]["startCursor"])
    assert ids(back) == many.expected()[:20]


async def test_first_zero_returns_no_edges(gql: Gql, many: Fixture) -> None:
    conn = await page(gql, f=many.filter, first=0)
    assert conn["edges"] == []
    assert conn["totalCount"] == 25
    assert conn["pageInfo"]["startCursor"] is None
    assert conn["pageInfo"]["endCursor"] is None
    assert conn["pageInfo"]["hasNextPage"] is True


async def test_max_page_size(gql: Gql, many: Fixture, settings: Settings) -> None:
    assert settings.max_page_size == 100
    assert len(ids(await page(gql, f=many.filter, first=100))) == 25
    for arg in ("first", "last"):
        ext = await error(gql, f=many.filter, **{arg: 101})
        assert ext["code"] == "PAGE_SIZE_EXCEEDED", arg
        assert ext["maxPageSize"] == 100


@pytest.mark.parametrize(
    "args",
    [{"first": -1}, {"last": -1}, {"first": 5, "last": 5}, {"first": 0, "last": 0}],
)
async def test_bad_page_arguments_are_bad_user_input(gql: Gql, args: dict[str, int]) -> None:
    assert (await error(gql, **args))["code"] == "BAD_USER_INPUT"


# --- walking -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "direction"),
    [
        ("OCCURRED_ON", "DESC"),
        ("OCCURRED_ON", "ASC"),
        ("UPDATED_AT", "DESC"),
        ("UPDATED_AT", "ASC"),
        ("CREATED_AT", "ASC"),
        ("CREATED_AT", "DESC"),
        ("KILLED", "DESC"),
        ("KILLED", "ASC"),
    ],
)
async def test_walking_forward_returns_every_row_once_in_order(
    gql: Gql, many: Fixture, field: str, direction: str
) -> None:
    order = {"field": field, "direction": direction}
    seen, pages = await walk_forward(gql, 7, f=many.filter, o=order)
    assert seen == many.expected(field, direction)
    assert [len(ids(p)) for p in pages] == [7, 7, 7, 4]
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, True, False]
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True, True]
    assert {p["totalCount"] for p in pages} == {25}


@pytest.mark.parametrize(
    ("field", "direction"),
    [
        ("OCCURRED_ON", "DESC"),
        ("OCCURRED_ON", "ASC"),
        ("UPDATED_AT", "ASC"),
        ("CREATED_AT", "DESC"),
        ("KILLED", "DESC"),
        ("KILLED", "ASC"),
    ],
)
async def test_walking_backward_returns_the_same_rows_in_the_same_order(
    gql: Gql, many: Fixture, field: str, direction: str
) -> None:
    order = {"field": field, "direction": direction}
    seen, pages = await walk_backward(gql, 7, f=many.filter, o=order)
    assert seen == many.expected(field, direction)
    # Pages come from the end: 7, 7, 7 and the first 4.
    assert [len(ids(p)) for p in pages] == [7, 7, 7, 4]
    assert ids(pages[0]) == many.expected(field, direction)[-7:]
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [True, True, True, False]
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [False, True, True, True]


async def test_exact_last_page_and_the_empty_page_after_it(gql: Gql, many: Fixture) -> None:
    seen, pages = await walk_forward(gql, 5, f=many.filter)
    assert seen == many.expected()
    assert [len(ids(p)) for p in pages] == [5] * 5
    assert pages[-1]["pageInfo"]["hasNextPage"] is False
    after_end = await page(gql, f=many.filter, first=5, after=pages[-1]["pageInfo"]["endCursor"])
    assert after_end["edges"] == []
    assert after_end["pageInfo"]["hasNextPage"] is False
    assert after_end["pageInfo"]["startCursor"] is None
    assert after_end["totalCount"] == 25
    # And backwards: last 5 is exactly the first page walked forwards... from the end.
    last = await page(gql, f=many.filter, last=5)
    assert ids(last) == many.expected()[-5:]
    assert last["pageInfo"]["hasNextPage"] is False


async def test_empty_result(gql: Gql, many: Fixture) -> None:
    f = {**many.filter, "weapon": {"eq": "ARTILLERY"}}
    for args in ({}, {"first": 10}, {"last": 10}):
        conn = await page(gql, f=f, **args)
        assert conn["edges"] == []
        assert conn["totalCount"] == 0
        assert conn["pageInfo"] == {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        }


async def test_after_and_before_together_give_the_rows_between(gql: Gql, many: Fixture) -> None:
    full = await page(gql, f=many.filter, first=25)
    cursors = [e["cursor"] for e in full["edges"]]
    between = await page(gql, f=many.filter, first=25, after=cursors[3], before=cursors[10])
    assert ids(between) == many.expected()[4:10]
    short = await page(gql, f=many.filter, first=2, after=cursors[3], before=cursors[10])
    assert ids(short) == many.expected()[4:6]
    assert short["pageInfo"]["hasNextPage"] is True
    back = await page(gql, f=many.filter, last=2, after=cursors[3], before=cursors[10])
    assert ids(back) == many.expected()[8:10]
    assert back["pageInfo"]["hasPreviousPage"] is True


async def test_a_cursor_is_a_position_not_a_row(gql: Gql, many: Fixture) -> None:
    """Paging still works from a cursor whose row no longer matches the filter."""
    first = await page(gql, f=many.filter, first=5)
    cursor = first["pageInfo"]["endCursor"]
    gone = many.expected()[4]
    rest = await page(gql, f={**many.filter, "not": {"ids": [gone]}}, first=25, after=cursor)
    assert ids(rest) == many.expected()[5:]


# --- keyset stability ---------------------------------------------------------------------


async def test_rows_inserted_between_requests_are_neither_skipped_nor_repeated(
    gql: Gql, conn: asyncpg.Connection, many: Fixture
) -> None:
    order = {"field": "OCCURRED_ON", "direction": "ASC"}
    first = await page(gql, f=many.filter, o=order, first=8)
    assert ids(first) == many.expected("OCCURRED_ON", "ASC")[:8]
    cursor_date = next(r.occurred_on for r in many.rows if r.gid == ids(first)[-1])

    # Before the cursor (an earlier date), at the cursor's date (a higher id, so after
    # it), and at the end.
    before = gid("Incident", await make_incident(conn, many.location, BASE_DATE))
    tie = gid("Incident", await make_incident(conn, many.location, cursor_date))
    end = gid("Incident", await make_incident(conn, many.location, BASE_DATE + dt.timedelta(99)))

    seen = ids(first)
    after = first["pageInfo"]["endCursor"]
    while after is not None:
        nxt = await page(gql, f=many.filter, o=order, first=8, after=after)
        seen += ids(nxt)
        after = nxt["pageInfo"]["endCursor"] if nxt["pageInfo"]["hasNextPage"] else None

    assert len(seen) == len(set(seen)), "a row was repeated"
    assert set(seen) == {r.gid for r in many.rows} | {tie, end}, "a row was skipped"
    assert before not in seen
    keys = {r.gid: (r.occurred_on, r.pk) for r in many.rows}
    keys[tie] = (cursor_date, pk_of(tie, "Incident"))
    keys[end] = (BASE_DATE + dt.timedelta(99), pk_of(end, "Incident"))
    assert seen == sorted(keys, key=keys.__getitem__)


# --- cursors -------------------------------------------------------------------------------


def _cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",
        "!!!!",
        base64.urlsafe_b64encode(b"not json").decode(),
        _cursor({"a": 1}),
        _cursor(["OCCURRED_ON:DESC", "2001-01-01"]),
        _cursor(["OCCURRED_ON:DESC", "2001-01-01", "7"]),
        _cursor(["OCCURRED_ON:DESC", "not a date", 7]),
        _cursor(["OCCURRED_ON:DESC", 20010101, 7]),
        _cursor(["OCCURRED_ON:DESC", "2001-01-01", 7.5]),
        _cursor(["OCCURRED_ON:DESC", "2001-01-01", True]),
        _cursor(["OCCURRED_ON:DESC", "2001-01-01", 0]),
        _cursor(["OCCURRED_ON:DESC", "2001-01-01", 2**63]),
        _cursor(["OCCURRED_ON:DESC", "2001-01-01", 2**64 - 1]),
        _cursor(["OCCURRED_ON:DESC", "2001-01-01", -(2**63) - 1]),
    ],
)
async def test_garbage_cursor_is_invalid_cursor(gql: Gql, cursor: str) -> None:
    for arg in ("after", "before"):
        assert (await error(gql, **{arg: cursor}))["code"] == "INVALID_CURSOR", arg


@pytest.mark.parametrize("value", ["3", 3.5, True, None, [3], 2**31, -(2**31) - 1])
async def test_forged_death_toll_cursor_is_invalid_cursor(gql: Gql, value: Any) -> None:
    """A KILLED cursor's key is an integer (an unknown toll is -1, not null)."""
    order = {"field": "KILLED", "direction": "DESC"}
    cursor = _cursor(["KILLED:DESC", value, 7])
    for arg in ("after", "before"):
        assert (await error(gql, o=order, **{arg: cursor}))["code"] == "INVALID_CURSOR", arg
    good = await page(gql, o=order, first=2, after=_cursor(["KILLED:DESC", 2**31 - 1, 7]))
    assert len(good["edges"]) == 2


async def test_forged_text_cursor_with_a_nul_is_invalid_cursor(gql: Gql) -> None:
    query = "query($after: String) { actors(after: $after) { edges { node { id } } } }"
    cursor = _cursor(["NAME:ASC", "a\u0000b", 1])
    assert (await error(gql, query, after=cursor))["code"] == "INVALID_CURSOR"


async def test_cursor_of_another_order_is_invalid_cursor(gql: Gql, many: Fixture) -> None:
    desc = await page(gql, f=many.filter, first=3)
    cursor = desc["pageInfo"]["endCursor"]
    for order in (
        {"field": "OCCURRED_ON", "direction": "ASC"},
        {"field": "UPDATED_AT", "direction": "DESC"},
        {"field": "CREATED_AT"},
    ):
        for arg in ("after", "before"):
            ext = await error(gql, f=many.filter, o=order, **{arg: cursor})
            assert ext["code"] == "INVALID_CURSOR", (order, arg)
    # The same order, spelled out, accepts it.
    same = {"field": "OCCURRED_ON", "direction": "DESC"}
    spelled_out = await page(gql, f=many.filter, o=same, first=3, after=cursor)
    assert ids(spelled_out) == many.expected()[3:6]
    # An actor cursor on the incident list.
    actors = await gql.data("{ actors(first: 1) { pageInfo { endCursor } } }")
    actor_cursor = actors["actors"]["pageInfo"]["endCursor"]
    assert (await error(gql, after=actor_cursor))["code"] == "INVALID_CURSOR"


# --- other lists ----------------------------------------------------------------------------


async def test_actors_ordered_by_name_case_insensitively_with_id_tiebreak(
    gql: Gql, conn: asyncpg.Connection
) -> None:
    names = ["qzx delta", "QZX Alpha", "qzx charlie", "qzx alpha", "Qzx bravo", "qzx Echo"]
    made = [(n, await make_actor(conn, n)) for n in names]
    expected_asc = [gid("Actor", pk) for n, pk in sorted(made, key=lambda x: (x[0].lower(), x[1]))]
    query = """query($o: ActorOrder, $first: Int, $after: String, $last: Int, $before: String) {
      actors(filter: {nameContains: "qzx"}, orderBy: $o, first: $first, after: $after,
             last: $last, before: $before) {
        totalCount edges { node { id } } pageInfo { hasNextPage hasPreviousPage
        startCursor endCursor } } }"""

    for direction, expected in (("ASC", expected_asc), ("DESC", expected_asc[::-1])):
        seen: list[str] = []
        after = None
        while True:
            variables = {"o": {"field": "NAME", "direction": direction}, "first": 4}
            data = (await gql.data(query, {**variables, "after": after}))["actors"]
            assert data["totalCount"] == 6
            seen += [e["node"]["id"] for e in data["edges"]]
            if not data["pageInfo"]["hasNextPage"]:
                break
            after = data["pageInfo"]["endCursor"]
        assert seen == expected, direction
    # The default order is by name, ascending; backwards too.
    default = (await gql.data(query, {"last": 3}))["actors"]
    assert [e["node"]["id"] for e in default["edges"]] == expected_asc[-3:]
    before = default["pageInfo"]["startCursor"]
    rest = (await gql.data(query, {"last": 10, "before": before}))["actors"]
    assert [e["node"]["id"] for e in rest["edges"]] == expected_asc[:3]


async def test_sources_by_published_at_with_nulls(gql: Gql, conn: asyncpg.Connection) -> None:
    t = dt.datetime(2023, 6, 1, 12, tzinfo=dt.UTC)
    published = [t, t + dt.timedelta(days=2), None, t + dt.timedelta(days=1), None]
    published += [t + dt.timedelta(days=1), None, t]
    made = []
    for n, at in enumerate(published):
        pk = await make_source(conn, "Paging Press", title=f"p{n}", published_at=at)
        made.append((at, pk))
    # Unpublished sources count as the oldest: last newest-first, first oldest-first.
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    asc = [gid("Source", pk) for at, pk in sorted(made, key=lambda x: (x[0] or oldest, x[1]))]
    query = """query($o: SourceOrder, $first: Int, $after: String, $last: Int, $before: String) {
      sources(filter: {publisher: "paging press"}, orderBy: $o, first: $first, after: $after,
              last: $last, before: $before) {
        edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""

    async def walk(variables: dict[str, Any], forward: bool) -> list[str]:
        seen: list[str] = []
        cursor = None
        for _ in range(20):
            key = "after" if forward else "before"
            size = "first" if forward else "last"
            data = (await gql.data(query, {**variables, size: 2, key: cursor}))["sources"]
            got = [e["node"]["id"] for e in data["edges"]]
            seen = seen + got if forward else got + seen
            info = data["pageInfo"]
            if not info["hasNextPage" if forward else "hasPreviousPage"]:
                return seen
            cursor = info["endCursor" if forward else "startCursor"]
        raise AssertionError("paging does not end")

    assert await walk({}, forward=True) == asc[::-1]  # default: newest first
    assert await walk({"o": {"field": "PUBLISHED_AT", "direction": "ASC"}}, forward=True) == asc
    assert await walk({"o": {"field": "PUBLISHED_AT", "direction": "DESC"}}, False) == asc[::-1]
    assert await walk({"o": {"field": "PUBLISHED_AT", "direction": "ASC"}}, False) == asc


async def test_nested_incident_connections_page_per_parent(
    gql: Gql, conn: asyncpg.Connection
) -> None:
    a = await make_location(conn, "Nest A")
    b = await make_location(conn, "Nest B")
    at_a = [await make_incident(conn, a, BASE_DATE + dt.timedelta(n % 2)) for n in range(5)]
    at_b = [await make_incident(conn, b, BASE_DATE) for _ in range(2)]
    # Newest first: the incidents on the later date (odd n), then the rest, ids descending.
    order_a = [
        gid("Incident", pk)
        for pk in sorted(at_a, key=lambda pk: (BASE_DATE + dt.timedelta(at_a.index(pk) % 2), pk))
    ][::-1]
    query = """query($ids: [ID!], $after: String) {
      locations(filter: {ids: $ids}) { edges { node { name
        incidents(first: 2, after: $after) { totalCount edges { node { id } }
          pageInfo { hasNextPage endCursor } } } } } }"""
    data = await gql.data(query, {"ids": [gid("Location", a), gid("Location", b)]})
    by_name = {e["node"]["name"]: e["node"]["incidents"] for e in data["locations"]["edges"]}
    assert [e["node"]["id"] for e in by_name["Nest A"]["edges"]] == order_a[:2]
    assert by_name["Nest A"]["totalCount"] == 5
    assert by_name["Nest A"]["pageInfo"]["hasNextPage"] is True
    assert sorted(e["node"]["id"] for e in by_name["Nest B"]["edges"]) == sorted(
        gid("Incident", pk) for pk in at_b
    )
    assert by_name["Nest B"]["totalCount"] == 2
    assert by_name["Nest B"]["pageInfo"]["hasNextPage"] is False

    seen: list[str] = []
    after = None
    while True:
        data = await gql.data(query, {"ids": [gid("Location", a)], "after": after})
        inc = data["locations"]["edges"][0]["node"]["incidents"]
        seen += [e["node"]["id"] for e in inc["edges"]]
        if not inc["pageInfo"]["hasNextPage"]:
            break
        after = inc["pageInfo"]["endCursor"]
    assert seen == order_a


# --- totalCount ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["incidents", "actors", "locations", "sources"])
async def test_total_count_is_computed_only_when_requested(gql: Gql, field: str) -> None:
    queries = [
        f"{{ {field}(first: 2) {{ edges {{ cursor }} }} }}",
        f"{{ {field}(first: 2) {{ totalCount edges {{ cursor }} }} }}",
        f"{{ {field} {{ totalCount }} }}",
    ]
    # The resolvers: the page, and a count of its own when totalCount is selected (with
    # only totalCount the page is still read: it is what is counted).
    resolvers = gql.resolvers_only()
    counts = [sorted("count(*)" in s for s in (await resolvers.counted(q))[1]) for q in queries]
    assert counts == [[False], [False, True], [False, True]]
    # The planner: one statement, with a count subquery only when totalCount is selected.
    planned = [
        [s.count("(select count(*) from") for s in (await gql.counted(q))[1]] for q in queries
    ]
    assert planned == [[0], [1], [1]]


async def test_total_count_counts_the_whole_filtered_list(
    gql: Gql, conn: asyncpg.Connection, many: Fixture
) -> None:
    assert (await page(gql, f=many.filter, first=1))["totalCount"] == 25
    on_base = {**many.filter, "occurredOn": {"eq": BASE_DATE.isoformat()}}
    expected = sum(r.occurred_on == BASE_DATE for r in many.rows)
    assert (await page(gql, f=on_base, first=1))["totalCount"] == expected
    published = await conn.fetchval("select count(*) from incident where status = 'PUBLISHED'")
    everything = await gql.data("{ incidents(first: 0) { totalCount } }")
    assert everything["incidents"]["totalCount"] == published
