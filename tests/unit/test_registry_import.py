"""Importing the registry from .xlsx and .csv: the template, the layout, errors naming sheet, row and
field in Chinese, and nothing returned when any cell is wrong."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import openpyxl
import pytest

from bench.import_parse import generate, to_csv, to_xlsx
from workflows.registry.importer import build_template, parse
from workflows.registry.importer import read as reader
from workflows.registry.importer.layout import EXAMPLE_ID, SHEETS

ID = "110105198001011238"


def workbook(rows_by_sheet: dict[str, list[list]], *, english: bool = False) -> bytes:
    """An .xlsx with the template's headers and these rows (starting on row 2)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in SHEETS:
        if sheet.name not in rows_by_sheet:
            continue
        ws = book.create_sheet(sheet.en if english else sheet.zh)
        ws.append([c.en if english else c.zh for c in sheet.columns])
        for row in rows_by_sheet[sheet.name]:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def one_person(**sheets) -> dict[str, list[list]]:
    return {"persons": [[ID, "王伟", "男", datetime(1980, 1, 1), "汉族", "", "", None, "2002-07-01"]],
            "posts": [[ID, "某镇", "副镇长", "乡科级副职", datetime(2015, 3, 1), "2019-03-01", "是"],
                      [ID, "某镇", "镇长", "township_chief", "2019-03-01", None, "否", None, "工龄、任职年限"]],
            "appraisals": [[ID, 2025, "优秀"], [ID, 2024.0, "称职"]], **sheets}


def test_a_file_becomes_person_records():
    result = parse(workbook(one_person()), "registry.xlsx")
    assert result.errors == []
    (person,) = result.persons
    assert (person["id_number"], person["birth_date"], person["work_start_date"]) == (ID, "1980-01-01", "2002-07-01")
    assert [(p["level"], p["start"], p["end"], p["grassroots"]) for p in person["posts"]] == [
        ("township_deputy", "2015-03-01", "2019-03-01", True), ("township_chief", "2019-03-01", None, False)]
    assert person["posts"][1]["exceptional"] == ["work_years", "years_in_lower_post"]
    assert person["appraisals"] == [{"year": 2025, "grade": "excellent"}, {"year": 2024, "grade": "competent"}]
    assert person["family"] == [] and person["sanctions"] == []


def test_english_headers_and_sheet_names_are_accepted():
    result = parse(workbook(one_person(), english=True), "registry.xlsx")
    assert result.errors == [] and result.persons[0]["posts"][0]["level"] == "township_deputy"


def test_one_bad_cell_names_sheet_row_and_field_and_returns_nothing():
    rows = one_person()
    rows["posts"][1][4] = "2019-02-30"   # row 3 of 任职经历, column E
    result = parse(workbook(rows), "registry.xlsx")
    assert result.persons == []
    assert result.errors == [{"sheet": "任职经历", "row": 3, "column": "E", "field": "开始日期",
                              "message": "「任职经历」第 3 行「开始日期」：不是有效的日期（格式为 YYYY-MM-DD）"}]
    english = parse(workbook(rows), "registry.xlsx", "en").errors
    assert english[0]["message"] == "sheet posts, row 3, 开始日期: Not a valid date (YYYY-MM-DD)."


@pytest.mark.parametrize(("change", "expected"), [
    (lambda r: r["persons"][0].__setitem__(0, "110105198001011239"),
     ("人员信息", 2, "身份证号", "公民身份号码校验位不正确")),
    (lambda r: r["persons"][0].__setitem__(0, 110105198001011238),
     ("人员信息", 2, "身份证号", "须以文本格式填写")),
    (lambda r: r["posts"][0].__setitem__(3, "正科级"), ("任职经历", 2, "职级", "须为以下之一：乡科级副职、")),
    (lambda r: r["posts"][0].__setitem__(6, "大概"), ("任职经历", 2, "基层工作经历", "须填写“是”或“否”")),
    (lambda r: r["posts"][0].__setitem__(5, "2014-01-01"), ("任职经历", 2, "结束日期", "早于开始日期")),
    (lambda r: r["appraisals"][1].__setitem__(0, ID[:-1] + "X"), ("年度考核", 3, "身份证号", "不在「人员信息」表中")),
    (lambda r: r["appraisals"].append([ID, 2025, "称职"]), ("年度考核", 4, "年度", "2025 重复填写")),
    (lambda r: r["appraisals"].append([ID, "二〇二五", "称职"]), ("年度考核", 4, "年度", "不是有效的整数")),
    (lambda r: r["persons"].append([ID, "王伟", "男", "1980-01-01"]), ("人员信息", 3, "身份证号", "已在第 2 行出现")),
    (lambda r: r["persons"][0].__setitem__(1, None), ("人员信息", 2, "姓名", "此项为必填项")),
])
def test_each_kind_of_bad_cell(change, expected):
    rows = one_person()
    change(rows)
    result = parse(workbook(rows), "registry.xlsx")
    assert result.persons == []
    sheet, row, field, text = expected
    first = result.errors[0]
    assert (first["sheet"], first["row"], first["field"]) == (sheet, row, field)
    assert text in first["message"] and first["message"].startswith(f"「{sheet}」第 {row} 行「{field}」：")


def test_a_row_for_someone_not_on_the_persons_sheet():
    other = "440304199003070018"
    result = parse(workbook(one_person(appraisals=[[other, 2025, "优秀"]])), "registry.xlsx")
    assert [e["message"] for e in result.errors] == [
        f"「年度考核」第 2 行「身份证号」：身份证号 {other} 不在「人员信息」表中"]


def test_sheets_and_columns_must_be_known():
    book = openpyxl.load_workbook(io.BytesIO(workbook(one_person())))
    book["任职经历"]["J1"] = "备注"
    book.create_sheet("花名册").append(["x"])
    book["年度考核"]["B1"] = None          # a required column gone
    out = io.BytesIO()
    book.save(out)
    messages = [e["message"] for e in parse(out.getvalue(), "registry.xlsx").errors]
    assert "「花名册」：无法识别的工作表「花名册」，应为：人员信息, 学历学位, 任职经历, 年度考核, 处分及组织处理, 培训, 家庭成员, 奖励" \
        in messages
    assert "「任职经历」第 1 行「备注」：无法识别的列「备注」" in messages
    assert "「年度考核」第 1 行「年度」：缺少此必填列" in messages
    assert parse(workbook({"posts": []}), "registry.xlsx").errors[0]["message"] == "「人员信息」：缺少「人员信息」工作表"


def test_files_that_are_not_spreadsheets():
    assert parse(b"PK\x03\x04 broken", "x.xlsx").errors[0]["message"] == "无法读取该文件，请确认是 .xlsx 或 .csv 格式"
    assert parse(b"", "x.xls").errors[0]["message"] == "x.xls：只能导入 .xlsx 或 .csv 文件"
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.xml", b"0" * (reader.MAX_UNPACKED + 1))
    assert "文件过大" in parse(bomb.getvalue(), "x.xlsx").errors[0]["message"]


def test_the_template_has_notes_headers_and_an_ignored_example():
    content = build_template()
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["说明", "选项"] + [s.zh for s in SHEETS]
    assert book["选项"].sheet_state == "hidden"
    persons = book["人员信息"]
    assert [c.value for c in persons[1]][:4] == ["身份证号*", "姓名*", "性别*", "出生日期*"]
    assert persons["A2"].value == EXAMPLE_ID and persons.column_dimensions["A"].number_format == "@"
    assert any("忽略" in str(row[0].value) for row in book["说明"].iter_rows())
    assert book["任职经历"].data_validations.dataValidation   # drop-down lists for the choices
    # the example rows alone: nothing to import
    assert [e["message"] for e in parse(content, "template.xlsx").errors] == ["「人员信息」：文件中没有人员信息"]
    # filled in below the example, the template imports
    persons.append([ID, "王伟", "男", "1980-01-01"])
    out = io.BytesIO()
    book.save(out)
    assert [p["name"] for p in parse(out.getvalue(), "template.xlsx").persons] == ["王伟"]
    assert openpyxl.load_workbook(io.BytesIO(build_template("en"))).sheetnames[:3] == ["notes", "lists", "persons"]


def test_csv_sections_gbk_and_a_plain_persons_file():
    rows = generate(3, seed=7)
    from_csv = parse(to_csv(rows), "registry.csv")
    from_xlsx = parse(to_xlsx(rows), "registry.xlsx")
    assert from_csv.errors == [] and from_csv.persons == from_xlsx.persons and len(from_csv.persons) == 3
    gbk = to_csv(rows).decode("utf-8").encode("gb18030")
    assert parse(gbk, "registry.csv").persons == from_csv.persons
    plain = f"身份证号,姓名,性别,出生日期\n{ID},王伟,男,1980-01-01\n".encode()
    assert parse(plain, "people.csv").persons[0]["name"] == "王伟"
    bad = f"身份证号,姓名,性别,出生日期\n\n{ID},王伟,男,1980/01/01\n".encode()
    assert parse(bad, "people.csv").errors[0]["message"] == "「人员信息」第 3 行「出生日期」：不是有效的日期（格式为 YYYY-MM-DD）"


def test_a_generated_file_round_trips_and_errors_are_capped():
    rows = generate(80, seed=3)
    result = parse(to_xlsx(rows), "registry.xlsx")
    assert result.errors == [] and len(result.persons) == 80
    assert sum(len(p["posts"]) for p in result.persons) == len(rows["posts"])
    for row in rows["appraisals"]:   # 240 bad cells
        row[2] = "良好"
    errors = parse(to_xlsx(rows), "registry.xlsx").errors
    assert len(errors) == 201 and errors[-1]["message"] == "另有 40 处错误未列出"
    assert errors[0]["message"].startswith("「年度考核」第 2 行「考核等次」：须为以下之一：优秀、称职、基本称职、不称职")
