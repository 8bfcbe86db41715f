"""An inspection plan (抽查任务) and its publicly verifiable draw (DOMAIN §4.1).

Drafted by a planner for one check item, with its scope (region, industries,
products), a count or a ratio (capped for a general item), the weighting, the
targets a higher level already sampled in the period (excluded, 产品质量法
Art. 15) and public nominations to include (你点我查); approved by an
approver; filed with the next level up (国市监信〔2019〕38号).

The draw (docs/draw.md, `domain.inspections.draw`):
1. `commit`: the candidates and the inspector pool are frozen in a snapshot;
   its SHA-256 and the SHA-256 of a fresh secret seed are published (the
   commitment). Every commitment stays in the plan's history: a plan that
   abandons one to commit again shows it.
2. `draw`: a public value fixed after the commitment (a witness's value, read
   out at the draw) and the secret make the draw; the secret is revealed in
   the same event. Anyone re-runs it from the published document.
3. `recuse`: an inspector declares a conflict after the draw; their slot is
   re-drawn the same verifiable way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.inspections import draw
from domain.inspections.check_item import CheckItemTerms
from domain.inspections.inspection import inspection_id
from domain.inspections.rules import (
    MIN_INSPECTORS,
    RULE_FILING,
    RULE_NO_REPEAT,
    RULE_RANDOM,
    RULE_RECUSAL,
    RULE_RESULTS_PUBLIC,
    RULE_TWO_INSPECTORS,
    IndustryCode,
    ItemKind,
    Product,
    TargetKind,
    Weighting,
)
from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.errors import IllegalTransitionError, InvalidInputError
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import (
    RegionCode,
    covers,
    normalise_region_code,
    parent_of,
)
from domain.shared.text import Line
from domain.shared.uscc import USCC


def plan_id(number: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"casetrace:inspections:plan:{number}")


class Status(StrEnum):
    DRAFTED = "drafted"
    APPROVED = "approved"
    FILED = "filed"  # 报上一级备案
    COMMITTED = "committed"  # the commitment published
    DRAWN = "drawn"
    PUBLISHED = "published"  # the results made public


class HigherSample(BaseModel):
    """A target a higher level sampled in the same period (产品质量法 Art. 15)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    uscc: USCC
    level: Annotated[str, Line(40)]  # 国家 / 省级 / 市级
    reference: Annotated[str, Line(100)]  # its plan or notice number


class Scope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    region: RegionCode  # a prefix: the plan's unit or below
    industries: tuple[IndustryCode, ...] = Field(default=(), max_length=20)
    products: tuple[Product, ...] = Field(default=(), max_length=20)


class PlanTerms(BaseModel):
    """What a planner drafts; the plan's number is the system's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Annotated[str, Line(200)]
    item_code: str
    period_from: date
    period_to: date
    scope: Scope
    count: int | None = Field(default=None, ge=1, le=10_000)
    ratio_permille: int | None = Field(default=None, ge=1, le=1000)
    weighting: Weighting = Weighting()
    higher_samples: tuple[HigherSample, ...] = Field(default=(), max_length=200)
    # Nominated firms to include (你点我查), drawn first; each counts.
    included: tuple[USCC, ...] = Field(default=(), max_length=100)
    nominations: tuple[UUID, ...] = Field(default=(), max_length=100)
    inspectors_per_target: int = Field(default=MIN_INSPECTORS, ge=1, le=10)
    exclude_home_desk: bool = False


class DirectoryEntry(BaseModel):
    """A target as the directory shows it when the snapshot is taken."""

    model_config = ConfigDict(frozen=True)

    uscc: str
    name: str
    region_code: str
    industry: str
    products: tuple[str, ...] = ()
    priority: bool = False
    abnormal: bool = False
    complaints: int = 0
    # The firm's last check under the plan's item (the directory keeps it).
    last_inspected: date | None = None


class PoolEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    staff_no: str
    unit_code: str
    lines: tuple[str, ...]
    active: bool = True
    conflicts: tuple[str, ...] = ()


class Assigned(BaseModel):
    """A drawn target and its inspectors, as the plan records it."""

    model_config = ConfigDict(frozen=True)

    uscc: str
    name: str
    region_code: str
    inspectors: tuple[str, ...]
    nominated: bool
    inspection_id: UUID


class Commitment(BaseModel):
    """The plan's current commitment (the `Committed` event's facts)."""

    model_config = ConfigDict(frozen=True)

    snapshot: dict[str, Any]
    snapshot_sha256: str
    seed_sha256: str
    secret: str
    names: dict[str, str]
    regions: dict[str, str]


class InspectionPlan(Aggregate):
    PINNED_TOPIC = "casetrace.inspections.InspectionPlan"

    class Drafted(Aggregate.Created):
        number: str
        unit_code: str
        terms: PlanTerms
        item: CheckItemTerms
        rule: str

    class Approved(Aggregate.Event):
        pass

    class Filed(Aggregate.Event):
        filed_with: str
        filed_on: date
        reference: str
        rule: str

    class Committed(Aggregate.Event):
        """The commitment: published at once (the secret is not)."""

        snapshot: dict[str, Any]
        snapshot_sha256: str
        seed_sha256: str
        secret: str  # kept from every reader until `Drawn` reveals it
        names: dict[str, str]  # USCC → name, for the inspections made
        regions: dict[str, str]  # USCC → region code
        excluded: tuple[str, ...]  # in scope, left out (Art. 15, frequency)
        sequence: int  # the plan's how-many-th commitment

    class CommitmentAbandoned(Aggregate.Event):
        sequence: int

    class Drawn(Aggregate.Event):
        public_value: str
        witness: str
        secret: str  # revealed
        assignments: tuple[Assigned, ...]
        drawn_on: date
        rule: str

    class Recused(Aggregate.Event):
        uscc: str
        staff_no: str
        replacement: str
        rule: str

    class ResultsPublished(Aggregate.Event):
        published_on: date
        rule: str

    @staticmethod
    def create_id(*_: object, number: str = "", **__: object) -> UUID:
        return plan_id(number)

    @event(Drafted)
    def __init__(
        self,
        *,
        audit: Audit,
        number: str,
        unit_code: str,
        terms: PlanTerms,
        item: CheckItemTerms,
        rule: str,
    ) -> None:
        self.number = number
        self.unit_code = unit_code
        self.terms = terms
        self.item = item
        self.status = Status.DRAFTED
        self.filed_with: str | None = None
        self.commitment: Commitment | None = None
        self.commitments = 0
        self.public_value: str | None = None
        self.witness: str | None = None
        self.revealed: str | None = None
        self.assignments: tuple[Assigned, ...] = ()
        self.recusals: tuple[draw.Recusal, ...] = ()
        self.drawn_on: date | None = None

    @classmethod
    def draft(
        cls,
        number: str,
        unit_code: str,
        terms: PlanTerms,
        item: CheckItemTerms,
        active_item: bool,
        audit: Audit,
    ) -> InspectionPlan:
        require_actor(audit)
        _check_terms(unit_code, terms, item, active_item)
        return cls(
            audit=audit,
            number=number,
            unit_code=unit_code,
            terms=terms,
            item=item,
            rule=RULE_RANDOM,
        )

    # -- approval and filing ---------------------------------------------------------

    def approve(self, audit: Audit) -> None:
        require_reason(audit, "approving a plan")
        self._require(Status.DRAFTED, "approve")
        self._approved(audit=audit)

    def file(
        self, filed_with: str, filed_on: date, reference: str, audit: Audit
    ) -> None:
        require_actor(audit)
        self._require(Status.APPROVED, "file")
        if normalise_region_code(filed_with) != parent_of(self.unit_code):
            raise InvalidInputError(
                f"a plan of {self.unit_code} is filed with the level above "
                f"({parent_of(self.unit_code)}), not {filed_with}",
                field="filed_with",
                rule=RULE_FILING,
            )
        self._filed(
            audit=audit,
            filed_with=filed_with,
            filed_on=filed_on,
            reference=reference,
            rule=RULE_FILING,
        )

    # -- the draw ------------------------------------------------------------------------

    def commit(
        self,
        entries: Sequence[DirectoryEntry],
        pool: Sequence[PoolEntry],
        secret: str,
        audit: Audit,
    ) -> None:
        """Freeze the candidates and the pool and publish the commitment."""
        require_actor(audit)
        self.require_committable()
        candidates, excluded = self._candidates(entries)
        snapshot = draw.Snapshot(
            plan=self.number,
            item=self.terms.item_code,
            candidates=tuple(candidates),
            included=tuple(sorted(self.terms.included)),
            count=self._count(len(candidates)),
            pool=self._pool(pool),
            per_target=self.terms.inspectors_per_target,
            exclude_home_desk=self.terms.exclude_home_desk,
        )
        self._committed(
            audit=audit,
            snapshot=json.loads(draw.canonical_json(snapshot)),
            snapshot_sha256=draw.snapshot_hash(snapshot),
            seed_sha256=draw.seed_hash(secret),
            secret=secret,
            names={e.uscc: e.name for e in entries},
            regions={e.uscc: e.region_code for e in entries},
            excluded=tuple(excluded),
            sequence=self.commitments + 1,
        )

    def require_committable(self) -> None:
        """Approved and filed, with no commitment standing."""
        self._require(Status.FILED, "commit the draw of")

    def abandon_commitment(self, audit: Audit) -> None:
        """A commitment found wrong before the draw (a directory error): it
        stays in the history, and a new one is needed (so re-rolling shows)."""
        require_reason(audit, "abandoning a draw's commitment")
        self._require(Status.COMMITTED, "abandon the commitment of")
        self._commitment_abandoned(audit=audit, sequence=self.commitments)

    def make_draw(
        self, public_value: str, witness: str, on: date, audit: Audit
    ) -> None:
        require_actor(audit)
        self._require(Status.COMMITTED, "draw")
        commitment = self._commitment()
        snapshot = self.snapshot
        result = draw.draw(snapshot, commitment.secret, public_value)
        self._drawn(
            audit=audit,
            public_value=public_value,
            witness=witness,
            secret=commitment.secret,
            assignments=tuple(self._assigned(a, commitment) for a in result),
            drawn_on=on,
            rule=f"{RULE_RANDOM}; {RULE_TWO_INSPECTORS}",
        )

    def recuse(self, uscc: str, staff_no: str, audit: Audit) -> draw.Recusal:
        """The slot of an inspector who declared a conflict after the draw is
        re-drawn (回避), verifiably: returns the recusal with the replacement."""
        require_reason(audit, "a recusal")
        if self.status not in (Status.DRAWN, Status.PUBLISHED):
            raise IllegalTransitionError(f"plan {self.number} has not been drawn")
        assert self.public_value is not None
        assert self.revealed is not None
        _, recusal = draw.redraw(
            self.snapshot,
            self.revealed,
            self.public_value,
            tuple(_drawn(a) for a in self.assignments),
            self.recusals,
            uscc,
            staff_no,
        )
        self._recused(
            audit=audit,
            uscc=uscc,
            staff_no=staff_no,
            replacement=recusal.replacement,
            rule=RULE_RECUSAL,
        )
        return recusal

    def publish_results(self, on: date, audit: Audit) -> None:
        require_actor(audit)
        self._require(Status.DRAWN, "publish the results of")
        self._results_published(audit=audit, published_on=on, rule=RULE_RESULTS_PUBLIC)

    # -- what it shows -------------------------------------------------------------------

    @property
    def snapshot(self) -> draw.Snapshot:
        return draw.snapshot_from_json(self._commitment().snapshot)

    def published(self) -> dict[str, Any]:
        """The draw's published document: the commitment alone before the
        draw, everything after it (docs/draw.md)."""
        commitment = self._commitment()
        drawn = self.revealed is not None
        return draw.document(
            self.snapshot,
            secret=self.revealed,
            public_value=self.public_value,
            assignments=tuple(_drawn(a) for a in self.assignments) if drawn else (),
            recusals=self.recusals,
            seed_sha256=commitment.seed_sha256,
        )

    def inspectors_of(self, uscc: str) -> tuple[str, ...]:
        for a in self.assignments:
            if a.uscc == uscc:
                return a.inspectors
        raise InvalidInputError(
            f"{uscc} was not drawn in plan {self.number}", field="uscc"
        )

    # -- rules -------------------------------------------------------------------------

    def _require(self, status: Status, action: str) -> None:
        if self.status is not status:
            raise IllegalTransitionError(
                f"cannot {action} plan {self.number}: it is {self.status.value}, not {status.value}"
            )

    def _commitment(self) -> Commitment:
        if self.commitment is None:
            raise IllegalTransitionError(f"plan {self.number} has no commitment yet")
        return self.commitment

    def _candidates(
        self, entries: Sequence[DirectoryEntry]
    ) -> tuple[list[draw.Candidate], list[str]]:
        scope = self.terms.scope
        higher = {h.uscc for h in self.terms.higher_samples}
        candidates: list[draw.Candidate] = []
        excluded: list[str] = []
        for e in sorted({e.uscc: e for e in entries}.values(), key=lambda e: e.uscc):
            if not _in_scope(e, scope):
                continue
            if e.uscc in higher or _checked_too_often(
                e.last_inspected, self.terms, self.item
            ):
                excluded.append(e.uscc)
                continue
            weight = self.terms.weighting.weight(
                priority=e.priority, abnormal=e.abnormal, complaints=e.complaints
            )
            candidates.append(draw.Candidate(e.uscc, weight, e.region_code))
        if not candidates:
            raise InvalidInputError(
                "no firm of the directory is in the plan's scope", field="scope"
            )
        missing = set(self.terms.included) - {c.uscc for c in candidates}
        if missing:
            raise InvalidInputError(
                f"nominated firms not in scope or excluded: {sorted(missing)}",
                field="included",
                rule=RULE_NO_REPEAT,
            )
        return candidates, excluded

    def _count(self, n: int) -> int:
        if self.terms.count is not None:
            count = self.terms.count
        else:
            assert self.terms.ratio_permille is not None
            count = math.ceil(n * self.terms.ratio_permille / 1000)
        count = max(count, len(self.terms.included))
        if count > n:
            raise InvalidInputError(
                f"the plan draws {count} targets; only {n} are in scope", field="count"
            )
        cap = self.item.max_ratio_permille
        if cap is not None and count * 1000 > cap * n and count > 1:
            raise InvalidInputError(
                f"{count} of {n} exceeds the general item's cap of {cap}‰",
                field="count",
                rule=RULE_RANDOM,
            )
        return count

    def _pool(self, pool: Sequence[PoolEntry]) -> tuple[draw.PoolMember, ...]:
        members = sorted(
            (
                p
                for p in {p.staff_no: p for p in pool}.values()
                if p.active
                and self.item.line in p.lines
                and covers(self.unit_code, p.unit_code)
            ),
            key=lambda p: p.staff_no,
        )
        if len(members) < self.terms.inspectors_per_target:
            raise InvalidInputError(
                f"the pool has {len(members)} active inspectors of {self.item.line}; "
                f"each target needs {self.terms.inspectors_per_target}",
                field="pool",
                rule=RULE_TWO_INSPECTORS,
            )
        return tuple(
            draw.PoolMember(p.staff_no, p.unit_code, tuple(sorted(set(p.conflicts))))
            for p in members
        )

    def _assigned(self, a: draw.Assignment, c: Commitment) -> Assigned:
        return Assigned(
            uscc=a.uscc,
            name=c.names.get(a.uscc, a.uscc),
            region_code=c.regions.get(a.uscc, self.unit_code),
            inspectors=a.inspectors,
            nominated=a.nominated,
            inspection_id=inspection_id(self.number, a.uscc),
        )

    # -- events ------------------------------------------------------------------------

    @event(Approved)
    def _approved(self, audit: Audit) -> None:
        self.status = Status.APPROVED

    @event(Filed)
    def _filed(
        self, audit: Audit, filed_with: str, filed_on: date, reference: str, rule: str
    ) -> None:
        self.status = Status.FILED
        self.filed_with = filed_with

    @event(Committed)
    def _committed(
        self,
        audit: Audit,
        snapshot: dict[str, Any],
        snapshot_sha256: str,
        seed_sha256: str,
        secret: str,
        names: dict[str, str],
        regions: dict[str, str],
        excluded: tuple[str, ...],
        sequence: int,
    ) -> None:
        self.status = Status.COMMITTED
        self.commitments = sequence
        self.commitment = Commitment(
            snapshot=snapshot,
            snapshot_sha256=snapshot_sha256,
            seed_sha256=seed_sha256,
            secret=secret,
            names=names,
            regions=regions,
        )

    @event(CommitmentAbandoned)
    def _commitment_abandoned(self, audit: Audit, sequence: int) -> None:
        self.status = Status.FILED
        self.commitment = None

    @event(Drawn)
    def _drawn(
        self,
        audit: Audit,
        public_value: str,
        witness: str,
        secret: str,
        assignments: tuple[Assigned, ...],
        drawn_on: date,
        rule: str,
    ) -> None:
        self.status = Status.DRAWN
        self.public_value = public_value
        self.witness = witness
        self.revealed = secret
        self.assignments = assignments
        self.drawn_on = drawn_on

    @event(Recused)
    def _recused(
        self, audit: Audit, uscc: str, staff_no: str, replacement: str, rule: str
    ) -> None:
        self.recusals = (*self.recusals, draw.Recusal(uscc, staff_no, replacement))
        self.assignments = tuple(
            a.model_copy(
                update={
                    "inspectors": tuple(
                        replacement if s == staff_no else s for s in a.inspectors
                    )
                }
            )
            if a.uscc == uscc
            else a
            for a in self.assignments
        )

    @event(ResultsPublished)
    def _results_published(self, audit: Audit, published_on: date, rule: str) -> None:
        self.status = Status.PUBLISHED


def _drawn(a: Assigned) -> draw.Assignment:
    return draw.Assignment(a.uscc, a.inspectors, a.nominated)


def _in_scope(e: DirectoryEntry, scope: Scope) -> bool:
    if not e.region_code.startswith(normalise_region_code(scope.region)):
        return False
    if scope.industries and not any(e.industry.startswith(i) for i in scope.industries):
        return False
    return not scope.products or bool(set(scope.products) & set(e.products))


def _checked_too_often(
    last: date | None, terms: PlanTerms, item: CheckItemTerms
) -> bool:
    """The item's frequency: a firm checked under it this period's year
    already that many times is not drawn again (only the last check is
    known, so a frequency of 1 a year is what this can enforce)."""
    return (
        last is not None
        and last.year == terms.period_from.year
        and item.frequency_per_year <= 1
    )


def _check_terms(
    unit_code: str, terms: PlanTerms, item: CheckItemTerms, active_item: bool
) -> None:
    if not active_item:
        raise InvalidInputError(f"check item {item.code} is retired", field="item_code")
    if (terms.count is None) == (terms.ratio_permille is None):
        raise InvalidInputError(
            "a plan draws either a count or a ratio (permille), not both or neither",
            field="count",
        )
    if terms.period_to < terms.period_from:
        raise InvalidInputError("the period ends before it starts", field="period_to")
    if not covers(unit_code, terms.scope.region):
        raise InvalidInputError(
            f"the scope {terms.scope.region} is outside unit {unit_code}",
            field="scope",
        )
    cap = item.max_ratio_permille
    if item.kind is ItemKind.GENERAL and terms.ratio_permille is not None:
        assert cap is not None
        if terms.ratio_permille > cap:
            raise InvalidInputError(
                f"a general item's ratio is capped at {cap}‰",
                field="ratio_permille",
                rule=RULE_RANDOM,
            )
    if terms.inspectors_per_target < MIN_INSPECTORS:
        raise InvalidInputError(
            f"each target needs at least {MIN_INSPECTORS} inspectors",
            field="inspectors_per_target",
            rule=RULE_TWO_INSPECTORS,
        )
    if item.target_kind is TargetKind.ENTERPRISE and terms.scope.products:
        raise InvalidInputError(
            "an enterprise item's scope names no products", field="scope"
        )
    if len(set(terms.included)) != len(terms.included):
        raise InvalidInputError("a nominated firm is named twice", field="included")
