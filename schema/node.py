"""`node(id:)` / `nodes(ids:)`: fetch any object by its global ID, batched by type."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from schema.actor import Actor, ActorRelation
from schema.common import Node
from schema.context import Info
from schema.errors import BadUserInput
from schema.ids import from_global_id
from schema.incident import Incident
from schema.location import Deployment, Location
from schema.source import Source, Statement

# The GraphQL type of each entity of ``db.model.ENTITIES`` (a test holds the two
# together); each is read by its entity's loader (``Loaders.records``) and built with
# its ``from_row``.
NODE_TYPES = (Incident, Actor, ActorRelation, Location, Deployment, Source, Statement)
FROM_ROW: dict[str, Callable[[Any], Node]] = {t.__name__: t.from_row for t in NODE_TYPES}


async def load_node(info: Info, type_name: str, pk: int) -> Node | None:
    """The record as the viewer sees it (None: there is none, or it is hidden)."""
    row = await info.context.loaders.records[type_name].load(pk)
    return FROM_ROW[type_name](row) if row is not None else None


async def resolve_nodes(info: Info, ids: Sequence[str]) -> list[Node | None]:
    limit = info.context.settings.max_ids_per_lookup
    if len(ids) > limit:
        raise BadUserInput(f"At most {limit} ids per lookup.", field="ids", maxIds=limit)
    decoded = [from_global_id(i) for i in ids]
    return list(await asyncio.gather(*(load_node(info, t, pk) for t, pk in decoded)))
