"""Issue 10, finding 1: a static cost limit, computed before anything runs, on both paths."""

from __future__ import annotations

from tests.client import Gql, planned_count

LIMIT = 50_000
COUNT = 250  # what a totalCount counts (it reads every row it counts)


def _nested(alias: str) -> str:
    """Three nested incident pages of 100 (incident → location → incidents …)."""
    inner = "incidents(first: 100) { edges { node { id } } }"
    middle = f"incidents(first: 100) {{ edges {{ node {{ location {{ {inner} }} }} }} }}"
    return f"{alias}: incidents(first: 100) {{ edges {{ node {{ location {{ {middle} }} }} }} }}"


PROBE = "{ " + " ".join(_nested(f"a{i}") for i in range(30)) + " }"
# Per alias, from the inside out: node{id} 2; edges 1 + 100 x 2 = 201; incidents 202;
# location 203; node 204; edges 1 + 100 x 204 = 20,401; incidents 20,402; location 20,403;
# node 20,404; edges 1 + 100 x 20,404 = 2,040,401; incidents 2,040,402. Times 30 aliases.
PROBE_COST = 30 * 2_040_402


async def test_the_nested_pages_probe_is_refused_before_any_sql(gql: Gql) -> None:
    response, statements = await gql.post(PROBE)
    assert response.status_code == 200
    assert response.json() == {
        "errors": [
            {
                "message": f"The query may return up to {PROBE_COST} values; the limit is "
                f"{LIMIT}. Ask for smaller pages or fewer nested lists (a totalCount "
                f"counts {COUNT}).",
                "extensions": {"code": "QUERY_TOO_COMPLEX", "cost": PROBE_COST, "limit": LIMIT},
            }
        ],
    }
    assert statements == []


PAGE = "query($n: Int) { incidents(first: $n) { totalCount edges { node { id weapon } } } }"


async def test_the_cost_is_returned_by_the_planner_and_the_resolvers(gql: Gql) -> None:
    """The planner answers it (the oracle holds the resolvers' answer identical)."""
    before = planned_count()
    body = await gql(PAGE, {"n": 3})
    assert planned_count() == before + 1
    # incidents 1 + totalCount 250 + edges (1 + 3 x (node 1 + id 1 + weapon 1))
    assert body["extensions"] == {"cost": {"requested": 1 + COUNT + 1 + 3 * 3, "limit": LIMIT}}
    # The default page size (20) when none is given.
    body = await gql(PAGE)
    assert body["extensions"] == {"cost": {"requested": 1 + COUNT + 1 + 20 * 3, "limit": LIMIT}}


async def test_aliases_fragments_and_lists_count(gql: Gql) -> None:
    query = """
    query { a: incidents(first: 2) { ...E } b: incidents(first: 4) { ...E } }
    fragment E on IncidentConnection { edges { node { participants { role } } } }
    """
    body = await gql(query)
    # per connection: edges 1 + n x (node 1 + participants (1 + 5 x role 1)); lists without
    # a page size count 5 items (cost_list_size)
    assert body["extensions"] == {
        "cost": {"requested": (1 + 1 + 2 * 7) + (1 + 1 + 4 * 7), "limit": LIMIT}
    }


async def test_a_page_size_over_the_maximum_is_still_that_error(gql: Gql) -> None:
    """Page sizes count at most the maximum page size, so `first: 1000` is still refused
    as PAGE_SIZE_EXCEEDED, not as too complex."""
    assert await gql.codes("{ incidents(first: 1000000) { totalCount } }") == ["PAGE_SIZE_EXCEEDED"]


def _two_levels(inner_page: int, fields: str) -> str:
    return (
        "{ incidents(first: 100) { edges { node { location { "
        f"incidents(first: {inner_page}) {{ edges {{ node {{ {fields} }} }} }} }} }} }} }} }}"
    )


async def test_the_budget_is_a_boundary(gql: Gql) -> None:
    """Just over the budget is refused; under it runs."""
    over = _two_levels(100, "a: id b: id c: id d: id")
    # incidents 1 + edges 1 + 100 x (node 1 + location 1 + incidents 1 + edges 1 + 100 x
    # (node 1 + 4 ids))
    cost = 2 + 100 * (4 + 100 * 5)
    assert cost == 50_402
    body = await gql(over)
    assert body["errors"][0]["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "cost": cost,
        "limit": LIMIT,
    }
    body = await gql(_two_levels(95, "a: id b: id c: id d: id"))
    assert "errors" not in body
    assert body["extensions"]["cost"]["requested"] == 2 + 100 * (4 + 95 * 5)


def _counts(places: int, actors: str = "") -> str:
    """Places, each with its incidents' count, and (``actors``) the count of each of its
    incidents' participants' incidents."""
    nested = (
        f"incidents(first: {actors}) {{ edges {{ node {{ participants {{ actor {{ "
        "incidents { totalCount } } } } } }"
        if actors
        else "incidents { totalCount }"
    )
    return f"{{ locations(first: {places}) {{ edges {{ node {{ name {nested} }} }} }} }}"


async def test_nested_counts_are_priced_by_what_they_read(gql: Gql) -> None:
    """A totalCount is one value but reads every row it counts, once per parent: 50
    places' counts run; the counts of the incidents of each participant of 10 incidents
    of 100 places (5,000 counts, each of up to all of an actor's incidents) are refused
    before any SQL."""
    before = planned_count()
    body = await gql(_counts(50))
    assert planned_count() == before + 1
    # locations 1 + edges 1 + 50 x (node 1 + name 1 + incidents (1 + totalCount))
    assert body["extensions"]["cost"]["requested"] == 2 + 50 * (2 + 1 + COUNT)
    assert len(body["data"]["locations"]["edges"]) > 1
    response, statements = await gql.post(_counts(100, "10"))
    # per place: node 1 + name 1 + incidents 1 + edges 1 + 10 x (node 1 + participants
    # (1 + 5 x (actor 1 + incidents 1 + totalCount)))
    cost = 2 + 100 * (4 + 10 * (2 + 5 * (2 + COUNT)))
    assert response.json()["errors"][0]["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "cost": cost,
        "limit": LIMIT,
    }
    assert statements == []
