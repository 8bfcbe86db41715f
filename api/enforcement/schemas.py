"""The enforcement context's request and response shapes as typed models (see
api/http/schemas.py). Examples come from a real run
(api/enforcement/openapi_examples.json, made by scripts/enforcement_examples.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Final
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.http.commands import Decision as DecisionBody
from api.http.schemas import CommandOutcome, Page, example, load_examples
from domain.enforcement.case import Status
from domain.enforcement.service import Facts, StaffNo
from domain.enforcement.terms import (
    Decision,
    Evidence,
    Instalments,
    NoPenaltyGround,
    Officer,
    Origin,
    OriginRef,
    Party,
    ServiceMethod,
)
from domain.shared.jurisdiction import RegionCode

EXAMPLES: Final[dict[str, Any]] = load_examples("api.enforcement")


def _example(name: str) -> ConfigDict:
    """The example of a real run (none until scripts/enforcement_examples.py
    has written it: tests/api/test_openapi_document.py then fails)."""
    return example(EXAMPLES[name]) if name in EXAMPLES else ConfigDict()


class OpenPenaltyCaseBody(DecisionBody):
    """立案: the party, the facts, the unit, two or more officers, and the case
    it was opened from (none: on the bureau's own motion)."""

    party: Party
    facts: Facts
    unit_code: RegionCode
    officers: Annotated[tuple[StaffNo, ...], Field(min_length=2, max_length=10)]
    origin: OriginRef | None = Field(
        default=None,
        description="the case this one is opened from, by its context's log name"
        " and id: it must be able to lead to a penalty case now (a report whose"
        " case was opened); 422 otherwise",
    )


class Limit(BaseModel):
    due: date
    rule: str
    counting: str
    provisional: bool
    stopped_for: str | None
    excluded_days: int
    extended: bool


class Hearing(BaseModel):
    notified_on: date | None
    request_by: date | None = Field(description="the party's 5 working days (Art. 64)")
    requested_on: date | None
    held_on: date | None
    waived_on: date | None


class MissedDeadline(BaseModel):
    kind: str
    due: date


class CaseView(BaseModel):
    """A penalty case (行政处罚案件) as it stands."""

    model_config = _example("Case")

    id: UUID
    version: int = Field(ge=1, description="the case's version; also its ETag")
    number: str
    status: Status
    unit_code: str
    party: Party
    facts: str
    officers: list[Officer]
    origin: Origin | None
    opened_on: date = Field(description="立案: the 90 days run from it (Art. 60)")
    decision_limit: Limit
    evidence: list[Evidence]
    hearing: Hearing
    decision: Decision | None
    penalty_names: list[str]
    penalty_record: dict[str, Any] | None = Field(
        description="the decision as the 双公示 penalty record (CF_*, DOMAIN §5.1)"
    )
    no_penalty: NoPenaltyGround | None
    decided_on: date | None
    service_limit: Limit | None
    served_on: date | None
    service_method: ServiceMethod | None
    served_late: bool
    payment_due: date | None
    instalments: Instalments | None
    paid_fen: int
    outstanding_fen: int
    enforcement_applied_on: date | None
    closed_on: date | None
    missed: list[MissedDeadline]
    created_at: datetime
    modified_at: datetime


class CaseChanged(CaseView, CommandOutcome):
    model_config = _example("Case")


class PartyRef(BaseModel):
    name: str
    party_type: str
    uscc: str | None


class OriginView(BaseModel):
    context: str
    case_id: UUID
    kind: str | None
    number: str | None


class RunningDeadline(BaseModel):
    kind: str
    due: date
    working_days_left: int
    overdue: bool
    provisional: bool


class CaseSummary(BaseModel):
    """One row of the penalty cases index."""

    model_config = ConfigDict(extra="allow")

    id: UUID
    version: int
    number: str
    status: Status
    unit_code: str
    party: PartyRef
    origin: OriginView | None
    opened_on: date
    decided_on: date | None
    decision_number: str | None
    penalties: list[str]
    fine_fen: int
    confiscation_fen: int
    published: bool
    served_late: bool
    paid_fen: int
    missed: list[MissedDeadline]
    deadline: RunningDeadline | None


class CasesPage(Page):
    model_config = _example("CasesPage")

    items: list[CaseSummary]


class Statistics(BaseModel):
    """Figures summed from the rollup (never a scan): cases opened, decided,
    penalties by kind, fines in fen, served late, decisions missed."""

    model_config = ConfigDict(
        populate_by_name=True,
        extra="allow",
        json_schema_extra={"examples": [EXAMPLES["Statistics"]]}
        if "Statistics" in EXAMPLES
        else None,
    )

    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    group_by: str | None
    groups: list[dict[str, Any]]
    total: dict[str, Any]


class BoardEntry(BaseModel):
    """One running deadline of a penalty case."""

    case_id: UUID
    number: str
    kind: str
    due: date
    working_days_left: int
    state: str | None
    provisional: bool
    rule: str
    unit_code: str
    party: str


class DeadlinesPage(Page):
    model_config = _example("DeadlinesPage")

    today: date
    items: list[BoardEntry]
