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

# type name → (loader attribute, constructor)
_TYPES: dict[str, tuple[str, Callable[[Any], Node]]] = {
    "Incident": ("incident", Incident.from_row),
    "Actor": ("actor", Actor.from_row),
    "Location": ("location", Location.from_row),
    "Source": ("source", Source.from_row),
    "Statement": ("statement", Statement.from_row),
    "ActorRelation": ("relation", ActorRelation.from_row),
    "Deployment": ("deployment", Deployment.from_row),
}


async def resolve_nodes(info: Info, ids: Sequence[str]) -> list[Node | None]:
    limit = info.context.settings.max_ids_per_lookup
    if len(ids) > limit:
        raise BadUserInput(f"At most {limit} ids per lookup.", field="ids", maxIds=limit)
    decoded = [from_global_id(i) for i in ids]

    async def one(type_name: str, pk: int) -> Node | None:
        loader_name, make = _TYPES[type_name]
        row = await getattr(info.context.loaders, loader_name).load(pk)
        return make(row) if row is not None else None

    return list(await asyncio.gather(*(one(t, pk) for t, pk in decoded)))
