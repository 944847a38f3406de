"""`sitrep actors alias add|import` and `sitrep actors merge`: the equivalences imports use.

Imports match actor names through the crosswalk shipped with Sitrep and then through
every actor's names and aliases; an alias added here makes a dataset's spelling resolve
to that actor from the next import on. `merge` is the command the import report prints
for a possible duplicate.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.database import run_on_data

if TYPE_CHECKING:
    from db.imports.aliases import AliasReport
    from db.viewer import Viewer

actors_cli = typer.Typer(help="Actor equivalences: aliases for imports, merges.")
alias_cli = typer.Typer(help="Aliases: dataset spellings that name a known actor.")
actors_cli.add_typer(alias_cli, name="alias")

CLI_VIEWER_NAME = "sitrep actors (CLI)"


def _viewer() -> Viewer:
    from db.viewer import Viewer

    return Viewer(can_see_drafts=True, role="admin", name=CLI_VIEWER_NAME)


def _done(report: AliasReport) -> None:
    typer.echo(f"added {report.added}, already known {report.unchanged}")
    for p in report.problems:
        typer.echo(f"  {p}", err=True)
    if report.problems:
        raise typer.Exit(1)


@alias_cli.command("add")
def alias_add(
    actor: Annotated[str, typer.Argument(help="The actor: its id, name or an alias.")],
    alias: Annotated[list[str], typer.Argument(help="One or more spellings to add.")],
) -> None:
    """Add spellings under which imports (and name filters) find an actor."""
    from db.imports.aliases import add_aliases

    pairs = [(1, actor, a) for a in alias]
    _done(run_on_data(lambda db: add_aliases(db, _viewer(), pairs)))


@alias_cli.command("import")
def alias_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: actor,alias")],
) -> None:
    """Add aliases from a CSV with the columns `actor` (id, name or alias) and `alias`."""
    from db.imports.aliases import add_aliases, alias_rows
    from db.imports.files import text_lines
    from db.imports.rows import InvalidFile

    try:
        with file.open("rb") as raw:
            pairs = alias_rows(text_lines(raw))
    except InvalidFile as exc:
        typer.echo(f"error: {file}: {exc}", err=True)
        raise typer.Exit(2) from None
    _done(run_on_data(lambda db: add_aliases(db, _viewer(), pairs)))


@actors_cli.command("merge")
def actors_merge(
    merged: Annotated[int, typer.Argument(help="The actor that goes away (its id).")],
    into: Annotated[int, typer.Option("--into", help="The actor that stays (its id).")],
) -> None:
    """Merge one actor into another: references move, its names become aliases, and its
    id keeps resolving to the survivor."""
    from db.imports.aliases import merge_actors
    from db.writes.core import WriteError

    try:
        run_on_data(lambda db: merge_actors(db, _viewer(), merged, into))
    except WriteError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"actor {merged} merged into {into}")
