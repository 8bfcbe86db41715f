"""Files other systems send as CSV, and the checks every such import shares.

A file is UTF-8, with or without a byte order mark; its first record is the
header. The file as a whole (its encoding, its header, its size) is refused
outright (`InvalidInputError`, each fault in `errors`); each bad row is named
(row, column, why) and left out. Rows are numbered as a spreadsheet shows
them: the header is row 1. Used by the credit system's directed data
(domain/credit/formats.py) and the licensing history (domain/licensing/
import_format.py); each says which columns it has and what they hold.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from domain.shared.errors import InvalidInputError
from domain.shared.jurisdiction import validate_region_code
from domain.shared.text import clean_text

# Formula-looking cells (CSV injection): no name, reason or authority starts so.
FORMULA_START: Final = ("=", "+", "-", "@")

Severity = Literal["error", "warning"]
# What a column holds: text kinds are checked for formulas, dates parsed;
# "code" is text that may start with a sign (a number, an identifier).
Value = Literal["uscc", "name", "region", "date", "line", "prose", "code"]


@dataclass(frozen=True)
class Column:
    header: str  # as the file names it (compared after NFKC: either bracket width)
    field: str
    value: Value
    required: bool = True
    max_length: int = 200


@dataclass(frozen=True)
class Problem:
    """One fault of one row (row 1: the header), in one column if known."""

    row: int
    column: str | None
    code: str
    message: str
    severity: Severity = "error"

    def as_dict(self) -> dict[str, object]:
        return {
            # A problem detail's `field` (the input at fault, a dotted path).
            "field": "csv" if self.column is None else f"csv.{self.row}.{self.column}",
            "row": self.row,
            "column": self.column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True)
class Records:
    """A file's header and its non-blank data rows, numbered as shown."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    sha256: str
    size: int


def header_name(cell: str) -> str:
    return unicodedata.normalize("NFKC", cell).strip().lstrip("\ufeff").strip()


def file_error(code: str, message: str, *more: Problem) -> InvalidInputError:
    """The whole file refused (422), each fault in `errors`."""
    first = Problem(1, None, code, message)
    return InvalidInputError(
        message if not more else f"{message} ({len(more)} faults)",
        field="csv",
        errors=tuple(p.as_dict() for p in (more or (first,))),
    )


def decode(data: bytes) -> str:
    """UTF-8 (a BOM dropped); any other encoding refused, GBK named as such."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise file_error(
            "encoding", "the file is UTF-16; save it as UTF-8 (Excel: CSV UTF-8)"
        )
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        try:
            data.decode("gb18030")
            hint = "; it reads as GBK/GB18030: save it as UTF-8 (Excel: CSV UTF-8)"
        except UnicodeDecodeError:
            hint = ""
        raise file_error(
            "encoding",
            f"the file is not UTF-8 (byte 0x{data[exc.start]:02X} at offset "
            f"{exc.start}){hint}",
        ) from None


def records(data: bytes, *, max_bytes: int, max_rows: int) -> Records:
    """The file decoded and split into its header and non-blank rows."""
    if len(data) > max_bytes:
        raise file_error("too_large", f"at most {max_bytes} bytes per file")
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [header_name(h) for h in next(reader, [])]
        if not any(header):
            raise file_error("empty", "the file is empty: no header")
        rows = [
            (n, values)
            for n, values in enumerate(reader, start=2)
            if "".join(values).strip()
        ]
    except csv.Error as exc:
        raise file_error("csv", f"row {reader.line_num}: {exc}") from None
    if len(rows) > max_rows:
        raise file_error("too_many_rows", f"at most {max_rows} rows per file")
    return Records(header, rows, hashlib.sha256(data).hexdigest(), len(data))


def check_header(
    columns: Iterable[Column], header: list[str], title: str
) -> dict[str, Column]:
    """The columns by header; an unknown, repeated or missing one refuses the file."""
    known = {c.header: c for c in columns}
    faults = [
        Problem(1, h or f"(column {n})", "header_unknown", f"unknown column {h!r}")
        for n, h in enumerate(header, start=1)
        if h not in known
    ]
    faults += [
        Problem(1, h, "header_duplicate", f"column {h!r} appears twice")
        for n, h in enumerate(header)
        if h in header[:n]
    ]
    faults += [
        Problem(1, c.header, "header_missing", f"required column {c.header!r} missing")
        for c in known.values()
        if c.required and c.header not in header
    ]
    if faults:
        raise file_error(
            faults[0].code,
            f"the header does not match the {title} format: "
            + "; ".join(p.message for p in faults),
            *faults,
        )
    return known


_DATE_FORMS: Final = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)


def parse_date(text: str, today: date) -> date:
    """YYYY-MM-DD (also YYYY/M/D, YYYYMMDD, YYYY年M月D日), not in the future."""
    if (
        len(text) == 10
        and text[4] == text[7] == "-"
        and text.isascii()
        and text.replace("-", "").isdigit()
    ):
        # The usual form, read at once (what the first pattern would match).
        try:
            found = date.fromisoformat(text)
        except ValueError:
            msg = f"{text!r} is not a date (write YYYY-MM-DD)"
            raise ValueError(msg) from None
        return _in_range(found, text, today)
    for form in _DATE_FORMS:
        # ASCII digits only: \d would also take other scripts' digits.
        match = form.match(text) if text.isascii() or "年" in text else None
        if match and all(g.isascii() for g in match.groups()):
            try:
                found = date(*(int(g) for g in match.groups()))
            except ValueError:
                break
            return _in_range(found, text, today)
    msg = f"{text!r} is not a date (write YYYY-MM-DD)"
    raise ValueError(msg)


def _in_range(found: date, text: str, today: date) -> date:
    if found > today:
        msg = f"{text} is in the future"
        raise ValueError(msg)
    if found.year < 1949:
        msg = f"{text} is before 1949"
        raise ValueError(msg)
    return found


class RowFaults:
    """The faults of one row, as they are found."""

    def __init__(self, line: int, out: list[Problem]) -> None:
        self.line, self.out, self.bad = line, out, False

    def error(self, column: str | None, code: str, message: str) -> None:
        self.bad = True
        self.out.append(Problem(self.line, column, code, message))

    def warn(self, column: str | None, code: str, message: str) -> None:
        self.out.append(Problem(self.line, column, code, message, "warning"))


def cell_text(c: Column, raw: str, faults: RowFaults) -> str | None:
    """A cell's text: cleaned, not too long, not a formula ("" if empty and
    optional; None if it is bad, and the fault recorded)."""
    try:
        text = clean_text(raw, multiline=c.value == "prose", allow_empty=True)
    except ValueError as exc:
        faults.error(c.header, "text_invalid", str(exc))
        return None
    if not text:
        if c.required:
            code = "name_missing" if c.value == "name" else "value_missing"
            faults.error(c.header, code, f"{c.header} is empty")
            return None
        return ""
    if len(text) > c.max_length:
        faults.error(
            c.header, "too_long", f"{len(text)} characters; at most {c.max_length}"
        )
        return None
    if c.value in ("name", "line", "prose") and text.startswith(FORMULA_START):
        faults.error(
            c.header,
            "formula",
            f"starts with {text[0]!r}: looks like a spreadsheet formula, not a "
            "value the other system sends",
        )
        return None
    return text


def cell_date(c: Column, text: str, faults: RowFaults, today: date) -> date | None:
    try:
        return parse_date(text, today)
    except ValueError as exc:
        faults.error(c.header, "date_invalid", str(exc))
        return None


def cell_value(c: Column, raw: str, faults: RowFaults, today: date) -> object:
    """A cell's value: its text, a date or a region code as the column says
    ("" if empty and optional; None if it is bad, and the fault recorded)."""
    text = cell_text(c, raw, faults)
    if not text:
        return text
    if c.value == "date":
        return cell_date(c, text, faults, today)
    if c.value == "region":
        try:
            return validate_region_code(text)
        except InvalidInputError as exc:
            faults.error(c.header, "region_invalid", exc.detail)
            return None
    return text


def field_count_ok(values: list[str], header: list[str], faults: RowFaults) -> bool:
    if len(values) == len(header):
        return True
    faults.error(
        None, "field_count", f"{len(values)} fields; the header has {len(header)}"
    )
    return False
