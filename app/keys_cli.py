"""`sitrep keys create|list|revoke`: manage API keys (the token is shown once)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from app.database import run_on_data

keys_cli = typer.Typer(help="API keys: create (shown once), list, revoke.")


class Role(StrEnum):
    reader = "reader"
    editor = "editor"
    admin = "admin"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise typer.BadParameter("must not be empty")
    return value.strip()


@keys_cli.command("create")
def keys_create(
    name: Annotated[
        str,
        typer.Option(help="Who or what the key is for (shown in history).", callback=_not_blank),
    ],
    role: Annotated[Role, typer.Option(help="reader, editor or admin.")] = Role.reader,
) -> None:
    """Create a key and print its token. The token is not stored and cannot be shown again."""
    from db.keys import create_key

    row, token = run_on_data(lambda db: create_key(db, name, role.value))
    typer.echo(f"key {row.id} ({row.role}) for {row.name!r} created. Token (shown once):")
    typer.echo(token)


@keys_cli.command("list")
def keys_list() -> None:
    """List keys (id, role, name, prefix, created, revoked)."""
    from db.keys import list_keys

    for row in run_on_data(list_keys):
        revoked = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
        typer.echo(
            f"{row.id:>5}  {row.role:6}  {row.prefix}…  {row.created_at:%Y-%m-%d}  "
            f"{revoked:24}  {row.name}"
        )


@keys_cli.command("revoke")
def keys_revoke(
    key_id: Annotated[int, typer.Argument(help="The key's id (see `keys list`).")],
) -> None:
    """Revoke a key: requests with it get 401 from now on."""
    from db.keys import revoke_key

    row = run_on_data(lambda db: revoke_key(db, key_id))
    if row is None:
        typer.echo(f"no key {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"key {row.id} ({row.name}) revoked")
