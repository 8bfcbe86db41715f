"""The credit routes' response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.http.schemas import Page, example
from api.http.uploads import ImportProblem

USCC = "91420102MA4K0000XQ"
SHA = "9f2c4e0b1d6a7e3f5c8b2a4d6e8f0a1c3e5b7d9f1a2c4e6b8d0f2a4c6e8b0d2f"


class ImportCounts(BaseModel):
    rows: int = Field(description="数据行数 — data rows (blank lines not counted)")
    applied: int = Field(description="已处理 — rows that changed the directory")
    unchanged: int = Field(description="无变化 — good rows already recorded")
    rejected: int = Field(description="拒收 — bad rows; they changed nothing")
    warnings: int = Field(description="警告 — rows applied with a warning to review")


class ImportOutcome(BaseModel):
    row: int
    uscc: str
    done: list[str] = Field(
        description="registered, renamed, distributed:<unit>, listed, removed"
    )


class ImportReport(BaseModel):
    """The validation report of one directed-data file."""

    model_config = example(
        {
            "kind": "new",
            "title": "新设立登记",
            "sha256": SHA,
            "batch_id": "5b1f0c5e-2a7c-5f0e-9d43-0f6b1e2f3a4b",
            "recorded": True,
            "counts": {
                "rows": 3,
                "applied": 2,
                "unchanged": 0,
                "rejected": 1,
                "warnings": 0,
            },
            "problems": [
                {
                    "row": 4,
                    "column": "成立日期",
                    "severity": "error",
                    "code": "date_invalid",
                    "message": "'2026-13-01' is not a date (write YYYY-MM-DD)",
                }
            ],
            "outcomes": [
                {"row": 2, "uscc": USCC, "done": ["registered", "distributed:420102"]}
            ],
            "consistency_token": "registry:12",
        }
    )

    kind: str
    title: str
    sha256: str
    batch_id: str
    recorded: bool
    counts: ImportCounts
    problems: list[ImportProblem]
    outcomes: list[ImportOutcome]
    consistency_token: str


class Distribution(BaseModel):
    uscc: str
    name: str
    region_code: str
    unit_code: str
    distributed_at: datetime
    batch: str | None


class DistributionPage(Page):
    model_config = example(
        {
            "items": [
                {
                    "uscc": USCC,
                    "name": "武汉某某电器有限公司",
                    "region_code": "420102",
                    "unit_code": "420102",
                    "distributed_at": "2026-11-27T02:00:00Z",
                    "batch": "5b1f0c5e-2a7c-5f0e-9d43-0f6b1e2f3a4b",
                }
            ],
            "next_cursor": None,
        }
    )

    items: list[Distribution]


def report_body(report: Any) -> dict[str, Any]:
    return {
        **report.model_dump(mode="json", exclude={"log", "position"}),
        "consistency_token": f"{report.log}:{report.position}",
    }
