"""The responsibility record (纪实) as a PDF an auditor reads: A4, a title block (case, procedure and
version, outcome), the case's parameters once, then each step as a paragraph — step, who in which
role, Beijing time, the record in words, the comment — with its event hash small in the corner.

Chinese is set in reportlab's built-in CID font STSong-Light, so no font file is shipped or needed
(a PDF reader supplies the glyphs). Needs no Flask request: the CLI calls it too.
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from workflows.labels import OUTCOME_LABELS, ROLE_LABELS, pick

from ..timefmt import beijing
from .helpers import STATUSES

FONT = "STSong-Light"
PAGE = A4
MARGIN = 16 * mm
WIDTH = PAGE[0] - 2 * MARGIN - 12  # the frame's own padding is 6 points a side
MUTED = colors.HexColor("#59636e")
LINE = colors.HexColor("#d0d7de")
DOT = "・"  # U+30FB, full width: the CID font's CMap has no U+00B7, a reader would show a box

TEXT = {
    "title": ("责任纪实", "Responsibility record"),
    "case": ("案件", "Case"),
    "procedure": ("流程", "Procedure"),
    "version": ("第 %s 版", "version %s"),
    "outcome": ("状态与结果", "Status and outcome"),
    "started": ("启动", "Started"),
    "head": ("末事件哈希", "Head hash"),
    "sha": ("流程版本 sha256", "Procedure sha256"),
    "entries": ("记录", "Entries"),
    "count": ("%d 条；时间均为北京时间", "%d; times are Beijing time (UTC+8)"),
    "parameters": ("流程参数（本案启动时）", "Procedure parameters (as the case started)"),
    "steps": ("办理经过", "The steps"),
    "comment": ("意见", "Comment"),
    "page": ("第 %d 页，共 %d 页", "Page %d of %d"),
    "none": ("（无记录）", "(no entries)"),
}


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles(font: str) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=24),
        "subtitle": ParagraphStyle("subtitle", fontName=font, fontSize=12, leading=17, spaceAfter=6),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=11.5, leading=16, spaceBefore=10, spaceAfter=4),
        "label": ParagraphStyle("label", parent=body, fontSize=8.5, leading=12, textColor=MUTED),
        "value": ParagraphStyle("value", parent=body, fontSize=8.5, leading=12),
        "step": ParagraphStyle("step", parent=body, fontSize=10.5, leading=14),
        "when": ParagraphStyle("when", parent=body, fontSize=8.5, leading=14, alignment=TA_RIGHT, textColor=MUTED),
        "who": ParagraphStyle("who", parent=body, fontSize=8.5, leading=12, textColor=MUTED),
        "body": body,
        "comment": ParagraphStyle("comment", parent=body, leftIndent=8, textColor=colors.HexColor("#24292f")),
        "hash": ParagraphStyle("hash", fontName="Courier", fontSize=5.5, leading=7, alignment=TA_RIGHT,
                               textColor=colors.HexColor("#8c959f")),
    }


def record_pdf(record: dict, lang: str = "zh-CN") -> bytes:
    """The record from engine.records.responsibility_record as PDF bytes, labels in `lang`."""
    english = lang.startswith("en")
    st = _styles(_font())

    def t(key: str) -> str:
        return TEXT[key][1 if english else 0]

    def p(text, style="body") -> Paragraph:
        return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), st[style])

    entries = record.get("entries", [])
    story = [p(t("title"), "title"), p(f"{t('case')} #{record['case_id']}{_subject(entries, english)}", "subtitle"),
             _facts(record, entries, english, t, p), *_parameters(record, t, p), p(t("steps"), "h2")]
    for entry in entries:
        story.append(KeepTogether(_step(entry, english, t, p)))
    if not entries:
        story.append(p(t("none")))

    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + 3 * mm, title=f"{TEXT['title'][1]} #{record['case_id']}",
                            author="cadreflow")
    footer = (FONT, t("page"), f"#{record['case_id']} {record.get('procedure')}  {(record.get('head_hash') or '')[:16]}")
    doc.build(story, canvasmaker=lambda *a, **kw: _NumberedCanvas(*a, footer=footer, **kw))
    return buffer.getvalue()


def _subject(entries: list[dict], english: bool) -> str:
    """What the case fills, from its start: `・区发改委主任（区发改委）`."""
    started = next((e for e in entries if e.get("action") == "case_started"), None)
    data = (started or {}).get("entered") or {}
    position, unit = data.get("position"), data.get("unit")
    if not position:
        return ""
    return f"{DOT}{position}" + ((f" ({unit})" if english else f"（{unit}）") if unit else "")


def _facts(record: dict, entries: list[dict], english: bool, t, p) -> Table:
    status = pick(STATUSES.get(record.get("status")), english, record.get("status") or "")
    outcome = pick(OUTCOME_LABELS.get(record.get("outcome")), english, record.get("outcome") or "")
    procedure = record.get("procedure_name") or record.get("procedure")
    started = next((e for e in entries if e.get("action") == "case_started"), {})
    rows = [
        (t("procedure"), f"{procedure}（{record.get('procedure')}，{t('version') % record.get('version')}）"
         if not english else f"{procedure} ({record.get('procedure')}, {t('version') % record.get('version')})"),
        (t("outcome"), DOT.join(x for x in (status, outcome) if x)),
        (t("started"), "  ".join(x for x in (started.get("display_name"), record.get("started_by"),
                                              beijing(record.get("started_at"), seconds=True)) if x)),
        (t("entries"), t("count") % len(entries)),
        (t("sha"), record.get("procedure_sha256")),
        (t("head"), record.get("head_hash")),
    ]
    table = Table([[p(k, "label"), p(v, "value")] for k, v in rows], colWidths=[32 * mm, WIDTH - 32 * mm])
    table.setStyle(_GRID)
    return table


def _parameters(record: dict, t, p) -> list:
    """Each parameter once, labelled, two to a row."""
    items = record.get("parameter_list") or [{"label": k, "value": v} for k, v in (record.get("parameters") or {}).items()]
    if not items:
        return []
    cells = [[p(i["label"], "label"), p(i["value"], "value")] for i in items]
    rows = [cells[i] + (cells[i + 1] if i + 1 < len(cells) else [p(""), p("")]) for i in range(0, len(cells), 2)]
    half = WIDTH / 2
    table = Table(rows, colWidths=[half - 24 * mm, 24 * mm] * 2)
    table.setStyle(_GRID)
    return [p(t("parameters"), "h2"), table]


def _step(entry: dict, english: bool, t, p) -> list:
    role = pick(ROLE_LABELS.get(entry.get("role")), english, entry.get("role") or "")
    who = entry.get("display_name") or entry.get("user") or ""
    if entry.get("role") == "system":  # the engine itself: its role says who
        who = ""
    elif entry.get("user") and entry["user"] not in who:
        who += f" ({entry['user']})" if english else f"（{entry['user']}）"
    title = DOT.join(x for x in (entry.get("step"), entry.get("action_label") or entry.get("action")) if x)
    head = Table([[p(f"#{entry['seq']}  {title}", "step"), p(beijing(entry.get("at"), seconds=True), "when")]],
                 colWidths=[WIDTH - 40 * mm, 40 * mm])
    head.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                              ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                              ("LINEABOVE", (0, 0), (-1, 0), 0.4, LINE), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    parts = [Spacer(1, 3 * mm), head, p(DOT.join(x for x in (who, role) if x), "who")]
    narrative, comment = entry.get("narrative") or "", entry.get("comment")
    if narrative:
        parts.append(p(narrative))
    if comment and comment not in narrative:
        parts.append(p(f"{t('comment')}{': ' if english else '：'}{comment}", "comment"))
    parts.append(p(entry.get("hash"), "hash"))
    return parts


_GRID = TableStyle([
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LINEBELOW", (0, 0), (-1, -1), 0.25, LINE),
    ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
])


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
            self.setFillColor(MUTED)
            self.drawRightString(PAGE[0] - MARGIN, MARGIN / 2, pattern % (number, len(self._pages)))
            self.drawString(MARGIN, MARGIN / 2, label)
            self.restoreState()
            super().showPage()
        super().save()
