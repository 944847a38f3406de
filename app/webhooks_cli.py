"""`sitrep webhooks create|list|delete|deliveries`: manage webhooks from the shell.

The commands run the same GraphQL mutations and queries as admins do over HTTP (the
same checks: http(s) only, no private addresses unless allowed, a 16-character secret),
as the CLI's admin viewer."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from app.database import run_on_data

webhooks_cli = typer.Typer(help="Webhooks: create, list, delete, show deliveries.")

CLI_VIEWER_NAME = "sitrep webhooks (CLI)"
WEBHOOK = "id url filter active createdBy createdAt"


def _run(query: str, variables: dict[str, Any]) -> dict[str, Any]:
    from app.settings import get_settings
    from db.core import ConnectionDb
    from db.viewer import Viewer
    from schema import build_schema
    from schema.context import Context

    settings = get_settings()

    async def work(db: ConnectionDb) -> dict[str, Any]:
        viewer = Viewer(can_see_drafts=True, role="admin", name=CLI_VIEWER_NAME)
        context = Context(db, settings, viewer)
        context.webhook_networks = settings.webhook_allowed_networks
        result = await build_schema(settings).execute(
            query, variable_values=variables, context_value=context
        )
        if result.errors:
            for error in result.errors:
                typer.echo(f"error: {error.message}", err=True)
            raise typer.Exit(2)
        assert result.data is not None
        return result.data

    return run_on_data(work)


@webhooks_cli.command("create")
def create(
    url: Annotated[str, typer.Argument(help="An http(s) URL.")],
    secret: Annotated[str, typer.Option(help="At least 16 characters; signs each POST.")],
    filter: Annotated[
        str | None,
        typer.Option(help='An IncidentFilter as JSON, e.g. \'{"weapon":{"in":["DRONE"]}}\'.'),
    ] = None,
) -> None:
    """Register a webhook for changes to matching incidents (from now on)."""
    try:
        f = json.loads(filter) if filter else None
    except json.JSONDecodeError as exc:
        typer.echo(f"error: --filter is not JSON: {exc}", err=True)
        raise typer.Exit(2) from exc
    data = _run(
        "mutation($url: String!, $secret: String!, $filter: IncidentFilter) { "
        "createWebhook(url: $url, secret: $secret, filter: $filter) { __typename "
        f"... on Webhook {{ {WEBHOOK} }} "
        "... on ValidationFailed { fields { path message } } } }",
        {"url": url, "secret": secret, "filter": f},
    )["createWebhook"]
    if data["__typename"] != "Webhook":
        for field in data["fields"]:
            typer.echo(f"error: {'.'.join(field['path'])}: {field['message']}", err=True)
        raise typer.Exit(2)
    typer.echo(f"webhook {data['id']} created for {data['url']}")


@webhooks_cli.command("list")
def list_() -> None:
    """List webhooks: id, URL, filter, who registered it."""
    for hook in _run(f"{{ webhooks {{ {WEBHOOK} }} }}", {})["webhooks"]:
        f = json.dumps(hook["filter"]) if hook["filter"] is not None else "all incidents"
        typer.echo(f"{hook['id']:>4}  {hook['url']}  {f}  by {hook['createdBy']}")


@webhooks_cli.command("delete")
def delete(webhook_id: Annotated[str, typer.Argument(help="The webhook's ID.")]) -> None:
    """Remove a webhook and its delivery log."""
    if not _run("mutation($id: ID!) { deleteWebhook(id: $id) }", {"id": webhook_id})[
        "deleteWebhook"
    ]:
        typer.echo(f"error: no webhook {webhook_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"webhook {webhook_id} deleted")


@webhooks_cli.command("deliveries")
def deliveries(
    webhook_id: Annotated[str, typer.Argument(help="The webhook's ID.")],
    first: Annotated[int, typer.Option(help="How many, newest first (max 100).")] = 20,
) -> None:
    """The webhook's latest deliveries: id, status, attempts, last error."""
    hooks = _run(
        "query($n: Int!) { webhooks { id deliveries(first: $n) { id cursor incidentId action "
        "status attempts lastStatusCode lastError } } }",
        {"n": first},
    )["webhooks"]
    hook = next((h for h in hooks if h["id"] == webhook_id), None)
    if hook is None:
        typer.echo(f"error: no webhook {webhook_id}", err=True)
        raise typer.Exit(1)
    for d in hook["deliveries"]:
        typer.echo(
            f"{d['id']:>6}  {d['status']:9}  {d['action']:9}  attempts {d['attempts']}  "
            f"{d['lastStatusCode'] or ''} {d['lastError'] or ''}".rstrip()
        )
