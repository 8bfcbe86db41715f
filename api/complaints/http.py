"""The 12315 line's part of the HTTP API (its descriptor's `http`)."""

from __future__ import annotations

from pathlib import Path

from api.complaints import (
    cases,
    glossary,
    intakes,
    lists,
    odr,
    pages,
    public,
    summaries,
)
from api.host.context import Http, SiteLink

HTTP = Http(
    routers=(
        intakes.router,
        cases.complaints_router,
        cases.reports_router,
        cases.conduct_router,
        odr.enterprises,
        odr.disputes,
        lists.router,
        lists.board,
        public.router,
        odr.business,
    ),
    summaries=summaries.SUMMARIES,
    glossary=glossary.GLOSSARY,
    pages=(pages.pages,),
    templates=Path(__file__).parent / "templates",
    site_links=(
        SiteLink(
            "投诉、举报和咨询", "/complaints/new", "网上提交消费投诉、违法举报或咨询"
        ),
        SiteLink(
            "投诉举报进度", "/complaints/progress", "凭登记编号和查询码查询处理进度"
        ),
    ),
)
