"""One import of a directed-data file (定向推送数据): which file, what came of it."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.shared.audit import Audit, require_actor
from domain.shared.events import Aggregate


def batch_id(kind: str, sha256: str) -> UUID:
    """One batch per file and kind: the same file imported again is the same batch."""
    return uuid5(NAMESPACE_URL, f"casetrace:credit:import:{kind}:{sha256}")


class Counts(BaseModel):
    """What the import did with the file's rows."""

    model_config = ConfigDict(frozen=True)

    rows: int = Field(ge=0)  # data rows (blank lines not counted)
    applied: int = Field(ge=0)  # rows that changed the directory
    unchanged: int = Field(ge=0)  # good rows already recorded
    rejected: int = Field(ge=0)  # bad rows: nothing changed
    warnings: int = Field(ge=0)  # rows applied with a warning for review


class ImportBatch(Aggregate):
    PINNED_TOPIC = "casetrace.credit.ImportBatch"

    class Imported(Aggregate.Created):
        kind: str
        sha256: str
        size: int
        counts: Counts

    @staticmethod
    def create_id(*_: object, kind: str = "", sha256: str = "", **__: object) -> UUID:
        # The library passes create_id only the keyword arguments it names.
        return batch_id(kind, sha256)

    @event(Imported)
    def __init__(
        self, *, audit: Audit, kind: str, sha256: str, size: int, counts: Counts
    ) -> None:
        self.kind = kind
        self.sha256 = sha256
        self.size = size
        self.counts = counts

    @classmethod
    def record(
        cls, kind: str, sha256: str, size: int, counts: Counts, audit: Audit
    ) -> ImportBatch:
        return cls(
            audit=require_actor(audit),
            kind=kind,
            sha256=sha256,
            size=size,
            counts=counts,
        )
