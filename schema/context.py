"""The per-request context: database handle, viewer, settings and fresh DataLoaders."""

from __future__ import annotations

from strawberry.fastapi import BaseContext
from strawberry.types import Info as _Info

from app.settings import Settings
from db.core import Db
from db.viewer import Viewer
from schema.loaders import Loaders


class Context(BaseContext):
    def __init__(self, db: Db, settings: Settings, viewer: Viewer | None = None) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.viewer = viewer or Viewer()
        self.loaders = Loaders(db, self.viewer)


Info = _Info[Context, None]
