"""The licence item catalogue (行政许可事项目录): what may be applied for, on what terms.

行政许可法 Art. 30 requires each item's basis, conditions, procedure, time limit
and full list of materials to be displayed; these terms are that display, and
every change to them is an event on the catalogue (nothing is edited in place).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.shared.audit import ActorKind, Audit, require_actor, require_reason
from domain.shared.errors import IllegalTransitionError, NotFoundError
from domain.shared.events import Aggregate, AggregateSnapshot, SnapshotState
from domain.shared.text import Line, OptionalLine, OptionalProse, Prose


class ApprovalMode(StrEnum):
    """How an application for the item may be handled (DOMAIN §2)."""

    STANDARD = "standard"
    ON_THE_SPOT = "on_the_spot"  # 当场作出决定, Art. 34 ¶2
    NOTIFY_AND_COMMIT = "notify_and_commit"  # 告知承诺, 优化营商环境条例 Art. 40
    ACCEPT_WITH_DEFICIENCIES = "accept_with_deficiencies"  # 容缺受理, 国发〔2022〕5号
    VERIFY_THEN_ISSUE = "verify_then_issue"  # 先核后证


class Handling(StrEnum):
    """Art. 42: ordinary handling 20 (+10); unified/joint/centralised 45 (+15)."""

    ORDINARY = "ordinary"
    UNIFIED = "unified"


class Material(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: Annotated[str, Line(200)]
    # 容缺: only secondary materials may be supplied later (DOMAIN §2.2).
    deferrable: bool = False
    # Its legal form (法定形式, 行政许可法 Art. 31-32): original or copy,
    # copies, signature or seal — printed in the one-time written notice.
    form: Annotated[str, OptionalLine(200)] = ""  # "" until the bureau states it


# 行政许可法 Art. 42 ¶2 with Art. 26: an item handled jointly (联合办理,
# 并联审批) is decided within 45 working days, extendable by 15 with the
# approval of the head of the same-level government (DOMAIN §1.4).
JOINT_LIMIT_WD = 45
JOINT_EXTENSION_WD = 15
RULE_JOINT = "行政许可法 第42条第2款、第26条"


class JointParticipant(BaseModel):
    """A unit or department whose opinion a joint review (并联审批) waits for.

    `unit_code` names a unit of this bureau (its staff record the opinion);
    None is another department (住建部门, 消防救援机构…), whose written opinion
    the case handler records. Silence past the limit is an opinion only where
    the item's own rule says so: no national article making it 视为同意 was
    found (UNCONFIRMED), so the item names that rule in `deemed_rule`."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(
        pattern=r"^[A-Z0-9][A-Z0-9\-]{0,19}$",
        description="参与单位代码 — the participant's code in this item, e.g. ZJ",
    )
    name: Annotated[str, Line(100)] = Field(
        description="参与单位 — the unit or department, e.g. 住建部门, 消防救援机构"
    )
    unit_code: str | None = Field(
        default=None,
        pattern=r"^\d{2,6}$",
        description="本局单位 — its region code if a unit of this bureau; null:"
        " another department",
    )
    limit_wd: int = Field(
        ge=1,
        le=JOINT_LIMIT_WD,
        description="办理时限 — its limit in working days from acceptance",
    )
    deemed_agreement: bool = Field(
        default=False,
        description="逾期视为同意 — silence past the limit is deemed agreement",
    )
    deemed_rule: Annotated[str, Prose(300)] | None = Field(
        default=None,
        description="视为同意依据 — the rule that deems silence agreement",
    )

    @model_validator(mode="after")
    def _deemed_by_a_rule(self) -> JointParticipant:
        if self.deemed_agreement and not self.deemed_rule:
            msg = f"participant {self.code}: name the rule that deems silence agreement"
            raise ValueError(msg)
        return self


class ItemTerms(BaseModel):
    """One catalogue entry (事项) as published."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9\-]{1,39}$")
    name: Annotated[str, Line(200)]
    category: Annotated[str, Line(100)]
    licence_type: Annotated[str, Line(20)] = "普通"  # 双公示 XK_XKLB
    legal_basis: Annotated[str, Prose(1000)]
    time_limit_rule: Annotated[str, Prose(300)]
    handling: Handling = Handling.ORDINARY
    statutory_limit_wd: int = Field(ge=1, le=365)
    promised_limit_wd: int = Field(
        ge=1,
        le=365,
        description="承诺办结时限 — promised limit in working days; "
        "at most statutory_limit_wd",
    )
    extension_wd: int = Field(default=10, ge=0, le=60)
    certificate_limit_wd: int = Field(default=10, ge=1, le=60)
    certificate_name: Annotated[str, Line(200)]
    validity_months: int | None = Field(default=None, ge=1, le=1200)
    # Art. 50: apply 30 days before expiry, unless the item's rule says otherwise
    # (生产许可证: 6 months, 条例 Art. 25); months count back by calendar month.
    renewal_lead_months: int = Field(default=0, ge=0, le=24)
    renewal_lead_days: int = Field(default=30, ge=0, le=730)
    renewal_rule: Annotated[str, Prose(300)] = "行政许可法 第50条"
    follow_up_months: int = Field(
        default=12,
        ge=1,
        le=120,
        description="回访 — months between follow-up visits to the holder after a"
        " grant (行政许可回访制度); the first falls due this long after the grant",
    )
    materials: tuple[Material, ...] = Field(min_length=1)
    approval_modes: frozenset[ApprovalMode] = Field(
        json_schema_extra={"contains": {"const": "standard"}},
        description="审批方式 — approval modes the item allows; always standard",
    )
    on_site_review: bool = False
    # 特种设备使用登记: its holder may also file 停用, 启用 and 报废 (特种设备安全法
    # Arts. 33, 48; TSG 08-2017) as matters of their own.
    use_registration: bool = Field(
        default=False,
        description="使用登记 — a special-equipment use registration, which "
        "takes suspension (停用), reactivation (启用) and scrapping (报废)",
    )
    safety_critical: bool = False  # refusal interviews escalate to the city unit
    fee_fen: int = Field(default=0, ge=0)
    # The fee's legal basis (行政许可法 Art. 58-59), and what the holder must
    # do once licensed, each with its article: the one-time written notice.
    fee_basis: Annotated[str, OptionalProse(500)] = ""
    obligations: tuple[Annotated[str, Prose(500)], ...] = ()
    # 并联审批: the units and departments whose opinions the decision waits for.
    joint_review: tuple[JointParticipant, ...] = Field(
        default=(),
        max_length=20,
        description="并联审批 — the units and departments whose opinions the"
        " decision waits for (Art. 26, Art. 42 ¶2)",
    )

    @model_validator(mode="before")
    @classmethod
    def _lead_in_months_or_days(cls, data: Any) -> Any:
        # A lead given in months (生产许可证: 6 months) is not also 30 days on top.
        if (
            isinstance(data, dict)
            and data.get("renewal_lead_months")
            and ("renewal_lead_days" not in data)
        ):
            return {**data, "renewal_lead_days": 0}
        return data

    @model_validator(mode="after")
    def _coherent(self) -> ItemTerms:
        if self.promised_limit_wd > self.statutory_limit_wd:
            msg = "promised limit may not exceed the statutory limit"
            raise ValueError(msg)
        if ApprovalMode.STANDARD not in self.approval_modes:
            # 告知承诺 and 容缺 are opt-in: the normal procedure must stay open.
            msg = "every item must allow the standard procedure"
            raise ValueError(msg)
        self._check_joint_review()
        return self

    def _check_joint_review(self) -> None:
        """Art. 42 ¶2: joint handling runs on its own limit (45 + 15); each
        participant's limit fits inside it, and each code names one participant."""
        if not self.joint_review:
            return
        if self.handling is not Handling.UNIFIED:
            msg = f"an item with a joint review is handled as unified ({RULE_JOINT})"
            raise ValueError(msg)
        if (
            self.statutory_limit_wd > JOINT_LIMIT_WD
            or self.extension_wd > JOINT_EXTENSION_WD
        ):
            msg = (
                f"joint handling is decided within {JOINT_LIMIT_WD} working days,"
                f" extendable by {JOINT_EXTENSION_WD} ({RULE_JOINT})"
            )
            raise ValueError(msg)
        codes = [p.code for p in self.joint_review]
        if len(set(codes)) != len(codes):
            msg = "each participant of the joint review has its own code"
            raise ValueError(msg)
        if any(p.limit_wd > self.statutory_limit_wd for p in self.joint_review):
            msg = "a participant's limit may not exceed the item's statutory limit"
            raise ValueError(msg)

    def participant(self, code: str) -> JointParticipant | None:
        return next((p for p in self.joint_review if p.code == code), None)

    def material(self, name: str) -> Material | None:
        return next((m for m in self.materials if m.name == name), None)

    def allows(self, mode: ApprovalMode) -> bool:
        return mode in self.approval_modes


CATALOGUE_ID = uuid5(NAMESPACE_URL, "casetrace:registry:catalogue")


class CatalogueState(SnapshotState):
    items: dict[str, ItemTerms]
    withdrawn: dict[str, ItemTerms]
    revised_by_staff: set[str] = Field(default_factory=set)


class Catalogue(Aggregate):
    """The single published catalogue; one aggregate so a listing is one read."""

    PINNED_TOPIC = "casetrace.registry.Catalogue"

    class Snapshot(AggregateSnapshot):
        state: CatalogueState

    class Opened(Aggregate.Created):
        pass

    class ItemPublished(Aggregate.Event):
        terms: ItemTerms

    class ItemRevised(Aggregate.Event):
        terms: ItemTerms

    class ItemWithdrawn(Aggregate.Event):
        code: str

    @staticmethod
    def create_id(*_: object, **__: object) -> UUID:
        return CATALOGUE_ID

    @event(Opened)
    def __init__(self, *, audit: Audit) -> None:
        self.items: dict[str, ItemTerms] = {}
        self.withdrawn: dict[str, ItemTerms] = {}
        # Items a person has revised or withdrawn: shipped updates leave them be.
        self.revised_by_staff: set[str] = set()

    @classmethod
    def open(cls, audit: Audit) -> Catalogue:
        return cls(audit=require_actor(audit))

    def get(self, code: str) -> ItemTerms:
        try:
            return self.items[code]
        except KeyError:
            raise NotFoundError(
                f"licence item {code!r} is not in the catalogue"
            ) from None

    def publish(self, terms: ItemTerms, audit: Audit) -> None:
        require_actor(audit)
        if terms.code in self.items:
            raise IllegalTransitionError(f"item {terms.code} is already published")
        self._item_published(audit=audit, terms=terms)

    def revise(self, terms: ItemTerms, audit: Audit) -> None:
        require_reason(audit, "revising a catalogue item")
        current = self.get(terms.code)
        if current == terms:
            raise IllegalTransitionError(
                f"item {terms.code}: the revision changes nothing"
            )
        self._item_revised(audit=audit, terms=terms)

    def withdraw(self, code: str, audit: Audit) -> None:
        require_reason(audit, "withdrawing a catalogue item")
        self.get(code)
        self._item_withdrawn(audit=audit, code=code)

    @event(ItemPublished)
    def _item_published(self, audit: Audit, terms: ItemTerms) -> None:
        self.items[terms.code] = terms
        self.withdrawn.pop(terms.code, None)
        if audit.actor.kind is ActorKind.STAFF:
            # The bureau's own item: a shipped item of that code never overwrites it.
            self.revised_by_staff.add(terms.code)

    @event(ItemRevised)
    def _item_revised(self, audit: Audit, terms: ItemTerms) -> None:
        self.items[terms.code] = terms
        if audit.actor.kind is ActorKind.STAFF:
            self.revised_by_staff.add(terms.code)

    @event(ItemWithdrawn)
    def _item_withdrawn(self, audit: Audit, code: str) -> None:
        self.withdrawn[code] = self.items.pop(code)
        if audit.actor.kind is ActorKind.STAFF:
            self.revised_by_staff.add(code)
