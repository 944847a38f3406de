"""CORS for browsers on the origins in ``SITREP_CORS_ORIGINS`` (Starlette's middleware,
outside the fast path so planned answers carry the headers too). A refused preflight is
a 400 with a JSON body and code ``CORS_REJECTED``; an accepted one is a 204."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from app.asgi import ASGIApp
from app.graphql_http import error_body


class Cors(CORSMiddleware):
    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Accept",
                "If-None-Match",
                "X-Request-Id",
            ],
            expose_headers=["ETag", "X-Request-Id", "Retry-After"],
            max_age=600,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        answer = super().preflight_response(request_headers)
        skip = {"content-length", "content-type"}
        headers = {k: v for k, v in answer.headers.items() if k not in skip}
        if answer.status_code != 200:
            message = bytes(answer.body).decode() + "."
            return Response(
                error_body(message, "CORS_REJECTED"), 400, headers, media_type="application/json"
            )
        return Response(status_code=204, headers=headers)
