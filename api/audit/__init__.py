"""The auditors' view and the tamper-evident ledger, as a plug-in (DESIGN §5).

Its own log (`audit`) records what auditors read; its read models follow
every log (projections/audit); its background job signs the ledger's
checkpoints; its commands are `casetrace verify` and `casetrace ledger …`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from api.host.context import Background, Context, Http, Shared, SiteLink
from domain.audit.service import AuditTrail
from projections.audit import audit_read_models

if TYPE_CHECKING:
    from api.host.storage import Services


def _open(shared: Shared) -> AuditTrail:
    # It writes one small event per auditor's read: one connection, and one
    # more at a burst, suffice (each process holds every context's pool, and
    # a stock server allows 100 connections in all).
    return AuditTrail(
        {**shared.env, "POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "1"}
    )


def _http() -> Http:
    from api.audit import events, pages, proofs
    from api.http.summaries import Summaries
    from domain.audit.read import AuditRead

    return Http(
        routers=(events.router, proofs.router, proofs.public),
        summaries=Summaries(templates={AuditRead.Made.TOPIC: "审计查阅（{what}）"}),
        pages=(pages.pages,),
        templates=Path(__file__).parent / "templates",
        site_links=(SiteLink("防篡改账本", "/ledger", "签名检查点、公钥和核验方法"),),
    )


def background(services: Services) -> Background:
    """The checkpoint signer of every log, as configured."""
    from api.audit.keys import ledger_key
    from api.audit.signer import STATE_FILE, CheckpointSigner

    settings = services.settings
    signer = CheckpointSigner(
        services.url,
        ledger_key(settings),
        services.logs(),
        every=settings.checkpoint_events,
        interval=settings.checkpoint_seconds,
        state=settings.data_dir / STATE_FILE,
    )
    return signer.run


CONTEXT = Context(
    name="audit",
    title="the auditors' view and the tamper-evident ledger (全过程留痕)",
    open=_open,
    read_models=audit_read_models,
    http=_http,
    bench="api.audit.bench",
    cli="api.audit.cli:COMMANDS",
    background="api.audit:background",
)
