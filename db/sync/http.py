"""HTTP for the sync clients: JSON GETs with retries on transient failures, and the one
error type the CLI turns into a one-line message."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class SyncError(Exception):
    """A sync that cannot go on (bad credentials, the API refusing, a malformed page).
    The message is one line, safe to show (never a token or a password)."""


class Unauthorized(SyncError):
    """HTTP 401: the access token was refused."""


async def get_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    tries: int = 3,
    backoff: float = 0.5,
) -> Any:
    """GET ``url`` and decode its JSON body. Connection errors and 429/5xx answers are
    retried (``tries`` attempts, doubling waits); 401 raises ``Unauthorized``; any other
    non-2xx answer or a body that is not JSON raises ``SyncError``."""
    wait = backoff
    for attempt in range(1, tries + 1):
        try:
            response = await client.get(url, params=params, headers=headers)
        except httpx.TransportError as exc:
            if attempt == tries:
                raise SyncError(f"GET {_show(url)}: {type(exc).__name__}") from exc
        else:
            if response.status_code == 401:
                raise Unauthorized(f"GET {_show(url)}: HTTP 401 (token refused)")
            if response.status_code not in RETRY_STATUS or attempt == tries:
                return _decode(url, response)
        await asyncio.sleep(wait)
        wait *= 2
    raise AssertionError("unreachable")


async def post_form(client: httpx.AsyncClient, url: str, data: Mapping[str, str]) -> Any:
    """POST a form (an OAuth token request) and decode its JSON answer."""
    try:
        response = await client.post(url, data=dict(data))
    except httpx.TransportError as exc:
        raise SyncError(f"POST {_show(url)}: {type(exc).__name__}") from exc
    if response.status_code in (400, 401):
        raise Unauthorized(f"POST {_show(url)}: HTTP {response.status_code} (credentials refused)")
    return _decode(url, response)


def _decode(url: str, response: httpx.Response) -> Any:
    if not response.is_success:
        raise SyncError(f"GET {_show(url)}: HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError as exc:
        raise SyncError(f"{_show(url)}: the answer is not JSON") from exc


def _show(url: str) -> str:
    """The URL without its query (which may carry a key)."""
    return str(httpx.URL(url).copy_with(query=None))
