"""Licensing's part of the HTTP API (its descriptor's `http`)."""

from __future__ import annotations

from pathlib import Path

from api.host.context import Http, SiteLink
from api.licensing import (
    aftercare_schemas,
    applicant_records,
    applications,
    deadlines,
    follow_ups,
    glossary,
    imports,
    items,
    joint_reviews,
    liaisons,
    licences,
    pages,
    public_progress,
    rating_statistics,
    ratings,
    schemas,
    statistics,
    submissions,
    summaries,
)
from api.licensing.documents import routes as documents

HTTP = Http(
    routers=(
        *(
            module.router
            for module in (
                items,
                applications,
                joint_reviews,
                licences,
                applicant_records,
                deadlines,
                statistics,
                public_progress,
                documents,
                imports,
                follow_ups,
                liaisons,
                ratings,
                rating_statistics,
            )
        ),
        submissions.router,
        submissions.public,
    ),
    summaries=summaries.SUMMARIES,
    glossary={
        **glossary.GLOSSARY,
        **aftercare_schemas.GLOSSARY,
        **submissions.GLOSSARY,
    },
    examples=schemas.SHARED_EXAMPLES,
    pages=(pages.pages,),
    templates=Path(__file__).parent / "templates",
    site_links=(
        SiteLink("行政许可事项", "/licensing/items", "事项目录和一次性告知书"),
        SiteLink(
            "办件查询", "/licensing/progress", "凭受理编号和查询码查询许可办件进度"
        ),
        SiteLink(
            "办理评议",
            "/licensing/rating",
            "许可决定作出后，凭受理编号和查询码评议一次",
        ),
    ),
)
