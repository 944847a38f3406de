"""The reference clients of both transports against real servers: graphql-ws (Node) over
WebSocket, graphql-sse (Node) and curl over Server-Sent Events."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.push.conftest import (
    ROOT,
    Server,
    create_incident,
    first_location,
    until_subscribed,
)

NODE_DIR = Path(__file__).resolve().parent / "node"
EVENTS = """subscription($f: IncidentFilter) { incidentEvents(filter: $f) {
  action incidentId incident { summary status weapon location { name } } } }"""


def _node_clients() -> str | None:
    """Why the Node clients cannot run (None: installed by scripts/push-clients)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are needed for the reference clients"
    result = subprocess.run(
        [str(ROOT / "scripts" / "push-clients")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode == 3:
        return result.stderr.strip()
    assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"
    return None


@pytest.fixture(scope="module")
def node_clients() -> None:
    reason = _node_clients()
    if reason is not None:
        pytest.skip(reason)


async def _lines(proc: asyncio.subprocess.Process, count: int) -> list[dict[str, Any]]:
    assert proc.stdout is not None
    out: list[dict[str, Any]] = []
    while len(out) < count:
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert line, "the client exited early"
        out.append(json.loads(line))
    return out


async def _node(transport: str, url: str, key: str, query: str, f: dict[str, Any]) -> Any:
    return await asyncio.create_subprocess_exec(
        "node",
        "client.mjs",
        transport,
        url,
        key,
        "1",
        query,
        json.dumps({"f": f}),
        cwd=NODE_DIR,
        stdout=asyncio.subprocess.PIPE,
    )


async def test_graphql_ws_client_on_b_sees_a_mutation_through_a(
    node_clients: None, server_a: Server, server_b: Server, keys: dict[str, str]
) -> None:
    summary = "Node graphql-ws client"
    proc = await _node("ws", server_b.ws, keys["reader"], EVENTS, {"text": summary})
    assert await _lines(proc, 1) == [{"connected": True}]
    await until_subscribed(server_b, "incidentEvents", 1)
    made = create_incident(
        server_a, keys["editor"], first_location(server_a), summary=summary, status="PUBLISHED"
    )
    [result] = await _lines(proc, 1)
    event = result["data"]["incidentEvents"]
    assert (event["action"], event["incidentId"]) == ("UPSERT", made["id"])
    assert event["incident"]["summary"] == summary
    assert event["incident"]["weapon"] == "DRONE"
    assert await asyncio.wait_for(proc.wait(), 30) == 0
    await until_subscribed(server_b, "incidentEvents", 0)


async def test_graphql_sse_client_with_an_editor_key_sees_drafts(
    node_clients: None, server_a: Server, server_b: Server, keys: dict[str, str]
) -> None:
    summary = "Node graphql-sse client"
    url = f"{server_b.base}/graphql"
    editor = await _node("sse", url, keys["editor"], EVENTS, {"text": summary})
    await until_subscribed(server_b, "incidentEvents", 1)
    made = create_incident(server_a, keys["editor"], first_location(server_a), summary=summary)
    [result] = await _lines(editor, 1)
    event = result["data"]["incidentEvents"]
    assert (event["incidentId"], event["incident"]["status"]) == (made["id"], "DRAFT")
    assert await asyncio.wait_for(editor.wait(), 30) == 0
    await until_subscribed(server_b, "incidentEvents", 0)


async def test_curl_reads_the_changes_feed_over_sse(
    server_a: Server, server_b: Server, keys: dict[str, str]
) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    body = json.dumps({"query": "subscription { changes { cursor recordId typeName action } }"})
    curl = await asyncio.create_subprocess_exec(
        "curl",
        "-sS",
        "-N",
        "-H",
        "Accept: text/event-stream",
        "-H",
        "Content-Type: application/json",
        "-d",
        body,
        f"{server_a.base}/graphql",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        await until_subscribed(server_a, "changes", 1)
        made = create_incident(
            server_b, keys["editor"], first_location(server_b), summary="curl", status="PUBLISHED"
        )
        assert curl.stdout is not None
        event = (await asyncio.wait_for(curl.stdout.readline(), 30)).decode().strip()
        data = (await asyncio.wait_for(curl.stdout.readline(), 30)).decode().strip()
        assert event == "event: next"
        change = json.loads(data.removeprefix("data: "))["data"]["changes"]
        assert (change["recordId"], change["typeName"], change["action"]) == (
            made["id"],
            "Incident",
            "UPSERT",
        )
    finally:
        curl.terminate()
        await curl.wait()
    await until_subscribed(server_a, "changes", 0)
