"""Any sheet as a reproducible A4 PDF in Chinese.

Reproducible: the same sheet gives the same bytes. ReportLab's invariant mode
fixes the document ID and leaves out its own clock; the creation and
modification dates are the source event's time (handed in); the font subset
depends only on the characters used. The QR code is drawn as vector squares.

The font is a TrueType CJK face (ReportLab cannot embed the CFF outlines of
Noto CJK): Debian's fonts-wqy-microhei, installed by scripts/browser.sh, or
any TrueType file named by CASETRACE_PDF_FONT. Without one the server does
not start (`FontMissingError`), rather than print boxes (tofu) for Chinese.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from api.licensing.documents.sheets import Sheet
from domain.licensing.documents import DocumentKind

FONT_NAME = "CJK"
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
QR_SIZE = 32 * mm  # scanned from paper or a screen at arm's length
MARGIN = 22 * mm
FOOTER = QR_SIZE + 10 * mm


class FontMissingError(RuntimeError):
    """No CJK TrueType font: written notices cannot be rendered."""


@cache
def register_font(path: Path | None = None) -> Path:
    """Register the CJK font once; the path it came from."""
    found = (
        path
        if path is not None
        else next((p for p in FONT_CANDIDATES if p.is_file()), None)
    )
    if found is None or not found.is_file():
        where = str(path) if path else " or ".join(map(str, FONT_CANDIDATES))
        raise FontMissingError(
            f"no CJK TrueType font at {where}: install Debian's fonts-wqy-microhei"
            " (scripts/browser.sh does) or set CASETRACE_PDF_FONT to a .ttf/.ttc"
        )
    face = TTFont(FONT_NAME, str(found), subfontIndex=0)
    pdfmetrics.registerFont(face)
    return found


def _style(size: float, **more: Any) -> ParagraphStyle:
    return ParagraphStyle(
        f"s{size}{sorted(more.items())}",
        fontName=FONT_NAME,
        fontSize=size,
        leading=size * 1.7,
        wordWrap="CJK",
        **more,
    )


TITLE = _style(22, alignment=TA_CENTER, spaceAfter=4 * mm)
NUMBER = _style(11, alignment=TA_RIGHT, spaceAfter=5 * mm)
BODY = _style(12, firstLineIndent=24, spaceAfter=2 * mm)
PLAIN = _style(12, spaceAfter=2 * mm)
ITEM = _style(12, leftIndent=24, firstLineIndent=-12, spaceAfter=1 * mm)
CELL = _style(11)
SIGNED = _style(12, alignment=TA_RIGHT)
SMALL = _style(8, textColor=colors.HexColor("#333333"))


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _escape(text: str) -> str:
    """Paragraph text is mini-markup: what people typed is text, not tags."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def draw_qr(canvas: Canvas, matrix: Any, x: float, y: float, size: float) -> None:
    quiet = 2  # modules of white border inside `size`
    n = len(matrix) + 2 * quiet
    cell = size / n
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                canvas.rect(
                    x + (c + quiet) * cell,
                    y + size - (r + quiet + 1) * cell,
                    cell,
                    cell,
                    stroke=0,
                    fill=1,
                )


def _facts_table(facts: tuple[tuple[str, str], ...], width: float) -> Table:
    rows = [
        [Paragraph(_escape(label), CELL), Paragraph(_escape(value), CELL)]
        for label, value in facts
    ]
    table = Table(rows, colWidths=[40 * mm, width - 40 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
                ("TOPPADDING", (0, 0), (-1, -1), 1.2 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2 * mm),
            ]
        )
    )
    return table


def _story(sheet: Sheet, width: float) -> list[Flowable]:
    story: list[Flowable] = [
        Paragraph(_escape(sheet.title), TITLE),
        Paragraph(_escape(sheet.number), NUMBER),
    ]
    if sheet.addressee:
        story.append(Paragraph(_escape(sheet.addressee) + "：", PLAIN))
    story += [Paragraph(_escape(p), BODY) for p in sheet.paragraphs]
    story += [
        Paragraph(f"{i}．{_escape(item)}", ITEM)
        for i, item in enumerate(sheet.items, start=1)
    ]
    story += [Paragraph(_escape(p), BODY) for p in sheet.after_items]
    if sheet.facts:
        story += [Spacer(1, 2 * mm), _facts_table(sheet.facts, width)]
    if sheet.closing:
        story.append(Spacer(1, 3 * mm))
    story += [Paragraph(_escape(p), BODY) for p in sheet.closing]
    story.append(
        KeepTogether(
            [
                Spacer(1, 10 * mm),
                Paragraph(_escape(sheet.unit_name), SIGNED),
                Paragraph(chinese_date(sheet.dated), SIGNED),
            ]
        )
    )
    return story


def _footer(sheet: Sheet) -> Callable[[Canvas, Any], None]:
    """Every page: the QR code of the verification URL, the URL, the numbers."""
    matrix = segno.make(sheet.verification_url, error="m").matrix

    def draw(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setDateFormatter(lambda *_: _pdf_date(sheet.issued_at))
        x, y = MARGIN, 12 * mm
        draw_qr(canvas, matrix, x, y, QR_SIZE)
        canvas.setStrokeColor(colors.HexColor("#999999"))
        canvas.line(MARGIN, y + QR_SIZE + 3 * mm, A4[0] - MARGIN, y + QR_SIZE + 3 * mm)
        base, _, code = sheet.verification_url.rpartition("/")
        lines = [
            "扫码核验本证书真伪及许可是否有效（电子证照核验）"
            if sheet.kind is DocumentKind.CERTIFICATE
            else "扫码核验本文书真伪",
            f"核验网址：{base}/",  # the code on a line of its own, unbroken
            f"核验码：{code}",
            f"收件编号：{sheet.receipt_number}　第 {doc.page} 页",
        ]
        width = A4[0] - 2 * MARGIN - QR_SIZE - 5 * mm
        ty = y + QR_SIZE - 4 * mm
        for line in lines:
            p = Paragraph(_escape(line), SMALL)
            _, h = p.wrap(width, 20 * mm)
            p.drawOn(canvas, x + QR_SIZE + 5 * mm, ty - h + 8)
            ty -= h + 1
        canvas.restoreState()

    return draw


def _pdf_date(at: datetime) -> str:
    t = at.astimezone(UTC)
    return f"D:{t:%Y%m%d%H%M%S}+00'00'"


def render(sheet: Sheet) -> bytes:
    """The sheet as PDF bytes: the same sheet, the same bytes."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        register_font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=FOOTER + 12 * mm,
        title=sheet.title,
        author=sheet.unit_name,
        subject=f"{sheet.title} {sheet.number}",
        creator="casetrace",
        producer="casetrace",
        invariant=1,
        lang="zh-CN",
    )
    footer = _footer(sheet)
    doc.build(_story(sheet, doc.width), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
