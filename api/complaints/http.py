"""The 12315 line's part of the HTTP API (its descriptor's `http`)."""

from __future__ import annotations

from api.complaints import cases, glossary, intakes, lists, odr, public, summaries
from api.host.context import Http

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
)
