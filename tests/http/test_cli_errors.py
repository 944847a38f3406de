"""CLI input errors: one line on stderr, exit status 2, no traceback (app/cli.py main)."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest

from app.cli import main
from app.database import head_revision
from tests.conftest import FreshDatabase
from tests.servers import ROOT, serving


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["keys", "create", "--name", ""],
            "sitrep: error: Invalid value for '--name': must not be empty",
        ),
        (
            ["keys", "create", "--name", "   "],
            "sitrep: error: Invalid value for '--name': must not be empty",
        ),
        (
            ["keys", "create", "--name", "x", "--role", "god"],
            "sitrep: error: Invalid value for '--role': Value error, 'god' is not one of "
            "'reader', 'editor', 'admin'.",
        ),
        (["keys", "create"], "sitrep: error: Missing option '--name'."),
        (
            ["keys", "revoke", "three"],
            "sitrep: error: Invalid value for 'key_id': Input should be a valid integer, unable "
            "to parse string as an integer",
        ),
        (
            ["import", "acled", "/nonexistent/events.csv"],
            "sitrep: error: Invalid value for 'file': file '/nonexistent/events.csv' does not "
            "exist.",
        ),
        (["serve", "--port", "eighty"], None),
        (["nosuch"], "sitrep: error: No such command 'nosuch'."),
    ],
)
def test_input_errors_are_one_line_and_exit_2(args: list[str], line: str | None) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (2, "")
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    if line is None:
        assert lines[0].startswith("sitrep: error: Invalid value for '--port'")
    else:
        assert lines[0] == line


def test_the_readmes_sitrep_commands_exist(capsys: pytest.CaptureFixture[str]) -> None:
    """Every `./scripts/sitrep …` command the README shows exists and parses (its --help),
    and the wrapper itself runs from any directory."""
    wrapper = subprocess.run(
        [str(ROOT / "scripts" / "sitrep"), "keys", "list", "--help"],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert wrapper.returncode == 0, wrapper.stderr
    assert "Usage: sitrep keys list" in wrapper.stdout
    readme = (ROOT / "README.md").read_text()
    lines = re.findall(r"^\./scripts/sitrep ((?:[a-z]+ ?)+)", readme, flags=re.M)
    commands = sorted({tuple(line.split()[:2]) for line in lines})
    assert ("keys", "create") in commands
    assert ("import", "acled") in commands
    for command in commands:
        with pytest.raises(SystemExit) as exited:
            main([*command, "--help"])
        assert exited.value.code == 0, command
        assert f"Usage: pytest {' '.join(command)}" in capsys.readouterr().out  # argv[0]


def test_start_up_is_quiet_unless_verbose(fresh_database: FreshDatabase) -> None:
    """`serve` prints what it did in a line each; `--verbose` adds Alembic's and uvicorn's
    own output (and the embedded PostgreSQL's, when there is one)."""
    outputs = {}
    for verbose in (False, True):
        url = fresh_database("sitrep_startup", migrate=False)
        command = [sys.executable, "-m", "app.cli", "serve", "--migrate"]
        env = {"DATABASE_URL": url, "SITREP_LOG_LEVEL": "INFO"}
        with serving([*command, *(["--verbose"] if verbose else [])], env) as (base, proc):
            httpx.post(f"{base}/graphql", json={"query": "{ __typename }"}, timeout=10)
            proc.terminate()
            outputs[verbose] = proc.communicate(timeout=60)[0].decode()
        port = base.rsplit(":", 1)[1]
        serving_line = (
            f"serving http://127.0.0.1:{port}/graphql (GraphiQL in a browser); Ctrl-C stops"
        )
        if not verbose:
            assert outputs[verbose].splitlines() == [
                f"database at revision {head_revision()}",
                serving_line,
            ]
    loud = outputs[True]
    assert "Running upgrade  -> 0001" in loud
    assert "Uvicorn running on http://127.0.0.1:" in loud
    assert "Warning" not in loud
