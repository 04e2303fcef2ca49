"""Parsing a registry spreadsheet into person records: all of them, or only errors.

`parse(content, filename, locale)` returns `ImportResult(persons, errors)`: the validated person
records (PersonSchema's output, one per row of 人员信息, their lists gathered from the other
sheets), or, when any cell is wrong, no person and every error as
`{sheet, row, column, field, message}` — the sheet and row number as Excel shows them, the column
letter, the column's header and a message in the clerk's language (Chinese by default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl.utils import get_column_letter

from ...forms.i18n import is_english, render
from .. import vocab
from ..person import person_errors
from .layout import EXAMPLE_ID, KEY, SHEETS, Column, Sheet, find_column, find_sheet, is_ignored_sheet
from .read import Table, Unreadable, read

MAX_ERRORS = 200
_TRUE, _FALSE = {"是", "y", "yes", "true", "1", "有"}, {"否", "n", "no", "false", "0", "无"}
_SPLIT = re.compile(r"[,，、;；\s]+")
_BAD = object()  # an id-number cell that was refused: its row is left out, the error is reported


@dataclass
class ImportResult:
    persons: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


class _Problems:
    """Errors in the file, each rendered once in the clerk's language."""

    def __init__(self, locale: str | None):
        self.locale, self.items, self.dropped = locale, [], 0
        self.cells: set[tuple] = set()  # (sheet, row, column) already reported: one error per cell

    def add(self, sheet: Sheet | str | None, row: int | None, column: int | None, header: str | None, code: str,
            **params) -> None:
        if column is not None:
            if (id(sheet), row, column) in self.cells:
                return
            self.cells.add((id(sheet), row, column))
        if len(self.items) >= MAX_ERRORS:
            self.dropped += 1
            return
        english = is_english(self.locale)
        name = sheet if isinstance(sheet, str) or sheet is None else (sheet.en if english else sheet.zh)
        text = render(code, params, self.locale)
        where = []
        if name:
            where.append(f"sheet {name}" if english else f"「{name}」")
        if row:
            where.append(f"row {row}" if english else f"第 {row} 行")
        if header:
            where.append(header if english else f"「{header}」")
        prefix = (", ".join(where) + ": ") if english else ("".join(where) + "：")
        self.items.append({"sheet": name, "row": row, "column": get_column_letter(column) if column else None,
                           "field": header, "message": (prefix if where else "") + text})

    def result(self) -> list[dict]:
        order = {s.zh: i for i, s in enumerate(SHEETS)} | {s.en: i for i, s in enumerate(SHEETS)}
        self.items.sort(key=lambda e: (order.get(e["sheet"], -1), e["row"] or 0))
        if self.dropped:
            message = render("import_more_errors", {"count": self.dropped}, self.locale)
            return [*self.items, {"sheet": None, "row": None, "column": None, "field": None, "message": message}]
        return self.items


def parse(content: bytes, filename: str, locale: str | None = "zh-CN") -> ImportResult:
    problems = _Problems(locale)
    try:
        tables = read(content, filename)
    except Unreadable as exc:
        problems.add(None, None, None, None, exc.code, **exc.params)
        return ImportResult(errors=problems.result())
    persons, sources = _assemble(tables, problems, locale)
    if not persons and not problems.items:
        problems.add(SHEETS[0], None, None, None, "import_empty")
    cleaned = []
    for key, record in persons.items():
        ok, errors = person_errors(record)
        for problem in errors.items:
            sheet, row, column = _locate(problem.path, sources[key])
            problems.add(sheet, row, column[0], column[1], problem.code, **problem.params)
        cleaned.append(ok)
    errors = problems.result()
    return ImportResult(errors=errors) if errors else ImportResult(persons=cleaned)


def _assemble(tables: list[Table], problems: _Problems, locale) -> tuple[dict[str, dict], dict[str, dict]]:
    """Person payloads by id number, and where each part came from:
    sources[id] = {"persons": (sheet, row, headers), "posts": [(sheet, row, headers), ...], ...}."""
    english = is_english(locale)
    by_sheet: dict[str, tuple[Sheet, Table]] = {}
    for table in tables:
        sheet = find_sheet(table.name)
        if sheet is None:
            if not is_ignored_sheet(table.name) and table.rows:
                known = ", ".join(s.en if english else s.zh for s in SHEETS)
                problems.add(table.name, None, None, None, "import_unknown_sheet", name=table.name, known=known)
        elif sheet.name in by_sheet:
            problems.add(sheet, None, None, None, "import_duplicate_sheet")
        else:
            by_sheet[sheet.name] = (sheet, table)
    if "persons" not in by_sheet:
        problems.add(SHEETS[0], None, None, None, "import_no_persons_sheet")
        return {}, {}
    persons: dict[str, dict] = {}
    sources: dict[str, dict] = {}
    for sheet in SHEETS:  # persons first: the other sheets refer to them
        if sheet.name not in by_sheet:
            continue
        table = by_sheet[sheet.name][1]
        columns = _header(sheet, table, problems, english)
        if columns is None:
            continue
        headers = {c.field: (index + 1, header) for index, (c, header) in columns.items()}
        for row, values in table.rows[1:]:
            record = _row(sheet, row, values, columns, problems)
            key = record.pop(KEY, None)
            if key is None:
                problems.add(sheet, row, *headers[KEY], "required")
            if key in (None, _BAD, EXAMPLE_ID):
                continue
            if sheet.name == "persons":
                if key in persons:
                    problems.add(sheet, row, *headers[KEY], "import_duplicate_person", id=key,
                                 first=sources[key]["persons"][1])
                    continue
                persons[key] = {**record, KEY: key}
                sources[key] = {"persons": (sheet, row, headers)}
            elif key not in persons:
                problems.add(sheet, row, *headers[KEY], "import_unknown_person", id=key, persons=SHEETS[0].zh)
            else:
                persons[key].setdefault(sheet.name, []).append(record)
                sources[key].setdefault(sheet.name, []).append((sheet, row, headers))
    return persons, sources


def _header(sheet: Sheet, table: Table, problems: _Problems, english: bool) -> dict[int, tuple] | None:
    """The first row's columns: {index: (Column, header as written)}; None when unusable."""
    if not table.rows:
        return None
    row, values = table.rows[0]
    columns: dict[int, tuple[Column, str]] = {}
    seen: dict[str, int] = {}
    ok = True
    for index, value in enumerate(values):
        if value is None or str(value).strip() == "":
            continue
        column = find_column(sheet, str(value))
        if column is None:
            problems.add(sheet, row, index + 1, str(value), "import_unknown_column", name=str(value).strip())
            ok = False
        elif column.field in seen:
            problems.add(sheet, row, index + 1, str(value), "import_duplicate_column")
            ok = False
        else:
            seen[column.field] = index
            columns[index] = (column, str(value).strip().rstrip("*").strip())
    for column in sheet.columns:
        if column.required and column.field not in seen:
            problems.add(sheet, row, None, column.en if english else column.zh, "import_missing_column")
            ok = False
    return columns if ok else None


def _row(sheet: Sheet, row: int, values: tuple, columns: dict, problems: _Problems) -> dict:
    record: dict = {}
    for index, (column, header) in columns.items():
        raw = values[index] if index < len(values) else None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            record[column.field] = _cell(column, raw)
        except _BadCell as bad:
            problems.add(sheet, row, index + 1, header, bad.code, **bad.params)
            if column.field == KEY:
                record[KEY] = _BAD
    return record


class _BadCell(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def _cell(column: Column, raw):
    """A cell as the JSON value PersonSchema reads; what the schema checks better is passed on."""
    kind = column.kind
    if kind == "id":
        if not isinstance(raw, str):
            raise _BadCell("import_id_as_number")
        return raw.strip().upper()
    if kind == "date":
        if isinstance(raw, datetime | date):
            return (raw.date() if isinstance(raw, datetime) else raw).isoformat()
        return str(raw).strip()
    if kind == "int":
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if isinstance(raw, str) and raw.strip().isdigit():
            return int(raw.strip())
        return raw if isinstance(raw, int) else str(raw)
    if kind == "bool":
        text = str(raw).strip().lower() if not isinstance(raw, bool) else str(raw).lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise _BadCell("import_bool")
    if kind == "choice":
        key = vocab.from_label(column.choices, str(raw))
        if key is None:
            raise _BadCell("import_choice", choices=[zh for _k, zh, _en in column.choices])
        return key
    if kind == "rules":
        keys = [vocab.from_label(column.choices, part) for part in _SPLIT.split(str(raw).strip()) if part]
        if None in keys:
            raise _BadCell("import_choice", choices=[zh for _k, zh, _en in column.choices])
        return keys
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    return str(raw).strip()


def _locate(path: str, source: dict) -> tuple:
    """(sheet, row, (column number, header)) of an error path such as `posts.2.start`."""
    parts = path.split(".")
    if parts[0] in source and parts[0] != "persons" and len(parts) > 1 and parts[1].isdigit():
        sheet, row, headers = source[parts[0]][int(parts[1])]
        name = parts[2] if len(parts) > 2 else None
    else:
        sheet, row, headers = source["persons"]
        name = parts[0]
    return sheet, row, headers.get(name, (None, _label(sheet, name)))


def _label(sheet: Sheet, name: str | None) -> str | None:
    column = next((c for c in sheet.columns if c.field == name), None)
    return column.zh if column else None
