"""The rules of inspections (监督抽查, 双随机一公开) and the values they share
(DOMAIN §4). Every rule a command enforces cites one of these.

Counting days (DOMAIN §7.1, §10 item 1):
- the objection window (产品质量法 Art. 15, "十五日") is counted in **calendar
  days**, its last day moved past a holiday (民法典 Arts. 201, 203): the law
  says 日, and neither it nor 行政处罚法 Art. 85 makes a product-quality
  objection period a working-day one. The 2019 measures (总局令第18号) that
  may say otherwise were not retrieved (UNCONFIRMED): change `OBJECTION`'s
  counting here if the bureau's 法制科 reads them otherwise;
- the decision on an objection, 3 **working** days (the municipal rule in
  DOMAIN §4.2 says 工作日);
- the re-check, 10 **working** days from the rectification report
  (特种设备安全监督检查办法 Art. 29).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domain.shared.errors import InvalidInputError
from domain.shared.text import Line
from domain.shared.time_limit import Counting

PRODUCT_QUALITY_LAW = "产品质量法"
SPECIAL_EQUIPMENT = "特种设备安全监督检查办法"
BUSINESS_ENVIRONMENT = "优化营商环境条例"
# DOMAIN §4.2: one municipal implementing rule [S]; the bureau follows it.
MUNICIPAL = "本市产品质量监督抽查实施细则 (DOMAIN §4.2 [S])"


def pq(n: int) -> str:
    return f"{PRODUCT_QUALITY_LAW} 第{n}条"


def se(n: int) -> str:
    return f"{SPECIAL_EQUIPMENT} 第{n}条"


RULE_RANDOM = f"{BUSINESS_ENVIRONMENT} 第54条 (双随机一公开); 国办发〔2015〕58号"
RULE_ITEM_LIST = (
    "国办发〔2015〕58号 (随机抽查事项清单: 无法律依据不检查); 国市监信〔2019〕38号"
)
RULE_FILING = "国市监信〔2019〕38号 (年度抽查计划报上一级备案)"
RULE_NO_REPEAT = f"{pq(15)} (上级已抽查的, 下级不得另行重复抽查)"
RULE_SAMPLING = f"{pq(15)} (在待销售产品中随机抽取; 不得收取检验费用)"
RULE_TWO_INSPECTORS = f"{se(19)} (两名以上); 行政许可法 第34条 (同一模式)"
RULE_RECUSAL = "回避: 检查人员与抽查对象有利害关系的, 应当依法回避 (DOMAIN §4.1 [S])"
RULE_PRIORITY = f"{se(9)} (重点监督检查名单: 学校、医院、交通枢纽、事故、投诉)"
RULE_OBJECTION = f"{pq(15)} (收到检验结果之日起十五日内申请复检)"
RULE_OBJECTION_DECISION = f"{MUNICIPAL} (异议受理决定: 3个工作日)"
RULE_RETEST_LAB = f"{MUNICIPAL} (复检一般不由原检验机构承担)"
RULE_NOT_SUSPENDED = f"{MUNICIPAL} (异议期间不停止责令改正、行政强制措施和立案)"
RULE_RECTIFICATION = f"{pq(17)} (责令限期改正)"
RULE_RECHECK = f"{se(29)} (收到整改报告之日起10个工作日内复查)"
RULE_FOLLOW_UP = f"{pq(17)} (逾期不改正的公告; 复查仍不合格的责令停业、限期整顿)"
RULE_CHECK_TYPES = f"{se(5)} (常规、专项、证后、其他)"
RULE_SEAL_UP = f"{se(26)} (查封、扣押)"
RULE_RESULTS_PUBLIC = f"{RULE_RANDOM}; {se(8)}, {se(15)} (结果公示)"

OBJECTION_DAYS = 15
OBJECTION_COUNTING = Counting.CALENDAR  # see the module's docstring
OBJECTION_DECISION_WD = 3
RECHECK_WD = 10
MIN_INSPECTORS = 2


class ItemKind(StrEnum):
    """国市监信〔2019〕38号: 一般检查事项 (ratio strictly limited) and
    重点检查事项 (no upper limit)."""

    GENERAL = "general"  # 一般检查事项
    PRIORITY = "priority"  # 重点检查事项


class TargetKind(StrEnum):
    """What an item's checks are about (the 名录库 may hold firms and products)."""

    ENTERPRISE = "enterprise"
    PRODUCT = "product"  # 产品质量监督抽查: samples tested
    SPECIAL_EQUIPMENT = "special_equipment"  # 特种设备监督检查


class PriorityGround(StrEnum):
    """特种设备安全监督检查办法 Art. 9: why a user is on the priority list."""

    SCHOOL = "school"
    HOSPITAL = "hospital"
    TRANSPORT_HUB = "transport_hub"
    CROWDED_PLACE = "crowded_place"
    PAST_ACCIDENT = "past_accident"
    VERIFIED_COMPLAINTS = "verified_complaints"


class CheckType(StrEnum):
    """特种设备安全监督检查办法 Art. 5."""

    ROUTINE = "routine"  # 常规
    SPECIAL = "special"  # 专项
    POST_LICENCE = "post_licence"  # 证后
    OTHER = "other"  # 其他


_INDUSTRY = re.compile(r"^[A-T]([0-9]{2}([0-9]([0-9])?)?)?$")


def industry_code(value: str) -> str:
    """GB/T 4754-2017: a section letter A–T, then the division (2 digits),
    group (3) or class (4): "C", "C38", "C384", "C3849"."""
    if not _INDUSTRY.match(value):
        raise InvalidInputError(
            f"{value!r} is not a GB/T 4754 industry code (a letter A–T, then 2, 3 or 4 digits, e.g. C3849)",
            field="industry",
        )
    return value


def _industry(value: str) -> str:
    try:
        return industry_code(value)
    except InvalidInputError as exc:
        raise ValueError(exc.detail) from None


IndustryCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=5,
        pattern=r"^[A-T]([0-9]{2}([0-9]([0-9])?)?)?$",
        examples=["C3849"],
        description="GB/T 4754-2017 国民经济行业分类: section letter, then 2–4 digits",
    ),
    AfterValidator(_industry),
]
# A line of business (执法检查人员的执法领域) and a product name: short codes
# and names the bureau chooses.
LineOfBusiness = Annotated[
    str,
    Field(pattern=r"^[a-z][a-z0-9_]{1,39}$", examples=["product_quality"]),
]
Product = Annotated[str, Line(100)]


class Weighting(BaseModel):
    """国办发〔2015〕58号: more draws for firms with many complaints, on the
    经营异常名录, or on the priority list (特种设备 Art. 9). A target's weight
    is 1 plus the extra of each that applies (integers: the draw is exact)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    priority: int = Field(default=0, ge=0, le=20)
    abnormal: int = Field(default=0, ge=0, le=20)
    complaints: int = Field(default=0, ge=0, le=20)

    def weight(self, *, priority: bool, abnormal: bool, complaints: int) -> int:
        return (
            1
            + (self.priority if priority else 0)
            + (self.abnormal if abnormal else 0)
            + (self.complaints if complaints > 0 else 0)
        )
