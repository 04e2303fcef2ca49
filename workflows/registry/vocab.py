"""The registry's vocabularies: each a tuple of (key, Chinese label, English label), in order.

Keys are what records, parameters and rules use; labels are what a clerk reads and may also type
in an imported spreadsheet (`from_label`). Orders matter where they are ranked: leadership levels
lowest first, education levels lowest first.
"""

from __future__ import annotations

Vocabulary = tuple[tuple[str, str, str], ...]

# Leadership levels (职级), lowest first (domain.md "Who the cadres are").
LEVELS: Vocabulary = (
    ("township_deputy", "乡科级副职", "township/section deputy"),
    ("township_chief", "乡科级正职", "township/section chief"),
    ("county_deputy", "县处级副职", "county/division deputy"),
    ("county_chief", "县处级正职", "county/division chief"),
    ("bureau_deputy", "厅局级副职", "bureau/department deputy"),
    ("bureau_chief", "厅局级正职", "bureau/department chief"),
)
# The tier (乡科级, 县处级, 厅局级) of each level: "the level below" of Regs art. 8 (2) is a tier.
TIERS = {"township": ("乡科级", "township"), "county": ("县处级", "county"), "bureau": ("厅局级", "bureau")}

EDUCATION_KINDS: Vocabulary = (
    ("full_time", "全日制教育", "full-time"),
    ("in_service", "在职教育", "in-service"),
)
# Education levels, lowest first.
EDUCATION_LEVELS: Vocabulary = (
    ("secondary", "中专及以下", "secondary or below"),
    ("college", "大专", "college (dazhuan)"),
    ("bachelor", "大学本科", "bachelor"),
    ("master", "硕士研究生", "master"),
    ("doctor", "博士研究生", "doctorate"),
)

APPRAISAL_GRADES: Vocabulary = (
    ("excellent", "优秀", "excellent"),
    ("competent", "称职", "competent"),
    ("basically_competent", "基本称职", "basically competent"),
    ("incompetent", "不称职", "incompetent"),
)
# Grades that bar inspection (Regs art. 24 (3): 基本称职以下等次).
FAILING_GRADES = frozenset({"basically_competent", "incompetent"})

# Sanctions and organizational handling (诫勉, 党纪处分, 政务处分) of domain.md's sanction_period.
SANCTION_KINDS: Vocabulary = (
    ("admonishment", "诫勉", "admonishment"),
    ("party_warning", "党内警告", "Party warning"),
    ("party_serious_warning", "党内严重警告", "Party serious warning"),
    ("party_post_removal", "撤销党内职务", "removal from Party posts"),
    ("gov_warning", "警告（政务处分）", "warning (administrative)"),
    ("gov_demerit", "记过", "demerit"),
    ("gov_major_demerit", "记大过", "major demerit"),
    ("gov_demotion", "降级", "demotion"),
    ("gov_dismissal", "撤职", "dismissal from post"),
)

# Family members and important social relations, as the 干部任免审批表 names them; each with its
# recusal class (Civil Servants Law art. 74: spouse, lineal, collateral within three generations,
# close in-law) or None for other social relations, which need no recusal.
RELATIONS: Vocabulary = (
    ("spouse", "配偶", "spouse"),
    ("father", "父亲", "father"),
    ("mother", "母亲", "mother"),
    ("son", "儿子", "son"),
    ("daughter", "女儿", "daughter"),
    ("grandparent", "祖父母/外祖父母", "grandparent"),
    ("grandchild", "孙子女/外孙子女", "grandchild"),
    ("sibling", "兄弟姐妹", "sibling"),
    ("uncle_aunt", "伯叔姑舅姨", "uncle or aunt"),
    ("cousin", "堂表兄弟姐妹", "cousin"),
    ("nephew_niece", "侄子女/甥子女", "nephew or niece"),
    ("parent_in_law", "配偶的父母", "parent-in-law"),
    ("sibling_in_law", "配偶的兄弟姐妹及其配偶/兄弟姐妹的配偶", "sibling-in-law"),
    ("child_in_law", "子女的配偶", "son- or daughter-in-law"),
    ("other", "其他社会关系", "other social relation"),
)
RECUSAL_CLASS = {
    "spouse": "spouse",
    "father": "lineal", "mother": "lineal", "son": "lineal", "daughter": "lineal",
    "grandparent": "lineal", "grandchild": "lineal",
    "sibling": "collateral", "uncle_aunt": "collateral", "cousin": "collateral", "nephew_niece": "collateral",
    "parent_in_law": "in_law", "sibling_in_law": "in_law", "child_in_law": "in_law",
    "other": None,
}
CHILDREN = frozenset({"son", "daughter"})

# The situations of Regs art. 9 that allow 破格提拔: three for especially outstanding cadres and
# three for special needs of the work.
EXCEPTIONAL_GROUNDS: Vocabulary = (
    ("critical_tasks", "在关键时刻或者承担急难险重任务中经受住考验、表现突出、作出重大贡献",
     "proved themselves at a critical moment or in urgent, difficult, dangerous or heavy tasks"),
    ("hard_conditions", "在条件艰苦、环境复杂、基础差的地区或者单位工作实绩突出",
     "outstanding results in a place or unit of hard conditions, complex environment or weak base"),
    ("outstanding_record", "在其他岗位上尽职尽责，工作实绩特别显著",
     "especially remarkable results in another post"),
    ("team_structure", "领导班子结构需要或者领导职位有特殊要求",
     "the structure of the leadership team or special requirements of the post"),
    ("specialist_need", "专业性较强的岗位或者重要专项工作急需",
     "a specialist post or an important special task in urgent need"),
    ("remote_area", "艰苦边远地区、贫困地区急需引进",
     "urgently needed in a remote, hardship or poor area"),
)


def keys(vocabulary: Vocabulary) -> tuple[str, ...]:
    return tuple(key for key, _zh, _en in vocabulary)


def label(vocabulary: Vocabulary, key: str | None, locale: str | None = "zh-CN") -> str:
    """The label of `key` in `locale` ("en…" English, else Chinese); the key itself if unknown."""
    english = (locale or "zh-CN").lower().startswith("en")
    for known, zh, en in vocabulary:
        if known == key:
            return en if english else zh
    return "" if key is None else str(key)


def from_label(vocabulary: Vocabulary, text: str) -> str | None:
    """The key a clerk meant by `text`: a key, or a Chinese or English label (any case)."""
    wanted = text.strip().lower()
    for key, zh, en in vocabulary:
        if wanted in (key, zh.lower(), en.lower()):
            return key
    return None


def rank(vocabulary: Vocabulary, key: str | None) -> int:
    """The position of `key` (0 = lowest); -1 for None or an unknown key."""
    order = keys(vocabulary)
    return order.index(key) if key in order else -1


def tier(level: str) -> str:
    """`county_deputy` -> `county`."""
    return level.split("_", 1)[0]


LEVEL_KEYS = keys(LEVELS)
EDUCATION_LEVEL_KEYS = keys(EDUCATION_LEVELS)
SANCTION_KEYS = keys(SANCTION_KINDS)
