"""What an uploaded file is, by its bytes alone (api/http/uploads.py): good
files of each type pass; wrong magic, broken structure, polyglots, empty
files and hostile names are refused."""

from __future__ import annotations

import pytest

from api.http.errors import ProblemError
from api.http.uploads import (
    UploadError,
    UploadLimits,
    check_count,
    check_size,
    checked,
    file_name,
    sniff,
)
from domain.shared.errors import InvalidInputError
from tests.api.files import jpeg, pdf, png


@pytest.mark.parametrize(
    ("content", "media_type"),
    [(pdf(), "application/pdf"), (png(), "image/png"), (jpeg(), "image/jpeg")],
)
def test_a_well_formed_file_is_known_by_its_bytes(
    content: bytes, media_type: str
) -> None:
    assert sniff(content) == media_type


def test_a_pdf_with_crlf_after_its_trailer_is_accepted() -> None:
    assert sniff(pdf().rstrip(b"\n") + b"\r\n") == "application/pdf"


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "empty"),
        (b"GIF89a\x01\x00\x01\x00", "not a PDF, JPEG or PNG"),
        (b"MZ\x90\x00 an executable", "not a PDF, JPEG or PNG"),
        (b"<html><script>alert(1)</script></html>", "polyglot"),
        (b"%PDF-9.9\n%%EOF", "header"),
        (pdf()[:-8], "%%EOF"),  # truncated
        (pdf() + b"PK\x03\x04 a zip rides along", "%%EOF"),
        (b"%PDF-1.7\n<script>x</script>\n%%EOF\n", "markup"),
        (png()[:-12], "IEND"),  # truncated
        (png() + b"PK\x05\x06", "IEND"),  # something appended
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "IHDR"),
        (png(width=0), "no pixels"),
        (jpeg()[:-2], "EOI"),
        (jpeg() + b"<?php ?>", "EOI"),
        (b"\xff\xd8\xff\xd9", "too short"),
        # A JPEG whose first KiB a PDF reader would take for a PDF.
        (b"\xff\xd8\xff\xe0 %PDF-1.4 \xff\xd9", "polyglot"),
        (png()[:8] + b"<svg onload=x>" + png()[8:], "polyglot"),
    ],
)
def test_a_file_that_is_not_what_it_must_be_is_refused(
    content: bytes, why: str
) -> None:
    with pytest.raises(UploadError, match=why):
        sniff(content)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "../../etc/passwd",
        "scan/营业执照.pdf",
        "C:\\temp\\a.pdf",
        "..",
        "a\x00.pdf",
        "a\nb.pdf",
        "evil\u202egpj.exe",  # right-to-left override: a format character
        "x" * 201,
    ],
)
def test_a_file_name_with_a_path_or_control_characters_is_refused(name: str) -> None:
    with pytest.raises(UploadError):
        file_name(name)


def test_a_file_name_is_kept_as_a_label_in_nfc() -> None:
    assert file_name(" 营业执照（副本）.pdf ") == "营业执照（副本）.pdf"
    assert file_name("e\u0301.png") == "\u00e9.png"


def test_the_declared_name_does_not_decide_the_type() -> None:
    name, media_type = checked("file[0]", "photo.png", pdf())
    assert (name, media_type) == ("photo.png", "application/pdf")
    with pytest.raises(InvalidInputError) as refused:
        checked("file[1]", "report.pdf", b"not a pdf at all")
    assert refused.value.field == "file[1]"


LIMITS = UploadLimits(file_bytes=100, files=2, total_bytes=150)


def test_limits_on_files_and_bytes_answer_413() -> None:
    check_count(2, LIMITS)
    check_size(100, 150, LIMITS)
    for refuse, slug in (
        (lambda: check_count(3, LIMITS), "too-many-files"),
        (lambda: check_size(101, 101, LIMITS), "file-too-large"),
        (lambda: check_size(60, 151, LIMITS), "submission-too-large"),
    ):
        with pytest.raises(ProblemError) as refused:
            refuse()
        assert (refused.value.status, refused.value.slug) == (413, slug)
