"""`sitrep_graphql_errors_total{code}`: GraphQL errors sent to clients, by code.

Both paths count here: the resolvers' (``schema.errors.ErrorCodes``) and anything the
fast path answers with an error of its own (call ``count_graphql_errors``).
"""

from __future__ import annotations

from collections.abc import Iterable

from graphql import GraphQLError
from prometheus_client import Counter

GRAPHQL_ERRORS = Counter(
    "sitrep_graphql_errors_total", "GraphQL errors in responses, by extensions.code", ["code"]
)


def count_graphql_errors(errors: Iterable[GraphQLError]) -> None:
    for error in errors:
        GRAPHQL_ERRORS.labels(str((error.extensions or {}).get("code", "NONE"))).inc()
