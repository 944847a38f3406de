"""One search over actors, locations, sources and incidents, ranked, in one statement.

* Actors and locations: their names and aliases, matched as ``db.matching`` says
  (normalised equality scores 1; else trigram similarity, 0.9 times the similarity).
* Sources: full text (``english``, unaccented, stemmed) over the title and note. Titles
  are sentences, not names: trigram similarity against 1.3 million titles cost ~1 s a
  query on the benchmark database for nothing full text does not find, so it is not used.
* Incidents: full text over the summary and notes.

Full-text hits score ``0.5 + 0.4 * rank / (rank + 1)`` (``ts_rank`` normalisation 32),
so they sit between weak and strong name matches. To stay fast on common words, full
text ranks only the first ``FTS_CANDIDATES`` matches of each kind. Only records the
viewer may see are searched (aliases of visible actors and locations only).
"""

from __future__ import annotations

from dataclasses import dataclass

from db import matching
from db.core import Db, to_rows
from db.sql import Compiler
from db.viewer import Viewer

TYPES = ("ACTOR", "LOCATION", "SOURCE", "INCIDENT")
FTS_CANDIDATES = 2000
_FTS_SCORE = "(0.5 + 0.4 * ts_rank({vec}, {ts}, 32))"
_HEADLINE = '\'MaxWords=25, MinWords=8, MaxFragments=1, StartSel="", StopSel=""\''


@dataclass(frozen=True)
class SearchHit:
    type: str
    id: int
    field: str
    text: str
    score: float


def _incident_text(t: str) -> str:
    return f"sitrep_unaccent(coalesce({t}.summary, '') || ' ' || coalesce({t}.notes, ''))"


def _source_text(t: str) -> str:
    return f"sitrep_unaccent(coalesce({t}.title, '') || ' ' || coalesce({t}.note, ''))"


def _names(c: Compiler, kind: str, table: str, alias_table: str, fk: str, q: str) -> list[str]:
    t, x, o = c.alias("t"), c.alias("x"), c.alias("o")
    return [
        f"select '{kind}' as type, {t}.id, 'NAME' as field, {t}.name as text, "
        f"{matching.score(f'{t}.name', q)} as score from {table} {t} "
        f"where {c.visible(t)} and {matching.similar(f'{t}.name', q)}",
        f"select '{kind}', {x}.{fk}, 'ALIAS', {x}.alias, {matching.score(f'{x}.alias', q)} "
        f"from {alias_table} {x} join {table} {o} on {o}.id = {x}.{fk} "
        f"where {c.visible(o)} and {matching.similar(f'{x}.alias', q)}",
    ]


def _fts(c: Compiler, kind: str, table: str, text: str, ts: str, field: str) -> str:
    t, cand = c.alias("t"), c.alias("cand")
    vec = f"to_tsvector('english'::regconfig, {text.format(t=cand)})"
    candidates = (
        f"select {t}.* from {table} {t} where {c.visible(t)} "
        f"and to_tsvector('english'::regconfig, {text.format(t=t)}) @@ {ts} "
        f"limit {FTS_CANDIDATES}"
    )
    return (
        f"select '{kind}', {cand}.id, '{field}', '', {_FTS_SCORE.format(vec=vec, ts=ts)} "
        f"from ({candidates}) {cand}"
    )


def search_sql(c: Compiler, text: str, types: tuple[str, ...], limit: int) -> str:
    p = c(text)
    q = f"sitrep_norm({p}::text)"
    ts = f"websearch_to_tsquery('english'::regconfig, sitrep_unaccent({p}::text))"
    branches: list[str] = []
    if "ACTOR" in types:
        branches += _names(c, "ACTOR", "actor", "actor_alias", "actor_id", q)
    if "LOCATION" in types:
        branches += _names(c, "LOCATION", "location", "location_alias", "location_id", q)
    if "SOURCE" in types:
        branches.append(_fts(c, "SOURCE", "source", _source_text("{t}"), ts, "TEXT"))
    if "INCIDENT" in types:
        branches.append(_fts(c, "INCIDENT", "incident", _incident_text("{t}"), ts, "TEXT"))
    hits = " union all ".join(branches)
    # The best hit per record, the best records first; then say which field of a
    # full-text hit matched and quote it.
    i, s = c.alias("i"), c.alias("s")
    summary = f"to_tsvector('english'::regconfig, sitrep_unaccent({i}.summary)) @@ {ts}"
    title = f"to_tsvector('english'::regconfig, sitrep_unaccent(coalesce({s}.title, ''))) @@ {ts}"
    return (
        f"with best as (select distinct on (type, id) type, id, field, text, score "
        f"from ({hits}) h(type, id, field, text, score) "
        f"order by type, id, score desc, field <> 'NAME', field), "
        f"top as (select * from best order by score desc, type, id limit {c(limit)}) "
        f"select top.type, top.id, top.score::float8 as score, case "
        f"when top.field <> 'TEXT' then top.field "
        f"when top.type = 'INCIDENT' then case when {summary} then 'SUMMARY' else 'NOTES' end "
        f"else case when {title} then 'TITLE' else 'NOTE' end end as field, "
        f"case when top.field <> 'TEXT' then top.text "
        f"when top.type = 'INCIDENT' then ts_headline('english', case when {summary} "
        f"then {i}.summary else {i}.notes end, {ts}, {_HEADLINE}) "
        f"else coalesce(case when {title} then {s}.title else {s}.note end, '') end as text "
        f"from top left join incident {i} on top.type = 'INCIDENT' and {i}.id = top.id "
        f"left join source {s} on top.type = 'SOURCE' and {s}.id = top.id "
        f"order by top.score desc, top.type, top.id"
    )


async def search(
    db: Db, viewer: Viewer, text: str, types: tuple[str, ...], limit: int
) -> list[SearchHit]:
    assert set(types) <= set(TYPES)
    c = Compiler(viewer)
    sql = search_sql(c, text, types, limit)
    return to_rows(SearchHit, await db.fetch(sql, *c.params.args))
