"""The disclosure context's long-running job: publishing rounds every
second, and once a day from Friday on, the week's upload to the credit
system if it is not recorded yet (a service down on Friday uploads on
Saturday). A failed round is logged and tried again; the thread never dies."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import psycopg
import structlog
from eventsourcing.persistence import IntegrityError

from api.disclosure.credit import due_week, export_week, recorded
from api.disclosure.publisher import ROUND_S, Publisher
from domain.disclosure.service import SYSTEM_PUBLISHER, DisclosureService
from domain.shared.audit import Audit
from projections.runtime import ReadModelMissingError

if TYPE_CHECKING:
    from api.host.context import Background
    from api.host.storage import Services

log = structlog.get_logger("casetrace.disclosure")


class FeedNotBuiltError(Exception):
    """The upload waits for the feed's read model to be built."""


CREDIT_DIR = "exports/credit"


def jobs(services: Services, service: DisclosureService) -> Background:
    publisher = Publisher(services.url, service, services.logs())
    out = services.settings.data_dir / CREDIT_DIR

    def upload_if_due() -> None:
        done = {e.week for e in recorded(service)}
        week = due_week(service.today(), done)
        if week is None:
            return
        audit = Audit(
            actor=SYSTEM_PUBLISHER,
            request_id=f"credit-upload-{week}",
            reason="每周五向信用信息平台报送双公示信息",
            causation=f"timer:credit-upload:{week}",
        )
        try:
            with psycopg.connect(services.url) as conn:
                made = export_week(service, conn, week, out, audit)
        except IntegrityError:
            return  # another process recorded it meanwhile
        except ReadModelMissingError:
            raise FeedNotBuiltError from None
        log.info("credit upload written", week=made.week, files=len(made.files))

    def run(stop: threading.Event) -> None:
        checked = None
        while not stop.is_set():
            try:
                publisher.round()
                today = service.today()
                if checked != today:
                    upload_if_due()
                    checked = today
            except FeedNotBuiltError:
                pass  # the feed's read model is not built yet: next round
            except Exception:
                log.exception("disclosure round failed; retrying")
            stop.wait(ROUND_S)

    return run
