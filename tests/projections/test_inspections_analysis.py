"""The quality analysis (质量分析, seed 000) on a real PostgreSQL: inspections
driven through the domain's own commands, their events fed to the read model
in batches, and the analysis summed from its rollups.

The cast: two counties of one city; electric kettles (电热水壶, industry
C3854, 家用电力器具) sampled at four firms and one elevator (电梯, special
equipment, item TZ-001) checked on site. 泄漏电流 fails at two firms (共性),
标志和说明 at one (个性)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

from api.host.demo import demo_uscc
from domain.inspections.inspection import (
    EquipmentCheck,
    Inspection,
    ItemResult,
    LabReport,
    Sample,
    SampledFrom,
)
from domain.inspections.rules import CheckType, TargetKind
from domain.shared.audit import Role
from domain.shared.errors import InvalidInputError
from projections.inspections.analysis import (
    ITEM_FAILURES,
    SAMPLES,
    QualityAnalysis,
    SampleRow,
)
from projections.inspections.analysis_queries import (
    AnalysisQuery,
    analysis_of,
    failure_rate,
    month_of,
)
from projections.queries import Scope
from projections.runtime import Positioned, Tables, ensure_runtime
from tests.domain.conftest import CALENDAR, staff_audit, system_audit

pytestmark = pytest.mark.db

COUNTY = "320803"
OTHER_COUNTY = "320804"
CITY = "3208"
KETTLES = ("C3854", "电热水壶")
LIFTS = ("G5439", "TZ-001")  # special equipment: the item code is the product
INSPECTORS = ("I-1", "I-2")
INSPECTOR = staff_audit(Role.INSPECTOR, staff_no="I-1")
LAB = staff_audit(Role.LABORATORY, staff_no="L-1")
APPROVER = staff_audit(Role.APPROVER, reason="复检申请材料齐全, 予以受理")
CLOCK = system_audit()
EVERYWHERE = Scope(everything=True)
MARCH = date(2026, 3, 2)
APRIL = date(2026, 4, 6)
YEAR = (date(2026, 1, 1), date(2026, 12, 1))
TABLES = Tables(QualityAnalysis.name, 1)


def report(
    *failed: str, lab: str = "市产品质量监督检验所", on: date = MARCH
) -> LabReport:
    names = ("泄漏电流", "标志和说明", "输入功率")
    return LabReport(
        laboratory=lab,
        report_number=f"JY-{uuid4().hex[:6]}",
        items=tuple(ItemResult(name=n, conforming=n not in failed) for n in names),
        tested_on=on,
    )


class Log:
    """The inspections log as the read model sees it: every event the
    commands record, in order, with its position."""

    def __init__(self, product: str = KETTLES[1], *, save: bool = False) -> None:
        self.events: list[Positioned] = []
        self.numbers = itertools.count(1)
        self.product = product
        # To save through an application instead (tests/api): kept pending.
        self.save = save
        self.unsaved: list[Inspection] = []

    def record(self, inspection: Inspection) -> Inspection:
        if self.save:
            self.unsaved.append(inspection)
            return inspection
        for event in inspection.collect_events():
            self.events.append(Positioned("inspections", len(self.events) + 1, event))
        return inspection

    def assign(
        self,
        firm: int,
        unit: str = COUNTY,
        kind: tuple[str, str] = KETTLES,
        target_kind: TargetKind = TargetKind.PRODUCT,
    ) -> Inspection:
        n = next(self.numbers)
        industry, item = (
            kind
            if target_kind is TargetKind.SPECIAL_EQUIPMENT
            else (
                kind[0],
                "CJ-001",
            )
        )
        return Inspection(
            audit=staff_audit(Role.PLANNER, unit),
            number=f"CC-{unit}-2026-001-{n:03d}",
            plan_id=uuid4(),
            plan_number=f"CC-{unit}-2026-001-{n}",
            item_code=item,
            target_kind=target_kind,
            uscc=demo_uscc(firm, unit),
            name=f"第{firm}电器有限公司",
            region_code=unit,
            industry=industry,
            unit_code=unit,
            inspectors=INSPECTORS,
            nominated=False,
        )

    def tested(
        self, firm: int, *failed: str, unit: str = COUNTY, on: date = MARCH
    ) -> Inspection:
        """Sampled, tested and the result notified."""
        i = self.assign(firm, unit)
        i.record_sampling(
            Sample(
                product=self.product,
                batch="20260301",
                quantity="4 台",
                sampled_from=SampledFrom.AWAITING_SALE,
                sampled_on=on,
            ),
            on,
            INSPECTOR,
        )
        i.record_test(report(*failed, on=on), on, LAB)
        i.notify_result(on, on, CALENDAR, INSPECTOR)
        return i

    def conforming(self, firm: int, unit: str = COUNTY, on: date = MARCH) -> Inspection:
        """Concluded conforming at notification: no ResultFinal."""
        return self.record(self.tested(firm, unit=unit, on=on))

    def failing(
        self, firm: int, *failed: str, unit: str = COUNTY, on: date = MARCH
    ) -> Inspection:
        """Nonconforming, final when the 15-day window closed unused."""
        i = self.tested(firm, *failed, unit=unit, on=on)
        i.close_objection_window(on + timedelta(days=20), CLOCK)
        return self.record(i)

    def retested(
        self, firm: int, first: Sequence[str], then: Sequence[str], on: date = MARCH
    ) -> Inspection:
        """Failing, objected to, re-tested by another laboratory."""
        i = self.tested(firm, *first, on=on)
        i.file_objection(
            on + timedelta(days=3),
            "备样复检",
            on + timedelta(days=3),
            CALENDAR,
            INSPECTOR,
        )
        i.decide_objection(True, on + timedelta(days=5), APPROVER)
        later = on + timedelta(days=30)
        i.record_retest(report(*then, lab="省质检院", on=later), later, LAB)
        return self.record(i)

    def lift(self, firm: int, *failed: str, on: date = APRIL) -> Inspection:
        i = self.assign(firm, kind=LIFTS, target_kind=TargetKind.SPECIAL_EQUIPMENT)
        check = EquipmentCheck(
            check_type=CheckType.ROUTINE,
            equipment_code="31103208002026000001",
            findings="制动器磨损" if failed else "正常",
            failed_items=failed,
            checked_on=on,
        )
        i.record_check(check, on, INSPECTOR)
        i.notify_result(on, on, CALENDAR, INSPECTOR)
        if failed:
            i.close_objection_window(on + timedelta(days=20), CLOCK)
        return self.record(i)


@pytest.fixture
def conn(fresh_database: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(fresh_database) as connection:
        ensure_runtime(connection)
        with connection.cursor() as cur:
            QualityAnalysis().create_tables(cur, TABLES)
        connection.commit()
        yield connection


def feed(
    conn: psycopg.Connection[Any], events: Sequence[Positioned], size: int = 1000
) -> None:
    model = QualityAnalysis()
    for start in range(0, len(events), size):
        with conn.transaction(), conn.cursor() as cur:
            model.apply(cur, TABLES, events[start : start + size])


def query(conn: psycopg.Connection[Any], **given: Any) -> dict[str, Any]:
    first, last = given.pop("months", YEAR)
    q = AnalysisQuery(
        scope=given.pop("scope", EVERYWHERE),
        first_month=first,
        last_month=last,
        **given,
    )
    return analysis_of(conn, TABLES, q)


def group(found: dict[str, Any], industry: str, product: str) -> dict[str, Any]:
    groups: list[dict[str, Any]] = found["groups"]
    (g,) = (g for g in groups if (g["industry"], g["product"]) == (industry, product))
    return g


def rollup_rows(conn: psycopg.Connection[Any]) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    for rollup in (SAMPLES, ITEM_FAILURES):
        statement = sql.SQL("SELECT * FROM {}").format(TABLES(rollup.table.part))
        found[rollup.table.part] = sorted(conn.execute(statement).fetchall())
    return found


def rows(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return conn.execute(
        sql.SQL("SELECT * FROM {} ORDER BY number").format(TABLES())
    ).fetchall()


@pytest.fixture
def season() -> Log:
    """March: four kettle firms in the county, one in the next county; a
    re-test; April: two lifts and one more kettle."""
    log = Log()
    log.failing(1, "泄漏电流", "标志和说明")
    log.failing(2, "泄漏电流")
    log.conforming(3)
    log.conforming(4)
    log.failing(5, "泄漏电流", unit=OTHER_COUNTY)
    # Failing at first, conforming on re-test: one conforming sample.
    log.retested(6, first=("输入功率",), then=())
    log.lift(7, "制动器")
    log.lift(8)
    log.failing(9, "输入功率", on=APRIL)
    return log


# -- counting ---------------------------------------------------------------------


def test_each_final_result_is_one_sample_and_each_failure_one_failure(
    conn: psycopg.Connection[Any], season: Log
) -> None:
    feed(conn, season.events)
    found = query(conn)
    kettles = group(found, *KETTLES)
    assert (kettles["samples"], kettles["failures"]) == (7, 4)
    assert kettles["failure_rate"] == "0.5714"  # 4/7, rounded half up
    lifts = group(found, *LIFTS)
    assert (lifts["samples"], lifts["failures"], lifts["failure_rate"]) == (
        2,
        1,
        "0.5000",
    )
    assert found["total"] == {"samples": 9, "failures": 5, "failure_rate": "0.5556"}


def test_the_failure_rate_is_an_exact_decimal_string() -> None:
    assert failure_rate(1, 3) == "0.3333"
    assert failure_rate(2, 3) == "0.6667"
    assert failure_rate(1, 8) == "0.1250"
    assert failure_rate(1, 16) == "0.0625"
    assert failure_rate(1, 20000) == "0.0001"  # half up, not to even
    assert failure_rate(0, 5) == "0.0000"
    assert failure_rate(0, 0) is None


def test_items_failing_at_two_firms_are_common_and_at_one_are_single_firm(
    conn: psycopg.Connection[Any], season: Log
) -> None:
    feed(conn, season.events)
    kettles = group(query(conn), *KETTLES)
    assert kettles["common_problems"] == [
        {"test_item": "泄漏电流", "failures": 3, "firms": 3}
    ]
    assert kettles["common_problems_total"] == 1
    firm1, firm9 = demo_uscc(1, COUNTY), demo_uscc(9, COUNTY)
    # 输入功率 failed at firm 6 first, but its re-test replaced that result.
    assert kettles["single_firm_problems"] == [
        {
            "test_item": "标志和说明",
            "failures": 1,
            "uscc": firm1,
            "name": "第1电器有限公司",
        },
        {
            "test_item": "输入功率",
            "failures": 1,
            "uscc": firm9,
            "name": "第9电器有限公司",
        },
    ]
    assert kettles["single_firm_problems_total"] == 2
    lifts = group(query(conn), *LIFTS)
    assert lifts["common_problems"] == []
    assert [p["test_item"] for p in lifts["single_firm_problems"]] == ["制动器"]


def test_one_firm_failing_twice_is_still_a_single_firm_problem(
    conn: psycopg.Connection[Any],
) -> None:
    log = Log()
    log.failing(1, "泄漏电流")
    log.failing(1, "泄漏电流", on=APRIL)  # another plan, the same firm
    feed(conn, log.events)
    kettles = group(query(conn), *KETTLES)
    assert kettles["common_problems"] == []
    assert kettles["single_firm_problems"][0]["failures"] == 2
    assert kettles["single_firm_problems"][0]["test_item"] == "泄漏电流"


def test_the_lists_are_capped_by_top_and_say_how_many_there_are(
    conn: psycopg.Connection[Any],
) -> None:
    log = Log()
    for firm in (1, 2, 3):
        log.failing(firm, "泄漏电流", "标志和说明", "输入功率")
    log.failing(4, "泄漏电流")
    feed(conn, log.events)
    kettles = group(query(conn, top=2), *KETTLES)
    assert [p["test_item"] for p in kettles["common_problems"]] == [
        "泄漏电流",  # 4 failures first, then 3 each by name
        "标志和说明",
    ]
    assert kettles["common_problems_total"] == 3
    with pytest.raises(InvalidInputError):
        query(conn, top=0)


def test_a_retest_replaces_the_original_conclusion(
    conn: psycopg.Connection[Any],
) -> None:
    log = Log()
    passed = log.retested(1, first=("泄漏电流",), then=())
    upheld = log.retested(2, first=("泄漏电流",), then=("标志和说明",))
    feed(conn, log.events)
    kettles = group(query(conn), *KETTLES)
    assert (kettles["samples"], kettles["failures"]) == (2, 1)
    assert kettles["common_problems"] == []
    assert [p["test_item"] for p in kettles["single_firm_problems"]] == ["标志和说明"]
    by_id = {r[0]: r for r in rows(conn)}
    fields = list(SampleRow.__dataclass_fields__)
    row = dict(zip(fields, by_id[passed.id], strict=True))
    assert (row["counted"], row["conforming"], row["failed_items"]) == (True, True, [])
    # Counted on the re-test's final day (in April), not the first test's.
    assert row["month"] == date(2026, 4, 1)
    assert dict(zip(fields, by_id[upheld.id], strict=True))["failed_items"] == [
        "标志和说明"
    ]


def test_a_conforming_result_is_counted_once_at_notification(
    conn: psycopg.Connection[Any],
) -> None:
    log = Log()
    log.conforming(1)
    # A conforming re-test records ResultFinal and then Concluded: once.
    log.retested(2, first=("泄漏电流",), then=())
    feed(conn, log.events)
    kettles = group(query(conn), *KETTLES)
    assert (kettles["samples"], kettles["failures"]) == (2, 0)
    assert kettles["trend"] == [
        {"month": "2026-03", "samples": 1, "failures": 0, "failure_rate": "0.0000"},
        {"month": "2026-04", "samples": 1, "failures": 0, "failure_rate": "0.0000"},
    ]


def test_nothing_is_counted_before_the_result_is_final(
    conn: psycopg.Connection[Any],
) -> None:
    log = Log()
    log.record(log.tested(1, "泄漏电流"))  # notified: the window runs
    feed(conn, log.events)
    assert query(conn)["groups"] == []
    assert rollup_rows(conn) == {"samples": [], "item_failures": []}


def test_a_replayed_batch_counts_nothing_twice(
    conn: psycopg.Connection[Any], season: Log
) -> None:
    feed(conn, season.events)
    before = (rollup_rows(conn), rows(conn))
    feed(conn, season.events)  # the same batch again
    feed(conn, season.events[10:25], size=4)  # and a part of it, in small batches
    assert (rollup_rows(conn), rows(conn)) == before


def test_any_batching_builds_the_same_rows_and_rollups(
    fresh_database: str, season: Log
) -> None:
    found = []
    for size in (1000, 1, 7):
        with psycopg.connect(fresh_database) as conn:
            ensure_runtime(conn)
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(sql.SQL("DROP SCHEMA IF EXISTS casetrace_read CASCADE"))
            ensure_runtime(conn)
            with conn.transaction(), conn.cursor() as cur:
                QualityAnalysis().create_tables(cur, TABLES)
            feed(conn, season.events, size)
            found.append((rollup_rows(conn), rows(conn)))
    assert found[0] == found[1] == found[2]


def test_trends_by_month(conn: psycopg.Connection[Any], season: Log) -> None:
    feed(conn, season.events)
    kettles = group(query(conn), *KETTLES)
    # March: firms 1-5 (failing windows close in March, 3/22); April: firm
    # 6's re-test (4/1) and firm 9 (4/6, final 4/26).
    assert kettles["trend"] == [
        {"month": "2026-03", "samples": 5, "failures": 3, "failure_rate": "0.6000"},
        {"month": "2026-04", "samples": 2, "failures": 1, "failure_rate": "0.5000"},
    ]
    march = query(conn, months=(date(2026, 3, 1), date(2026, 3, 31)))
    assert group(march, *KETTLES)["samples"] == 5
    assert march["from"] == march["to"] == "2026-03"


# -- filters and jurisdiction ------------------------------------------------------


def test_a_unit_sees_its_region_and_auditors_everything(
    conn: psycopg.Connection[Any], season: Log
) -> None:
    feed(conn, season.events)
    county = group(query(conn, scope=Scope((COUNTY,))), *KETTLES)
    assert (county["samples"], county["failures"]) == (6, 3)
    # In the county alone 泄漏电流 failed at two firms: still common.
    assert county["common_problems"][0]["firms"] == 2
    other = query(conn, scope=Scope((OTHER_COUNTY,)))
    assert [(g["product"], g["samples"]) for g in other["groups"]] == [(KETTLES[1], 1)]
    assert group(other, *KETTLES)["common_problems"] == []
    city = group(query(conn, scope=Scope((CITY,))), *KETTLES)
    assert city["samples"] == 7
    assert query(conn, scope=Scope())["groups"] == []  # no jurisdiction, nothing
    unit = group(query(conn, unit=OTHER_COUNTY), *KETTLES)
    assert unit["samples"] == 1


def test_filters_by_industry_prefix_and_product(
    conn: psycopg.Connection[Any], season: Log
) -> None:
    feed(conn, season.events)
    assert [g["product"] for g in query(conn, industry="C")["groups"]] == [KETTLES[1]]
    assert [g["product"] for g in query(conn, industry="C38")["groups"]] == [KETTLES[1]]
    assert [g["product"] for g in query(conn, industry="G")["groups"]] == ["TZ-001"]
    assert query(conn, product="电饭锅")["groups"] == []
    assert query(conn, product="TZ-001")["total"]["samples"] == 2


def test_a_period_is_whole_months_and_checked() -> None:
    assert month_of("2026-03", "from") == date(2026, 3, 1)
    for bad in ("2026-13", "2026-3", "26-03", "2026-03-01", "２０２６-03"):
        with pytest.raises(InvalidInputError):
            month_of(bad, "from")


def test_a_reversed_or_overlong_period_is_refused(
    conn: psycopg.Connection[Any],
) -> None:
    with pytest.raises(InvalidInputError, match="after"):
        query(conn, months=(date(2026, 5, 1), date(2026, 4, 1)))
    with pytest.raises(InvalidInputError, match="20 years"):
        query(conn, months=(date(2000, 1, 1), date(2026, 4, 1)))


def test_a_later_final_result_replaces_the_counted_one_never_adds_to_it(
    conn: psycopg.Connection[Any],
) -> None:
    log = Log()
    i = log.failing(1, "泄漏电流")
    feed(conn, log.events)
    # The domain records one final result; a read model does not rely on it.
    i.trigger_event(
        Inspection.ResultFinal, audit=CLOCK, conforming=True, on=APRIL, rule="test"
    )
    log.record(i)
    feed(conn, log.events[-1:])
    kettles = group(query(conn), *KETTLES)
    assert (kettles["samples"], kettles["failures"]) == (1, 0)
    assert kettles["single_firm_problems"] == []
    assert [t["month"] for t in kettles["trend"]] == ["2026-04"]
