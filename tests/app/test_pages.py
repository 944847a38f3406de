"""The browser pages (GraphiQL, /explore, /docs): served with every asset from Sitrep's
own routes, with the security headers; the vendored assets are the ones VERSIONS.txt
lists (scripts/vendor-assets)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import httpx
import pytest

from app.examples import EXAMPLES
from app.security_headers import CONTENT_SECURITY_POLICY, GRAPHIQL_POLICY

VENDOR = Path(__file__).resolve().parents[2] / "app" / "static" / "vendor"
PAGES = ["/graphql", "/explore", "/docs"]
ASSET_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
}


async def _page(http: httpx.AsyncClient, path: str) -> httpx.Response:
    response = await http.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response


@pytest.mark.parametrize("path", PAGES)
async def test_pages_have_security_headers(http: httpx.AsyncClient, path: str) -> None:
    response = await _page(http, path)
    policy = GRAPHIQL_POLICY if path == "/graphql" else CONTENT_SECURITY_POLICY
    assert response.headers["content-security-policy"] == policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("policy", [CONTENT_SECURITY_POLICY, GRAPHIQL_POLICY])
def test_policies_allow_only_this_origin(policy: str) -> None:
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["style-src"] == (
        "'self' 'unsafe-inline'" if policy is GRAPHIQL_POLICY else "'self'"
    )
    assert "unsafe-eval" not in policy
    assert not re.search(r"https?:|\*", policy)


@pytest.mark.parametrize("path", PAGES)
async def test_pages_load_only_their_own_assets(http: httpx.AsyncClient, path: str) -> None:
    html = (await _page(http, path)).text
    # What the page loads: scripts, stylesheets, the icon (links to other pages aside).
    urls = re.findall(r'<(?:script|link)[^>]* (?:src|href)="([^"]*)"', html)
    assert urls, html
    assets = [url for url in urls if url.startswith("/static/")]
    assert [url for url in urls if url not in assets] == [url for url in urls if url == "data:,"]
    assert "<script>" not in html  # no inline script: the CSP would refuse it
    for url in assets:
        response = await http.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"] == ASSET_TYPES[Path(url).suffix], url
        assert response.headers["x-content-type-options"] == "nosniff", url


async def test_graphiql_page_carries_the_examples(http: httpx.AsyncClient) -> None:
    html = (await _page(http, "/graphql")).text
    (inline,) = re.findall(
        r'<script type="application/json" id="sitrep-examples">(.*?)</script>', html
    )
    assert json.loads(inline) == [example.as_json() for example in EXAMPLES]


async def test_redoc_is_not_served(http: httpx.AsyncClient) -> None:
    assert (await http.get("/redoc")).status_code == 404


async def test_json_responses_get_nosniff_but_no_page_policy(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in response.headers


def test_vendored_files_are_the_listed_ones() -> None:
    """Every vendored file is in VERSIONS.txt with its sha256 (what scripts/vendor-assets
    wrote), and each listed package has its licence file."""
    listed: dict[str, str] = {}
    packages: list[str] = []
    for line in (VENDOR / "VERSIONS.txt").read_text().splitlines():
        if m := re.fullmatch(r"  ([0-9a-f]{64})  (\S+)", line):
            listed[m[2]] = m[1]
        elif m := re.fullmatch(r"(@?[^@\s]+)@(\d\S*) (\S+)", line):
            packages.append(m[1])
    on_disk = {
        str(p.relative_to(VENDOR))
        for p in VENDOR.rglob("*")
        if p.is_file() and p.parent.name != "licenses" and p.name != "VERSIONS.txt"
    }
    assert set(listed) == on_disk
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    licences = {p.stem for p in (VENDOR / "licenses").iterdir()}
    assert licences == {name.replace("/", "__") for name in packages}
    assert sum(p.stat().st_size for p in VENDOR.rglob("*")) < 5_000_000
