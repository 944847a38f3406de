"""The saved examples GraphiQL offers: the README's three queries (the headline question
first, the default tab) and a handful more. Each runs on the demo data without errors
(tests/app/test_examples.py runs them over HTTP, tests/browser/graphiql.mjs in GraphiQL).

The README's queries are anonymous; here each has an operation name so that GraphiQL's
tabs have titles. A test holds them equal to the README's blocks otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Example:
    name: str  # the operation name (GraphiQL's tab title)
    title: str
    query: str
    variables: dict[str, Any] | None = None

    def as_json(self) -> dict[str, str]:
        """What the GraphiQL page reads: the tab's query (a comment line with the title,
        then the document) and its variables as editor text."""
        variables = json.dumps(self.variables, indent=2) if self.variables else ""
        return {
            "name": self.name,
            "title": self.title,
            "query": f"# {self.title}\n{self.query}",
            "variables": variables,
        }


HEADLINE = Example(
    "DroneAttacksOnUSBases",
    "Drone attacks on bases hosting US forces in one week (README example 1)",
    """query DroneAttacksOnUSBases {
  incidents(
    filter: {
      occurredOn: { gte: "2023-12-30", lte: "2024-01-05" }
      weapon: { in: [DRONE] }
      location: { hostsForcesOf: { name: "US forces" } }
    }
    first: 20
  ) {
    totalCount
    edges { node { id occurredOn weapon outcome
      location { name kind }
      participants { role basis actor { name } }
      sources { title publisher url } } }
    pageInfo { hasNextPage endCursor }
  }
}
""",
)

EXAMPLES: tuple[Example, ...] = (
    HEADLINE,
    Example(
        "BlameForUnclaimedAttack",
        "Who was blamed for the unclaimed attack, by whom, and how the accused relate to "
        "Baghdad (README example 2)",
        """query BlameForUnclaimedAttack {
  incidents(filter: { claimStatus: { eq: UNCLAIMED } }) {
    edges { node {
      occurredOn summary damage projectileCount killed { best }
      participants { role basis attributedBy { name } statement { text }
        actor { name relations(kind: [FUNDED_BY]) { basis object { name } assertedBy { name } } } }
    } }
  }
}
""",
    ),
    Example(
        "AttacksIncludingFrontGroups",
        "An actor's attacks including those of its front groups, and where each of its "
        "relations comes from (README example 3)",
        """query AttacksIncludingFrontGroups {
  incidents(filter: {
    participant: {
      actor: { name: "Kata'ib Hizballah" includeAffiliates: true }
      role: { in: [PERPETRATOR] }
    }
    or: [{ killed: { gte: 1 } }, { outcome: { in: [INTERCEPTED, STRUCK] } }]
  }) {
    totalCount
    edges { node { occurredOn location { name admin1 { code name } country { name } } } }
  }
  actors(filter: { name: "KH" }) {
    edges { node { name aliases
      relations { kind subject { name } object { name } note sources { publisher } } } }
  }
}
""",
    ),
    Example(
        "DroneAttacksByWeek",
        "Drone attacks by ISO week and perpetrator, front groups rolled up to their umbrella",
        """query DroneAttacksByWeek {
  incidentStats(filter: { weapon: { eq: DRONE } }, interval: WEEK, fillEmpty: true,
                groupBy: [PERPETRATOR], rollUpPerpetrators: true) {
    groups { period { label start end } perpetrator { name } incidents projectiles killed { best } }
  }
}
""",
    ),
    Example(
        "IncidentsNearBase",
        "Incidents within 25 km of Erbil International Airport, nearest first",
        """query IncidentsNearBase($near: NearInput!) {
  incidentsNear(near: $near) {
    edges { distanceKm node { occurredOn weapon outcome location { name } } }
  }
}
""",
        {"near": {"latitude": 36.2376, "longitude": 43.9632, "radiusKm": 25}},
    ),
    Example(
        "SearchMisspeltName",
        'Search by a misspelt name: "Kataib Hezbolah" finds Kataib Hezbollah and its affiliates',
        """query SearchMisspeltName {
  search(text: "Kataib Hezbolah", types: [ACTOR], first: 5) {
    type score matchedField matchedText
    actor { name affiliates(direction: BOTH, depth: 1) { depth actor { name } } }
  }
}
""",
    ),
    Example(
        "ChangesFeed",
        "The changes feed a partner syncs from: the first ten changes, then pass endCursor "
        "as since",
        """query ChangesFeed($since: String) {
  changes(since: $since, first: 10) {
    changes { cursor typeName recordId action at }
    endCursor
    hasMore
  }
}
""",
        {"since": None},
    ),
)
