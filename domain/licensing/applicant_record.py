"""ApplicantRecord: what licensing must remember about an applicant across cases.

Reapplication bans (行政许可法 Arts. 78–79) and false commitments (告知承诺,
国办发〔2020〕42号) are decided on one case but bind the next one. Keeping them
in the licensing context lets the deciding command save the case and the record
in one atomic save, and lets receipt check them with one keyed read.
"""

from __future__ import annotations

import hashlib
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.licensing.parties import Applicant
from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.errors import IllegalTransitionError
from domain.shared.events import Aggregate

ART_78 = "行政许可法 第78条"
ART_79 = "行政许可法 第79条"


def party_key(applicant: Applicant) -> str:
    """Organisations by USCC; a natural person by a hash of the ID number (spaces
    and the case of a final 'x' do not make another person), so the record's id
    and events never carry the number itself."""
    if applicant.uscc:
        return f"uscc:{applicant.uscc}"
    number = "".join((applicant.id_document_number or "").split()).upper()
    digest = hashlib.sha256(number.encode()).hexdigest()
    return f"person:{digest}"


def applicant_record_id(applicant: Applicant) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:licensing:applicant:{party_key(applicant)}")


class ApplicantRecord(Aggregate):
    PINNED_TOPIC = "casetrace.licensing.ApplicantRecord"

    class Opened(Aggregate.Created):
        party_key: str

    class ReapplicationBanned(Aggregate.Event):
        item_code: str
        until: date
        case_id: UUID
        rule: str

    class FalseCommitmentRecorded(Aggregate.Event):
        licence_id: UUID
        found_on: date

    class CreditRestored(Aggregate.Event):
        restored_on: date

    @event(Opened)
    def __init__(self, *, audit: Audit, party_key: str) -> None:
        self.party_key = party_key
        self.bans: dict[str, date] = {}
        self.false_commitments: list[UUID] = []

    @classmethod
    def open(cls, applicant: Applicant, audit: Audit) -> ApplicantRecord:
        return cls._create(
            cls.Opened,
            id=applicant_record_id(applicant),
            audit=require_actor(audit),
            party_key=party_key(applicant),
        )

    def banned_until(self, item_code: str, on: date) -> date | None:
        until = self.bans.get(item_code)
        return until if until is not None and on <= until else None

    def check_may_apply(self, item_code: str, on: date) -> None:
        until = self.banned_until(item_code, on)
        if until is not None:
            raise IllegalTransitionError(
                f"the applicant may not apply for {item_code} again until {until}",
                rule=f"{ART_78}、{ART_79}",
            )

    @property
    def has_false_commitment(self) -> bool:
        """A false commitment closes 告知承诺 and 容缺 until 信用修复."""
        return bool(self.false_commitments)

    def ban(
        self, item_code: str, until: date, case_id: UUID, rule: str, audit: Audit
    ) -> None:
        require_actor(audit)
        current = self.bans.get(item_code)
        if current is not None and current >= until:
            return  # a longer ban already stands; nothing new to record
        self._reapplication_banned(
            audit=audit, item_code=item_code, until=until, case_id=case_id, rule=rule
        )

    def record_false_commitment(self, licence_id: UUID, on: date, audit: Audit) -> None:
        require_actor(audit)
        if licence_id in self.false_commitments:
            return
        self._false_commitment_recorded(audit=audit, licence_id=licence_id, found_on=on)

    def restore_credit(self, on: date, audit: Audit) -> None:
        """信用修复: the false commitments no longer close 告知承诺 and 容缺.
        Reapplication bans are statutory periods and are not lifted by it."""
        require_reason(audit, "credit restoration (信用修复)")
        if not self.false_commitments:
            raise IllegalTransitionError(
                "there is no false commitment on record to restore from",
                rule="国办发〔2020〕42号",
            )
        self._credit_restored(audit=audit, restored_on=on)

    @event(CreditRestored)
    def _credit_restored(self, audit: Audit, restored_on: date) -> None:
        self.false_commitments = []

    @event(ReapplicationBanned)
    def _reapplication_banned(
        self, audit: Audit, item_code: str, until: date, case_id: UUID, rule: str
    ) -> None:
        self.bans[item_code] = until

    @event(FalseCommitmentRecorded)
    def _false_commitment_recorded(
        self, audit: Audit, licence_id: UUID, found_on: date
    ) -> None:
        self.false_commitments.append(licence_id)
