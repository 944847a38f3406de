"""Security headers for the pages a browser opens (GraphiQL, /explore, /docs).

Every ``text/html`` response gets a Content-Security-Policy that the self-hosted assets
satisfy (scripts, styles, fonts and requests from this origin only; no ``eval``; fonts
and images also as ``data:`` URIs, which GraphiQL's stylesheet embeds), and may not be
framed. Styles allow ``'unsafe-inline'``: GraphiQL's dialogs (react-remove-scroll) and
Swagger UI add ``<style>`` elements at run time. Every other response passing through
FastAPI gets ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
NOSNIFF = (b"x-content-type-options", b"nosniff")
HTML_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    NOSNIFF,
]


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers to the response start, nothing buffered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                added = HTML_HEADERS if content_type.startswith(b"text/html") else [NOSNIFF]
                message = {**message, "headers": headers + added}
            await send(message)

        await self.app(scope, receive, send_with_headers)
