"""The quality analysis (质量分析, seed 000) over HTTP: what an industry's
quality analysis meeting is prepared from, per industry and product — samples,
failures, the failure rate, the test items failing at several firms (共性问题)
and at one (个性问题), and the trend by month. As JSON, as CSV for Excel
(UTF-8 with a BOM), and as an SVG bar chart of the failure rate by industry,
drawn here (no library, no external asset, the same bytes for the same data).

Staff only, by jurisdiction: a unit's staff see what the units of its region
counted; auditors everything. Summed from the `inspection_analysis` rollups
(projections/inspections/analysis_queries.py)."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from decimal import Decimal
from typing import Annotated, Any, Optional
from xml.sax.saxutils import escape, quoteattr

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.http.exports import CsvResponse, csv_lines
from api.http.openapi import STAFF, problems
from api.http.reads import Reader, UnitFilter
from api.http.views import JSON
from api.inspections.reads import StaffReader
from domain.shared.text import Line
from projections.inspections import analysis_queries
from projections.inspections.analysis_queries import (
    MAX_TOP,
    MONTH_PATTERN,
    AnalysisQuery,
    failure_rate,
    month_of,
)

router = APIRouter(tags=["inspections: quality analysis"])

RATE_PATTERN = r"^[01]\.[0-9]{4}$"
INDUSTRY_PREFIX = r"^[A-T]([0-9]{1,4})?$"

# GB/T 4754-2017 国民经济行业分类: the sections, and the divisions of
# manufacturing (where product spot checks fall), for labels.
SECTIONS = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}
DIVISIONS = {
    "C13": "农副食品加工业",
    "C14": "食品制造业",
    "C15": "酒、饮料和精制茶制造业",
    "C16": "烟草制品业",
    "C17": "纺织业",
    "C18": "纺织服装、服饰业",
    "C19": "皮革、毛皮、羽毛及其制品和制鞋业",
    "C20": "木材加工和木、竹、藤、棕、草制品业",
    "C21": "家具制造业",
    "C22": "造纸和纸制品业",
    "C23": "印刷和记录媒介复制业",
    "C24": "文教、工美、体育和娱乐用品制造业",
    "C25": "石油、煤炭及其他燃料加工业",
    "C26": "化学原料和化学制品制造业",
    "C27": "医药制造业",
    "C28": "化学纤维制造业",
    "C29": "橡胶和塑料制品业",
    "C30": "非金属矿物制品业",
    "C31": "黑色金属冶炼和压延加工业",
    "C32": "有色金属冶炼和压延加工业",
    "C33": "金属制品业",
    "C34": "通用设备制造业",
    "C35": "专用设备制造业",
    "C36": "汽车制造业",
    "C37": "铁路、船舶、航空航天和其他运输设备制造业",
    "C38": "电气机械和器材制造业",
    "C39": "计算机、通信和其他电子设备制造业",
    "C40": "仪器仪表制造业",
    "C41": "其他制造业",
    "C42": "废弃资源综合利用业",
    "C43": "金属制品、机械和设备修理业",
}
UNCLASSIFIED = "未分类"


def industry_name(code: str) -> str:
    """The division's name (manufacturing) or the section's; 未分类 for none."""
    return DIVISIONS.get(code[:3]) or SECTIONS.get(code[:1], UNCLASSIFIED)


# -- the response ---------------------------------------------------------------


class CommonProblem(BaseModel):
    """共性问题: a test item that failed at two or more firms."""

    test_item: str
    failures: int = Field(description="samples failing it")
    firms: int = Field(ge=2, description="distinct firms (USCC) it failed at")


class SingleFirmProblem(BaseModel):
    """个性问题: a test item that failed at exactly one firm."""

    test_item: str
    failures: int
    uscc: str
    name: str = Field(description="the firm's name at its latest counted check")


class Figures(BaseModel):
    samples: int = Field(description="抽查批次: final results")
    failures: int = Field(description="不合格批次")
    failure_rate: Optional[str] = Field(  # noqa: UP045
        pattern=RATE_PATTERN,
        description="不合格率, failures / samples rounded half up to 4 places"
        " (a decimal string, never a float); null with no samples",
    )


class MonthFigures(Figures):
    month: str = Field(pattern=MONTH_PATTERN)


class AnalysisGroup(Figures):
    industry: str = Field(description="GB/T 4754 code as assigned ('' if none)")
    industry_name: str
    product: str = Field(
        description="the sampled product; for special equipment, the check item"
    )
    common_problems: list[CommonProblem] = Field(
        description="most failures first, at most `top`"
    )
    common_problems_total: int = Field(description="how many there are in all")
    single_firm_problems: list[SingleFirmProblem] = Field(
        description="most failures first, at most `top`"
    )
    single_firm_problems_total: int
    trend: list[MonthFigures] = Field(description="the months with results, in order")


EXAMPLE: dict[str, Any] = {
    "from": "2026-01",
    "to": "2026-12",
    "unit": None,
    "industry": "C38",
    "product": None,
    "groups": [
        {
            "industry": "C3854",
            "industry_name": "电气机械和器材制造业",
            "product": "电热水壶",
            "samples": 7,
            "failures": 4,
            "failure_rate": "0.5714",
            "common_problems": [{"test_item": "泄漏电流", "failures": 3, "firms": 3}],
            "common_problems_total": 1,
            "single_firm_problems": [
                {
                    "test_item": "标志和说明",
                    "failures": 1,
                    "uscc": "91320803MA1XYW01X6",
                    "name": "连云港市某某电器有限公司",
                }
            ],
            "single_firm_problems_total": 1,
            "trend": [
                {
                    "month": "2026-03",
                    "samples": 5,
                    "failures": 3,
                    "failure_rate": "0.6000",
                },
                {
                    "month": "2026-04",
                    "samples": 2,
                    "failures": 1,
                    "failure_rate": "0.5000",
                },
            ],
        }
    ],
    "total": {"samples": 7, "failures": 4, "failure_rate": "0.5714"},
}


class QualityAnalysisView(BaseModel):
    """Per industry and product, from the rollups (never a scan)."""

    model_config = ConfigDict(
        populate_by_name=True, json_schema_extra={"examples": [EXAMPLE]}
    )

    date_from: str = Field(alias="from", pattern=MONTH_PATTERN)
    date_to: str = Field(alias="to", pattern=MONTH_PATTERN)
    unit: Optional[str]  # noqa: UP045
    industry: Optional[str]  # noqa: UP045
    product: Optional[str]  # noqa: UP045
    groups: list[AnalysisGroup]
    total: Figures


# -- the query ------------------------------------------------------------------

Industry = Annotated[
    Optional[str],  # noqa: UP045
    Query(
        pattern=INDUSTRY_PREFIX,
        description="GB/T 4754 code or its start: C, C38, C3854",
    ),
]
Product = Annotated[
    Optional[Annotated[str, Line(100)]],  # noqa: UP045
    Query(description="one product, exactly (特种设备: its check item code)"),
]
FromMonth = Annotated[
    Optional[str],  # noqa: UP045
    Query(
        alias="from",
        pattern=MONTH_PATTERN,
        description="first month (YYYY-MM); default January this year",
    ),
]
ToMonth = Annotated[
    Optional[str],  # noqa: UP045
    Query(
        alias="to",
        pattern=MONTH_PATTERN,
        description="last month (YYYY-MM); default this month",
    ),
]
Top = Annotated[
    int,
    Query(ge=1, le=MAX_TOP, description="items listed per group, of each kind"),
]


def _analysis(
    reader: Reader,
    industry: Optional[str],  # noqa: UP045
    product: Optional[str],  # noqa: UP045
    first: Optional[str],  # noqa: UP045
    last: Optional[str],  # noqa: UP045
    unit: Optional[str],  # noqa: UP045
    top: int,
) -> dict[str, Any]:
    found = analysis_queries.analysis(
        reader.conn,
        AnalysisQuery(
            scope=reader.scope,
            first_month=month_of(first, "from")
            if first
            else reader.today.replace(month=1, day=1),
            last_month=month_of(last, "to") if last else reader.today,
            unit=reader.unit(unit),
            industry=industry,
            product=product,
            top=top,
        ),
    )
    for group in found["groups"]:
        group["industry_name"] = industry_name(group["industry"])
    return found


@router.get(
    "/v1/inspections/analysis",
    response_class=JSON,
    response_model=QualityAnalysisView,
    responses=problems(*STAFF),
    summary="Quality analysis (质量分析): failures and common problems per"
    " industry and product",
)
def get_analysis(
    reader: StaffReader,
    industry: Industry = None,
    product: Product = None,
    date_from: FromMonth = None,
    date_to: ToMonth = None,
    unit: UnitFilter = None,
    top: Top = 10,
) -> JSON:
    return JSON(_analysis(reader, industry, product, date_from, date_to, unit, top))


# -- CSV ------------------------------------------------------------------------


CSV_HEADER = (
    "行业代码",
    "行业名称",
    "产品",
    "抽查批次",
    "不合格批次",
    "不合格率",
    "共性问题",
    "个性问题",
)
CSV_EXAMPLE = (
    "\ufeff" + ",".join(CSV_HEADER) + "\r\n"
    "C3854,电气机械和器材制造业,电热水壶,7,4,57.14%,泄漏电流（3家/3批次）,"
    "标志和说明（连云港市某某电器有限公司 91320803MA1XYW01X6）\r\n"
)


def percent(rate: Optional[str]) -> str:  # noqa: UP045
    """ "0.5714" as "57.14%" (exact: the string's own digits)."""
    if rate is None:
        return ""
    return f"{Decimal(rate) * 100:.2f}%"


def analysis_csv(found: dict[str, Any]) -> bytes:
    """One line per industry × product, UTF-8 with a BOM (Excel reads Chinese
    then), CRLF line ends."""
    rows: list[list[object]] = [list(CSV_HEADER)]
    for g in found["groups"]:
        common = "；".join(
            f"{p['test_item']}（{p['firms']}家/{p['failures']}批次）"
            for p in g["common_problems"]
        )
        single = "；".join(
            f"{p['test_item']}（{p['name']} {p['uscc']}）"
            for p in g["single_firm_problems"]
        )
        rows.append(
            [
                g["industry"],
                g["industry_name"],
                g["product"],
                g["samples"],
                g["failures"],
                percent(g["failure_rate"]),
                common,
                single,
            ]
        )
    return csv_lines(rows).encode("utf-8-sig")


@router.get(
    "/v1/inspections/analysis.csv",
    response_class=CsvResponse,
    responses={
        200: {
            "description": "UTF-8 with a byte order mark; one line per industry"
            " and product",
            "content": {
                "text/csv; charset=utf-8": {
                    "schema": {"type": "string"},
                    "example": CSV_EXAMPLE,
                }
            },
        },
        **problems(*STAFF),
    },
    summary="Quality analysis (质量分析) as CSV for Excel",
)
def get_analysis_csv(
    reader: StaffReader,
    industry: Industry = None,
    product: Product = None,
    date_from: FromMonth = None,
    date_to: ToMonth = None,
    unit: UnitFilter = None,
    top: Top = 10,
) -> CsvResponse:
    found = _analysis(reader, industry, product, date_from, date_to, unit, top)
    name = f"quality-analysis-{found['from']}-{found['to']}.csv"
    return CsvResponse(
        analysis_csv(found),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- the chart ------------------------------------------------------------------


class SvgResponse(Response):
    media_type = "image/svg+xml"


WIDTH = 760
LABEL_WIDTH = 300
BAR_WIDTH = 320  # 100 %
TOP = 64
ROW = 28
BAR = 18
FONT = (
    "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif"
)


def _by_industry(found: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(industry, samples, failures) summed over products, by code."""
    sums: dict[str, list[int]] = {}
    for g in found["groups"]:
        s = sums.setdefault(g["industry"], [0, 0])
        s[0] += g["samples"]
        s[1] += g["failures"]
    return [(code, s[0], s[1]) for code, s in sorted(sums.items())]


def _label(code: str) -> str:
    return f"{code or '—'} {industry_name(code)}"


def analysis_svg(found: dict[str, Any]) -> str:
    """A horizontal bar chart of the failure rate by industry: the same data
    give the same bytes (no clock, no random ids, fixed number formats)."""
    rows = _by_industry(found)
    title = f"{found['from']}至{found['to']} 各行业产品质量监督抽查不合格率"
    lines = [
        f"{_label(code)}：抽查{samples}批次，不合格{failures}批次，"
        f"不合格率{percent(failure_rate(failures, samples))}。"
        for code, samples, failures in rows
    ]
    desc = "".join(lines) or "所选范围内没有抽查结果。"
    height = TOP + max(len(rows), 1) * ROW + 32
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1"'
        f' width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}"'
        ' role="img" aria-labelledby="chart-title chart-desc" lang="zh-CN"'
        f' font-family={quoteattr(FONT)} font-size="13">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="16" y="28" font-size="16" font-weight="bold"'
        f' fill="#1a1a1a">{escape(title)}</text>',
    ]
    bottom = TOP + max(len(rows), 1) * ROW
    for tick in range(0, 101, 25):  # the axis: 0 %, 25 %, … 100 %
        x = LABEL_WIDTH + BAR_WIDTH * tick // 100
        out.append(
            f'<line x1="{x}" y1="{TOP - 8}" x2="{x}" y2="{bottom}"'
            ' stroke="#d0d0d0" stroke-width="1" aria-hidden="true"/>'
        )
        out.append(
            f'<text x="{x}" y="{bottom + 18}" text-anchor="middle"'
            f' fill="#555555" aria-hidden="true">{tick}%</text>'
        )
    if not rows:
        out.append(
            f'<text x="{LABEL_WIDTH}" y="{TOP + 18}" fill="#555555">'
            "所选范围内没有抽查结果</text>"
        )
    for n, (code, samples, failures) in enumerate(rows):
        y = TOP + n * ROW
        rate = failure_rate(failures, samples)
        width = (Decimal(rate or 0) * BAR_WIDTH).quantize(Decimal("0.1"))
        out.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 14}" text-anchor="end"'
            f' fill="#1a1a1a">{escape(_label(code))}</text>'
        )
        out.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR}"'
            ' fill="#c0392b"/>'
        )
        value = f"{percent(rate)}（{failures}/{samples}）"
        out.append(
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{y + 14}"'
            f' fill="#1a1a1a">{escape(value)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


@router.get(
    "/v1/inspections/analysis/chart.svg",
    response_class=SvgResponse,
    responses={
        200: {
            "description": "an SVG bar chart of the failure rate by industry,"
            " with <title> and <desc> for screen readers",
            "content": {"image/svg+xml": {"schema": {"type": "string"}}},
        },
        **problems(*STAFF),
    },
    summary="Quality analysis (质量分析): failure rate by industry as an SVG chart",
)
def get_analysis_chart(
    reader: StaffReader,
    industry: Industry = None,
    product: Product = None,
    date_from: FromMonth = None,
    date_to: ToMonth = None,
    unit: UnitFilter = None,
) -> SvgResponse:
    found = _analysis(reader, industry, product, date_from, date_to, unit, 1)
    return SvgResponse(analysis_svg(found).encode())
