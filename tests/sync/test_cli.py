"""`sitrep sync` and `sitrep link` as an operator runs them: a subprocess on its own
database, credentials and endpoints from the environment, against the replay server."""

from __future__ import annotations

import copy
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.sync.events import generate
from tests.sync.replay import PASSWORD, UCDP_TOKEN, USERNAME, Replay

ROOT = Path(__file__).resolve().parents[2]
DATA = generate()


def _env(url: str, replay: Replay, **env: str) -> dict[str, str]:
    settings = {
        "DATABASE_URL": url,
        "SITREP_ACLED_BASE_URL": f"{replay.base}/api",
        "SITREP_ACLED_TOKEN_URL": f"{replay.base}/oauth/token",
        "SITREP_ACLED_USERNAME": USERNAME,
        "SITREP_ACLED_PASSWORD": PASSWORD,
        "SITREP_UCDP_BASE_URL": f"{replay.base}/ucdp",
        "SITREP_UCDP_TOKEN": UCDP_TOKEN,
    }
    return {**os.environ, **settings, **env}


def _sitrep(url: str, replay: Replay, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=_env(url, replay, **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_sync_resumes_after_a_failure_then_links(
    fresh_database: Callable[..., str], replay: Replay
) -> None:
    url = fresh_database("sitrep_sync_cli")
    replay.acled_events = copy.deepcopy(DATA.acled[:10])
    replay.ucdp["25.1"] = copy.deepcopy(DATA.ucdp[:5])
    replay.fail.add(("/api/acled/read", 2))
    failed = _sitrep(url, replay, "sync", "acled", "--page-size", "4")
    assert failed.returncode == 1
    assert failed.stderr.splitlines()[-1] == (f"error: GET {replay.base}/api/acled/read: HTTP 500")
    assert "Traceback" not in failed.stderr
    status = _sitrep(url, replay, "sync", "status")
    assert status.stdout == "acled -: running, next page 2; high water None; never completed\n"

    replay.fail.clear()
    resumed = _sitrep(url, replay, "sync", "acled", "--page-size", "4")
    assert resumed.returncode == 0, resumed.stderr
    lines = resumed.stdout.splitlines()
    assert lines[-2] == (
        "acled: created 6, updated 0, unchanged 0, rejected 0, retracted 0 — 3 pages, "
        "resumed at page 2"
    )
    assert "sync acled" in resumed.stdout  # the progress bar
    ucdp = _sitrep(url, replay, "sync", "ucdp", "--version", "25.1")
    assert ucdp.returncode == 0, ucdp.stderr
    assert "ucdp 25.1: created 5, updated 0, unchanged 0, rejected 0, retracted 0 — 1 pages" in (
        ucdp.stdout
    )
    linked = _sitrep(url, replay, "link")
    assert linked.returncode == 0, linked.stderr
    assert linked.stdout.startswith("linked: ")


def test_missing_credentials_and_bad_versions_are_one_line_errors(
    fresh_database: Callable[..., str], replay: Replay
) -> None:
    url = fresh_database("sitrep_sync_cli_errors")
    no_password = _sitrep(url, replay, "sync", "acled", SITREP_ACLED_PASSWORD="")
    assert (no_password.returncode, no_password.stderr) == (
        2,
        "error: set SITREP_ACLED_USERNAME and SITREP_ACLED_PASSWORD (your myACLED account)\n",
    )
    wrong = _sitrep(url, replay, "sync", "acled", SITREP_ACLED_PASSWORD="nope")
    assert wrong.returncode == 1
    assert wrong.stderr.splitlines()[-1] == (
        f"error: POST {replay.base}/oauth/token: HTTP 400 (credentials refused)"
    )
    bad = _sitrep(url, replay, "sync", "ucdp", "--version", "twenty-five")
    assert (bad.returncode, bad.stderr.splitlines()[-1]) == (
        1,
        "error: bad UCDP version 'twenty-five': expected e.g. 25.1 or 25.0.10",
    )


def test_a_killed_sync_resumes_at_the_page_it_was_waiting_for(
    fresh_database: Callable[..., str], replay: Replay
) -> None:
    url = fresh_database("sitrep_sync_cli_kill")
    replay.ucdp["25.1"] = copy.deepcopy(DATA.ucdp[:7])
    replay.hold.add(("/ucdp/gedevents/25.1", 1))
    running = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "sync", "ucdp", "--version", "25.1", "--page-size", "3"],
        cwd=ROOT,
        env=_env(url, replay),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(r.query.get("page") == "1" for r in replay.log):
            assert time.monotonic() < deadline, "the sync never asked for page 1"
            time.sleep(0.05)
    finally:
        running.send_signal(signal.SIGKILL)  # as a crash or an OOM kill would
        running.wait(timeout=30)
    status = _sitrep(url, replay, "sync", "status")
    assert status.stdout == "ucdp 25.1: running, next page 1; high water None; never completed\n"
    replay.hold.clear()
    replay.log.clear()
    resumed = _sitrep(url, replay, "sync", "ucdp", "--version", "25.1", "--page-size", "3")
    assert resumed.returncode == 0, resumed.stderr
    assert (
        "ucdp 25.1: created 4, updated 0, unchanged 0, rejected 0, retracted 0 — 2 pages, "
        "resumed at page 1"
    ) in resumed.stdout
    assert [r.query["page"] for r in replay.log] == ["1", "2"]


def test_a_second_sync_of_the_same_source_stops_at_once(
    fresh_database: Callable[..., str], replay: Replay
) -> None:
    """Two real processes: while one `sync ucdp` runs (held on its second page), another
    `sync ucdp` on the same database fails at once with one line and asks the API nothing;
    `sync acled` (another source) runs. The lock dies with the process holding it."""
    url = fresh_database("sitrep_sync_cli_busy")
    replay.ucdp["25.1"] = copy.deepcopy(DATA.ucdp[:7])
    replay.acled_events = copy.deepcopy(DATA.acled[:4])
    replay.hold.add(("/ucdp/gedevents/25.1", 1))
    running = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "sync", "ucdp", "--version", "25.1", "--page-size", "3"],
        cwd=ROOT,
        env=_env(url, replay),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(r.query.get("page") == "1" for r in replay.log):
            assert time.monotonic() < deadline, "the sync never asked for page 1"
            time.sleep(0.05)
        asked = len(replay.requests("/ucdp/gedevents/25.1"))
        second = _sitrep(url, replay, "sync", "ucdp", "--version", "25.1", "--page-size", "3")
        assert second.returncode == 1
        assert second.stdout == ""
        assert re.fullmatch(
            r"error: another `sitrep sync ucdp` is running on this database \(started "
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\); wait for it to finish\n",
            second.stderr,
        ), second.stderr
        assert len(replay.requests("/ucdp/gedevents/25.1")) == asked
        other = _sitrep(url, replay, "sync", "acled", "--page-size", "4")
        assert other.returncode == 0, other.stderr
        assert "acled: created 4," in other.stdout
        assert running.poll() is None  # still waiting for its page
    finally:
        running.send_signal(signal.SIGKILL)  # a crash: its connection, and lock, go away
        running.wait(timeout=30)
    replay.hold.clear()
    resumed = _sitrep(url, replay, "sync", "ucdp", "--version", "25.1", "--page-size", "3")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed at page 1" in resumed.stdout
