"""The UCDP API (ucdpapi.pcr.uu.se): GED and GED Candidate events, page by page.

``GET {base}/gedevents/<version>?pagesize=1000&page=N`` with the header
``x-ucdp-access-token`` answers ``{"TotalCount", "TotalPages", "PreviousPageUrl",
"NextPageUrl", "Result": […]}``; pages count from 0 and ``NextPageUrl`` is empty on
the last one. Versions: yearly GED releases are ``<yy>.1`` (e.g. ``25.1``); the monthly
GED Candidate releases are ``<yy>.0.<n>`` (e.g. ``25.0.10``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from db.sync.http import SyncError, get_json

PAGE_SIZE = 1000
VERSION = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{1,2}))?$")


def parse_version(version: str) -> tuple[int, bool]:
    """``25.1`` → (250100, False); ``25.0.10`` → (250010, True): a number that orders
    releases (a later release's record supersedes an earlier one's) and whether it is a
    Candidate release. Raises ``SyncError`` for anything else."""
    m = VERSION.match(version)
    if m is None:
        raise SyncError(f"bad UCDP version {version!r}: expected e.g. 25.1 or 25.0.10")
    major, minor, patch = int(m[1]), int(m[2]), int(m[3] or 0)
    return major * 10000 + minor * 100 + patch, m[3] is not None


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total_pages: int
    next_page: int | None  # from NextPageUrl; None on the last page


@dataclass
class UcdpApi:
    client: httpx.AsyncClient
    base_url: str
    token: str
    page_size: int = PAGE_SIZE

    async def page(self, version: str, page: int) -> Page:
        url = f"{self.base_url.rstrip('/')}/gedevents/{version}"
        body = await get_json(
            self.client,
            url,
            params={"pagesize": self.page_size, "page": page},
            headers={"x-ucdp-access-token": self.token},
        )
        if not isinstance(body, dict) or not isinstance(body.get("Result"), list):
            raise SyncError(f"UCDP gedevents/{version}: no Result list in the answer")
        total = body.get("TotalPages")
        return Page(
            rows=body["Result"],
            total_pages=total if isinstance(total, int) else page + 1,
            next_page=_page_of(body.get("NextPageUrl")),
        )


def _page_of(next_url: object) -> int | None:
    if not isinstance(next_url, str) or not next_url.strip():
        return None
    value = httpx.URL(next_url).params.get("page")
    if value is None or not value.isdigit():
        raise SyncError(f"UCDP NextPageUrl without a page number: {next_url!r}")
    return int(value)
