"""Which errors say the database went away (``db.core.is_unavailable``): those fail over to
the primary (a replica) or answer ``DATABASE_UNAVAILABLE``; every other error is the
statement's own."""

from __future__ import annotations

import asyncpg
import pytest

from db.core import DatabaseUnavailable, is_unavailable, stuck

# asyncpg's words for a connection the server dropped mid-reply, lent out again before
# the socket's close arrived (seen when a replica stops: tests/scale/test_replicas.py)
STUCK = "cannot switch to state 12; another operation (2) is in progress"


@pytest.mark.parametrize(
    ("exc", "unavailable"),
    [
        (asyncpg.InternalClientError(STUCK), True),
        (
            asyncpg.InternalClientError("PoolConnectionHolder.release() called on a free holder"),
            False,
        ),
        (asyncpg.AdminShutdownError("terminating connection due to administrator command"), True),
        (
            asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
            True,
        ),
        (DatabaseUnavailable("gone"), True),
        (ConnectionRefusedError(111, "Connection refused"), True),
        (TimeoutError(), False),
        (asyncpg.QueryCanceledError("canceling statement due to statement timeout"), False),
        (asyncpg.UndefinedColumnError('column "x" does not exist'), False),
        (
            asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
            False,
        ),
        (asyncpg.InterfaceError("connection is closed"), True),
    ],
)
def test_errors_that_say_the_database_went_away(exc: BaseException, unavailable: bool) -> None:
    assert is_unavailable(exc) is unavailable
    assert stuck(exc) is (isinstance(exc, asyncpg.InternalClientError) and unavailable)
