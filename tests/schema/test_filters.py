"""The filter language (issue 2): every incident filter, the root lists' filters,
and/or/not, drafts, and the errors for bad input.

Each test creates its own rows (rolled back afterwards) and compares the *whole* result
set, demo incidents included, with what must match. Demo incidents are named ``ain``
(Ain al-Asad, 2024-01-01), ``erbil`` (Erbil airport, 2023-12-31) and ``base`` (Peshmerga
base, 2023-12-30).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import pytest

from db import demo_data as d
from tests.client import Gql
from tests.factories import (
    demo_incident_ids,
    gid,
    id_by_name,
    make_actor,
    make_deployment,
    make_incident,
    make_location,
    make_relation,
    make_source,
)

D = dt.date

INCIDENTS = """query($f: IncidentFilter) {
  incidents(filter: $f, first: 100) { totalCount edges { node { id } } } }"""
ACTORS = """query($f: ActorFilter) {
  actors(filter: $f, first: 100) { totalCount edges { node { name } } } }"""
LOCATIONS = """query($f: LocationFilter) {
  locations(filter: $f, first: 100) { totalCount edges { node { name } } } }"""
SOURCES = """query($f: SourceFilter) {
  sources(filter: $f, first: 100) { totalCount edges { node { title } } } }"""


async def _list(gql: Gql, query: str, field: str, key: str, f: Any) -> list[Any]:
    data = (await gql.data(query, {"f": f}))[field]
    values = [e["node"][key] for e in data["edges"]]
    assert data["totalCount"] == len(values), "totalCount disagrees with the edges"
    return values


async def incidents(gql: Gql, f: Any) -> set[str]:
    """Global IDs of all incidents matching ``f`` (checked: no duplicates, totalCount)."""
    ids = await _list(gql, INCIDENTS, "incidents", "id", f)
    assert len(set(ids)) == len(ids), "an incident was returned twice"
    return set(ids)


async def actor_names(gql: Gql, f: Any) -> set[str]:
    return set(await _list(gql, ACTORS, "actors", "name", f))


async def location_names(gql: Gql, f: Any) -> set[str]:
    return set(await _list(gql, LOCATIONS, "locations", "name", f))


async def source_titles(gql: Gql, f: Any) -> set[str]:
    return set(await _list(gql, SOURCES, "sources", "title", f))


async def error_code(gql: Gql, query: str, variables: dict[str, Any]) -> str:
    body = await gql(query, variables)
    assert body.get("errors"), body
    return str(body["errors"][0]["extensions"]["code"])


@pytest.fixture
async def demo(conn: asyncpg.Connection) -> dict[str, str]:
    ids = await demo_incident_ids(conn)
    return {
        "ain": ids[d.AIN_AL_ASAD_ID],
        "erbil": ids[d.ERBIL_AIRPORT_ID],
        "base": ids[d.PESHMERGA_BASE_ID],
    }


@pytest.fixture
async def town(conn: asyncpg.Connection) -> int:
    """A location of its own, for incidents no location filter is about."""
    return await make_location(conn, "Filterville", country="QZ")


async def incident(conn: asyncpg.Connection, location_id: int, on: dt.date, **kw: Any) -> str:
    return gid("Incident", await make_incident(conn, location_id, on, **kw))


# --- dates ---------------------------------------------------------------------------


async def test_occurred_on_gte_lte_and_eq_are_inclusive(
    gql: Gql, conn: asyncpg.Connection, town: int, demo: dict[str, str]
) -> None:
    a = await incident(conn, town, D(2001, 3, 1))
    b = await incident(conn, town, D(2001, 3, 2))
    c = await incident(conn, town, D(2001, 3, 3))
    all_demo = set(demo.values())

    assert await incidents(gql, {"occurredOn": {"gte": "2001-03-02"}}) == {b, c} | all_demo
    assert await incidents(gql, {"occurredOn": {"lte": "2001-03-02"}}) == {a, b}
    assert await incidents(gql, {"occurredOn": {"eq": "2001-03-02"}}) == {b}
    assert await incidents(gql, {"occurredOn": {"gte": "2001-03-01", "lte": "2001-03-02"}}) == {
        a,
        b,
    }
    assert await incidents(gql, {"occurredOn": {"gte": "2001-03-04", "lte": "2001-12-31"}}) == set()
    assert await incidents(gql, {"occurredOn": {"eq": "2023-12-31"}}) == {demo["erbil"]}
    assert await incidents(gql, {"occurredOn": {"gte": "2023-12-31"}}) == {
        demo["erbil"],
        demo["ain"],
    }


async def test_imprecise_date_matches_a_week_only_with_overlaps(
    gql: Gql, conn: asyncpg.Connection, town: int, demo: dict[str, str]
) -> None:
    december = await incident(
        conn,
        town,
        D(2023, 12, 15),
        date_earliest=D(2023, 12, 1),
        date_latest=D(2023, 12, 31),
        time_precision="MONTH",
    )
    week = {"gte": "2023-12-25", "lte": "2023-12-31"}
    in_week = {demo["erbil"], demo["base"]}

    assert await incidents(gql, {"occurredOn": week}) == in_week
    assert await incidents(gql, {"occurredOn": {**week, "match": "WITHIN"}}) == in_week
    assert await incidents(gql, {"occurredOn": {**week, "match": "OVERLAPS"}}) == in_week | {
        december
    }
    # The best-estimate date lies in this week, but the incident may have happened
    # outside it: WITHIN is about the whole possible range, not occurredOn.
    mid = {"gte": "2023-12-11", "lte": "2023-12-17"}
    assert await incidents(gql, {"occurredOn": mid}) == set()
    assert await incidents(gql, {"occurredOn": {**mid, "match": "OVERLAPS"}}) == {december}
    # The whole month contains it.
    month = {"gte": "2023-12-01", "lte": "2023-12-31"}
    assert await incidents(gql, {"occurredOn": month}) == in_week | {december}
    # eq and one-sided ranges follow the same rule.
    assert await incidents(gql, {"occurredOn": {"eq": "2023-12-15"}}) == set()
    assert await incidents(gql, {"occurredOn": {"eq": "2023-12-15", "match": "OVERLAPS"}}) == {
        december
    }
    assert await incidents(gql, {"occurredOn": {"lte": "2023-12-01", "match": "OVERLAPS"}}) == {
        december
    }
    assert await incidents(gql, {"occurredOn": {"lte": "2023-12-30"}}) == {demo["base"]}
    # One-sided WITHIN still needs the whole range: it may have been on 1 December.
    assert await incidents(gql, {"occurredOn": {"gte": "2023-12-10"}}) == set(demo.values())
    assert await incidents(gql, {"occurredOn": {"gte": "2023-12-31", "match": "OVERLAPS"}}) == {
        december,
        demo["erbil"],
        demo["ain"],
    }


@pytest.mark.parametrize(
    "date_range",
    [
        {"gte": "2024-01-05", "lte": "2023-12-30"},
        {"eq": "2024-01-01", "gte": "2023-12-30"},
    ],
)
async def test_inverted_or_mixed_date_range_is_bad_user_input(
    gql: Gql, date_range: dict[str, str]
) -> None:
    code = await error_code(gql, INCIDENTS, {"f": {"occurredOn": date_range}})
    assert code == "BAD_USER_INPUT"


# --- enumerations and numbers ------------------------------------------------------------


async def test_enum_filters_with_in_and_eq(
    gql: Gql, conn: asyncpg.Connection, town: int, demo: dict[str, str]
) -> None:
    clash = await incident(
        conn,
        town,
        D(2001, 1, 1),
        event_type="BATTLES",
        sub_event_type="ARMED_CLASH",
        weapon="SMALL_ARMS",
        outcome="STRUCK",
        claim_status="CLAIMED",
    )
    shelling = await incident(
        conn,
        town,
        D(2001, 1, 2),
        sub_event_type="SHELLING_ARTILLERY_MISSILE_ATTACK",
        weapon="ROCKET",
        outcome="MISSED",
        claim_status="UNCLAIMED",
    )
    missile = await incident(
        conn, town, D(2001, 1, 3), weapon="MISSILE", outcome="FAILED", claim_status="CLAIMED"
    )
    ain, erbil, base = demo["ain"], demo["erbil"], demo["base"]

    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"eventType": {"eq": "BATTLES"}}, {clash}),
        ({"eventType": {"in": ["EXPLOSIONS_REMOTE_VIOLENCE"]}}, {shelling, missile, base}),
        ({"eventType": {"in": ["BATTLES", "STRATEGIC_DEVELOPMENTS"]}}, {clash, ain, erbil}),
        ({"eventType": {"in": ["RIOTS"]}}, set()),
        ({"subEventType": {"eq": "AIR_DRONE_STRIKE"}}, {missile, base}),
        (
            {"subEventType": {"in": ["ARMED_CLASH", "SHELLING_ARTILLERY_MISSILE_ATTACK"]}},
            {clash, shelling},
        ),
        ({"weapon": {"eq": "ROCKET"}}, {shelling}),
        ({"weapon": {"in": ["ROCKET", "MISSILE"]}}, {shelling, missile}),
        ({"weapon": {"in": ["DRONE"]}}, {ain, erbil, base}),
        ({"outcome": {"eq": "INTERCEPTED"}}, {ain, erbil}),
        ({"outcome": {"in": ["STRUCK", "MISSED"]}}, {clash, shelling, base}),
        ({"claimStatus": {"eq": "CLAIMED"}}, {clash, missile}),
        ({"claimStatus": {"in": ["UNCLAIMED"]}}, {shelling, base}),
        ({"claimStatus": {"in": ["UNKNOWN", "UNCLAIMED"]}}, {shelling, ain, erbil, base}),
        ({"weapon": {"in": []}}, set()),
    ]
    for f, expected in cases:
        assert await incidents(gql, f) == expected, f


async def test_killed_gte_is_a_minimum_and_unknown_casualties_never_match(
    gql: Gql, conn: asyncpg.Connection, town: int, demo: dict[str, str]
) -> None:
    none_killed = await incident(conn, town, D(2001, 1, 1), killed=0)
    one = await incident(conn, town, D(2001, 1, 2), killed=1)
    five = await incident(conn, town, D(2001, 1, 3), killed=5)
    await incident(conn, town, D(2001, 1, 4), killed=None)  # not reported

    assert await incidents(gql, {"killed": {"gte": 1}}) == {one, five}
    assert await incidents(gql, {"killed": {"gte": 5}}) == {five}
    assert await incidents(gql, {"killed": {"gte": 6}}) == set()
    # Demo: Ain al-Asad and the Peshmerga base report no casualties (0); Erbil airport's
    # are unknown, so even `gte: 0` leaves it out.
    assert await incidents(gql, {"killed": {"gte": 0}}) == {
        none_killed,
        one,
        five,
        demo["ain"],
        demo["base"],
    }
    assert await incidents(gql, {"killed": {"lte": 0}}) == {none_killed, demo["ain"], demo["base"]}
    assert await incidents(gql, {"killed": {"gte": 1, "lte": 4}}) == {one}


# --- participants --------------------------------------------------------------------


async def test_participant_by_actor_id_name_and_alias_case_insensitively(
    gql: Gql, conn: asyncpg.Connection, town: int, demo: dict[str, str]
) -> None:
    brigade = await make_actor(conn, "Test Brigade", aliases=("TB", "Brigade of Tests"))
    other = await make_actor(conn, "Other Brigade")
    attack = await incident(
        conn, town, D(2001, 1, 1), participants=[(brigade, "PERPETRATOR", "CLAIMED")]
    )
    hit = await incident(conn, town, D(2001, 1, 2), participants=[(brigade, "TARGET", "REPORTED")])
    await incident(conn, town, D(2001, 1, 3), participants=[(other, "PERPETRATOR", "CLAIMED")])

    for actor in (
        {"id": gid("Actor", brigade)},
        {"ids": [gid("Actor", brigade)]},
        {"name": "Test Brigade"},
        {"name": "tEST bRIGADE"},
        {"name": "tb"},
        {"name": "BRIGADE OF TESTS"},
    ):
        assert await incidents(gql, {"participant": {"actor": actor}}) == {attack, hit}, actor
    # Exact, not substring.
    assert await incidents(gql, {"participant": {"actor": {"name": "Test"}}}) == set()
    # Demo: an alias of United States Armed Forces.
    assert await incidents(gql, {"participant": {"actor": {"name": "american FORCES"}}}) == {
        demo["ain"],
        demo["erbil"],
    }


async def test_participant_role_and_basis_apply_to_the_same_participant(
    gql: Gql, conn: asyncpg.Connection, town: int, demo: dict[str, str]
) -> None:
    brigade = await make_actor(conn, "Test Brigade")
    victim = await make_actor(conn, "Test Villagers", kind="CIVILIANS")
    attack = await incident(
        conn,
        town,
        D(2001, 1, 1),
        participants=[(brigade, "PERPETRATOR", "CLAIMED"), (victim, "VICTIM", "REPORTED")],
    )
    hit = await incident(conn, town, D(2001, 1, 2), participants=[(brigade, "TARGET", "REPORTED")])
    me = {"id": gid("Actor", brigade)}

    assert await incidents(gql, {"participant": {"actor": me, "role": {"eq": "TARGET"}}}) == {hit}
    assert await incidents(
        gql, {"participant": {"actor": me, "role": {"in": ["PERPETRATOR", "TARGET"]}}}
    ) == {attack, hit}
    assert await incidents(gql, {"participant": {"actor": me, "basis": {"eq": "CLAIMED"}}}) == {
        attack
    }
    # The brigade is a perpetrator and someone is REPORTED in `attack`, but not both on
    # one participant.
    assert (
        await incidents(
            gql,
            {
                "participant": {
                    "actor": me,
                    "role": {"eq": "PERPETRATOR"},
                    "basis": {"eq": "REPORTED"},
                }
            },
        )
        == set()
    )
    assert await incidents(gql, {"participant": {"role": {"eq": "VICTIM"}}}) == {attack}
    assert await incidents(gql, {"participant": {"basis": {"eq": "CLAIMED"}}}) == {attack}
    assert await incidents(gql, {"participant": {"role": {"eq": "INTERCEPTOR"}}}) == {demo["ain"]}
    assert await incidents(gql, {"participant": {"basis": {"in": ["ALLEGED"]}}}) == {
        demo["ain"],
        demo["erbil"],
        demo["base"],
    }
    # Demo: US forces are targets and an interceptor, never a perpetrator...
    us = {"name": "US forces"}
    perpetrator = {"eq": "PERPETRATOR"}
    assert await incidents(gql, {"participant": {"actor": us, "role": perpetrator}}) == set()
    # ...while two participants, one per condition, are combined with `and`.
    both = {"and": [{"participant": {"actor": us}}, {"participant": {"role": perpetrator}}]}
    assert await incidents(gql, both) == {demo["ain"], demo["erbil"]}


async def test_include_affiliates_follows_front_member_and_part_relations_downwards(
    gql: Gql, conn: asyncpg.Connection, town: int
) -> None:
    umbrella = await make_actor(conn, "Test Umbrella", kind="UMBRELLA_GROUP")
    militia = await make_actor(conn, "Test Militia")
    front = await make_actor(conn, "Test Front")
    cell = await make_actor(conn, "Test Cell")
    patron = await make_actor(conn, "Test Patron", kind="STATE")
    await make_relation(conn, front, "FRONT_FOR", militia, basis="ALLEGED")
    await make_relation(conn, militia, "PART_OF", umbrella)
    await make_relation(conn, cell, "MEMBER_OF", front)
    await make_relation(conn, militia, "BACKED_BY", patron)  # not an affiliation
    by_front = await incident(
        conn, town, D(2001, 1, 1), participants=[(front, "PERPETRATOR", "CLAIMED")]
    )
    by_militia = await incident(
        conn, town, D(2001, 1, 2), participants=[(militia, "PERPETRATOR", "ALLEGED")]
    )
    by_cell = await incident(
        conn, town, D(2001, 1, 3), participants=[(cell, "PERPETRATOR", "CLAIMED")]
    )

    async def by(actor_id: int, affiliates: bool) -> set[str]:
        actor = {"id": gid("Actor", actor_id), "includeAffiliates": affiliates}
        return await incidents(gql, {"participant": {"actor": actor}})

    assert await by(militia, False) == {by_militia}
    assert await by(militia, True) == {by_militia, by_front, by_cell}
    assert await by(umbrella, False) == set()
    assert await by(umbrella, True) == {by_militia, by_front, by_cell}  # transitively
    assert await by(front, True) == {by_front, by_cell}  # not upwards to the militia
    assert await by(patron, True) == set()  # BACKED_BY is not an affiliation
    # Also by name, and combined with a role.
    f = {"actor": {"name": "test militia", "includeAffiliates": True}, "role": {"eq": "TARGET"}}
    assert await incidents(gql, {"participant": f}) == set()


async def test_include_affiliates_on_demo_data(gql: Gql, demo: dict[str, str]) -> None:
    # "front organisations for ... Kataib Hezbollah": the Islamic Resistance in Iraq
    # perpetrated the attacks on Ain al-Asad and Erbil airport.
    for name, expected in (
        ("KH", {demo["ain"], demo["erbil"]}),
        (d.PMF, {demo["ain"], demo["erbil"]}),  # KH is PART_OF the PMF
        (d.IRAN, set()),  # the militias are only BACKED_BY Iran
    ):
        actor = {"name": name, "includeAffiliates": True}
        assert await incidents(gql, {"participant": {"actor": actor}}) == expected, name
        assert await incidents(gql, {"participant": {"actor": {"name": name}}}) == set(), name


async def test_include_affiliates_terminates_on_a_relation_cycle(
    gql: Gql, conn: asyncpg.Connection, town: int
) -> None:
    await conn.execute("set local statement_timeout = '5s'")  # fail, don't hang
    a = await make_actor(conn, "Cycle A")
    b = await make_actor(conn, "Cycle B")
    c = await make_actor(conn, "Cycle C")
    await make_relation(conn, a, "MEMBER_OF", b)
    await make_relation(conn, b, "MEMBER_OF", a)
    await make_relation(conn, c, "FRONT_FOR", b)
    by_a = await incident(conn, town, D(2001, 1, 1), participants=[(a, "PERPETRATOR", "CLAIMED")])
    by_b = await incident(conn, town, D(2001, 1, 2), participants=[(b, "PERPETRATOR", "CLAIMED")])
    by_c = await incident(conn, town, D(2001, 1, 3), participants=[(c, "PERPETRATOR", "CLAIMED")])

    actor = {"id": gid("Actor", a), "includeAffiliates": True}
    assert await incidents(gql, {"participant": {"actor": actor}}) == {by_a, by_b, by_c}
    assert await actor_names(gql, {"name": "cycle a", "includeAffiliates": True}) == {
        "Cycle A",
        "Cycle B",
        "Cycle C",
    }


# --- locations -----------------------------------------------------------------------


async def test_location_by_ids_kind_country_admin1_name_and_within(
    gql: Gql, conn: asyncpg.Connection, demo: dict[str, str]
) -> None:
    country = await make_location(conn, "Qzland", "COUNTRY", country="QZ")
    alpha = await make_location(
        conn,
        "Alpha Province",
        "ADMIN1",
        country="QZ",
        admin1_code="QZ-AB",
        admin1_name="Alpha Province",
        parent_id=country,
    )
    town = await make_location(
        conn,
        "Test Town",
        country="QZ",
        admin1_code="QZ-AB",
        admin1_name="Alpha Province",
        parent_id=alpha,
        aliases=("Tee Town",),
    )
    base = await make_location(
        conn,
        "Test Base",
        "MILITARY_BASE",
        country="QZ",
        admin1_code="QZ-CD",
        admin1_name="Charlie Province",
        parent_id=country,
    )
    abroad = await make_location(conn, "Abroad Town", country="QY")
    in_town = await incident(conn, town, D(2001, 1, 1))
    at_base = await incident(conn, base, D(2001, 1, 2))
    in_abroad = await incident(conn, abroad, D(2001, 1, 3))
    all_demo = set(demo.values())

    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"ids": [gid("Location", town)]}, {in_town}),
        ({"id": gid("Location", base)}, {at_base}),
        ({"ids": [gid("Location", town), gid("Location", abroad)]}, {in_town, in_abroad}),
        ({"kind": {"eq": "MILITARY_BASE"}}, {at_base, demo["base"]}),
        ({"kind": {"in": ["TOWN", "AIRBASE"]}}, {in_town, in_abroad, demo["ain"]}),
        ({"country": "QZ"}, {in_town, at_base}),
        ({"country": "qz"}, {in_town, at_base}),
        ({"country": "IQ"}, all_demo),
        ({"admin1": "QZ-AB"}, {in_town}),
        ({"admin1": "qz-ab"}, {in_town}),
        ({"admin1": "alpha PROVINCE"}, {in_town}),
        ({"admin1": "Charlie Province"}, {at_base}),
        ({"admin1": "IQ-AR"}, {demo["erbil"], demo["base"]}),
        ({"admin1": "arbīl"}, {demo["erbil"], demo["base"]}),
        ({"name": "test town"}, {in_town}),
        ({"name": "TEE TOWN"}, {in_town}),
        ({"name": "Test"}, set()),
        ({"name": "ebl"}, {demo["erbil"]}),  # an alias of Erbil International Airport
        ({"within": [gid("Location", country)]}, {in_town, at_base}),
        ({"within": [gid("Location", alpha)]}, {in_town}),  # a child
        ({"within": [gid("Location", town)]}, {in_town}),  # the location itself
        ({"within": [gid("Location", alpha), gid("Location", abroad)]}, {in_town, in_abroad}),
    ]
    for f, expected in cases:
        assert await incidents(gql, {"location": f}) == expected, f


async def test_location_within_descends_through_several_levels_of_demo_data(
    gql: Gql, conn: asyncpg.Connection, demo: dict[str, str]
) -> None:
    # Kurdistan Region > Erbil Governorate > Erbil > Erbil International Airport, and
    # Kurdistan Region > Erbil Governorate > Peshmerga base.
    kurdistan = gid("Location", await id_by_name(conn, "location", d.KURDISTAN))
    iraq = gid("Location", await id_by_name(conn, "location", d.IRAQ))
    anbar = gid("Location", await id_by_name(conn, "location", d.ANBAR))
    assert await incidents(gql, {"location": {"within": [kurdistan]}}) == {
        demo["erbil"],
        demo["base"],
    }
    assert await incidents(gql, {"location": {"within": [anbar]}}) == {demo["ain"]}
    assert await incidents(gql, {"location": {"within": [iraq]}}) == set(demo.values())


async def test_hosts_forces_of_is_evaluated_at_the_incident_date(
    gql: Gql, conn: asyncpg.Connection, demo: dict[str, str]
) -> None:
    forces = await make_actor(conn, "Test Forces", "STATE_FORCES", aliases=("TF",))
    camp = await make_location(conn, "Camp Test", "MILITARY_BASE")
    await make_deployment(conn, camp, forces, D(2020, 1, 1), D(2020, 12, 31))
    days = [D(2019, 12, 31), D(2020, 1, 1), D(2020, 6, 15), D(2020, 12, 31), D(2021, 1, 1)]
    at = {day: await incident(conn, camp, day) for day in days}
    during = {at[D(2020, 1, 1)], at[D(2020, 6, 15)], at[D(2020, 12, 31)]}

    for actor in ({"id": gid("Actor", forces)}, {"name": "test forces"}, {"name": "tf"}):
        assert await incidents(gql, {"location": {"hostsForcesOf": actor}}) == during, actor

    # hostsForcesOn overrides the incident's date.
    me = {"id": gid("Actor", forces)}
    on_march = {"hostsForcesOf": me, "hostsForcesOn": "2020-03-01"}
    assert await incidents(gql, {"location": on_march}) == set(at.values())
    on_2021 = {"hostsForcesOf": me, "hostsForcesOn": "2021-06-01"}
    assert await incidents(gql, {"location": on_2021}) == set()

    # An open-ended deployment: in force from its start on.
    outpost = await make_location(conn, "Outpost Test", "MILITARY_BASE")
    await make_deployment(conn, outpost, forces, D(2022, 1, 1))
    await incident(conn, outpost, D(2021, 12, 31))
    later = await incident(conn, outpost, D(2030, 1, 1))
    assert await incidents(gql, {"location": {"hostsForcesOf": me}}) == during | {later}

    # Demo: no dates on the deployments, so always in force.
    assert await incidents(gql, {"location": {"hostsForcesOf": {"name": "Iraqi Army"}}}) == {
        demo["ain"]
    }


async def test_hosts_forces_of_under_or_not_and_and(
    gql: Gql, conn: asyncpg.Connection, demo: dict[str, str]
) -> None:
    """The incident filter adds a look-up of the places that ever host the forces as an
    implied condition (db.filters.hosting_locations): it must not narrow an ``or``, a
    ``not`` or a draft deployment's place, and must hold inside an ``and``."""
    forces = await make_actor(conn, "Test Forces", "STATE_FORCES")
    camp = await make_location(conn, "Camp Test", "MILITARY_BASE", country="SY")
    town = await make_location(conn, "Town Test", country="SY")
    hidden = await make_location(conn, "Hidden Test", "MILITARY_BASE", country="SY")
    await make_deployment(conn, camp, forces, D(2020, 1, 1), D(2020, 12, 31))
    await make_deployment(conn, hidden, forces, status="DRAFT")
    in_camp = await incident(conn, camp, D(2020, 6, 1))
    camp_before = await incident(conn, camp, D(2019, 6, 1))
    in_town = await incident(conn, town, D(2020, 6, 1))
    in_hidden = await incident(conn, hidden, D(2020, 6, 1))
    mine = {in_camp, camp_before, in_town, in_hidden}
    me = {"hostsForcesOf": {"id": gid("Actor", forces)}}
    syria = {"country": "SY"}

    async def only(location: dict[str, Any]) -> set[str]:
        return await incidents(gql, {"location": location}) & mine

    assert await only(me) == {in_camp}
    assert await only({"or": [me, {"name": "Town Test"}]}) == {in_camp, in_town}
    assert await only({**syria, "not": me}) == {camp_before, in_town, in_hidden}
    assert await only({**syria, "and": [me]}) == {in_camp}
    assert await only({"and": [me, {"or": [me, {"name": "Town Test"}]}]}) == {in_camp}
    both = {"or": [{"and": [me]}, {"and": [{"name": "Hidden Test"}]}]}
    assert await only(both) == {in_camp, in_hidden}
    assert await incidents(gql, {"not": {"location": me}}) & mine == {
        camp_before,
        in_town,
        in_hidden,
    }


async def test_root_locations_host_forces_of_defaults_to_today(
    gql: Gql, conn: asyncpg.Connection
) -> None:
    today: dt.date = await conn.fetchval("select current_date")
    day = dt.timedelta(days=1)
    forces = await make_actor(conn, "Test Forces", "STATE_FORCES")
    now = await make_location(conn, "Now Base", "MILITARY_BASE")
    past = await make_location(conn, "Past Base", "MILITARY_BASE")
    future = await make_location(conn, "Future Base", "MILITARY_BASE")
    await make_deployment(conn, now, forces, today - 30 * day)
    await make_deployment(conn, past, forces, today - 400 * day, today - day)
    await make_deployment(conn, future, forces, today + day)
    me = {"id": gid("Actor", forces)}

    assert await location_names(gql, {"hostsForcesOf": me}) == {"Now Base"}
    on = (today - 10 * day).isoformat()
    assert await location_names(gql, {"hostsForcesOf": me, "hostsForcesOn": on}) == {
        "Now Base",
        "Past Base",
    }
    on = (today + 10 * day).isoformat()
    assert await location_names(gql, {"hostsForcesOf": me, "hostsForcesOn": on}) == {
        "Now Base",
        "Future Base",
    }
    # Demo data: US forces are deployed (undated) at these four places.
    assert await location_names(gql, {"hostsForcesOf": {"name": "us forces"}}) == {
        d.IRAQ,
        d.SYRIA,
        d.AIN_AL_ASAD,
        d.ERBIL_AIRPORT,
    }


# --- sources, text, tags, external ids, updatedSince ------------------------------------


async def test_source_publisher_is_case_insensitive_and_exact(
    gql: Gql, conn: asyncpg.Connection, town: int, demo: dict[str, str]
) -> None:
    k24 = await make_source(conn, "Kurdistan 24", title="K24 report")
    rudaw = await make_source(conn, "Rudaw", title="Rudaw report", kind="REPORT")
    only_k24 = await incident(conn, town, D(2001, 1, 1), source_ids=[k24])
    only_rudaw = await incident(conn, town, D(2001, 1, 2), source_ids=[rudaw])
    both = await incident(conn, town, D(2001, 1, 3), source_ids=[k24, rudaw])

    assert await incidents(gql, {"source": {"publisher": "kurdistan 24"}}) == {only_k24, both}
    assert await incidents(gql, {"source": {"publisher": "RUDAW"}}) == {only_rudaw, both}
    assert await incidents(gql, {"source": {"publisher": "Kurdistan"}}) == set()
    assert await incidents(gql, {"source": {"publisher": "the national"}}) == set(demo.values())
    assert await incidents(gql, {"source": {"kind": {"eq": "REPORT"}}}) == {only_rudaw, both}
    assert await incidents(gql, {"source": {"ids": [gid("Source", k24)]}}) == {only_k24, both}


async def test_source_publication_time_bounds_the_incidents_it_reports(
    gql: Gql, conn: asyncpg.Connection, town: int
) -> None:
    """A publication window of a month or less gathers its sources' incidents first
    (db.filters._few_sources), a longer one tests each incident: the same answers,
    including an incident reported by a source in the window and one outside it, an
    unpublished source, and the window's ends."""
    at = dt.datetime(2030, 5, 10, 12, tzinfo=dt.UTC)
    inside = await make_source(conn, "Window Wire", published_at=at)
    first = await make_source(conn, "Window Wire", published_at=at - dt.timedelta(days=7))
    later = await make_source(conn, "Window Wire", published_at=at + dt.timedelta(days=40))
    hidden = await make_source(conn, "Window Wire", published_at=at, status="DRAFT")
    by_inside = await incident(conn, town, D(2030, 5, 9), source_ids=[inside])
    by_both = await incident(conn, town, D(2030, 5, 1), source_ids=[inside, later])
    by_first = await incident(conn, town, D(2030, 4, 30), source_ids=[first])
    by_later = await incident(conn, town, D(2030, 6, 18), source_ids=[later])
    await incident(conn, town, D(2030, 5, 10), source_ids=[hidden])

    def window(gte: dt.datetime, lte: dt.datetime) -> dict[str, Any]:
        return {"source": {"publishedAt": {"gte": gte.isoformat(), "lte": lte.isoformat()}}}

    week = window(at - dt.timedelta(days=7), at)  # both ends count
    assert await incidents(gql, week) == {by_inside, by_both, by_first}
    day = window(at - dt.timedelta(hours=1), at + dt.timedelta(hours=1))
    assert await incidents(gql, day) == {by_inside, by_both}
    season = window(at - dt.timedelta(days=7), at + dt.timedelta(days=60))  # a long window
    assert await incidents(gql, season) == {by_inside, by_both, by_first, by_later}
    in_and = {"and": [week], "occurredOn": {"gte": "2030-05-05"}}
    assert await incidents(gql, in_and) == {by_inside}
    by_ids = {"source": {"ids": [gid("Source", later), gid("Source", hidden)]}}
    assert await incidents(gql, by_ids) == {by_both, by_later}
    nothing = window(at + dt.timedelta(days=1), at + dt.timedelta(days=2))
    assert await incidents(gql, nothing) == set()


async def test_text_searches_summary_and_notes_case_insensitively(
    gql: Gql, conn: asyncpg.Connection, town: int, demo: dict[str, str]
) -> None:
    in_summary = await incident(conn, town, D(2001, 1, 1), summary="Rocket fire on the Qzx depot.")
    in_notes = await incident(
        conn, town, D(2001, 1, 2), summary="Fire.", notes="Witnesses say the QZX DEPOT was hit."
    )
    await incident(conn, town, D(2001, 1, 3), summary="Nothing to see.", notes=None)

    assert await incidents(gql, {"text": "qzx depot"}) == {in_summary, in_notes}
    assert await incidents(gql, {"text": "Qzx Depot"}) == {in_summary, in_notes}
    assert await incidents(gql, {"text": "witnesses"}) == {in_notes}
    assert await incidents(gql, {"text": "SHOT DOWN"}) == {demo["ain"], demo["erbil"]}
    assert await incidents(gql, {"text": "qzx  depot"}) == set()


async def test_text_treats_like_wildcards_literally(
    gql: Gql, conn: asyncpg.Connection, town: int
) -> None:
    percent = await incident(conn, town, D(2001, 1, 1), notes="Attacks are up 100% this month.")
    await incident(conn, town, D(2001, 1, 2), notes="Attacks are up 1000 this month.")
    underscore = await incident(conn, town, D(2001, 1, 3), notes="Code name snake_case.")
    await incident(conn, town, D(2001, 1, 4), notes="Code name snakeXcase.")
    backslash = await incident(conn, town, D(2001, 1, 5), notes=r"Filed under C:\reports.")
    await incident(conn, town, D(2001, 1, 6), notes="Filed under C:reports.")

    assert await incidents(gql, {"text": "100%"}) == {percent}
    assert await incidents(gql, {"text": "%"}) == {percent}
    assert await incidents(gql, {"text": "snake_case"}) == {underscore}
    assert await incidents(gql, {"text": "e_c"}) == {underscore}
    assert await incidents(gql, {"text": "_"}) == {underscore}
    assert await incidents(gql, {"text": "C:\\reports"}) == {backslash}
    assert await incidents(gql, {"text": "\\"}) == {backslash}


async def test_tags_any_and_all(
    gql: Gql, conn: asyncpg.Connection, town: int, demo: dict[str, str]
) -> None:
    ab = await incident(conn, town, D(2001, 1, 1), tags=["qa-alpha", "qa-beta"])
    b = await incident(conn, town, D(2001, 1, 2), tags=["qa-beta"])
    g = await incident(conn, town, D(2001, 1, 3), tags=["qa-gamma"])

    assert await incidents(gql, {"tags": {"any": ["qa-alpha", "qa-gamma"]}}) == {ab, g}
    assert await incidents(gql, {"tags": {"any": ["qa-beta"]}}) == {ab, b}
    assert await incidents(gql, {"tags": {"all": ["qa-alpha", "qa-beta"]}}) == {ab}
    assert await incidents(gql, {"tags": {"all": ["qa-beta"]}}) == {ab, b}
    assert await incidents(gql, {"tags": {"all": ["qa-alpha", "qa-gamma"]}}) == set()
    assert await incidents(
        gql, {"tags": {"any": ["qa-beta", "qa-gamma"], "all": ["qa-alpha"]}}
    ) == {ab}
    assert await incidents(gql, {"tags": {"any": ["QA-ALPHA"]}}) == set()  # tags are exact
    assert await incidents(gql, {"tags": {"all": ["drone", "intercepted"]}}) == {
        demo["ain"],
        demo["erbil"],
    }
    assert await incidents(gql, {"tags": {"any": ["peshmerga", "qa-gamma"]}}) == {demo["base"], g}


async def test_external_id_by_system_and_id(
    gql: Gql, conn: asyncpg.Connection, town: int, demo: dict[str, str]
) -> None:
    one = await incident(conn, town, D(2001, 1, 1), external_ids=[("acled", "IRQ1")])
    two = await incident(
        conn, town, D(2001, 1, 2), external_ids=[("acled", "IRQ2"), ("ucdp", "77")]
    )
    await incident(conn, town, D(2001, 1, 3), external_ids=[("ucdp", "IRQ1")])

    assert await incidents(gql, {"externalId": {"system": "acled", "id": "IRQ1"}}) == {one}
    assert await incidents(gql, {"externalId": {"system": "acled"}}) == {one, two}
    assert await incidents(gql, {"externalId": {"system": "ucdp", "id": "IRQ2"}}) == set()
    assert await incidents(gql, {"externalId": {"system": "sitrep-demo"}}) == set(demo.values())
    f = {"system": "sitrep-demo", "id": d.AIN_AL_ASAD_ID}
    assert await incidents(gql, {"externalId": f}) == {demo["ain"]}


async def test_updated_since(
    gql: Gql, conn: asyncpg.Connection, town: int, demo: dict[str, str]
) -> None:
    long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    old = await incident(conn, town, D(2001, 1, 1), updated_at=long_ago)
    new = await incident(conn, town, D(2001, 1, 2))  # updated now (the transaction's time)
    tx_now: dt.datetime = await conn.fetchval("select now()")

    assert await incidents(gql, {"updatedSince": tx_now.isoformat()}) == {new}
    assert await incidents(gql, {"updatedSince": long_ago.isoformat()}) == {
        old,
        new,
        *demo.values(),
    }
    just_after = long_ago + dt.timedelta(microseconds=1)
    assert await incidents(gql, {"updatedSince": just_after.isoformat()}) == {new, *demo.values()}
    # Root lists too: only what changed in this transaction.
    await make_actor(conn, "Fresh Actor")
    assert await actor_names(gql, {"updatedSince": tx_now.isoformat()}) == {"Fresh Actor"}


# --- and / or / not ------------------------------------------------------------------


async def test_and_or_not_compose_and_nest(gql: Gql, conn: asyncpg.Connection, town: int) -> None:
    async def make(weapon: str, outcome: str, killed: int | None) -> str:
        return await incident(
            conn, town, D(2001, 1, 1), weapon=weapon, outcome=outcome, killed=killed, tags=["comp"]
        )

    c1 = await make("DRONE", "INTERCEPTED", 0)
    c2 = await make("DRONE", "STRUCK", 3)
    c3 = await make("ROCKET", "STRUCK", None)
    c4 = await make("ROCKET", "MISSED", 1)

    async def comp(f: dict[str, Any]) -> set[str]:
        return await incidents(gql, {"and": [{"tags": {"all": ["comp"]}}, f]})

    rocket = {"weapon": {"eq": "ROCKET"}}
    drone = {"weapon": {"eq": "DRONE"}}
    killed = {"killed": {"gte": 1}}
    assert await comp({}) == {c1, c2, c3, c4}
    assert await comp({"weapon": {"eq": "ROCKET"}, "outcome": {"eq": "STRUCK"}}) == {c3}
    assert await comp({"or": [rocket, {"outcome": {"eq": "INTERCEPTED"}}]}) == {c1, c3, c4}
    assert await comp({"not": rocket}) == {c1, c2}
    assert await comp({"not": {"not": drone}}) == {c1, c2}
    assert await comp({"and": [drone, {"not": {"outcome": {"eq": "INTERCEPTED"}}}]}) == {c2}
    assert await comp({**drone, "or": [{"outcome": {"eq": "INTERCEPTED"}}, killed]}) == {c1, c2}
    nested = {
        "or": [
            {"and": [rocket, {"not": {"outcome": {"eq": "MISSED"}}}]},
            {"and": [drone, killed]},
        ]
    }
    assert await comp(nested) == {c2, c3}
    assert await comp({"not": {"or": [rocket, killed]}}) == {c1}
    assert await comp({"or": []}) == {c1, c2, c3, c4}
    # `not` is the complement: incidents with unknown casualties do not match `killed`,
    # so they match `not killed`, and `X or not X` matches everything.
    assert await comp({"not": killed}) == {c1, c3}
    assert await comp({"or": [killed, {"not": killed}]}) == {c1, c2, c3, c4}


async def test_and_or_not_inside_nested_filters(
    gql: Gql, conn: asyncpg.Connection, demo: dict[str, str]
) -> None:
    # Location: not in Kurdistan; or of two names.
    kurdistan = gid("Location", await id_by_name(conn, "location", d.KURDISTAN))
    assert await incidents(gql, {"location": {"not": {"within": [kurdistan]}}}) == {demo["ain"]}
    two = {"or": [{"name": "EBL"}, {"name": "al asad air base"}]}
    assert await incidents(gql, {"location": two}) == {demo["ain"], demo["erbil"]}
    # Participant actor: the KRG's 'outlaws' or the US forces, but not by kind.
    actor = {
        "or": [{"name": "outlaws"}, {"name": "US forces"}],
        "not": {"kind": {"eq": "STATE_FORCES"}},
    }
    assert await incidents(gql, {"participant": {"actor": actor}}) == {demo["base"]}
    # Source: and of publisher and text.
    src = {"and": [{"publisher": "The National"}, {"text": "end presence"}]}
    assert await incidents(gql, {"source": src}) == set()  # the related article reports none


# --- root lists --------------------------------------------------------------------------


async def test_actors_list_filters(gql: Gql, conn: asyncpg.Connection) -> None:
    await make_actor(conn, "qzx_one", aliases=("Qzx Uno",), country="QZ")
    await make_actor(conn, "qzxAone", kind="REBEL_GROUP", country="QZ")

    assert await actor_names(gql, {"name": "kh"}) == {d.KH}
    assert await actor_names(gql, {"name": "hashd al-shaabi"}) == {d.PMF}
    assert await actor_names(gql, {"name": "qzx uno"}) == {"qzx_one"}
    assert await actor_names(gql, {"kind": {"eq": "STATE"}}) == {d.IRAN, d.ISRAEL}
    assert await actor_names(gql, {"kind": {"in": ["COALITION", "REBEL_GROUP"]}}) == {
        d.COALITION,
        "qzxAone",
    }
    assert await actor_names(gql, {"country": "us"}) == {d.US_FORCES}
    assert await actor_names(gql, {"country": "QZ"}) == {"qzx_one", "qzxAone"}
    assert await actor_names(gql, {"nameContains": "HASHD"}) == {d.PMF}  # an alias
    assert await actor_names(gql, {"nameContains": "uno"}) == {"qzx_one"}
    assert await actor_names(gql, {"nameContains": "qzx_"}) == {"qzx_one"}  # _ is literal
    assert await actor_names(gql, {"nameContains": "qzx"}) == {"qzx_one", "qzxAone"}
    # `not` is the complement: the coalition has no country, so it is not Iraqi.
    not_iq = {a.name for a in d.ACTORS if a.country_code != "IQ"} | {"qzx_one", "qzxAone"}
    assert {d.COALITION, d.US_FORCES, d.IRAN} <= not_iq  # the coalition has no country
    assert await actor_names(gql, {"not": {"country": "IQ"}}) == not_iq
    assert await actor_names(
        gql, {"or": [{"name": "KH"}, {"name": "AAH"}], "kind": {"eq": "MILITIA"}}
    ) == {d.KH, d.AAH}


async def test_locations_list_filters(gql: Gql, conn: asyncpg.Connection) -> None:
    assert await location_names(gql, {"name": "arbil"}) == {d.ERBIL_GOV}
    assert await location_names(gql, {"name": "ERBIL"}) == {d.ERBIL}
    assert await location_names(gql, {"kind": {"eq": "AIRPORT"}}) == {d.ERBIL_AIRPORT}
    assert await location_names(gql, {"country": "sy"}) == {d.SYRIA}
    assert await location_names(gql, {"admin1": "IQ-AN"}) == {d.ANBAR, d.AIN_AL_ASAD}
    erbil_gov = gid("Location", await id_by_name(conn, "location", d.ERBIL_GOV))
    assert await location_names(gql, {"within": [erbil_gov]}) == {
        d.ERBIL_GOV,
        d.ERBIL,
        d.ERBIL_AIRPORT,
        d.PESHMERGA_BASE,
    }
    assert await location_names(
        gql, {"within": [erbil_gov], "not": {"kind": {"in": ["ADMIN1", "CITY"]}}}
    ) == {d.ERBIL_AIRPORT, d.PESHMERGA_BASE}


async def test_sources_list_filters(gql: Gql, conn: asyncpg.Connection) -> None:
    await make_source(conn, "Rudaw", title="Qzx report", kind="REPORT", note="100% sure")
    await make_source(conn, "rudaw", title="Qzx other", note="1000 sure")
    national = {s.title for s in d.SOURCES}

    assert await source_titles(gql, {"publisher": "THE NATIONAL"}) == national
    assert await source_titles(gql, {"publisher": "rudaw"}) == {"Qzx report", "Qzx other"}
    assert await source_titles(gql, {"kind": {"eq": "REPORT"}}) == {"Qzx report"}
    assert await source_titles(gql, {"text": "END PRESENCE"}) == {
        "Iraq seeks to 'end presence' of US-led forces in country"
    }
    assert await source_titles(gql, {"text": "100%"}) == {"Qzx report"}  # searches the note


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "f"),
    [
        (INCIDENTS, {"location": {"country": "IRQ"}}),
        (INCIDENTS, {"location": {"country": "I1"}}),
        (INCIDENTS, {"participant": {"actor": {"country": "U"}}}),
        (ACTORS, {"country": "12"}),
        (LOCATIONS, {"country": "Iraq"}),
        (LOCATIONS, {"hostsForcesOf": {"country": "USA"}}),
    ],
)
async def test_invalid_country_code_is_bad_user_input(
    gql: Gql, query: str, f: dict[str, Any]
) -> None:
    assert await error_code(gql, query, {"f": f}) == "BAD_USER_INPUT"


async def test_id_of_the_wrong_type_or_garbage_in_a_filter_is_invalid_id(
    gql: Gql, conn: asyncpg.Connection
) -> None:
    actor = gid("Actor", await id_by_name(conn, "actor", d.KH))
    location = gid("Location", await id_by_name(conn, "location", d.IRAQ))
    for query, f in (
        (INCIDENTS, {"ids": [actor]}),
        (INCIDENTS, {"ids": ["not-an-id"]}),
        (INCIDENTS, {"participant": {"actor": {"id": location}}}),
        (INCIDENTS, {"location": {"within": [actor]}}),
        (INCIDENTS, {"source": {"ids": [location]}}),
        (ACTORS, {"ids": [location]}),
        (LOCATIONS, {"id": actor}),
    ):
        assert await error_code(gql, query, {"f": f}) == "INVALID_ID", f


# --- drafts ----------------------------------------------------------------------------


async def test_draft_and_retracted_incidents_are_never_returned_or_counted(
    gql: Gql, conn: asyncpg.Connection, town: int
) -> None:
    published = await incident(conn, town, D(2001, 1, 1), tags=["qa"])
    draft = await incident(conn, town, D(2001, 1, 2), tags=["qa"], status="DRAFT")
    retracted = await incident(conn, town, D(2001, 1, 3), tags=["qa"], status="RETRACTED")

    assert await incidents(gql, {"tags": {"any": ["qa"]}}) == {published}
    assert await incidents(gql, {"ids": [draft, retracted]}) == set()
    rows = await conn.fetch("select id from incident where status = 'PUBLISHED'")
    assert await incidents(gql, None) == {gid("Incident", r["id"]) for r in rows}
    assert published in {gid("Incident", r["id"]) for r in rows}
    query = "query($id: ID!) { incident(id: $id) { id } }"
    assert (await gql.data(query, {"id": draft}))["incident"] is None


async def test_draft_actor_is_hidden_and_matches_no_participant_filter(
    gql: Gql, conn: asyncpg.Connection, town: int
) -> None:
    ghost = await make_actor(conn, "Ghost Brigade", aliases=("GB",), status="DRAFT")
    with_ghost = await incident(
        conn, town, D(2001, 1, 1), participants=[(ghost, "PERPETRATOR", "CLAIMED")]
    )

    assert await actor_names(gql, {"name": "Ghost Brigade"}) == set()
    assert await actor_names(gql, {"nameContains": "ghost"}) == set()
    for actor in ({"name": "ghost brigade"}, {"name": "GB"}, {"id": gid("Actor", ghost)}):
        assert await incidents(gql, {"participant": {"actor": actor}}) == set(), actor
    # Nor does the draft actor's participation match by role or basis alone: it is not
    # among the incident's visible participants.
    assert await incidents(gql, {"participant": {"basis": {"eq": "CLAIMED"}}}) == set()
    query = "query($id: ID!) { incident(id: $id) { participants { role } } }"
    assert (await gql.data(query, {"id": with_ghost}))["incident"]["participants"] == []


async def test_draft_location_is_hidden_and_matches_no_location_filter(
    gql: Gql, conn: asyncpg.Connection
) -> None:
    secret = await make_location(conn, "Secret Site", country="QZ", aliases=("SS",), status="DRAFT")
    child = await make_location(conn, "Below Secret", country="QZ", parent_id=secret)
    await incident(conn, secret, D(2001, 1, 1))
    await incident(conn, child, D(2001, 1, 2))

    assert await location_names(gql, {"name": "secret site"}) == set()
    assert await location_names(gql, {"country": "QZ"}) == {"Below Secret"}
    for loc in ({"name": "secret site"}, {"name": "ss"}, {"id": gid("Location", secret)}):
        assert await incidents(gql, {"location": loc}) == set(), loc
    # A draft cannot be used to find what lies inside it.
    assert await incidents(gql, {"location": {"within": [gid("Location", secret)]}}) == set()
    assert await location_names(gql, {"within": [gid("Location", secret)]}) == set()


async def test_draft_deployments_relations_and_sources_match_nothing(
    gql: Gql, conn: asyncpg.Connection, town: int
) -> None:
    forces = await make_actor(conn, "Test Forces", "STATE_FORCES")
    hidden_forces = await make_actor(conn, "Hidden Forces", "STATE_FORCES", status="DRAFT")
    camp = await make_location(conn, "Camp Draft", "MILITARY_BASE")
    await make_deployment(conn, camp, forces, status="DRAFT")
    await make_deployment(conn, camp, hidden_forces)
    at_camp = await incident(conn, camp, D(2001, 1, 1))
    for actor in ({"id": gid("Actor", forces)}, {"name": "hidden forces"}):
        assert await incidents(gql, {"location": {"hostsForcesOf": actor}}) == set()
        assert await location_names(gql, {"hostsForcesOf": actor}) == set()
    assert await incidents(gql, {"location": {"name": "camp draft"}}) == {at_camp}

    militia = await make_actor(conn, "Test Militia")
    front = await make_actor(conn, "Test Front")
    draft_front = await make_actor(conn, "Draft Front", status="DRAFT")
    await make_relation(conn, front, "FRONT_FOR", militia, status="DRAFT")
    await make_relation(conn, draft_front, "FRONT_FOR", militia)
    await incident(conn, town, D(2001, 1, 2), participants=[(front, "PERPETRATOR", "CLAIMED")])
    await incident(
        conn, town, D(2001, 1, 3), participants=[(draft_front, "PERPETRATOR", "CLAIMED")]
    )
    actor = {"id": gid("Actor", militia), "includeAffiliates": True}
    assert await incidents(gql, {"participant": {"actor": actor}}) == set()

    source = await make_source(conn, "Hidden Press", title="Hidden", status="DRAFT")
    await incident(conn, town, D(2001, 1, 4), source_ids=[source])
    assert await incidents(gql, {"source": {"publisher": "hidden press"}}) == set()
    assert await source_titles(gql, {"publisher": "hidden press"}) == set()
