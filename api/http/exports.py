"""What every CSV the API writes shares: Excel opens it (UTF-8 with a byte
order mark, CRLF line ends) and no cell runs as a formula (CSV injection: a
cell starting with = + - @ or a control character is quoted as text)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from fastapi import Response

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CsvResponse(Response):
    media_type = "text/csv; charset=utf-8"


def cell(value: object) -> str:
    """A value as a cell Excel shows as text (None: empty)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_lines(rows: Iterable[Iterable[object]]) -> str:
    """Rows as CSV text (CRLF ends), each value made safe by `cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([cell(v) for v in row] for row in rows)
    return out.getvalue()
