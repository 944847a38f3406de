"""Which planned statements reuse a generic plan and which are planned for their values."""

from __future__ import annotations

import datetime as dt

import pytest

from db.filters import ActorFilter, DateRange, IncidentFilter, LocationFilter, ParticipantFilter
from db.planner import WINDOW_DAYS, skewed

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
