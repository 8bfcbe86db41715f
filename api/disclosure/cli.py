"""`casetrace export credit` (the weekly upload to the credit system) and
`casetrace follow` (other deployments' disclosures, the national view)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.host.settings import Settings

COMMANDS = typer.Typer()  # no name: `follow` is a top-level command
export = typer.Typer(name="export", help="Exports to other systems.")
COMMANDS.add_typer(export, name="export")

CREDIT_DIR = Path("exports") / "credit"


@export.command("credit")
def credit(
    week: Annotated[
        str | None,
        typer.Option(help="ISO week, e.g. 2026-W48 (default: this week)"),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="directory to write to (default: DATA_DIR/exports/credit)"),
    ] = None,
) -> None:
    """Write a week's licensing and penalty decisions for the credit system
    (CSV with BOM and JSON, 双公示 field names), recording the upload once."""
    import psycopg

    from api.disclosure import service
    from api.disclosure.credit import export_week
    from api.host.cli import console_operator
    from api.host.storage import open_services
    from domain.disclosure.credit import iso_week
    from domain.shared.errors import DomainError

    settings = Settings.from_env()
    services = open_services(settings)
    try:
        disclosure = service(services)
        target = out or settings.data_dir / CREDIT_DIR
        with psycopg.connect(services.url) as conn:
            made = export_week(
                disclosure,
                conn,
                week or iso_week(disclosure.today()),
                target,
                console_operator().because("每周五向信用信息平台报送双公示信息"),
            )
    except DomainError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        services.close()
    state = "recorded" if made.recorded else "written again from the record of"
    typer.echo(
        f"{state} {made.week}: feed items {made.first_item}…{made.stop_item - 1}"
    )
    for sent in made.files:
        typer.echo(f"  {target / sent.name}  {sent.rows} rows  sha256 {sent.sha256}")


@COMMANDS.command("follow")
def follow(
    urls: Annotated[
        list[str],
        typer.Argument(
            help="other deployments' feed heads, e.g."
            " https://city.example/public/v1/disclosures/feed.atom"
        ),
    ],
    once: Annotated[
        bool,
        typer.Option(
            "--once", help="one pass; exit 0 if every source was read, 1 if not"
        ),
    ] = False,
    interval: Annotated[
        float, typer.Option(min=0.1, help="seconds between rounds")
    ] = 60.0,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="seconds to wait on a source")
    ] = 10.0,
) -> None:
    """Follow other deployments' disclosure feeds (Atom, RFC 5005) into this
    deployment's national view (一张网): resumes where it left off, and
    de-duplicates by (feed id, entry id)."""
    import httpx
    import structlog

    from api.disclosure.follow import Follower, Rounds
    from api.host.logging import configure_logging
    from api.host.storage import database_url

    for url in urls:
        if not url.startswith(("http://", "https://")):
            typer.echo(f"error: {url} is not an http(s) URL", err=True)
            raise typer.Exit(2)
    settings = Settings.from_env()
    if not structlog.is_configured():  # (a host that set up logs keeps them)
        configure_logging(settings.log_level)
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        follower = Follower(database_url(settings), client)
        follower.prepare()
        rounds = Rounds(follower, urls, interval)
        if not once:
            rounds.forever()
        outcomes = rounds.round()
    for outcome in outcomes:
        typer.echo(outcome.line())
    if not all(o.ok for o in outcomes):
        raise typer.Exit(1)
