"""The responsibility record (纪实) as a PDF: A4 landscape, a title block and one table row per event.

Chinese is set in reportlab's built-in CID font STSong-Light, so no font file is shipped or needed
(a PDF reader supplies the glyphs). Long entered/decided data is split over continuation rows, so a
row never outgrows a page and nothing is cut off. Needs no Flask request: the CLI can call it too.
"""

from __future__ import annotations

import json
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from .helpers import OUTCOMES, ROLES, STATUSES

FONT = "STSong-Light"
PAGE = landscape(A4)
MARGIN = 12 * mm
CHUNK = 700  # characters of JSON per table row; longer data continues on the next row
SEP = "  |  "

TEXT = {
    "title": ("责任纪实", "Responsibility record"),
    "case": ("案件", "Case"),
    "procedure": ("流程", "Procedure"),
    "version": ("版本", "version"),
    "status": ("状态", "Status"),
    "outcome": ("结果", "Outcome"),
    "started": ("启动", "Started"),
    "head": ("末事件哈希", "Head hash"),
    "sha": ("流程版本 sha256", "Procedure sha256"),
    "entries": ("条记录", "entries"),
    "times": ("时间均为 UTC", "times are UTC"),
    "seq": ("序号", "Seq"),
    "at": ("时间", "Time"),
    "user": ("办理人", "User"),
    "role": ("角色", "Role"),
    "step": ("环节 / 动作", "Step / action"),
    "entered": ("录入数据", "Entered"),
    "decided": ("系统判定", "Decided"),
    "page": ("第 %d 页，共 %d 页", "Page %d of %d"),
    "continued": ("（续）", "(continued)"),
    "none": ("（无）", "(none)"),
}


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles(font: str) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=font, fontSize=7.5, leading=9.5, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=20, spaceAfter=4),
        "meta": ParagraphStyle("meta", fontName=font, fontSize=9, leading=12),
        "head": ParagraphStyle("head", parent=body, textColor=colors.white),
        "body": body,
        "data": ParagraphStyle("data", parent=body, fontSize=7, leading=8.6),
    }


def _compact(value) -> str:
    if value in (None, {}, []):
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _chunks(text: str) -> list[str]:
    return [text[i:i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]


def _when(at: str | None) -> str:
    return (at or "")[:19].replace("T", " ")


def _label(table: dict, key, zh: bool) -> str:
    pair = table.get(key)
    return (pair[0] if zh else pair[1]) if pair else (key or "")


def record_pdf(record: dict, lang: str = "zh-CN") -> bytes:
    """The record from engine.records.responsibility_record as PDF bytes, labels in `lang`."""
    zh = not lang.startswith("en")

    def t(key: str) -> str:
        return TEXT[key][0 if zh else 1]

    font = _font()
    st = _styles(font)

    def p(text, style="body") -> Paragraph:
        return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), st[style])

    entries = record.get("entries", [])
    outcome = _label(OUTCOMES, record.get("outcome"), zh) or "—"
    story = [
        Paragraph(escape(f"{t('title')}{SEP}{t('case')} #{record['case_id']}"), st["title"]),
        p(f"{t('procedure')}: {record.get('procedure')}{SEP}{t('version')} {record.get('version')}{SEP}"
          f"{t('status')}: {_label(STATUSES, record.get('status'), zh)}{SEP}{t('outcome')}: {outcome}", "meta"),
        p(f"{t('started')}: {record.get('started_by', '')} {_when(record.get('started_at'))} UTC{SEP}"
          f"{len(entries)} {t('entries')}{SEP}{t('times')}", "meta"),
        p(f"{t('head')}: {record.get('head_hash', '')}", "meta"),
        p(f"{t('sha')}: {record.get('procedure_sha256', '')}", "meta"),
        Spacer(1, 4 * mm),
    ]

    header = [p(t(k), "head") for k in ("seq", "at", "user", "role", "step", "entered", "decided")]
    rows, shade = [header], []
    for entry in entries:
        entered, decided = _chunks(_compact(entry.get("entered"))), _chunks(_compact(entry.get("decided")))
        comment = entry.get("comment")
        step = f"{entry.get('step') or ''}\n{entry.get('action_label') or entry.get('action')}"
        if comment:
            step += f"\n“{comment}”"
        first = len(rows)
        for i in range(max(len(entered), len(decided))):
            if i == 0:
                lead = [p(entry["seq"]), p(_when(entry.get("at"))),
                        p(f"{entry.get('display_name') or ''}\n{entry.get('user') or ''}"),
                        p(_label(ROLES, entry.get("role"), zh)), p(step)]
            else:
                lead = [p(entry["seq"]), p(t("continued")), p(""), p(""), p("")]
            rows.append(lead + [p(entered[i] if i < len(entered) else "", "data"),
                                p(decided[i] if i < len(decided) else "", "data")])
        if entry["seq"] % 2 == 0:
            shade.append(("BACKGROUND", (0, first), (-1, len(rows) - 1), colors.HexColor("#f3f5f7")))

    width = PAGE[0] - 2 * MARGIN
    fixed = [11 * mm, 24 * mm, 28 * mm, 21 * mm, 34 * mm]
    rest = (width - sum(fixed)) / 2
    table = LongTable(rows, colWidths=fixed + [rest, rest], repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#0b5cad")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d7de")),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        *shade,
    ]))
    story.append(table)
    if not entries:
        story.append(p(t("none")))

    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + 3 * mm, title=f"{TEXT['title'][1]} #{record['case_id']}",
                            author="cadreflow")
    footer = (font, t("page"), f"#{record['case_id']} {record.get('procedure')}{SEP}{record.get('head_hash', '')[:16]}")
    doc.build(story, canvasmaker=lambda *a, **kw: _NumberedCanvas(*a, footer=footer, **kw))
    return buffer.getvalue()


class _NumberedCanvas(Canvas):
    """Keeps each page until the end so the footer can say "page n of N"."""

    def __init__(self, *args, footer, **kwargs):
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages: list[dict] = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        font, pattern, label = self._footer
        for number, state in enumerate(self._pages, 1):
            self.__dict__.update(state)
            self.saveState()
            self.setFont(font, 8)
            self.setFillColor(colors.HexColor("#59636e"))
            self.drawRightString(PAGE[0] - MARGIN, MARGIN / 2, pattern % (number, len(self._pages)))
            self.drawString(MARGIN, MARGIN / 2, label)
            self.restoreState()
            super().showPage()
        super().save()
