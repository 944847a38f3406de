"""The GraphQL schema: types, root query and the limits and error handling around them."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

from app.settings import Settings
from schema.actor import Actor, ActorRelation
from schema.errors import ErrorCodes
from schema.incident import Incident
from schema.location import Deployment, Location
from schema.query import Query
from schema.source import Source, Statement

ALL_TYPES = [Incident, Actor, ActorRelation, Location, Deployment, Source, Statement]


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        types=ALL_TYPES,
        extensions=[
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            ErrorCodes,
        ],
    )
