"""The resolvers' path's guard: checked documents, cost, rate limit and time budget.

A Strawberry extension, one per operation, doing what the fast path
(``app/fastpath.py``) does before it runs a statement, with the same functions, so both
paths refuse the same requests the same way:

* parse and validate through the shared, byte-bounded ``Documents`` cache (static limits
  first, linear in the document; then graphql-core's rules);
* before graphql-core coerces the variables: their size, nesting and NUL characters;
* the static cost (``QUERY_TOO_COMPLEX``) and input objects, before any resolver runs;
* the rate limit (429 ``RATE_LIMITED`` with the ``RateLimit-*`` headers);
* a time budget for queries: every statement gets what is left of it as its timeout
  (asyncpg cancels the statement on the server and the connection goes back to the
  pool); an operation that runs out of it, or into the statement timeout, is answered
  with one ``TIMEOUT`` error and no data.

The response's ``extensions.cost`` says what the operation cost and the limit.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import ExecutionResult, GraphQLError, OperationType, get_operation_ast
from graphql.execution.values import get_variable_values
from strawberry.extensions import SchemaExtension

from schema.cost import Cost, cost_errors, cost_extension, operation_cost
from schema.documents import Checked, Documents, checked
from schema.errors import is_timeout, timeout_error
from schema.limits import Limits, document_errors, limit_error, variable_errors
from schema.ratelimit import Decision, RateLimiter, caller_of

CHARGED = "sitrep.charged"  # ASGI scope key: the fast path charged this request already
# ASGI scope key: (caller, role) the request is counted as, once a GraphQL path knows its
# viewer (app/admission.py charges refusals to it).
CALLER = "sitrep.caller"
# ASGI scope key: an argument of the operation was refused as it ran (a field error with
# one of INPUT_REFUSALS); app/admission.py charges it as a refused request.
REFUSED = "sitrep.refused"
INPUT_REFUSALS = {"BAD_USER_INPUT", "INVALID_ID", "INVALID_CURSOR", "PAGE_SIZE_EXCEEDED"}
# ASGI scope key: such a refusal, with no data, decided before any statement ran: its
# answer depends on the request alone (the fast path may memoise it for its bytes).
REFUSED_BEFORE_SQL = "sitrep.refused_before_sql"


def rate_limited(decision: Decision) -> GraphQLError:
    return limit_error(
        f"Rate limit of {decision.limit} points per window reached; try again in "
        f"{decision.reset} s.",
        "RATE_LIMITED",
        limit=decision.limit,
        retryAfter=decision.reset,
    )


def admit(
    limiter: RateLimiter | None,
    key_id: int | None,
    role: str | None,
    address: str | None,
    cost: Cost,
) -> Decision | None:
    """Charge the caller for ``cost``; None when the deployment has no rate limit."""
    if limiter is None:
        return None
    return limiter.charge(caller_of(key_id, address), role or "anonymous", cost.cost)


class Guard(SchemaExtension):
    def __init__(
        self,
        documents: Documents,
        limits: Limits,
        limiter: RateLimiter | None,
        operation_timeout_ms: int,
    ) -> None:
        super().__init__()
        self.documents = documents
        self.limits = limits
        self.limiter = limiter
        self.timeout_ms = operation_timeout_ms
        self.checked: Checked | None = None

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        context = ctx.context
        viewer = getattr(context, "viewer", None)
        request = getattr(context, "request", None)
        if request is not None:
            address = request.client.host if request.client else None
            key_id, role = getattr(viewer, "key_id", None), getattr(viewer, "role", None)
            request.scope[CALLER] = (caller_of(key_id, address), role or "anonymous")
        if ctx.graphql_document is None and ctx.query:
            self.checked = self.documents.check(ctx.query)
            # A document that does not parse is left to Strawberry's own parse step,
            # which reports the syntax error.
            ctx.graphql_document = self.checked.document
        yield

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if self.checked is not None and self.checked.document is not None:
            ctx.pre_execution_errors = list(self.checked.errors)
        elif ctx.graphql_document is not None:
            # A document given already parsed (not from text): the static limits here,
            # graphql-core's rules in Strawberry's own validation step.
            self.checked = checked(ctx.graphql_document, [])
            errors = document_errors(ctx.graphql_document, self.limits)
            if errors:
                ctx.pre_execution_errors = errors
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        operation = get_operation_ast(document, ctx.operation_name) if document else None
        if operation is None or self.checked is None:
            yield
            return
        errors = variable_errors(ctx.variables, self.limits)
        if not errors and isinstance(
            get_variable_values(
                self.documents.schema, operation.variable_definitions or (), ctx.variables or {}
            ),
            list,
        ):
            yield  # values that do not fit their types: graphql-core reports them
            return
        cost = None
        if not errors:
            cost = operation_cost(
                self.documents.schema, self.checked.fragments, operation, ctx.variables, self.limits
            )
            errors = cost_errors(cost, self.limits)
        if errors or cost is None:
            ctx.result = ExecutionResult(data=None, errors=errors)
            yield
            return
        context = ctx.context
        viewer = getattr(context, "viewer", None)
        request = getattr(context, "request", None)
        response = getattr(context, "response", None)
        address = request.client.host if request is not None and request.client else None
        scope = request.scope if request is not None else {}
        decision = scope.get(CHARGED) or admit(
            self.limiter,
            getattr(viewer, "key_id", None),
            getattr(viewer, "role", None),
            address,
            cost,
        )
        if decision is not None and response is not None:
            for name, value in decision.headers():
                response.headers[name] = value
        if decision is not None and not decision.allowed:
            if response is not None:
                response.status_code = 429
            ctx.result = ExecutionResult(data=None, errors=[rate_limited(decision)])
            yield
            return
        ctx.extensions_results["cost"] = cost_extension(cost, self.limits)
        db: Any = getattr(context, "db", None)
        if operation.operation is OperationType.QUERY and db is not None:
            db.deadline = time.monotonic() + self.timeout_ms / 1000
        counter = getattr(db, "counter", None)
        statements = getattr(counter, "count", None)
        yield
        result = ctx.result
        if isinstance(result, ExecutionResult):
            codes = {(e.extensions or {}).get("code") for e in result.errors or ()}
            if request is not None and codes & INPUT_REFUSALS:
                request.scope[REFUSED] = True
                no_sql = statements is not None and getattr(counter, "count", None) == statements
                if result.data is None and codes <= INPUT_REFUSALS and no_sql:
                    request.scope[REFUSED_BEFORE_SQL] = True
            cut = [e.original_error for e in result.errors or () if is_timeout(e.original_error)]
            if cut:
                result.data = None
                result.errors = [timeout_error(cut[0], self.timeout_ms)]
