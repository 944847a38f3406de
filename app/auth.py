"""Who is asking: the API key in ``Authorization: Bearer <key>`` → a ``Viewer``.

No header means anonymous (published records only), unless the deployment requires a
key for reads too (``SITREP_REQUIRE_KEY_FOR_READS``): then a missing key is refused with
401 ``UNAUTHENTICATED``. A malformed, unknown or revoked key is refused with 401
``INVALID_API_KEY``. Both carry the code in the JSON error body (``app.errors``), never a
GraphQL 500.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from app.errors import HttpError
from app.settings import Settings
from db import keys
from db.core import Db
from db.viewer import Viewer


class AuthError(HttpError):
    def __init__(self, message: str, code: str = "UNAUTHENTICATED", status: int = 401) -> None:
        challenge = {"WWW-Authenticate": 'Bearer realm="sitrep"'} if status == 401 else None
        super().__init__(status, message, code, headers=challenge)


async def viewer_for(request: HTTPConnection, db: Db, settings: Settings) -> Viewer:
    header = request.headers.get("authorization")
    if header is None and request.scope["type"] == "websocket":
        # Subscriptions give their key in ``connection_init`` (``app.push``).
        return Viewer()
    if header is None:
        # The GraphiQL page itself (a browser GET without a query) needs no key.
        ide = (
            request.scope["method"] == "GET"
            and request.url.path.rstrip("/").endswith("/graphql")
            and not {"query", "documentId", "extensions"} & set(request.query_params)
        )
        if settings.require_key_for_reads and not ide:
            raise AuthError("This server requires an API key: Authorization: Bearer <key>.")
        return Viewer()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(
            "Malformed Authorization header; expected `Bearer <key>`.", code="INVALID_API_KEY"
        )
    row = await keys.find_active(db, token.strip())
    if row is None:
        raise AuthError("Unknown or revoked API key.", code="INVALID_API_KEY")
    return Viewer.for_key(row.id, row.name, row.role)


async def viewer_for_key(header: str, db: Db) -> Viewer | None:
    """The viewer of a well-formed, active ``Bearer`` key; None for anything else (the
    resolvers' path then answers with ``viewer_for``'s 401)."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = await keys.find_active(db, token.strip())
    return None if row is None else Viewer.for_key(row.id, row.name, row.role)
