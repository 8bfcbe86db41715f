"""The audit contract every event carries: who, why, under which request, caused by what.

DESIGN §3: 全过程留痕 cannot be backfilled, so the domain refuses a command that
arrives without an actor, and a decision that arrives without a reason.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.shared.errors import AuditContractError


class ActorKind(StrEnum):
    STAFF = "staff"
    SYSTEM = "system"
    PUBLIC = "public"
    # A business acting on its own ODR disputes with its key (issue 10 §3a).
    BUSINESS = "business"


class Role(StrEnum):
    """Staff roles (DESIGN §1); a staff member may hold several."""

    CLERK = "clerk"  # 窗口受理
    REVIEWER = "reviewer"  # 审查员 / 核查人员
    APPROVER = "approver"  # 负责人
    AUDITOR = "auditor"  # 纪检 / 法制 / 上级: reads everything, changes nothing
    ADMIN = "admin"  # maintains the catalogue and staff directory
    INTAKE = "intake"  # 12315 受理: records every channel's submissions, routes them
    HANDLER = "handler"  # 投诉举报处理: accepts, mediates, verifies, answers
    SUPERVISION = "supervision"  # 督察 / 纪检: complaints about the bureau's own staff
    # 个人信息查阅权: held with another role (an auditor's), it lets its holder
    # open a complainant's or reporter's personal data, each read recorded.
    PERSONAL_DATA = "personal_data"
    PLANNER = (
        "planner"  # 抽查计划: the item list, the directories, plans and their draw
    )
    INSPECTOR = "inspector"  # 执法检查人员: drawn at random; samples, orders, re-checks
    LABORATORY = "laboratory"  # 检验机构: records test results and re-test conclusions
    OFFICER = "officer"  # 办案人员 (≥2 per case): opens and decides penalty cases


class Actor(BaseModel):
    """Who did it. Staff carry their unit (a region code) and the role they acted in."""

    model_config = ConfigDict(frozen=True)

    kind: ActorKind
    id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=100)
    role: Role | None = None
    unit_code: str | None = None

    @classmethod
    def system(cls, process: str) -> Actor:
        """A process of ours acting by rule, e.g. `system:clock` firing a deadline."""
        return cls(kind=ActorKind.SYSTEM, id=f"system:{process}", name=process)


SYSTEM_DEMO = Actor.system("demo")
SYSTEM_CLOCK = Actor.system("clock")
SYSTEM_BOOTSTRAP = Actor.system("bootstrap")


class Audit(BaseModel):
    """The audit stamp recorded in every event (DESIGN §3 "Rules every event follows")."""

    model_config = ConfigDict(frozen=True)

    actor: Actor
    request_id: str = Field(min_length=1, max_length=200)
    reason: str | None = Field(default=None, max_length=2000)
    causation: str | None = Field(default=None, max_length=200)

    def because(self, reason: str | None) -> Audit:
        """The same stamp with the reason a person gave for this decision."""
        return self.model_copy(update={"reason": reason})


class Caller(BaseModel):
    """A person asking for a command before the role they act in is known: staff
    may hold several roles, and the command's declaration decides which one the
    audit stamp records (`ContextService.acting`, the one place roles are checked)."""

    model_config = ConfigDict(frozen=True)

    audit: Audit  # the stamp as it will be recorded, but for the role
    roles: frozenset[Role]

    def acting_as(self, role: Role) -> Audit:
        actor = self.audit.actor.model_copy(update={"role": role})
        return self.audit.model_copy(update={"actor": actor})


def require_actor(audit: Audit | None) -> Audit:
    """Refuse a command that does not say who is acting."""
    if audit is None or not isinstance(audit, Audit):
        raise AuditContractError(
            "every command must name its actor (全过程留痕)", rule="DESIGN §3"
        )
    return audit


def require_reason(audit: Audit | None, decision: str) -> Audit:
    """Refuse a decision by a person that gives no reason."""
    stamp = require_actor(audit)
    if stamp.actor.kind is ActorKind.STAFF and not (stamp.reason or "").strip():
        raise AuditContractError(
            f"{decision} is a decision and must record the reason for it",
            rule="DESIGN §3",
        )
    return stamp
