"""The inspections context's part of the HTTP API (its descriptor's `http`)."""

from __future__ import annotations

from api.host.context import Http
from api.inspections import analysis, cases, glossary, lists, public, summaries

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
)
