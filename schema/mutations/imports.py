"""`importFile`: the CLI imports as a GraphQL mutation (multipart upload, admins)."""

from __future__ import annotations

import io
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.file_uploads import Upload

from db.imports.rows import InvalidFile
from db.imports.run import import_file
from schema.context import Info
from schema.errors import SitrepError
from schema.mutations.common import require


@strawberry.enum(description="Bulk import formats.")
class ImportFormat(Enum):
    ACLED = strawberry.enum_value("acled", description="ACLED CSV export (31 columns).")
    UCDP = strawberry.enum_value("ucdp", description="UCDP GED CSV.")
    JSON = strawberry.enum_value("json", description="Sitrep JSON Lines export (lossless).")


@strawberry.type(description="A row that was not imported.")
class ImportRejection:
    line: int = strawberry.field(description="Line number in the file (1 = the header).")
    reason: str = strawberry.field(description="Why it was rejected.")


@strawberry.type(
    description="A new actor whose name is close to a known one's: not merged; the command "
    "merges it if it is the same."
)
class PossibleDuplicate:
    name: str = strawberry.field(description="The new actor's name.")
    candidate: str = strawberry.field(description="The known actor it resembles.")
    similarity: float = strawberry.field(description="Trigram similarity of the names, 0-1.")
    merge: str = strawberry.field(description="The command that merges the two.")


@strawberry.type(description="What an import did.")
class ImportReport:
    created: int = strawberry.field(description="Records created.")
    updated: int = strawberry.field(description="Records updated (a newer version).")
    unchanged: int = strawberry.field(description="Rows already imported, left as they are.")
    rejected: int = strawberry.field(description="Rows rejected.")
    rejections: list[ImportRejection] = strawberry.field(
        description="The rejected rows (at most 1000), by line."
    )
    possible_duplicates: list[PossibleDuplicate] = strawberry.field(
        description="New actors whose names resemble known ones (trigram similarity)."
    )


@strawberry.type(description="Bulk import.")
class ImportMutations:
    @strawberry.mutation(
        description="Import an uploaded file (GraphQL multipart request; admins). Streamed "
        "and committed in batches; returns the same report as `sitrep import`."
    )
    async def import_file(
        self,
        info: Info,
        format: Annotated[ImportFormat, strawberry.argument(description="The file's format.")],
        file: Annotated[Upload, strawberry.argument(description="The file (multipart).")],
    ) -> ImportReport:
        require(info, "admin")
        ctx = info.context
        raw: Any = file
        stream = raw.file if hasattr(raw, "file") else io.BytesIO(bytes(raw))
        try:
            report = await import_file(ctx.db, str(format.value), stream, ctx.viewer)
        except InvalidFile as exc:
            raise SitrepError(str(exc), code=exc.code) from None
        d = report.as_dict()
        return ImportReport(
            created=d["created"],
            updated=d["updated"],
            unchanged=d["unchanged"],
            rejected=d["rejected"],
            rejections=[
                ImportRejection(line=r["line"], reason=r["reason"]) for r in d["rejections"]
            ],
            possible_duplicates=[
                PossibleDuplicate(
                    name=x["name"],
                    candidate=x["candidate"],
                    similarity=x["similarity"],
                    merge=x["merge"],
                )
                for x in d["possibleDuplicates"]
            ],
        )
