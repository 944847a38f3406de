"""Persisted documents: trusted documents (an allow-list) and automatic persisted queries.

A request names the document it runs in one of three ways (``Documents.query``):

* ``query``: the text itself;
* ``documentId``: the id of a registered document (``sha256:<hex>`` or a manifest's own
  id), in the JSON body or the GET query string;
* ``extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex>"}`` (Apollo's
  automatic persisted queries): without ``query`` the hash is looked up, and a miss is
  answered with ``PERSISTED_QUERY_NOT_FOUND`` so the client sends the text with the hash
  once, which registers it (the hash is checked against the text).

Registered documents come from ``SITREP_PERSISTED_DOCUMENTS``: a directory of ``.graphql``
files (each registered under the sha256 of its text) or a JSON manifest mapping ids to
texts (Relay's ``persisted-queries.json`` and GraphQL Codegen's
``persisted-documents.json`` have that shape). With ``SITREP_PERSISTED_ONLY=true``
(allow-list mode) only registered documents run: a text whose sha256 is registered runs,
any other text is refused with 403 ``QUERY_NOT_IN_SAFELIST``, and automatic registration
is off. The automatic store is in memory, per process, and bounded by
``SITREP_APQ_CACHE_BYTES`` (least recently used documents go first).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

from app.graphql_http import GraphQLRequest, HttpError, checked, malformed

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
APQ_NOT_FOUND = "PersistedQueryNotFound"  # Apollo clients match this message too


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class PersistedNotFound(HttpError):
    """An automatic persisted query's hash is not known (yet): the client retries with the
    text. A request error like any other (200 under ``application/json``)."""

    def __init__(self) -> None:
        super().__init__(200, APQ_NOT_FOUND, "PERSISTED_QUERY_NOT_FOUND")


class ByteLru:
    """Texts by key, least recently used first out once their total size passes
    ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[str, str] = OrderedDict()

    def get(self, key: str) -> str | None:
        found = self.items.get(key)
        if found is not None:
            self.items.move_to_end(key)
        return found

    def put(self, key: str, text: str) -> None:
        cost = len(text.encode())
        if cost > self.limit or key in self.items:
            return
        self.items[key] = text
        self.size += cost
        while self.size > self.limit:
            _, old = self.items.popitem(last=False)
            self.size -= len(old.encode())


def load_documents(path: Path) -> dict[str, str]:
    """Registered documents by id from a directory of ``.graphql`` files or a JSON
    manifest (``{id: text}``, or a list of ``{"id", "body"|"query"|"text"}``)."""
    if path.is_dir():
        files = sorted(path.rglob("*.graphql"))
        return {sha256(text): text for text in (f.read_text(encoding="utf-8") for f in files)}
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(manifest, dict):
        documents = manifest.get("documents", manifest)
        if isinstance(documents, dict) and all(isinstance(v, str) for v in documents.values()):
            return dict(documents)
        manifest = documents
    if isinstance(manifest, list):
        found: dict[str, str] = {}
        for item in manifest:
            text = item.get("body") or item.get("query") or item.get("text")
            if not isinstance(item.get("id"), str) or not isinstance(text, str):
                break
            found[item["id"]] = text
        else:
            return found
    raise ValueError(f"{path}: not a persisted-documents manifest (expected {{id: text}})")


class Documents:
    """The registered and automatically persisted documents of one server process."""

    def __init__(self, registered: dict[str, str], *, persisted_only: bool, apq_bytes: int) -> None:
        self.registered = {_bare(k): v for k, v in registered.items()}
        self.by_hash = {sha256(text): text for text in registered.values()}
        self.persisted_only = persisted_only
        self.automatic = ByteLru(apq_bytes)

    def lookup(self, document_id: str) -> str | None:
        key = _bare(document_id)
        found = self.registered.get(key) or self.by_hash.get(key)
        if found is None and not self.persisted_only:
            found = self.automatic.get(key)
        return found

    def request(self, data: dict[str, Any]) -> GraphQLRequest:
        """A decoded request with its document resolved and its fields checked."""
        return checked(data, self.query(data))

    def query(self, request: dict[str, Any]) -> str | None:
        """The text of the document a request runs (None when it names none); raises
        ``HttpError`` for an unknown id, a hash that does not match, or a text the
        allow-list refuses."""
        query = request.get("query")
        document_id = request.get("documentId")
        extensions = request.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if document_id is not None:
            if not isinstance(document_id, str) or query is not None:
                raise malformed("`documentId` must be a string, sent without `query`.")
            text = self.lookup(document_id)
            if text is None:
                raise HttpError(
                    404, f"No document with id {document_id!r}.", "PERSISTED_QUERY_NOT_FOUND"
                )
            return text
        if persisted is not None:
            return self._automatic(query, persisted)
        if isinstance(query, str) and self.persisted_only and sha256(query) not in self.by_hash:
            raise _not_allowed()
        if not isinstance(query, str | None):
            raise _invalid_query()
        return query

    def _automatic(self, query: object, persisted: object) -> str:
        if (
            not isinstance(persisted, dict)
            or persisted.get("version") != 1
            or not isinstance(persisted.get("sha256Hash"), str)
            or not _SHA256.match(persisted["sha256Hash"])
        ):
            raise malformed(
                '`extensions.persistedQuery` must be {"version": 1, "sha256Hash": '
                "<64 lowercase hex digits>}."
            )
        digest = persisted["sha256Hash"]
        if query is None:
            text = self.lookup(digest)
            if text is None:
                raise PersistedNotFound()
            return text
        if not isinstance(query, str):
            raise _invalid_query()
        if sha256(query) != digest:
            raise HttpError(
                400, "`sha256Hash` is not the SHA-256 of `query`.", "PERSISTED_QUERY_HASH_MISMATCH"
            )
        if self.persisted_only:
            if digest not in self.by_hash:
                raise _not_allowed()
        else:
            self.automatic.put(digest, query)
        return query


def _bare(document_id: str) -> str:
    return document_id.removeprefix("sha256:")


def _not_allowed() -> HttpError:
    return HttpError(
        403,
        "This server runs registered documents only: send a `documentId`.",
        "QUERY_NOT_IN_SAFELIST",
    )


def _invalid_query() -> HttpError:
    return malformed("`query` must be a string or null.")
