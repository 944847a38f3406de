"""`POST /import/{format}` (admins): the CLI imports over HTTP, as a multipart upload.

Send the file as the form field ``file`` with ``Authorization: Bearer <admin key>``; the
response is the same report as the CLI's. The key, the role and the format are checked
before a byte of the body is read (the size limit, ``SITREP_MAX_UPLOAD_BYTES``, is
checked on ``Content-Length`` before that, by ``app.body_limit``), so an anonymous or
oversize upload is refused at once. The upload is then spooled by Starlette and read line
by line, so a large file is not held in memory. Every refusal is in the JSON error shape
of ``app.errors``; a request without the ``file`` field gets 400 ``BAD_USER_INPUT``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from app.auth import AuthError, viewer_for
from app.errors import HttpError
from app.settings import Settings
from db.imports.rows import InvalidFile
from db.imports.run import FORMATS
from db.imports.run import import_file as import_upload

_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            }
        },
    }
}


def import_router(get_db: Callable[[], Any], settings: Settings) -> APIRouter:
    router = APIRouter()

    # The file is not a parameter of the handler: FastAPI would read the whole body
    # before the handler could check the key.
    @router.post("/import/{fmt}", summary="Bulk import a file (admins)", openapi_extra=_FORM)
    async def import_file(fmt: str, request: Request) -> JSONResponse:
        db = get_db().for_request()
        viewer = await viewer_for(request, db, settings)
        if viewer.role is None:
            raise AuthError("Imports need an admin API key.")
        if not viewer.is_admin:
            raise AuthError("Imports need the admin role.", code="FORBIDDEN", status=403)
        if fmt not in FORMATS:
            raise HttpError(400, f"Unknown format {fmt!r}.", "BAD_USER_INPUT")
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise HttpError(400, "Send the file as multipart/form-data.", "BAD_USER_INPUT")
        try:
            async with request.form(max_files=1, max_fields=8) as form:
                file = form.get("file")
                if not isinstance(file, UploadFile):
                    raise HttpError(
                        400,
                        "The form field `file` (the file to import) is missing.",
                        "BAD_USER_INPUT",
                    )
                # A file that is not UTF-8 text or not the format is refused whole: a 400.
                report = await import_upload(db, fmt, file.file, viewer)
        except MultiPartException as exc:
            raise HttpError(400, f"Malformed upload: {exc.message}", "BAD_USER_INPUT") from exc
        except InvalidFile as exc:
            raise HttpError(400, str(exc), exc.code) from exc
        return JSONResponse(report.as_dict())

    return router
