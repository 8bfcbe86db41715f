"""/v1/licensing/imports and `casetrace import licensing FILE`: past matters
from a bureau's old system (历史办件导入, domain/licensing/importing.py),
imported by an admin; the answer is the batch, its counts and the report."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import TYPE_CHECKING, Annotated, Any

import typer
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api.host.imports import (
    IMPORT,
    AsJson,
    ReportFile,
    UploadFile,
    read_upload,
    run_import,
)
from api.http.auth import CurrentPrincipal, caller
from api.http.openapi import STAFF, problems
from api.http.schemas import example
from api.http.uploads import CSV_BODY, ImportProblem, csv_body
from api.http.views import JSON
from api.licensing.reads import licensing
from domain.licensing.import_format import MAX_FILE_BYTES
from domain.licensing.importing import IMPORT as IMPORT_COMMAND
from domain.licensing.importing import ImportReport, PastMatters
from domain.shared.audit import Audit

if TYPE_CHECKING:
    from api.host.storage import Services

router = APIRouter(prefix="/v1/licensing/imports", tags=["licensing history import"])


class ImportCounts(BaseModel):
    rows: int = Field(description="数据行数 — data rows (blank lines not counted)")
    imported: int = Field(description="已导入 — matters recorded by this import")
    already_imported: int = Field(
        description="此前已导入 — rows stored before with the same content: "
        "nothing new recorded"
    )
    refused: int = Field(description="拒收 — bad rows and conflicts: nothing recorded")
    warnings: int = Field(description="警告 — rows imported with a warning (a repeat)")


class ImportAnswer(BaseModel):
    """What an import of past matters did."""

    model_config = example(
        {
            "batch_id": "0b7c2f4e-6a0d-5c11-9d2e-3f4a5b6c7d8e",
            "sha256": "9f2c4e0b1d6a7e3f5c8b2a4d6e8f0a1c3e5b7d9f1a2c4e6b8d0f2a4c6e8b0d2f",
            "dry_run": False,
            "counts": {
                "rows": 3,
                "imported": 2,
                "already_imported": 0,
                "refused": 1,
                "warnings": 0,
            },
            "problems": [
                {
                    "row": 4,
                    "column": "决定日期",
                    "severity": "error",
                    "code": "dates_out_of_order",
                    "message": "决定日期 2019-03-01 is before 受理日期 2019-03-04",
                }
            ],
            "consistency_token": "licensing:1234",
        }
    )

    batch_id: str = Field(
        description="导入批次 — the same file from the same unit: the same batch"
    )
    sha256: str = Field(
        description="the file's SHA-256, recorded in each matter's event"
    )
    dry_run: bool
    counts: ImportCounts
    problems: list[ImportProblem]
    consistency_token: str


def answer(report: ImportReport) -> dict[str, Any]:
    body: dict[str, Any] = report.model_dump(mode="json", exclude={"log", "position"})
    body["consistency_token"] = f"{report.log}:{report.position}"
    return body


@router.post(
    "",
    response_class=JSON,
    response_model=ImportAnswer,
    responses=problems(*STAFF, 409, 413, 415),
    summary="Import past matters from the old system (历史办件导入, admin)",
    description="The body is the CSV file itself (`Content-Type: text/csv`, UTF-8 "
    'with or without a BOM; columns in the README, "Importing past matters"). '
    "Each good row is recorded as one imported matter with its historical dates; "
    "bad rows are named in `problems` and record nothing; a file whose encoding "
    "or header is wrong is refused whole (422). Importing the same rows again "
    "records nothing new (`already_imported`). `dry_run=true` checks and counts "
    "without recording. Large files: `casetrace import licensing FILE`.",
    openapi_extra=CSV_BODY,
    name="import_past_matters",
)
def import_past_matters(
    request: Request,
    principal: CurrentPrincipal,
    data: Annotated[bytes, Depends(csv_body)],
    dry_run: Annotated[
        bool, Query(description="check and count only; record nothing")
    ] = False,
) -> JSON:
    who = caller(request, principal, IMPORT_COMMAND)
    report = PastMatters(licensing(request)).import_past_matters(
        who, data, dry_run=dry_run
    )
    return JSON(answer(report))


@IMPORT.command("licensing")
def import_licensing(
    file: UploadFile,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="check and count only; record nothing")
    ] = False,
    as_json: AsJson = False,
    report: ReportFile = None,
) -> None:
    """Import past matters (历史办件) from the old system's CSV."""
    from api.licensing import service

    data = read_upload(file, MAX_FILE_BYTES)

    def attempt(services: "Services", who: Audit) -> dict[str, Any]:
        importer = PastMatters(service(services))
        return answer(importer.import_past_matters(who, data, dry_run=dry_run))

    def summary(body: dict[str, Any]) -> list[str]:
        c = body["counts"]
        done = "would be imported (dry run)" if body["dry_run"] else "imported"
        return [
            f"{file}: 历史办件, sha256 {body['sha256']}, batch {body['batch_id']}",
            f"  rows {c['rows']}: {done} {c['imported']}, already imported"
            f" {c['already_imported']}, refused {c['refused']},"
            f" with warnings {c['warnings']}",
        ]

    run_import(
        file,
        attempt,
        summary,
        as_json=as_json,
        report=report,
        rejected=lambda body: int(body["counts"]["refused"]),
    )
