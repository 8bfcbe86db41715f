"""Files sent to an import route as the request body (text/csv), and the
shape every import's report gives a faulty row (domain/shared/csvfile.py)."""

from __future__ import annotations

from typing import Any, Final

from fastapi import Request
from pydantic import BaseModel, Field

from api.http.errors import ProblemError

CSV: Final = "text/csv"

# The OpenAPI request body of a route that takes the file itself.
CSV_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {CSV: {"schema": {"type": "string"}}},
    },
    "x-body-media-type": CSV,
}


async def csv_body(request: Request) -> bytes:
    """The body as sent (the size limit is the service's, CASETRACE_MAX_BODY_BYTES)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != CSV:
        raise ProblemError(415, "send the file as text/csv (UTF-8)")
    return await request.body()


class ImportProblem(BaseModel):
    row: int = Field(
        description="行号 — row number as a spreadsheet shows it (header: 1)"
    )
    column: str | None = Field(description="列 — the column at fault, if one is")
    severity: str = Field(description="error (row left out) or warning (applied)")
    code: str = Field(description="stable code, e.g. uscc_invalid, date_invalid")
    message: str = Field(description="why")
