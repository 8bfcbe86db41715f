"""Importing past matters from a bureau's old system (历史办件导入).

An admin imports a CSV (import_format.py). Each good row becomes one
`LicenceApplication.Imported` event (history.py) in the licensing log: the
matter's own dates inside, recorded now under the admin's audit stamp with
the batch as its causation, so the history, the audit trail and the
statistics show what happened when, and who brought it in. Nothing of it is a
live action of staff: no deadline runs on an imported matter and the clock
never acts on one.

Good rows are imported and bad rows named and left out (not all or nothing):
the rows are independent matters, and a migration of tens of thousands of
rows should not wait on a few bad ones — the corrected rows are imported by
running the file again. That is safe because a matter's id is derived from
its unit and old id: a row already imported records nothing new ("already
imported"), and a row whose old id is stored with other content is refused
as a conflict. Rows are saved a thousand at a time (docs/upstream-save-hang.md
on why a save is bounded).
"""

from __future__ import annotations

import contextvars
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from typing import Any, Final, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent
from pydantic import BaseModel, ConfigDict, Field

from domain.licensing.application import LicenceApplication
from domain.licensing.history import (
    ImportSource,
    Outcome,
    PastHandling,
    import_batch_id,
    imported_application_id,
)
from domain.licensing.import_format import (
    C_ITEM,
    C_SOURCE,
    C_UNIT,
    PastRow,
    read_past_matters,
)
from domain.licensing.parties import Channel
from domain.licensing.service import Licensing
from domain.registry.catalogue import ApprovalMode, Catalogue, ItemTerms
from domain.shared.audit import Audit, Caller
from domain.shared.csvfile import Problem
from domain.shared.errors import PermissionDeniedError

IMPORT: Final = "import_past_matters"  # Licensing.rights: an admin's
CORRECTION_NOTICE_WD: Final = 5  # 行政许可法 第32条第1款第4项
# Events per save: bounded, so no one statement is tens of megabytes.
CHUNK: Final = 1000


class ImportCounts(BaseModel):
    model_config = ConfigDict(frozen=True)

    rows: int = Field(ge=0)  # data rows (blank lines not counted)
    imported: int = Field(ge=0)  # recorded by this import (or, dry run, would be)
    already_imported: int = Field(ge=0)  # stored before with the same content
    refused: int = Field(ge=0)  # bad rows and conflicts: nothing recorded
    warnings: int = Field(ge=0)  # rows imported with a warning (a repeat)


class ImportReport(BaseModel):
    """The validation report: what the import did, each row at fault."""

    model_config = ConfigDict(frozen=True)

    batch_id: UUID
    sha256: str
    dry_run: bool
    counts: ImportCounts
    problems: list[dict[str, Any]]
    log: str
    position: int  # the log position of the last event recorded (0: none)


@runtime_checkable
class BulkInsert(Protocol):
    """A store that writes many new events in one transaction cheaply
    (api/host/recorder.py); any other gets the library's `insert_events`."""

    def insert_in_bulk(self, stored_events: Sequence[StoredEvent]) -> list[int]: ...


@runtime_checkable
class FirstEvents(Protocol):
    """A store that reads the first event of many aggregates in one query
    (api/host/recorder.py); any other is read aggregate by aggregate."""

    def select_first_events(self, ids: Sequence[UUID]) -> list[StoredEvent]: ...


class PastMatters:
    """The import, on the licensing service's store, catalogue and calendar."""

    def __init__(self, licensing: Licensing) -> None:
        self.licensing = licensing
        # Many past matters share their days: each due date is counted once.
        self._due = cache(licensing.calendar.add_working_days)

    def import_past_matters(
        self, who: Audit | Caller, data: bytes, *, dry_run: bool = False
    ) -> ImportReport:
        audit = self.licensing.authorise(IMPORT, who, None)
        found = read_past_matters(data, self.licensing.today())
        batch = import_batch_id(audit.actor.unit_code or "", found.sha256)
        stamp = audit.model_copy(update={"causation": f"licensing-import:{batch}"})
        problems = found.problems
        placed = self._placed(found.good, audit, problems)
        stored = self._stored([case_id for _, _, case_id in placed])
        new: list[tuple[PastRow, ItemTerms, UUID]] = []
        already = 0
        for row, item, case_id in placed:
            digest = stored.get(case_id, "")
            if digest == row.digest:
                already += 1
            elif case_id in stored:
                problems.append(_conflict(row))
            else:
                new.append((row, item, case_id))

        def event(n: int) -> LicenceApplication.Imported:
            row, item, case_id = new[n]
            return self._event(row, item, case_id, stamp, batch, found.sha256)

        position = 0
        if dry_run:
            for n in range(len(new)):
                event(n)  # made (and so checked) as it would be recorded
        else:
            position = self._save(event, new, problems)
        problems.sort(key=lambda p: (p.row, p.severity != "error"))
        refused = {p.row for p in problems if p.severity == "error"}
        warned = {p.row for p in problems if p.severity == "warning"} - refused
        return ImportReport(
            batch_id=batch,
            sha256=found.sha256,
            dry_run=dry_run,
            counts=ImportCounts(
                rows=found.rows,
                imported=found.rows - already - len(refused) - _repeats(problems),
                already_imported=already,
                refused=len(refused),
                warnings=len(warned),
            ),
            problems=[p.as_dict() for p in problems],
            log=self.licensing.name,
            position=position,
        )

    # -- what needs the registry: the item, the unit, the admin's jurisdiction ----

    def _placed(
        self, rows: Iterable[PastRow], audit: Audit, problems: list[Problem]
    ) -> list[tuple[PastRow, ItemTerms, UUID]]:
        catalogue = self.licensing.registry.catalogue()
        units: dict[str, Problem | None] = {}
        placed = []
        for row in rows:
            item = _item(catalogue, row.item_code)
            if item is None:
                problems.append(
                    Problem(
                        row.row,
                        C_ITEM.header,
                        "item_unknown",
                        f"licence item {row.item_code!r} is not in the catalogue",
                    )
                )
                continue
            if row.unit_code not in units:
                units[row.unit_code] = self._unit_fault(row.unit_code, audit)
            fault = units[row.unit_code]
            if fault is not None:
                problems.append(
                    Problem(row.row, C_UNIT.header, fault.code, fault.message)
                )
                continue
            placed.append(
                (row, item, imported_application_id(row.unit_code, row.source_id))
            )
        return placed

    def _unit_fault(self, unit_code: str, audit: Audit) -> Problem | None:
        if self.licensing.registry.get_unit(unit_code) is None:
            return Problem(0, None, "unit_unknown", f"no unit {unit_code}")
        try:
            self.licensing.within_jurisdiction(audit.actor, unit_code)
        except PermissionDeniedError as refusal:
            return Problem(0, None, "outside_jurisdiction", refusal.detail)
        return None

    # -- what is stored already ------------------------------------------------------

    def _stored(self, ids: Sequence[UUID]) -> dict[UUID, str]:
        """The content digest of each id stored before ("" if it is not an
        imported matter)."""
        recorder = self.licensing.recorder
        if isinstance(recorder, FirstEvents):
            firsts = [
                e
                for n in range(0, len(ids), 10 * CHUNK)
                for e in recorder.select_first_events(ids[n : n + 10 * CHUNK])
            ]
        else:
            firsts = [e for i in ids for e in recorder.select_events(i, lte=1)]
        found: dict[UUID, str] = {}
        for stored in firsts:
            first = self.licensing.mapper.to_domain_event(stored)
            digest = ""
            if isinstance(first, LicenceApplication.Imported):
                digest = first.source.digest
            found[UUID(str(stored.originator_id))] = digest
        return found

    # -- recording ---------------------------------------------------------------------

    def _event(
        self,
        row: PastRow,
        item: ItemTerms,
        case_id: UUID,
        audit: Audit,
        batch: UUID,
        sha256: str,
    ) -> LicenceApplication.Imported:
        """The matter's one event, made as the library's `_create` makes a
        creation event (the aggregate it makes is not needed to store it).
        Assembled without validating it again: each part is a value already
        checked — the catalogue's item, the row's applicant (import_format),
        the history and source just built, the audit stamp — and validating
        the whole (the item's terms again, for every row) is most of the
        import's time; the event is validated in full when it is read."""
        calendar = self.licensing.calendar
        accepted, decided = row.accepted_on, row.decided_on
        decision_due = (
            self._due(accepted, item.statutory_limit_wd) if accepted else None
        )
        days = None
        if accepted and row.outcome in (Outcome.GRANTED, Outcome.REFUSED):
            days = calendar.working_days_between(accepted, decided)
        granted = row.outcome is Outcome.GRANTED
        history = PastHandling(
            matter=row.matter,
            outcome=row.outcome,
            accepted_on=accepted,
            decided_on=decided,
            decision_number=row.decision_number,
            certificate_issued_on=row.certificate_issued_on,
            certificate_served_on=row.certificate_served_on,
            certificate_number=row.certificate_number,
            decision_limit_wd=item.statutory_limit_wd,
            decision_due=decision_due,
            certificate_due=self._due(decided, item.certificate_limit_wd)
            if granted
            else None,
            working_days_to_decision=days,
            within_limit=None if days is None else days <= item.statutory_limit_wd,
        )
        source = ImportSource(
            batch_id=batch,
            file_sha256=sha256,
            row=row.row,
            source_id=row.source_id,
            digest=row.digest,
        )
        return LicenceApplication.Imported.model_construct(
            originator_id=case_id,  # imported_application_id, from _placed
            originator_version=LicenceApplication.INITIAL_VERSION,
            originator_topic=LicenceApplication.PINNED_TOPIC,
            timestamp=LicenceApplication.Imported.create_timestamp(),
            audit=audit.because(
                f"历史办件导入：原系统编号 {row.source_id}（第{row.row}行）"
            ),
            receipt_number=f"{row.unit_code}:{row.source_id}",
            query_code_hash="",  # no query code: not found by 办件查询
            item=item,
            approval_mode=ApprovalMode.STANDARD,
            channel=Channel.COUNTER,
            applicant=row.applicant,
            agent=None,
            materials=(),
            commitment=None,
            unit_code=row.unit_code,
            received_on=row.received_on,
            correction_due=self._due(row.received_on, CORRECTION_NOTICE_WD),
            history=history,
            source=source,
        )

    def _save(
        self,
        event: Callable[[int], LicenceApplication.Imported],
        rows: list[tuple[PastRow, ItemTerms, UUID]],
        problems: list[Problem],
    ) -> int:
        """Written a chunk at a time, each chunk one transaction, by one
        writer thread while the next chunk's events are made (the database's
        time overlaps ours); a chunk that another import stored meanwhile is
        checked again and its rest written."""
        conflicts: list[Problem] = []

        def write(n: int, chunk: list[LicenceApplication.Imported]) -> list[int]:
            try:
                return self._write(chunk)
            except IntegrityError:
                meanwhile = self._stored([e.originator_id for e in chunk])
                conflicts.extend(
                    _conflict(row, meanwhile=True)
                    for row, _, case_id in rows[n : n + CHUNK]
                    if case_id in meanwhile
                )
                return self._write(
                    [e for e in chunk if e.originator_id not in meanwhile]
                )

        ids: list[int] = []
        with ThreadPoolExecutor(max_workers=1) as writer:
            pending: deque[Future[list[int]]] = deque()
            for n in range(0, len(rows), CHUNK):
                chunk = [event(m) for m in range(n, min(n + CHUNK, len(rows)))]
                # In the request's context: its cache reliances are confirmed
                # and settled by the write (domain/shared/store.py).
                context = contextvars.copy_context()
                pending.append(writer.submit(context.run, write, n, chunk))
                if len(pending) > 1:  # one chunk written while the next is made
                    ids += pending.popleft().result()
            for done in pending:
                ids += done.result()
        problems.extend(conflicts)
        return max(ids, default=0)

    def _write(self, events: Sequence[LicenceApplication.Imported]) -> list[int]:
        if not events:
            return []
        to_stored = self.licensing.mapper.to_stored_event
        stored = [to_stored(e) for e in events]
        recorder = self.licensing.recorder
        if isinstance(recorder, BulkInsert):
            return recorder.insert_in_bulk(stored)
        return list(recorder.insert_events(stored) or [])


def _item(catalogue: Catalogue, code: str) -> ItemTerms | None:
    """The item's terms as last published (a past matter's item may since
    have been withdrawn from the catalogue)."""
    return catalogue.items.get(code) or catalogue.withdrawn.get(code)


def _conflict(row: PastRow, *, meanwhile: bool = False) -> Problem:
    why = (
        "was imported meanwhile by another import; import again"
        if meanwhile
        else "was imported before with other content; nothing changed"
    )
    return Problem(
        row.row, C_SOURCE.header, "conflict", f"old id {row.source_id} {why}"
    )


def _repeats(problems: list[Problem]) -> int:
    """Rows the file repeats word for word: imported once, not counted twice."""
    return sum(
        1 for p in problems if p.code == "duplicate_row" and p.severity == "warning"
    )
