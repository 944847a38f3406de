"""Finding 8 of issue 10 (the HTTP half): every error from every route is JSON in one
shape with a stable code, and ``/metrics`` counts error responses by status and code and
GraphQL errors by code. The app runs in uvicorn in this process on a real socket, with
two routes added for the test: one that fails unexpectedly, one with a typed parameter."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from app.main import create_app
from app.settings import Settings
from tests.abuse.http_checks import assert_error, metric
from tests.servers import free_port


@pytest.fixture(scope="module")
def base(database_url: str, settings: Settings) -> Iterator[str]:
    app = create_app(settings, database_url=database_url)

    @app.get("/test/boom")
    async def boom() -> None:
        raise RuntimeError("secret detail of a bug")

    @app.get("/test/typed/{n}")
    async def typed(n: int) -> dict[str, int]:
        return {"n": n}

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "server stopped"
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_unknown_route_is_404_json(base: str) -> None:
    before = metric(base, "sitrep_http_errors_total", status="404", code="NOT_FOUND")
    assert_error(httpx.get(f"{base}/nope", timeout=5), 404, "NOT_FOUND", "Not Found")
    assert metric(base, "sitrep_http_errors_total", status="404", code="NOT_FOUND") == before + 1


def test_wrong_method_is_405_json(base: str) -> None:
    response = httpx.post(f"{base}/healthz", timeout=5)
    assert_error(response, 405, "METHOD_NOT_ALLOWED", "Method Not Allowed")
    assert response.headers["allow"] == "GET"


def test_invalid_parameter_is_422_json(base: str) -> None:
    response = httpx.get(f"{base}/test/typed/seven", timeout=5)
    assert_error(
        response,
        422,
        "BAD_USER_INPUT",
        "Invalid request: path.n: Input should be a valid integer, unable to parse string as "
        "an integer",
    )


def test_unexpected_error_is_a_masked_500_json(base: str) -> None:
    before = metric(base, "sitrep_http_errors_total", status="500", code="INTERNAL_SERVER_ERROR")
    response = httpx.get(f"{base}/test/boom", timeout=5)
    assert_error(response, 500, "INTERNAL_SERVER_ERROR", "Unexpected error.")
    assert "secret" not in response.text
    after = metric(base, "sitrep_http_errors_total", status="500", code="INTERNAL_SERVER_ERROR")
    assert after == before + 1


def test_graphql_plain_text_refusals_are_json(base: str) -> None:
    response = httpx.put(f"{base}/graphql", json={"query": "{ __typename }"}, timeout=5)
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/json"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


def test_graphql_errors_are_counted_by_code(base: str) -> None:
    before = metric(base, "sitrep_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED")
    response = httpx.post(f"{base}/graphql", json={"query": "{ nope }"}, timeout=5)
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    after = metric(base, "sitrep_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED")
    assert after == before + 1
