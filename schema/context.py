"""The per-request context: database handle, viewer, limits and fresh DataLoaders."""

from __future__ import annotations

from strawberry.fastapi import BaseContext
from strawberry.types import Info as _Info

from db.core import Db
from db.viewer import Viewer
from schema.limits import Limits
from schema.loaders import Loaders


class Context(BaseContext):
    def __init__(self, db: Db, settings: Limits, viewer: Viewer | None = None) -> None:
        super().__init__()
        self.db = db
        self.settings = settings  # the app passes its Settings, which are Limits
        self.viewer = viewer or Viewer()
        self.loaders = Loaders(db, self.viewer)


Info = _Info[Context, None]
