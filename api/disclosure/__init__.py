"""Public disclosure (双公示) as a plug-in (DESIGN §6): its own log
(`disclosure`) records what is published and retracted, from the decisions of
the logs it follows; its read model is what the public reads; its jobs are
the publisher and the Friday export to the credit system.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from api.host.context import Background, Context, Http, Shared, SiteLink
from domain.disclosure.service import DisclosureService
from projections.disclosure import disclosure_read_models

if TYPE_CHECKING:
    from api.host.storage import Services


def _open(shared: Shared) -> DisclosureService:
    return DisclosureService(
        {**shared.env, "POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "1"},
        registry=shared.registry,
        calendar=shared.calendar,
        clock=shared.clock,
    )


def service(services: Services) -> DisclosureService:
    app = services.apps[CONTEXT.name]
    if not isinstance(app, DisclosureService):  # pragma: no cover - a registry mix-up
        raise TypeError(app)
    return app


def _http() -> Http:
    from api.disclosure import http, national_http, pages
    from api.http.summaries import Summaries
    from domain.disclosure.credit import CreditExport
    from domain.disclosure.disclosure import Disclosure

    return Http(
        # The national view first: `/{entry_id}` would take `national`.
        routers=(national_http.router, http.router),
        summaries=Summaries(
            templates={
                Disclosure.Prepared.TOPIC: "公示信息已生成（待公示）",
                Disclosure.Published.TOPIC: "已公示（{published_on}）",
                Disclosure.Retracted.TOPIC: "撤回公示（{reason}）",
                Disclosure.DisplayEnded.TOPIC: "公示期满，停止公示",
                Disclosure.DeadlineMissed.TOPIC: "公示期限已过（{kind}，{due}）",
                Disclosure.DeadlinesRecomputed.TOPIC: "公示期限按新的节假日安排重算",
                CreditExport.Made.TOPIC: "向信用信息平台报送双公示信息（{week}）",
            }
        ),
        pages=(pages.pages,),
        templates=Path(__file__).parent / "templates",
        site_links=(
            SiteLink("双公示", "/disclosures", "行政许可和行政处罚决定的公示信息查询"),
        ),
    )


def background(services: Services) -> Background:
    """The publisher, and the Friday upload to the credit system."""
    from api.disclosure.jobs import jobs

    return jobs(services, service(services))


CONTEXT = Context(
    name="disclosure",
    title="public disclosure (双公示) of licensing and penalty decisions",
    open=_open,
    read_models=disclosure_read_models,
    http=_http,
    background="api.disclosure:background",
    cli="api.disclosure.cli:COMMANDS",
    bench="api.disclosure.bench",
)
