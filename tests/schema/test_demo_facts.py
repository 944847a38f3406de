"""Every fact of the demo dataset (the seed article) can be read back through GraphQL.

The dataset definition (db.demo_data) is compared with what the API returns, and the
article's key facts are also checked literally, so a wrong definition fails too.
"""

from __future__ import annotations

from typing import Any

from db import demo_data as d
from tests.client import Gql

ACTORS = """{ actors(first: 100) { totalCount edges { node { name kind aliases
  country { code } description
  relations { kind basis note validFrom validTo subject { name } object { name }
    assertedBy { name } sources { title } }
  deployments { strength strengthNote mission note location { name } sources { title } } } } } }"""

LOCATIONS = """{ locations(first: 100) { totalCount edges { node { name kind aliases
  coordinates { latitude longitude } geoPrecision precisionKm country { code name }
  admin1 { code name } admin2 parent { name } description } } } }"""

INCIDENTS = """{ incidents(first: 100) { totalCount edges { node { occurredOn dateEarliest
  dateLatest timePrecision eventType subEventType weapon projectileCount outcome claimStatus
  killed { low best high } injured { low best high } damage damageDescription summary notes
  tags externalIds { system id } location { name }
  participants { role basis note actor { name } attributedBy { name } source { title }
    statement { text } }
  sources { title } } } } }"""

SOURCES = """{ sources(first: 100) { totalCount edges { node { kind publisher title url author
  publishedAt revisedAt language machineTranslated note media { kind caption credit url }
  statements { text speakerName channel isQuote statedOn speaker { name } incident { id }
    source { title } } } } } }"""


def _nodes(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [e["node"] for e in data[key]["edges"]]


def _title(key: str) -> str | None:
    return next(s.title for s in d.SOURCES if s.key == key)


async def test_actors_and_their_relations_and_deployments(gql: Gql) -> None:
    data = await gql.data(ACTORS)
    assert data["actors"]["totalCount"] == len(d.ACTORS)
    by_name = {n["name"]: n for n in _nodes(data, "actors")}
    for actor in d.ACTORS:
        got = by_name[actor.name]
        assert got["kind"] == actor.kind
        assert sorted(got["aliases"]) == sorted(actor.aliases)
        assert (got["country"] or {}).get("code") == actor.country_code
        assert got["description"] == actor.description
    for rel in d.RELATIONS:
        got = [
            r
            for r in by_name[rel.subject]["relations"]
            if r["subject"]["name"] == rel.subject
            and r["object"]["name"] == rel.object
            and r["kind"] == rel.kind
        ]
        assert len(got) == 1, rel
        assert got[0]["basis"] == rel.basis
        assert got[0]["note"] == rel.note
        assert (got[0]["assertedBy"] or {}).get("name") == rel.asserted_by
        assert {s["title"] for s in got[0]["sources"]} == {_title(k) for k in rel.sources}
        # The relation is visible from the object's side too.
        from_object = [
            r
            for r in by_name[rel.object]["relations"]
            if (r["subject"]["name"], r["kind"], r["object"]["name"])
            == (rel.subject, rel.kind, rel.object)
        ]
        assert from_object == got, rel
    for dep in d.DEPLOYMENTS:
        got = [
            x for x in by_name[dep.actor]["deployments"] if x["location"]["name"] == dep.location
        ]
        assert len(got) == 1, dep
        assert (got[0]["strength"], got[0]["strengthNote"], got[0]["mission"], got[0]["note"]) == (
            dep.strength,
            dep.strength_note,
            dep.mission,
            dep.note,
        )


async def test_article_facts_about_actors(gql: Gql) -> None:
    by_name = {n["name"]: n for n in _nodes(await gql.data(ACTORS), "actors")}
    us = by_name["United States Armed Forces"]
    assert sorted(us["aliases"]) == ["American forces", "U.S. forces", "US forces", "US military"]
    assert sorted((x["location"]["name"], x["strength"] or 0) for x in us["deployments"]) == [
        ("Ain al-Asad Air Base", 0),
        ("Erbil International Airport", 0),
        ("Iraq", 2500),  # "about 2,500 US troops in Iraq"
        ("Syria", 0),
    ]

    def relations(actor: str) -> list[tuple[str, str, str]]:
        return sorted(
            (r["kind"], r["subject"]["name"], r["object"]["name"])
            for r in by_name[actor]["relations"]
        )

    assert relations("Kataib Hezbollah") == [
        ("BACKED_BY", "Kataib Hezbollah", "Iran"),
        ("FRONT_FOR", "Islamic Resistance in Iraq", "Kataib Hezbollah"),
        ("FUNDED_BY", "Kataib Hezbollah", "Government of Iraq"),
        ("PART_OF", "Kataib Hezbollah", "Popular Mobilisation Forces"),
    ]
    outlaws = by_name["Outlaws (unidentified, per KRG)"]
    funded = [r for r in outlaws["relations"] if r["kind"] == "FUNDED_BY"]
    assert funded[0]["object"]["name"] == "Government of Iraq"
    assert funded[0]["basis"] == "ALLEGED"
    assert funded[0]["assertedBy"]["name"] == "Kurdistan Regional Government"
    assert relations("Kurdistan Regional Government") == [
        ("LED_BY", "Kurdistan Regional Government", "Masrour Barzani"),
        ("OTHER", "Kurdistan Regional Government", "Government of Iraq"),
        ("PART_OF", "Peshmerga", "Kurdistan Regional Government"),
    ]


async def test_locations(gql: Gql) -> None:
    data = await gql.data(LOCATIONS)
    assert data["locations"]["totalCount"] == len(d.LOCATIONS)
    by_name = {n["name"]: n for n in _nodes(data, "locations")}
    for loc in d.LOCATIONS:
        got = by_name[loc.name]
        assert got["kind"] == loc.kind
        assert sorted(got["aliases"]) == sorted(loc.aliases)
        if loc.latitude is None:
            assert got["coordinates"] is None
        else:
            assert got["coordinates"] == {"latitude": loc.latitude, "longitude": loc.longitude}
        assert got["geoPrecision"] == loc.geo_precision
        assert got["precisionKm"] == loc.precision_km
        assert (got["country"] or {}).get("code") == loc.country_code
        assert (got["admin1"] or {}).get("code") == loc.admin1_code
        assert got["admin2"] == loc.admin2_name
        assert (got["parent"] or {}).get("name") == loc.parent
    ain = by_name["Ain al-Asad Air Base"]
    assert abs(ain["coordinates"]["latitude"] - 33.8) < 0.1
    assert abs(ain["coordinates"]["longitude"] - 42.44) < 0.1
    assert ain["admin1"]["code"] == "IQ-AN"
    assert ain["country"] == {"code": "IQ", "name": "Iraq"}
    airport = by_name["Erbil International Airport"]
    assert airport["admin1"]["code"] == "IQ-AR"
    assert abs(airport["coordinates"]["latitude"] - 36.24) < 0.1


async def test_incidents(gql: Gql) -> None:
    data = await gql.data(INCIDENTS)
    assert data["incidents"]["totalCount"] == len(d.INCIDENTS)
    by_ext = {n["externalIds"][0]["id"]: n for n in _nodes(data, "incidents")}
    for inc in d.INCIDENTS:
        got = by_ext[inc.external_id]
        assert got["externalIds"] == [{"system": d.EXTERNAL_ID_SYSTEM, "id": inc.external_id}]
        assert got["occurredOn"] == inc.occurred_on.isoformat()
        assert got["timePrecision"] == inc.time_precision
        assert got["location"]["name"] == inc.location
        assert (got["eventType"], got["subEventType"]) == (inc.event_type, inc.sub_event_type)
        assert (got["weapon"], got["projectileCount"]) == (inc.weapon, inc.projectile_count)
        assert (got["outcome"], got["claimStatus"]) == (inc.outcome, inc.claim_status)
        killed = inc.killed or (None, None, None)
        injured = inc.injured or (None, None, None)
        assert tuple(got["killed"].values()) == tuple(killed)
        assert tuple(got["injured"].values()) == tuple(injured)
        assert (got["damage"], got["damageDescription"]) == (inc.damage, inc.damage_description)
        assert (got["summary"], got["notes"]) == (inc.summary, inc.notes)
        assert sorted(got["tags"]) == sorted(inc.tags)
        assert {s["title"] for s in got["sources"]} == {_title(k) for k in inc.sources}
        parts = {(p["actor"]["name"], p["role"]) for p in got["participants"]}
        assert parts == {(p.actor, p.role) for p in inc.participants}
        for p in inc.participants:
            g = next(
                x
                for x in got["participants"]
                if (x["actor"]["name"], x["role"]) == (p.actor, p.role)
            )
            assert g["basis"] == p.basis
            assert (g["attributedBy"] or {}).get("name") == p.attributed_by

    peshmerga = by_ext[d.PESHMERGA_BASE_ID]
    assert peshmerga["occurredOn"] == "2023-12-30"
    assert peshmerga["projectileCount"] == 2
    assert peshmerga["outcome"] == "STRUCK"
    assert peshmerga["damage"] == "SOME"
    assert peshmerga["killed"]["best"] == 0
    assert peshmerga["injured"]["best"] == 0
    assert peshmerga["claimStatus"] == "UNCLAIMED"
    blamed = next(p for p in peshmerga["participants"] if p["role"] == "PERPETRATOR")
    assert blamed["basis"] == "ALLEGED"
    assert blamed["attributedBy"]["name"] == "Kurdistan Regional Government"
    ain = by_ext[d.AIN_AL_ASAD_ID]
    assert ain["occurredOn"] == "2024-01-01"
    assert ain["killed"] == {"low": 0, "best": 0, "high": 0}
    assert ain["damage"] == "NONE"
    airport = by_ext[d.ERBIL_AIRPORT_ID]
    assert airport["occurredOn"] == "2023-12-31"
    assert airport["outcome"] == "INTERCEPTED"


async def test_sources_media_and_statements(gql: Gql) -> None:
    data = await gql.data(SOURCES)
    assert data["sources"]["totalCount"] == len(d.SOURCES)
    by_title = {n["title"]: n for n in _nodes(data, "sources")}
    for src in d.SOURCES:
        got = by_title[src.title]
        assert (got["kind"], got["publisher"], got["url"]) == (src.kind, src.publisher, src.url)
        assert got["language"] == src.language
        assert got["machineTranslated"] is src.machine_translated
        assert got["note"] == src.note
        assert [(m["kind"], m["caption"], m["credit"]) for m in got["media"]] == [
            (m.kind, m.caption, m.credit) for m in src.media
        ]
        expected = [s for s in d.STATEMENTS if s.source == src.key]
        assert sorted(s["text"] for s in got["statements"]) == sorted(s.text for s in expected)
        for st in expected:
            g = next(x for x in got["statements"] if x["text"] == st.text)
            assert (g["speaker"] or {}).get("name") == st.speaker_actor
            assert (g["speakerName"], g["channel"], g["isQuote"]) == (
                st.speaker_name,
                st.channel,
                st.is_quote,
            )
            assert g["statedOn"] == (st.stated_on.isoformat() if st.stated_on else None)

    article = by_title[
        "Iran-backed militias in Iraq keep up pressure on US forces with new drone attacks"
    ]
    assert article["publisher"] == "The National"
    # 1:35 PM in Abu Dhabi (UTC+4), returned in UTC.
    assert article["revisedAt"] == "2024-01-01T09:35:00+00:00"
    assert article["machineTranslated"] is True
    assert article["media"][0]["credit"] == "Reuters"
    texts = " ".join(s["text"] for s in article["statements"])
    for fact in ("106", "I condemn the outlaws", "thorough investigation", "21,800", "2,500"):
        assert fact in texts, fact
    barzani = [
        s for s in article["statements"] if (s["speaker"] or {}).get("name") == "Masrour Barzani"
    ]
    assert sorted((s["channel"] or "", s["isQuote"]) for s in barzani) == [
        ("", False),
        ("X (formerly Twitter)", True),
    ]
