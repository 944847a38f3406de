"""Which changed incidents match which subscriptions' filters, decided in SQL.

``matching`` answers for many (viewer, filter) groups and many changed incidents in one
statement: each group is one ``select`` of the changed ids that pass the viewer's
visibility (``Compiler.visible`` via the model) and the group's filter (``db.filters``),
the parts joined by ``union all``. Subscriptions sharing a filter and visibility level
share a group, so a change costs one statement however many subscribers there are.
"""

from __future__ import annotations

from collections.abc import Sequence

from db.core import Db
from db.filters import IncidentFilter
from db.model import ENTITIES
from db.sql import Compiler, Params
from db.viewer import Viewer

# Groups per statement: keeps one statement's text and parameters bounded.
GROUPS_PER_STATEMENT = 200


async def matching(
    db: Db, groups: Sequence[tuple[Viewer, IncidentFilter | None]], ids: Sequence[int]
) -> list[set[int]]:
    """For each group, the ids among ``ids`` of incidents the group's viewer may see and
    its filter matches now."""
    out: list[set[int]] = [set() for _ in groups]
    if not ids or not groups:
        return out
    entity = ENTITIES["Incident"]
    assert entity.where is not None
    for start in range(0, len(groups), GROUPS_PER_STATEMENT):
        params = Params()
        wanted = params(list(ids))
        parts = []
        for n, (viewer, f) in enumerate(groups[start : start + GROUPS_PER_STATEMENT]):
            c = Compiler(viewer, params)
            where = entity.where(f, c, "i") if f is not None else "true"
            parts.append(
                f"select {start + n} as g, i.id from {entity.table} i "
                f"where i.id = any({wanted}::bigint[]) and {entity.visible(c, 'i')} and {where}"
            )
        for row in await db.fetch(" union all ".join(parts), *params.args):
            out[row["g"]].add(row["id"])
    return out
