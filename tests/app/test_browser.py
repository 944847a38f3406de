"""Sitrep's pages in a real browser, behind a closed network: headless Debian Chromium
(driven by playwright-core from tests/browser/*.mjs) against a real `sitrep serve`, with
every request outside 127.0.0.1 blocked and counted as a failure, and page errors,
console errors and CSP violations failing the run too.

``scripts/install-browser`` installs Chromium (Debian package) and the npm client
(pinned by tests/browser/package-lock.json) when they are missing; where it cannot
(not root, no registry), these tests skip with its message.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from strawberry.http.ides import get_graphql_ide_html

ROOT = Path(__file__).resolve().parents[2]
BROWSER_DIR = ROOT / "tests" / "browser"


@pytest.fixture(scope="session")
def browser_tools() -> None:
    result = subprocess.run(
        [ROOT / "scripts" / "install-browser"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"browser tests need Chromium and Node: {result.stderr.strip()}")


def _node(
    script: str, server: str, screenshot: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["node", script, server, str(screenshot), *args],
            cwd=BROWSER_DIR,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{script} did not finish in 60 s:\n{e.stdout}\n{e.stderr}")


def run_page_check(script: str, server: str, screenshot: Path) -> str:
    """Runs tests/browser/<script> against the server; returns its report line."""
    result = _node(script, server, screenshot)
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    assert screenshot.stat().st_size > 10_000
    return result.stdout


@pytest.mark.usefixtures("browser_tools")
def test_graphiql_runs_every_saved_example(server: str, tmp_path: Path) -> None:
    out = run_page_check("graphiql.mjs", server, tmp_path / "graphiql.png")
    assert "ran all 7 saved examples with no errors" in out


@pytest.mark.usefixtures("browser_tools")
def test_docs_render_swagger_ui(server: str, tmp_path: Path) -> None:
    out = run_page_check("docs.mjs", server, tmp_path / "docs.png")
    assert "/docs renders Swagger UI" in out


@pytest.mark.usefixtures("browser_tools")
def test_explore_map_draws_the_headline_incidents(server: str, tmp_path: Path) -> None:
    out = run_page_check("explore.mjs", server, tmp_path / "explore.png")
    assert "/explore draws the headline's two incidents" in out


@pytest.fixture
def cdn_page_server() -> Iterator[str]:
    """A local server answering every GET with Strawberry's stock GraphiQL page, which
    loads React and GraphiQL from unpkg.com (what Sitrep served before)."""
    page = get_graphql_ide_html("graphiql").encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.usefixtures("browser_tools")
def test_the_closed_network_fails_a_page_that_uses_a_cdn(
    cdn_page_server: str, tmp_path: Path
) -> None:
    result = _node("load.mjs", cdn_page_server, tmp_path / "cdn.png", "/graphql")
    assert result.returncode == 1
    assert (
        "request outside 127.0.0.1 attempted and blocked: "
        "https://unpkg.com/react@18.2.0/umd/react.production.min.js"
    ) in result.stderr
