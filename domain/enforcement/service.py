"""Enforcement: the application service of penalty cases (行政处罚案件).

Each command is declared once, by its decision (`domain.shared.service`): the
role, the case's jurisdiction, If-Match, the save and the result are the shape
every command shares. Officers (办案人员) investigate, hear, serve and record
payment; the head (负责人, Role.APPROVER) approves the extension and
instalments, signs the decision (行政处罚法 Art. 57) and closes the case.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, ClassVar

from domain.enforcement.case import (
    DecisionNumber,
    EnforcementCase,
    decision_number_id,
)
from domain.enforcement.terms import (
    PROCEDURE_19,
    Decision,
    DecisionRevocationGround,
    Evidence,
    ExcludedPeriod,
    NoPenaltyGround,
    Officer,
    Origin,
    Party,
    PenaltyKind,
    Procedure,
    ServiceMethod,
    publishable,
)
from domain.shared.audit import Audit, Role
from domain.shared.command import CaseType
from domain.shared.dates import IsoDate
from domain.shared.errors import (
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
)
from domain.shared.jurisdiction import RegionCode, covers
from domain.shared.service import (
    CommandResult,
    DatedService,
    as_result,
    command,
    creation,
    system_command,
)
from domain.shared.text import Line, Prose
from pydantic import Field

OFFICER = frozenset({Role.OFFICER})
APPROVER = frozenset({Role.APPROVER})

Facts = Annotated[str, Prose(5000)]
Text = Annotated[str, Prose(2000)]
StaffNo = Annotated[str, Line(40)]
Fen = Annotated[int, Field(ge=0, le=10**13)]  # money in integer fen, never float


class Enforcement(DatedService):
    name = "enforcement"
    cases: ClassVar = (
        CaseType(EnforcementCase, "penalty case", lambda c: c.unit_code),
    )

    # -- 立案 -----------------------------------------------------------------------

    @creation(
        OFFICER,
        summary="Open a penalty case (立案, 处罚程序规定 Art. 19): two or more officers",
        body="OpenPenaltyCaseBody",
        replay=as_result,
        decision=True,
    )
    def open_case(
        self,
        audit: Audit,
        *,
        party: Party,
        facts: Facts,
        unit_code: RegionCode,
        officers: Annotated[tuple[StaffNo, ...], Field(min_length=2, max_length=10)],
        origin: Origin | None = None,
        opened_on: date | None = None,
    ) -> CommandResult:
        """The case's unit is in the opener's jurisdiction; each officer holds
        Role.OFFICER in a unit covering it. `origin` is the case it was opened
        from (looked up by the caller in its context: it can lead to a penalty
        case now); `opened_on` that case's 立案 date (the 90 days run from it)."""
        self.within_jurisdiction(audit.actor, unit_code)
        if self.registry.get_unit(unit_code) is None:
            raise InvalidInputError(f"no unit {unit_code}", field="unit_code")
        today = self.today()
        on = opened_on or today
        if on > today:
            raise InvalidInputError("立案 is not in the future", field="opened_on")
        named = tuple(self._officer(n, unit_code) for n in officers)
        case = EnforcementCase.open(
            audit=audit,
            number=f"CF-{unit_code}-{on:%Y}-{_serial()}",
            unit_code=unit_code,
            party=party,
            facts=facts,
            officers=named,
            origin=origin,
            on=on,
            calendar=self.calendar,
        )
        return self.commit(case)

    def _officer(self, staff_no: str, unit_code: str) -> Officer:
        try:
            staff = self.registry.get_staff(staff_no)
        except NotFoundError:
            raise InvalidInputError(
                f"no staff member {staff_no}", field="officers"
            ) from None
        if not staff.active or Role.OFFICER not in staff.roles:
            raise InvalidInputError(
                f"{staff_no} is not an active enforcement officer (办案人员)",
                field="officers",
                rule=PROCEDURE_19,
            )
        if not covers(staff.unit_code, unit_code):
            raise InvalidInputError(
                f"{staff_no} of {staff.unit_code} has no jurisdiction over {unit_code}",
                field="officers",
                rule=PROCEDURE_19,
            )
        return Officer(
            staff_no=staff.staff_no, name=staff.name, unit_code=staff.unit_code
        )

    # -- investigation ----------------------------------------------------------------

    @command(
        OFFICER,
        summary="Record evidence: a document by its SHA-256 (行政处罚法 Art. 46)",
        body="PenaltyEvidenceBody",
    )
    def record_evidence(
        self, c: EnforcementCase, audit: Audit, evidence: Evidence
    ) -> None:
        c.record_evidence(evidence, self.today(), audit)

    @command(
        OFFICER,
        summary="Stop the 90 days: announcement, testing, expert review (程序规定 Art. 64)",
        body="PenaltyExcludeBody",
        decision=True,
    )
    def exclude_period(
        self, c: EnforcementCase, audit: Audit, kind: ExcludedPeriod
    ) -> None:
        c.exclude_period(kind, self.today(), audit)

    @command(OFFICER, summary="Resume the stopped decision limit")
    def resume_period(self, c: EnforcementCase, audit: Audit) -> None:
        c.resume_period(self.today(), self.calendar, audit)

    @command(
        APPROVER,
        summary="Extend the decision limit by 30 days, once (程序规定 Art. 64)",
        decision=True,
    )
    def extend_decision_limit(self, c: EnforcementCase, audit: Audit) -> None:
        c.extend_decision_limit(self.today(), self.calendar, audit)

    # -- the hearing -------------------------------------------------------------------

    @command(
        OFFICER,
        summary="Notify the right to a hearing (听证告知, 行政处罚法 Arts. 63–64)",
    )
    def notify_hearing_right(self, c: EnforcementCase, audit: Audit) -> None:
        c.notify_hearing_right(self.today(), self.calendar, audit)

    @command(
        OFFICER,
        summary="Record the party's hearing request (within 5 working days, Art. 64)",
    )
    def request_hearing(self, c: EnforcementCase, audit: Audit) -> None:
        c.request_hearing(self.today(), audit)

    @command(OFFICER, summary="Record that the hearing was held (Art. 64)")
    def hold_hearing(self, c: EnforcementCase, audit: Audit) -> None:
        c.hold_hearing(self.today(), self.calendar, audit)

    @command(
        OFFICER,
        summary="Record that the party waived the hearing or withdrew its request",
        decision=True,
    )
    def waive_hearing(self, c: EnforcementCase, audit: Audit) -> None:
        c.waive_hearing(self.today(), self.calendar, audit)

    # -- the decision ----------------------------------------------------------------

    @command(
        APPROVER,
        summary="Decide the penalty (处罚决定书, 行政处罚法 Arts. 57, 59–60)",
        body="PenaltyDecisionBody",
        decision=True,
    )
    def decide(
        self,
        c: EnforcementCase,
        audit: Audit,
        *,
        decision_number: Annotated[str, Line(60)],
        penalties: Annotated[
            tuple[PenaltyKind, ...], Field(min_length=1, max_length=12)
        ],
        violation: Text,
        legal_basis: Text,
        result: Text,
        fine_fen: Fen = 0,
        confiscation_fen: Fen = 0,
        procedure: Procedure = Procedure.ORDINARY,
    ) -> list[DecisionNumber]:
        """Signed by the head; the decision number is unique in the unit."""
        taken = self.find(
            DecisionNumber, decision_number_id(c.unit_code, decision_number)
        )
        if taken is not None:
            raise IllegalTransitionError(
                f"decision number {decision_number} is already used in {c.unit_code}"
            )
        unit = self.registry.get_unit(c.unit_code)
        decision = Decision(
            decision_number=decision_number,
            penalties=penalties,
            violation=violation,
            legal_basis=legal_basis,
            facts=c.facts,
            result=result,
            fine_fen=fine_fen,
            confiscation_fen=confiscation_fen,
            procedure=procedure,
            decided_on=self.today(),
            authority=unit.name if unit else c.unit_code,
            authority_unit_code=c.unit_code,
            published=publishable(procedure, penalties),
        )
        c.decide(decision, self.calendar, audit)
        number = DecisionNumber(
            audit=audit, unit_code=c.unit_code, number=decision_number, case_id=c.id
        )
        return [number]

    @command(
        APPROVER,
        summary="Decide no penalty (不予行政处罚, Art. 33) or withdraw the case (撤销立案)",
        body="NoPenaltyBody",
        decision=True,
    )
    def decide_no_penalty(
        self, c: EnforcementCase, audit: Audit, ground: NoPenaltyGround
    ) -> None:
        c.decide_no_penalty(ground, self.today(), audit)

    # -- service, payment, enforcement, closing ---------------------------------------

    @command(
        OFFICER,
        summary="Record service of the decision (within 7 working days, Arts. 61, 85)",
        body="PenaltyServeBody",
    )
    def serve(
        self,
        c: EnforcementCase,
        audit: Audit,
        *,
        served_on: IsoDate,
        method: ServiceMethod,
    ) -> None:
        c.serve(served_on, method, self.today(), self.calendar, audit)

    @command(
        APPROVER,
        summary="Approve deferred or instalment payment (Art. 66)",
        body="PenaltyInstalmentsBody",
        decision=True,
    )
    def approve_instalments(
        self,
        c: EnforcementCase,
        audit: Audit,
        *,
        count: Annotated[int, Field(ge=1, le=36)],
        last_due: IsoDate,
    ) -> None:
        c.approve_instalments(count, last_due, audit)

    @command(
        OFFICER,
        summary="Record a payment of the fine and confiscation (Art. 67)",
        body="PenaltyPaymentBody",
    )
    def record_payment(
        self,
        c: EnforcementCase,
        audit: Audit,
        *,
        amount_fen: Annotated[int, Field(ge=1, le=10**13)],
        paid_on: IsoDate,
    ) -> None:
        c.record_payment(amount_fen, paid_on, self.today(), audit)

    @command(
        OFFICER,
        summary="Apply compulsory enforcement of an unpaid penalty (强制执行, Art. 72)",
        decision=True,
    )
    def apply_enforcement(self, c: EnforcementCase, audit: Audit) -> None:
        c.apply_enforcement(self.today(), audit)

    @command(APPROVER, summary="Close the case (结案)", route="close", decision=True)
    def close_case(self, c: EnforcementCase, audit: Audit) -> None:
        c.close(self.today(), audit)

    @command(
        APPROVER,
        summary="Record that the decision was set aside (复议、诉讼撤销 or 自行纠正);"
        " its publication is withdrawn",
        body="DecisionRevokedBody",
        decision=True,
    )
    def revoke_decision(
        self, c: EnforcementCase, audit: Audit, ground: DecisionRevocationGround
    ) -> None:
        c.revoke_decision(ground, self.today(), audit)

    # -- the clock ---------------------------------------------------------------------

    @system_command()
    def record_missed_deadline(
        self, c: EnforcementCase, audit: Audit, kind: str
    ) -> None:
        """The clock, the day after the decision or service deadline passed."""
        c.record_missed(kind, self.today(), audit)

    @system_command()
    def recompute_deadlines(self, c: EnforcementCase, audit: Audit) -> None:
        """The clock, when a holiday notice moved a provisional date."""
        c.recompute_deadlines(self.calendar, audit)


def _serial() -> str:
    return secrets.token_hex(4).upper()
