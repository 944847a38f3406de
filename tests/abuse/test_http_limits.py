"""Findings 5 (bodies) and 6 (uploads) of issue 10, over real HTTP against `sitrep serve`
with the default limits: a body over 1 MB is refused with 413 before it is read (on its
``Content-Length``) or cut off at the limit (chunked); JSON nested deeper than 64 levels
is refused with 400 ``JSON_TOO_DEEP`` whichever path would answer; an upload is refused
on its key and its length before a byte of its body is read."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.abuse.http_checks import assert_error, create_key
from tests.abuse.http_servers import read_response, send_head
from tests.conftest import FreshDatabase
from tests.servers import sitrep_serve

MB = 1024 * 1024
READER: list[str] = []  # a reader's key on the served database
TOO_DEEP = "JSON nests deeper than 64 levels."


@pytest.fixture(scope="module")
def served(fresh_database: FreshDatabase) -> Iterator[tuple[str, str]]:
    url = fresh_database("sitrep_limits")
    with sitrep_serve(url, {}, "--demo") as base:
        READER.append(create_key(url, "reader"))
        yield base, create_key(url, "admin")


def _error_of(sock_rest: bytes) -> dict[str, object]:
    body: dict[str, object] = json.loads(sock_rest)
    return body


def _too_large(limit: int) -> dict[str, object]:
    message = f"The request body is larger than {limit} bytes."
    return {
        "errors": [
            {"message": message, "extensions": {"code": "PAYLOAD_TOO_LARGE", "limit": limit}}
        ]
    }


def test_a_body_over_the_limit_is_refused_before_it_is_read(served: tuple[str, str]) -> None:
    base, _ = served
    headers = {"Content-Type": "application/json", "Content-Length": str(50 * MB)}
    started = time.monotonic()
    sock = send_head(base, "POST", "/graphql", headers)  # not one byte of the 50 MB
    status, got, rest = read_response(sock)
    sock.close()
    assert time.monotonic() - started < 5
    assert (status, got["content-type"], got["connection"]) == (413, "application/json", "close")
    assert _error_of(rest) == _too_large(MB)


def test_a_chunked_body_is_cut_off_at_the_limit(served: tuple[str, str]) -> None:
    base, _ = served
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    sock = send_head(base, "POST", "/graphql", headers)
    chunk = b"x" * 65536
    for _ in range(17):  # 1.06 MB, just over the limit
        sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
    status, _, rest = read_response(sock)
    sock.close()
    assert status == 413
    assert _error_of(rest) == _too_large(MB)


def _deep_body(depth: int) -> bytes:
    """A GraphQL request whose JSON nests ``depth`` levels (two are the body and its
    extensions, which the server ignores; in variables, input-depth limits would apply)."""
    arrays = depth - 2
    return b'{"query":"{ __typename }","extensions":{"a":' + b"[" * arrays + b"]" * arrays + b"}}"


@pytest.mark.parametrize("depth", [65, 900, 3000])
def test_json_nested_too_deep_is_400_on_both_paths(served: tuple[str, str], depth: int) -> None:
    base, admin = served
    # Anonymous POST: the planner's path (65 and 900 parse there; 3000 does not).
    posted = httpx.post(
        f"{base}/graphql",
        content=_deep_body(depth),
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert posted.json() == {
        "errors": [{"message": TOO_DEEP, "extensions": {"code": "JSON_TOO_DEEP", "maxDepth": 64}}]
    }
    assert posted.status_code == 400
    # GET: always the resolvers' path (variables in the query string).
    arrays = min(depth, 1000) - 1
    variables = '{"a":' + "[" * arrays + "]" * arrays + "}"
    got = httpx.get(
        f"{base}/graphql", params={"query": "{ __typename }", "variables": variables}, timeout=10
    )
    assert (got.status_code, got.json()) == (400, posted.json())
    # The export's filter.
    levels = min(depth, 1000) // 2  # each `and` is an object and a list
    deep = '{"and":[' * levels + "{}" + "]}" * levels
    export = httpx.get(f"{base}/export/incidents.geojson", params={"filter": deep}, timeout=10)
    assert_error(export, 400, "JSON_TOO_DEEP", "`filter` nests deeper than 64 levels.")
    # 64 levels are allowed.
    ok = httpx.post(
        f"{base}/graphql",
        content=_deep_body(64),
        headers={"content-type": "application/json", "authorization": f"Bearer {admin}"},
        timeout=10,
    )
    assert ok.json() == {
        "data": {"__typename": "Query"},
        "extensions": {"cost": {"requested": 1, "limit": 50000}},
    }


def _upload_head(
    base: str, size: int, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """The answer to the head of a multipart upload whose body is never sent."""
    headers = {
        "Content-Type": "multipart/form-data; boundary=b",
        "Content-Length": str(size),
        **headers,
    }
    started = time.monotonic()
    sock = send_head(base, "POST", "/import/acled", headers)
    answer = read_response(sock)
    sock.close()
    assert time.monotonic() - started < 5
    return answer


def test_an_anonymous_upload_within_the_limit_gets_its_401_unread(
    served: tuple[str, str],
) -> None:
    base, _ = served
    status, headers, rest = _upload_head(base, 150 * MB, {})
    assert (status, headers["connection"], headers["www-authenticate"]) == (
        401,
        "close",
        'Bearer realm="sitrep"',
    )
    assert _error_of(rest) == {
        "errors": [
            {"message": "Imports need an admin API key.", "extensions": {"code": "UNAUTHENTICATED"}}
        ]
    }


def test_an_oversize_upload_gets_413_at_once(served: tuple[str, str]) -> None:
    base, admin = served
    status, _, rest = _upload_head(base, 250 * MB, {"Authorization": f"Bearer {admin}"})
    assert status == 413
    assert _error_of(rest) == _too_large(200 * MB)


def test_import_without_a_file_is_a_coded_error(served: tuple[str, str]) -> None:
    base, admin = served
    response = httpx.post(
        f"{base}/import/acled",
        files={"other": ("a.csv", b"x", "text/csv")},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=10,
    )
    assert_error(
        response, 400, "BAD_USER_INPUT", "The form field `file` (the file to import) is missing."
    )


def test_a_multipart_graphql_upload_by_a_non_admin_gets_413_unread(
    served: tuple[str, str],
) -> None:
    """``importFile``, the only upload, is for admins: another key's multipart request
    has the ordinary body limit, checked on its Content-Length before the body is read
    (it was received whole, then refused)."""
    base, admin = served
    headers = {
        "Content-Type": "multipart/form-data; boundary=b",
        "Content-Length": str(150 * MB),
        "Authorization": f"Bearer {READER[0]}",
    }
    started = time.monotonic()
    sock = send_head(base, "POST", "/graphql", headers)
    status, got, rest = read_response(sock)
    sock.close()
    assert time.monotonic() - started < 5
    assert (status, got["connection"]) == (413, "close")
    assert _error_of(rest) == _too_large(MB)
    # An admin's is within the upload limit: the server waits for its body.
    sock = send_head(base, "POST", "/graphql", {**headers, "Authorization": f"Bearer {admin}"})
    sock.settimeout(1)
    with pytest.raises(TimeoutError):
        sock.recv(1)
    sock.close()
