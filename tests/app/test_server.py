"""The real thing: `sitrep serve` in a subprocess, queried over TCP."""

from __future__ import annotations

import httpx

from app.main import create_app
from app.settings import Settings
from tests.schema.test_headline import HEADLINE


def test_headline_over_http(server: str) -> None:
    response = httpx.post(f"{server}/graphql", json={"query": HEADLINE}, timeout=10)
    assert response.status_code == 200
    data = response.json()["data"]["incidents"]
    names = [e["node"]["location"]["name"] for e in data["edges"]]
    assert names == ["Ain al-Asad Air Base", "Erbil International Airport"]


def test_graphiql_is_served_to_browsers(server: str) -> None:
    response = httpx.get(f"{server}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_health_and_metrics(server: str) -> None:
    assert httpx.get(f"{server}/healthz", timeout=5).json() == {"status": "ok"}
    httpx.post(f"{server}/graphql", json={"query": "{ __typename }"}, timeout=5)
    metrics = httpx.get(f"{server}/metrics", timeout=5).text
    assert 'sitrep_http_requests_total{path="/graphql",status="200"}' in metrics


def test_malformed_json_body_is_a_client_error(server: str) -> None:
    response = httpx.post(
        f"{server}/graphql",
        content=b"{not json",
        headers={"content-type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json()["errors"][0]["extensions"] == {"code": "INVALID_JSON"}


def test_fastapis_opentelemetry_follows_its_setting() -> None:
    """FastAPI's own OpenTelemetry spans, metrics and logs are on only with
    ``SITREP_OPENTELEMETRY`` (off, no request asks OpenTelemetry for its providers)."""
    kinds = ("tracing", "metrics", "logs")
    for on in (False, True):
        settings = Settings(environment="test", opentelemetry=on, _env_file=None)  # type: ignore[call-arg]
        app = create_app(settings, database_url="postgresql://127.0.0.1:1/unused")
        assert {kind: app._telemetry[kind] for kind in kinds} == dict.fromkeys(kinds, on)  # type: ignore[attr-defined]
