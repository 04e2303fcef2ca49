"""The downloadable import template: a notes sheet, one sheet per part of the record with its
headers and an example row (the parser ignores rows with the example's id number), text format for
id numbers, date format for dates, and drop-down lists for the choices."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ...forms.i18n import is_english
from .layout import EXAMPLE_ID, LISTS_SHEET, NOTES_SHEET, SHEETS, Column

_KIND_NOTES = {
    "text": ("文本", "text"),
    "date": ("日期（Excel 日期，或 2024-03-01 形式的文本）", "date (an Excel date, or text such as 2024-03-01)"),
    "int": ("整数", "whole number"),
    "bool": ("是 / 否", "是 (yes) / 否 (no)"),
    "id": ("18 位身份证号，须为文本格式", "18-character id number, as text"),
    "choice": ("从下拉列表中选择：", "choose from the list: "),
    "rules": ("规则名称，多个用顿号分隔：", "rule names, separated by commas: "),
}
_GENERAL = (
    ("每个工作表第一行为列名，从第二行起每行一条记录；第二行是示例，导入时忽略（示例身份证号 {example}）。",
     "Row 1 of each sheet holds the headers; each further row is one entry. Row 2 is an example, ignored "
     "on import (example id number {example})."),
    ("「人员信息」表每行一人；其他各表每行一条经历、考核、处分、培训、家庭成员或奖励，用身份证号对应到人员。",
     "The persons sheet has one row per person; every other sheet one post, appraisal, sanction, training, "
     "family member or reward per row, tied to the person by the id number."),
    ("带 * 的列为必填。任一单元格有误时整个文件都不导入，错误清单列出工作表、行号和列名。",
     "Columns marked * are required. When any cell is wrong nothing is imported; the list of errors names "
     "the sheet, row and column."),
    ("任职经历的结束日期为离任之日（通常即下一职务的开始日期），现任职务不填。",
     "A post's end is the day the person left it (usually the start of the next post); leave it empty while held."),
)


def build_template(locale: str | None = "zh-CN") -> bytes:
    english = is_english(locale)
    book = Workbook()
    notes = book.active
    notes.title = NOTES_SHEET[1 if english else 0]
    lists = book.create_sheet(LISTS_SHEET[1 if english else 0])
    lists.sheet_state = "hidden"
    for line in _GENERAL:
        notes.append([line[1 if english else 0].format(example=EXAMPLE_ID)])
    notes.append([])
    list_column = 0
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.en if english else sheet.zh)
        notes.append([sheet.en if english else sheet.zh])
        notes["A" + str(notes.max_row)].font = Font(bold=True)
        for index, column in enumerate(sheet.columns, start=1):
            header = (column.en if english else column.zh) + ("*" if column.required else "")
            ws.cell(1, index, header).font = Font(bold=True)
            ws.cell(1, index).fill = PatternFill("solid", fgColor="DDEBF7")
            example = ws.cell(2, index, _example(column, english))
            example.font = Font(italic=True, color="808080")
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = max(12, 2 * len(header) + 4)
            if column.kind in ("id", "text", "date"):  # text keeps an id number's digits
                ws.column_dimensions[letter].number_format = "yyyy-mm-dd" if column.kind == "date" else "@"
                example.number_format = ws.column_dimensions[letter].number_format
            if column.kind in ("choice", "bool"):
                list_column += 1
                options = ["是", "否"] if column.kind == "bool" else [c[2 if english else 1] for c in column.choices]
                for row, option in enumerate(options, start=1):
                    lists.cell(row, list_column, option)
                col = get_column_letter(list_column)
                check = DataValidation(type="list", formula1=f"'{lists.title}'!${col}$1:${col}${len(options)}",
                                       allow_blank=not column.required)
                ws.add_data_validation(check)
                check.add(f"{letter}2:{letter}100000")
            notes.append(["", header, _describe(column, english)])
        ws.freeze_panes = "A2"
        notes.append([])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 18
    notes.column_dimensions["C"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _example(column: Column, english: bool):
    if column.kind == "choice" and english:
        return next(en for _key, zh, en in column.choices if zh == column.example)
    return column.example


def _describe(column: Column, english: bool) -> str:
    text = _KIND_NOTES[column.kind][1 if english else 0]
    if column.kind in ("choice", "rules"):
        text += (", " if english else "、").join(c[2 if english else 1] for c in column.choices)
    return text
