"""Read model `joint_reviews`: one row per joint review (并联审批), and each
participant's open task as a deadline — on the board with its own due date, and
a timer the clock fires the day after it passes (`lapse_opinion:<code>`: a
deemed opinion where the item's rule says so, else a missed deadline).

A task closes when its opinion is recorded or deemed, or when the review ends
with its application (decided, withdrawn, terminated).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import orjson
from domain.licensing.joint_review import JointReview, Task, deadline_kind
from domain.shared.time_limit import TimeLimit

from projections.cases import CaseOnBoard, CaseReadModel, Deadline, Handler
from projections.schema import Table

J = JointReview


@dataclasses.dataclass
class JointReviewRow:
    id: UUID
    version: int
    application_id: UUID
    receipt_number: str
    item_code: str
    item_name: str
    unit_code: str
    applicant_name: str
    started_on: date
    # One JSON object per participant: code, due date, rule, calendar and the
    # stance once its opinion is in (a text[] keeps the row one flat record).
    tasks: list[str]
    missed: list[str] = dataclasses.field(
        default_factory=list
    )  # "opinion:XF:2026-10-22"
    concluded: str | None = None


def _task(task: Task) -> dict[str, Any]:
    return {
        "code": task.participant.code,
        "stance": task.opinion.stance.value if task.opinion else None,
        **_limit(task.limit),
    }


def _limit(limit: TimeLimit) -> dict[str, Any]:
    return {
        "due": limit.due.due.isoformat(),
        "provisional": limit.due.provisional,
        "calendar_version": limit.due.calendar_version,
        "rule": limit.rule,
    }


def _tasks(row: JointReviewRow) -> list[dict[str, Any]]:
    return [orjson.loads(t) for t in row.tasks]


def _store(row: JointReviewRow, tasks: list[dict[str, Any]]) -> None:
    row.tasks = [orjson.dumps(t).decode() for t in tasks]


class JointReviews(CaseReadModel[JointReviewRow]):
    name = "joint_reviews"
    logs = ("licensing",)
    version = 1
    case_kind = "joint_review"
    row_table = Table(JointReviewRow, primary_key=("id",))

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            J.Started: _started,
            J.OpinionRecorded: _opinion,
            J.OpinionDeemed: _opinion,
            J.Concluded: _concluded,
            J.DeadlineMissed: _missed,
            J.DeadlinesRecomputed: _recomputed,
        }

    def deadlines(self, row: JointReviewRow) -> Iterable[Deadline]:
        if row.concluded is not None:
            return []
        found = []
        for task in _tasks(row):
            if task["stance"] is not None:
                continue
            kind = deadline_kind(task["code"])
            due = date.fromisoformat(task["due"])
            recorded = f"{kind}:{due.isoformat()}" in row.missed
            found.append(
                Deadline(
                    kind,
                    due,
                    task["rule"],
                    task["provisional"],
                    action=None if recorded else f"lapse_opinion:{task['code']}",
                    fires_on=None if recorded else due + timedelta(days=1),
                    calendar_version=task["calendar_version"],
                )
            )
        return found

    def deadline_context(self, row: JointReviewRow) -> CaseOnBoard:
        return CaseOnBoard(
            unit_code=row.unit_code,
            reference=row.receipt_number,
            subject_code=row.item_code,
            subject_name=row.item_name,
            party_name=row.applicant_name,
        )


def _started(_: None, e: J.Started, __: int) -> JointReviewRow:
    row = JointReviewRow(
        id=e.originator_id,
        version=e.originator_version,
        application_id=e.application_id,
        receipt_number=e.receipt_number,
        item_code=e.item_code,
        item_name=e.item_name,
        unit_code=e.unit_code,
        applicant_name=e.applicant_name,
        started_on=e.started_on,
        tasks=[],
    )
    _store(row, [_task(t) for t in e.tasks])
    return row


def _opinion(
    row: JointReviewRow, e: J.OpinionRecorded | J.OpinionDeemed, _: int
) -> JointReviewRow:
    tasks = _tasks(row)
    for task in tasks:
        if task["code"] == e.participant:
            task["stance"] = e.opinion.stance.value
    _store(row, tasks)
    return row


def _concluded(row: JointReviewRow, e: J.Concluded, _: int) -> JointReviewRow:
    row.concluded = e.outcome
    return row


def _missed(row: JointReviewRow, e: J.DeadlineMissed, _: int) -> JointReviewRow:
    row.missed = [*row.missed, f"{e.kind}:{e.due.isoformat()}"]
    return row


def _recomputed(
    row: JointReviewRow, e: J.DeadlinesRecomputed, _: int
) -> JointReviewRow:
    tasks = _tasks(row)
    for task in tasks:
        limit = e.limits.get(deadline_kind(task["code"]))
        if limit is not None:
            task.update(_limit(limit))
    _store(row, tasks)
    return row
