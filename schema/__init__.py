"""The GraphQL schema: types, root query and the limits and error handling around them."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

from app.settings import Settings
from schema.actor import Actor, ActorRelation
from schema.changes import ChangesQuery
from schema.errors import ErrorCodes
from schema.incident import Incident
from schema.location import Deployment, Location
from schema.mutation import Mutation
from schema.query import Query
from schema.source import Source, Statement

ALL_TYPES = [Incident, Actor, ActorRelation, Location, Deployment, Source, Statement]


@strawberry.type(
    name="Query", description="Read the incident graph, its change history and the sync feed."
)
class RootQuery(Query, ChangesQuery):
    """The read API plus the changes feed and history (write path, schema/changes.py)."""


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=RootQuery,
        mutation=Mutation,
        types=ALL_TYPES,
        extensions=[
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            ErrorCodes,
        ],
    )
