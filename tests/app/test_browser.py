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
from pathlib import Path

import pytest

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


def run_page_check(script: str, server: str, screenshot: Path) -> str:
    """Runs tests/browser/<script> against the server; returns its report line."""
    try:
        result = subprocess.run(
            ["node", script, server, str(screenshot)],
            cwd=BROWSER_DIR,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{script} did not finish in 60 s:\n{e.stdout}\n{e.stderr}")
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
