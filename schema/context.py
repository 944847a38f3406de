"""The per-request context: database handle, viewer, limits and fresh DataLoaders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING

from strawberry.fastapi import BaseContext
from strawberry.types import Info as _Info

from db.core import Db
from db.viewer import Viewer
from schema.limits import Limits
from schema.loaders import Loaders

if TYPE_CHECKING:
    from schema.hub import Hub

# A subscription event brings its own loaders (fresh for its batch, shared by every
# subscriber at its visibility level): set per operation task while an event resolves.
EVENT_LOADERS: ContextVar[Loaders | None] = ContextVar("sitrep_event_loaders", default=None)


class Context(BaseContext):
    def __init__(self, db: Db, settings: Limits, viewer: Viewer | None = None) -> None:
        super().__init__()
        self.db = db
        self.settings = settings  # the app passes its Settings, which are Limits
        self.viewer = viewer or Viewer()
        self._loaders = Loaders(db, self.viewer)
        # Push delivery (set by the app when it runs one): the process's hub, and what to
        # do when a subscriber of this connection falls behind (close the WebSocket).
        self.hub: Hub | None = None
        self.on_overflow: Callable[[], None] = lambda: None
        # Non-public networks webhooks may reach (``SITREP_WEBHOOK_ALLOWED_NETWORKS``).
        self.webhook_networks: Sequence[str] = ()

    @property
    def loaders(self) -> Loaders:
        return EVENT_LOADERS.get() or self._loaders

    def set_viewer(self, viewer: Viewer) -> None:
        """The viewer of a WebSocket connection, known at ``connection_init``."""
        self.viewer = viewer
        self._loaders = Loaders(self.db, viewer)


Info = _Info[Context, None]
