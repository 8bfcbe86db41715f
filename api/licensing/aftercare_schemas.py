"""Follow-up visits, liaison and ratings over HTTP: their views, response
shapes (each with an example) and glossary lines."""

from __future__ import annotations

from datetime import date
from typing import Any, Final
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.http.schemas import CommandOutcome, example
from domain.licensing.follow_up import FollowUp
from domain.licensing.liaison import Liaison, quarter_end, quarter_label
from domain.licensing.rating import HandlingRating

FOLLOW_UP_EXAMPLE: Final[dict[str, Any]] = {
    "id": "5f0c1c5e-3c1b-5d8e-9a53-8a7f0b7f2a10",
    "version": 2,
    "licence_id": "0b4e3f1a-6a55-4f7e-8d6c-0c2d1c1f9e21",
    "licence_number": "XK-TZSB-SYDJ-320803-2026-123456",
    "holder_name": "淮安示例电梯有限公司",
    "item": {"code": "XK-TZSB-SYDJ", "name": "特种设备使用登记"},
    "unit_code": "320803",
    "interval_months": 12,
    "granted_on": "2026-11-23",
    "next_due": "2028-06-30",
    "last_visited_on": "2027-06-30",
    "visits": 1,
    "missed": [],
    "rule": "行政许可回访制度（定期回访、信息通报）",
}
LIAISON_EXAMPLE: Final[dict[str, Any]] = {
    "id": "7d2f7b8c-0e1a-5b43-a1f6-3f1b2e4d5c6a",
    "version": 2,
    "uscc": "91320803000000019H",
    "enterprise_name": "淮安示例电梯有限公司",
    "contact": {"staff_no": "C-320803-R", "name": "李审查"},
    "unit_code": "320803",
    "since": "2026-11-23",
    "due_quarter": "2027Q1",
    "due": "2027-03-31",
    "visited_quarters": ["2026Q4"],
    "missed_quarters": [],
    "ended_on": None,
}
COUNTS_EXAMPLE: Final[dict[str, Any]] = {
    "rated": 4,
    "satisfied": 2,
    "fairly_satisfied": 1,
    "dissatisfied": 1,
    "satisfaction_rate": 0.75,
}


class ItemRef(BaseModel):
    code: str
    name: str


class FollowUpView(BaseModel):
    """回访: a licence's follow-up visits, the next one due."""

    model_config = example(FOLLOW_UP_EXAMPLE)

    id: UUID
    version: int = Field(ge=1, description="the case's version; also its ETag")
    licence_id: UUID
    licence_number: str
    holder_name: str
    item: ItemRef
    unit_code: str
    interval_months: int
    granted_on: date
    next_due: date
    last_visited_on: date | None
    visits: int
    missed: list[date] = Field(description="due dates the clock recorded missed")
    rule: str


class FollowUpChanged(FollowUpView, CommandOutcome):
    model_config = example(
        {**FOLLOW_UP_EXAMPLE, "position": 57, "consistency_token": "licensing:57"}
    )


class ContactView(BaseModel):
    staff_no: str
    name: str


class LiaisonView(BaseModel):
    """质企联系: an enterprise's designated contact and its quarterly visits."""

    model_config = example(LIAISON_EXAMPLE)

    id: UUID
    version: int = Field(ge=1, description="the case's version; also its ETag")
    uscc: str
    enterprise_name: str
    contact: ContactView
    unit_code: str
    since: date
    due_quarter: str | None = Field(description="the quarter whose visit is owed")
    due: date | None = Field(description="its last day: the visit's due date")
    visited_quarters: list[str]
    missed_quarters: list[str]
    ended_on: date | None


class LiaisonChanged(LiaisonView, CommandOutcome):
    model_config = example(
        {**LIAISON_EXAMPLE, "position": 58, "consistency_token": "licensing:58"}
    )


class QuarterFigures(BaseModel):
    quarter: str = Field(description="e.g. 2026Q4")
    unit_code: str
    under_liaison: int
    visited: int
    not_visited: int
    visits: int
    findings: int


class LiaisonAnalysis(BaseModel):
    """定时分析: per unit and quarter."""

    model_config = example(
        {
            "quarters": [
                {
                    "quarter": "2026Q4",
                    "unit_code": "320803",
                    "under_liaison": 3,
                    "visited": 2,
                    "not_visited": 1,
                    "visits": 4,
                    "findings": 5,
                }
            ]
        }
    )

    quarters: list[QuarterFigures]


class RatingCounts(BaseModel):
    rated: int
    satisfied: int
    fairly_satisfied: int
    dissatisfied: int
    satisfaction_rate: float | None = Field(
        description="满意率: satisfied and fairly satisfied over all rated"
    )


class RatingGroup(RatingCounts):
    key: str


class RatingStatistics(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "from": "2026-01-01",
                    "to": "2026-12-31",
                    "group_by": "unit",
                    "groups": [{"key": "320803", **COUNTS_EXAMPLE}],
                    "total": COUNTS_EXAMPLE,
                }
            ]
        },
    )

    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    group_by: str | None
    groups: list[RatingGroup]
    total: RatingCounts


class Rated(BaseModel):
    """评议 recorded."""

    model_config = example(
        {
            "receipt_number": "32080320261123123456",
            "rating": "satisfied",
            "rated_on": "2026-11-30",
        }
    )

    receipt_number: str
    rating: str
    rated_on: date


def follow_up_view(f: FollowUp) -> dict[str, Any]:
    return {
        "id": f.id,
        "version": f.version,
        "licence_id": f.licence_id,
        "licence_number": f.licence_number,
        "holder_name": f.holder_name,
        "item": {"code": f.item_code, "name": f.item_name},
        "unit_code": f.unit_code,
        "interval_months": f.interval_months,
        "granted_on": f.granted_on,
        "next_due": f.next_due,
        "last_visited_on": f.last_visited_on,
        "visits": f.visits,
        "missed": f.missed,
        "rule": f.rule,
    }


def liaison_view(liaison: Liaison) -> dict[str, Any]:
    owed = liaison.due_quarter
    return {
        "id": liaison.id,
        "version": liaison.version,
        "uscc": liaison.uscc,
        "enterprise_name": liaison.enterprise_name,
        "contact": liaison.contact.model_dump(),
        "unit_code": liaison.unit_code,
        "since": liaison.since,
        "due_quarter": quarter_label(owed) if owed else None,
        "due": quarter_end(owed) if owed else None,
        "visited_quarters": [quarter_label(q) for q in liaison.visited],
        "missed_quarters": [quarter_label(q) for q in liaison.missed],
        "ended_on": liaison.ended_on,
    }


GLOSSARY: Final[dict[str, str]] = {
    "FollowUpVisitBody.visited_on": "回访日期 — the day of the visit (from the grant or the last visit to today)",
    "FollowUpVisitBody.findings": "回访情况 — what the visit found; multi-line",
    "FollowUpVisitBody.information": "信息通报 — information passed on to the holder",
    "InformationPassed.kind": "通报内容类别 — 国家标准 standard, 技术规范/实施细则 technical_rule, 许可条件 licence_condition",
    "InformationPassed.content": "通报内容 — what changed, in a line (e.g. the standard's number)",
    "LiaisonBody.uscc": "统一社会信用代码 — the enterprise's USCC (in the enterprise directory)",
    "contact_staff_no": "联系人 — staff number of the designated contact (定点联系); their unit must cover the enterprise's region",
    "LiaisonVisitBody.visited_on": "走访日期 — the day of the visit (from designation to today)",
    "LiaisonVisitBody.findings": "走访发现的问题 — the findings, one per line",
    "help_given": "协调解决事项 — the help given or arranged; multi-line",
    "HandlingRatingBody.receipt_number": "受理编号 — the receipt number given at receipt",
    "HandlingRatingBody.query_code": "查询码 — the query code shown once at receipt",
    "HandlingRatingBody.rating": "评议 — 满意 satisfied, 基本满意 fairly_satisfied, 不满意 dissatisfied",
    "HandlingRatingBody.comment": "意见 — the applicant's comment (optional); multi-line",
    "param.quarter_from": "起始季度 — first quarter, e.g. 2026Q1 (default: the current one)",
    "param.quarter_to": "截止季度 — last quarter, e.g. 2026Q4 (default: the current one)",
}


# History lines (全过程留痕) of the aftercare events, and their coded values.
TEMPLATES: Final[dict[str, str]] = {
    FollowUp.Scheduled.TOPIC: "准予许可后建立回访计划，每 {interval_months} 个月回访一次，首次回访期限 {next_due}",
    FollowUp.VisitRecorded.TOPIC: "回访（{visited_on}）：{findings}；下次回访期限 {next_due}",
    FollowUp.VisitMissed.TOPIC: "回访期限 {due} 届满未回访（系统记录），下次回访期限 {next_due}",
    Liaison.Designated.TOPIC: "确定质企联系人 {contact[name]}（{since} 起）",
    Liaison.ContactChanged.TOPIC: "更换质企联系人为 {contact[name]}",
    Liaison.VisitRecorded.TOPIC: "走访联系点（{visited_on}）：{findings}",
    Liaison.QuarterMissed.TOPIC: "本季度（至 {due}）未走访联系点（系统记录）",
    Liaison.Ended.TOPIC: "终止质企联系（{ended_on}）",
    HandlingRating.Rated.TOPIC: "申请人评议：{rating}",
}
LABELS: Final[dict[str, str]] = {
    "standard": "国家标准",
    "technical_rule": "技术规范、实施细则",
    "licence_condition": "许可条件",
    "satisfied": "满意",
    "fairly_satisfied": "基本满意",
    "dissatisfied": "不满意",
}
