"""Importing past matters (历史办件导入): the CSV's rules, the history recorded
as imported, idempotent ids — in memory (the popo store), no I/O."""

from __future__ import annotations

from datetime import date

import pytest

from domain.licensing.application import LicenceApplication, Status
from domain.licensing.history import Outcome, imported_application_id
from domain.licensing.import_format import SAMPLE_HEADER as HEADER
from domain.licensing.import_format import read_past_matters
from domain.licensing.importing import PastMatters
from domain.licensing.service import Licensing
from domain.registry.service import Registry, shipped_catalogue
from domain.shared.audit import Role
from domain.shared.clock import FixedClock
from domain.shared.errors import InvalidInputError, PermissionDeniedError
from domain.shared.uscc import compose_uscc
from tests.domain.conftest import (
    BOOTSTRAP,
    CALENDAR,
    ON_SITE_ITEM,
    PLAIN_ITEM,
    POPO,
    at_shanghai,
    staff_audit,
)

TODAY = date(2026, 9, 18)
ADMIN = staff_audit(Role.ADMIN, unit="3208", request_id="req-import")
FIRM = compose_uscc("320803", "77310001")


def line(
    old_id: str = "OLD-1",
    *,
    item: str = PLAIN_ITEM,
    matter: str = "",
    name: str = "淮安甲机械有限公司",
    uscc: str = FIRM,
    unit: str = "320803",
    received: str = "2019-03-01",
    accepted: str = "2019-03-04",
    decided: str = "2019-03-20",
    issued: str = "2019-03-22",
    served: str = "2019-03-25",
    outcome: str = "准予许可",
    decision: str = "淮市监许〔2019〕1号",
    certificate: str = "TS-2019-0001",
) -> str:
    return (
        f"{old_id},{item},{matter},{name},{uscc},{unit},{received},{accepted},"
        f"{decided},{issued},{served},{outcome},{decision},{certificate}\n"
    )


def faults(text: str) -> list[tuple[int, str | None, str]]:
    found = read_past_matters(text.encode(), TODAY)
    return [(p.row, p.column, p.code) for p in found.problems]


@pytest.fixture
def importer(licensing: Licensing, registry: Registry) -> PastMatters:
    return PastMatters(_with_units(licensing, registry))


def _with_units(licensing: Licensing, registry: Registry) -> Licensing:
    registry.establish_unit("3208", "淮安市市场监督管理局", BOOTSTRAP)
    registry.establish_unit("320803", "淮安区市场监督管理局", BOOTSTRAP)
    return licensing


def imported_lifecycle() -> list[LicenceApplication.Imported]:
    """A past matter as the import records it (the event samples of
    test_persistence_roundtrip and test_recorded)."""
    registry = Registry(env=POPO)
    registry.load_catalogue(shipped_catalogue(), BOOTSTRAP)
    clock = FixedClock(at_shanghai(TODAY))
    licensing = Licensing(env=POPO, registry=registry, calendar=CALENDAR, clock=clock)
    try:
        importer = PastMatters(_with_units(licensing, registry))
        importer.import_past_matters(ADMIN, (HEADER + line()).encode())
        events = licensing.history(imported_application_id("320803", "OLD-1"))
    finally:
        licensing.close()
        registry.close()
    assert all(isinstance(e, LicenceApplication.Imported) for e in events)
    return list(events)


# -- the rows' rules (no store) ----------------------------------------------------


def test_a_good_row_reads_with_its_dates_outcome_and_default_matter() -> None:
    found = read_past_matters((HEADER + line()).encode("utf-8-sig"), TODAY)
    assert found.problems == []
    (row,) = found.good
    assert (row.received_on, row.decided_on) == (date(2019, 3, 1), date(2019, 3, 20))
    assert row.outcome is Outcome.GRANTED
    assert row.matter == "new"
    assert row.applicant.uscc == FIRM


def test_matter_kinds_read_by_value_or_chinese_name() -> None:
    found = read_past_matters(
        (HEADER + line("A", matter="变更") + line("B", matter="renewal")).encode(),
        TODAY,
    )
    assert [r.matter.value for r in found.good] == ["change", "renewal"]


@pytest.mark.parametrize(
    ("row", "column", "code"),
    [
        (line(received="2019-02-30"), "收件日期", "date_invalid"),
        (line(decided="2027-01-04"), "决定日期", "date_invalid"),  # future
        (line(accepted="2019-02-27"), "受理日期", "dates_out_of_order"),
        (line(issued="2019-03-19"), "发证日期", "dates_out_of_order"),
        (line(outcome="批准"), "办理结果", "outcome_unknown"),
        (line(matter="迁移"), "事项类型", "matter_unknown"),
        (line(accepted=""), "受理日期", "outcome_inconsistent"),
        (line(decision=""), "决定文号", "outcome_inconsistent"),
        (line(outcome="不予受理", issued="", served="", certificate=""), "受理日期", "outcome_inconsistent"),
        (line(outcome="不予许可"), "发证日期", "outcome_inconsistent"),
        (line(issued=""), "送达日期", "outcome_inconsistent"),
        (line(certificate=""), "证书编号", "outcome_inconsistent"),
        (line(uscc=FIRM[:-1] + ("0" if FIRM[-1] != "0" else "1")), "统一社会信用代码", "uscc_check_character"),
        (line(uscc="12345"), "统一社会信用代码", "uscc_invalid"),
        (line(uscc=""), "统一社会信用代码", "uscc_missing"),
        (line(name="=cmd|' /C calc'!A0"), "申请人名称", "formula"),
        (line(name="甲\x00乙"), "申请人名称", "text_invalid"),
        (line(name="甲" * 201), "申请人名称", "too_long"),
        (line("=1+1"), "原系统编号", "formula"),
        (line("OLD 1"), "原系统编号", "source_id_invalid"),
        (line(unit="99999x"), "受理单位代码", "region_invalid"),
    ],
)  # fmt: skip
def test_each_bad_row_is_named_by_row_column_and_code(
    row: str, column: str, code: str
) -> None:
    found = faults(HEADER + line("GOOD") + row)
    assert (3, column, code) in found
    assert all(r == 3 for r, _, _ in found)


def test_bad_rows_are_left_out_and_good_rows_kept() -> None:
    found = read_past_matters(
        (HEADER + line("A") + line("B", received="bad") + line("C")).encode(), TODAY
    )
    assert [r.source_id for r in found.good] == ["A", "C"]
    assert [(p.row, p.code) for p in found.problems] == [(3, "date_invalid")]


def test_a_repeated_row_is_kept_once_and_a_conflicting_repeat_refused() -> None:
    same = read_past_matters((HEADER + line("A") + line("A")).encode(), TODAY)
    assert [r.row for r in same.good] == [2]
    assert [(p.row, p.severity) for p in same.problems] == [(3, "warning")]
    other = read_past_matters(
        (HEADER + line("A") + line("A", decided="2019-03-21")).encode(), TODAY
    )
    assert other.good == []
    assert {(p.row, p.code) for p in other.problems} == {
        (2, "duplicate_row"),
        (3, "duplicate_row"),
    }


@pytest.mark.parametrize(
    "data",
    [
        HEADER.encode("gbk") + line().encode("gbk"),
        b"\xff\xfe" + (HEADER + line()).encode("utf-16-le"),
        "原系统编号,事项编码\n".encode(),
        b"",
    ],
)
def test_a_file_in_another_encoding_or_with_a_wrong_header_is_refused_whole(
    data: bytes,
) -> None:
    with pytest.raises(InvalidInputError):
        read_past_matters(data, TODAY)


def test_the_id_is_the_unit_and_the_old_id() -> None:
    assert imported_application_id("320803", "A") == imported_application_id(
        "320803", "A"
    )
    assert imported_application_id("320803", "A") != imported_application_id(
        "320804", "A"
    )


# -- the import (the popo store) ------------------------------------------------------


def test_an_imported_matter_carries_its_history_as_imported(
    importer: PastMatters, licensing: Licensing
) -> None:
    report = importer.import_past_matters(ADMIN, (HEADER + line()).encode())
    assert report.counts.imported == 1
    case = licensing.get_application(imported_application_id("320803", "OLD-1"))
    assert case.status is Status.CERTIFICATE_SERVED
    assert case.received_on == date(2019, 3, 1)
    assert case.decided_on == date(2019, 3, 20)
    assert case.acceptance_date == date(2019, 3, 4)
    assert case.import_source is not None
    assert case.import_source.batch_id == report.batch_id
    (event,) = licensing.history(case.id)
    assert isinstance(event, LicenceApplication.Imported)
    assert event.audit.actor.role is Role.ADMIN
    assert event.audit.causation == f"licensing-import:{report.batch_id}"
    assert event.source.row == 2
    assert event.history.within_limit is True  # 12 working days of 20
    assert event.history.working_days_to_decision == 12
    assert event.timestamp.date() > date(2019, 3, 25)  # recorded at the import


def test_each_imported_event_stores_the_bytes_of_its_validated_self(
    importer: PastMatters, licensing: Licensing
) -> None:
    # The import assembles each event from checked parts without validating
    # it again (PastMatters._event): read back and validated in full, it must
    # store the very bytes the import stored.
    rows = line("OLD-1") + line("OLD-2", item=ON_SITE_ITEM) + line("OLD-3")
    importer.import_past_matters(ADMIN, (HEADER + rows).encode())
    mapper = licensing.mapper
    for old_id in ("OLD-1", "OLD-2", "OLD-3"):
        case_id = imported_application_id("320803", old_id)
        (stored,) = licensing.recorder.select_events(case_id)
        event = mapper.to_domain_event(stored)
        assert isinstance(event, LicenceApplication.Imported)
        assert mapper.to_stored_event(event).state == stored.state


def test_importing_the_same_row_again_records_nothing_new(
    importer: PastMatters, licensing: Licensing
) -> None:
    importer.import_past_matters(ADMIN, (HEADER + line()).encode())
    head = licensing.recorder.max_notification_id()
    again = importer.import_past_matters(ADMIN, (HEADER + line()).encode())
    assert again.counts.imported == 0
    assert again.counts.already_imported == 1
    assert licensing.recorder.max_notification_id() == head


def test_the_same_old_id_with_other_content_is_a_conflict(
    importer: PastMatters, licensing: Licensing
) -> None:
    importer.import_past_matters(ADMIN, (HEADER + line()).encode())
    head = licensing.recorder.max_notification_id()
    changed = importer.import_past_matters(
        ADMIN, (HEADER + line(decided="2019-03-21")).encode()
    )
    assert [(p["row"], p["code"]) for p in changed.problems] == [(2, "conflict")]
    assert changed.counts.refused == 1
    assert licensing.recorder.max_notification_id() == head


def test_a_dry_run_reports_and_records_nothing(
    importer: PastMatters, licensing: Licensing
) -> None:
    report = importer.import_past_matters(
        ADMIN, (HEADER + line()).encode(), dry_run=True
    )
    assert report.counts.imported == 1
    assert licensing.recorder.max_notification_id() in (None, 0)


def test_unknown_items_and_units_are_refused_by_row(importer: PastMatters) -> None:
    report = importer.import_past_matters(
        ADMIN,
        (
            HEADER + line("A", item="XK-NONE") + line("B", unit="320899") + line("C")
        ).encode(),
    )
    assert [(p["row"], p["column"], p["code"]) for p in report.problems] == [
        (2, "事项编码", "item_unknown"),
        (3, "受理单位代码", "unit_unknown"),
    ]
    assert report.counts.imported == 1


def test_a_county_admin_cannot_import_another_unit_s_matters(
    importer: PastMatters, registry: Registry
) -> None:
    registry.establish_unit("320804", "淮阴区市场监督管理局", BOOTSTRAP)
    county = staff_audit(Role.ADMIN, unit="320804")
    report = importer.import_past_matters(county, (HEADER + line()).encode())
    assert [p["code"] for p in report.problems] == ["outside_jurisdiction"]


def test_only_an_admin_imports(importer: PastMatters) -> None:
    with pytest.raises(PermissionDeniedError):
        importer.import_past_matters(
            staff_audit(Role.CLERK), (HEADER + line()).encode()
        )


def test_a_late_decision_is_recorded_outside_the_limit(
    importer: PastMatters, licensing: Licensing
) -> None:
    # 2019-03-04 + 20 working days is 2019-04-01: decided on 04-10 is late.
    importer.import_past_matters(
        ADMIN,
        (
            HEADER
            + line(decided="2019-04-10", issued="2019-04-11", served="2019-04-12")
        ).encode(),
    )
    (event,) = licensing.history(imported_application_id("320803", "OLD-1"))
    assert event.history.within_limit is False
    assert event.history.decision_due.due == date(2019, 4, 1)


def test_a_grant_imported_without_its_certificate_can_be_issued_live_later(
    importer: PastMatters, licensing: Licensing
) -> None:
    importer.import_past_matters(
        ADMIN, (HEADER + line(issued="", served="", certificate="")).encode()
    )
    case = licensing.get_application(imported_application_id("320803", "OLD-1"))
    assert case.status is Status.GRANTED
    assert case.certificate_due is not None
    # 10 working days after the decision of 2019-03-20 (Art. 44).
    assert case.certificate_due.due == date(2019, 4, 3)
    case.issue_certificate("TS-LATE", TODAY, staff_audit(Role.CLERK))
    (issued,) = case.collect_events()
    assert isinstance(issued, LicenceApplication.CertificateIssued)
    assert issued.within_limit is False
