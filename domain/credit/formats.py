"""The credit system's directed data (定向推送数据) as CSV, and its checks.

Three kinds of file, one header each (README "Directed data from the credit
system"): newly registered enterprises (新设立登记), the abnormal-operations
list (经营异常名录) and the serious-violation list (严重违法失信名单). A file
is UTF-8, with or without a byte order mark; its first record is the header.

`read` decides everything that needs no database: the file as a whole (its
encoding, its header, its size) is refused outright (`InvalidInputError`,
each fault in `errors`); each bad row is named (row, column, why) and left
out, the good rows are returned to be applied. Rows are numbered as a
spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final

from domain.registry.enterprise import ABNORMAL_OPERATIONS_LIST, SERIOUS_DISHONESTY_LIST
from domain.shared.csvfile import (
    Column,
    Problem,
    RowFaults,
    cell_value,
    check_header,
    field_count_ok,
    file_error,
    records,
)
from domain.shared.errors import InvalidInputError
from domain.shared.jurisdiction import validate_region_code
from domain.shared.uscc import CHECK_RULES, validate_uscc

__all__ = ["COLUMNS", "FLAG", "TITLE", "Kind", "Problem", "Read", "Row", "read"]

MAX_ROWS: Final = 50_000
MAX_FILE_BYTES: Final = 32 * 1024 * 1024


class Kind(StrEnum):
    NEW = "new"  # 新设立登记
    ABNORMAL = "abnormal"  # 经营异常名录
    SERIOUS = "serious"  # 严重违法失信名单


# The credit flag each list sets (DOMAIN §9).
FLAG: Final = {
    Kind.ABNORMAL: ABNORMAL_OPERATIONS_LIST,
    Kind.SERIOUS: SERIOUS_DISHONESTY_LIST,
}
TITLE: Final = {
    Kind.NEW: "新设立登记",
    Kind.ABNORMAL: "经营异常名录",
    Kind.SERIOUS: "严重违法失信名单",
}

USCC_COLUMN: Final = Column("统一社会信用代码", "uscc", "uscc")
NAME_COLUMN: Final = Column("企业名称", "name", "name")
REGION: Final = "住所所在行政区划代码"


def _list_columns(name: str) -> tuple[Column, ...]:
    return (
        USCC_COLUMN,
        NAME_COLUMN,
        Column(f"列入{name}原因", "listing_reason", "prose", max_length=2000),
        Column("列入日期", "listed_on", "date"),
        Column("作出决定机关(列入)", "authority", "line"),
        Column(f"移出{name}原因", "removal_reason", "prose", False, 2000),
        Column("移出日期", "removed_on", "date", required=False),
        Column("作出决定机关(移出)", "removal_authority", "line", required=False),
        Column(REGION, "region_code", "region", required=False),
    )


COLUMNS: Final[dict[Kind, tuple[Column, ...]]] = {
    Kind.NEW: (
        USCC_COLUMN,
        NAME_COLUMN,
        Column(REGION, "region_code", "region"),
        Column("成立日期", "established_on", "date"),
        Column("登记机关", "registered_by", "line", required=False),
        Column("行业", "industry", "line", required=False, max_length=100),
    ),
    Kind.ABNORMAL: _list_columns("经营异常名录"),
    Kind.SERIOUS: _list_columns("严重违法失信名单"),
}


@dataclass(frozen=True)
class Row:
    """A good row, its values cleaned (empty optional values are "")."""

    row: int
    uscc: str
    name: str
    region_code: str  # the residence's, or the USCC's registering authority's
    established_on: date | None = None
    industry: str = ""
    listing_reason: str = ""
    listed_on: date | None = None
    authority: str = ""
    removal_reason: str = ""
    removed_on: date | None = None
    removal_authority: str = ""
    region_column: str = REGION  # where a refusal for the region is reported


@dataclass
class Read:
    kind: Kind
    sha256: str
    size: int
    rows: int = 0  # data rows (blank lines not counted)
    good: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def detect(header: list[str]) -> Kind:
    """The kind whose header this is: its required columns, nothing unknown."""
    names = set(header)
    for kind, columns in COLUMNS.items():
        known = {c.header for c in columns}
        if {c.header for c in columns if c.required} <= names <= known:
            return kind
    raise file_error(
        "header_unknown",
        "cannot tell the kind of file from its header; name it "
        "(--kind new|abnormal|serious) or use one of the documented headers",
    )


def _cell(c: Column, raw: str, faults: RowFaults, today: date) -> object:
    """A cell's value (None if it is bad, and the fault recorded)."""
    value = cell_value(c, raw, faults, today)
    if c.value == "uscc" and isinstance(value, str) and value:
        return _uscc(c, value, faults)
    return value


def _uscc(c: Column, text: str, faults: RowFaults) -> str | None:
    try:
        code = validate_uscc(text, check_characters=False)
    except InvalidInputError as exc:
        faults.error(c.header, "uscc_invalid", exc.detail)
        return None
    try:
        validate_uscc(code)
    except InvalidInputError as exc:
        if exc.rule not in CHECK_RULES:  # pragma: no cover - shape checked above
            raise
        # DOMAIN §6.4: real codes are said to fail it; kept, for review.
        faults.warn(c.header, "uscc_check_character", f"{exc.detail}: check by hand")
    return code


def read(data: bytes, kind: Kind | None, today: date) -> Read:
    """The file checked: refused whole (InvalidInputError), or its good rows
    and each bad row's faults."""
    found_records = records(data, max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS)
    header = found_records.header
    kind = kind or detect(header)
    columns = check_header(COLUMNS[kind], header, TITLE[kind])
    found = Read(kind, found_records.sha256, found_records.size)
    found.rows = len(found_records.rows)
    candidates: list[tuple[Row, tuple[str, ...]]] = []
    for n, values in found_records.rows:
        faults = RowFaults(n, found.problems)
        if not field_count_ok(values, header, faults):
            continue
        cells = {
            columns[h].field: _cell(columns[h], v, faults, today)
            for h, v in zip(header, values, strict=True)
        }
        row = None if faults.bad else _row(kind, n, cells, faults)
        if row is not None:
            candidates.append((row, tuple(values)))
    found.good = _without_conflicting_repeats(kind, candidates, found.problems)
    found.problems.sort(key=lambda p: (p.row, p.severity != "error"))
    return found


def _row(kind: Kind, n: int, cells: dict[str, object], faults: RowFaults) -> Row | None:
    values = {k: v for k, v in cells.items() if v != ""}
    uscc = str(values["uscc"])
    region = values.get("region_code")
    region_column = REGION
    if region is None:  # a list without the column: the registering authority's
        region, region_column = uscc[2:8], USCC_COLUMN.header
        try:
            validate_region_code(str(region))
        except InvalidInputError as exc:
            faults.error(region_column, "region_invalid", exc.detail)
            return None
    if kind is not Kind.NEW:
        removed_on = values.get("removed_on")
        listed_on = values["listed_on"]
        if removed_on is None and (
            "removal_reason" in values or "removal_authority" in values
        ):
            faults.error("移出日期", "value_missing", "a removal needs its 移出日期")
            return None
        if removed_on is not None:
            assert isinstance(removed_on, date)
            assert isinstance(listed_on, date)
            if "removal_reason" not in values:
                reason = next(
                    c.header for c in COLUMNS[kind] if c.field == "removal_reason"
                )
                faults.error(reason, "value_missing", "a removal needs its reason")
                return None
            if removed_on < listed_on:
                faults.error("移出日期", "date_invalid", "移出日期 is before 列入日期")
                return None
    return Row(
        row=n,
        uscc=uscc,
        name=str(values["name"]),
        region_code=str(region),
        region_column=region_column,
        established_on=_date(values.get("established_on")),
        industry=str(values.get("industry", "")),
        listing_reason=str(values.get("listing_reason", "")),
        listed_on=_date(values.get("listed_on")),
        authority=str(values.get("authority", "")),
        removal_reason=str(values.get("removal_reason", "")),
        removed_on=_date(values.get("removed_on")),
        removal_authority=str(values.get("removal_authority", "")),
    )


def _date(value: object) -> date | None:
    return value if isinstance(value, date) else None


def _key(kind: Kind, row: Row) -> tuple[object, ...]:
    return (row.uscc,) if kind is Kind.NEW else (row.uscc, row.listed_on)


def _without_conflicting_repeats(
    kind: Kind, rows: list[tuple[Row, tuple[str, ...]]], problems: list[Problem]
) -> list[Row]:
    """A row the file repeats word for word is applied once (a warning); rows
    that say different things of the same firm (or listing) are all refused."""
    groups: dict[tuple[object, ...], list[tuple[Row, tuple[str, ...]]]] = {}
    for row, values in rows:
        groups.setdefault(_key(kind, row), []).append((row, values))
    good: list[Row] = []
    what = "firm" if kind is Kind.NEW else "listing (USCC and 列入日期)"
    for group in groups.values():
        first, first_values = group[0]
        if len(group) == 1:
            good.append(first)
        elif all(values == first_values for _, values in group):
            good.append(first)
            for row, _ in group[1:]:
                problems.append(
                    Problem(
                        row.row,
                        USCC_COLUMN.header,
                        "duplicate_row",
                        f"repeats row {first.row}; applied once",
                        "warning",
                    )
                )
        else:
            numbers = [r.row for r, _ in group]
            for row, _ in group:
                others = ", ".join(str(n) for n in numbers if n != row.row)
                problems.append(
                    Problem(
                        row.row,
                        USCC_COLUMN.header,
                        "duplicate_row",
                        f"the same {what} as row {others}, saying something else",
                    )
                )
    good.sort(key=lambda r: r.row)
    return good
