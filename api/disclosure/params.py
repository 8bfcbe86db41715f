"""What the disclosure routes and pages share: the public reader of the
`disclosure` log, the searches' filters (ours and the national view's) and
the example record of the OpenAPI document."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated, Any, Optional

from fastapi import Depends, Query

from api.http.reads import Reader, public_reader
from domain.disclosure.record import Category, DecisionKind
from domain.shared.dates import IsoDate
from domain.shared.text import Line

PublicReader = Annotated[Reader, Depends(public_reader("disclosure"))]

RECORD_EXAMPLE: dict[str, Any] = {
    "kind": "penalty",
    "category": "penalised",
    "decision_number": "淮区市监罚〔2026〕12号",
    "title": "罚款、没收违法所得",
    "party_name": "淮安测试制造有限公司",
    "party_type": "legal_person",
    "uscc": "91320803MA1XXXXXX0",
    "legal_representative": "张三",
    "content": "没收违法所得二千元，并处罚款一万元",
    "basis": "《产品质量法》第四十九条",
    "reason": "生产、销售不合格产品",
    "decided_on": "2026-11-23",
    "valid_from": None,
    "valid_until": None,
    "licence_number": "",
    "certificate_name": "",
    "authority": "淮安区市场监督管理局",
    "authority_unit_code": "320803",
    "penalty_kinds": ["fine", "confiscation_of_illegal_gains"],
    "fine_fen": 1000000,
    "confiscation_fen": 200000,
}


Text = Annotated[str, Line(200)]

# The filters of the searches (ours and the national view's).
NumberFilter = Annotated[
    Optional[Text],  # noqa: UP045
    Query(description="the decision's number (决定书文号), exactly"),
]
KindFilter = Annotated[
    Optional[DecisionKind],  # noqa: UP045
    Query(description="licence (行政许可) or penalty (行政处罚)"),
]
CategoryFilter = Annotated[
    Optional[Category],  # noqa: UP045
    Query(description="what the decision did: granted, changed, renewed…"),
]
DecidedFrom = Annotated[
    Optional[IsoDate],  # noqa: UP045
    Query(alias="from", description="decided on or after this day"),
]
DecidedTo = Annotated[
    Optional[IsoDate],  # noqa: UP045
    Query(alias="to", description="decided on or before this day"),
]
