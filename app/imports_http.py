"""`POST /import/{format}` (admins): the CLI imports over HTTP, as a multipart upload.

Send the file as the form field ``file`` with ``Authorization: Bearer <admin key>``; the
response is the same report as the CLI's. The upload is spooled by Starlette and read
line by line, so a large file is not held in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import JSONResponse

from app.auth import AuthError, viewer_for
from app.settings import Settings
from db.imports.rows import InvalidFile
from db.imports.run import FORMATS
from db.imports.run import import_file as import_upload


def import_router(get_db: Callable[[], Any], settings: Settings) -> APIRouter:
    router = APIRouter()

    @router.post("/import/{fmt}", summary="Bulk import a file (admins)")
    async def import_file(
        fmt: str, request: Request, file: Annotated[UploadFile, File()]
    ) -> JSONResponse:
        db = get_db().for_request()
        viewer = await viewer_for(request, db, settings)
        if viewer.role is None:
            raise AuthError("Imports need an admin API key.")
        if not viewer.is_admin:
            raise AuthError("Imports need the admin role.", code="FORBIDDEN", status=403)
        if fmt not in FORMATS:
            return JSONResponse(
                {
                    "errors": [
                        {
                            "message": f"Unknown format {fmt!r}.",
                            "extensions": {"code": "BAD_USER_INPUT"},
                        }
                    ]
                },
                status_code=400,
            )
        if file.size is not None and file.size > settings.max_upload_bytes:
            return JSONResponse(
                {
                    "errors": [
                        {"message": "File too large.", "extensions": {"code": "PAYLOAD_TOO_LARGE"}}
                    ]
                },
                status_code=413,
            )
        # import-fidelity: a file that is not UTF-8 text or not the format is a 400
        try:
            report = await import_upload(db, fmt, file.file, viewer)
        except InvalidFile as exc:
            return JSONResponse(
                {"errors": [{"message": str(exc), "extensions": {"code": exc.code}}]},
                status_code=400,
            )
        return JSONResponse(report.as_dict())

    return router
