"""`casetrace import …`: the group every context's import joins (its
descriptor's `cli` names this group; the command is the context's own), and
what each import's command does alike: read the file, print the validation
report (or write it as JSON), exit 1 when a row was refused, 2 when the file
was."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from domain.shared.errors import InvalidInputError

if TYPE_CHECKING:
    from api.host.storage import Services
    from domain.shared.audit import Audit

IMPORT = typer.Typer(name="import", help="Import data from other systems.")


@IMPORT.callback()
def _imports() -> None:
    """Import data from other systems."""


# The options every import command takes.
UploadFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
AsJson = Annotated[bool, typer.Option("--json", help="print the report as JSON")]
ReportFile = Annotated[
    Path | None, typer.Option(help="also write the report (JSON) to this file")
]


def read_upload(file: Path, max_bytes: int) -> bytes:
    if file.stat().st_size > max_bytes:
        typer.echo(f"refused: {file} is larger than {max_bytes} bytes", err=True)
        raise typer.Exit(2)
    return file.read_bytes()


def run_import(
    file: Path,
    attempt: Callable[[Services, Audit], dict[str, Any]],
    summary: Callable[[dict[str, Any]], list[str]],
    *,
    as_json: bool,
    report: Path | None,
    rejected: Callable[[dict[str, Any]], int],
) -> None:
    """Run the import on the configured database as the console operator,
    show its report (`summary` gives the lines before the problems), and
    exit as the module docstring says."""
    from api.host.cli import console_operator
    from api.host.settings import Settings
    from api.host.storage import open_services

    services = open_services(Settings.from_env())
    try:
        body = attempt(services, console_operator())
    except InvalidInputError as refused:
        body = {"refused": refused.detail, "problems": list(refused.errors)}
    finally:
        services.close()
    if report is not None:
        report.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        lines = (
            [f"{file}: refused, nothing imported: {body['refused']}"]
            if "refused" in body
            else summary(body)
        )
        for line in lines + problem_lines(body["problems"]):
            typer.echo(line)
    if "refused" in body:
        raise typer.Exit(2)
    if rejected(body):
        raise typer.Exit(1)


def problem_lines(problems: list[dict[str, Any]]) -> list[str]:
    lines = []
    for p in problems:
        column = f" [{p['column']}]" if p.get("column") else ""
        severity = p.get("severity", "error")
        lines.append(
            f"  {severity}: row {p['row']}{column} {p['code']}: {p['message']}"
        )
    return lines
