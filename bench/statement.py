"""The planner's own statement for each request body, to run alone through asyncpg.

Run with the project's Python (it imports Sitrep): reads a JSON list of request body
files on stdin, prints a JSON list of ``{"sql", "args", "generic"}``, one per body, as an
anonymous request on the fast path would run them. bench.py feeds them to floor.py, so
``Sitrep p50 ÷ statement p50`` is what Sitrep adds to its own SQL.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.fastpath import FastPath
from app.graphql_http import decode_body
from app.persisted import Documents
from app.settings import Settings
from db.viewer import Viewer
from schema import build_schema


def main() -> None:
    settings = Settings()
    documents = Documents({}, persisted_only=False, apq_bytes=1 << 20)
    fast = FastPath(None, build_schema(settings), settings, lambda generic: None, documents)  # type: ignore[arg-type]
    out = []
    for path in json.loads(sys.stdin.read()):
        request = documents.request(decode_body(Path(path).read_bytes()))
        statement, _ = fast.statement(request, Viewer())
        out.append({"sql": statement.sql, "args": statement.args, "generic": statement.generic})
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
