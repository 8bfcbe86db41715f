"""An enterprise in the directory (检查对象名录库): identified by its USCC."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.errors import IllegalTransitionError
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import RegionCode
from domain.shared.uscc import USCC, validate_uscc


def enterprise_id(uscc: str) -> UUID:
    """One enterprise per USCC, so it is found by code without any index."""
    return uuid5(NAMESPACE_URL, f"casetrace:registry:enterprise:{validate_uscc(uscc)}")


class EnterpriseProfile(BaseModel):
    model_config = ConfigDict(frozen=True)

    uscc: USCC
    name: str = Field(min_length=1, max_length=200)
    region_code: RegionCode
    industry: str = Field(default="", max_length=100)
    risk_tags: tuple[str, ...] = ()


class Enterprise(Aggregate):
    PINNED_TOPIC = "casetrace.registry.Enterprise"

    class Registered(Aggregate.Created):
        profile: EnterpriseProfile

    class Renamed(Aggregate.Event):
        name: str

    class CreditFlagged(Aggregate.Event):
        flag: str

    class CreditRestored(Aggregate.Event):
        flag: str

    @staticmethod
    def create_id(
        *_: object, profile: EnterpriseProfile | None = None, **__: object
    ) -> UUID:
        # The library passes create_id only the keyword arguments it names.
        assert profile is not None
        return enterprise_id(profile.uscc)

    @event(Registered)
    def __init__(self, *, audit: Audit, profile: EnterpriseProfile) -> None:
        self.profile = profile
        self.credit_flags: set[str] = set()

    @classmethod
    def register(cls, profile: EnterpriseProfile, audit: Audit) -> Enterprise:
        return cls(audit=require_actor(audit), profile=profile)

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def has_bad_credit(self) -> bool:
        """告知承诺 and 容缺 are closed until 信用修复 (国办发〔2020〕42号)."""
        return bool(self.credit_flags)

    def rename(self, name: str, audit: Audit) -> None:
        require_actor(audit)
        if name == self.profile.name:
            raise IllegalTransitionError("the enterprise already has this name")
        self._renamed(audit=audit, name=name)

    def flag_credit(self, flag: str, audit: Audit) -> None:
        require_reason(audit, "entering a credit record")
        if flag in self.credit_flags:
            raise IllegalTransitionError(f"credit flag {flag!r} is already set")
        self._credit_flagged(audit=audit, flag=flag)

    def restore_credit(self, flag: str, audit: Audit) -> None:
        require_reason(audit, "credit restoration (信用修复)")
        if flag not in self.credit_flags:
            raise IllegalTransitionError(f"credit flag {flag!r} is not set")
        self._credit_restored(audit=audit, flag=flag)

    @event(Renamed)
    def _renamed(self, audit: Audit, name: str) -> None:
        self.profile = self.profile.model_copy(update={"name": name})

    @event(CreditFlagged)
    def _credit_flagged(self, audit: Audit, flag: str) -> None:
        self.credit_flags.add(flag)

    @event(CreditRestored)
    def _credit_restored(self, audit: Audit, flag: str) -> None:
        self.credit_flags.discard(flag)
