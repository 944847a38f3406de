"""Persisted documents over HTTP: automatic persisted queries (Apollo's protocol), trusted
documents from a directory or a manifest, allow-list mode, and HTTP caching of GET
requests that name a document (app/persisted.py, app/http_cache.py)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import asyncpg
import httpx

from app.persisted import ByteLru
from tests.client import planned_count
from tests.factories import make_key
from tests.http.conftest import MakeClient

QUERY = "{ actors(first: 2) { totalCount edges { node { name } } } }"
OTHER = "query Sources { sources(first: 1) { totalCount } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apq(digest: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["extensions"]["code"]


async def test_automatic_persisted_queries(client_with: MakeClient, conn: object) -> None:
    async with client_with() as http:
        expected = (await http.post("/graphql", json={"query": QUERY})).json()
        assert expected["data"]["actors"]["totalCount"] > 0
        by_hash = {"extensions": apq(sha(QUERY))}
        # Unknown hash: the client is told to send the text (Apollo's protocol) ...
        miss = await http.post("/graphql", json=by_hash)
        assert (miss.status_code, miss.json()) == (
            200,
            {
                "errors": [
                    {
                        "message": "PersistedQueryNotFound",
                        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
                    }
                ]
            },
        )
        strict = await http.post(
            "/graphql", json=by_hash, headers={"accept": "application/graphql-response+json"}
        )
        assert code(strict) == (400, "PERSISTED_QUERY_NOT_FOUND")
        # ... which registers it, checked against the hash ...
        wrong = await http.post("/graphql", json={"query": OTHER, **by_hash})
        assert code(wrong) == (400, "PERSISTED_QUERY_HASH_MISMATCH")
        before = planned_count()
        first = await http.post("/graphql", json={"query": QUERY, **by_hash})
        assert first.json() == expected
        # ... and from then on the hash alone runs it, on the planner's fast path, by POST
        # and by GET.
        again = await http.post("/graphql", json=by_hash)
        assert again.json() == expected
        got = await http.get("/graphql", params={"extensions": json.dumps(by_hash["extensions"])})
        assert got.json() == expected
        assert planned_count() == before + 3
        bad_version = {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": sha(QUERY)}}}
        assert code(await http.post("/graphql", json=bad_version)) == (400, "MALFORMED_REQUEST")


async def test_the_automatic_store_is_bounded_by_bytes(
    client_with: MakeClient, conn: object
) -> None:
    store = ByteLru(100)
    store.put("a", "x" * 40)
    store.put("b", "y" * 40)
    assert store.get("a") == "x" * 40  # a is now the most recently used
    store.put("c", "z" * 40)
    assert (store.get("a"), store.get("b"), store.get("c"), store.size) == (
        "x" * 40,
        None,
        "z" * 40,
        80,
    )
    store.put("huge", "h" * 101)
    assert (store.get("huge"), store.size) == (None, 80)
    # Through the server: a document larger than the store is run but not kept.
    async with client_with(apq_cache_bytes=len(QUERY) - 1) as http:
        sent = await http.post("/graphql", json={"query": QUERY, "extensions": apq(sha(QUERY))})
        assert "data" in sent.json()
        miss = await http.post("/graphql", json={"extensions": apq(sha(QUERY))})
        assert code(miss) == (200, "PERSISTED_QUERY_NOT_FOUND")


def _write_documents(tmp_path: Path) -> Path:
    folder = tmp_path / "documents"
    (folder / "nested").mkdir(parents=True)
    (folder / "actors.graphql").write_text(QUERY)
    (folder / "nested" / "sources.graphql").write_text(OTHER)
    return folder


async def test_registered_documents_from_a_directory(
    client_with: MakeClient, conn: object, tmp_path: Path
) -> None:
    async with client_with(persisted_documents=_write_documents(tmp_path)) as http:
        expected = (await http.post("/graphql", json={"query": QUERY})).json()
        before = planned_count()
        for document_id in (f"sha256:{sha(QUERY)}", sha(QUERY)):
            response = await http.post("/graphql", json={"documentId": document_id})
            assert response.json() == expected
        got = await http.get("/graphql", params={"documentId": f"sha256:{sha(OTHER)}"})
        assert got.json()["data"]["sources"]["totalCount"] > 0
        assert planned_count() == before + 3
        unknown = await http.post("/graphql", json={"documentId": "sha256:" + "0" * 64})
        assert code(unknown) == (404, "PERSISTED_QUERY_NOT_FOUND")
        both = await http.post("/graphql", json={"documentId": sha(QUERY), "query": QUERY})
        assert code(both) == (400, "MALFORMED_REQUEST")


async def test_allow_list_mode_with_a_relay_manifest(
    client_with: MakeClient, conn: object, tmp_path: Path
) -> None:
    manifest = tmp_path / "persisted-queries.json"
    manifest.write_text(json.dumps({"5b0f4a7e": QUERY}))  # Relay: {id: text}
    async with client_with(persisted_documents=manifest, persisted_only=True) as http:
        ran = await http.post("/graphql", json={"documentId": "5b0f4a7e"})
        assert ran.json()["data"]["actors"]["totalCount"] > 0
        # The registered text itself runs (its hash is registered), and by APQ hash.
        assert "data" in (await http.post("/graphql", json={"query": QUERY})).json()
        by_hash = await http.post("/graphql", json={"extensions": apq(sha(QUERY))})
        assert by_hash.json() == ran.json()
        # Anything else is refused, on both paths, and is not registered.
        assert code(await http.post("/graphql", json={"query": OTHER})) == (
            403,
            "QUERY_NOT_IN_SAFELIST",
        )
        register = {"query": OTHER, "extensions": apq(sha(OTHER))}
        assert code(await http.post("/graphql", json=register)) == (403, "QUERY_NOT_IN_SAFELIST")
        assert code(await http.post("/graphql", json={"extensions": apq(sha(OTHER))})) == (
            200,
            "PERSISTED_QUERY_NOT_FOUND",
        )
        mutation = 'mutation { createActor(input: {name: "X", kind: MILITIA}) { __typename } }'
        assert code(await http.post("/graphql", json={"query": mutation})) == (
            403,
            "QUERY_NOT_IN_SAFELIST",
        )


async def test_codegen_manifest_shape(
    client_with: MakeClient, conn: object, tmp_path: Path
) -> None:
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({sha(OTHER): OTHER}))  # GraphQL Codegen client preset
    async with client_with(persisted_documents=manifest, persisted_only=True) as http:
        ran = await http.post("/graphql", json={"documentId": f"sha256:{sha(OTHER)}"})
        assert ran.json()["data"]["sources"]["totalCount"] > 0


async def test_get_with_a_document_id_is_cacheable(
    client_with: MakeClient, conn: asyncpg.Connection, tmp_path: Path
) -> None:
    params = {"documentId": f"sha256:{sha(QUERY)}"}
    async with client_with(
        persisted_documents=_write_documents(tmp_path),
        persisted_cache_control="public, max-age=30",
    ) as http:
        first = await http.get("/graphql", params=params)
        tag = first.headers["etag"]
        assert re.fullmatch(r'W/"\d+-[0-9a-f]{16}"', tag)
        assert first.headers["cache-control"] == "public, max-age=30"
        assert first.headers["vary"] == "Accept, Authorization"
        assert (await http.get("/graphql", params=params)).headers["etag"] == tag
        unchanged = await http.get("/graphql", params=params, headers={"if-none-match": tag})
        assert (unchanged.status_code, unchanged.content) == (304, b"")
        assert unchanged.headers["etag"] == tag
        # Another representation (media type) has another tag.
        other = await http.get(
            "/graphql", params=params, headers={"accept": "application/graphql-response+json"}
        )
        assert other.headers["etag"] != tag
        # A key: private.
        editor = {"authorization": f"Bearer {await make_key(conn, 'editor')}"}
        keyed = await http.get("/graphql", params=params, headers=editor)
        assert keyed.headers["cache-control"] == "private, no-cache"
        # A write changes the tag: the old one no longer matches.
        create = (
            'mutation { createActor(input: {name: "Cache Buster", kind: MILITIA}) { __typename } }'
        )
        wrote = await http.post("/graphql", json={"query": create}, headers=editor)
        assert wrote.json() == {
            "data": {"createActor": {"__typename": "Actor"}},
            "extensions": {"cost": {"requested": 2, "limit": 50000}},
        }
        changed = await http.get("/graphql", params=params, headers={"if-none-match": tag})
        assert changed.status_code == 200
        assert changed.headers["etag"] != tag
        # Errors are not cached.
        unknown = await http.get("/graphql", params={"documentId": "sha256:" + "1" * 64})
        assert unknown.status_code == 404
        assert "etag" not in unknown.headers
        assert "cache-control" not in unknown.headers


async def test_a_document_id_needs_a_key_where_reads_do(
    client_with: MakeClient, conn: object, tmp_path: Path
) -> None:
    async with client_with(
        persisted_documents=_write_documents(tmp_path), require_key_for_reads=True
    ) as http:
        for params in ({"documentId": sha(QUERY)}, {"extensions": json.dumps(apq(sha(QUERY)))}):
            response = await http.get("/graphql", params=params)
            assert code(response) == (401, "UNAUTHENTICATED")
