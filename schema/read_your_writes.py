"""Mutations on the primary, and the WAL position a client echoes to read its writes.

A mutation's whole request (its reads too) runs on the primary. After it, the response
carries the primary's WAL position, at or past the mutation's commit, in the header
``X-Sitrep-LSN`` and in ``extensions.lsn``; a client that sends the header back reads
from a replica only once that replica has replayed it (``db/replicas.py``). Only where
the request's handle routes reads (``RoutedDb``: the server's pools, not a test's one
connection).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from db.replicas import RoutedDb

HEADER = "X-Sitrep-LSN"


class ReadYourWrites(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        db = getattr(ctx.context, "db", None)
        self.db = db if isinstance(db, RoutedDb) else None
        self.wrote = False
        if self.db is not None and ctx.operation_type is OperationType.MUTATION:
            self.db.use_primary()
            self.wrote = True
        yield

    async def get_results(self) -> dict[str, Any]:
        if not getattr(self, "wrote", False) or self.db is None:
            return {}
        lsn = await self.db.replicas.primary_lsn()
        response = getattr(self.execution_context.context, "response", None)
        if response is not None:
            response.headers[HEADER] = lsn
        return {"lsn": lsn}
