"""A local HTTP server (real HTTP on 127.0.0.1, a free port) that answers as ACLED's and
UCDP's APIs do, from records the test gives it:

- ``POST /oauth/token``: ACLED's OAuth password and refresh-token grants (form fields
  ``grant_type``, ``username``, ``password``, ``refresh_token``, ``client_id=acled``) →
  ``{"token_type": "Bearer", "expires_in", "access_token", "refresh_token"}``; a refused
  grant is HTTP 400 ``{"error": "invalid_grant"}``.
- ``GET /api/acled/read`` and ``/api/deleted/read`` (``_format=json``, ``page``,
  ``limit``, ``timestamp``/``deleted_timestamp`` with ``…_where``) → ``{"status": 200,
  "success": true, "last_update", "count", "messages": [], "data": […]}``; an unknown or
  expired bearer token is HTTP 401.
- ``GET /ucdp/gedevents/<version>?pagesize=&page=`` with ``x-ucdp-access-token`` →
  ``{"TotalCount", "TotalPages", "PreviousPageUrl", "NextPageUrl", "Result": […]}``
  (pages from 0; ``NextPageUrl`` empty on the last page).

Tests can expire the current access token, make a page fail (HTTP 500 on every try) or
hang (never answered, so the client can be killed while it waits), and read the log of
requests.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

USERNAME = "analyst@example.org"
PASSWORD = "correct horse battery staple"
UCDP_TOKEN = "ucdp-test-token"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class Replay:
    acled_events: list[dict[str, Any]] = field(default_factory=list)
    acled_deleted: list[dict[str, Any]] = field(default_factory=list)
    ucdp: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    expires_in: int = 86400
    log: list[Request] = field(default_factory=list)
    fail: set[tuple[str, int]] = field(default_factory=set)  # (path, page) → HTTP 500
    hold: set[tuple[str, int]] = field(default_factory=set)  # (path, page) → never answered
    valid_access: set[str] = field(default_factory=set)
    valid_refresh: set[str] = field(default_factory=set)
    issued: int = 0
    base: str = ""
    released: threading.Event = field(default_factory=threading.Event)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working (refresh tokens still do)."""
        self.valid_access.clear()

    def requests(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path == path]

    # --- answers -------------------------------------------------------------------

    def token(self, form: dict[str, str]) -> tuple[int, Any]:
        grant = form.get("grant_type")
        ok = form.get("client_id") == "acled" and (
            (
                grant == "password"
                and form.get("username") == USERNAME
                and form.get("password") == PASSWORD
            )
            or (grant == "refresh_token" and form.get("refresh_token") in self.valid_refresh)
        )
        if not ok:
            return 400, {"error": "invalid_grant", "error_description": "Invalid credentials."}
        if grant == "refresh_token":
            self.valid_refresh.discard(form["refresh_token"])
        self.issued += 1
        access, refresh = f"access-{self.issued}", f"refresh-{self.issued}"
        self.valid_access.add(access)
        self.valid_refresh.add(refresh)
        return 200, {
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "access_token": access,
            "refresh_token": refresh,
        }

    def acled(self, endpoint: str, q: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        bearer = headers.get("authorization", "")
        if not bearer.startswith("Bearer ") or bearer[7:] not in self.valid_access:
            return 401, {"message": "Access denied: invalid or expired token."}
        if q.get("_format", "json") != "json":
            return 400, {"status": 400, "success": False, "messages": ["json only here"]}
        rows, key = (
            (self.acled_events, "timestamp")
            if endpoint == "acled"
            else (self.acled_deleted, "deleted_timestamp")
        )
        if key in q:
            bound, op = int(q[key]), q.get(f"{key}_where", "=")
            test = {">=": bound.__le__, ">": bound.__lt__, "=": bound.__eq__}[op]
            rows = [r for r in rows if test(int(r[key]))]
        limit, page = int(q.get("limit", "5000")), int(q.get("page", "1"))
        chunk = rows[(page - 1) * limit : page * limit]
        return 200, {
            "status": 200,
            "success": True,
            "last_update": 17,
            "count": len(chunk),
            "messages": [],
            "data": chunk,
            "filename": f"{endpoint}_export",
        }

    def gedevents(
        self, version: str, q: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, Any]:
        if headers.get("x-ucdp-access-token") != UCDP_TOKEN:
            return 401, {"message": "A valid x-ucdp-access-token header is required."}
        if version not in self.ucdp:
            return 404, {"message": f"Unknown version {version}"}
        rows = self.ucdp[version]
        size, page = int(q.get("pagesize", "100")), int(q.get("page", "0"))
        pages = max(1, math.ceil(len(rows) / size))

        def url(n: int) -> str:
            return (
                f"{self.base}/ucdp/gedevents/{version}?{urlencode({'pagesize': size, 'page': n})}"
            )

        return 200, {
            "TotalCount": len(rows),
            "TotalPages": pages,
            "PreviousPageUrl": url(page - 1) if page > 0 else "",
            "NextPageUrl": url(page + 1) if page + 1 < pages else "",
            "Result": rows[page * size : (page + 1) * size],
        }


def _handler(replay: Replay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self, method: str) -> None:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            form: dict[str, str] = {}
            if method == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            replay.log.append(Request(method, url.path, query, form, headers))
            page = int(query.get("page", "0") or 0)
            if (url.path, page) in replay.fail:
                return self._answer(500, {"message": "Internal Server Error"})
            if (url.path, page) in replay.hold:
                replay.released.wait()  # until the test ends: the client hangs
                return None
            if method == "POST" and url.path == "/oauth/token":
                return self._answer(*replay.token(form))
            if method == "GET" and url.path in ("/api/acled/read", "/api/deleted/read"):
                return self._answer(*replay.acled(url.path.split("/")[2], query, headers))
            if method == "GET" and url.path.startswith("/ucdp/gedevents/"):
                version = url.path.rsplit("/", 1)[1]
                return self._answer(*replay.gedevents(version, query, headers))
            return self._answer(404, {"message": "not found"})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

    return Handler


@contextmanager
def serve(replay: Replay) -> Iterator[Replay]:
    """Serve ``replay`` on 127.0.0.1 (a port the OS picks) until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(replay))
    replay.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield replay
    finally:
        replay.released.set()
        server.shutdown()
        server.server_close()
        thread.join()
