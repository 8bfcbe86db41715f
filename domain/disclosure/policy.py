"""Which decisions are published, and what their publication records (DOMAIN
§5): a decision event of another context → what the disclosure log must do.

Pure: given the source case as the event left it and the event, it returns
instructions; the publisher (api/disclosure/publisher.py) reads the events
and carries them out, at least once and idempotently (one disclosure per
decision: `disclosure_id`).

- 行政许可: a grant (the licence issued), a change, a renewal (decided or
  deemed, Art. 50), a withdrawal, a revocation and a cancellation are each
  published at once; a withdrawal or revocation also retracts the licence's
  earlier entries (tombstones).
- 行政处罚: an ordinary-procedure penalty that is not a warning only
  (处罚信息公示规定 Art. 2; the decision's `published`) is prepared when
  decided and published when served: it takes effect on service, and the
  party is told at service that it will be published (Art. 8).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.disclosure.record import (
    Category,
    DecisionKind,
    PublicRecord,
    public_party,
    scrub,
)
from domain.enforcement.case import EnforcementCase
from domain.enforcement.terms import PENALTY_NAMES, Decision
from domain.licensing.licence import Licence


@dataclass(frozen=True)
class Prepare:
    decision: str  # the decision's key within its case
    record: PublicRecord
    unit_code: str
    publish: bool  # publish at once (else on a later event)


@dataclass(frozen=True)
class Publish:
    decision: str


@dataclass(frozen=True)
class Retract:
    """Retract earlier published decisions of the case: `targets`, or (None)
    every one its history published (a licence's grant, changes, renewals)."""

    decision: str  # the withdrawing or revoking decision's key
    reason: str
    ordered_on: date
    targets: tuple[str, ...] | None = None


Instruction = Prepare | Publish | Retract

# Decisions of a licence whose entries a withdrawal or revocation retracts.
RETRACTABLE_PREFIXES = ("granted", "changed:", "renewed:")


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}元"


# -- 行政许可 ---------------------------------------------------------------------------


def licence_record(
    lic: Licence, category: Category, decided_on: date, number: str, basis: str
) -> PublicRecord:
    holder = lic.holder
    return PublicRecord(
        kind=DecisionKind.LICENCE,
        category=category,
        decision_number=number,
        title=lic.item_name,
        **public_party(
            holder.name,
            holder.party_type.value,
            holder.uscc,
            holder.legal_representative,
        ),
        content=scrub(lic.scope),
        basis=basis,
        reason="",
        decided_on=decided_on,
        valid_from=lic.valid_from,
        valid_until=lic.valid_until,
        licence_number=lic.licence_number,
        certificate_name=lic.certificate_name,
        authority="",
        authority_unit_code=lic.authority_unit_code,
    )


def _on_licence(lic: Licence, e: Any) -> list[Instruction]:
    art = "中华人民共和国行政许可法"

    def publish(
        category: Category, key: str, on: date, number: str, basis: str
    ) -> Prepare:
        record = licence_record(lic, category, on, number, basis)
        return Prepare(key, record, lic.authority_unit_code, publish=True)

    if isinstance(e, Licence.Issued):
        return [
            publish(
                Category.GRANTED,
                "granted",
                lic.valid_from,
                lic.decision_number,
                f"{art} 第38条",
            )
        ]
    version = e.originator_version
    if isinstance(e, Licence.Changed):
        return [
            publish(
                Category.CHANGED,
                f"changed:{version}",
                e.changed_on,
                e.decision_number,
                f"{art} 第49条",
            )
        ]
    if isinstance(e, Licence.Renewed):
        return [
            publish(
                Category.RENEWED,
                f"renewed:{version}",
                e.renewed_on,
                e.decision_number,
                f"{art} 第50条",
            )
        ]
    if isinstance(e, Licence.RenewalDeemedGranted):
        return [
            publish(
                Category.RENEWED,
                f"renewed:{version}",
                e.deemed_on,
                lic.decision_number,
                e.rule,
            )
        ]
    if isinstance(e, Licence.Withdrawn):
        key = f"withdrawn:{version}"
        return [
            publish(
                Category.WITHDRAWN,
                key,
                e.withdrawn_on,
                lic.decision_number,
                f"{art} 第8条",
            ),
            Retract(key, "行政许可已撤回", e.withdrawn_on),
        ]
    if isinstance(e, Licence.Revoked):
        key = f"revoked:{version}"
        return [
            publish(Category.REVOKED, key, e.revoked_on, lic.decision_number, e.rule),
            Retract(key, "行政许可已撤销", e.revoked_on),
        ]
    if isinstance(e, Licence.Cancelled):
        return [
            publish(
                Category.CANCELLED,
                f"cancelled:{version}",
                e.cancelled_on,
                lic.decision_number,
                f"{art} 第70条",
            )
        ]
    if isinstance(e, Licence.Scrapped):
        # 报废 cancels the use registration (特种设备安全法 Art. 48): public as a 注销.
        return [
            publish(
                Category.CANCELLED,
                f"cancelled:{version}",
                e.scrapped_on,
                e.decision_number,
                e.rule,
            )
        ]
    return []


# -- 行政处罚 ---------------------------------------------------------------------------


def penalty_record(case: EnforcementCase, d: Decision) -> PublicRecord:
    party = case.party
    return PublicRecord(
        kind=DecisionKind.PENALTY,
        category=Category.PENALISED,
        decision_number=d.decision_number,
        title="、".join(PENALTY_NAMES[k] for k in d.penalties),
        **public_party(
            party.name,
            party.party_type.value,
            party.uscc,
            party.legal_representative,
        ),
        content=scrub(d.result),
        basis=scrub(d.legal_basis),
        reason=scrub(d.violation),
        decided_on=d.decided_on,
        authority=d.authority,
        authority_unit_code=case.unit_code,
        penalty_kinds=tuple(k.value for k in d.penalties),
        fine_fen=d.fine_fen,
        confiscation_fen=d.confiscation_fen,
    )


def _on_penalty_case(case: EnforcementCase, e: Any) -> list[Instruction]:
    decision = case.decision
    if decision is None or not decision.published:
        return []
    if isinstance(e, EnforcementCase.Decided):
        record = penalty_record(case, decision)
        return [Prepare("penalised", record, case.unit_code, publish=False)]
    if isinstance(e, EnforcementCase.Served):
        return [Publish("penalised")]
    if isinstance(e, EnforcementCase.DecisionRevoked):
        key = f"decision_revoked:{e.originator_version}"
        reason = f"行政处罚决定已撤销（{e.rule}）"
        return [Retract(key, reason, e.revoked_on, targets=("penalised",))]
    return []


# The source logs and, per aggregate class, how its events are read.
FOLLOWED: Mapping[str, Mapping[type[Any], Callable[[Any, Any], list[Instruction]]]] = {
    "licensing": {Licence: _on_licence},
    "enforcement": {EnforcementCase: _on_penalty_case},
}

TOPICS: Mapping[str, frozenset[str]] = {
    "licensing": frozenset(
        c.TOPIC
        for c in (
            Licence.Issued,
            Licence.Changed,
            Licence.Renewed,
            Licence.RenewalDeemedGranted,
            Licence.Withdrawn,
            Licence.Revoked,
            Licence.Cancelled,
            Licence.Scrapped,
        )
    ),
    "enforcement": frozenset(
        c.TOPIC
        for c in (
            EnforcementCase.Decided,
            EnforcementCase.Served,
            EnforcementCase.DecisionRevoked,
        )
    ),
}


def instructions(log: str, case: Any, event: Any) -> list[Instruction]:
    """What publishing a source event asks for (none for an unknown kind)."""
    read = FOLLOWED.get(log, {}).get(type(case))
    return read(case, event) if read is not None else []


def retractable(decisions: list[str]) -> list[str]:
    """Of a case's decision keys, those a withdrawal or revocation retracts."""
    return [d for d in decisions if d.startswith(RETRACTABLE_PREFIXES)]


def decision_keys(events: list[Any]) -> list[str]:
    """The decision keys a licence's history has published (in order)."""
    return [key for e in events for key in _keys_of(e)]


def _keys_of(e: Any) -> list[str]:
    if isinstance(e, Licence.Issued):
        return ["granted"]
    if isinstance(e, Licence.Changed):
        return [f"changed:{e.originator_version}"]
    if isinstance(e, (Licence.Renewed, Licence.RenewalDeemedGranted)):
        return [f"renewed:{e.originator_version}"]
    return []
