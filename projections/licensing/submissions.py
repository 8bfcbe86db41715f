"""Read model `submissions`: online submissions (网上申报) and their pre-review.

One row per submission: what staff need to find the ones awaiting pre-review
in their jurisdiction, and where each went (the application it became). The
submission itself, with its materials' documents and every version, is read
from its events (GET …/submissions/{id}). Its queries are in
`submissions_queries`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.licensing.submission import OnlineSubmission, SubmissionStatus

from projections.cases import CaseOnBoard, CaseReadModel, Handler
from projections.schema import BigInt, Index, Table

S = OnlineSubmission


@dataclasses.dataclass
class SubmissionRow:
    id: UUID
    seq: BigInt  # log position of the submission: the list's stable order
    version: int
    submission_number: str
    item_code: str
    item_name: str
    applicant_name: str
    applicant_uscc: str | None
    unit_code: str
    status: str
    submitted_on: date
    replied_on: date | None = None
    resubmitted_on: date | None = None
    receipt_number: str | None = None
    application_id: UUID | None = None
    decided_on: date | None = None
    updated_at: datetime | None = None


class Submissions(CaseReadModel[SubmissionRow]):
    name = "submissions"
    logs = ("licensing",)
    version = 1
    case_kind = "online submission"
    row_table = Table(
        SubmissionRow,
        primary_key=("id",),
        indexes=(
            Index("seq"),
            Index("status", "seq"),
            Index("unit_code text_pattern_ops", "seq"),
        ),
    )

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            S.Submitted: _submitted,
            S.CorrectionsRequested: _corrections_requested,
            S.Resubmitted: _resubmitted,
            S.Accepted: _accepted,
            S.Closed: _closed,
        }

    def deadline_context(self, row: SubmissionRow) -> CaseOnBoard:
        return CaseOnBoard(
            unit_code=row.unit_code,
            reference=row.submission_number,
            subject_code=row.item_code,
            subject_name=row.item_name,
            party_name=row.applicant_name,
        )


def _status(row: SubmissionRow, e: Any, status: SubmissionStatus) -> SubmissionRow:
    row.status = status.value
    row.updated_at = e.timestamp
    return row


def _submitted(_: None, e: S.Submitted, position: int) -> SubmissionRow:
    return SubmissionRow(
        id=e.originator_id,
        seq=position,
        version=e.originator_version,
        submission_number=e.number,
        item_code=e.item.code,
        item_name=e.item.name,
        applicant_name=e.applicant.name,
        applicant_uscc=e.applicant.uscc,
        unit_code=e.unit_code,
        status=SubmissionStatus.SUBMITTED.value,
        submitted_on=e.submitted_on,
        updated_at=e.timestamp,
    )


def _corrections_requested(
    row: SubmissionRow, e: S.CorrectionsRequested, _: int
) -> SubmissionRow:
    row.replied_on = e.replied_on
    return _status(row, e, SubmissionStatus.CORRECTIONS_REQUESTED)


def _resubmitted(row: SubmissionRow, e: S.Resubmitted, _: int) -> SubmissionRow:
    row.resubmitted_on = e.resubmitted_on
    return _status(row, e, SubmissionStatus.RESUBMITTED)


def _accepted(row: SubmissionRow, e: S.Accepted, _: int) -> SubmissionRow:
    row.receipt_number = e.receipt_number
    row.application_id = e.application_id
    row.decided_on = e.accepted_on
    return _status(row, e, SubmissionStatus.ACCEPTED)


def _closed(row: SubmissionRow, e: S.Closed, _: int) -> SubmissionRow:
    row.decided_on = e.closed_on
    return _status(row, e, SubmissionStatus.CLOSED)
