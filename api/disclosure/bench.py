"""The disclosure context's `casetrace bench` workload (the protocol:
api/bench/workload.py): published licence and penalty decisions (every
tenth retracted), the public search and feed pages measured for latency
(6.), and archived feed pages — served from memory — for requests per
second under concurrent clients (8.).

The context takes no command over HTTP (its events follow from other
contexts' decisions, through the publisher), so the command phases skip it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import ClassVar
from urllib.parse import urlencode, urlsplit
from uuid import UUID, uuid5

from api.bench.workload import Commands, Query
from api.host.storage import Services
from domain.disclosure.disclosure import Disclosure, Source
from domain.disclosure.record import Category, DecisionKind, PublicRecord
from domain.disclosure.service import SYSTEM_PUBLISHER, DisclosureService
from domain.shared.audit import Audit
from domain.shared.events import Aggregate

CASES = UUID("0b6f6c1e-0d5c-4b8e-8f43-5e0c9d2a7b31")  # namespace of made-up cases
PUBLIC = "/public/v1/disclosures"


def _uscc(n: int) -> str:
    from domain.shared.uscc import compose_uscc

    return compose_uscc("320803", f"{n % 10**8:08d}")


def _record(n: int) -> PublicRecord:
    penalty = n % 2 == 1
    decided = date(2026, 1, 5) + timedelta(days=n % 300)
    return PublicRecord(
        kind=DecisionKind.PENALTY if penalty else DecisionKind.LICENCE,
        category=Category.PENALISED if penalty else Category.GRANTED,
        decision_number=f"淮区市监{'罚' if penalty else '许'}〔2026〕{n}号",
        title="罚款" if penalty else "特种设备使用登记",
        party_name=f"淮安测试企业{n % 5000}有限公司",
        party_type="legal_person",
        uscc=_uscc(n % 5000),
        legal_representative="张三",
        content="罚款一万元" if penalty else "电梯 1 台",
        basis="《产品质量法》第四十九条"
        if penalty
        else "中华人民共和国行政许可法 第38条",
        reason="生产不合格产品" if penalty else "",
        decided_on=decided,
        authority="淮安区市场监督管理局",
        authority_unit_code="320803",
        penalty_kinds=("fine",) if penalty else (),
        fine_fen=10_000_00 if penalty else 0,
    )


class DisclosureWorkload:
    topic = Disclosure.Prepared.TOPIC
    lag_model = "disclosure_entries"
    http_commands: ClassVar[bool] = False

    def __init__(self, services: Services) -> None:
        self.services = services
        from api.disclosure import service

        self.service: DisclosureService = service(services)

    def seed(self) -> None:
        pass  # the public routes need no staff

    def _prepared(self, n: int) -> Disclosure:
        audit = Audit(actor=SYSTEM_PUBLISHER, request_id=f"bench-disclosure-{n}")
        return Disclosure.prepare(
            source=Source(
                log="bench", case_id=uuid5(CASES, str(n)), decision="d", position=n
            ),
            record=_record(n),
            unit_code="320803",
            calendar=self.service.calendar,
            audit=audit,
        )

    def new_case(self, n: int) -> Sequence[Aggregate]:
        return [self._prepared(n)]

    def generated_case(self, n: int) -> Sequence[Aggregate]:
        d = self._prepared(n)
        audit = Audit(actor=SYSTEM_PUBLISHER, request_id=f"bench-publish-{n}")
        published = d.record.decided_on + timedelta(days=1 + n % 12)
        d.publish(published, audit)
        if n % 10 == 9:
            d.retract(
                reason="行政许可已撤销",
                cause=Source(
                    log="bench", case_id=d.source.case_id, decision="r", position=n
                ),
                ordered_on=published,
                on=published,
                calendar=self.service.calendar,
                audit=audit,
            )
        return [d]

    def commands(self, client: int) -> Commands:
        msg = (
            "the disclosure context takes no command over HTTP (the publisher records)"
        )
        raise NotImplementedError(msg)

    def queries(self) -> Sequence[Query]:
        def search(**filters: str) -> str:
            return f"{PUBLIC}?{urlencode({**filters, 'limit': 50})}"

        return [
            Query("disclosure search, first page", search(), "", public=True),
            Query(
                "disclosure search by USCC", search(uscc=_uscc(1234)), "", public=True
            ),
            Query(
                "disclosure search by party name",
                search(party="企业1234有限"),
                "",
                public=True,
            ),
            Query(
                "disclosure search by decision date",
                search(**{"from": "2026-03-01", "to": "2026-03-07"}),
                "",
                public=True,
            ),
            Query(
                "disclosure feed head (Atom)", f"{PUBLIC}/feed.atom", "", public=True
            ),
        ]

    def throughput_queries(self, base: str) -> Sequence[Query]:
        """The newest archive page the server links from its head, as a
        feed reader finds it (the head itself while there is none)."""
        import httpx

        head = httpx.get(f"{base}{PUBLIC}/feed.json", timeout=30).json()
        newest = head.get("next_url")
        json_page = urlsplit(newest).path if newest else f"{PUBLIC}/feed.json"
        atom_page = json_page.removesuffix(".json") + ".atom"
        return [
            Query("cached archive page (Atom)", atom_page, "", public=True),
            Query("cached archive page (JSON Feed)", json_page, "", public=True),
        ]


def workload(services: Services) -> DisclosureWorkload:
    return DisclosureWorkload(services)
