"""Licensing's service after the decision: follow-up visits (回访), enterprise
liaison (质企联系) and the applicant's rating of the handling (工作评议).

Declared here, apart from the procedure's commands, and inherited by the
Licensing service (domain/licensing/service.py): the same log, the same
command machinery, one route per command.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar
from uuid import UUID

from domain.licensing.application import LicenceApplication
from domain.licensing.follow_up import RULE_FOLLOW_UP, FollowUp, Information
from domain.licensing.liaison import (
    RULE_LIAISON,
    Contact,
    Findings,
    Liaison,
    liaison_id,
)
from domain.licensing.licence import Licence, LicenceStatus
from domain.licensing.rating import HandlingRating, rating_id
from domain.shared.audit import Audit, Role
from domain.shared.command import CaseType
from domain.shared.dates import IsoDate
from domain.shared.errors import (
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
)
from domain.shared.jurisdiction import covers
from domain.shared.satisfaction import Rating
from domain.shared.service import (
    CommandResult,
    DatedService,
    as_result,
    command,
    creation,
    replayable,
    system_command,
)
from domain.shared.text import Line, Prose
from domain.shared.uscc import USCC

# Who visits: the licensing staff of the unit (窗口、审查、负责人).
VISITORS = frozenset({Role.CLERK, Role.REVIEWER, Role.APPROVER})
APPROVER = frozenset({Role.APPROVER})

StaffNo = Annotated[str, Line(40)]
VisitFindings = Annotated[str, Prose(5000)]


class Aftercare(DatedService):
    cases: ClassVar[tuple[CaseType[Any], ...]] = (
        CaseType(FollowUp, "follow-up schedule", lambda f: f.unit_code),
        CaseType(Liaison, "liaison", lambda liaison: liaison.unit_code),
    )

    def find_by_receipt(
        self, receipt_number: str, query_code: str
    ) -> LicenceApplication:
        """办件查询's lookup (the Licensing service's)."""
        raise NotImplementedError

    def get_follow_up(self, case_id: UUID, version: int | None = None) -> FollowUp:
        return self.load(FollowUp, case_id, "follow-up schedule", version)

    def get_liaison(self, case_id: UUID, version: int | None = None) -> Liaison:
        return self.load(Liaison, case_id, "liaison", version)

    # -- 回访 ------------------------------------------------------------------------

    @command(
        VISITORS,
        summary="Record a follow-up visit (回访) and the information passed on",
        body="FollowUpVisitBody",
    )
    def record_follow_up(
        self,
        f: FollowUp,
        audit: Audit,
        *,
        visited_on: IsoDate,
        findings: VisitFindings,
        information: Information = (),
    ) -> None:
        """`information`: what was passed on (信息通报): changes in standards,
        technical rules and implementing rules, licence conditions."""
        self._require_licence_valid(f)
        f.record_visit(visited_on, findings, information, self.today(), audit)

    @system_command()
    def record_missed_visit(self, f: FollowUp, audit: Audit) -> None:
        """Fired by the clock the day after a follow-up visit fell due."""
        self._require_licence_valid(f)
        f.record_missed_visit(self.today(), audit)

    def _require_licence_valid(self, f: FollowUp) -> None:
        """The schedule ends with the licence."""
        licence = self.load(Licence, f.licence_id, "licence")
        if licence.status is not LicenceStatus.VALID:
            raise IllegalTransitionError(
                f"licence {f.licence_number} is {licence.status.value}:"
                " its follow-up visits ended with it",
                rule=RULE_FOLLOW_UP,
            )

    # -- 质企联系 ----------------------------------------------------------------------

    @creation(
        APPROVER,
        summary="Designate an enterprise's liaison contact (质企联系 定点联系)",
        body="LiaisonBody",
        replay=as_result,
        decision=True,
    )
    def designate_liaison(
        self, audit: Audit, *, uscc: USCC, contact_staff_no: StaffNo
    ) -> CommandResult:
        """The contact's unit holds the liaison; it must cover the enterprise's
        region (分片包干), and the designating approver's unit the contact's."""
        enterprise = self.registry.get_enterprise(uscc)
        if enterprise is None:
            raise NotFoundError(f"enterprise {uscc} is not in the directory")
        contact, unit = self._contact(contact_staff_no, enterprise.profile.region_code)
        self.within_jurisdiction(audit.actor, unit)
        if self.find(Liaison, liaison_id(uscc)) is not None:
            raise IllegalTransitionError(
                f"enterprise {uscc} already has a liaison", rule=RULE_LIAISON
            )
        liaison = Liaison.designate(
            uscc=uscc,
            enterprise_name=enterprise.profile.name,
            contact=contact,
            unit_code=unit,
            since=self.today(),
            audit=audit,
        )
        return self.commit(liaison)

    @command(
        APPROVER,
        summary="Designate another liaison contact",
        body="ContactBody",
        decision=True,
    )
    def change_contact(
        self, liaison: Liaison, audit: Audit, contact_staff_no: StaffNo
    ) -> None:
        enterprise = self.registry.get_enterprise(liaison.uscc)
        region = enterprise.profile.region_code if enterprise else liaison.unit_code
        contact, unit = self._contact(contact_staff_no, region)
        if not covers(liaison.unit_code, unit):
            raise InvalidInputError(
                f"{contact_staff_no} is not of unit {liaison.unit_code}, which holds"
                " the liaison",
                field="contact_staff_no",
                rule=RULE_LIAISON,
            )
        liaison.change_contact(contact, self.today(), audit)

    @command(
        VISITORS,
        summary="Record a liaison visit (走访) with its findings and the help given",
        body="LiaisonVisitBody",
    )
    def record_liaison_visit(
        self,
        liaison: Liaison,
        audit: Audit,
        *,
        visited_on: IsoDate,
        findings: Findings = (),
        help_given: Annotated[str, Prose(2000)] = "",
    ) -> None:
        liaison.record_visit(visited_on, findings, help_given, self.today(), audit)

    @system_command()
    def record_missed_quarter(self, liaison: Liaison, audit: Audit) -> None:
        """Fired by the clock the day after a quarter ended unvisited."""
        liaison.record_missed_quarter(self.today(), audit)

    @command(APPROVER, summary="End the liaison", decision=True)
    def end_liaison(self, liaison: Liaison, audit: Audit) -> None:
        liaison.end(self.today(), audit)

    def _contact(self, staff_no: str, region: str) -> tuple[Contact, str]:
        """An active member of staff whose unit covers the enterprise's region."""
        try:
            staff = self.registry.get_staff(staff_no)
        except NotFoundError:
            staff = None
        if staff is None or not staff.active or not staff.unit_code:
            raise InvalidInputError(
                f"{staff_no} is not an active member of staff",
                field="contact_staff_no",
                rule=RULE_LIAISON,
            )
        if not covers(staff.unit_code, region):
            raise InvalidInputError(
                f"{staff_no}'s unit {staff.unit_code} does not cover region {region}",
                field="contact_staff_no",
                rule=RULE_LIAISON,
            )
        return Contact(staff_no=staff.staff_no, name=staff.name), staff.unit_code

    # -- 工作评议 ----------------------------------------------------------------------

    @replayable(as_result)  # a keyed retry gets the first answer, not a 409
    def rate_handling(
        self,
        receipt_number: str,
        query_code: str,
        rating: Rating,
        comment: str,
        audit: Audit,
    ) -> CommandResult:
        """评议 by the applicant (no token): a wrong code is an unknown receipt."""
        application = self.find_by_receipt(receipt_number, query_code)
        rated = self.find(HandlingRating, rating_id(application.id)) is not None
        return self.commit(
            HandlingRating.rate(
                application, rating, comment, self.today(), audit, already_rated=rated
            )
        )
