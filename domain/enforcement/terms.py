"""The words and values of a penalty case (行政处罚案件): the articles it follows,
the party, the officers, evidence, the kinds of penalty and the decision.

Articles cited (DOMAIN §3.3, §5.1–5.2, §7.1):
- 行政处罚法 (2021): Art. 9 (kinds of penalty), Art. 51 (简易程序 limits),
  Art. 60 (decision within 90 days of 立案), Art. 61 (service within 7 days),
  Arts. 63–64 (hearing, requested within 5 days of the notice), Art. 66
  (deferred or instalment payment), Art. 67 (payment within 15 days),
  Art. 72 (compulsory enforcement), Art. 85 ("二日、三日、五日、七日" are
  working days; the rest are calendar days).
- 市场监督管理行政处罚程序规定: Art. 19 (two or more officers), Art. 64
  (excluded periods and one 30-day extension; UNCONFIRMED in DOMAIN).
- 市场监督管理行政处罚信息公示规定 Art. 2 (ordinary procedure published,
  warning-only not).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from domain.shared.dates import IsoDate
from domain.shared.jurisdiction import RegionCode
from domain.shared.text import Line, OptionalLine
from domain.shared.uscc import USCC
from pydantic import BaseModel, ConfigDict, Field

PENALTY_LAW = "行政处罚法"
PROCEDURE = "市场监督管理行政处罚程序规定"
PUBLICATION = "市场监督管理行政处罚信息公示规定"


def law(article: int) -> str:
    return f"{PENALTY_LAW} 第{article}条"


ART_9 = law(9)
ART_51 = law(51)
ART_60 = law(60)
ART_61 = law(61)
ART_63 = law(63)
ART_64 = law(64)
ART_66 = law(66)
ART_67 = law(67)
ART_72 = law(72)
ART_85 = law(85)
PROCEDURE_19 = f"{PROCEDURE} 第19条"
# UNCONFIRMED: DOMAIN.md does not quote the 程序规定's Art. 64 (excluded
# periods 听证、公告、检测检验检疫鉴定、技术专家评审; one 30-day extension with
# the head's approval); the numbers follow the published 2022 text.
PROCEDURE_64 = f"{PROCEDURE} 第64条"
PUBLICATION_2 = f"{PUBLICATION} 第2条"
# DOMAIN §5.1: the 双公示 penalty schema (CF_*); its field list is UNCONFIRMED.
SCHEMA_RULE = "双公示 行政处罚 CF_* (DOMAIN §5.1)"
# UNCONFIRMED: 撤销立案 is the 程序规定's (its article is not in DOMAIN.md).
WITHDRAWAL_RULE = f"{PROCEDURE} (撤销立案, UNCONFIRMED)"

MIN_OFFICERS = 2  # 程序规定 Art. 19 (as domain/complaints/report.py MIN_OFFICERS)
DECISION_DAYS = 90  # Art. 60, calendar days (Art. 85 names only 2/3/5/7)
EXTENSION_DAYS = 30  # 程序规定 Art. 64 (UNCONFIRMED)
HEARING_REQUEST_WD = 5  # Art. 64(一) "五日" — working days by Art. 85
SERVICE_WD = 7  # Art. 61 "七日" — working days by Art. 85
PAYMENT_DAYS = 15  # Art. 67 "十五日" — calendar days
# Art. 51: a summary-procedure (简易程序) decision is a warning, or a fine of
# at most 200 yuan for a citizen, 3,000 yuan for a legal person or other
# organisation.
SUMMARY_FINE_PERSON_FEN = 200_00
SUMMARY_FINE_ORG_FEN = 3_000_00
# Art. 63(一): a hearing right for 较大数额 fines and confiscations. The
# amounts are set by each province: UNCONFIRMED (Jiangsu's commonly quoted
# figures: 1 万元 for a citizen, 10 万元 for a legal person or organisation).
LARGE_AMOUNT_PERSON_FEN = 10_000_00
LARGE_AMOUNT_ORG_FEN = 100_000_00


class PartyType(StrEnum):
    """行政相对人类别 (DOMAIN §5.1 `party_type`; XK_XDR_LB 01–04)."""

    NATURAL_PERSON = "natural_person"  # 01 自然人
    LEGAL_PERSON = "legal_person"  # 02 法人
    UNINCORPORATED_ORG = "unincorporated_org"  # 03 非法人组织
    INDIVIDUAL_BUSINESS = "individual_business"  # 04 个体工商户


class Party(BaseModel):
    """当事人: who the case is against, as the 双公示 penalty record names them
    (CF_XDR_MC, CF_XDR_LB, CF_XDR_SHXYM, CF_FR)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Line(200)]
    party_type: PartyType
    uscc: USCC | None = None
    legal_representative: Annotated[str, OptionalLine(100)] = ""
    region_code: RegionCode  # where it operates (or is domiciled)

    @property
    def organisation(self) -> bool:
        """A legal person or other organisation (Art. 51's 法人或者其他组织)."""
        return self.party_type is not PartyType.NATURAL_PERSON


class Officer(BaseModel):
    """An officer named on the case (办案人员, 程序规定 Art. 19)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    staff_no: str
    name: str
    unit_code: str


class Origin(BaseModel):
    """The case in another context this case was opened from: a report whose
    case was opened, an inspection that failed. Looked up by the API in the
    running services by log name, never named here."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    context: str  # the other context's log name
    case_id: UUID
    kind: str  # what it is (its `enforcement_origin`), e.g. "report"
    number: str  # its number in the bureau's words


class OriginRef(BaseModel):
    """An origin as a request names it: the context (log name) and case id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    context: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
    case_id: UUID


class ExcludedPeriod(StrEnum):
    """Time not counted in the 90 days (程序规定 Art. 64, UNCONFIRMED list);
    a hearing is excluded through the hearing's own commands."""

    ANNOUNCEMENT = "announcement"  # 公告
    TESTING = "testing"  # 检测、检验、检疫、鉴定
    EXPERT_REVIEW = "expert_review"  # 技术专家评审


HEARING = "hearing"  # the exclusion a requested hearing starts (Art. 64)


class EvidenceKind(StrEnum):
    """行政处罚法 Art. 46's kinds of evidence."""

    DOCUMENTARY = "documentary"  # 书证
    PHYSICAL = "physical"  # 物证
    AUDIOVISUAL = "audiovisual"  # 视听资料
    ELECTRONIC = "electronic"  # 电子数据
    WITNESS = "witness"  # 证人证言
    PARTY_STATEMENT = "party_statement"  # 当事人的陈述
    EXPERT_OPINION = "expert_opinion"  # 鉴定意见
    INSPECTION_RECORD = "inspection_record"  # 勘验笔录、现场笔录


class Evidence(BaseModel):
    """A document collected as evidence, by content address (no upload here)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: EvidenceKind
    title: Annotated[str, Line(200)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    collected_on: IsoDate


class PenaltyKind(StrEnum):
    """行政处罚法 Art. 9 (行政拘留 is the police's: not a bureau's penalty)."""

    WARNING = "warning"  # 警告
    CIRCULATED_CRITICISM = "circulated_criticism"  # 通报批评
    FINE = "fine"  # 罚款
    CONFISCATION_OF_ILLEGAL_GAINS = "confiscation_of_illegal_gains"  # 没收违法所得
    CONFISCATION_OF_ILLEGAL_PROPERTY = (
        "confiscation_of_illegal_property"  # 没收非法财物
    )
    LICENCE_SUSPENDED = "licence_suspended"  # 暂扣许可证件
    QUALIFICATION_DOWNGRADED = "qualification_downgraded"  # 降低资质等级
    LICENCE_REVOKED = "licence_revoked"  # 吊销许可证件
    BUSINESS_RESTRICTED = "business_restricted"  # 限制开展生产经营活动
    PRODUCTION_SUSPENDED = "production_suspended"  # 责令停产停业
    CLOSURE_ORDERED = "closure_ordered"  # 责令关闭
    PRACTICE_RESTRICTED = "practice_restricted"  # 限制从业


PENALTY_NAMES: dict[PenaltyKind, str] = {
    PenaltyKind.WARNING: "警告",
    PenaltyKind.CIRCULATED_CRITICISM: "通报批评",
    PenaltyKind.FINE: "罚款",
    PenaltyKind.CONFISCATION_OF_ILLEGAL_GAINS: "没收违法所得",
    PenaltyKind.CONFISCATION_OF_ILLEGAL_PROPERTY: "没收非法财物",
    PenaltyKind.LICENCE_SUSPENDED: "暂扣许可证件",
    PenaltyKind.QUALIFICATION_DOWNGRADED: "降低资质等级",
    PenaltyKind.LICENCE_REVOKED: "吊销许可证件",
    PenaltyKind.BUSINESS_RESTRICTED: "限制开展生产经营活动",
    PenaltyKind.PRODUCTION_SUSPENDED: "责令停产停业",
    PenaltyKind.CLOSURE_ORDERED: "责令关闭",
    PenaltyKind.PRACTICE_RESTRICTED: "限制从业",
}
# Art. 63: a hearing right for these (and for large fines and confiscations).
HEARING_KINDS = frozenset(
    {
        PenaltyKind.QUALIFICATION_DOWNGRADED,
        PenaltyKind.LICENCE_REVOKED,
        PenaltyKind.PRODUCTION_SUSPENDED,
        PenaltyKind.CLOSURE_ORDERED,
        PenaltyKind.PRACTICE_RESTRICTED,
    }
)


class Procedure(StrEnum):
    ORDINARY = "ordinary"  # 普通程序
    SUMMARY = "summary"  # 简易程序 (Art. 51)


def publishable(procedure: Procedure, penalties: tuple[PenaltyKind, ...]) -> bool:
    """处罚信息公示规定 Art. 2: ordinary-procedure penalties are published;
    warning-only ones are not."""
    return procedure is Procedure.ORDINARY and set(penalties) != {PenaltyKind.WARNING}


class NoPenaltyGround(StrEnum):
    NOT_PENALISED = "not_penalised"  # 不予行政处罚 (行政处罚法 Art. 33)
    CASE_WITHDRAWN = "case_withdrawn"  # 撤销立案 (UNCONFIRMED article)


class DecisionRevocationGround(StrEnum):
    """Why a penalty decision no longer stands (its publication is then
    withdrawn within 3 working days, 处罚信息公示规定 Art. 11)."""

    RECONSIDERATION = "reconsideration"  # 行政复议决定撤销 (行政复议法)
    COURT = "court"  # 人民法院判决撤销 (行政诉讼法 Art. 70)
    SELF_CORRECTION = "self_correction"  # 自行纠正 (行政处罚法 Art. 75 ¶2)


REVOCATION_RULES: dict[DecisionRevocationGround, str] = {
    DecisionRevocationGround.RECONSIDERATION: "行政复议法 (复议决定撤销)",
    DecisionRevocationGround.COURT: "行政诉讼法 第70条",
    DecisionRevocationGround.SELF_CORRECTION: law(75),
}


class ServiceMethod(StrEnum):
    """How the decision reached the party (Art. 61: 民事诉讼法's ways)."""

    IN_PERSON = "in_person"  # 直接送达
    LEFT_AT_ADDRESS = "left_at_address"  # 留置送达
    ENTRUSTED = "entrusted"  # 委托送达
    POST = "post"  # 邮寄送达
    ELECTRONIC = "electronic"  # 电子送达 (with the party's consent)
    ANNOUNCEMENT = "announcement"  # 公告送达


class Decision(BaseModel):
    """处罚决定书: every field the 双公示 penalty record needs (DOMAIN §5.1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision_number: str  # CF_WSH 决定书文号, unique per unit
    penalties: tuple[PenaltyKind, ...]  # CF_CFMC / CF_CFLB
    violation: str  # CF_SY 处罚事由
    legal_basis: str  # CF_YJ 处罚依据
    facts: str
    result: str  # CF_JG 处罚结果
    fine_fen: int  # 罚款, integer fen
    confiscation_fen: int  # 没收违法所得 / 非法财物 valued, integer fen
    procedure: Procedure
    decided_on: date  # CF_JDRQ
    authority: str  # CF_XZJG 处罚机关
    authority_unit_code: str
    published: bool  # 处罚信息公示规定 Art. 2

    @property
    def amount_fen(self) -> int:
        """罚没金额: what the party is to pay."""
        return self.fine_fen + self.confiscation_fen

    @property
    def name(self) -> str:
        """CF_CFMC 处罚名称."""
        return "、".join(PENALTY_NAMES[k] for k in self.penalties)


class Instalments(BaseModel):
    """Art. 66 ¶2: deferred or instalment payment, approved on application."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int
    last_due: date
    approved_by: str
