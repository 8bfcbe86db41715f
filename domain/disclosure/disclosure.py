"""Disclosure (公示): one decision's public record, from its preparation to its
publication, and its retraction or the end of its display period.

Deadlines (DOMAIN §5.1, §5.2, §5.2a):
- published within 7 working days of the decision (双公示, 国办发〔2015〕51号
  §18); a penalty also within the 20 working days of 处罚信息公示规定 Arts.
  9–10 — past 7 it is recorded late, past 20 unlawful;
- a withdrawn or revoked decision retracted within 3 working days (处罚信息公示
  规定 Art. 11; 行政处罚法 Art. 48, "三日" working days by Art. 85), as a
  tombstone, never by dropping the entry;
- a penalty's display ends 3 months after publication for 通报批评 or a small
  fine, otherwise 3 years (处罚信息公示规定 Art. 13).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict

from domain.disclosure.record import PublicRecord
from domain.enforcement.terms import LARGE_AMOUNT_ORG_FEN, LARGE_AMOUNT_PERSON_FEN
from domain.shared.audit import Audit, require_actor
from domain.shared.calendar import WorkingDayCalendar, add_months
from domain.shared.errors import IllegalTransitionError
from domain.shared.events import Aggregate
from domain.shared.time_limit import Counting, TimeLimit
from domain.shared.timed import TimedCase

PUBLICATION_WD = 7
PUBLICATION_RULE = "国办发〔2015〕51号 第18条 (双公示 7个工作日)"
LEGAL_PUBLICATION_WD = 20
LEGAL_PUBLICATION_RULE = "市场监督管理行政处罚信息公示规定 第9条、第10条"
RETRACTION_WD = 3
RETRACTION_RULE = "市场监督管理行政处罚信息公示规定 第11条; 行政处罚法 第48条、第85条"
DISPLAY_RULE = "市场监督管理行政处罚信息公示规定 第13条"
SHORT_DISPLAY_MONTHS = 3
LONG_DISPLAY_MONTHS = 36


def disclosure_id(log: str, case_id: UUID, decision: str) -> UUID:
    """One disclosure per decision of a case (`granted`, `changed:5`…), so a
    decision seen twice (at-least-once delivery) is prepared once."""
    return uuid5(NAMESPACE_URL, f"casetrace:disclosure:{log}:{case_id}:{decision}")


class Stage(StrEnum):
    PREPARED = "prepared"  # redacted, waiting to be published
    PUBLISHED = "published"
    RETRACTED = "retracted"  # tombstone: the decision was withdrawn or revoked
    ENDED = "ended"  # the display period ran out (penalties)


class DeadlineKind(StrEnum):
    PUBLICATION = "publication"
    LEGAL_PUBLICATION = "legal_publication"
    RETRACTION = "retraction"


class Source(BaseModel):
    """The decision a disclosure publishes (or the one that retracts it): its
    log, its case, the decision's key and the log position it was read at."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    log: str
    case_id: UUID
    decision: str
    position: int


def working(
    calendar: WorkingDayCalendar, start: date, days: int, rule: str
) -> TimeLimit:
    return TimeLimit.begin(
        calendar, start=start, days=days, counting=Counting.WORKING, rule=rule
    )


class Disclosure(TimedCase):
    PINNED_TOPIC = "casetrace.disclosure.Disclosure"
    LIMITS: ClassVar[dict[str, str]] = {
        DeadlineKind.PUBLICATION: "publication_limit",
        DeadlineKind.LEGAL_PUBLICATION: "legal_limit",
        DeadlineKind.RETRACTION: "retraction_limit",
    }

    class Prepared(Aggregate.Created):
        source: Source
        record: PublicRecord
        unit_code: str
        publication_limit: TimeLimit
        legal_limit: TimeLimit | None

    class Published(Aggregate.Event):
        published_on: date
        late: bool  # after the 7 working days
        unlawful: bool  # after the 20 working days (a penalty)
        display_until: date | None
        rule: str

    class Retracted(Aggregate.Event):
        reason: str
        cause: Source
        ordered_on: date  # the withdrawing or revoking decision's date
        retracted_on: date
        retraction_limit: TimeLimit
        late: bool
        rule: str

    class DisplayEnded(Aggregate.Event):
        ended_on: date
        rule: str

    @staticmethod
    def create_id(*_: Any, source: Source | None = None, **__: Any) -> UUID:
        assert source is not None
        return disclosure_id(source.log, source.case_id, source.decision)

    @event(Prepared)
    def __init__(
        self,
        *,
        audit: Audit,
        source: Source,
        record: PublicRecord,
        unit_code: str,
        publication_limit: TimeLimit,
        legal_limit: TimeLimit | None,
    ) -> None:
        self.source = source
        self.record = record
        self.unit_code = unit_code
        self.publication_limit = publication_limit
        self.legal_limit = legal_limit
        self.retraction_limit: TimeLimit | None = None
        self.stage = Stage.PREPARED
        self.published_on: date | None = None
        self.display_until: date | None = None
        self.missed: list[tuple[str, date]] = []

    @classmethod
    def prepare(
        cls,
        *,
        source: Source,
        record: PublicRecord,
        unit_code: str,
        calendar: WorkingDayCalendar,
        audit: Audit,
    ) -> Disclosure:
        """Its limits run from the decision's date: 7 working days, and for a
        penalty the 20 of 处罚信息公示规定 Arts. 9–10 as well."""
        require_actor(audit)
        penalty = record.kind == "penalty"
        return cls._create(
            cls.Prepared,
            audit=audit,
            source=source,
            record=record,
            unit_code=unit_code,
            publication_limit=working(
                calendar, record.decided_on, PUBLICATION_WD, PUBLICATION_RULE
            ),
            legal_limit=working(
                calendar,
                record.decided_on,
                LEGAL_PUBLICATION_WD,
                LEGAL_PUBLICATION_RULE,
            )
            if penalty
            else None,
        )

    # -- publication -------------------------------------------------------------------

    def publish(self, on: date, audit: Audit) -> None:
        require_actor(audit)
        if self.stage is not Stage.PREPARED:
            raise IllegalTransitionError(f"the disclosure is already {self.stage}")
        legal = self.legal_limit
        self._published(
            audit=audit,
            published_on=on,
            late=on > self.publication_limit.due.due,
            unlawful=legal is not None and on > legal.due.due,
            display_until=self._display_until(on),
            rule=PUBLICATION_RULE if legal is None else LEGAL_PUBLICATION_RULE,
        )

    def _display_until(self, on: date) -> date | None:
        """处罚信息公示规定 Art. 13: from publication, 3 months for 通报批评 or
        a small fine (below the province's 较大数额, UNCONFIRMED: the amounts
        of domain/enforcement/terms.py), otherwise 3 years. A licence shows
        for as long as it stands."""
        record = self.record
        if record.kind != "penalty":
            return None
        small = record.confiscation_fen == 0 and record.fine_fen < small_fine_limit(
            record.party_type
        )
        if small and set(record.penalty_kinds) <= {"circulated_criticism", "fine"}:
            return add_months(on, SHORT_DISPLAY_MONTHS)
        return add_months(on, LONG_DISPLAY_MONTHS)

    @event(Published)
    def _published(
        self,
        *,
        audit: Audit,
        published_on: date,
        late: bool,
        unlawful: bool,
        display_until: date | None,
        rule: str,
    ) -> None:
        self.stage = Stage.PUBLISHED
        self.published_on = published_on
        self.display_until = display_until

    # -- retraction and the end of display -----------------------------------------------

    def retract(
        self,
        *,
        reason: str,
        cause: Source,
        ordered_on: date,
        on: date,
        calendar: WorkingDayCalendar,
        audit: Audit,
    ) -> None:
        """A tombstone within 3 working days of the withdrawing decision. A
        disclosure never published is retracted too: its tombstone says the
        decision no longer stands, and it will never be published."""
        require_actor(audit)
        if self.stage in (Stage.RETRACTED, Stage.ENDED):
            raise IllegalTransitionError(f"the disclosure is already {self.stage}")
        limit = working(calendar, ordered_on, RETRACTION_WD, RETRACTION_RULE)
        self._retracted(
            audit=audit,
            reason=reason,
            cause=cause,
            ordered_on=ordered_on,
            retracted_on=on,
            retraction_limit=limit,
            late=on > limit.due.due,
            rule=RETRACTION_RULE,
        )

    @event(Retracted)
    def _retracted(
        self,
        *,
        audit: Audit,
        reason: str,
        cause: Source,
        ordered_on: date,
        retracted_on: date,
        retraction_limit: TimeLimit,
        late: bool,
        rule: str,
    ) -> None:
        self.stage = Stage.RETRACTED
        self.retraction_limit = retraction_limit

    def end_display(self, on: date, audit: Audit) -> None:
        """The clock, once the display period has run (Art. 13)."""
        require_actor(audit)
        if self.stage is not Stage.PUBLISHED or self.display_until is None:
            raise IllegalTransitionError("no display period is running")
        if on <= self.display_until:
            raise IllegalTransitionError(
                f"the display period runs until {self.display_until}"
            )
        self._display_ended(audit=audit, ended_on=on, rule=DISPLAY_RULE)

    @event(DisplayEnded)
    def _display_ended(self, *, audit: Audit, ended_on: date, rule: str) -> None:
        self.stage = Stage.ENDED

    # -- deadlines -----------------------------------------------------------------------

    def due_deadlines(self) -> Sequence[tuple[StrEnum, date, str]]:
        if self.stage is not Stage.PREPARED:
            return []
        found: list[tuple[StrEnum, date, str]] = [
            (
                DeadlineKind.PUBLICATION,
                self.publication_limit.due.due,
                self.publication_limit.rule,
            )
        ]
        if self.legal_limit is not None:
            found.append(
                (
                    DeadlineKind.LEGAL_PUBLICATION,
                    self.legal_limit.due.due,
                    self.legal_limit.rule,
                )
            )
        return found


def small_fine_limit(party_type: str) -> int:
    """Below the 较大数额 a hearing right starts at (UNCONFIRMED, per province)."""
    if party_type == "natural_person":
        return LARGE_AMOUNT_PERSON_FEN
    return LARGE_AMOUNT_ORG_FEN
