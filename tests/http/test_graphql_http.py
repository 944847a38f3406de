"""GraphQL over HTTP at /graphql: the negotiated media type, request errors, and every
refusal of the HTTP request itself as JSON with a code, on the planner's fast path and on
the resolvers' path (app/graphql_http.py, app/graphql_view.py)."""

from __future__ import annotations

import re

import asyncpg
import httpx
import pytest

from tests.client import planned_count
from tests.http.conftest import MakeClient

GRAPHQL_RESPONSE = "application/graphql-response+json"
PLANNED = "{ actors(first: 1) { totalCount } }"  # the planner answers it
RESOLVED = '{ search(text: "erbil", first: 1) { type } }'  # the resolvers answer it


async def post(http: httpx.AsyncClient, body: object, **headers: str) -> httpx.Response:
    return await http.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", "application/json"),
        ("text/html, application/*;q=0.8", "application/json"),
    ],
)
async def test_the_media_type_is_negotiated_on_both_paths(
    http: httpx.AsyncClient, conn: object, accept: str | None, media: str
) -> None:
    headers = {} if accept is None else {"accept": accept}
    before = planned_count()
    planned = await post(http, {"query": PLANNED}, **headers)
    assert planned_count() == before + 1
    resolved = await post(http, {"query": RESOLVED}, **headers)
    assert planned_count() == before + 1
    for response in (planned, resolved):
        assert (response.status_code, response.headers["content-type"]) == (200, media)
        assert "data" in response.json()


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ actors(first: 1) { totalCount }", None, "GRAPHQL_PARSE_FAILED"),
        ("{ actorz }", None, "GRAPHQL_VALIDATION_FAILED"),
        (
            "query($n: Int) { actors(first: $n) { totalCount } }",
            {"n": "x"},
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ],
)
async def test_request_errors_are_400_under_graphql_response_json_and_200_under_json(
    http: httpx.AsyncClient, conn: object, query: str, variables: object, code: str
) -> None:
    body = {"query": query, "variables": variables}
    strict = await post(http, body, accept=GRAPHQL_RESPONSE)
    legacy = await post(http, body, accept="application/json")
    assert (strict.status_code, strict.headers["content-type"]) == (400, GRAPHQL_RESPONSE)
    assert (legacy.status_code, legacy.headers["content-type"]) == (200, "application/json")
    for response in (strict, legacy):
        # Nothing ran: no data entry at all.
        assert list(response.json()) == ["errors"]
        assert [e["extensions"]["code"] for e in response.json()["errors"]] == [code]


async def test_a_field_error_keeps_data_and_2xx_under_graphql_response_json(
    http: httpx.AsyncClient, conn: object
) -> None:
    response = await post(
        http, {"query": '{ incident(id: "%%%") { id } }'}, accept=GRAPHQL_RESPONSE
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"incident": None}
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_ID"


def _error(response: httpx.Response) -> tuple[int, str, str]:
    assert response.headers["content-type"] == "application/json", response.text
    (error,) = response.json()["errors"]
    return response.status_code, error["extensions"]["code"], response.headers.get("allow", "")


async def test_http_refusals_are_json_with_a_code(http: httpx.AsyncClient, conn: object) -> None:
    json_type = {"content-type": "application/json"}
    assert _error(await http.put("/graphql", json={"query": PLANNED})) == (
        405,
        "METHOD_NOT_ALLOWED",
        "GET, POST",
    )
    assert _error(await http.options("/graphql")) == (405, "METHOD_NOT_ALLOWED", "GET, POST")
    mutation = 'mutation { retractIncident(id: "SW5jaWRlbnQ6MQ==") { __typename } }'
    assert _error(await http.get("/graphql", params={"query": mutation})) == (
        405,
        "METHOD_NOT_ALLOWED",
        "POST",
    )
    assert _error(
        await http.post("/graphql", content=PLANNED, headers={"content-type": "text/plain"})
    ) == (415, "UNSUPPORTED_MEDIA_TYPE", "")
    assert _error(await http.post("/graphql", content=PLANNED)) == (
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "",
    )
    assert _error(await http.post("/graphql", content=b"{not json", headers=json_type)) == (
        400,
        "INVALID_JSON",
        "",
    )
    assert _error(await http.post("/graphql", content=b"", headers=json_type)) == (
        400,
        "INVALID_JSON",
        "",
    )
    assert _error(await post(http, [{"query": PLANNED}, {"query": PLANNED}])) == (
        400,
        "BATCHING_NOT_SUPPORTED",
        "",
    )
    for malformed in (
        "just a string",
        {"query": 1},
        {"query": PLANNED, "variables": "{}"},
        {"query": PLANNED, "operationName": 3},
        {"query": PLANNED, "extensions": []},
        {"variables": {}},
    ):
        assert _error(await post(http, malformed)) == (400, "MALFORMED_REQUEST", "")
    assert _error(await http.get("/graphql", params={"query": PLANNED, "variables": "{oops"})) == (
        400,
        "MALFORMED_REQUEST",
        "",
    )
    assert _error(await post(http, {"query": PLANNED}, accept="text/xml")) == (
        406,
        "NOT_ACCEPTABLE",
        "",
    )


async def test_get_queries_are_planned(http: httpx.AsyncClient, conn: object) -> None:
    before = planned_count()
    response = await http.get(
        "/graphql", params={"query": PLANNED}, headers={"accept": GRAPHQL_RESPONSE}
    )
    assert planned_count() == before + 1
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json()["data"]["actors"]["totalCount"] > 0


async def test_every_response_has_a_request_id(http: httpx.AsyncClient, conn: object) -> None:
    planned = await post(http, {"query": PLANNED})
    refused = await post(http, [{"query": PLANNED}])
    ids = [r.headers["x-request-id"] for r in (planned, refused)]
    assert all(re.fullmatch("[0-9a-f]{32}", i) for i in ids)
    assert ids[0] != ids[1]
    echoed = await post(http, {"query": PLANNED}, **{"x-request-id": "client-42"})
    assert echoed.headers["x-request-id"] == "client-42"
    replaced = await post(http, {"query": PLANNED}, **{"x-request-id": "bad id;" + "x" * 80})
    assert re.fullmatch("[0-9a-f]{32}", replaced.headers["x-request-id"])


async def test_introspection_and_suggestions_can_be_switched_off(
    client_with: MakeClient, conn: object
) -> None:
    schema_query = {"query": "{ __schema { queryType { name } } }"}
    typo = {"query": "{ actorz }"}
    async with client_with() as http:
        assert (await post(http, schema_query)).json() == {
            "data": {"__schema": {"queryType": {"name": "Query"}}},
            "extensions": {"cost": {"requested": 1, "limit": 50000}},
        }
        message = (await post(http, typo)).json()["errors"][0]["message"]
        assert (
            message
            == "Cannot query field 'actorz' on type 'Query'. Did you mean 'actor' or 'actors'?"
        )
    for planner in (True, False):
        async with client_with(introspection=False, planner=planner) as http:
            closed = (await post(http, schema_query)).json()
            # One error per introspection field (__schema, queryType), and no data.
            assert list(closed) == ["errors"]
            assert [e["extensions"]["code"] for e in closed["errors"]] == [
                "GRAPHQL_VALIDATION_FAILED"
            ] * 2
            assert "introspection" in closed["errors"][0]["message"]
            typename = await post(http, {"query": "{ __typename }"})
            assert typename.json() == {
                "data": {"__typename": "Query"},
                "extensions": {"cost": {"requested": 1, "limit": 50000}},
            }
            # Suggestions follow introspection unless set.
            message = (await post(http, typo)).json()["errors"][0]["message"]
            assert message == "Cannot query field 'actorz' on type 'Query'."
    async with client_with(field_suggestions=False) as http:
        assert (await post(http, schema_query)).status_code == 200
        message = (await post(http, typo)).json()["errors"][0]["message"]
        assert message == "Cannot query field 'actorz' on type 'Query'."


async def test_openapi_pages_can_be_switched_off(client_with: MakeClient, conn: object) -> None:
    pages = ("/docs", "/openapi.json", "/redoc")  # ReDoc needs a CDN: never served
    async with client_with() as http:
        assert [(await http.get(p)).status_code for p in pages] == [200, 200, 404]
    async with client_with(docs=False) as http:
        assert [(await http.get(p)).status_code for p in pages] == [404, 200, 404]
    async with client_with(openapi=False) as http:
        assert [(await http.get(p)).status_code for p in pages] == [404, 404, 404]
    async with client_with(graphiql=False) as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})
        assert _error(page)[:2] == (404, "NOT_FOUND")


async def test_cors_allow_list(client_with: MakeClient, conn: object) -> None:
    origin = "https://analyst.example"
    preflight = {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, authorization",
    }
    async with client_with() as http:
        # No allow-list: no CORS at all (the preflight is just an OPTIONS request).
        assert (await http.options("/graphql", headers=preflight)).status_code == 405
    async with client_with(cors_origins=[origin]) as http:
        answer = await http.options("/graphql", headers=preflight)
        assert answer.status_code == 204
        assert answer.headers["access-control-allow-origin"] == origin
        assert "authorization" in answer.headers["access-control-allow-headers"].lower()
        before = planned_count()
        planned = await post(http, {"query": PLANNED}, origin=origin)
        assert planned_count() == before + 1
        assert planned.headers["access-control-allow-origin"] == origin
        assert "x-request-id" in planned.headers["access-control-expose-headers"].lower()
        refused = await http.options(
            "/graphql", headers={**preflight, "origin": "https://evil.example"}
        )
        assert _error(refused)[:2] == (400, "CORS_REJECTED")
        other = await post(http, {"query": PLANNED}, origin="https://evil.example")
        assert "access-control-allow-origin" not in other.headers


async def test_a_masked_error_carries_the_request_id_of_its_response(
    client_with: MakeClient, conn: asyncpg.Connection, database_url: str
) -> None:
    """The id in ``extensions.requestId`` of an unexpected (masked) error is the response's
    ``X-Request-Id``."""
    other = await asyncpg.connect(database_url)
    try:
        async with other.transaction():
            await other.execute("lock table incident in access exclusive mode")
            await conn.execute("set local lock_timeout = '50ms'")
            async with client_with(planner=False) as http:
                response = await post(
                    http,
                    {"query": "{ incidents { edges { node { id } } } }"},
                    accept=GRAPHQL_RESPONSE,
                )
    finally:
        await other.close()
    (error,) = response.json()["errors"]
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": response.headers["x-request-id"],
    }
    assert error["message"] == "Unexpected error."
    # A field error: data is there (null), so it stays a 200.
    assert (response.status_code, response.json()["data"]) == (200, None)
