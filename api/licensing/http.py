"""Licensing's part of the HTTP API (its descriptor's `http`)."""

from __future__ import annotations

from api.host.context import Http
from api.licensing import (
    applicant_records,
    applications,
    deadlines,
    glossary,
    items,
    licences,
    public_progress,
    schemas,
    statistics,
    summaries,
)

HTTP = Http(
    routers=tuple(
        module.router
        for module in (
            items,
            applications,
            licences,
            applicant_records,
            deadlines,
            statistics,
            public_progress,
        )
    ),
    summaries=summaries.SUMMARIES,
    glossary=glossary.GLOSSARY,
    examples=schemas.SHARED_EXAMPLES,
)
