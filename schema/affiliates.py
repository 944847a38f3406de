"""`Actor.affiliates`: actors reached through relations, with depth and path."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db.affiliates import MAX_DEPTH, AffiliateQuery, AffiliateRow
from db.filters import AFFILIATION_KINDS
from schema.context import Info
from schema.enums import RelationKind, value
from schema.errors import BadUserInput

if TYPE_CHECKING:
    from schema.actor import Actor, ActorRelation

ActorT = Annotated["Actor", strawberry.lazy("schema.actor")]
RelationT = Annotated["ActorRelation", strawberry.lazy("schema.actor")]


@strawberry.enum(description="Which way `affiliates` follows relations.")
class AffiliateDirection(Enum):
    MEMBERS = strawberry.enum_value(
        "MEMBERS",
        description="Into the actor: its members, parts and front groups "
        "(X MEMBER_OF / PART_OF / FRONT_FOR this actor), and theirs.",
    )
    PARENTS = strawberry.enum_value(
        "PARENTS", description="Out of the actor: what it is a member, part or front of."
    )
    BOTH = strawberry.enum_value("BOTH", description="Either way.")


@strawberry.type(description="An actor reached from another through relations.")
class Affiliate:
    depth: int = strawberry.field(description="Relations between them on a shortest path.")
    row: strawberry.Private[AffiliateRow]

    @strawberry.field(description="The affiliated actor.")
    async def actor(self, info: Info) -> ActorT | None:
        return await _actor(info, self.row.actor_id)

    @strawberry.field(description="The actor just before it on the path.")
    async def via(self, info: Info) -> ActorT | None:
        return await _actor(info, self.row.via_actor_id)

    @strawberry.field(description="The relations of the path, from the starting actor on.")
    async def path(self, info: Info) -> list[RelationT]:
        from schema.actor import ActorRelation

        rows = await info.context.loaders.relation.load_many(self.row.relation_ids)
        return [ActorRelation.from_row(r) for r in rows if r is not None]


async def _actor(info: Info, pk: int) -> Any:
    from schema.actor import Actor

    found = await info.context.loaders.actor.load(pk)
    return Actor.from_row(found) if found else None


def affiliates_field() -> Any:
    async def resolve(
        root: Any,
        info: Info,
        relation: Annotated[
            list[RelationKind] | None,
            strawberry.argument(
                description="Relation kinds to follow; default MEMBER_OF, PART_OF, FRONT_FOR."
            ),
        ] = None,
        depth: Annotated[
            int, strawberry.argument(description=f"How many relations deep, 1..{MAX_DEPTH}.")
        ] = 3,
        direction: Annotated[
            AffiliateDirection, strawberry.argument(description="Which way to follow them.")
        ] = AffiliateDirection.MEMBERS,
        on: Annotated[
            dt.date | None,
            strawberry.argument(
                description="Follow only relations valid on this date (default: all)."
            ),
        ] = None,
    ) -> list[Affiliate]:
        if not 1 <= depth <= MAX_DEPTH:
            raise BadUserInput(f"`depth` must be 1..{MAX_DEPTH}.", field="depth")
        if relation is not None and not relation:
            raise BadUserInput("`relation` must not be empty.", field="relation")
        kinds = tuple(sorted({value(k) for k in relation})) if relation else AFFILIATION_KINDS
        q = AffiliateQuery(kinds, depth, value(direction), on)
        rows = await info.context.loaders.affiliates.load((q, root.pk))
        return [Affiliate(depth=r.depth, row=r) for r in rows]

    return strawberry.field(
        resolver=resolve,
        description="Actors linked to this one through chains of relations (by default "
        "its members, parts and front groups, transitively), each once at its shortest "
        "depth; cycles are safe.",
    )
