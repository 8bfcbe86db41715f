"""/public/v1/progress: 办件查询 by receipt number and query code, no token.

Nothing personal is shown. A wrong code answers exactly as an unknown number
does; a client that keeps failing is refused for a while (429), before any
lookup, so codes cannot be guessed at speed.
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

import threading
import time
from collections import deque
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api import schemas
from api.errors import ProblemError
from api.openapi import PUBLIC, problems
from api.reads import PublicReader
from api.views import JSON
from domain.licensing.service import query_code_hash
from domain.shared.text import Line
from projections import applications

router = APIRouter(prefix="/public/v1/progress", tags=["public"])

MAX_FAILURES = 10  # per client per window
WINDOW_S = 15 * 60


class FailureLimiter:
    """Failed lookups per client in a sliding window (per process)."""

    def __init__(
        self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(client, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def retry_after(self, client: str) -> int | None:
        """Seconds until the client may try again, or None if it may now."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent(client, now)
            if len(failures) < self.max_failures:
                return None
            return int(failures[0] + self.window_s - now) + 1

    def fail(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(client, now).append(now)
            if len(self._failures) > 100_000:  # bound memory under a spray of clients
                self._failures = {
                    c: f for c, f in self._failures.items() if self._recent(c, now)
                }


@router.get(
    "",
    response_class=JSON,
    summary="办件查询: an application's progress",
    response_model=schemas.Progress,
    responses=problems(*PUBLIC, 404, 429),
)
def get_progress(
    request: Request,
    reader: PublicReader,
    receipt_number: Annotated[Annotated[str, Line(40)], Query()],
    query_code: Annotated[Annotated[str, Line(40)], Query()],
) -> JSON:
    limiter: FailureLimiter = request.app.state.lookup_limiter
    client = request.client.host if request.client else "unknown"
    wait = limiter.retry_after(client)
    if wait is not None:
        raise ProblemError(
            429,
            "too many failed lookups from this address; try again later",
            headers={"Retry-After": str(wait)},
        )
    found = applications.progress(
        reader.conn,
        receipt_number,
        lambda number: query_code_hash(number, query_code),
        reader.calendar,
        reader.today,
    )
    if found is None:
        limiter.fail(client)
        raise ProblemError(
            404, "no application matches that receipt number and query code"
        )
    return JSON(found)
