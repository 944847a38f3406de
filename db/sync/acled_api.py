"""ACLED's API (acleddata.com/api): OAuth password grant with refresh, and the events
and deleted-events endpoints read page by page.

Authentication (ACLED "Getting started"): ``POST {token_url}`` with the form
``username, password, grant_type=password, client_id=acled`` answers ``access_token``,
``refresh_token``, ``expires_in`` (seconds) and ``token_type``; requests then carry
``Authorization: Bearer <access_token>``. When the access token has expired (or a request
gets 401) the refresh token is exchanged (``grant_type=refresh_token``); if that is
refused too, the password grant is repeated.

Data: ``GET {base}/acled/read?_format=json&page=N&limit=5000`` (and
``/deleted/read``) answers ``{"status": 200, "success": true, "count": n, "data": […]}``;
a page shorter than ``limit`` is the last one. Incremental runs add
``timestamp=<t>&timestamp_where=>=`` (deleted: ``deleted_timestamp``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from db.sync.http import SyncError, Unauthorized, get_json, post_form

PAGE_SIZE = 5000
CLIENT_ID = "acled"


@dataclass
class OAuth:
    """ACLED's OAuth tokens for one account; refreshed a minute before they expire."""

    token_url: str
    username: str
    password: str
    access_token: str | None = None
    refresh_token: str | None = None
    expires_at: float = 0.0
    grants: int = 0  # token requests made (password or refresh), for the report

    async def header(self, client: httpx.AsyncClient) -> dict[str, str]:
        if self.access_token is None or time.monotonic() >= self.expires_at - 60:
            await self.renew(client)
        return {"Authorization": f"Bearer {self.access_token}"}

    async def renew(self, client: httpx.AsyncClient) -> None:
        """A new access token: by the refresh token when there is one, else (or when it
        is refused) by the password grant."""
        if self.refresh_token is not None:
            try:
                await self._grant(
                    client,
                    {
                        "grant_type": "refresh_token",
                        "refresh_token": self.refresh_token,
                        "client_id": CLIENT_ID,
                    },
                )
                return
            except Unauthorized:
                self.refresh_token = None
        await self._grant(
            client,
            {
                "grant_type": "password",
                "username": self.username,
                "password": self.password,
                "client_id": CLIENT_ID,
            },
        )

    async def _grant(self, client: httpx.AsyncClient, form: dict[str, str]) -> None:
        self.grants += 1
        body = await post_form(client, self.token_url, form)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise SyncError("ACLED token endpoint: no access_token in the answer")
        self.access_token = token
        refresh = body.get("refresh_token")
        self.refresh_token = refresh if isinstance(refresh, str) and refresh else None
        expires_in = body.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 86400.0
        self.expires_at = time.monotonic() + lifetime


@dataclass
class AcledApi:
    """The two endpoints the sync reads, with the account's tokens."""

    client: httpx.AsyncClient
    base_url: str
    auth: OAuth
    page_size: int = PAGE_SIZE

    async def _read(self, endpoint: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        url = f"{self.base_url.rstrip('/')}/{endpoint}/read"
        query = {"_format": "json", "limit": self.page_size, **params}
        try:
            body = await get_json(
                self.client, url, params=query, headers=await self.auth.header(self.client)
            )
        except Unauthorized:
            # The token was revoked or expired early: renew it once and retry.
            await self.auth.renew(self.client)
            body = await get_json(
                self.client, url, params=query, headers=await self.auth.header(self.client)
            )
        if not isinstance(body, dict) or body.get("success") is False:
            messages = body.get("messages") if isinstance(body, dict) else None
            raise SyncError(f"ACLED {endpoint}: the API refused the request ({messages or body})")
        data = body.get("data")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise SyncError(f"ACLED {endpoint}: no data list in the answer")
        return data

    async def events(self, page: int, since: int | None) -> list[dict[str, Any]]:
        """One page of events whose ``timestamp`` is at least ``since``."""
        params: dict[str, Any] = {"page": page}
        if since is not None:
            params |= {"timestamp": since, "timestamp_where": ">="}
        return await self._read("acled", params)

    async def deleted(self, page: int, since: int | None) -> list[dict[str, Any]]:
        """One page of deletions (``event_id_cnty``, ``deleted_timestamp``) at or after
        ``since``."""
        params: dict[str, Any] = {"page": page}
        if since is not None:
            params |= {"deleted_timestamp": since, "deleted_timestamp_where": ">="}
        return await self._read("deleted", params)


def as_csv_row(record: dict[str, Any]) -> dict[str, str]:
    """An API record as the CSV parser reads a row: every value text, nulls empty."""
    return {str(k): "" if v is None else str(v) for k, v in record.items()}
