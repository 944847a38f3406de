"""Issue 10, finding 5: the document and plan caches are bounded by bytes, not only by
count (40 distinct 4 MB documents took the server from 150 to 468 MB)."""

from __future__ import annotations

import asyncpg
import httpx
from fastapi import FastAPI

from app.fastpath import FastPath
from app.main import create_app
from app.settings import Settings
from schema.documents import SizedLru
from tests.conftest import AppDb

BUDGET = 1024 * 1024


def _padded(i: int, size: int) -> str:
    """A distinct, valid, planned document of about ``size`` bytes (a comment pads it)."""
    return f"# {i} {'x' * size}\n{{ incidents(first: 1) {{ totalCount }} }}"


def _fast_path(app: FastAPI) -> FastPath:
    """The fast path inside the app's outer layers (each holds the next as ``app``)."""
    layer: object = app.middleware_stack
    while not isinstance(layer, FastPath):
        layer = layer.app  # type: ignore[attr-defined]
    return layer


async def test_documents_and_plans_stay_within_their_byte_budget(
    conn: asyncpg.Connection, app_db: AppDb, settings: Settings
) -> None:
    app = create_app(settings.model_copy(update={"document_cache_bytes": BUDGET}), db=app_db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sitrep.test") as c:
        sent = [_padded(i, 20_000) for i in range(80)]  # 80 x 20 KB: 1.6 MB in all
        for query in sent:
            response = await c.post("/graphql", json={"query": query})
            assert response.json()["data"] == {"incidents": {"totalCount": 3}}
        fast = _fast_path(app)
        documents: SizedLru[str, object] = fast.documents.cache
        for cache in (documents, fast.plans):
            assert 0 < cache.bytes <= BUDGET
            assert 0 < len(cache) < len(sent)
        assert documents.get(sent[-1]) is not None  # the latest are kept
        assert documents.get(sent[0]) is None  # the first were dropped
        # A document heavier than an eighth of the budget is answered, not kept.
        heavy = _padded(999, BUDGET // 8)
        response = await c.post("/graphql", json={"query": heavy})
        assert response.json()["data"] == {"incidents": {"totalCount": 3}}
        assert documents.get(heavy) is None


def test_the_lru_drops_the_least_recently_used_first() -> None:
    cache: SizedLru[str, int] = SizedLru(entries=100, max_bytes=800)
    for i, key in enumerate("abcdefgh"):
        cache.put(key, i, 100)
    assert cache.bytes == 800
    assert cache.get("a") == 0  # "b" is now the least recently used
    cache.put("i", 8, 100)
    assert (cache.get("a"), cache.get("b"), cache.get("i")) == (0, None, 8)
    assert (len(cache), cache.bytes) == (8, 800)
    cache.put("j", 9, 101)  # more than an eighth of 800: not kept
    assert cache.get("j") is None
    assert (len(cache), cache.bytes) == (8, 800)
