"""Strawberry's FastAPI router with Sitrep's request checks and error shape.

* JSON (a body, the ``variables``/``extensions`` query parameters, a multipart
  request's ``operations``) nested deeper than ``SITREP_MAX_JSON_DEPTH`` is refused
  with 400 ``JSON_TOO_DEEP`` before it is parsed; JSON that does not parse gets 400
  ``INVALID_JSON`` (both in the JSON error shape of ``app.errors``).
* A result with a ``DATABASE_UNAVAILABLE`` error (the database went away during the
  operation) is answered with 503 and ``Retry-After`` instead of a 200.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from app.errors import HttpError
from app.json_depth import json_too_deep, too_deep
from db.core import DatabaseUnavailable


class SitrepGraphQLRouter(GraphQLRouter[Any, None]):
    def __init__(self, *args: Any, max_json_depth: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_json_depth = max_json_depth

    def decode_json(self, data: str | bytes) -> object:
        if too_deep(data, self.max_json_depth):
            raise json_too_deep(self.max_json_depth)
        return json.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return self.decode_json(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HttpError(400, f"The request is not valid JSON: {exc}", "INVALID_JSON") from exc

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if any(
            (e.extensions or {}).get("code") == "DATABASE_UNAVAILABLE" for e in result.errors or ()
        ):
            raise DatabaseUnavailable("during the operation")
        return await super().process_result(request, result)
