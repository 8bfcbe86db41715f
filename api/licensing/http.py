"""Licensing's part of the HTTP API (its descriptor's `http`)."""

from __future__ import annotations

from pathlib import Path

from api.host.context import Http, SiteLink
from api.licensing import (
    applicant_records,
    applications,
    deadlines,
    glossary,
    items,
    licences,
    pages,
    public_progress,
    schemas,
    statistics,
    submissions,
    summaries,
)

HTTP = Http(
    routers=(
        *(
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
        submissions.router,
        submissions.public,
    ),
    summaries=summaries.SUMMARIES,
    glossary={**glossary.GLOSSARY, **submissions.GLOSSARY},
    examples=schemas.SHARED_EXAMPLES,
    pages=(pages.pages,),
    templates=Path(__file__).parent / "templates",
    site_links=(
        SiteLink("行政许可事项", "/licensing/items", "事项目录和一次性告知书"),
        SiteLink(
            "办件查询", "/licensing/progress", "凭受理编号和查询码查询许可办件进度"
        ),
    ),
)
