"""The GraphQL schema: types, root query and the limits and error handling around them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from schema.changes import ChangesQuery
from schema.errors import ErrorCodes, Schema
from schema.limits import Limits
from schema.mutation import Mutation
from schema.node import NODE_TYPES
from schema.query import Query
from schema.subscription import Subscription
from schema.webhooks import WebhookQuery


class DocumentCache(ParserCache):
    """Strawberry's parser cache, except that a document that does not parse is left to
    Strawberry's own parse step, which reports the syntax error as a normal result (the
    stock cache raises from its hook, bypassing the error-code extension)."""

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        with contextlib.suppress(GraphQLError):
            ctx.graphql_document = self.cached_parse_document(ctx.query, **ctx.parse_options)
        yield


ALL_TYPES = list(NODE_TYPES)


@strawberry.type(
    name="Query", description="Read the incident graph, its change history and the sync feed."
)
class RootQuery(Query, ChangesQuery, WebhookQuery):
    """The read API plus the changes feed and history (write path, schema/changes.py)."""


def _limiters(limits: Limits) -> tuple[QueryDepthLimiter, MaxAliasesLimiter]:
    return (
        QueryDepthLimiter(max_depth=limits.max_query_depth),
        MaxAliasesLimiter(max_alias_count=limits.max_aliases),
    )


def validation_rules(limits: Limits) -> tuple[type[ASTValidationRule], ...]:
    """The depth and alias limits as validation rules (the fast path validates with them
    too, besides graphql's own rules)."""
    depth, aliases = _limiters(limits)
    return (*depth.validation_rules, *aliases.validation_rules)


def build_schema(limits: Limits) -> strawberry.Schema:
    # The limiters hold no per-request state; building each once keeps their validation
    # rules identical across requests, so validated documents can be cached.
    depth, aliases = _limiters(limits)
    tokens = MaxTokensLimiter(max_token_count=limits.max_tokens)
    return Schema(
        query=RootQuery,
        mutation=Mutation,
        subscription=Subscription,
        types=ALL_TYPES,
        extensions=[
            lambda: depth,
            lambda: aliases,
            lambda: tokens,
            lambda: DocumentCache(maxsize=limits.document_cache_size),
            lambda: ValidationCache(maxsize=limits.document_cache_size),
            ErrorCodes,
        ],
    )
