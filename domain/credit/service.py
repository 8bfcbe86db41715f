"""The credit context: directed data from the credit system (定向推送数据) into
the enterprise directory (检查对象名录库), with a report of every bad row.

The directory's facts (registered, renamed, distributed to a unit, listed,
removed) are the registry's events, one row's changes saved at once; each
carries the importer's audit stamp with the batch as its causation. The
batch itself (the file's SHA-256, its kind, its counts) is this context's
event, recorded once per file: importing a file again records nothing new.
"""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.persistence import IntegrityError
from pydantic import BaseModel, ConfigDict

from domain.credit.batch import Counts, ImportBatch, batch_id
from domain.credit.formats import FLAG, TITLE, Kind, Problem, Row, read
from domain.registry.enterprise import EnterpriseProfile
from domain.shared.audit import Audit, Caller, Role
from domain.shared.command import CaseType
from domain.shared.errors import DomainError, NotFoundError, PermissionDeniedError
from domain.shared.service import DatedService

ADMIN = frozenset({Role.ADMIN})


class ImportReport(BaseModel):
    """The validation report: counts, each row's outcome, each fault."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    title: str
    sha256: str
    batch_id: str
    recorded: bool  # False: this file was imported before (nothing new recorded)
    counts: Counts
    problems: list[dict[str, Any]]
    outcomes: list[dict[str, Any]]  # each changed row: row, USCC, what was done
    # Where the directory's changes were recorded (the registry's log), for
    # read-your-writes; the batch's own event is in this context's log.
    log: str
    position: int

    @property
    def errors(self) -> int:
        return self.counts.rejected


class Credit(DatedService):
    name = "credit"
    cases: ClassVar = (CaseType(ImportBatch, "import batch"),)
    rights: ClassVar = {"import_directed_data": ADMIN}

    def import_directed_data(
        self, who: Audit | Caller, data: bytes, kind: Kind | None = None
    ) -> ImportReport:
        """Check the file (refused whole if its encoding or header is wrong),
        apply its good rows one by one, and record the batch once."""
        audit = self.authorise("import_directed_data", who, None)
        found = read(data, kind, self.today())
        batch = batch_id(found.kind, found.sha256)
        stamp = audit.model_copy(update={"causation": f"credit-import:{batch}"})
        problems = found.problems
        outcomes: list[dict[str, Any]] = []
        rejected = {p.row for p in problems if p.severity == "error"}
        written = 0
        for row in found.good:
            try:
                done, at = self._apply(found.kind, row, stamp)
            except DomainError as refusal:
                problems.append(_refused(row, refusal))
                rejected.add(row.row)
                continue
            except IntegrityError:
                problems.append(
                    Problem(
                        row.row, None, "conflict", "changed meanwhile; import again"
                    )
                )
                rejected.add(row.row)
                continue
            written = max(written, at)
            if done:
                outcomes.append({"row": row.row, "uscc": row.uscc, "done": list(done)})
        problems.sort(key=lambda p: (p.row, p.severity != "error"))
        warned = {p.row for p in problems if p.severity == "warning"} - rejected
        counts = Counts(
            rows=found.rows,
            applied=len(outcomes),
            unchanged=found.rows - len(outcomes) - len(rejected),
            rejected=len(rejected),
            warnings=len(warned),
        )
        recorded = False
        if self.find(ImportBatch, batch) is None:
            result = self.commit(
                ImportBatch.record(found.kind, found.sha256, found.size, counts, stamp)
            )
            recorded = not result.replayed
        return ImportReport(
            kind=found.kind,
            title=TITLE[found.kind],
            sha256=found.sha256,
            batch_id=str(batch),
            recorded=recorded,
            counts=counts,
            problems=[p.as_dict() for p in problems],
            outcomes=outcomes,
            log=self.registry.name,
            position=written,
        )

    def _apply(self, kind: Kind, row: Row, audit: Audit) -> tuple[tuple[str, ...], int]:
        profile = EnterpriseProfile(
            uscc=row.uscc,
            name=row.name,
            region_code=row.region_code,
            industry=row.industry,
        )
        where = f"（{TITLE[kind]}定向推送数据第{row.row}行）"
        if kind is Kind.NEW:
            return self.registry.receive_registration(
                profile, audit.because(f"新设立登记{where}")
            )
        assert row.listed_on is not None
        removal = None
        if row.removed_on is not None:
            removal = (
                row.removed_on,
                row.removal_reason + where,
                row.removal_authority or row.authority,
            )
        return self.registry.receive_listing(
            profile,
            FLAG[kind],
            row.listed_on,
            row.authority,
            audit.because(row.listing_reason + where),
            removal,
        )


def _refused(row: Row, refusal: DomainError) -> Problem:
    if isinstance(refusal, NotFoundError):
        return Problem(row.row, row.region_column, "region_unknown", refusal.detail)
    if isinstance(refusal, PermissionDeniedError):
        return Problem(
            row.row, row.region_column, "outside_jurisdiction", refusal.detail
        )
    return Problem(row.row, None, "refused", refusal.detail)
