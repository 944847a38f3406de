"""GraphiQL in a real browser: headless Chromium runs the README's headline query.

The Node side is tests/browser/graphiql.mjs (playwright-core driving /usr/bin/chromium).
GraphiQL's page loads its JS and CSS from unpkg.com; the script serves those files from
the same npm package versions installed in tests/browser/node_modules.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

BROWSER_DIR = Path(__file__).resolve().parents[1] / "browser"
CHROMIUM = Path("/usr/bin/chromium")


def _missing_tools() -> list[str]:
    missing = [] if CHROMIUM.exists() else [str(CHROMIUM)]
    return missing + [tool for tool in ("node", "npm") if shutil.which(tool) is None]


pytestmark = pytest.mark.skipif(
    bool(_missing_tools()),
    reason=f"GraphiQL browser test needs what is not installed: {', '.join(_missing_tools())}",
)


def _ensure_node_modules() -> None:
    """`npm ci` when node_modules is absent or older than package-lock.json."""
    installed = BROWSER_DIR / "node_modules" / ".package-lock.json"
    lock = BROWSER_DIR / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"],
        cwd=BROWSER_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"


def test_graphiql_runs_headline_query_in_chromium(server: str, tmp_path: Path) -> None:
    _ensure_node_modules()
    screenshot = tmp_path / "graphiql.png"
    try:
        result = subprocess.run(
            ["node", "graphiql.mjs", server, str(screenshot)],
            cwd=BROWSER_DIR,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"graphiql.mjs did not finish in 60 s:\n{e.stdout}\n{e.stderr}")
    assert result.returncode == 0, f"graphiql.mjs failed:\n{result.stdout}\n{result.stderr}"
    assert screenshot.stat().st_size > 0
