"""incidentStats against answers computed by hand on a small dataset of our own.

The dataset (tag ``stats-test``; D = 2021-01-xx):

====  ==========  ========  ======  ========  ===========  ==========  ==========  =========
#     date        location  weapon  outcome   projectiles  killed      injured     perps
====  ==========  ========  ======  ========  ===========  ==========  ==========  =========
1     2020-12-31  Arbil A   DRONE   STRUCK    3            1/2/4       0/1/2       P1
2     2021-01-01  Arbil A   ROCKET  MISSED    5            —           2/3/5       P1, P2
3     2021-01-04  Syria B   DRONE   INTERC.   1            0/0/0       —           P2 (T target)
4     2021-01-20  Syria B   DRONE   UNKNOWN   —            5/5/5       —           a draft actor
5     2021-01-05  Arbil A   DRONE   STRUCK    100          100/100/100 —           DRAFT incident
6     2021-01-06  draft loc DRONE   UNKNOWN   —            1/1/1       —           —
====  ==========  ========  ======  ========  ===========  ==========  ==========  =========

Weeks (ISO): 2020-12-31 and 2021-01-01 are 2020-W53 (Monday 2020-12-28); 2021-01-04 and
-06 are 2021-W01; nothing in 2021-W02; 2021-01-20 is 2021-W03.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from db import demo_data as d
from schema.stats import TimeInterval, period
from tests.client import Gql
from tests.factories import make_actor, make_incident, make_location, make_relation

D = dt.date
TAG = {"tags": {"any": ["stats-test"]}}

STATS = """
query($f: IncidentFilter, $g: [StatsDimension!], $i: TimeInterval, $tz: String! = "UTC",
      $fill: Boolean! = false, $roll: Boolean! = false) {
  incidentStats(filter: $f, groupBy: $g, interval: $i, timeZone: $tz, fillEmpty: $fill,
                rollUpPerpetrators: $roll) {
    truncated timeZone
    groups {
      period { start end label startsAt endsAt }
      eventType weapon outcome country { code } admin1 { code name }
      location { name } perpetrator { name } target { name }
      incidents projectiles killed { low best high } injured { low best high }
    }
  }
}
"""


@pytest.fixture
async def data(conn: asyncpg.Connection) -> dict[str, int]:
    a = await make_location(
        conn,
        "Stats A",
        latitude=36.2,
        longitude=44.0,
        country="IQ",
        admin1_code="IQ-AR",
        admin1_name="Arbil",
    )
    b = await make_location(conn, "Stats B", latitude=34.8, longitude=39.0, country="SY")
    hidden = await make_location(
        conn, "Stats hidden", latitude=33.0, longitude=44.0, country="IQ", status="DRAFT"
    )
    p1 = await make_actor(conn, "Stats P1")
    p2 = await make_actor(conn, "Stats P2")
    umbrella = await make_actor(conn, "Stats Umbrella", kind="UMBRELLA_GROUP")
    target = await make_actor(conn, "Stats Target", kind="STATE_FORCES")
    secret = await make_actor(conn, "Stats Secret", status="DRAFT")
    other = await make_actor(conn, "Stats Other")
    # P1 joins the umbrella on 2021-01-01; P2 is a front for P1. The umbrella is a member
    # of P2 on 2021-01-04 only: a cycle P2 → P1 → Umbrella → P2 on that day.
    await make_relation(conn, p1, "MEMBER_OF", umbrella, valid_from=D(2021, 1, 1))
    await make_relation(conn, p2, "FRONT_FOR", p1)
    await make_relation(
        conn, umbrella, "MEMBER_OF", p2, valid_from=D(2021, 1, 4), valid_to=D(2021, 1, 4)
    )
    # Relations that must be ignored: a draft one, one to a draft actor.
    await make_relation(conn, umbrella, "PART_OF", other, status="DRAFT")
    await make_relation(conn, umbrella, "PART_OF", secret)

    tags = ("stats-test",)
    perp = "PERPETRATOR"
    await make_incident(
        conn,
        a,
        D(2020, 12, 31),
        projectiles=3,
        killed=(1, 2, 4),
        injured=(0, 1, 2),
        outcome="STRUCK",
        participants=[(p1, perp, "CLAIMED")],
        tags=tags,
    )
    await make_incident(
        conn,
        a,
        D(2021, 1, 1),
        projectiles=5,
        injured=(2, 3, 5),
        weapon="ROCKET",
        sub_event_type="SHELLING_ARTILLERY_MISSILE_ATTACK",
        outcome="MISSED",
        participants=[(p1, perp, "CLAIMED"), (p2, perp, "ALLEGED")],
        tags=tags,
    )
    await make_incident(
        conn,
        b,
        D(2021, 1, 4),
        projectiles=1,
        killed=(0, 0, 0),
        outcome="INTERCEPTED",
        participants=[(p2, perp, "CLAIMED"), (target, "TARGET", "REPORTED")],
        tags=tags,
    )
    await make_incident(
        conn,
        b,
        D(2021, 1, 20),
        killed=(5, 5, 5),
        participants=[(secret, perp, "CLAIMED")],
        tags=tags,
    )
    await make_incident(
        conn,
        a,
        D(2021, 1, 5),
        projectiles=100,
        killed=(100, 100, 100),
        outcome="STRUCK",
        participants=[(p1, perp, "CLAIMED")],
        status="DRAFT",
        tags=tags,
    )
    await make_incident(conn, hidden, D(2021, 1, 6), killed=(1, 1, 1), tags=tags)
    return {"a": a, "b": b, "p1": p1, "p2": p2, "umbrella": umbrella}


async def stats(gql: Gql, **variables: Any) -> list[dict[str, Any]]:
    variables.setdefault("f", TAG)
    data = await gql.data(STATS, variables)
    assert data["incidentStats"]["truncated"] is False
    return list(data["incidentStats"]["groups"])


def summary(groups: list[dict[str, Any]], key: str) -> list[tuple[Any, int, int]]:
    return [(g[key], g["incidents"], g["projectiles"]) for g in groups]


async def test_totals_without_grouping(gql: Gql, data: dict[str, int]) -> None:
    (g,) = await stats(gql)
    # Incidents 1, 2, 3, 4, 6: the draft incident (#5) never counts.
    assert g["incidents"] == 5
    assert g["projectiles"] == 3 + 5 + 1
    assert g["killed"] == {"low": 1 + 0 + 5 + 1, "best": 2 + 0 + 5 + 1, "high": 4 + 0 + 5 + 1}
    assert g["injured"] == {"low": 0 + 2, "best": 1 + 3, "high": 2 + 5}
    assert g["period"] is None
    assert g["country"] is None


async def test_iso_weeks_across_the_year_boundary_with_and_without_empty_weeks(
    gql: Gql, data: dict[str, int]
) -> None:
    f = {**TAG, "occurredOn": {"gte": "2020-12-28", "lte": "2021-01-24"}}
    sparse = await stats(gql, f=f, i="WEEK")
    assert [(g["period"]["label"], g["incidents"]) for g in sparse] == [
        ("2020-W53", 2),
        ("2021-W01", 2),
        ("2021-W03", 1),
    ]
    filled = await stats(gql, f=f, i="WEEK", fill=True)
    assert [(g["period"]["label"], g["incidents"], g["projectiles"]) for g in filled] == [
        ("2020-W53", 2, 8),
        ("2021-W01", 2, 1),
        ("2021-W02", 0, 0),
        ("2021-W03", 1, 0),
    ]
    w53 = filled[0]["period"]
    assert (w53["start"], w53["end"]) == ("2020-12-28", "2021-01-03")
    assert filled[2]["killed"] == {"low": 0, "best": 0, "high": 0}


async def test_days_months_quarters_years(gql: Gql, data: dict[str, int]) -> None:
    f = {**TAG, "occurredOn": {"gte": "2020-12-31", "lte": "2021-01-04"}}
    days = await stats(gql, f=f, i="DAY", fill=True)
    assert [(g["period"]["label"], g["incidents"]) for g in days] == [
        ("2020-12-31", 1),
        ("2021-01-01", 1),
        ("2021-01-02", 0),
        ("2021-01-03", 0),
        ("2021-01-04", 1),
    ]
    months = await stats(gql, i="MONTH")
    assert [(g["period"]["label"], g["incidents"], g["killed"]["best"]) for g in months] == [
        ("2020-12", 1, 2),
        ("2021-01", 4, 6),
    ]
    assert months[1]["period"]["end"] == "2021-01-31"
    quarters = await stats(gql, i="QUARTER")
    assert [(g["period"]["label"], g["period"]["end"]) for g in quarters] == [
        ("2020-Q4", "2020-12-31"),
        ("2021-Q1", "2021-03-31"),
    ]
    years = await stats(gql, i="YEAR")
    assert [(g["period"]["label"], g["incidents"]) for g in years] == [("2020", 1), ("2021", 4)]


async def test_empty_buckets_when_nothing_matches(gql: Gql, data: dict[str, int]) -> None:
    f = {"tags": {"any": ["no-such-tag"]}, "occurredOn": {"gte": "2021-01-10", "lte": "2021-03-05"}}
    groups = await stats(gql, f=f, i="MONTH", fill=True)
    assert [(g["period"]["label"], g["incidents"]) for g in groups] == [
        ("2021-01", 0),
        ("2021-02", 0),
        ("2021-03", 0),
    ]
    assert await stats(gql, f=f, i="MONTH") == []


async def test_group_by_location_dimensions(gql: Gql, data: dict[str, int]) -> None:
    by_country = await stats(gql, g=["COUNTRY"])
    # The incident at the draft location counts, under an unknown country.
    assert [(g["country"], g["incidents"], g["projectiles"]) for g in by_country] == [
        ({"code": "IQ"}, 2, 8),
        ({"code": "SY"}, 2, 1),
        (None, 1, 0),
    ]
    by_admin1 = await stats(gql, g=["ADMIN1"])
    assert [(g["admin1"], g["incidents"]) for g in by_admin1] == [
        (None, 3),
        ({"code": "IQ-AR", "name": "Arbil"}, 2),
    ]
    by_location = await stats(gql, g=["LOCATION"])
    assert {(g["location"] or {}).get("name"): g["incidents"] for g in by_location} == {
        "Stats A": 2,
        "Stats B": 2,
        None: 1,
    }


async def test_group_by_several_dimensions_and_time(gql: Gql, data: dict[str, int]) -> None:
    groups = await stats(gql, g=["WEAPON", "OUTCOME"], i="MONTH")
    assert [
        (g["period"]["label"], g["weapon"], g["outcome"], g["incidents"], g["killed"]["high"])
        for g in groups
    ] == [
        ("2020-12", "DRONE", "STRUCK", 1, 4),
        ("2021-01", "DRONE", "INTERCEPTED", 1, 0),
        ("2021-01", "DRONE", "UNKNOWN", 2, 6),
        ("2021-01", "ROCKET", "MISSED", 1, 0),
    ]
    # Zero-filled: every month for every combination that occurs.
    f = {**TAG, "occurredOn": {"gte": "2020-12-01", "lte": "2021-01-31"}}
    filled = await stats(gql, f=f, g=["EVENT_TYPE"], i="MONTH", fill=True)
    assert [(g["period"]["label"], g["eventType"], g["incidents"]) for g in filled] == [
        ("2020-12", "EXPLOSIONS_REMOTE_VIOLENCE", 1),
        ("2021-01", "EXPLOSIONS_REMOTE_VIOLENCE", 4),
    ]


async def test_perpetrators_targets_and_roll_up(gql: Gql, data: dict[str, int]) -> None:
    def named(groups: list[dict[str, Any]], role: str) -> dict[Any, tuple[int, int]]:
        return {(g[role] or {}).get("name"): (g["incidents"], g["projectiles"]) for g in groups}

    # Incident 2 has two perpetrators and counts once for each; the draft actor of
    # incident 4 is never named.
    assert named(await stats(gql, g=["PERPETRATOR"]), "perpetrator") == {
        "Stats P1": (2, 8),
        "Stats P2": (2, 6),
        None: (2, 0),
    }
    assert named(await stats(gql, g=["TARGET"]), "target") == {
        "Stats Target": (1, 1),
        None: (4, 8),
    }
    # Rolled up on each incident's date: on 2020-12-31 P1 is not yet a member, so it is
    # its own top; from 2021-01-01 P1 and P2 (a front for P1) roll up to the umbrella,
    # once per incident (incident 2 has both). On 2021-01-04 the umbrella → P2 relation
    # closes a cycle, which ends the walk. Draft relations and draft actors are ignored.
    rolled = await stats(gql, g=["PERPETRATOR"], roll=True)
    assert named(rolled, "perpetrator") == {
        "Stats Umbrella": (2, 6),
        "Stats P1": (1, 3),
        None: (2, 0),
    }


async def test_time_zone_sets_the_instants_not_the_buckets(gql: Gql, data: dict[str, int]) -> None:
    utc = await stats(gql, i="WEEK")
    for tz in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Baghdad"):
        other = await stats(gql, i="WEEK", tz=tz)
        assert [g["incidents"] for g in other] == [g["incidents"] for g in utc]
        assert [g["period"]["label"] for g in other] == [g["period"]["label"] for g in utc]
    baghdad = await gql.data(STATS, {"f": TAG, "i": "WEEK", "tz": "Asia/Baghdad"})
    first = baghdad["incidentStats"]["groups"][0]["period"]
    assert first["startsAt"] == "2020-12-28T00:00:00+03:00"
    assert first["endsAt"] == "2021-01-04T00:00:00+03:00"
    assert baghdad["incidentStats"]["timeZone"] == "Asia/Baghdad"
    assert utc[0]["period"]["startsAt"] == "2020-12-28T00:00:00+00:00"


def test_period_boundaries_follow_daylight_saving() -> None:
    ny = ZoneInfo("America/New_York")
    week = period(D(2021, 3, 8), TimeInterval.WEEK, ny)  # DST starts on Sunday 14 March
    assert week.label == "2021-W10"
    hours = (week.ends_at.astimezone(dt.UTC) - week.starts_at.astimezone(dt.UTC)) / dt.timedelta(
        hours=1
    )
    assert hours == 7 * 24 - 1
    assert week.starts_at.utcoffset() == dt.timedelta(hours=-5)
    assert week.ends_at.utcoffset() == dt.timedelta(hours=-4)
    assert period(D(2021, 1, 4), TimeInterval.WEEK, ny).label == "2021-W01"
    assert period(D(2020, 12, 28), TimeInterval.WEEK, ny).label == "2020-W53"
    assert period(D(2024, 10, 1), TimeInterval.QUARTER, ny).end == D(2024, 12, 31)


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"tz": "Mars/Olympus_Mons"}, "timeZone"),
        ({"tz": "utc+3"}, "timeZone"),
        ({"fill": True}, "fillEmpty"),
        ({"roll": True}, "rollUpPerpetrators"),
    ],
)
async def test_bad_arguments(gql: Gql, variables: dict[str, Any], field: str) -> None:
    body = await gql(STATS, {"f": TAG, **variables})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field


async def test_drafts_never_count_even_through_filters(gql: Gql, data: dict[str, int]) -> None:
    # Filtering on the draft location or the draft actor finds nothing to count.
    hidden = {**TAG, "location": {"name": "Stats hidden"}}
    (g,) = await stats(gql, f=hidden)
    assert g["incidents"] == 0
    secret = {**TAG, "participant": {"actor": {"name": "Stats Secret"}}}
    (g,) = await stats(gql, f=secret)
    assert g["incidents"] == 0
    # The filter language is the incidents connection's: same answer.
    f = {**TAG, "weapon": {"eq": "DRONE"}, "killed": {"gte": 1}}
    (g,) = await stats(gql, f=f)
    listed = await gql.data(
        "query($f: IncidentFilter) { incidents(filter: $f) { totalCount } }", {"f": f}
    )
    assert g["incidents"] == listed["incidents"]["totalCount"] == 3


async def test_nested_fields_are_batched(gql: Gql, data: dict[str, int]) -> None:
    result, statements = await gql.counted(
        STATS, {"f": TAG, "g": ["LOCATION", "PERPETRATOR", "TARGET"], "i": "DAY"}
    )

    def name(node: dict[str, str] | None) -> str | None:
        return None if node is None else node["name"]

    groups = [
        (g["period"]["label"], name(g["location"]), name(g["perpetrator"]), name(g["target"]))
        for g in result["incidentStats"]["groups"]
    ]
    assert groups == [
        ("2020-12-31", "Stats A", "Stats P1", None),
        ("2021-01-01", "Stats A", "Stats P1", None),
        ("2021-01-01", "Stats A", "Stats P2", None),
        ("2021-01-04", "Stats B", "Stats P2", "Stats Target"),
        ("2021-01-06", None, None, None),  # the draft location and no perpetrator
        ("2021-01-20", "Stats B", None, None),  # a draft perpetrator
    ]
    assert {g["incidents"] for g in result["incidentStats"]["groups"]} == {1}
    # The aggregate, then one batch of locations and one of actors.
    assert len(statements) == 3


async def test_demo_data_by_perpetrator(gql: Gql) -> None:
    f = {"occurredOn": {"gte": "2023-12-30", "lte": "2024-01-01"}}
    groups = await stats(gql, f=f, g=["PERPETRATOR"], i="DAY", fill=True)
    # From the demo data module: every day of the range for every perpetrator in it.
    days = [D(2023, 12, 30), D(2023, 12, 31), D(2024, 1, 1)]
    perpetrators = sorted(
        {p.actor for i in d.INCIDENTS for p in i.participants if p.role == "PERPETRATOR"}
    )
    expected = []
    for day in days:
        for actor in perpetrators:
            done = [
                i
                for i in d.INCIDENTS
                if i.occurred_on == day
                and any(p.actor == actor and p.role == "PERPETRATOR" for p in i.participants)
            ]
            killed = [i.killed for i in done if i.killed is not None]
            expected.append(
                (
                    day.isoformat(),
                    actor,
                    len(done),
                    sum(i.projectile_count or 0 for i in done),
                    {k: sum(x[n] for x in killed) for n, k in enumerate(("low", "best", "high"))},
                )
            )
    assert [
        (
            g["period"]["start"],
            g["perpetrator"]["name"],
            g["incidents"],
            g["projectiles"],
            g["killed"],
        )
        for g in groups
    ] == expected
