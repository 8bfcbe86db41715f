"""Read model `disclosure_entries`: what the public sees (双公示, DESIGN §6).

One row per disclosure: its redacted record (the only text the public
outputs read), its stage and dates, and its deadlines for the board (the
7- and 20-working-day publication limits while unpublished; the clock's
timers for a missed one and for the end of a penalty's display period).

Its facts are the feed: one item per public change — published, retracted
(a tombstone), display ended (a tombstone) — numbered densely in log order
(`item_no`), so that a full archive page (items kP … kP+P−1) never changes
(RFC 5005 archived feeds).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.disclosure.disclosure import (
    DISPLAY_RULE,
    LEGAL_PUBLICATION_RULE,
    PUBLICATION_RULE,
    DeadlineKind,
    Disclosure,
)
from domain.shared.time_limit import TimeLimit
from psycopg import sql

from projections.cases import CaseOnBoard, CaseReadModel, Deadline, Handler
from projections.runtime import Cursor, Positioned, Tables
from projections.schema import BigInt, Index, Table

D = Disclosure


@dataclasses.dataclass
class EntryRow:
    id: UUID
    seq: BigInt  # log position of its preparation
    version: int
    kind: str
    category: str
    decision_number: str
    title: str  # 项目名称 / 处罚名称: the board names the case by it
    party_name: str
    uscc: str | None
    decided_on: date
    unit_code: str
    record: str  # the PublicRecord as JSON: the only text published
    stage: str
    source_log: str
    source_case_id: UUID
    publication_due: date
    publication_provisional: str | None  # the calendar version, when provisional
    legal_due: date | None
    missed: list[str]
    published_seq: BigInt | None = None  # log position of its publication
    published_on: date | None = None
    published_at: datetime | None = None
    late: bool = False
    unlawful: bool = False
    display_until: date | None = None
    retracted_on: date | None = None
    retraction_reason: str | None = None
    retraction_late: bool = False
    ended_on: date | None = None
    updated_at: datetime | None = None
    last_seq: BigInt = 0  # log position of its latest public change


@dataclasses.dataclass
class FeedItemRow:
    """One public change, in feed order."""

    item_no: BigInt  # 0, 1, 2 … in log order: archive pages are fixed ranges
    seq: BigInt  # its event's log position
    entry_id: UUID
    action: str  # published | retracted | ended
    at: datetime
    reason: str | None


FEED = Table(
    FeedItemRow,
    "feed",
    primary_key=("item_no",),
    indexes=(Index("entry_id"),),
)


class DisclosureEntries(CaseReadModel[EntryRow]):
    name = "disclosure_entries"
    logs = ("disclosure",)
    version = 2  # 2: the title as a column (the board no longer parses the record)
    case_kind = "disclosure"
    row_table = Table(
        EntryRow,
        primary_key=("id",),
        indexes=(
            Index("seq", where="stage = 'published'", name="current_idx"),
            Index("uscc", "seq"),
            Index("decision_number"),
            Index("decided_on", "seq"),
            Index("source_case_id"),
        ),
    )
    fact_table = FEED

    def __init__(self) -> None:
        super().__init__()
        self._next_item = 0

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            D.Prepared: _prepared,
            D.Published: _published,
            D.Retracted: _retracted,
            D.DisplayEnded: _ended,
            D.DeadlineMissed: _missed,
            D.DeadlinesRecomputed: _recomputed,
        }

    def apply(self, cur: Cursor, tables: Tables, events: Sequence[Positioned]) -> None:
        cur.execute(
            sql.SQL("SELECT coalesce(max(item_no) + 1, 0) FROM {}").format(
                tables(FEED.part)
            )
        )
        row = cur.fetchone()
        self._next_item = int(row[0]) if row else 0
        super().apply(cur, tables, events)

    def facts(self, row: EntryRow, event: Any) -> Iterable[FeedItemRow]:
        action = FEED_ACTIONS.get(type(event))
        if action is None:
            return ()
        item = FeedItemRow(
            item_no=self._next_item,
            seq=_position(row, event),
            entry_id=row.id,
            action=action,
            at=event.timestamp,
            reason=row.retraction_reason if action == "retracted" else None,
        )
        self._next_item += 1
        return (item,)

    def deadlines(self, row: EntryRow) -> Iterable[Deadline]:
        return entry_deadlines(row)

    def deadline_context(self, row: EntryRow) -> CaseOnBoard:
        return CaseOnBoard(
            unit_code=row.unit_code,
            reference=row.decision_number,
            subject_code=row.category,
            subject_name=row.title,
            party_name=row.party_name,
        )


FEED_ACTIONS: dict[type[Any], str] = {
    D.Published: "published",
    D.Retracted: "retracted",
    D.DisplayEnded: "ended",
}


def _position(row: EntryRow, event: Any) -> int:
    """The log position of the event that made the item (kept by the fold)."""
    return row.last_seq


def entry_deadlines(row: EntryRow) -> list[Deadline]:
    found: list[Deadline] = []
    if row.stage == "prepared":
        found.append(_limit(row, DeadlineKind.PUBLICATION, row.publication_due))
        if row.legal_due is not None:
            found.append(_limit(row, DeadlineKind.LEGAL_PUBLICATION, row.legal_due))
    if row.stage == "published" and row.display_until is not None:
        found.append(
            Deadline(
                "display_end",
                row.display_until,
                DISPLAY_RULE,
                on_board=False,
                action="end_display",
                fires_on=row.display_until + timedelta(days=1),
            )
        )
    return found


def _limit(row: EntryRow, kind: DeadlineKind, due: date) -> Deadline:
    recorded = f"{kind.value}:{due}" in row.missed
    action = None if recorded else f"record_missed_deadline:{kind.value}"
    provisional = row.publication_provisional
    return Deadline(
        kind.value,
        due,
        RULES[kind],
        provisional=provisional is not None,
        action=action,
        fires_on=due + timedelta(days=1) if action else None,
        calendar_version=provisional,
    )


RULES = {  # the rules the domain cites for each limit
    DeadlineKind.PUBLICATION: PUBLICATION_RULE,
    DeadlineKind.LEGAL_PUBLICATION: LEGAL_PUBLICATION_RULE,
}


def _provisional(limit: TimeLimit | None) -> str | None:
    if limit is None or not limit.due.provisional:
        return None
    return limit.due.calendar_version


def _prepared(_: None, e: D.Prepared, position: int) -> EntryRow:
    record = e.record
    return EntryRow(
        id=e.originator_id,
        seq=position,
        version=e.originator_version,
        kind=record.kind.value,
        category=record.category.value,
        decision_number=record.decision_number,
        title=record.title,
        party_name=record.party_name,
        uscc=record.uscc,
        decided_on=record.decided_on,
        unit_code=e.unit_code,
        record=record.model_dump_json(),
        stage="prepared",
        source_log=e.source.log,
        source_case_id=e.source.case_id,
        publication_due=e.publication_limit.due.due,
        publication_provisional=_provisional(e.publication_limit),
        legal_due=e.legal_limit.due.due if e.legal_limit else None,
        missed=[],
        updated_at=e.timestamp,
    )


def _published(row: EntryRow, e: D.Published, position: int) -> EntryRow:
    row.stage = "published"
    row.last_seq = position
    row.published_seq = position
    row.published_on = e.published_on
    row.published_at = e.timestamp
    row.late = e.late
    row.unlawful = e.unlawful
    row.display_until = e.display_until
    row.updated_at = e.timestamp
    return row


def _retracted(row: EntryRow, e: D.Retracted, position: int) -> EntryRow:
    row.stage = "retracted"
    row.last_seq = position
    row.retracted_on = e.retracted_on
    row.retraction_reason = e.reason
    row.retraction_late = e.late
    row.updated_at = e.timestamp
    return row


def _ended(row: EntryRow, e: D.DisplayEnded, position: int) -> EntryRow:
    row.stage = "ended"
    row.last_seq = position
    row.ended_on = e.ended_on
    row.updated_at = e.timestamp
    return row


def _missed(row: EntryRow, e: Any, position: int) -> EntryRow:
    row.missed = [*row.missed, f"{e.kind}:{e.due}"]
    return row


def _recomputed(row: EntryRow, e: Any, position: int) -> EntryRow:
    for kind, limit in e.limits.items():
        if kind == DeadlineKind.PUBLICATION:
            row.publication_due = limit.due.due
            row.publication_provisional = _provisional(limit)
        elif kind == DeadlineKind.LEGAL_PUBLICATION:
            row.legal_due = limit.due.due
    return row
