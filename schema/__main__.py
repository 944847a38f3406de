"""`python -m schema` writes the SDL to schema.graphql (a test fails when it drifts)."""

from __future__ import annotations

import sys
from pathlib import Path

from schema import build_schema
from schema.limits import DEFAULT_LIMITS

SDL_PATH = Path(__file__).resolve().parent.parent / "schema.graphql"


def sdl() -> str:
    return build_schema(DEFAULT_LIMITS).as_str() + "\n"


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(0 if SDL_PATH.read_text() == sdl() else 1)
    SDL_PATH.write_text(sdl())
    print(f"wrote {SDL_PATH}")
