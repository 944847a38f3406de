"""The token count made before parsing (``schema.documents.token_overflow``) agrees with
graphql-core's own ``max_tokens`` on the repository's documents, and refuses issue 10's
4,900 copies of a field with graphql-core's error, far faster than the parse."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from graphql import GraphQLError, parse

from schema.documents import _TOKEN, token_overflow

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted(
    p for p in [*ROOT.glob("bench/queries/**/*.graphql"), *ROOT.glob("tests/**/*.graphql")]
)


def _over_in_parse(query: str, limit: int) -> bool:
    try:
        parse(query, max_tokens=limit)
    except GraphQLError as exc:
        return "more than" in exc.message
    return False


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_count_agrees_with_graphql_core(path: Path) -> None:
    query = path.read_text()
    tokens = sum(1 for _ in _TOKEN.finditer(query))
    for limit in (tokens - 1, tokens):
        if limit < 1:
            continue
        assert (token_overflow(query, limit) is not None) == _over_in_parse(query, limit)


def test_copies_of_a_field_are_refused_with_graphql_core_s_error_without_parsing() -> None:
    copies = "{ " + "incidents(first: 1) { totalCount } " * 4900 + "}"
    started = time.perf_counter()
    counted = token_overflow(copies, 5000)
    count_s = time.perf_counter() - started
    started = time.perf_counter()
    with pytest.raises(GraphQLError) as parsed:
        parse(copies, max_tokens=5000)
    parse_s = time.perf_counter() - started
    assert counted is not None
    assert counted.formatted == parsed.value.formatted
    assert count_s < parse_s / 3
