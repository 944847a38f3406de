"""An installed Sitrep works outside the source tree: build the wheel, install it into a
fresh virtual environment, and run `sitrep serve --demo` from an empty directory with
the embedded PostgreSQL. The migrations come from inside the package, the data goes to
the user's data directory (platformdirs), and start-up prints four lines."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.database import head_revision
from tests.schema.test_headline import HEADLINE
from tests.servers import ROOT, serving


def _uv() -> str | None:
    found = shutil.which("uv")
    local = ROOT / ".tools" / "bin" / "uv"
    return found or (str(local) if local.exists() else None)


def _run(*command: str | Path, cwd: Path = ROOT) -> str:
    result = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.skipif(_uv() is None, reason="needs uv (scripts/test installs it into .tools/)")
def test_a_wheel_installed_in_a_fresh_venv_serves_the_demo(tmp_path: Path) -> None:
    uv = str(_uv())
    dist, venv, home, empty = (tmp_path / d for d in ("dist", "venv", "home", "empty"))
    empty.mkdir()
    home.mkdir()
    _run(uv, "build", "--wheel", "--out-dir", dist)
    (wheel,) = dist.glob("sitrep-*.whl")
    requirements = tmp_path / "requirements.txt"
    _run(
        uv, "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "-o", requirements
    )
    _run(uv, "venv", "--python", sys.executable, venv)
    python = venv / "bin" / "python"
    _run(uv, "pip", "install", "--python", python, "-r", requirements, wheel)
    packaged = _run(
        python,
        "-c",
        "import sitrep_client, app.database as d; print(d.migrations_directory())",
        cwd=empty,
    ).strip()
    assert packaged.startswith(str(venv))
    assert packaged.endswith("app/migrations")

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SITREP_", "XDG_", "VIRTUAL_ENV", "PYTHON")) and k != "DATABASE_URL"
    }
    env |= {"HOME": str(home)}
    with serving([str(venv / "bin" / "sitrep"), "serve", "--demo"], env, cwd=empty) as (
        base,
        proc,
    ):
        response = httpx.post(f"{base}/graphql", json={"query": HEADLINE}, timeout=30)
        edges = response.json()["data"]["incidents"]["edges"]
        assert [e["node"]["location"]["name"] for e in edges] == [
            "Ain al-Asad Air Base",
            "Erbil International Airport",
        ]
        port = base.rsplit(":", 1)[1]
        proc.terminate()
        output = proc.communicate(timeout=60)[0].decode()
    data = home / ".local" / "share" / "sitrep"
    assert (data / "pgdata" / "PG_VERSION").is_file()
    assert list(empty.iterdir()) == []  # nothing written where it was started
    # A few lines, not initdb's and Alembic's (~70), and no warnings.
    lines = output.splitlines()
    assert len(lines) == 4, output
    assert re.fullmatch(r"demo data loaded \(\d+ rows written\)", lines[2])
    assert lines[:2] + lines[3:] == [
        f"database: embedded PostgreSQL in {data}",
        f"database at revision {head_revision()}",
        f"serving http://127.0.0.1:{port}/graphql (GraphiQL in a browser); Ctrl-C stops",
    ], output
