"""Errors clients can act on, and the extension that gives every error a stable code.

Every error in a response carries ``extensions.code``:

* ``GRAPHQL_PARSE_FAILED`` — the document is not valid GraphQL syntax;
* ``GRAPHQL_VALIDATION_FAILED`` — the document or its variables do not fit the schema
  (unknown field or argument, unknown enum value, malformed date); for a variable, the
  message says where in its value (``Variable '$w' has invalid value at [1]: …``);
* ``BAD_USER_INPUT`` — arguments that fit the schema but make no sense (a date range
  ending before it starts, ``first`` and ``last`` together, a bad country code);
* ``MAX_DEPTH_EXCEEDED`` / ``MAX_ALIASES_EXCEEDED`` / ``MAX_TOKENS_EXCEEDED`` /
  ``MAX_SELECTIONS_EXCEEDED`` / ``MAX_INPUT_DEPTH_EXCEEDED`` / ``MAX_INPUT_SIZE_EXCEEDED``
  — the document's and the variables' limits (``schema/limits.py``);
* ``QUERY_TOO_COMPLEX`` — the static cost is over the budget (``schema/cost.py``);
* ``RATE_LIMITED`` — the caller's points for the window are spent (HTTP 429);
* ``TIMEOUT`` — the operation ran out of its time budget or into the statement timeout;
* ``PAGE_SIZE_EXCEEDED``, ``INVALID_CURSOR``, ``INVALID_ID`` — pagination and lookups;
* ``DATABASE_UNAVAILABLE`` — the database cannot be reached (over HTTP: a 503 with
  ``Retry-After``);
* ``INTERNAL_SERVER_ERROR`` — anything unexpected, with the message masked (the details
  are logged, never sent).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import asyncpg
import strawberry
import structlog
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from db.core import is_unavailable
from schema.metrics import count_graphql_errors

log = structlog.get_logger(__name__)


class SitrepError(Exception):
    """An error meant for the client: its message and code are part of the API."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.extensions: dict[str, Any] = {"code": code or self.code, **details}


class BadUserInput(SitrepError):
    code = "BAD_USER_INPUT"


class InvalidId(SitrepError):
    code = "INVALID_ID"


class InvalidCursor(SitrepError):
    code = "INVALID_CURSOR"


class PageSizeExceeded(SitrepError):
    code = "PAGE_SIZE_EXCEEDED"


_PRE_EXECUTION_CODES = (
    ("Document contains more than", "MAX_TOKENS_EXCEEDED"),  # before the generic syntax error
    ("Syntax Error", "GRAPHQL_PARSE_FAILED"),
    ("Variable '$", "BAD_USER_INPUT"),
)


def is_timeout(error: BaseException | None) -> bool:
    """A statement cut by the operation's time budget (asyncpg's timeout cancels it on the
    server) or by PostgreSQL's ``statement_timeout``."""
    return isinstance(error, TimeoutError | asyncpg.QueryCanceledError)


def timeout_error(original: BaseException | None, budget_ms: int) -> GraphQLError:
    """The one error of an operation cut by its time budget or the statement timeout."""
    if isinstance(original, asyncpg.QueryCanceledError):
        message = "A statement ran into the database's statement timeout and was cancelled."
        return GraphQLError(message, extensions={"code": "TIMEOUT"})
    return GraphQLError(
        f"The operation took longer than its time budget ({budget_ms} ms) and was cancelled. "
        "Ask for less (smaller pages, narrower filters).",
        extensions={"code": "TIMEOUT", "budgetMs": budget_ms},
    )


def _code_for(error: GraphQLError) -> str:
    for fragment, code in _PRE_EXECUTION_CODES:
        if fragment in error.message:
            return code
    return "GRAPHQL_VALIDATION_FAILED"


def _with_code(
    error: GraphQLError, message: str, code: str, extensions: dict[str, Any] | None = None
) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(extensions or error.extensions or {}), "code": code},
    )


def classify(error: GraphQLError) -> GraphQLError:
    """Give ``error`` a stable code, masking anything that is not a ``SitrepError``."""
    original = error.original_error
    if isinstance(original, SitrepError):
        return error
    if isinstance(original, GraphQLError):
        inner = classify(original)
        extensions = inner.extensions or {}
        if (
            error.message.startswith("Variable '$")
            and extensions["code"] != "INTERNAL_SERVER_ERROR"
        ):
            # A variable's value does not fit its type. Only this outer error says which
            # variable and where in its value ("Variable '$w' has invalid value at [1]:
            # …"); the original says only what is wrong.
            return _with_code(error, error.message, str(extensions["code"]), extensions)
        return inner
    if original is None:
        if error.extensions and "code" in error.extensions:
            return error
        return _with_code(error, error.message, _code_for(error))
    if is_unavailable(original):
        return _with_code(error, "The database is unavailable.", "DATABASE_UNAVAILABLE")
    log.error("unexpected error", path=error.path, exc_info=original)
    return _with_code(error, "Unexpected error.", "INTERNAL_SERVER_ERROR")


class Schema(strawberry.Schema):
    """Strawberry's schema, except for logging: Strawberry logs every error of every
    request, with its traceback. Errors meant for the client (bad documents, bad variable
    values, ``SitrepError``) are the client's business and are not logged; unexpected
    errors are logged once, with their traceback, by ``classify``. ``documents`` is the
    checked-document cache both GraphQL paths share (``schema/documents.py``)."""

    documents: Any

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


class ErrorCodes(SchemaExtension):
    """Runs last on every operation: classifies and masks the result's errors."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [classify(e) for e in errors]
            count_graphql_errors(result.errors)
