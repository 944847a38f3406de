"""Checked documents, cached by bytes: parse, static limits, validation, once per text.

Both GraphQL paths use one ``Documents`` per schema: the planner's fast path
(``app/fastpath.py``) and the resolvers' (through the ``Guard`` extension in
``schema/guard.py``). A document is parsed with the token limit, measured against the
static limits (``schema.limits.document_errors``, linear in its size) and only then
validated by graphql-core's rules, whose cost is then bounded too.

``SizedLru`` bounds a cache by entries and by bytes: a parsed document keeps about 600
bytes per token besides its text, so its weight is its text plus that per token. Huge
comment-padded documents weigh their text and are not kept above an eighth of the budget.

Cheapest evidence first: before graphql-core's lexer and parser build anything, a
regular expression counts the document's tokens (comments included, as graphql-core
counts them) up to the token limit, and a document over it is refused with graphql-core's
own error ("Document contains more than N tokens"); graphql-core's pure-Python parser
takes tens of milliseconds, with the event loop blocked, to reach 5,000 tokens, and the
count about a tenth of that. A document that does not parse keeps its syntax error
(``Checked.syntax``), so that a repeated one costs a cache lookup on the fast path.

Off the event loop: a document of ``OFF_LOOP_BYTES`` or more that is not in the cache
is checked (``Documents.check_soon``) in a thread of its own, one document at a time, so
that the event loop keeps answering other requests meanwhile (the thread and the loop
take turns holding the interpreter, every ``SWITCH_INTERVAL_S`` at most): a new
document near the limits takes 50-150 ms of parsing and validation, all of it with the
loop blocked until now. The same text arriving while it is checked waits for that one
check. Small documents (nearly every real one) are checked in place, which costs less
than handing them to a thread.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Generic, TypeVar

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    Source,
    parse,
    specified_rules,
    validate,
)
from graphql.error import GraphQLSyntaxError
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from db.planner import Memo
from schema.limits import Limits, document_errors

K = TypeVar("K")
V = TypeVar("V")

# Documents at least this long (characters) that are not cached are checked in the
# documents' thread; shorter ones take at most a few milliseconds.
OFF_LOOP_BYTES = 2048
# How long a thread may hold the interpreter while another waits for it (Python's
# default is 5 ms): the event loop waits at most this for its turn while a document is
# checked in the thread.
SWITCH_INTERVAL_S = 0.001
BYTES_PER_TOKEN = 600  # a parsed document's objects per token (measured with tracemalloc)

RULES = (*specified_rules, MaybeNullValidationRule, OneOfInputValidationRule)

# One GraphQL token (or comment, which graphql-core counts against max_tokens too), after
# the ignored characters (white space, line terminators, commas, the BOM).
_TOKEN = re.compile(
    r'[\s,\ufeff]*(#[^\n\r]*|"""(?:\\"""|[^"]|"(?!""))*"""|"(?:[^"\\\n\r]|\\.)*"'
    r"|\.\.\.|[!$&():=@\[\]{|}]|-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
    r"|[_A-Za-z][_0-9A-Za-z]*)"
)


def token_overflow(query: str, max_tokens: int) -> GraphQLSyntaxError | None:
    """graphql-core's error for a document of more than ``max_tokens`` tokens, found
    without parsing it (a count by regular expression, stopped after the limit); None
    when it has no more."""
    if len(query) <= max_tokens:
        return None  # every token is at least one character
    over = next(islice(_TOKEN.finditer(query), max_tokens, None), None)
    if over is None:
        return None
    return GraphQLSyntaxError(
        Source(query),
        over.start(1),
        f"Document contains more than {max_tokens} tokens. Parsing aborted.",
    )


class SizedLru(Generic[K, V]):
    """A least-recently-used cache holding at most ``entries`` items and ``max_bytes``
    bytes by the weights given to ``put``. An item heavier than an eighth of the budget
    is not kept."""

    def __init__(self, entries: int, max_bytes: int) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def put(self, key: K, value: V, weight: int) -> None:
        if weight > self.max_bytes // 8:
            return
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
        self._items[key] = (value, weight)
        self.bytes += weight
        while len(self._items) > self.entries or self.bytes > self.max_bytes:
            _, (_, dropped) = self._items.popitem(last=False)
            self.bytes -= dropped


@dataclass(frozen=True)
class Checked:
    """A document as both paths need it. ``document`` is None when it does not parse
    (Strawberry's own parse step then reports the syntax error)."""

    document: DocumentNode | None
    errors: list[GraphQLError] = field(default_factory=list)
    operations: dict[str | None, OperationDefinitionNode] = field(default_factory=dict)
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    syntax: GraphQLError | None = None  # why ``document`` is None
    # What the planner keeps of this document, per deployment limits (``memo``).
    memos: dict[tuple[Any, ...], Memo] = field(default_factory=dict, compare=False, repr=False)

    def operation(self, name: str | None) -> OperationDefinitionNode | None:
        return self.operations.get(name)

    def memo(self, limits: tuple[Any, ...]) -> Memo:
        """The planner's memo of this document under these limits (its subtrees, their
        SQL and costs depend on them); made on first use."""
        found = self.memos.get(limits)
        if found is None:
            found = self.memos[limits] = Memo()
        return found


def _weight(query: str, document: DocumentNode | None) -> int:
    tokens = 0
    token = document.loc.start_token if document is not None and document.loc else None
    while token is not None:
        tokens += 1
        token = token.next
    return len(query) + BYTES_PER_TOKEN * tokens


class Documents:
    """Parses, checks and validates documents against ``schema``, cached by text."""

    def __init__(self, schema: Any, limits: Limits, *, introspection: bool = True) -> None:
        self.schema = schema  # the graphql-core schema
        self.limits = limits
        self.rules = RULES if introspection else (*RULES, NoSchemaIntrospectionCustomRule)
        self.cache: SizedLru[str, Checked] = SizedLru(
            limits.document_cache_size, limits.document_cache_bytes
        )
        self.checking: dict[str, asyncio.Future[Checked]] = {}  # by text, in the thread
        self.thread: ThreadPoolExecutor | None = None

    def check(self, query: str) -> Checked:
        found = self.cache.get(query)
        if found is not None:
            return found
        checked = self._check(query)
        self.cache.put(query, checked, _weight(query, checked.document))
        return checked

    def cached(self, query: str) -> Checked | None:
        """The document checked before, if it is still in the cache."""
        return self.cache.get(query)

    async def check_soon(self, query: str) -> Checked:
        """``check``, with a long document that is not cached checked in the documents'
        thread while the event loop goes on (see above); cached once checked."""
        found = self.cache.get(query)
        if found is not None or len(query) < OFF_LOOP_BYTES:
            return found or self.check(query)
        pending = self.checking.get(query)
        if pending is None:
            if self.thread is None:
                sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
                self.thread = ThreadPoolExecutor(1, thread_name_prefix="documents")
            loop = asyncio.get_running_loop()
            pending = asyncio.ensure_future(loop.run_in_executor(self.thread, self._check, query))
            self.checking[query] = pending
            pending.add_done_callback(lambda done: self._checked(query, done))
        return await asyncio.shield(pending)

    def _checked(self, query: str, done: asyncio.Future[Checked]) -> None:
        del self.checking[query]
        if not done.cancelled() and done.exception() is None:
            checked = done.result()
            self.cache.put(query, checked, _weight(query, checked.document))

    def _check(self, query: str) -> Checked:
        over = token_overflow(query, self.limits.max_tokens)
        if over is not None:
            return Checked(None, syntax=over)
        try:
            document = parse(query, max_tokens=self.limits.max_tokens)
        except GraphQLError as exc:
            return Checked(None, syntax=exc)
        errors = document_errors(document, self.limits)
        if not errors:
            errors = [_coded(e) for e in validate(self.schema, document, self.rules)]
        return checked(document, errors)


def checked(document: DocumentNode, errors: list[GraphQLError]) -> Checked:
    """``document`` with its operations (by name; the only one also under None) and
    fragments."""
    operations: dict[str | None, OperationDefinitionNode] = {}
    fragments: dict[str, FragmentDefinitionNode] = {}
    for d in document.definitions:
        if isinstance(d, OperationDefinitionNode):
            operations[d.name.value if d.name else None] = d
        elif isinstance(d, FragmentDefinitionNode):
            fragments[d.name.value] = d
    if len(operations) == 1:
        operations[None] = next(iter(operations.values()))
    return Checked(document, errors, operations, fragments)


def _coded(error: GraphQLError) -> GraphQLError:
    """graphql-core's validation errors are ``GRAPHQL_VALIDATION_FAILED`` (also those
    about variables: unused, undefined, of the wrong type)."""
    if error.extensions and "code" in error.extensions:
        return error
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"},
    )
