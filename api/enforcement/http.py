"""The enforcement context's part of the HTTP API (its descriptor's `http`)."""

from __future__ import annotations

from api.enforcement import cases, glossary, lists, summaries
from api.host.context import Http

HTTP = Http(
    routers=(cases.router, lists.router, lists.board),
    summaries=summaries.SUMMARIES,
    glossary=glossary.GLOSSARY,
)
