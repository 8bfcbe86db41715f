"""Intake (登记): one submission on any channel, before it is a case.

The 12315 desk records who submitted it, against whom, what happened and
what is asked (Art. 9; an oral submission is recorded by staff), then
classifies it, each a recorded decision:
- 投诉 → a Complaint; 举报 → a Report; both (Art. 7) → one of each, linked;
- 咨询 → answered and closed with the answer recorded, no case;
- outside the measures (Art. 39) → the person is told the right channel;
- 效能投诉, about the bureau's own staff (issue 10 §6) → a ConductComplaint
  for the supervision office; the intake is then known only to the desk that
  recorded it, the supervision office and auditors, never to the member of
  staff complained about (conduct.py).

A possible duplicate — the same person against the same respondent within
30 days — is flagged to the handler with the earlier intakes, never merged
(the facts are for a person to compare).
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.complaints.conduct import INTAKE_READERS, RULE_CONDUCT, may_know
from domain.complaints.matter import Answerable
from domain.complaints.parties import (
    ORAL,
    OUTSIDE_CHANNELS,
    Attachment,
    Channel,
    Classification,
    OutsideMatter,
    Respondent,
    art,
)
from domain.shared.audit import Audit, Role, require_actor, require_reason
from domain.shared.errors import IllegalTransitionError, InvalidInputError
from domain.shared.events import Aggregate
from domain.shared.personal import Sealed
from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict

DUPLICATE_WINDOW = timedelta(days=30)
RULE_DUPLICATE = "疑似重复 (issue 10 §1: same person, respondent, within 30 days)"


def intake_id(number: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:complaints:intake:{number}")


def sightings_id(match_key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:complaints:sightings:{match_key}")


class Status(StrEnum):
    REGISTERED = "registered"
    CLASSIFIED = "classified"  # became a complaint, a report, or both
    ANSWERED = "answered"  # an enquiry, answered
    REFERRED = "referred"  # outside the measures, told where to go


class Submitter(BaseModel):
    """Who submitted it, sealed: the person (None: an anonymous report), an
    agent with the original power of attorney (Art. 10), and for a joint
    complaint up to two representatives (Art. 11)."""

    model_config = ConfigDict(frozen=True)

    person: Sealed | None
    agent: Sealed | None = None
    power_of_attorney: Attachment | None = None
    representatives: tuple[Sealed, ...] = ()
    joint: bool = False


class Intake(Answerable):
    PINNED_TOPIC = "casetrace.complaints.Intake"

    class Registered(Answerable.Created):
        number: str
        query_code_hash: str
        channel: Channel
        oral: bool  # recorded by staff from what was said (Art. 9)
        submitter: Submitter
        respondent: Respondent
        facts: str
        claim: str
        attachments: tuple[Attachment, ...]
        unit_code: str  # the intake unit (Art. 37)
        received_on: date
        platform_reference: str  # the national 12315 platform's number, if any

    class DuplicateFlagged(Answerable.Event):
        earlier: tuple[str, ...]  # the earlier intakes' numbers

    class Classified(Answerable.Event):
        classification: Classification
        complaint_id: UUID | None
        report_id: UUID | None
        conduct_id: UUID | None = None  # a conduct complaint (效能投诉)
        subject_no: str | None = None  # the member of staff it is about, if named
        dispute_id: UUID | None = None  # ODR: the dispute with the business

    class EnquiryAnswered(Answerable.Event):
        answer: str
        answered_on: date

    class Referred(Answerable.Event):
        """Art. 39: not a matter of these measures; the person told where to go."""

        matter: OutsideMatter
        channel: str
        told_on: date

    @event(Registered)
    def __init__(
        self,
        *,
        audit: Audit,
        number: str,
        query_code_hash: str,
        channel: Channel,
        oral: bool,
        submitter: Submitter,
        respondent: Respondent,
        facts: str,
        claim: str,
        attachments: tuple[Attachment, ...],
        unit_code: str,
        received_on: date,
        platform_reference: str,
    ) -> None:
        self._answerable(audit)
        self.number = number
        self.query_code_hash = query_code_hash
        self.channel = channel
        self.oral = oral
        self.submitter = submitter
        self.respondent = respondent
        self.facts = facts
        self.claim = claim
        self.attachments = attachments
        self.unit_code = unit_code
        self.received_on = received_on
        self.platform_reference = platform_reference
        self.status = Status.REGISTERED
        self.duplicates: tuple[str, ...] = ()
        self.classification: Classification | None = None
        self.complaint_id: UUID | None = None
        self.report_id: UUID | None = None
        self.conduct_id: UUID | None = None
        self.subject_no: str | None = None
        self.dispute_id: UUID | None = None
        self.answer: str | None = None
        self.referred_to: OutsideMatter | None = None

    @classmethod
    def register(
        cls,
        *,
        audit: Audit,
        number: str,
        query_code_hash: str,
        channel: Channel,
        submitter: Submitter,
        respondent: Respondent,
        facts: str,
        claim: str,
        attachments: tuple[Attachment, ...],
        unit_code: str,
        on: date,
        platform_reference: str = "",
    ) -> Intake:
        require_actor(audit)
        if submitter.agent is not None and submitter.power_of_attorney is None:
            raise InvalidInputError(
                "an agent submits with the original power of attorney",
                field="power_of_attorney",
                rule=art(10),
            )
        if len(submitter.representatives) > 2:
            raise InvalidInputError(
                "a joint complaint names at most two representatives",
                field="representatives",
                rule=art(11),
            )
        if submitter.representatives and not submitter.joint:
            raise InvalidInputError(
                "representatives belong to a joint complaint",
                field="representatives",
                rule=art(11),
            )
        if channel is Channel.NATIONAL_PLATFORM and not platform_reference.strip():
            raise InvalidInputError(
                "a transfer from the national 12315 platform carries its number",
                field="platform_reference",
                rule=art(36),
            )
        return cls._create(
            cls.Registered,
            id=intake_id(number),
            audit=audit,
            number=number,
            query_code_hash=query_code_hash,
            channel=channel,
            oral=channel in ORAL,
            submitter=submitter,
            respondent=respondent,
            facts=facts,
            claim=claim,
            attachments=attachments,
            unit_code=unit_code,
            received_on=on,
            platform_reference=platform_reference,
        )

    @property
    def people(self) -> tuple[Sealed, ...]:
        s = self.submitter
        return tuple(p for p in (s.person, s.agent, *s.representatives) if p)

    @property
    def is_done(self) -> bool:
        return self.status is not Status.REGISTERED

    def readable_by(self, staff_no: str, roles: frozenset[Role]) -> bool:
        """A conduct complaint's intake: the desk that recorded it (it heard it
        all already), the supervision office and auditors, never the member
        of staff complained about (issue 10 §6)."""
        if self.conduct_id is None:
            return True
        return may_know(INTAKE_READERS, self.subject_no, staff_no, roles)

    # -- decisions -------------------------------------------------------------------

    def flag_duplicates(self, earlier: tuple[str, ...], audit: Audit) -> None:
        require_actor(audit)
        if earlier:
            self._duplicate_flagged(audit=audit, earlier=earlier)

    def classify(
        self,
        classification: Classification,
        complaint_id: UUID | None,
        report_id: UUID | None,
        audit: Audit,
        *,
        conduct_id: UUID | None = None,
        subject_no: str | None = None,
        dispute_id: UUID | None = None,
    ) -> None:
        """投诉, 举报 or both (Art. 7), 效能投诉 (about the bureau's own staff,
        issue 10 §6), or a complaint taken to an ODR business first (§3a):
        the cases are made by the service."""
        require_reason(audit, "classifying an intake")
        self._require_registered()
        if classification is Classification.CONDUCT:
            self._classify_conduct(conduct_id, subject_no, audit)
            return
        if classification is Classification.ODR:
            self._classify_odr(dispute_id, audit)
            return
        if subject_no is not None:
            raise InvalidInputError(
                "a member of staff is named by a conduct complaint (效能投诉)",
                field="staff_no",
                rule=RULE_CONDUCT,
            )
        wants_complaint = classification in (
            Classification.COMPLAINT,
            Classification.BOTH,
        )
        wants_report = classification in (Classification.REPORT, Classification.BOTH)
        if not (wants_complaint or wants_report):
            raise InvalidInputError(
                "an enquiry is answered and a matter outside the measures is referred",
                field="classification",
                rule=art(39),
            )
        if wants_complaint:
            self._require_complaint()
        self._classified(
            audit=audit,
            classification=classification,
            complaint_id=complaint_id if wants_complaint else None,
            report_id=report_id if wants_report else None,
        )

    def _classify_odr(self, dispute_id: UUID | None, audit: Audit) -> None:
        if dispute_id is None:
            raise InvalidInputError(
                "an ODR complaint needs its dispute", field="classification"
            )
        self._require_complaint()
        self._classified(
            audit=audit,
            classification=Classification.ODR,
            complaint_id=None,
            report_id=None,
            dispute_id=dispute_id,
        )

    def _require_complaint(self) -> None:
        """A complaint names its complainant and says what they ask (Art. 9)."""
        if self.submitter.person is None:
            raise InvalidInputError(
                "a complaint names its complainant (only a report may be anonymous)",
                field="classification",
                rule=art(9),
            )
        if not self.claim.strip():
            raise InvalidInputError(
                "a complaint states what the complainant asks for",
                field="classification",
                rule=art(9),
            )

    def _classify_conduct(
        self, conduct_id: UUID | None, subject_no: str | None, audit: Audit
    ) -> None:
        if conduct_id is None:
            raise InvalidInputError(
                "a conduct complaint needs its case", field="classification"
            )
        if self.submitter.person is None:
            raise InvalidInputError(
                "a conduct complaint names its complainant, who is told the outcome",
                field="classification",
                rule=RULE_CONDUCT,
            )
        self._classified(
            audit=audit,
            classification=Classification.CONDUCT,
            complaint_id=None,
            report_id=None,
            conduct_id=conduct_id,
            subject_no=subject_no,
        )

    def answer_enquiry(self, answer: str, on: date, audit: Audit) -> None:
        """咨询: answered and closed with the answer recorded (Art. 39: no case)."""
        require_actor(audit)
        self._require_registered()
        if not answer.strip():
            raise InvalidInputError("record the answer given", field="answer")
        self._enquiry_answered(audit=audit, answer=answer, answered_on=on)

    def refer(self, matter: OutsideMatter, on: date, audit: Audit) -> None:
        """Art. 39: the person is told which channel handles it."""
        require_reason(audit, "referring a matter outside the measures")
        self._require_registered()
        self._referred(
            audit=audit, matter=matter, channel=OUTSIDE_CHANNELS[matter], told_on=on
        )

    def _require_registered(self) -> None:
        if self.status is not Status.REGISTERED:
            raise IllegalTransitionError(
                f"the intake is already {self.status}", rule=art(37)
            )

    # -- mutators --------------------------------------------------------------------

    @event(DuplicateFlagged)
    def _duplicate_flagged(self, audit: Audit, earlier: tuple[str, ...]) -> None:
        self.duplicates = earlier

    @event(Classified)
    def _classified(
        self,
        audit: Audit,
        classification: Classification,
        complaint_id: UUID | None,
        report_id: UUID | None,
        conduct_id: UUID | None = None,
        subject_no: str | None = None,
        dispute_id: UUID | None = None,
    ) -> None:
        self.status = Status.CLASSIFIED
        self.classification = classification
        self.complaint_id = complaint_id
        self.report_id = report_id
        self.conduct_id = conduct_id
        self.subject_no = subject_no
        self.dispute_id = dispute_id

    @event(EnquiryAnswered)
    def _enquiry_answered(self, audit: Audit, answer: str, answered_on: date) -> None:
        self.status = Status.ANSWERED
        self.classification = Classification.ENQUIRY
        self.answer = answer

    @event(Referred)
    def _referred(
        self, audit: Audit, matter: OutsideMatter, channel: str, told_on: date
    ) -> None:
        self.status = Status.REFERRED
        self.classification = Classification.OUTSIDE
        self.referred_to = matter


class Sightings(Aggregate):
    """The intakes one person made against one respondent, under a blind key
    (a keyed hash: the key itself reveals neither), to flag duplicates."""

    PINNED_TOPIC = "casetrace.complaints.Sightings"

    class Started(Aggregate.Created):
        pass

    class Seen(Aggregate.Event):
        number: str
        on: date

    @event(Started)
    def __init__(self, *, audit: Audit) -> None:
        self.seen: list[tuple[str, date]] = []

    @classmethod
    def start(cls, match_key: str, audit: Audit) -> Sightings:
        return cls._create(cls.Started, id=sightings_id(match_key), audit=audit)

    def recent(self, on: date) -> tuple[str, ...]:
        """Intakes within the 30 days before `on`."""
        return tuple(n for n, seen in self.seen if on - seen <= DUPLICATE_WINDOW)

    def see(self, number: str, on: date, audit: Audit) -> None:
        self._seen(audit=audit, number=number, on=on)

    @event(Seen)
    def _seen(self, audit: Audit, number: str, on: date) -> None:
        self.seen.append((number, on))
