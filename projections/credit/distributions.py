"""Read model `credit_distributions`: one row per enterprise in the directory,
with the unit its new registration was distributed to (分送) and when, so
each unit lists the newly registered firms it is now responsible for."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.registry.enterprise import Enterprise

from projections.cases import CaseOnBoard, CaseReadModel, Handler
from projections.schema import BigInt, Index, Table


@dataclasses.dataclass
class DistributionRow:
    id: UUID
    version: int
    uscc: str
    name: str
    region_code: str
    unit_code: str | None = None  # None until distributed
    seq: BigInt | None = None  # the registry log position of the distribution
    distributed_at: datetime | None = None
    batch: str | None = None  # the import that distributed it (its causation)


class Distributions(CaseReadModel[DistributionRow]):
    name = "credit_distributions"
    logs = ("registry",)
    version = 1
    case_kind = "enterprise"
    row_table = Table(
        DistributionRow,
        primary_key=("id",),
        indexes=(Index("unit_code text_pattern_ops", "seq"), Index("seq")),
    )

    @property
    def handlers(self) -> Mapping[type[Any], Handler]:
        return {
            Enterprise.Registered: _registered,
            Enterprise.Renamed: _renamed,
            Enterprise.Distributed: _distributed,
        }

    def deadline_context(self, row: DistributionRow) -> CaseOnBoard:  # pragma: no cover
        return CaseOnBoard(row.region_code, row.uscc, "enterprise", row.name, row.name)


def _registered(row: DistributionRow | None, e: Any, p: int) -> DistributionRow:
    profile = e.profile
    return DistributionRow(
        id=e.originator_id,
        version=e.originator_version,
        uscc=profile.uscc,
        name=profile.name,
        region_code=profile.region_code,
    )


def _renamed(row: DistributionRow | None, e: Any, p: int) -> DistributionRow:
    assert row is not None
    row.name = e.name
    return row


def _distributed(row: DistributionRow | None, e: Any, p: int) -> DistributionRow:
    assert row is not None
    row.unit_code = e.unit_code
    row.seq = p
    row.distributed_at = e.timestamp
    causation = e.audit.causation or ""
    row.batch = causation.removeprefix("credit-import:") or None
    return row
