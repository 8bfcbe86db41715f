"""Value objects of licensing: parties, channels, grounds, remedies (DOMAIN §1, §9)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, model_validator

from domain.shared.dates import IsoDate
from domain.shared.errors import InvalidInputError
from domain.shared.jurisdiction import RegionCode
from domain.shared.text import Line, OptionalLine, Prose
from domain.shared.uscc import USCC


class Channel(StrEnum):
    """Art. 29: applications by counter, post, telegram/fax/EDI or e-mail; online."""

    COUNTER = "counter"
    ONLINE = "online"
    MAIL = "mail"
    FAX = "fax"
    EMAIL = "email"


class PartyType(StrEnum):
    """双公示 XK_XDR_LB: 法人, 非法人组织, 个体工商户, 自然人."""

    LEGAL_PERSON = "legal_person"
    UNINCORPORATED_ORG = "unincorporated_org"
    INDIVIDUAL_BUSINESS = "individual_business"
    NATURAL_PERSON = "natural_person"


class Applicant(BaseModel):
    """The applicant (申请人). Contact details are personal data, never published."""

    # The rule of `_identified` in the JSON Schema, so clients (and generated
    # tests) know it: an organisation needs its USCC, a person an ID number.
    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "if": {
                "properties": {"party_type": {"const": "natural_person"}},
                "required": ["party_type"],
            },
            "then": {
                "required": ["id_document_number"],
                "properties": {"id_document_number": {"type": "string"}},
            },
            "else": {
                "required": ["uscc"],
                "properties": {"uscc": {"type": "string"}},
            },
        },
    )

    name: Annotated[str, Line(200)]
    party_type: PartyType = PartyType.LEGAL_PERSON
    uscc: USCC | None = None
    region_code: RegionCode  # where the applicant is registered: routes interviews
    address: Annotated[str, OptionalLine(300)] = ""
    phone: Annotated[str, OptionalLine(40)] = ""
    legal_representative: Annotated[str, OptionalLine(100)] = ""
    id_document_number: Annotated[str, Line(40)] | None = None

    @model_validator(mode="after")
    def _identified(self) -> Applicant:
        if self.party_type is not PartyType.NATURAL_PERSON and self.uscc is None:
            msg = "an organisation applies under its unified social credit code (uscc)"
            raise ValueError(msg)
        if self.party_type is PartyType.NATURAL_PERSON and not self.id_document_number:
            msg = "a natural person applies under an identity document number"
            raise ValueError(msg)
        return self


class Agent(BaseModel):
    """委托代理人 (Art. 29), acting under a power of attorney."""

    model_config = ConfigDict(frozen=True)

    name: Annotated[str, Line(100)]
    phone: Annotated[str, OptionalLine(40)] = ""
    power_of_attorney: Annotated[str, Line(200)]


class CommitmentLetter(BaseModel):
    """告知承诺书: the applicant commits in writing that it meets the conditions."""

    model_config = ConfigDict(frozen=True)

    signed_on: IsoDate
    signatory: Annotated[str, Line(100)]
    statement: Annotated[str, Prose(2000)]


class NonAcceptanceGround(StrEnum):
    """Art. 32 ¶1 (1)(2) and the grounds that follow from Arts. 31–32 and 78."""

    NO_LICENCE_REQUIRED = "no_licence_required"  # Art. 32(1) 即时告知不受理
    OUTSIDE_POWERS = "outside_powers"  # Art. 32(2): name the competent agency
    CORRECTIONS_NOT_SUPPLIED = "corrections_not_supplied"  # Art. 32(4)/(5)
    FALSE_MATERIALS = "false_materials"  # Art. 78
    REAPPLICATION_BANNED = "reapplication_banned"  # Arts. 78–79


class ExclusionKind(StrEnum):
    """Art. 45: time that is not counted in the decision limit."""

    HEARING = "hearing"  # 听证
    TENDER = "tender"  # 招标
    AUCTION = "auction"  # 拍卖
    INSPECTION = "inspection"  # 检验
    TESTING = "testing"  # 检测
    QUARANTINE = "quarantine"  # 检疫
    APPRAISAL = "appraisal"  # 鉴定
    EXPERT_REVIEW = "expert_review"  # 专家评审


class Verifier(BaseModel):
    """A member of staff who verifies (核查人员). `id` is the staff number, the
    same `id` the audit actor carries (one name for a person's identifier)."""

    model_config = ConfigDict(frozen=True)

    id: Annotated[str, Line(100)]
    name: Annotated[str, Line(100)]


def upcast_verifiers(state: dict[str, Any], field: str = "verifiers") -> None:
    """Stored events before the vocabulary change named the id `staff_no`."""
    state[field] = [
        {"id": v.pop("staff_no"), **v} if "staff_no" in v else v
        for v in state.get(field, [])
    ]


class Signature(BaseModel):
    """One verifier's own signature on a verification (Art. 34 ¶3)."""

    model_config = ConfigDict(frozen=True)

    verifier: Verifier
    signed_on: date


class Verification(BaseModel):
    """A substantive verification (核查): counted once two distinct staff signed."""

    model_config = ConfigDict(frozen=True)

    number: int
    on_site: bool
    verified_on: date
    findings: str
    signatures: tuple[Signature, ...]

    @property
    def counted(self) -> bool:
        return len({s.verifier.id for s in self.signatures}) >= 2


# Art. 38 ¶2: the remedies a refusal tells the applicant of (行政复议法 Art. 20;
# 行政诉讼法 Art. 46). The period runs from when the applicant learns of it.
REMEDY_TEXT = (
    "如不服本决定，可以自收到本决定书之日起60日内依法申请行政复议，"
    "或者自知道作出本决定之日起6个月内依法提起行政诉讼。"
)


def require_reasons(reasons: tuple[str, ...]) -> tuple[str, ...]:
    """Art. 38 ¶2: a refusal states its reasons (blank lines are not reasons)."""
    stated = tuple(r for r in reasons if r.strip())
    if not stated:
        raise InvalidInputError(
            "a refusal must state its reasons",
            field="reasons",
            rule="行政许可法 第38条第2款",
        )
    return stated


class RemedyNotice(BaseModel):
    """Art. 38 ¶2: a refusal tells the applicant how to seek a remedy."""

    model_config = ConfigDict(frozen=True)

    reconsideration_days: int = 60  # 行政复议法 (2023) Art. 20
    # The earliest end of that period (if served the day of the decision).
    reconsideration_until: date
    # Computed with a calendar year that had no State Council notice yet.
    reconsideration_until_provisional: bool = False
    litigation_months: int = 6  # 行政诉讼法 Art. 46
    text: str


class CertificateService(StrEnum):
    """How a certificate reached the applicant (送达)."""

    IN_PERSON = "in_person"
    POST = "post"
    ELECTRONIC = "electronic"
