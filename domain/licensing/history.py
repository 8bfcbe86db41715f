"""Past matters imported from a bureau's old system (历史办件导入): what the
`LicenceApplication.Imported` event records beside the receipt.

An imported matter is recorded as imported, never as live actions of staff:
one event, stamped with the importing admin and the import batch, recorded
at the time of the import, carrying the matter's history with its own dates
(receipt, acceptance, decision, certificate) and where it came from (the
file's SHA-256, the row, the old system's id). Its id is derived from the
unit and the old id, so importing the same row again records nothing new.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Final
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict

from domain.licensing.matter import Matter
from domain.shared.calendar import DueDate


class Outcome(StrEnum):
    """How a past matter ended."""

    GRANTED = "granted"  # 准予许可 (Art. 38 ¶1)
    REFUSED = "refused"  # 不予许可 (Art. 38 ¶2)
    NOT_ACCEPTED = "not_accepted"  # 不予受理 (Art. 32 ¶1)
    WITHDRAWN = "withdrawn"  # 撤回申请 (Art. 37 by the applicant)


OUTCOME_NAMES: Final = {
    Outcome.GRANTED: "准予许可",
    Outcome.REFUSED: "不予许可",
    Outcome.NOT_ACCEPTED: "不予受理",
    Outcome.WITHDRAWN: "撤回",
}


def imported_application_id(unit_code: str, source_id: str) -> UUID:
    """One case per old record of a unit: the same row imported again is the
    same case (the old system's ids are unique per unit, not nationally)."""
    return uuid5(NAMESPACE_URL, f"casetrace:licensing:imported:{unit_code}:{source_id}")


def import_batch_id(unit_code: str, sha256: str) -> UUID:
    """One batch per file and importing unit."""
    return uuid5(NAMESPACE_URL, f"casetrace:licensing:import:{unit_code}:{sha256}")


class ImportSource(BaseModel):
    """Where an imported matter came from, and what it said (its digest tells
    a repeat of the row from a conflicting one)."""

    model_config = ConfigDict(frozen=True)

    batch_id: UUID
    file_sha256: str
    row: int  # as a spreadsheet shows it (the header is row 1)
    source_id: str  # the old system's id of the matter
    digest: str  # SHA-256 of the row's values as cleaned


class PastHandling(BaseModel):
    """A past matter's history as the old system recorded it, and how it
    stands against the legal limit counted by this service's calendar."""

    model_config = ConfigDict(frozen=True)

    matter: Matter
    outcome: Outcome
    accepted_on: date | None
    decided_on: date  # the decision, non-acceptance or withdrawal
    decision_number: str | None
    certificate_issued_on: date | None
    certificate_served_on: date | None
    certificate_number: str | None
    decision_limit_wd: int  # the item's statutory limit (Art. 42)
    decision_due: DueDate | None  # from acceptance; None if never accepted
    certificate_due: DueDate | None  # Art. 44, from a grant
    working_days_to_decision: int | None
    # Within the legal limit (Arts. 42, 82), counted in working days by this
    # service's calendar; provisional where a year had no published notice.
    within_limit: bool | None
