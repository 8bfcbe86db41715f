"""An injectable clock: the domain never reads the system time itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock tests (and the deadline clock's dry runs) can set and move."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


def legal_date(instant: datetime) -> date:
    """Legal dates and deadlines are Asia/Shanghai dates (DESIGN §3)."""
    return instant.astimezone(SHANGHAI).date()
