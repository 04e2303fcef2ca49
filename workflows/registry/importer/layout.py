"""The column layout of a registry spreadsheet (docs/registry-import.md describes it for clerks).

One sheet of rows per person (人员信息), plus one sheet per list of the record (任职经历, 年度考核,
...), each row keyed by the person's identity-card number (身份证号). Headers are Chinese (English
accepted too); choices are written as their Chinese labels (keys and English labels accepted);
dates are Excel dates or ISO text; yes/no columns take 是/否.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import vocab
from ..qualification import RULES

KEY = "id_number"
EXAMPLE_ID = "11010519491231002X"  # the example of GB 11643 itself; rows with it are the template's example


@dataclass(frozen=True)
class Column:
    field: str  # the record's field
    zh: str
    en: str
    kind: str = "text"  # text | date | int | bool | id | choice | rules
    choices: vocab.Vocabulary = ()
    required: bool = False
    example: object = None


@dataclass(frozen=True)
class Sheet:
    name: str  # the list of the record it fills; "persons" for the person rows
    zh: str
    en: str
    columns: tuple[Column, ...]


def _id(example: object = EXAMPLE_ID) -> Column:
    return Column(KEY, "身份证号", "id number", "id", required=True, example=example)


def _choice(field: str, zh: str, en: str, choices: vocab.Vocabulary, example: str, required: bool = True) -> Column:
    return Column(field, zh, en, "choice", choices, required, example)


RULE_CHOICES: vocab.Vocabulary = tuple((rule, spec[3], spec[4]) for rule, spec in RULES.items())

SHEETS: tuple[Sheet, ...] = (
    Sheet("persons", "人员信息", "persons", (
        _id(),
        Column("name", "姓名", "name", required=True, example="张三"),
        Column("gender", "性别", "gender", required=True, example="男"),
        Column("birth_date", "出生日期", "birth date", "date", required=True, example="1985-06-15"),
        Column("ethnicity", "民族", "ethnicity", example="汉族"),
        Column("native_place", "籍贯", "native place", example="河北保定"),
        Column("birthplace", "出生地", "birthplace", example="北京"),
        Column("party_join_date", "入党时间", "party entry date", "date", example="2008-07-01"),
        Column("work_start_date", "参加工作时间", "work start date", "date", example="2007-07-01"),
        Column("health", "健康状况", "health", example="健康"),
        Column("professional_title", "专业技术职务", "professional title", example="经济师"),
    )),
    Sheet("education", "学历学位", "education", (
        _id(),
        _choice("kind", "教育类别", "kind", vocab.EDUCATION_KINDS, "全日制教育"),
        _choice("level", "学历", "level", vocab.EDUCATION_LEVELS, "大学本科"),
        Column("school", "毕业院校", "school", example="北京大学"),
        Column("major", "专业", "major", example="经济学"),
    )),
    Sheet("posts", "任职经历", "posts", (
        _id(),
        Column("unit", "单位", "unit", required=True, example="某镇"),
        Column("title", "职务", "title", required=True, example="副镇长"),
        _choice("level", "职级", "level", vocab.LEVELS, "乡科级副职", required=False),
        Column("start", "开始日期", "start", "date", required=True, example="2015-03-01"),
        Column("end", "结束日期", "end", "date", example="2019-03-01"),
        Column("grassroots", "基层工作经历", "grassroots", "bool", example="是"),
        Column("probation_until", "试用期满日期", "probation until", "date"),
        Column("exceptional", "破格事项", "waived rules", "rules", RULE_CHOICES),
    )),
    Sheet("appraisals", "年度考核", "appraisals", (
        _id(),
        Column("year", "年度", "year", "int", required=True, example=2025),
        _choice("grade", "考核等次", "grade", vocab.APPRAISAL_GRADES, "称职"),
    )),
    Sheet("sanctions", "处分及组织处理", "sanctions", (
        _id(),
        _choice("kind", "类别", "kind", vocab.SANCTION_KINDS, "诫勉"),
        Column("decided_on", "决定日期", "decided on", "date", required=True, example="2019-05-10"),
    )),
    Sheet("training", "培训", "training", (
        _id(),
        Column("name", "培训名称", "name", required=True, example="中青年干部培训班"),
        Column("institution", "培训机构", "institution", example="区委党校"),
        Column("start", "开始日期", "start", "date", example="2024-03-01"),
        Column("end", "结业日期", "end", "date", required=True, example="2024-06-30"),
        Column("hours", "学时", "hours", "int", example=200),
    )),
    Sheet("family", "家庭成员", "family", (
        _id(),
        _choice("relation", "称谓", "relation", vocab.RELATIONS, "配偶"),
        Column("name", "姓名", "name", required=True, example="李娜"),
        Column("birth_date", "出生日期", "birth date", "date", example="1986-03-03"),
        Column("political_status", "政治面貌", "political status", example="群众"),
        Column("employer_post", "工作单位及职务", "employer and post", example="区一中教师"),
        Column("abroad", "移居国（境）外", "emigrated", "bool", example="否"),
    )),
    Sheet("rewards", "奖励", "rewards", (
        _id(),
        Column("title", "奖励名称", "title", required=True, example="优秀共产党员"),
        Column("decided_on", "决定日期", "decided on", "date", example="2021-07-01"),
        Column("authority", "批准机关", "authority", example="区委"),
    )),
)
NOTES_SHEET = ("说明", "notes")
LISTS_SHEET = ("选项", "lists")  # the template's hidden sheet of choices for the drop-down lists


def normalized(header: str) -> str:
    """A header as compared: no spaces or required-marks, half-width parentheses, lower case."""
    text = str(header).replace("（", "(").replace("）", ")")
    return "".join(ch for ch in text if not ch.isspace() and ch != "*").lower()


def find_sheet(name: str) -> Sheet | None:
    wanted = normalized(name)
    return next((s for s in SHEETS if wanted in (normalized(s.zh), normalized(s.en))), None)


def find_column(sheet: Sheet, header: str) -> Column | None:
    wanted = normalized(header)
    return next((c for c in sheet.columns if wanted in (normalized(c.zh), normalized(c.en), c.field)), None)


def is_ignored_sheet(name: str) -> bool:
    return normalized(name) in {normalized(n) for n in (*NOTES_SHEET, *LISTS_SHEET)}
