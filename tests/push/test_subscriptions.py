"""Subscriptions over graphql-transport-ws with a Python client, against real servers:
two processes on one database, visibility, tombstones, limits and close codes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import asyncpg

from tests.push.conftest import (
    ROOT,
    UPDATE,
    Server,
    StartServer,
    close_code,
    connect,
    create_incident,
    end_cursor,
    first_location,
    post,
    until_subscribed,
    ws_client,
)

EVENTS = """subscription($f: IncidentFilter) { incidentEvents(filter: $f) {
  cursor action operation incidentId
  incident { id weapon summary status location { name } participants { role actor { name } } }
} }"""
ACLED_SAMPLE = "tests/write/data/acled_sample.csv"
CHANGES = """subscription($since: String) { changes(since: $since) {
  cursor typeName recordId operation action } }"""


async def test_mutation_through_a_reaches_subscriber_on_b(
    server_a: Server, server_b: Server, keys: dict[str, str]
) -> None:
    loc = first_location(server_a)
    async with ws_client(server_b, keys["reader"]) as client:
        summary = "Push A to B"
        op = await client.subscribe(EVENTS, {"f": {"weapon": {"in": ["DRONE"]}, "text": summary}})
        await until_subscribed(server_b, "incidentEvents", 1)
        # does not match the filter: nothing is sent for it
        create_incident(
            server_a, keys["editor"], loc, summary=summary, weapon="MISSILE", status="PUBLISHED"
        )
        made = create_incident(server_a, keys["editor"], loc, summary=summary, status="PUBLISHED")
        event = (await client.next(op))["incidentEvents"]
        assert event["action"] == "UPSERT"
        assert event["operation"] == "CREATE"
        assert event["incidentId"] == made["id"]
        assert event["incident"]["id"] == made["id"]
        assert event["incident"]["weapon"] == "DRONE"
        assert event["incident"]["summary"] == summary
        assert event["incident"]["location"]["name"]
        assert event["incident"]["participants"] == []
        # it stops matching: a tombstone with its id, and no incident
        post(
            server_a,
            UPDATE,
            {"id": made["id"], "v": made["version"], "i": {"weapon": "ROCKET"}},
            keys["editor"],
        )
        gone = (await client.next(op))["incidentEvents"]
        assert gone == {
            "cursor": gone["cursor"],
            "action": "TOMBSTONE",
            "operation": "UPDATE",
            "incidentId": made["id"],
            "incident": None,
        }
        assert await client.quiet(0.5) == []
        await client.complete(op)
    await until_subscribed(server_b, "incidentEvents", 0)


async def test_draft_never_reaches_reader_and_publishing_emits_it(
    server_a: Server, server_b: Server, keys: dict[str, str]
) -> None:
    loc = first_location(server_a)
    summary = "Push draft visibility"
    f = {"f": {"text": summary}}
    async with (
        ws_client(server_b, keys["reader"]) as reader,
        ws_client(server_b, keys["editor"]) as editor,
    ):
        await reader.subscribe(EVENTS, f)
        e_op = await editor.subscribe(EVENTS, f)
        await reader.subscribe(CHANGES)
        await until_subscribed(server_b, "incidentEvents", 2)
        await until_subscribed(server_b, "changes", 1)
        draft = create_incident(server_a, keys["editor"], loc, summary=summary)
        seen = (await editor.next(e_op))["incidentEvents"]
        assert (seen["incidentId"], seen["incident"]["status"]) == (draft["id"], "DRAFT")
        assert await reader.quiet(1.0) == []  # neither the event nor the change
        update = {"id": draft["id"], "v": draft["version"], "i": {"status": "PUBLISHED"}}
        version = post(server_a, UPDATE, update, keys["editor"])["updateIncident"]["version"]
        published = await reader.next()
        messages = [published, *[m["payload"]["data"] for m in await reader.quiet(1.0)]]
        events = [m["incidentEvents"] for m in messages if "incidentEvents" in m]
        changes = [m["changes"] for m in messages if "changes" in m]
        assert [(e["incidentId"], e["action"], e["incident"]["status"]) for e in events] == [
            (draft["id"], "UPSERT", "PUBLISHED")
        ]
        assert [(c["recordId"], c["action"], c["operation"]) for c in changes] == [
            (draft["id"], "UPSERT", "UPDATE")
        ]
        # retracted: a tombstone for both
        post(
            server_a,
            'mutation($id: ID!, $v: Int!) { retractIncident(id: $id, version: $v, reason: "t") '
            "{ __typename } }",
            {"id": draft["id"], "v": version},
            keys["admin"],
        )
        got = [await reader.next() for _ in range(2)]
        tomb = next(m["incidentEvents"] for m in got if "incidentEvents" in m)
        change = next(m["changes"] for m in got if "changes" in m)
        assert (tomb["incidentId"], tomb["action"], tomb["incident"]) == (
            draft["id"],
            "TOMBSTONE",
            None,
        )
        assert (change["recordId"], change["action"]) == (draft["id"], "TOMBSTONE")


async def test_cli_import_reaches_both_instances(server_a: Server, server_b: Server) -> None:
    async with ws_client(server_a) as on_a, ws_client(server_b) as on_b:
        op_a = await on_a.subscribe(CHANGES)
        op_b = await on_b.subscribe(CHANGES)
        await until_subscribed(server_a, "changes", 1)
        await until_subscribed(server_b, "changes", 1)
        before = {"endCursor": end_cursor(server_a)}
        command = [sys.executable, "-m", "app.cli", "import", "acled", ACLED_SAMPLE]
        env = {**os.environ, "DATABASE_URL": server_a.database_url}
        result = await asyncio.to_thread(
            subprocess.run, command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
        # exactly what the feed query says the import changed, on both
        feed = post(
            server_a,
            "query($s: String) { changes(since: $s, first: 1000) { changes { cursor } } }",
            {"s": before["endCursor"]},
        )
        expected = [c["cursor"] for c in feed["changes"]["changes"]]
        assert len(expected) > 5
        got_a = [(await on_a.next(op_a))["changes"]["cursor"] for _ in expected]
        got_b = [(await on_b.next(op_b))["changes"]["cursor"] for _ in expected]
        assert got_a == expected
        assert got_b == expected
        assert await on_a.quiet(0.5) == []
        assert await on_b.quiet(0.5) == []


async def test_limits_and_close_codes(start_server: StartServer, keys: dict[str, str]) -> None:
    server = start_server(
        SITREP_PUSH_MAX_CONNECTIONS_PER_KEY="1",
        SITREP_PUSH_MAX_SUBSCRIPTIONS_PER_CONNECTION="2",
        SITREP_PUSH_KEEPALIVE_SECONDS="0.3",
    )
    # an unknown key is refused at connection_init
    async with connect(server) as ws:
        init = {"type": "connection_init", "payload": {"Authorization": "Bearer nope"}}
        await ws.send(json.dumps(init))
        assert await close_code(ws) == 4403
    async with ws_client(server, keys["reader"]) as first:
        # the server pings; the client answers (WsClient does)
        raw = json.loads(await asyncio.wait_for(first.ws.recv(), 5))
        assert raw == {"type": "ping"}
        # a second connection for the same key: 4430
        async with connect(server) as ws:
            init = {"type": "connection_init", "payload": {"apiKey": keys["reader"]}}
            await ws.send(json.dumps(init))
            assert await close_code(ws) == 4430
        # a third subscription on one connection: an error with a code
        await first.subscribe(CHANGES)
        await first.subscribe(CHANGES)
        third = await first.subscribe(CHANGES)
        msg = await first.message()
        assert (msg["type"], msg["id"]) == ("error", third)
        assert msg["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        # a bad cursor: the error has its code
        async with ws_client(server) as anon:
            op = await anon.subscribe(CHANGES, {"since": "not-a-cursor"})
            msg = await anon.message()
            assert (msg["type"], msg["id"]) == ("next", op)
            assert msg["payload"]["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
        # shutdown closes the socket with 1012 (service restart)
        server.stop()
        assert await close_code(first.ws) == 1012


async def test_a_listener_that_lost_its_connection_catches_up_from_the_log(
    server_a: Server, server_b: Server, keys: dict[str, str]
) -> None:
    async with ws_client(server_b) as client:
        op = await client.subscribe(CHANGES)
        await until_subscribed(server_b, "changes", 1)
        # cut every LISTEN connection on the database, then write at once: the
        # notification goes out while nobody listens
        conn = await asyncpg.connect(server_a.database_url)
        try:
            cut = await conn.fetchval(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity "
                "where application_name = 'sitrep-listen' and datname = current_database()"
            )
        finally:
            await conn.close()
        assert cut == 2  # one per server process
        made = create_incident(
            server_a, keys["editor"], first_location(server_a), summary="missed", status="PUBLISHED"
        )
        change = (await client.next(op, wait=30))["changes"]
        assert (change["recordId"], change["action"]) == (made["id"], "UPSERT")
