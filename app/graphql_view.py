"""The Strawberry view at /graphql (the resolvers' path), speaking GraphQL over HTTP as
``app/graphql_http.py`` describes: the negotiated media type, 400 for request errors
under ``application/graphql-response+json``, no ``data`` entry when nothing ran, errors
of the request itself as coded JSON (never Strawberry's text/plain), persisted
documents (``app/persisted.py``), field suggestions hidden when the settings say so, and
the request id on masked errors.
"""

from __future__ import annotations

import re
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from app import request_id
from app.explorer import ExplorerPage
from app.graphql_http import (
    GRAPHQL_RESPONSE,
    JSON,
    REQUEST_ERROR,
    HttpError,
    decode_body,
    decode_params,
    negotiate,
)
from app.graphql_router import SitrepGraphQLRouter
from app.json_depth import json_too_deep, too_deep
from app.persisted import Documents
from app.push import PushRouter

_SUGGESTION = re.compile(r" ?Did you mean .*\?$")
# Errors of an operation that started to run (its data is null, not absent).
_EXECUTION_CODES = {"TIMEOUT"}


class GraphQLView(ExplorerPage, PushRouter, SitrepGraphQLRouter):
    def __init__(
        self, *args: Any, documents: Documents, suggestions: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.documents = documents
        self.suggestions = suggestions

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if not isinstance(request, Request):
            return await super().run(request, context, root_value)
        media = negotiate(request.headers.get("accept")) or JSON
        try:
            response = await super().run(request, context, root_value)
        except (HttpError, HTTPException) as exc:
            error = _coded(exc, request.method)
            status = 400 if error.status == 200 and media == GRAPHQL_RESPONSE else error.status
            return Response(error.body(), status, error.headers, media_type=media)
        if isinstance(response, Response) and response.media_type == JSON:
            response.headers["content-type"] = media
            failed = request.scope.get(REQUEST_ERROR)
            if failed and media == GRAPHQL_RESPONSE and response.status_code == 200:
                response.status_code = 500 if failed == "INTERNAL_SERVER_ERROR" else 400
        return response

    def should_render_graphql_ide(self, request: Any) -> bool:
        """The page, for a browser's GET that names no document (not even by id)."""
        named = {"documentId", "extensions"} & set(request.query_params)
        return not named and super().should_render_graphql_ide(request)

    async def parse_http_body(self, request: Any) -> GraphQLRequestData:
        if request.method == "GET":
            if any(too_deep(v, self.max_json_depth) for v in request.query_params.values()):
                raise json_too_deep(self.max_json_depth)
            data = decode_params(request.query_params)
        elif request.content_type and request.content_type.startswith("multipart/"):
            return await super().parse_http_body(request)  # type: ignore[return-value]
        else:
            body = await request.get_body()
            if too_deep(body, self.max_json_depth):
                raise json_too_deep(self.max_json_depth)
            data = decode_body(body)
        parsed = self.documents.request(data)
        transport = self._get_stream_transport_from_headers(request.headers)
        return GraphQLRequestData(
            query=parsed.query,
            variables=parsed.variables,
            operation_name=parsed.operation_name,
            extensions=parsed.extensions,
            protocol=transport.protocol if transport else "http",
        )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        await super().process_result(request, result)  # DATABASE_UNAVAILABLE: a 503
        response = process_result(result)
        errors: list[dict[str, Any]] = response.get("errors") or []  # type: ignore[assignment]
        ran = {(e.get("extensions") or {}).get("code") for e in errors} & _EXECUTION_CODES
        if (
            result.data is None
            and errors
            and not ran
            and all(e.get("path") is None for e in errors)
        ):
            # A request error: nothing ran, so there is no data entry (the spec).
            response.pop("data", None)
            codes = {(e.get("extensions") or {}).get("code") for e in errors}
            request.scope[REQUEST_ERROR] = (
                "INTERNAL_SERVER_ERROR" if "INTERNAL_SERVER_ERROR" in codes else "REQUEST"
            )
        for error in errors:
            extensions = error.setdefault("extensions", {})
            if extensions.get("code") == "INTERNAL_SERVER_ERROR":
                extensions["requestId"] = request_id.current()
            if not self.suggestions:
                error["message"] = _SUGGESTION.sub("", error["message"])
        return response


def _coded(exc: HttpError | HTTPException, method: str) -> HttpError:
    """Strawberry's own refusals (text/plain in Strawberry) as coded errors."""
    if isinstance(exc, HttpError):
        return exc
    if isinstance(exc.__cause__, InvalidOperationTypeError) and method == "GET":
        return HttpError(
            405, "Mutations need POST.", "METHOD_NOT_ALLOWED", headers={"Allow": "POST"}
        )
    if exc.status_code == 404:
        return HttpError(404, "Not found.", "NOT_FOUND")
    return HttpError(exc.status_code, exc.reason, "BAD_REQUEST")
