"""The inspections context's part of the HTTP API (its descriptor's `http`)."""

from __future__ import annotations

from pathlib import Path

from api.host.context import Http, SiteLink
from api.inspections import analysis, cases, glossary, lists, pages, public, summaries

HTTP = Http(
    routers=(
        cases.items,
        lists.router,
        cases.inspectors,
        lists.indexes,
        cases.plans,
        cases.cases,
        cases.meetings,
        analysis.router,
        public.router,
        public.nominations,
    ),
    summaries=summaries.SUMMARIES,
    glossary=glossary.GLOSSARY,
    pages=(pages.pages,),
    templates=Path(__file__).parent / "templates",
    site_links=(
        SiteLink(
            "你点我查", "/inspections/nominate", "推荐您希望被抽查的产品、企业或场所"
        ),
    ),
)
