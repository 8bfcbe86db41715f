"""`casetrace import credit FILE`: import a directed-data file of the credit
system (定向推送数据), print its validation report, and exit non-zero when a
row was refused (1) or the file itself (2). `--json` prints the report as
JSON instead (machine-readable); `--report FILE` writes the JSON as well."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.host.imports import (
    IMPORT,
    AsJson,
    ReportFile,
    UploadFile,
    read_upload,
    run_import,
)
from domain.credit.formats import MAX_FILE_BYTES, Kind

if TYPE_CHECKING:
    from api.host.storage import Services
    from domain.shared.audit import Audit

__all__ = ["IMPORT"]


@IMPORT.command("credit")
def credit(
    file: UploadFile,
    kind: Annotated[
        Kind | None,
        typer.Option(
            help="new (新设立登记), abnormal (经营异常名录), serious (严重违法失信名单);"
            " told from the header if left out"
        ),
    ] = None,
    as_json: AsJson = False,
    report: ReportFile = None,
) -> None:
    """Import a directed-data CSV into the enterprise directory."""
    from api.credit import service

    data = read_upload(file, MAX_FILE_BYTES)

    def attempt(services: Services, who: Audit) -> dict[str, Any]:
        found = service(services).import_directed_data(who, data, kind)
        body: dict[str, Any] = found.model_dump(
            mode="json", exclude={"log", "position"}
        )
        return body

    run_import(
        file,
        attempt,
        lambda body: _summary(file, body),
        as_json=as_json,
        report=report,
        rejected=lambda body: int(body["counts"]["rejected"]),
    )


def _summary(file: Path, body: dict[str, Any]) -> list[str]:
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
    return lines
