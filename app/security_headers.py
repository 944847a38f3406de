"""Security headers for the pages a browser opens (GraphiQL, /explore, /docs).

Every ``text/html`` response gets a Content-Security-Policy that the self-hosted assets
satisfy: scripts, styles, fonts and requests from this origin only, no ``eval`` and no
inline script; fonts and images also as ``data:`` URIs, which GraphiQL's stylesheet
embeds. No page may be framed. GraphiQL's page alone also allows inline styles
(``GRAPHIQL_POLICY``, sent by its handler): its dialogs (react-remove-scroll) add
``<style>`` elements at run time. Every response passing through FastAPI gets
``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _policy(style_src: str) -> str:
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            f"style-src {style_src}",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = _policy("'self'")
GRAPHIQL_POLICY = _policy("'self' 'unsafe-inline'")
CSP = b"content-security-policy"
NOSNIFF = (b"x-content-type-options", b"nosniff")
HTML_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    NOSNIFF,
]


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers to the response start, nothing buffered. A
    page that sets its own Content-Security-Policy keeps it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    if CSP not in names:
                        headers.append((CSP, CONTENT_SECURITY_POLICY.encode()))
                    headers += HTML_HEADERS
                else:
                    headers.append(NOSNIFF)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
