"""Reading a spreadsheet into named tables of rows, each row with the number the clerk sees.

.xlsx through openpyxl (read-only, values not formulas); .csv as sections, each begun by a line
holding only `[sheet name]` (a file without any such line is the persons sheet alone), in UTF-8
(with or without BOM) or GB18030, which is what Excel on Chinese Windows writes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

MAX_UNPACKED = 256 * 1024 * 1024  # bytes of XML an .xlsx may unpack to (a zip bomb stops here)
MAX_ROWS = 500_000  # rows of all sheets together


class Unreadable(Exception):
    """The file cannot be read as a spreadsheet; `code` and `params` say why (messages.py)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass
class Table:
    name: str
    rows: list[tuple[int, tuple]] = field(default_factory=list)  # (row number as shown, cell values)


def read(content: bytes, filename: str) -> list[Table]:
    if filename.lower().endswith(".csv"):
        return read_csv(content)
    if filename.lower().endswith(".xlsx"):
        return read_xlsx(content)
    raise Unreadable("import_file_type", name=filename)


def read_xlsx(content: bytes) -> list[Table]:
    import openpyxl  # imported here: only an import needs it

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise Unreadable("import_too_large", rows=MAX_ROWS)
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Unreadable:
        raise
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise Unreadable("import_bad_file") from None
    tables, total = [], 0
    try:
        for sheet in book.worksheets:
            table = Table(sheet.title)
            sheet.reset_dimensions()  # read to the end, whatever <dimension> says (or without one)
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if any(v is not None and v != "" for v in values):
                    table.rows.append((number, values))
                    total += 1
                    if total > MAX_ROWS:
                        raise Unreadable("import_too_large", rows=MAX_ROWS)
            tables.append(table)
    finally:
        book.close()
    return tables


def read_csv(content: bytes) -> list[Table]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise Unreadable("import_bad_file")
    reader = csv.reader(io.StringIO(text, newline=""))
    tables: list[Table] = []
    current: Table | None = None
    try:
        for values in reader:
            cells = [v.strip() for v in values]
            if not any(cells):
                continue
            if cells[0].startswith("[") and cells[0].endswith("]") and not any(cells[1:]):
                current = Table(cells[0][1:-1].strip())
                tables.append(current)
                continue
            if current is None:
                current = Table("人员信息")
                tables.append(current)
            current.rows.append((reader.line_num, tuple(cells)))
            if reader.line_num > MAX_ROWS:
                raise Unreadable("import_too_large", rows=MAX_ROWS)
    except csv.Error:
        raise Unreadable("import_bad_file") from None
    return tables
