"""OnlineSubmission (网上申报): an application sent online, pre-reviewed (网上预审)
before it becomes a received application.

行政许可法 Art. 29 lets an application arrive by electronic data and Art. 33
asks the agency to take applications online. The applicant uploads the item's
materials (their bytes live in the document store; events carry only their
`DocumentRef`); staff reply in writing: corrections needed, naming each
material to fix (the one-time notice of Art. 32 ¶1 (4), given before receipt),
after which the applicant uploads corrected versions — the old ones are kept —
and resubmits; or accepted, which receives the application with the materials
and their documents as submitted (nothing re-typed), linked from here; or
closed, for a matter that is not this bureau's (Art. 32 ¶1 (1)(2)).
"""

from __future__ import annotations

import secrets
from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.licensing.parties import Agent, Applicant
from domain.registry.catalogue import ItemTerms
from domain.shared.audit import ActorKind, Audit, require_actor, require_reason
from domain.shared.documents import DocumentRef
from domain.shared.errors import (
    IllegalTransitionError,
    InvalidInputError,
    PermissionDeniedError,
)
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import normalise_region_code
from domain.shared.text import Line, Prose

ART_29_33 = "行政许可法 第29条、第33条"
ART_31_2 = "行政许可法 第31条第2款"
ART_32_4 = "行政许可法 第32条第1款第4项"
ART_32_5 = "行政许可法 第32条第1款第5项"
# Files per material: a scanned material may take several pages.
MAX_DOCUMENTS_PER_MATERIAL = 20


def new_case_number(unit: str, on: date) -> str:
    """A receipt's or an online submission's number (受理编号): the unit, the
    day, six random digits. One space for both, so that an accepted
    submission keeps its number as the application's receipt number and the
    applicant's one query code follows both."""
    return f"{unit:0<6}{on:%Y%m%d}{secrets.randbelow(10**6):06d}"


def submission_id(number: str) -> UUID:
    """The submission number is the applicant's key to the submission."""
    return uuid5(NAMESPACE_URL, f"casetrace:licensing:submission:{number}")


class SubmissionStatus(StrEnum):
    SUBMITTED = "submitted"  # awaiting pre-review
    CORRECTIONS_REQUESTED = "corrections_requested"  # with the applicant
    RESUBMITTED = "resubmitted"  # corrected, awaiting pre-review again
    ACCEPTED = "accepted"  # received as an application
    CLOSED = "closed"  # not this bureau's matter


AWAITING_PRE_REVIEW = frozenset(
    {SubmissionStatus.SUBMITTED, SubmissionStatus.RESUBMITTED}
)


class MaterialDocuments(BaseModel):
    """One material of the item and the documents that make it up (one
    version: what was uploaded for it at once)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    material: Annotated[str, Line(200)]
    documents: tuple[DocumentRef, ...] = Field(
        min_length=1, max_length=MAX_DOCUMENTS_PER_MATERIAL
    )


class MaterialCorrection(BaseModel):
    """What to fix in one material (or supply, when it is missing), and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    material: Annotated[str, Line(200)]
    reason: Annotated[str, Prose(1000)]


Corrections = Annotated[
    tuple[MaterialCorrection, ...], Field(min_length=1, max_length=50)
]


class OnlineSubmission(Aggregate):
    PINNED_TOPIC = "casetrace.licensing.OnlineSubmission"

    class Submitted(Aggregate.Created):
        number: str
        query_code_hash: str
        item: ItemTerms
        applicant: Applicant
        agent: Agent | None
        materials: tuple[MaterialDocuments, ...]
        unit_code: str
        submitted_on: date

    class CorrectionsRequested(Aggregate.Event):
        corrections: tuple[MaterialCorrection, ...]
        replied_on: date

    class Resubmitted(Aggregate.Event):
        materials: tuple[MaterialDocuments, ...]  # the corrected ones
        resubmitted_on: date

    class Accepted(Aggregate.Event):
        receipt_number: str
        application_id: UUID
        accepted_on: date

    class Closed(Aggregate.Event):
        closed_on: date

    @event(Submitted)
    def __init__(
        self,
        *,
        audit: Audit,
        number: str,
        query_code_hash: str,
        item: ItemTerms,
        applicant: Applicant,
        agent: Agent | None,
        materials: tuple[MaterialDocuments, ...],
        unit_code: str,
        submitted_on: date,
    ) -> None:
        self.number = number
        self.query_code_hash = query_code_hash
        self.item = item
        self.applicant = applicant
        self.agent = agent
        self.unit_code = unit_code
        self.submitted_on = submitted_on
        self.status = SubmissionStatus.SUBMITTED
        self.current: dict[str, MaterialDocuments] = {m.material: m for m in materials}
        # Every version ever uploaded, oldest first (the current ones included).
        self.versions: list[MaterialDocuments] = list(materials)
        self.corrections: tuple[MaterialCorrection, ...] = ()
        self.reply: str | None = None  # the written reply's reason, as given
        self.receipt_number: str | None = None
        self.application_id: UUID | None = None
        self.decided_on: date | None = None

    # -- commands ---------------------------------------------------------------

    @classmethod
    def submit(
        cls,
        *,
        audit: Audit,
        number: str,
        query_code_hash: str,
        item: ItemTerms,
        applicant: Applicant,
        agent: Agent | None,
        materials: tuple[MaterialDocuments, ...],
        unit_code: str,
        on: date,
    ) -> OnlineSubmission:
        """网上申报, by the applicant (Arts. 29, 33)."""
        _require_public(audit)
        check_submitted_materials(item, [m.material for m in materials])
        return cls._create(
            cls.Submitted,
            id=submission_id(number),
            audit=audit,
            number=number,
            query_code_hash=query_code_hash,
            item=item,
            applicant=applicant,
            agent=agent,
            materials=materials,
            unit_code=normalise_region_code(unit_code),
            submitted_on=on,
        )

    def request_corrections(
        self, corrections: tuple[MaterialCorrection, ...], on: date, audit: Audit
    ) -> None:
        """Pre-review reply: everything to correct, at once, material by material."""
        require_reason(audit, "a pre-review reply")
        self._require_awaiting("reply to")
        _check_materials(self.item, [c.material for c in corrections], "corrections")
        self._corrections_requested(audit=audit, corrections=corrections, replied_on=on)

    def resubmit(
        self, materials: tuple[MaterialDocuments, ...], on: date, audit: Audit
    ) -> None:
        """The applicant's corrected materials: every one the reply named."""
        _require_public(audit)
        self.check_resubmission([m.material for m in materials])
        self._resubmitted(audit=audit, materials=materials, resubmitted_on=on)

    def check_resubmission(self, supplied: list[str]) -> None:
        """Whether these materials may be resubmitted now (asked before their
        bytes are stored)."""
        if self.status is not SubmissionStatus.CORRECTIONS_REQUESTED:
            raise IllegalTransitionError(
                f"the submission is {self.status}; materials are resubmitted only"
                " after a pre-review reply asked for corrections"
            )
        _check_distinct(supplied, "materials")
        named = {c.material for c in self.corrections}
        unasked = sorted(set(supplied) - named)
        missing = sorted(named - set(supplied))
        if unasked or missing:
            raise InvalidInputError(
                "resubmit exactly the materials the pre-review reply named"
                + (f"; not named: {unasked}" if unasked else "")
                + (f"; still missing: {missing}" if missing else ""),
                field="materials",
                rule=ART_32_4,
            )

    def accept(
        self, receipt_number: str, application_id: UUID, on: date, audit: Audit
    ) -> None:
        """Pre-review accepted: received as the application `receipt_number`."""
        require_actor(audit)
        self._require_awaiting("accept")
        missing = [m.name for m in self.item.materials if m.name not in self.current]
        if missing:
            raise IllegalTransitionError(
                f"materials not yet submitted: {missing}; ask for them first",
                rule=ART_32_5,
            )
        self._accepted(
            audit=audit,
            receipt_number=receipt_number,
            application_id=application_id,
            accepted_on=on,
        )

    def close(self, on: date, audit: Audit) -> None:
        """Not this bureau's matter (Art. 32 ¶1 (1)(2)): closed with reasons."""
        require_reason(audit, "closing an online submission")
        if self.status in {SubmissionStatus.ACCEPTED, SubmissionStatus.CLOSED}:
            raise IllegalTransitionError(f"the submission is already {self.status}")
        self._closed(audit=audit, closed_on=on)

    # -- what the state tells ----------------------------------------------------

    @property
    def materials(self) -> tuple[MaterialDocuments, ...]:
        """The current version of each material, in the item's order."""
        return tuple(
            self.current[m.name] for m in self.item.materials if m.name in self.current
        )

    def document(self, sha256: str) -> DocumentRef | None:
        """The document of this address in any version of any material."""
        return next(
            (d for m in self.versions for d in m.documents if d.sha256 == sha256),
            None,
        )

    def _require_awaiting(self, verb: str) -> None:
        if self.status not in AWAITING_PRE_REVIEW:
            raise IllegalTransitionError(
                f"cannot {verb} a submission that is {self.status}:"
                " only one awaiting pre-review"
            )

    # -- events (assignment only) --------------------------------------------------

    @event(CorrectionsRequested)
    def _corrections_requested(
        self,
        audit: Audit,
        corrections: tuple[MaterialCorrection, ...],
        replied_on: date,
    ) -> None:
        self.status = SubmissionStatus.CORRECTIONS_REQUESTED
        self.corrections = corrections
        self.reply = audit.reason

    @event(Resubmitted)
    def _resubmitted(
        self,
        audit: Audit,
        materials: tuple[MaterialDocuments, ...],
        resubmitted_on: date,
    ) -> None:
        self.status = SubmissionStatus.RESUBMITTED
        self.current.update({m.material: m for m in materials})
        self.versions.extend(materials)

    @event(Accepted)
    def _accepted(
        self, audit: Audit, receipt_number: str, application_id: UUID, accepted_on: date
    ) -> None:
        self.status = SubmissionStatus.ACCEPTED
        self.receipt_number = receipt_number
        self.application_id = application_id
        self.decided_on = accepted_on

    @event(Closed)
    def _closed(self, audit: Audit, closed_on: date) -> None:
        self.status = SubmissionStatus.CLOSED
        self.decided_on = closed_on
        self.reply = audit.reason


def check_submitted_materials(item: ItemTerms, names: list[str]) -> None:
    """What a submission must carry: at least one material, each the item's
    and named once (asked before the documents' bytes are stored)."""
    if not names:
        raise InvalidInputError(
            "an online submission carries at least one material", field="materials"
        )
    _check_materials(item, names, "materials")


def _require_public(audit: Audit) -> None:
    """The applicant's own acts come through the public API, never staff's."""
    if require_actor(audit).actor.kind is not ActorKind.PUBLIC:
        raise PermissionDeniedError("online submissions are made by the applicant")


def _check_distinct(names: list[str], field: str) -> None:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InvalidInputError(f"each material once: {repeated}", field=field)


def _check_materials(item: ItemTerms, names: list[str], field: str) -> None:
    """Art. 31 ¶2: only the item's materials, each named once."""
    _check_distinct(names, field)
    unknown = [n for n in names if item.material(n) is None]
    if unknown:
        raise InvalidInputError(
            f"not materials of item {item.code}: {unknown}", field=field, rule=ART_31_2
        )
