"""The responsibility record (纪实) as CSV for a spreadsheet: one row per event, one readable column
per field (Beijing time, role label, step, the record in words), the raw data as the last columns.

No cell may start a formula: a spreadsheet would run `=HYPERLINK(...)` typed as a comment. Cells
starting with = + - @ or a tab / line break get a leading apostrophe (OWASP, CSV injection).
"""

from __future__ import annotations

import csv
import io
import json

from workflows.labels import ROLE_LABELS, pick

from ..timefmt import beijing

COLUMNS = [  # (zh, en) header, value of an entry
    (("序号", "Seq"), lambda e, en: e["seq"]),
    (("时间（北京时间）", "Time (Beijing)"), lambda e, en: beijing(e.get("at"), seconds=True)),
    (("办理人", "Person"), lambda e, en: e.get("display_name")),
    (("用户名", "Username"), lambda e, en: e.get("user")),
    (("角色", "Role"), lambda e, en: pick(ROLE_LABELS.get(e.get("role")), en, e.get("role") or "")),
    (("动作", "Action"), lambda e, en: e.get("action_label") or e.get("action")),
    (("环节", "Step"), lambda e, en: e.get("step")),
    (("环节标识", "Element id"), lambda e, en: e.get("element_id")),
    (("记录内容", "Record"), lambda e, en: e.get("narrative")),
    (("意见", "Comment"), lambda e, en: e.get("comment")),
    (("事件哈希", "Event hash"), lambda e, en: e.get("hash")),
    (("录入数据（JSON）", "Entered (JSON)"), lambda e, en: _json(e.get("entered"))),
    (("系统判定（JSON）", "Decided (JSON)"), lambda e, en: _json(e.get("decided"))),
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def record_csv(record: dict, lang: str = "zh-CN") -> str:
    english = lang.startswith("en")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header[1 if english else 0] for header, _ in COLUMNS])
    for entry in record["entries"]:
        writer.writerow([safe(get(entry, english)) for _, get in COLUMNS])
    return out.getvalue()


def safe(value) -> str | int:
    """A cell a spreadsheet shows as text, never runs."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _json(value) -> str:
    return "" if value in (None, {}, []) else json.dumps(value, ensure_ascii=False, sort_keys=True)
