"""Which planned statements reuse a generic plan and which are planned for their values;
which values a planned statement computes once, at its top."""

from __future__ import annotations

import datetime as dt

import pytest

from db.filters import (
    ActorFilter,
    DateRange,
    IncidentFilter,
    LocationFilter,
    ParticipantFilter,
    incident_where,
)
from db.planner import WINDOW_DAYS, Planner, skewed
from db.sql import Compiler
from db.viewer import Viewer

D = dt.date(2024, 1, 1)
ACTOR = ParticipantFilter(actor=ActorFilter(name="KH"))


@pytest.mark.parametrize(
    ("f", "expected"),
    [
        (IncidentFilter(), False),
        (IncidentFilter(weapons=("DRONE",), killed=None), False),
        (IncidentFilter(occurred_on=DateRange(gte=D, lte=D + dt.timedelta(days=400))), False),
        (IncidentFilter(participant=ACTOR), True),
        (IncidentFilter(location=LocationFilter(country="IQ")), True),
        (IncidentFilter(text="drone"), True),
        (IncidentFilter(or_=(IncidentFilter(weapons=("DRONE",)), IncidentFilter(text="x"))), True),
        (IncidentFilter(not_=IncidentFilter(participant=ACTOR)), True),
        # A short window decides the plan whatever else is asked.
        (
            IncidentFilter(
                participant=ACTOR,
                occurred_on=DateRange(gte=D, lte=D + dt.timedelta(days=WINDOW_DAYS)),
            ),
            False,
        ),
        (
            IncidentFilter(
                participant=ACTOR,
                occurred_on=DateRange(gte=D, lte=D + dt.timedelta(days=WINDOW_DAYS + 1)),
            ),
            True,
        ),
        # OVERLAPS is not bounded by the occurred_on index.
        (
            IncidentFilter(
                participant=ACTOR,
                occurred_on=DateRange(gte=D, lte=D + dt.timedelta(days=6), overlaps=True),
            ),
            True,
        ),
        # A window inside an `or` bounds nothing.
        (
            IncidentFilter(
                or_=(
                    IncidentFilter(
                        participant=ACTOR,
                        occurred_on=DateRange(gte=D, lte=D + dt.timedelta(days=6)),
                    ),
                    IncidentFilter(participant=ACTOR),
                )
            ),
            True,
        ),
    ],
)
def test_skewed(f: IncidentFilter, expected: bool) -> None:
    assert skewed(f) is expected


def test_values_computed_once_are_hoisted_only_in_planned_statements() -> None:
    """``Compiler.once``: inline for the resolvers' statements; in the planner's, a
    materialised CTE at the top, in the order they were asked for (a later one may read
    an earlier one), so that PostgreSQL costs them once, not per row of a subquery."""
    inline = Compiler(Viewer())
    assert inline.once("array(select 1)", "bigint[]") == "array(select 1)"
    assert inline.with_clause() == ""
    hoisting = Compiler(Viewer(), hoist=True)
    first = hoisting.once("array(select 1)", "bigint[]")
    second = hoisting.once(f"array(select x from unnest({first}) x)", "bigint[]")
    assert (first, second) == ("(select v from once1)::bigint[]", "(select v from once2)::bigint[]")
    assert hoisting.with_clause() == (
        "with once1 as materialized (select array(select 1) as v), "
        "once2 as materialized (select array(select x from unnest((select v from once1)"
        "::bigint[]) x) as v) "
    )


def test_a_planned_name_filter_reads_its_ids_from_the_top_of_the_statement() -> None:
    f = IncidentFilter(
        location=LocationFilter(hosts_forces_of=ActorFilter(name="US forces")),
        participant=ACTOR,
    )
    planner = Planner(Viewer())
    where = incident_where(f, planner.c, "i")
    head = planner.c.with_clause()
    # the participant's actor names, the hosts' names, then the hosts' visible actors
    assert head.count(" as materialized (") == 3
    assert "sitrep_norm(name)" not in where
    assert "= any((select v from once3)::bigint[])" in where
