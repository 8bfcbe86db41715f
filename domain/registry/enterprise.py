"""An enterprise in the directory (检查对象名录库): identified by its USCC."""

from __future__ import annotations

from datetime import date
from typing import Final
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict, Field

from domain.shared.audit import Audit, require_actor, require_reason
from domain.shared.errors import IllegalTransitionError
from domain.shared.events import Aggregate
from domain.shared.jurisdiction import RegionCode
from domain.shared.uscc import ImportedUSCC, validate_uscc

# The credit lists an enterprise may be on (DOMAIN §9: 经营异常名录 /
# 严重违法失信名单), as the flags its CreditFlagged events name.
ABNORMAL_OPERATIONS_LIST: Final = "abnormal_operations_list"
SERIOUS_DISHONESTY_LIST: Final = "serious_dishonesty_list"


def enterprise_id(uscc: str) -> UUID:
    """One enterprise per USCC, so it is found by code without any index.

    The code's shape is checked, not its check characters: a code pushed by
    the credit system that fails them is kept for manual review (DOMAIN
    §6.4), and names the same enterprise as its valid spelling would."""
    code = validate_uscc(uscc, check_characters=False)
    return uuid5(NAMESPACE_URL, f"casetrace:registry:enterprise:{code}")


class EnterpriseProfile(BaseModel):
    model_config = ConfigDict(frozen=True)

    uscc: ImportedUSCC
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
        # A listing the credit system pushed (定向推送): the day it was
        # listed and the authority that listed it; None for a flag entered
        # by hand, before listings were told apart.
        listed_on: date | None = None
        authority: str = ""

    class CreditRestored(Aggregate.Event):
        flag: str
        # The listing removed (None: every open listing of the flag), the
        # day it was removed and by which authority.
        listed_on: date | None = None
        removed_on: date | None = None
        authority: str = ""

    class Distributed(Aggregate.Event):
        """分送: a newly registered enterprise handed to the unit responsible
        for its region (the county's, else the city's, else the province's)."""

        unit_code: str

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
        # Per flag, the listings still in force (None: one entered by hand);
        # and the (flag, listed_on) listings already removed.
        self.open_listings: dict[str, set[date | None]] = {}
        self.ended_listings: set[tuple[str, date]] = set()
        self.responsible_unit: str | None = None

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

    # -- listings pushed by the credit system (定向推送数据) ------------------------

    def listing_state(self, flag: str, listed_on: date) -> str | None:
        """ "open", "ended", or None: the listing has not been recorded."""
        if listed_on in self.open_listings.get(flag, set()):
            return "open"
        if (flag, listed_on) in self.ended_listings:
            return "ended"
        return None

    def enter_listing(
        self, flag: str, listed_on: date, authority: str, audit: Audit
    ) -> None:
        """A listing (列入) as the credit system decided it; the audit's
        reason is the listing's reason."""
        require_reason(audit, "entering a credit record")
        if self.listing_state(flag, listed_on) is not None:
            raise IllegalTransitionError(
                f"the listing of {listed_on} on {flag} is already recorded"
            )
        self._credit_flagged(
            audit=audit, flag=flag, listed_on=listed_on, authority=authority
        )

    def end_listing(
        self,
        flag: str,
        listed_on: date,
        removed_on: date,
        authority: str,
        audit: Audit,
    ) -> None:
        """A removal (移出) of one recorded listing still in force."""
        require_reason(audit, "credit restoration (信用修复)")
        if self.listing_state(flag, listed_on) != "open":
            raise IllegalTransitionError(
                f"the listing of {listed_on} on {flag} is not in force"
            )
        if removed_on < listed_on:
            raise IllegalTransitionError("a listing is removed after it was made")
        self._credit_restored(
            audit=audit,
            flag=flag,
            listed_on=listed_on,
            removed_on=removed_on,
            authority=authority,
        )

    def distribute(self, unit_code: str, audit: Audit) -> None:
        require_actor(audit)
        if self.responsible_unit is not None:
            raise IllegalTransitionError(
                f"the enterprise was already distributed to {self.responsible_unit}"
            )
        self._distributed(audit=audit, unit_code=unit_code)

    @event(Renamed)
    def _renamed(self, audit: Audit, name: str) -> None:
        self.profile = self.profile.model_copy(update={"name": name})

    @event(CreditFlagged)
    def _credit_flagged(
        self,
        audit: Audit,
        flag: str,
        listed_on: date | None = None,
        authority: str = "",
    ) -> None:
        self.credit_flags.add(flag)
        self.open_listings.setdefault(flag, set()).add(listed_on)

    @event(CreditRestored)
    def _credit_restored(
        self,
        audit: Audit,
        flag: str,
        listed_on: date | None = None,
        removed_on: date | None = None,
        authority: str = "",
    ) -> None:
        listings = self.open_listings.get(flag, set())
        if listed_on is None:
            listings.clear()
        else:
            listings.discard(listed_on)
            self.ended_listings.add((flag, listed_on))
        if not listings:
            self.credit_flags.discard(flag)

    @event(Distributed)
    def _distributed(self, audit: Audit, unit_code: str) -> None:
        self.responsible_unit = unit_code
