"""A quality analysis meeting (质量分析会, seed 000): the bureau meets the
firms of an industry whose products failed, to go through the common
problems (共性问题) and each firm's own (个性问题). Recorded after it is held:
its date, industry, the firms invited and those that came, its conclusions."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.inspections.rules import IndustryCode
from domain.shared.audit import Audit, require_actor
from domain.shared.errors import InvalidInputError
from domain.shared.events import Aggregate
from domain.shared.text import Line, Prose
from domain.shared.uscc import USCC

RULE_MEETING = "质量分析会 (seed 000: 重庆 产品质量监督抽查 行业质量分析)"


def meeting_id(number: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:inspections:meeting:{number}")


class MeetingRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Annotated[str, Line(200)]
    held_on: date
    industry: IndustryCode
    invited: tuple[USCC, ...] = Field(min_length=1, max_length=500)
    attended: tuple[USCC, ...] = Field(default=(), max_length=500)
    conclusions: Annotated[str, Prose(8000)]


class QualityMeeting(Aggregate):
    PINNED_TOPIC = "casetrace.inspections.QualityMeeting"

    class Recorded(Aggregate.Created):
        number: str
        unit_code: str
        record: MeetingRecord
        rule: str

    @staticmethod
    def create_id(*_: object, number: str = "", **__: object) -> UUID:
        return meeting_id(number)

    @event(Recorded)
    def __init__(
        self,
        *,
        audit: Audit,
        number: str,
        unit_code: str,
        record: MeetingRecord,
        rule: str,
    ) -> None:
        self.number = number
        self.unit_code = unit_code
        self.record = record

    @classmethod
    def hold(
        cls, number: str, unit_code: str, record: MeetingRecord, audit: Audit
    ) -> QualityMeeting:
        stray = set(record.attended) - set(record.invited)
        if stray:
            raise InvalidInputError(
                f"attended but not invited: {sorted(stray)}", field="attended"
            )
        return cls(
            audit=require_actor(audit),
            number=number,
            unit_code=unit_code,
            record=record,
            rule=RULE_MEETING,
        )
