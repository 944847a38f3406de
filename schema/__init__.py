"""The GraphQL schema: types, root query and the limits and error handling around them."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxTokensLimiter

from schema.changes import ChangesQuery
from schema.documents import Documents
from schema.errors import ErrorCodes, Schema
from schema.guard import Guard
from schema.limits import Limits
from schema.mutation import Mutation
from schema.node import NODE_TYPES
from schema.query import Query
from schema.ratelimit import RateLimiter
from schema.read_your_writes import ReadYourWrites
from schema.subscription import Subscription
from schema.webhooks import WebhookQuery

ALL_TYPES = list(NODE_TYPES)


@strawberry.type(
    name="Query", description="Read the incident graph, its change history and the sync feed."
)
class RootQuery(Query, ChangesQuery, WebhookQuery):
    """The read API plus the changes feed and history (write path, schema/changes.py)."""


def build_schema(
    limits: Limits, limiter: RateLimiter | None = None, *, introspection: bool = True
) -> Schema:
    """The schema with its guard: documents checked and cached by bytes (shared with the
    fast path as ``schema.documents``), cost, rate limit (when ``limiter`` is given) and
    the time budget. Without ``introspection`` the documents' validation refuses
    ``__schema`` and ``__type``."""
    schema = Schema(
        query=RootQuery,
        mutation=Mutation,
        subscription=Subscription,
        types=ALL_TYPES,
        extensions=[
            lambda: tokens,
            lambda: Guard(documents, limits, limiter, limits.operation_timeout_ms),
            ErrorCodes,
            ReadYourWrites,
        ],
    )
    tokens = MaxTokensLimiter(max_token_count=limits.max_tokens)
    documents = Documents(schema._schema, limits, introspection=introspection)
    schema.documents = documents
    return schema
