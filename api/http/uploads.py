"""Uploaded files: what a file is, decided by its bytes, and how many and how
large they may be; and files sent to an import route as the request body
(text/csv), with the shape every import's report gives a faulty row
(domain/shared/csvfile.py).

A file's type is never taken from its name or its declared Content-Type: the
bytes must open with the type's signature and have its structure — a PDF its
`%PDF-1.x` header and `%%EOF` trailer, a PNG its signature, an IHDR chunk
first and IEND last, a JPEG its SOI and EOI markers — with nothing after the
end (where a ZIP or a script rides along in a polyglot). An image that a PDF
reader would also open (`%PDF-` in its first KiB) or that a browser might
sniff as HTML is refused. The name is kept only as a label: one line, no path
separators or control characters.
"""

from __future__ import annotations

import re
import struct
import unicodedata
from dataclasses import dataclass
from typing import Any, Final

from fastapi import Request
from pydantic import BaseModel, Field

from api.http.errors import ProblemError
from domain.shared.documents import MediaType
from domain.shared.errors import InvalidInputError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
JPEG_SOI = b"\xff\xd8\xff"
JPEG_EOI = b"\xff\xd9"
PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
PDF_TRAILER = re.compile(rb"%%EOF[\r\n]*\Z")
# PDF readers look for the header anywhere in the first KiB, browsers sniff
# about as far for markup: a file of another type must hold neither there.
SNIFF_WINDOW = 1024
MARKUP = re.compile(rb"<\s*(?:!doctype|html|script|svg|body|iframe)", re.IGNORECASE)
NAME_LENGTH = 200


class UploadError(ValueError):
    """Why a file is refused (the caller names the file)."""


@dataclass(frozen=True)
class UploadLimits:
    """Per file, per submission (files and bytes); from the settings."""

    file_bytes: int
    files: int
    total_bytes: int


def sniff(content: bytes) -> MediaType:
    """The media type the bytes prove, or UploadError saying why not."""
    if not content:
        raise UploadError("the file is empty")
    head = content[:SNIFF_WINDOW]
    if content.startswith(b"%PDF-"):
        return _pdf(content)
    if PDF_HEADER.search(head) or MARKUP.search(head):
        raise UploadError(
            "the file is also readable as another type (a polyglot); send a plain PDF, JPEG or PNG"
        )
    if content.startswith(PNG_SIGNATURE):
        return _png(content)
    if content.startswith(JPEG_SOI):
        return _jpeg(content)
    raise UploadError("the file is not a PDF, JPEG or PNG (judged by its bytes)")


def _pdf(content: bytes) -> MediaType:
    if not PDF_HEADER.match(content):
        raise UploadError("the PDF header is not %PDF-1.x or %PDF-2.x")
    if not PDF_TRAILER.search(content[-SNIFF_WINDOW:]):
        raise UploadError(
            "the PDF does not end with its %%EOF trailer (truncated, or something appended)"
        )
    if MARKUP.search(content[:SNIFF_WINDOW]):
        raise UploadError("the PDF's first bytes hold markup (a polyglot)")
    return "application/pdf"


def _png(content: bytes) -> MediaType:
    ihdr = content[len(PNG_SIGNATURE) : len(PNG_SIGNATURE) + 16]
    if len(ihdr) < 16 or ihdr[4:8] != b"IHDR" or ihdr[:4] != b"\x00\x00\x00\x0d":
        raise UploadError("the PNG does not start with its IHDR chunk")
    width, height = struct.unpack(">II", ihdr[8:16])
    if width == 0 or height == 0:
        raise UploadError("the PNG has no pixels (width or height 0)")
    if not content.endswith(PNG_IEND):
        raise UploadError(
            "the PNG does not end with its IEND chunk (truncated, or something appended)"
        )
    return "image/png"


def _jpeg(content: bytes) -> MediaType:
    if len(content) < len(JPEG_SOI) + len(JPEG_EOI) + 1:
        raise UploadError("the JPEG is too short to hold an image")
    if not content.endswith(JPEG_EOI):
        raise UploadError(
            "the JPEG does not end with its EOI marker (truncated, or something appended)"
        )
    return "image/jpeg"


def file_name(name: str | None) -> str:
    """A file's name as a label: one line of at most NAME_LENGTH characters,
    no path separators, no control or format characters."""
    text = unicodedata.normalize("NFC", (name or "").strip())
    if not text:
        raise UploadError("every file needs a name")
    if len(text) > NAME_LENGTH:
        raise UploadError(f"a file name has at most {NAME_LENGTH} characters")
    if "/" in text or "\\" in text or text in {".", ".."}:
        raise UploadError("a file name may not hold a path (/ or \\)")
    if any(unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} for c in text):
        raise UploadError("a file name may not hold control characters")
    return text


def check_count(count: int, limits: UploadLimits) -> None:
    if count > limits.files:
        raise ProblemError(
            413,
            f"at most {limits.files} files per submission, not {count}",
            slug="too-many-files",
        )


def check_size(size: int, total: int, limits: UploadLimits) -> None:
    """`size`: this file's bytes; `total`: the submission's so far, with it."""
    if size > limits.file_bytes:
        raise ProblemError(
            413,
            f"a file may hold at most {limits.file_bytes} bytes",
            slug="file-too-large",
        )
    if total > limits.total_bytes:
        raise ProblemError(
            413,
            f"the files of one submission may hold at most {limits.total_bytes} bytes",
            slug="submission-too-large",
        )


def checked(field: str, name: str | None, content: bytes) -> tuple[str, MediaType]:
    """A file's label and proven media type; a refusal names the field."""
    try:
        return file_name(name), sniff(content)
    except UploadError as exc:
        raise InvalidInputError(f"{field} ({name!r}): {exc}", field=field) from None


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
