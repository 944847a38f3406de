"""The root Mutation, composed of one class per domain (as the root Query is read)."""

from __future__ import annotations

import strawberry

from schema.mutations.actor import ActorMutations
from schema.mutations.imports import ImportMutations
from schema.mutations.incident import IncidentMutations
from schema.mutations.location import LocationMutations
from schema.mutations.source import SourceMutations
from schema.webhooks import WebhookMutations


@strawberry.type(
    description="Change the incident graph. Needs an API key: editors create and change "
    "records, admins also retract, merge and import. Each mutation is one transaction and "
    "returns the changed object or a typed error (ValidationFailed, VersionConflict, "
    "NotFound)."
)
class Mutation(
    IncidentMutations,
    ActorMutations,
    LocationMutations,
    SourceMutations,
    ImportMutations,
    WebhookMutations,
):
    pass
