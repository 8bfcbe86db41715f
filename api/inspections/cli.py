"""`casetrace draw verify PLAN`: re-run a plan's draw from its published
document (docs/draw.md) and say whether it holds, or what differs (exit 1).

PLAN is the plan's number (CC-…) or id, read from this deployment's
database; with `--url`, the document is fetched from a deployment's public
endpoint instead, so anyone can check a draw without our database."""

from __future__ import annotations

import json
import urllib.request
from typing import Annotated, Any
from uuid import UUID

import typer

from domain.inspections import draw
from domain.inspections.plan import InspectionPlan, plan_id

DRAW = typer.Typer(name="draw", help="The publicly verifiable 双随机 draw.")


@DRAW.command("verify")
def verify(
    plan: Annotated[str, typer.Argument(help="the plan's number (CC-…) or id")],
    url: Annotated[
        str | None,
        typer.Option(help="a deployment's base URL: fetch its public draw document"),
    ] = None,
) -> None:
    """Re-run the draw from its published inputs; exit 1 if it does not hold."""
    document = _fetched(url, plan) if url else _stored(plan)
    if document["secret"] is None:
        typer.echo("not drawn yet: only the commitment is published")
        typer.echo(json.dumps(document["commitment"], ensure_ascii=False))
        raise typer.Exit(1)
    problems = draw.verify(document)
    if problems:
        for problem in problems:
            typer.echo(f"FAILED: {problem}")
        raise typer.Exit(1)
    typer.echo(f"verified: {document['snapshot']['plan']} ({draw.ALGORITHM})")
    for n, a in enumerate(document["result"], start=1):
        typer.echo(f"  {n:>3}. {a['uscc']}  {', '.join(a['inspectors'])}")
    for r in document["recusals"]:
        typer.echo(
            f"  recusal {r['sequence']}: {r['staff_no']} → {r['replacement']} at {r['uscc']}"
        )


def _id(plan: str) -> UUID:
    try:
        return UUID(plan)
    except ValueError:
        return plan_id(plan)


def _stored(plan: str) -> dict[str, Any]:
    from api.host.settings import Settings
    from api.host.storage import open_services
    from api.inspections import service

    services = open_services(Settings())
    try:
        found = service(services).find(InspectionPlan, _id(plan))
        if found is None or found.commitment is None:
            typer.echo(f"no published draw for plan {plan}", err=True)
            raise typer.Exit(2)
        return found.published()
    finally:
        services.close()


def _fetched(url: str, plan: str) -> dict[str, Any]:
    address = f"{url.rstrip('/')}/public/v1/inspections/plans/{_id(plan)}/draw"
    with urllib.request.urlopen(address, timeout=30) as response:  # noqa: S310 (an operator's URL)
        served: dict[str, Any] = json.loads(response.read())
    document: dict[str, Any] = served["document"]
    return document
