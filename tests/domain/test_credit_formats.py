"""Directed data from the credit system (定向推送数据): the file's checks and
the import's rules, without I/O (the popo store)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from domain.credit.formats import Kind, read
from domain.credit.service import Credit
from domain.registry.enterprise import ABNORMAL_OPERATIONS_LIST, Enterprise
from domain.registry.service import Registry
from domain.shared.clock import FixedClock
from domain.shared.errors import InvalidInputError
from domain.shared.uscc import compose_uscc
from tests.domain.conftest import BOOTSTRAP, CALENDAR, POPO, at_shanghai, system_audit

TODAY = date(2026, 11, 23)
NEW_HEADER = "统一社会信用代码,企业名称,住所所在行政区划代码,成立日期\n"
LIST_HEADER = (
    "统一社会信用代码,企业名称,列入经营异常名录原因,列入日期,作出决定机关（列入）,"
    "移出经营异常名录原因,移出日期,作出决定机关（移出）\n"
)
A = compose_uscc("420102", "00000001")
B = compose_uscc("420103", "00000002")
BAD_CHECK = A[:17] + ("0" if A[17] != "0" else "1")


def new_file(*rows: str) -> bytes:
    return (NEW_HEADER + "".join(r + "\n" for r in rows)).encode()


def codes(found: object) -> list[tuple[int, str | None, str]]:
    return [(p.row, p.column, p.code) for p in found.problems]  # type: ignore[attr-defined]


def test_a_good_file_of_new_registrations_has_every_row_good() -> None:
    found = read(new_file(f"{A},甲公司,420102,2026-11-20"), None, TODAY)
    assert found.kind is Kind.NEW
    [row] = found.good
    assert (row.row, row.uscc, row.region_code) == (2, A, "420102")
    assert row.established_on == date(2026, 11, 20)
    assert found.problems == []


def test_a_bom_is_ignored_and_fullwidth_brackets_in_the_header_are_read() -> None:
    data = (
        "\ufeff".encode()
        + (LIST_HEADER + f"{A},甲,未年报,2026-01-05,武汉市局,,,\n").encode()
    )
    found = read(data, None, TODAY)
    assert found.kind is Kind.ABNORMAL
    assert found.good[0].listed_on == date(2026, 1, 5)


def test_each_bad_row_is_named_by_row_column_and_why() -> None:
    found = read(
        new_file(
            f"{A},甲公司,420102,2026-13-01",
            f"{B},,420103,2026-11-01",
            "91420102ABC,丙公司,420102,2026-11-01",
            f"{compose_uscc('420104', '00000003')},丁公司,4201x2,2026-11-01",
            f"{compose_uscc('420104', '00000004')},戊公司,420104,2027-01-01",
        ),
        None,
        TODAY,
    )
    assert found.good == []
    assert codes(found) == [
        (2, "成立日期", "date_invalid"),
        (3, "企业名称", "name_missing"),
        (4, "统一社会信用代码", "uscc_invalid"),
        (5, "住所所在行政区划代码", "region_invalid"),
        (6, "成立日期", "date_invalid"),
    ]


def test_a_failed_check_character_is_a_warning_and_the_row_is_kept() -> None:
    found = read(new_file(f"{BAD_CHECK},甲公司,420102,2026-11-20"), None, TODAY)
    assert [r.uscc for r in found.good] == [BAD_CHECK]
    [problem] = found.problems
    assert (problem.severity, problem.code) == ("warning", "uscc_check_character")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("甲\x00公司", "text_invalid"),
        ("甲\u202e司公", "text_invalid"),
        ('=HYPERLINK("http://x")', "formula"),
        ("@SUM(1)", "formula"),
        ("甲" * 201, "too_long"),
    ],
)
def test_hostile_cells_are_refused_by_row(name: str, code: str) -> None:
    found = read(new_file(f'{A},"{name}",420102,2026-11-20'), None, TODAY)
    assert found.good == []
    assert codes(found) == [(2, "企业名称", code)]


def test_a_row_repeated_word_for_word_is_applied_once_with_a_warning() -> None:
    line = f"{A},甲公司,420102,2026-11-20"
    found = read(new_file(line, line), None, TODAY)
    assert [r.row for r in found.good] == [2]
    assert [(p.row, p.severity, p.code) for p in found.problems] == [
        (3, "warning", "duplicate_row")
    ]


def test_rows_saying_different_things_of_one_firm_are_all_refused() -> None:
    found = read(
        new_file(f"{A},甲公司,420102,2026-11-20", f"{A},乙公司,420102,2026-11-20"),
        None,
        TODAY,
    )
    assert found.good == []
    assert [(p.row, p.code) for p in found.problems] == [
        (2, "duplicate_row"),
        (3, "duplicate_row"),
    ]


def test_gbk_bytes_refuse_the_file_with_a_clear_message() -> None:
    with pytest.raises(InvalidInputError, match="GBK/GB18030: save it as UTF-8"):
        read(
            new_file(f"{A},甲公司,420102,2026-11-20").decode().encode("gbk"),
            None,
            TODAY,
        )


def test_an_unknown_column_refuses_the_file_naming_it() -> None:
    data = ("统一社会信用代码,企业名称,住所所在行政区划代码,成立日期,备注\n").encode()
    with pytest.raises(InvalidInputError) as refused:
        read(data, Kind.NEW, TODAY)
    assert refused.value.errors[0]["code"] == "header_unknown"
    assert refused.value.errors[0]["column"] == "备注"


def test_a_header_of_no_known_kind_cannot_be_detected() -> None:
    with pytest.raises(InvalidInputError, match="cannot tell the kind"):
        read("名称,日期\n甲,2026-01-01\n".encode(), None, TODAY)


def test_a_removal_before_its_listing_is_refused() -> None:
    data = (
        LIST_HEADER + f"{A},甲,未年报,2026-05-01,武汉市局,已补报,2026-04-01,\n"
    ).encode()
    found = read(data, None, TODAY)
    assert codes(found) == [(2, "移出日期", "date_invalid")]


# -- the import's rules (popo store) --------------------------------------------


@pytest.fixture
def credit() -> Iterator[Credit]:
    registry = Registry(env=POPO)
    for code, name in (
        ("42", "湖北省局"),
        ("4201", "武汉市局"),
        ("420102", "江岸区局"),
    ):
        registry.establish_unit(code, name, BOOTSTRAP)
    service = Credit(
        POPO,
        registry=registry,
        calendar=CALENDAR,
        clock=FixedClock(at_shanghai(TODAY)),
    )
    return service


def test_a_new_registration_goes_to_the_county_else_the_city(credit: Credit) -> None:
    report = credit.import_directed_data(
        system_audit("cli"),
        new_file(f"{A},甲公司,420102,2026-11-20", f"{B},乙公司,420103,2026-11-20"),
    )
    assert report.counts.applied == 2
    a = credit.registry.get_enterprise(A)
    b = credit.registry.get_enterprise(B)
    assert a is not None
    assert a.responsible_unit == "420102"
    assert b is not None
    assert b.responsible_unit == "4201"


def test_a_region_no_unit_covers_is_reported_and_changes_nothing(
    credit: Credit,
) -> None:
    other = compose_uscc("110101", "00000009")
    report = credit.import_directed_data(
        system_audit("cli"), new_file(f"{other},京公司,110101,2026-11-20")
    )
    assert [(p["row"], p["code"]) for p in report.problems] == [(2, "region_unknown")]
    assert credit.registry.get_enterprise(other) is None


def test_importing_the_same_file_twice_records_nothing_new(credit: Credit) -> None:
    data = new_file(f"{A},甲公司,420102,2026-11-20")
    first = credit.import_directed_data(system_audit("cli"), data)
    again = credit.import_directed_data(system_audit("cli"), data)
    assert first.recorded
    assert not again.recorded
    assert (again.counts.applied, again.counts.unchanged) == (0, 1)
    assert len(credit.registry.history(Enterprise.create_id(profile=_profile(A)))) == 2


def test_a_listing_and_its_removal_set_and_clear_the_flag(credit: Credit) -> None:
    who = system_audit("cli")
    credit.import_directed_data(who, new_file(f"{A},甲公司,420102,2026-11-20"))
    listed = (LIST_HEADER + f"{A},甲公司,未按时年报,2026-11-21,武汉市局,,,\n").encode()
    credit.import_directed_data(who, listed)
    firm = credit.registry.get_enterprise(A)
    assert firm is not None
    assert ABNORMAL_OPERATIONS_LIST in firm.credit_flags
    removed = (
        LIST_HEADER + f"{A},甲公司,未按时年报,2026-11-21,武汉市局,已补报,2026-11-22,\n"
    ).encode()
    report = credit.import_directed_data(who, removed)
    assert report.outcomes == [{"row": 2, "uscc": A, "done": ["removed"]}]
    firm = credit.registry.get_enterprise(A)
    assert firm is not None
    assert not firm.has_bad_credit
    # The older listing's row again (a re-sent file): nothing is listed again.
    assert credit.import_directed_data(who, listed).counts.applied == 0


def _profile(uscc: str) -> object:
    from domain.registry.enterprise import EnterpriseProfile

    return EnterpriseProfile(uscc=uscc, name="x", region_code="420102")
