"""Online submission and pre-review (网上申报、网上预审): the licensing service's
commands on an `OnlineSubmission`, a base of `Licensing`.

The applicant's acts (submit, resubmit) come through the public API with the
submission number and query code; staff's replies are declared commands (the
role, the unit's jurisdiction, If-Match, the reason). Acceptance receives the
application through the counter's own path (`Licensing._application`: the
applicant's standing and any reapplication ban are checked the same way), in
the same atomic save as the submission's `Accepted`.
"""

from __future__ import annotations

import hmac
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.licensing.application import LicenceApplication, application_id
from domain.licensing.parties import Agent, Applicant, Channel
from domain.licensing.submission import (
    Corrections,
    MaterialDocuments,
    OnlineSubmission,
    check_submitted_materials,
    new_case_number,
    submission_id,
)
from domain.registry.catalogue import ApprovalMode, ItemTerms
from domain.shared.audit import Audit, Role
from domain.shared.command import CaseType
from domain.shared.errors import InvalidInputError, NotFoundError
from domain.shared.events import Aggregate
from domain.shared.query_code import new_query_code, query_code_hash
from domain.shared.service import (
    CommandResult,
    DatedService,
    StaleVersionError,
    as_result,
    command,
    replayable,
)

CLERK = frozenset({Role.CLERK})
NOT_FOUND = "no online submission matches that number and query code"


class SubmissionReceipt(CommandResult):
    """The submission's number and query code, shown to the applicant once."""

    submission_number: str
    query_code: str


def submission_receipt_of(result: CommandResult) -> SubmissionReceipt:
    return SubmissionReceipt(
        **result.model_dump(),
        case=result.case,
        submission_number=result.extra["submission_number"],
        query_code=result.extra["query_code"],
    )


class PreReview(DatedService):
    cases: ClassVar[tuple[CaseType[Any], ...]] = (
        CaseType(OnlineSubmission, "online submission", lambda s: s.unit_code),
    )

    # -- queries -------------------------------------------------------------------

    def get_submission(
        self, case_id: UUID, version: int | None = None
    ) -> OnlineSubmission:
        return self.load(OnlineSubmission, case_id, "online submission", version)

    def find_submission(self, number: str, query_code: str) -> OnlineSubmission:
        """The applicant's submission: the same NotFound for an unknown number
        and a wrong code."""
        submission = self.find(OnlineSubmission, submission_id(number))
        expected = query_code_hash(number, query_code)
        if submission is None or not hmac.compare_digest(
            submission.query_code_hash, expected
        ):
            raise NotFoundError(NOT_FOUND)
        return submission

    # -- the applicant's acts (public) ---------------------------------------------

    def check_submission(
        self, unit_code: str, item_code: str, materials: list[str]
    ) -> ItemTerms:
        """The item, if a submission of these materials to this unit may be
        made (asked before the documents' bytes are stored)."""
        if self.registry.get_unit(unit_code) is None:
            raise InvalidInputError(f"no unit {unit_code}", field="unit_code")
        item = self.registry.get_item(item_code)
        check_submitted_materials(item, materials)
        return item

    @replayable(submission_receipt_of)
    def submit_online(
        self,
        audit: Audit,
        *,
        unit_code: str,
        item_code: str,
        applicant: Applicant,
        agent: Agent | None,
        materials: tuple[MaterialDocuments, ...],
    ) -> SubmissionReceipt:
        """网上申报: a submission number and a query code for the applicant."""
        item = self.check_submission(
            unit_code, item_code, [m.material for m in materials]
        )
        on = self.today()
        for _ in range(3):  # a number collision is astronomically rare
            number = new_case_number(unit_code, on)
            if self.find(LicenceApplication, application_id(number)) is not None:
                continue  # receipts and submissions share one space of numbers
            query_code = new_query_code()
            submission = OnlineSubmission.submit(
                audit=audit,
                number=number,
                query_code_hash=query_code_hash(number, query_code),
                item=item,
                applicant=applicant,
                agent=agent,
                materials=materials,
                unit_code=unit_code,
                on=on,
            )
            try:
                return submission_receipt_of(
                    self.commit(
                        submission, submission_number=number, query_code=query_code
                    )
                )
            except IntegrityError:
                continue
        raise RuntimeError(
            "could not allocate a unique submission number"
        )  # pragma: no cover

    @replayable(as_result)
    def resubmit_online(
        self,
        audit: Audit,
        *,
        number: str,
        query_code: str,
        materials: tuple[MaterialDocuments, ...],
        expected_version: int | None = None,
    ) -> CommandResult:
        """The corrected materials, by the applicant with the query code."""
        submission = self.find_submission(number, query_code)
        if expected_version is not None and expected_version != submission.version:
            raise StaleVersionError(
                f"online submission is at version {submission.version},"
                f" not {expected_version}"
            )
        submission.resubmit(materials, self.today(), audit)
        return self.commit(submission)

    # -- staff's pre-review ---------------------------------------------------------

    @command(
        CLERK,
        summary="Pre-review reply: corrections needed, material by material (网上预审)",
        route="request-corrections",
        body="PreReviewCorrectionsBody",
        decision=True,
    )
    def request_submission_corrections(
        self, s: OnlineSubmission, audit: Audit, corrections: Corrections
    ) -> None:
        s.request_corrections(corrections, self.today(), audit)

    @command(
        CLERK,
        summary="Pre-review accepted: received as an application (网上预审通过; Arts. 29, 33)",
        route="accept",
    )
    def accept_submission(self, s: OnlineSubmission, audit: Audit) -> list[Aggregate]:
        """The application is received as submitted: the applicant, the agent,
        the materials and their documents; nothing is typed again. It keeps
        the submission's number (and so its query code) unless a counter
        receipt took that number meanwhile."""
        on = self.today()
        number = s.number
        if self.find(LicenceApplication, application_id(number)) is not None:
            number = new_case_number(s.unit_code, on)  # pragma: no cover - rare
        s.accept(number, application_id(number), on, audit)
        application = self._application(
            audit,
            receipt_number=number,
            on=on,
            # The applicant's one code: bound to the submission's number.
            query_code_hash=s.query_code_hash,
            item=self.registry.get_item(s.item.code),
            approval_mode=ApprovalMode.STANDARD,
            channel=Channel.ONLINE,
            applicant=s.applicant,
            agent=s.agent,
            materials=tuple(m.material for m in s.materials),
            commitment=None,
            unit_code=s.unit_code,
            submission_number=s.number,
            documents=s.materials,
        )
        return [application]

    @command(
        CLERK,
        summary="Close: not this bureau's matter (Art. 32 ¶1 (1)(2))",
        route="close",
        decision=True,
    )
    def close_submission(self, s: OnlineSubmission, audit: Audit) -> None:
        s.close(self.today(), audit)

    # -- what Licensing provides ----------------------------------------------------

    def _application(
        self, audit: Audit, *, receipt_number: str, on: date, **received: Any
    ) -> LicenceApplication:
        raise NotImplementedError  # pragma: no cover - Licensing receives
