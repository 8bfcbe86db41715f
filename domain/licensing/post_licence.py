"""Post-licence matters (证后事项): a change, renewal, reissue, cancellation on
request, and for special-equipment use registrations suspension, reactivation
and scrapping, each received as an application of its own.

Each is a `LicenceApplication` with a receipt number, a query code and its own
legal limit; its grant carries out the operation on the licence in the same
save (Licensing.grant). This module holds the rules that differ by matter:
which licence states admit it, its decision limit and the article it rests on,
whether it makes a certificate, and the operation its grant carries out.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.licensing.licence import (
    ART_50,
    RULE_REACTIVATION,
    RULE_SCRAPPING,
    RULE_SUSPENSION,
    CancellationGround,
    Licence,
    LicenceChange,
    LicenceStatus,
    ReissueCause,
)
from domain.licensing.matter import MATTER_NAMES, Matter
from domain.registry.catalogue import ItemTerms
from domain.shared.audit import Audit
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import IllegalTransitionError, InvalidInputError

# A change or a reissue is a new certificate (换发/补发), as a grant is; the
# other matters change the licence's standing only.
CERTIFICATE_MATTERS = frozenset({Matter.NEW, Matter.CHANGE, Matter.REISSUE})
# 停用/启用/报废 exist only for special-equipment use registrations (DOMAIN §8.2).
USE_REGISTRATION_MATTERS = frozenset(
    {Matter.SUSPENSION, Matter.REACTIVATION, Matter.SCRAPPING}
)

ART_42 = "行政许可法 第42条"
# The article each matter's decision limit rests on. Only Art. 50 sets a limit
# of its own (before expiry); for the others the item's limit (Art. 42, or the
# item's own rule) applies. The limits for 注销申请 (总局令第16号) and for
# use-registration changes, 停用, 启用 and 报废 (TSG 08-2017) were not read in
# primary text: UNCONFIRMED (DOMAIN §10 items 4 and 6).
LIMIT_RULES: dict[Matter, str] = {
    Matter.CHANGE: "行政许可法 第49条、第42条",
    Matter.RENEWAL: f"{ART_50} (有效期届满前作出决定，逾期视为准予延续)",
    Matter.REISSUE: "工业产品生产许可证管理条例 第30条 (补领); 行政许可法 第42条",
    Matter.CANCELLATION: "行政许可法 第70条、第42条 (注销申请期限 UNCONFIRMED)",
    Matter.SUSPENSION: f"{RULE_SUSPENSION}; 行政许可法 第42条 (期限 UNCONFIRMED)",
    Matter.REACTIVATION: f"{RULE_REACTIVATION}; 行政许可法 第42条 (期限 UNCONFIRMED)",
    Matter.SCRAPPING: f"{RULE_SCRAPPING}; 行政许可法 第42条 (期限 UNCONFIRMED)",
}
# 变更登记 of a use registration: 特种设备安全法 Art. 47 and TSG 08-2017.
RULE_REGISTRATION_CHANGE = (
    "特种设备安全法 第47条、第48条第2款; TSG 08-2017 变更登记 (期限 UNCONFIRMED)"
)


class MatterRequest(BaseModel):
    """What a post-licence matter asks about: the licence, as it stood at receipt,
    and what the matter needs (the change asked for, or why a certificate is lost)."""

    model_config = ConfigDict(frozen=True)

    licence_id: UUID
    licence_number: str
    expires_on: date | None = None  # the licence's last valid day (renewal)
    change: LicenceChange | None = None
    reissue_cause: ReissueCause | None = None


def makes_certificate(matter: Matter) -> bool:
    return matter in CERTIFICATE_MATTERS


def admit(
    licence: Licence,
    item: ItemTerms,
    matter: Matter,
    change: LicenceChange | None,
    reissue_cause: ReissueCause | None,
) -> MatterRequest:
    """The request for a post-licence matter, if the licence's state admits it.

    Renewal's own window (Art. 50) is checked by `Licence.request_renewal`,
    recorded at receipt so that the deemed grant at expiry stays armed."""
    name = f"{MATTER_NAMES[matter]} ({matter})"
    if matter is Matter.NEW:
        raise InvalidInputError(
            "a new application concerns no licence; leave licence_id out",
            field="licence_id",
        )
    if licence.item_code != item.code:
        raise InvalidInputError(
            f"licence {licence.licence_number} is of item {licence.item_code},"
            f" not {item.code}",
            field="item_code",
        )
    if matter in USE_REGISTRATION_MATTERS and not item.use_registration:
        raise IllegalTransitionError(
            f"{name} is a matter of special-equipment use registrations only",
            rule=RULE_SUSPENSION,
        )
    _require_state(licence, matter, name)
    if (change is not None) != (matter is Matter.CHANGE):
        raise InvalidInputError(
            "a change (变更) names what changes; other matters name none",
            field="change",
        )
    if change is not None and change == LicenceChange():
        raise InvalidInputError("name at least one change", field="change")
    if (reissue_cause is not None) != (matter is Matter.REISSUE):
        raise InvalidInputError(
            "a reissue (补领) states why (lost or damaged); other matters do not",
            field="reissue_cause",
        )
    return MatterRequest(
        licence_id=licence.id,
        licence_number=licence.licence_number,
        expires_on=licence.valid_until,
        change=change,
        reissue_cause=reissue_cause,
    )


def _require_state(licence: Licence, matter: Matter, name: str) -> None:
    """A licence in force takes every matter but 启用; a suspended registration
    takes only 启用, 报废 or the holder's 注销; an ended one takes none."""
    suspended = licence.status is LicenceStatus.SUSPENDED
    if matter is Matter.REACTIVATION:
        admitted = suspended
    elif matter in (Matter.SCRAPPING, Matter.CANCELLATION):
        admitted = licence.status is LicenceStatus.VALID or suspended
    else:
        admitted = licence.status is LicenceStatus.VALID
    if not admitted:
        raise IllegalTransitionError(
            f"cannot receive {name}: licence {licence.licence_number} is"
            f" {licence.status}",
            rule=LIMIT_RULES[matter],
        )
    if licence.commitment_breached:
        raise IllegalTransitionError(
            f"cannot receive {name}: the commitment was found false; revocation"
            " is pending",
            rule="行政许可法 第69条第2款; 国发〔2018〕33号",
        )


def limit_rule(matter: Matter, item: ItemTerms) -> str:
    """The article a matter's decision limit rests on."""
    if matter is Matter.NEW:
        return ART_42
    if matter is Matter.CHANGE and item.use_registration:
        return RULE_REGISTRATION_CHANGE
    return LIMIT_RULES[matter]


def decision_limit(
    matter: Matter,
    item: ItemTerms,
    request: MatterRequest | None,
    start: date,
    calendar: WorkingDayCalendar,
) -> tuple[int, str]:
    """Working days to decide a matter accepted on `start`, and the rule cited.

    A renewal is decided before expiry (Art. 50 ¶2): its limit ends on the
    licence's last valid working day when that comes before the item's limit.
    At least one day, so a limit exists even if acceptance came on the last
    day (the deemed grant at expiry then answers for the agency)."""
    rule = limit_rule(matter, item)
    days = item.statutory_limit_wd
    if matter is Matter.RENEWAL and request is not None and request.expires_on:
        to_expiry = calendar.working_days_between(start, request.expires_on)
        days = max(1, min(days, to_expiry))
    return days, rule


def carry_out(
    licence: Licence,
    matter: Matter,
    request: MatterRequest,
    decision_number: str,
    validity_months: int | None,
    on: date,
    audit: Audit,
) -> None:
    """The grant of a post-licence matter, done on the licence itself."""
    if matter is Matter.CHANGE:
        assert request.change is not None
        licence.change(request.change, decision_number, on, audit)
    elif matter is Matter.RENEWAL:
        if not validity_months:
            raise InvalidInputError("this item's licences have no period to renew")
        licence.renew(decision_number, validity_months, on, audit)
    elif matter is Matter.REISSUE:
        assert request.reissue_cause is not None
        licence.reissue_certificate(request.reissue_cause, on, audit)
    elif matter is Matter.CANCELLATION:
        licence.cancel(CancellationGround.HOLDER_REQUEST, on, audit)
    elif matter is Matter.SUSPENSION:
        licence.suspend(decision_number, on, audit)
    elif matter is Matter.REACTIVATION:
        licence.reactivate(decision_number, on, audit)
    elif matter is Matter.SCRAPPING:
        licence.scrap(decision_number, on, audit)
    else:  # pragma: no cover - NEW makes a licence (Licensing.grant)
        raise AssertionError(matter)
