"""How deeply a JSON text nests, measured without parsing it.

Python's ``json`` recurses once per level and fails with a ``RecursionError`` near a
thousand levels, and graphql-core recurses over a deep value again; so request bodies,
query-string variables and export filters are refused past ``SITREP_MAX_JSON_DEPTH``
(400 ``JSON_TOO_DEEP``) before anything parses them. The scan runs in C (a regular
expression drops the strings, ``bytes.translate`` keeps the brackets, ``accumulate``
sums them): about 0.1 s for a 1 MB body made only of brackets (the worst case the body
limit lets through; measured on a busy machine), and a body with no more brackets than
the limit is passed after two ``bytes.count`` calls.
"""

from __future__ import annotations

import re
from itertools import accumulate

from app.errors import HttpError

_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_OPEN, _CLOSE = b"[{", b"]}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _OPEN + _CLOSE)
_DELTA = [1 if b in _OPEN else -1 if b in _CLOSE else 0 for b in range(256)]


def json_depth(data: str | bytes) -> int:
    """The deepest nesting of arrays and objects in ``data`` (0 for a scalar)."""
    raw = data.encode() if isinstance(data, str) else data
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DELTA.__getitem__, brackets)), default=0)


def too_deep(data: str | bytes, limit: int) -> bool:
    raw = data.encode() if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # cannot nest deeper than it has brackets
    return json_depth(raw) > limit


def json_too_deep(limit: int) -> HttpError:
    return HttpError(
        400, f"JSON nests deeper than {limit} levels.", "JSON_TOO_DEEP", maxDepth=limit
    )
