"""Apps with other settings on the session's connection (each request inside the running
test's transaction), for the HTTP-level tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from tests.conftest import AppDb

MakeClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client_with(settings: Settings, app_db: AppDb, conn: object) -> MakeClient:
    """``async with client_with(persisted_only=True) as http:`` → an httpx client of an app
    with those settings changed."""

    @asynccontextmanager
    async def make(**changes: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings.model_copy(update=changes), db=app_db)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sitrep.test") as c:
            yield c

    return make
