"""How names are matched: one normalisation and one fuzzy rule for filters and search.

``sitrep_norm`` (migration 0002) lower-cases, removes accents (``unaccent``), drops
apostrophes and dots and turns other punctuation into spaces, so ``Kata'ib Hizballah``,
``kataib hizballah`` and ``KATAIB-HIZBALLAH`` are one name. It is IMMUTABLE and indexed.

* **Exact** (name filters): the normalised input equals a normalised name or alias.
* **Similar** (``nameSimilarTo`` and ``search``): exact, or trigram similarity of the
  whole strings at least ``pg_trgm.similarity_threshold`` (0.3 by default; the ``%``
  operator), or the input's trigrams found in one word run of the name at least
  ``pg_trgm.word_similarity_threshold`` (0.6; the ``<%`` operator). Both operators use
  the GIN trigram indexes.

The score of a match is 1 for an exact one, else 0.9 times the larger of the two
similarities, so exact matches always rank first.
"""

from __future__ import annotations

from db.sql import Params


def norm(expr: str) -> str:
    return f"sitrep_norm({expr})"


def equal(column: str, q: str) -> str:
    """``column`` (SQL) equals the normalised placeholder ``q`` after normalisation.

    Written ``between q and q`` (the same rows): only the btree index on the normalised
    name answers that, in ~0.02 ms. An ``=`` is also answered by the trigram GiST index
    (kept for the nearest-name search), which PostgreSQL costs the same and which takes
    5-10 times longer for an exact name (0.1-0.2 ms on 3,000 actors)."""
    return f"{norm(column)} between {q} and {q}"


def similar(column: str, q: str) -> str:
    n = norm(column)
    return f"({n} = {q} or {n} % {q} or {q} <% {n})"


def score(column: str, q: str) -> str:
    n = norm(column)
    return (
        f"(case when {n} = {q} then 1.0 "
        f"else 0.9 * greatest(similarity({n}, {q}), word_similarity({q}, {n})) end)"
    )


def normalised(p: Params, text: str) -> str:
    """A placeholder holding the normalised ``text``, normalised by PostgreSQL."""
    return f"sitrep_norm({p(text)}::text)"


def name_or_alias_ids(
    p: Params, table: str, alias_table: str, fk: str, text: str, *, fuzzy: bool = False
) -> str:
    """Ids of rows of ``table`` whose name or any alias matches ``text``.

    ``table``/``alias_table``/``fk`` come from the callers' code, never from input.
    """
    q = normalised(p, text)
    test = similar if fuzzy else equal
    return (
        f"(select id from {table} where {test('name', q)} "
        f"union select {fk} from {alias_table} where {test('alias', q)})"
    )
