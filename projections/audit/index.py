"""Read model `audit_index`: one row per event of every log (全过程留痕).

Who did what, when, in which role and unit, why, under which request and
caused by what — for every case of every context, the registry's upkeep and
the auditors' own reads. Keyed by log and position (a model over several logs
must not depend on how they interleave: runtime docstring); listed in time
order, (at, log, position) breaking ties, so a page's cursor is stable.

The readable line of each event is not stored: the API decodes the page's
events from their logs and words them as a case's history does, so the index
stays narrow at ten million rows.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from projections.runtime import EVERY_LOG, Cursor, Positioned, ReadModel, Tables
from projections.schema import BigInt, Index, Table

# Every filter of GET /v1/audit/events leads one index, each ending in the
# listing order, so a filtered page is an index range scan of `limit` rows.
ORDER = ("at", "log", "position")


@dataclasses.dataclass
class AuditRow:
    log: str
    position: BigInt
    at: datetime
    case_kind: str
    case_id: UUID
    version: int
    type: str
    topic: str
    actor_kind: str
    actor_id: str
    actor_name: str
    role: str | None
    unit_code: str | None
    reason: str | None
    request_id: str
    causation: str | None


EVENTS = Table(
    AuditRow,
    primary_key=("log", "position"),
    indexes=(
        Index(*ORDER, name="by_time"),
        Index("actor_id", *ORDER, name="by_actor"),
        Index("unit_code text_pattern_ops", *ORDER, name="by_unit"),
        Index("role", *ORDER, name="by_role"),
        Index("type", *ORDER, name="by_type"),
        Index("case_kind", *ORDER, name="by_case_kind"),
        Index("case_id", *ORDER, name="by_case"),
        Index("request_id", *ORDER, name="by_request"),
    ),
)

_WORD = re.compile(r"(?<!^)(?=[A-Z])")


@cache
def case_kind(topic: str) -> str:
    """The kind of case an event's topic names, in snake case:
    `casetrace.licensing.LicenceApplication.Received` → `licence_application`."""
    parts = topic.split(".")
    aggregate = parts[-2] if len(parts) >= 2 else parts[0]
    return _WORD.sub("_", aggregate).lower()


def row_of(p: Positioned) -> AuditRow:
    event: Any = p.event
    audit = event.audit
    actor = audit.actor
    topic = type(event).TOPIC
    return AuditRow(
        log=p.log,
        position=p.position,
        at=event.timestamp,
        case_kind=case_kind(topic),
        case_id=event.originator_id,
        version=event.originator_version,
        type=type(event).__name__,
        topic=topic,
        actor_kind=str(actor.kind),
        actor_id=actor.id,
        actor_name=actor.name,
        role=None if actor.role is None else str(actor.role),
        unit_code=actor.unit_code,
        reason=audit.reason,
        request_id=audit.request_id,
        causation=audit.causation,
    )


class AuditIndex(ReadModel):
    name = "audit_index"
    version = 1
    logs = EVERY_LOG

    @property
    def topics(self) -> None:
        return None  # every event of every log

    def create_tables(self, cur: Cursor, tables: Tables) -> None:
        EVENTS.create(cur, tables)

    def create_tables_to_fill(self, cur: Cursor, tables: Tables) -> None:
        EVENTS.create(cur, tables, indexes=False)

    def create_query_indexes(self, cur: Cursor, tables: Tables) -> None:
        EVENTS.create_indexes(cur, tables)

    def apply(self, cur: Cursor, tables: Tables, events: Sequence[Positioned]) -> None:
        EVENTS.copy(cur, tables, [row_of(p) for p in events])
