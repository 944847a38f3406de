"""Sitrep under uvicorn for the benchmark: one process, no access log, no reload.

Run with the project's Python from the project root: DATABASE_URL, PORT from the
environment (the same app that ``sitrep serve`` runs, without migrating).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, os.environ.get("SITREP_SRC") or str(Path(__file__).resolve().parent.parent))

import uvicorn

from app.main import create_app
from app.settings import get_settings

settings = get_settings()
app = create_app(settings, database_url=os.environ["DATABASE_URL"])
uvicorn.run(
    app,
    host="127.0.0.1",
    port=int(os.environ.get("PORT", "8021")),
    log_level="warning",
    access_log=False,
)
