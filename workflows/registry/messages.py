"""Messages, field labels and choice labels of the registry and the qualification review.

Merged into `workflows.forms.i18n` (MESSAGES, LABELS, CHOICES), so a registry error code renders
like every other form error. This module imports nothing of the forms (they import it).
"""

from __future__ import annotations

from . import vocab

# code -> (English, Chinese)
MESSAGES: dict[str, tuple[str, str]] = {
    # --- the person record ---------------------------------------------------------------------
    "id_shape": ("An identity-card number has 18 characters: 17 digits and a digit or X.",
                 "公民身份号码应为 18 位：17 位数字加 1 位数字或 X"),
    "id_birth_date": ("Characters 7-14 of the identity-card number are not a date of birth.",
                      "公民身份号码第 7 至 14 位不是有效的出生日期"),
    "id_check_digit": ("The identity-card number's check character is wrong (a typing error?).",
                       "公民身份号码校验位不正确，请核对是否录入有误"),
    "end_before_start": ("The end ({end}) is before the start ({start}).", "结束日期（{end}）早于开始日期（{start}）"),
    "probation_before_start": ("The probation end ({until}) is before the start of the post ({start}).",
                               "试用期满日期（{until}）早于任职日期（{start}）"),
    "year_range": ("A year from {min} to {max}.", "年份应在 {min} 至 {max} 之间"),
    "not_a_rule": ("{name} is not a rule of the qualification review.", "{name} 不是资格审查的规则"),
    "unknown_unit": ("There is no unit {id} in the registry.", "干部信息库中没有编号为 {id} 的单位"),
    "no_vacancy": ("{unit} has {approved} approved posts at the level {level_en} and {filled} are filled: no vacancy "
                   "for {posts} more.",
                   "{unit}{level}核定职数 {approved} 名，现有 {filled} 名，已无空缺（本次拟任 {posts} 名）"),
    "quota_below_filled": ("Posts filled at the level {level_en} in {unit}: {filled}; the approved number cannot be "
                           "{approved}, fewer than that.",
                           "{unit}{level}现有 {filled} 名，核定职数不能少于现有人数（填写为 {approved} 名）"),
    "id_taken": ("This identity-card number is already recorded (person {id}).", "该公民身份号码已登记（人员编号 {id}）"),
    # --- qualification review: attestation ---------------------------------------------------
    "not_reviewed": ("{name} is not among the reviewed nominees.", "{name} 不在资格审查的人选中"),
    "not_missing": ("{rule} of {name} is not missing ({verdict}): only a missing verdict is attested.",
                    "{name} 的“{rule_zh}”结论为“{verdict_zh}”，不是“缺少信息”，无需核实说明"),
    "attested_twice": ("{rule} of {name} is attested more than once.", "{name} 的“{rule_zh}”重复核实"),
    # --- 破格提拔 (Regs art. 9) -------------------------------------------------------------------
    "exceptional_not_waivable": (
        "{rule} may not be waived by an exceptional promotion (Regs art. 9: not for this condition).",
        "“{rule_zh}”不得破格（《条例》第九条：不得突破此项条件）"),
    "exceptional_not_failed": ("{name} does not fail {rule} ({verdict}): there is nothing to waive.",
                               "{name} 的“{rule_zh}”结论为“{verdict_zh}”，并非不符合，无需破格"),
    "exceptional_on_probation": (
        "{name} is on probation until {until}: no exceptional promotion during probation (Regs art. 9).",
        "{name} 试用期至 {until}，任职试用期未满的不得破格提拔（《条例》第九条）"),
    "exceptional_recent_promotion": (
        "{name} was promoted on {promoted}, less than a year before {start}: no exceptional promotion "
        "(Regs art. 9).",
        "{name} 于 {promoted} 提拔任职，至 {start} 不满一年，不得破格提拔（《条例》第九条）"),
    "exceptional_consecutive": (
        "{rule} was already waived at {name}'s last promotion ({promoted}): no consecutive exceptional "
        "promotion on the same condition (Regs art. 9).",
        "{name} 上次提拔（{promoted}）已在“{rule_zh}”上破格，不得连续破格（《条例》第九条）"),
    "exceptional_skips_two_levels": (
        "From {current} to {target} skips two levels: not allowed (Regs art. 9).",
        "由{current_zh}提任{target_zh}属越两级提拔，不得破格（《条例》第九条）"),
    # --- spreadsheet import ------------------------------------------------------------------------
    "import_file_type": ("{name}: only .xlsx and .csv files can be imported.", "{name}：只能导入 .xlsx 或 .csv 文件"),
    "import_bad_file": ("The file cannot be read as a spreadsheet.", "无法读取该文件，请确认是 .xlsx 或 .csv 格式"),
    "import_too_large": ("The file is too large (at most {rows} rows).", "文件过大（最多 {rows} 行）"),
    "import_no_persons_sheet": ("The sheet of persons is missing.", "缺少「人员信息」工作表"),
    "import_duplicate_sheet": ("This sheet appears twice.", "该工作表重复"),
    "import_unknown_sheet": ("Unknown sheet {name}; the sheets are: {known}.",
                             "无法识别的工作表「{name}」，应为：{known}"),
    "import_unknown_column": ("Unknown column {name}.", "无法识别的列「{name}」"),
    "import_duplicate_column": ("This column appears twice.", "该列重复"),
    "import_missing_column": ("This required column is missing.", "缺少此必填列"),
    "import_empty": ("The file holds no person.", "文件中没有人员信息"),
    "import_id_as_number": ("Identity-card numbers must be entered as text (a number loses its last digits).",
                            "身份证号须以文本格式填写（数字格式会丢失末几位）"),
    "import_bool": ("Write 是 (yes) or 否 (no).", "须填写“是”或“否”"),
    "import_choice": ("Must be one of: {choices}.", "须为以下之一：{choices}"),
    "import_duplicate_person": ("Identity-card number {id} is already on row {first}.",
                                "身份证号 {id} 已在第 {first} 行出现"),
    "import_unknown_person": ("Identity-card number {id} is not on the sheet of persons.",
                              "身份证号 {id} 不在「{persons}」表中"),
    "import_more_errors": ("{count} more errors are not listed.", "另有 {count} 处错误未列出"),
}

LABELS: dict[str, tuple[str, str]] = {
    "ethnicity": ("民族", "Ethnicity"),
    "native_place": ("籍贯", "Native place"),
    "birthplace": ("出生地", "Birthplace"),
    "party_join_date": ("入党时间", "Party entry date"),
    "work_start_date": ("参加工作时间", "Work start date"),
    "health": ("健康状况", "Health"),
    "professional_title": ("专业技术职务", "Professional title"),
    "id_number": ("公民身份号码", "Identity-card number"),
    "education": ("学历学位", "Education"),
    "kind": ("类别", "Kind"),
    "level": ("级别", "Level"),
    "school": ("毕业院校", "School"),
    "major": ("专业", "Major"),
    "posts": ("任职经历", "Posts"),
    "title": ("职务", "Title"),
    "start": ("开始日期", "Start"),
    "end": ("结束日期", "End"),
    "grassroots": ("基层工作经历", "Grassroots post"),
    "probation_until": ("试用期满日期", "Probation until"),
    "exceptional": ("破格事项", "Waived rules"),
    "appraisals": ("年度考核", "Annual appraisals"),
    "year": ("年度", "Year"),
    "grade": ("考核等次", "Grade"),
    "sanctions": ("处分及组织处理", "Sanctions"),
    "decided_on": ("决定日期", "Decided on"),
    "training": ("培训", "Training"),
    "institution": ("培训机构", "Institution"),
    "hours": ("学时", "Hours"),
    "family": ("家庭主要成员及重要社会关系", "Family and social relations"),
    "political_status": ("政治面貌", "Political status"),
    "employer_post": ("工作单位及职务", "Employer and post"),
    "abroad": ("移居国（境）外", "Emigrated"),
    "person_id": ("人员编号", "Person id"),
    "rewards": ("奖励", "Rewards"),
    "authority": ("批准机关", "Authority"),
    "ground": ("破格情形", "Ground"),
    "rules": ("破格事项", "Waived rules"),
    "attested": ("核实说明", "Attestations"),
    "rule": ("审查项目", "Rule"),
    "note": ("档案核实情况", "What the paper file shows"),
}

VERDICTS: vocab.Vocabulary = (
    ("pass", "符合", "pass"),
    ("fail", "不符合", "fail"),
    ("warning", "需注意", "warning"),
    ("missing", "缺少信息", "missing"),
)

CHOICES: dict[str, tuple[str, str]] = {
    key: (zh, en)
    for vocabulary in (vocab.LEVELS, vocab.EDUCATION_KINDS, vocab.EDUCATION_LEVELS, vocab.APPRAISAL_GRADES,
                       vocab.SANCTION_KINDS, vocab.RELATIONS, vocab.EXCEPTIONAL_GROUNDS)
    for key, zh, en in vocabulary
}
