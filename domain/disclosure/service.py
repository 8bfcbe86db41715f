"""The disclosure context's service: the publisher's decisions (prepare,
publish, retract) and the clock's (a missed deadline, the end of display).

Nothing here is a person's command: what is published follows from the
decisions themselves (domain/disclosure/policy.py), so no one can publish,
hold back or edit an entry by hand. The redaction is the record's allow-list.
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.disclosure.credit import CreditExport
from domain.disclosure.disclosure import Disclosure, Source, Stage, disclosure_id
from domain.disclosure.policy import Instruction, Prepare, Publish, Retract, retractable
from domain.shared.audit import Actor, Audit
from domain.shared.command import CaseType
from domain.shared.service import DatedService, system_command

SYSTEM_PUBLISHER = Actor.system("publisher")


class DisclosureService(DatedService):
    name = "disclosure"
    cases: ClassVar = (
        CaseType(Disclosure, "disclosure", lambda d: d.unit_code),
        # Named here so that every process reading this log knows its topics.
        CaseType(CreditExport, "credit upload", lambda _: None),
    )

    def carry_out(
        self,
        log: str,
        case_id: UUID,
        position: int,
        todo: list[Instruction],
        earlier: list[str],
    ) -> int:
        """The instructions one source event gave, as the publisher (once,
        however often it is called: a disclosure done is left as it is).
        `earlier` are the case's decision keys a retraction may concern.
        Returns the last position written to the `disclosure` log (0: none)."""
        audit = Audit(
            actor=SYSTEM_PUBLISHER,
            request_id=f"publish-{log}-{position}",
            reason="双公示",
            causation=f"{log}:{position}",
        )
        changed: dict[UUID, Disclosure] = {}
        for instruction in todo:
            for d in self._apply(
                log, case_id, position, instruction, earlier, audit, changed
            ):
                changed[d.id] = d
        if not changed:
            return 0
        recordings = self.save(*changed.values())
        return int(recordings[-1].notification.id) if recordings else 0

    def _apply(
        self,
        log: str,
        case_id: UUID,
        position: int,
        instruction: Instruction,
        earlier: list[str],
        audit: Audit,
        changed: dict[UUID, Disclosure],
    ) -> list[Disclosure]:
        today = self.today()
        if isinstance(instruction, Prepare):
            key = disclosure_id(log, case_id, instruction.decision)
            if key in changed or self._get(key) is not None:
                return []
            record = instruction.record
            if not record.authority:
                unit = self.registry.get_unit(record.authority_unit_code)
                name = unit.name if unit is not None else record.authority_unit_code
                record = record.model_copy(update={"authority": name})
            d = Disclosure.prepare(
                source=Source(
                    log=log,
                    case_id=case_id,
                    decision=instruction.decision,
                    position=position,
                ),
                record=record,
                unit_code=instruction.unit_code,
                calendar=self.calendar,
                audit=audit,
            )
            if instruction.publish:
                d.publish(today, audit)
            return [d]
        if isinstance(instruction, Publish):
            found = self._get(
                disclosure_id(log, case_id, instruction.decision), changed
            )
            if found is None or found.stage is not Stage.PREPARED:
                return []
            found.publish(today, audit)
            return [found]
        return self._retract(
            log, case_id, position, instruction, earlier, audit, changed
        )

    def _retract(
        self,
        log: str,
        case_id: UUID,
        position: int,
        instruction: Retract,
        earlier: list[str],
        audit: Audit,
        changed: dict[UUID, Disclosure],
    ) -> list[Disclosure]:
        cause = Source(
            log=log, case_id=case_id, decision=instruction.decision, position=position
        )
        done: list[Disclosure] = []
        targets = instruction.targets
        for key in retractable(earlier) if targets is None else targets:
            found = self._get(disclosure_id(log, case_id, key), changed)
            if found is None or found.stage in (Stage.RETRACTED, Stage.ENDED):
                continue
            found.retract(
                reason=instruction.reason,
                cause=cause,
                ordered_on=instruction.ordered_on,
                on=self.today(),
                calendar=self.calendar,
                audit=audit,
            )
            done.append(found)
        return done

    def _get(
        self, key: UUID, changed: dict[UUID, Disclosure] | None = None
    ) -> Disclosure | None:
        if changed and key in changed:
            return changed[key]
        try:
            found: Any = self.repository.get(key)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Disclosure) else None

    # -- the clock ---------------------------------------------------------------------

    @system_command()
    def record_missed_deadline(self, d: Disclosure, audit: Audit, kind: str) -> None:
        """The clock, the day after a publication deadline passed unpublished."""
        d.record_missed(kind, self.today(), audit)

    @system_command()
    def end_display(self, d: Disclosure, audit: Audit) -> None:
        """The clock, once a penalty's display period has run (Art. 13)."""
        d.end_display(self.today(), audit)

    @system_command()
    def recompute_deadlines(self, d: Disclosure, audit: Audit) -> None:
        """The clock, when a holiday notice moved a provisional date."""
        d.recompute_deadlines(self.calendar, audit)
