"""`casetrace import credit FILE`: import a directed-data file of the credit
system (定向推送数据), print its validation report, and exit non-zero when a
row was refused (1) or the file itself (2). `--json` prints the report as
JSON instead (machine-readable); `--report FILE` writes the JSON as well."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from domain.credit.formats import MAX_FILE_BYTES, Kind
from domain.shared.errors import InvalidInputError

IMPORT = typer.Typer(name="import", help="Import data from other systems.")


@IMPORT.callback()
def _imports() -> None:
    """Import data from other systems."""


@IMPORT.command("credit")
def credit(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    kind: Annotated[
        Kind | None,
        typer.Option(
            help="new (新设立登记), abnormal (经营异常名录), serious (严重违法失信名单);"
            " told from the header if left out"
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the report as JSON")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="also write the report (JSON) to this file")
    ] = None,
) -> None:
    """Import a directed-data CSV into the enterprise directory."""
    from api.credit import service
    from api.host.cli import console_operator
    from api.host.settings import Settings
    from api.host.storage import open_services

    if file.stat().st_size > MAX_FILE_BYTES:
        typer.echo(f"refused: {file} is larger than {MAX_FILE_BYTES} bytes", err=True)
        raise typer.Exit(2)
    data = file.read_bytes()
    services = open_services(Settings.from_env())
    try:
        body = _report(
            service(services).import_directed_data(console_operator(), data, kind)
        )
    except InvalidInputError as refused:
        body = {"refused": refused.detail, "problems": list(refused.errors)}
    finally:
        services.close()
    if report is not None:
        report.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        for line in _lines(file, body):
            typer.echo(line)
    if "refused" in body:
        raise typer.Exit(2)
    if body["counts"]["rejected"]:
        raise typer.Exit(1)


def _report(found: Any) -> dict[str, Any]:
    body: dict[str, Any] = found.model_dump(mode="json", exclude={"log", "position"})
    return body


def _lines(file: Path, body: dict[str, Any]) -> list[str]:
    if "refused" in body:
        lines = [f"{file}: refused, nothing imported: {body['refused']}"]
    else:
        c = body["counts"]
        lines = [
            f"{file}: {body['title']} ({body['kind']}), sha256 {body['sha256']}",
            f"  rows {c['rows']}: applied {c['applied']}, unchanged {c['unchanged']},"
            f" rejected {c['rejected']}, with warnings {c['warnings']}",
            "  batch recorded"
            if body["recorded"]
            else "  this file was imported before: no new batch recorded",
        ]
        lines += [
            f"  row {o['row']} {o['uscc']}: {', '.join(o['done'])}"
            for o in body["outcomes"]
        ]
    for p in body["problems"]:
        column = f" [{p['column']}]" if p.get("column") else ""
        severity = p.get("severity", "error")
        lines.append(
            f"  {severity}: row {p['row']}{column} {p['code']}: {p['message']}"
        )
    return lines
