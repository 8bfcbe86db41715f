"""Value objects of complaints and reports: channels, parties, grounds (DOMAIN §3).

Articles are of 《市场监督管理投诉举报处理暂行办法》 (2019, amended 2022) unless
another text is named.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from domain.shared.jurisdiction import RegionCode
from domain.shared.satisfaction import Rating as Rating  # 评议's one scale
from domain.shared.text import Line, OptionalLine
from domain.shared.uscc import USCC
from pydantic import BaseModel, ConfigDict, Field, StrictBool

MEASURES = "市场监督管理投诉举报处理暂行办法"
PENALTY_PROCEDURE = "市场监督管理行政处罚程序规定"


def art(n: int, clause: str = "") -> str:
    """How a rule cites the measures: 投诉举报处理暂行办法 第14条."""
    return f"{MEASURES} 第{n}条{clause}"


class Channel(StrEnum):
    """Art. 8: the channels a bureau publishes; Art. 36: the national 12315
    platform, whose transfers arrive as a channel of their own."""

    INTERNET = "internet"  # 互联网 (the bureau's own form, /public/v1/complaints)
    TELEPHONE = "telephone"  # 12315 热线 (recorded by staff)
    FAX = "fax"
    POST = "post"  # 邮寄
    COUNTER = "counter"  # 窗口 (recorded by staff)
    NATIONAL_PLATFORM = "national_platform"  # 全国12315平台 转来


# Channels on which a person does not write the submission themselves: staff
# record what was said (Art. 9: 非书面 → 记录).
ORAL = frozenset({Channel.TELEPHONE, Channel.COUNTER})


class Classification(StrEnum):
    """What an intake is, decided and recorded by the intake desk."""

    COMPLAINT = "complaint"  # 投诉 (Art. 3)
    REPORT = "report"  # 举报 (Art. 3)
    BOTH = "both"  # Art. 7: handled separately, one complaint and one report
    ENQUIRY = "enquiry"  # 咨询: answered, no case (outside the measures, Art. 39)
    OUTSIDE = "outside"  # Art. 39: another channel, the person told which
    # 效能投诉 (issue 10 §6, seed 001 作风建设投诉): about a member of staff's
    # conduct or the bureau's work style; the supervision office's alone.
    CONDUCT = "conduct"
    # ODR (issue 10 §3a, DOMAIN §3.4a): a complaint the consumer chose to take
    # to the business first, an enrolled ODR enterprise (domain/complaints/odr.py).
    ODR = "odr"


class OutsideMatter(StrEnum):
    """Art. 39: matters in complaint form that the measures do not govern, with
    the channel the person is pointed to."""

    PETITION = "petition"  # 信访 → 信访工作机构 (信访工作条例)
    ADMINISTRATIVE_REVIEW = "administrative_review"  # 行政复议 → 复议机关
    INFORMATION_DISCLOSURE = "information_disclosure"  # 政府信息公开申请
    DISCIPLINE = "discipline"  # 纪检监察 → 纪检监察机关


OUTSIDE_CHANNELS: dict[OutsideMatter, str] = {
    OutsideMatter.PETITION: "信访事项请向信访工作机构提出（《信访工作条例》）",
    OutsideMatter.ADMINISTRATIVE_REVIEW: "行政复议申请请向行政复议机关提出（《行政复议法》）",
    OutsideMatter.INFORMATION_DISCLOSURE: "政府信息公开申请请按《政府信息公开条例》向本机关政府信息公开工作机构提出",
    OutsideMatter.DISCIPLINE: "检举控告公职人员违纪违法请向纪检监察机关提出",
}


class Platform(BaseModel):
    """An e-commerce platform (Art. 12 ¶2: a platform's own conduct goes to
    the platform's domicile; a seller on it to the seller's place or the
    platform's)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Line(200)]
    region_code: RegionCode


class Respondent(BaseModel):
    """被投诉人 / 被举报人: the business complained about or reported."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Line(200)]
    uscc: USCC | None = None
    address: Annotated[str, OptionalLine(300)] = ""
    region_code: RegionCode  # where it operates (or is domiciled)
    # Art. 12 ¶2: the platform the business sells on, or is.
    platform: Platform | None = None
    is_platform: StrictBool = False


class Attachment(BaseModel):
    """A stored document (evidence, a power of attorney) by content address."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    title: Annotated[str, Line(200)]


class NonAcceptanceGround(StrEnum):
    """Art. 15: the grounds for not accepting a complaint."""

    OUTSIDE_DUTIES = "outside_duties"  # (1) 不属于市场监管部门职责 / 本部门管辖
    ALREADY_HANDLED = "already_handled"  # (2) 法院、仲裁、其他部门、消协已受理或处理
    NOT_CONSUMPTION = "not_consumption"  # (3) 非生活消费 / 无法证实存在消费争议
    TIME_BARRED = "time_barred"  # (4) 知道或者应当知道之日起超过三年
    MATERIALS_MISSING = "materials_missing"  # (5) 未提供第9条、第10条材料
    OTHER = "other"  # (6) 法律、法规、规章规定的其他情形


NON_ACCEPTANCE_CLAUSE = {
    NonAcceptanceGround.OUTSIDE_DUTIES: "第1项",
    NonAcceptanceGround.ALREADY_HANDLED: "第2项",
    NonAcceptanceGround.NOT_CONSUMPTION: "第3项",
    NonAcceptanceGround.TIME_BARRED: "第4项",
    NonAcceptanceGround.MATERIALS_MISSING: "第5项",
    NonAcceptanceGround.OTHER: "第6项",
}


class TerminationGround(StrEnum):
    """Art. 21: why mediation ends without agreement (or without need of one)."""

    WITHDRAWN_OR_SETTLED = "withdrawn_or_settled"  # (1) 撤回投诉或者当事人自行和解
    TESTING_DISAGREEMENT = "testing_disagreement"  # (2) 检测机构或费用协商不一致
    ABSENT_OR_REFUSED = "absent_or_refused"  # (3) 无正当理由不参加 / 被投诉人拒绝调解
    NO_AGREEMENT_POSSIBLE = "no_agreement_possible"  # (4) 一方表示无法达成协议
    TIME_LIMIT = "time_limit"  # (5) 自受理之日起45个工作日内未能达成协议
    NON_ACCEPTANCE_FOUND = "non_acceptance_found"  # (6) 发现不予受理情形
    OTHER = "other"  # (7) 其他


TERMINATION_CLAUSE = {g: f"第{n}项" for n, g in enumerate(TerminationGround, 1)}


class NotOpenedGround(StrEnum):
    """处罚程序规定 Art. 20: when a case may be left unopened."""

    MINOR_CORRECTED = "minor_corrected"  # 违法行为轻微并及时改正，没有造成危害后果
    FIRST_SLIGHT = "first_slight"  # 初次违法且危害后果轻微并及时改正
    NO_FAULT = "no_fault"  # 有证据足以证明没有主观过错
    NO_VIOLATION = "no_violation"  # 核查后无违法事实 (Art. 19's conditions unmet)
    OUTSIDE_JURISDICTION = "outside_jurisdiction"  # 不属于本部门管辖
    OTHER = "other"  # 法律、法规、规章规定的其他情形


class MediationMode(StrEnum):
    """Art. 18: on site, or remotely by internet, telephone, audio or video."""

    ON_SITE = "on_site"
    REMOTE = "remote"


class MediationDocument(StrEnum):
    """Art. 22: a 调解书 signed by both parties; or, when the agreement was
    performed at once or both parties waived the document, a 调解记录."""

    AGREEMENT = "mediation_document"  # 调解书
    RECORD = "mediation_record"  # 调解记录


class Remedy(StrEnum):
    """What the consumer got (counted in statistics)."""

    REFUND = "refund"  # 退货退款
    REPLACEMENT = "replacement"  # 更换
    REPAIR = "repair"  # 修理
    COMPENSATION = "compensation"  # 赔偿
    APOLOGY = "apology"  # 赔礼道歉
    OTHER = "other"


class ExcludedPeriod(StrEnum):
    """Periods not counted: Art. 20 (testing in mediation), Art. 19 (a
    recusal request suspends mediation), 处罚程序规定 Art. 18 (检测、检验、
    检疫、鉴定 and rights-holder identification during verification)."""

    TESTING = "testing"  # 检测 / 检验 / 检定
    APPRAISAL = "appraisal"  # 鉴定
    QUARANTINE = "quarantine"  # 检疫
    RIGHTS_HOLDER = "rights_holder"  # 权利人辨认或者鉴别
    RECUSAL = "recusal"  # 回避申请 (mediation suspended until decided)


MEDIATION_EXCLUSIONS = frozenset(
    {ExcludedPeriod.TESTING, ExcludedPeriod.APPRAISAL, ExcludedPeriod.RECUSAL}
)
VERIFICATION_EXCLUSIONS = frozenset(
    {
        ExcludedPeriod.TESTING,
        ExcludedPeriod.APPRAISAL,
        ExcludedPeriod.QUARANTINE,
        ExcludedPeriod.RIGHTS_HOLDER,
    }
)
