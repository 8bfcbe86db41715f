"""Dates and instants as people send them: ISO 8601 / RFC 3339 text only.

pydantic's lax mode also reads a number as a Unix timestamp ("0" is
1970-01-01), which no person means and the OpenAPI `format: date` does not
allow; these types accept exactly what the schema says.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Final

from pydantic import BeforeValidator

__all__ = ["IsoDate", "IsoDateTime", "years_after"]

_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# RFC 3339 date-time: a T (or space), seconds optional fractions, and an offset.
_DATE_TIME: Final = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and not _DATE.match(value):
        raise ValueError("a date is written YYYY-MM-DD, e.g. 2026-11-23")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError("a date is written YYYY-MM-DD, e.g. 2026-11-23")
    return value


def _iso_date_time(value: Any) -> Any:
    if isinstance(value, str) and not _DATE_TIME.match(value):
        raise ValueError(
            "an instant is written in RFC 3339 with its offset, "
            "e.g. 2026-11-23T09:00:00+08:00"
        )
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError("an instant is written in RFC 3339, not as a number")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_date_time)]


def years_after(day: date, years: int) -> date:
    """The same date `years` on; from 29 February, the month's last day
    (民法典 第202条: a period in years ends on the corresponding day, and
    without one, on the month's last day)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 2, 28)
