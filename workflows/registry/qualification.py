"""Qualification review (资格审查): one function per rule of domain.md's table, and `review`.

Each rule takes the person record (as copied into the case), the post's level, the case's start
date and the case's parameters, and returns a check::

    {rule, article, article_zh, verdict: pass|fail|warning|missing, waivable,
     detail: {zh, en}, figures: {...}}

Everything is computed as of the start date with whole-day arithmetic (workflows/registry/dates.py).
A rule with no figure at the level (township posts by default) passes and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from ..params import int_param, table_param
from . import vocab
from .avoidance import avoidance_check
from .career import current_rank, highest_education, posts_by
from .dates import add_months, add_years, as_date, full_years, served_days, span, years_reached

# rule -> (article as domain.md cites it, the same in Chinese, waivable by 破格, zh label, en label)
RULES: dict[str, tuple[str, str, bool, str, str]] = {
    "work_years": ("Regs art. 8 (1)", "《条例》第八条第（一）项", True, "工龄", "years of work"),
    "grassroots_years": ("Regs art. 8 (1)", "《条例》第八条第（一）项", True, "基层工作经历", "grassroots experience"),
    "posts_below": ("Regs art. 8 (2)", "《条例》第八条第（二）项", True, "下一级任职经历", "posts at the level below"),
    "years_in_lower_post": ("Regs art. 8 (3)", "《条例》第八条第（三）项", True, "任职年限", "years in the lower post"),
    "education": ("Regs art. 8 (4)", "《条例》第八条第（四）项", False, "文化程度", "education"),
    "training": ("Regs art. 8 (5)", "《条例》第八条第（五）项", True, "培训", "training"),
    "appraisal": ("Regs art. 24 (3)", "《条例》第二十四条第（三）项", False, "年度考核", "annual appraisal"),
    "sanction_period": ("Regs art. 24 (6)", "《条例》第二十四条第（六）项", False, "处分影响期", "sanction period"),
    "family_abroad": ("Regs art. 24 (5)", "《条例》第二十四条第（五）项", False, "配偶子女移居国（境）外",
                      "spouse or children emigrated"),
    "age": ("local rule", "本地规定", True, "年龄", "age"),
}


def rule_label(rule: str, locale: str | None = "zh-CN") -> str:
    zh, en = RULES[rule][3], RULES[rule][4]
    return en if (locale or "zh").lower().startswith("en") else zh


def _check(rule: str, verdict: str, zh: str, en: str, **figures) -> dict:
    article, article_zh, waivable, _zh, _en = RULES[rule]
    return {"rule": rule, "article": article, "article_zh": article_zh, "verdict": verdict, "waivable": waivable,
            "detail": {"zh": zh, "en": en}, "figures": figures}


def _level_zh(level: str | None) -> str:
    return vocab.label(vocab.LEVELS, level) if level else "非领导职务"


def _no_figure(rule: str, level: str) -> dict:
    return _check(rule, "pass", f"{_level_zh(level)}职务未设定此项标准，不作要求",
                  f"No figure is set for {vocab.label(vocab.LEVELS, level, 'en')} posts: not required.", required=None)


def _duration(days: int, as_of: date) -> tuple[str, str]:
    years, months, rest = span(as_of - timedelta(days=days), as_of)
    return f"{years} 年 {months} 个月 {rest} 天", f"{years} years {months} months {rest} days"


def _yes(ok: bool) -> str:
    return "pass" if ok else "fail"


# --- Regs art. 8 ---------------------------------------------------------------------------------------


def work_years(person: dict, level: str, as_of: date, params: Mapping | None) -> dict:
    """At least N years since the work-start date: passes when work-start + N years <= as_of."""
    required = table_param(params, "min_work_years").get(level)
    if required is None:
        return _no_figure("work_years", level)
    started = as_date(person.get("work_start_date"))
    if started is None:
        return _check("work_years", "missing", "档案信息中缺少参加工作时间", "The work-start date is not recorded.",
                      required=required)
    reached = add_years(started, required)
    ok = reached <= as_of
    return _check(
        "work_years", _yes(ok),
        f"参加工作时间 {started}，满 {required} 年之日为 {reached}，至本次动议日 {as_of} "
        f"{'已满' if ok else '未满'} {required} 年",
        f"Started work on {started}; {required} years {'were' if ok else 'are not'} reached by the start date "
        f"{as_of} ({required} years on {reached}).",
        required=required, work_start_date=started.isoformat(), reached_on=reached.isoformat())


def _served(rule: str, required: int, posts: list[dict], as_of: date, what: tuple[str, str]) -> dict:
    days = served_days(posts, as_of)
    ok, _reached = years_reached(days, required, as_of)
    zh, en = _duration(days, as_of)
    return _check(rule, _yes(ok), f"{what[0]}累计 {zh}，要求不少于 {required} 年",
                  f"{what[1]}: {en} in all; at least {required} years required.",
                  required=required, served_days=days)


def grassroots_years(person: dict, level: str, as_of: date, params: Mapping | None) -> dict:
    """At least N years of posts marked grassroots (counted together)."""
    required = table_param(params, "min_grassroots_years").get(level)
    if required is None:
        return _no_figure("grassroots_years", level)
    posts = posts_by(person, as_of)
    if not posts:
        return _check("grassroots_years", "missing", "档案信息中没有任职经历", "No posts are recorded.", required=required)
    return _served("grassroots_years", required, [p for p in posts if p.get("grassroots")], as_of,
                   ("基层工作经历", "Grassroots posts"))


def _levels_below(level: str) -> tuple[str | None, ...]:
    """The levels of the tier below (乡科级 for a 县处级 post); non-leadership posts below 乡科级."""
    below = {"township": (None,), "county": ("township_deputy", "township_chief"),
             "bureau": ("county_deputy", "county_chief")}
    return below[vocab.tier(level)]


def posts_below(person: dict, level: str, as_of: date, params: Mapping | None) -> dict:
    """Generally posts at N or more positions of the tier below: a warning, not a failure."""
    required = table_param(params, "min_posts_below").get(level)
    if required is None:
        return _no_figure("posts_below", level)
    posts = posts_by(person, as_of)
    if not posts:
        return _check("posts_below", "missing", "档案信息中没有任职经历", "No posts are recorded.", required=required)
    levels = _levels_below(level)
    positions = sorted({(p["unit"], p["title"]) for p in posts if p.get("level") in levels})
    tier_zh = "非领导职务" if levels == (None,) else vocab.TIERS[vocab.tier(levels[0])][0]
    tier_en = "non-leadership" if levels == (None,) else vocab.TIERS[vocab.tier(levels[0])][1]
    ok = len(positions) >= required
    return _check("posts_below", "pass" if ok else "warning",
                  f"在{tier_zh}职位任职 {len(positions)} 个，一般应当不少于 {required} 个",
                  f"{len(positions)} position(s) at the {tier_en} level; generally at least {required}.",
                  required=required, positions=[f"{unit} {title}" for unit, title in positions])


def years_in_lower_post(person: dict, level: str, as_of: date, params: Mapping | None) -> dict:
    """Deputy -> chief: N years as deputy of that tier; chief -> next deputy: N years as that chief.
    The lower post of a level is the level just below it; not applied when not a promotion."""
    required = table_param(params, "min_years_in_lower_post").get(level)
    if required is None:
        return _no_figure("years_in_lower_post", level)
    posts = posts_by(person, as_of)
    if not posts:
        return _check("years_in_lower_post", "missing", "档案信息中没有任职经历", "No posts are recorded.",
                      required=required)
    target = vocab.rank(vocab.LEVELS, level)
    held = current_rank(person, as_of)
    if held >= target:
        current = vocab.LEVELS[held][0]
        return _check("years_in_lower_post", "pass", f"现任{_level_zh(current)}，不属于提拔，不适用",
                      f"Already {vocab.label(vocab.LEVELS, current, 'en')}: not a promotion.",
                      required=required, current_level=current)
    lower = vocab.LEVEL_KEYS[target - 1] if target > 0 else None
    return _served("years_in_lower_post", required, [p for p in posts if p.get("level") == lower], as_of,
                   (f"任{_level_zh(lower)}职务", f"As {vocab.label(vocab.LEVELS, lower, 'en') or 'non-leader'}"))


def education(person: dict, level: str, as_of: date, params: Mapping | None) -> dict:
    """College (大专) or above at county level, bachelor or above at bureau level (by default)."""
    required = table_param(params, "min_education").get(level)
    if required is None:
        return _no_figure("education", level)
    need_zh, need_en = (vocab.label(vocab.EDUCATION_LEVELS, required, loc) for loc in ("zh", "en"))
    highest = highest_education(person)
    if highest is None:
        return _check("education", "missing", "档案信息中缺少学历", "No education is recorded.", required=required)
    ok = vocab.rank(vocab.EDUCATION_LEVELS, highest) >= vocab.rank(vocab.EDUCATION_LEVELS, required)
    return _check("education", _yes(ok),
                  f"最高学历为{vocab.label(vocab.EDUCATION_LEVELS, highest)}，要求{need_zh}及以上",
                  f"Highest education: {vocab.label(vocab.EDUCATION_LEVELS, highest, 'en')}; {need_en} or above "
                  "required.", required=required, highest=highest)


def training(person: dict, level: str, as_of: date, params: Mapping | None) -> dict:
    """Training completed within the last N years before the start date; else a warning: it must be
    completed within one year after the promotion."""
    within = table_param(params, "training_within_years").get(level)
    if within is None:
        return _no_figure("training", level)
    done = sorted(as_date(t["end"]) for t in person.get("training") or [] if t.get("end")
                  and as_date(t["end"]) <= as_of and add_years(as_date(t["end"]), within) >= as_of)
    if done:
        return _check("training", "pass", f"近 {within} 年内已完成培训（最近一次结业于 {done[-1]}）",
                      f"Training completed within {within} years (latest on {done[-1]}).",
                      within_years=within, latest=done[-1].isoformat())
    return _check("training", "warning", f"近 {within} 年内无培训记录，提任后须在一年内完成培训",
                  f"No training recorded within {within} years: it must be completed within one year after "
                  "promotion.", within_years=within, latest=None)


# --- Regs art. 24 and local rules --------------------------------------------------------------------


def appraisal(person: dict, level: str, as_of: date, params: Mapping | None) -> dict:
    """The previous year's appraisal (the last `appraisal_years` years) basically competent or lower:
    may not be inspected."""
    count = max(int_param(params, "appraisal_years"), 1)
    grades = {a.get("year"): a.get("grade") for a in person.get("appraisals") or []}
    years = list(range(as_of.year - 1, as_of.year - 1 - count, -1))
    failing = [y for y in years if grades.get(y) in vocab.FAILING_GRADES]
    absent = [y for y in years if y not in grades]
    shown_zh = "，".join(f"{y} 年度{vocab.label(vocab.APPRAISAL_GRADES, grades[y])}" for y in years if y in grades)
    shown_en = ", ".join(f"{y}: {vocab.label(vocab.APPRAISAL_GRADES, grades[y], 'en')}" for y in years if y in grades)
    figures = {"years": years, "grades": {str(y): grades.get(y) for y in years}}
    if failing:
        return _check("appraisal", "fail", f"{shown_zh}；基本称职以下等次的不得列为考察对象",
                      f"{shown_en}; basically competent or lower may not be inspected.", **figures)
    if absent:
        listed = "、".join(map(str, absent))
        return _check("appraisal", "missing", f"档案信息中缺少 {listed} 年度考核结果",
                      f"No appraisal recorded for {', '.join(map(str, absent))}.", **figures)
    return _check("appraisal", "pass", shown_zh, shown_en + ".", **figures)


def sanction_period(person: dict, level: str, as_of: date, params: Mapping | None) -> dict:
    """Inside an effect period (start date on or before decided_on + N months): may not be promoted."""
    months = table_param(params, "sanction_effect_months")
    periods = []
    for sanction in person.get("sanctions") or []:
        decided, length = as_date(sanction.get("decided_on")), months.get(sanction.get("kind"))
        if decided is None or not length:
            continue
        until = add_months(decided, length)
        periods.append({"kind": sanction["kind"], "decided_on": decided.isoformat(), "months": length,
                        "until": until.isoformat(), "inside": as_of <= until})
    inside = [p for p in periods if p["inside"]]

    def listed(items: Iterable[dict], locale: str) -> str:
        if locale == "zh":
            return "；".join(f"{p['decided_on']} {vocab.label(vocab.SANCTION_KINDS, p['kind'])}，影响期 {p['months']} "
                            f"个月至 {p['until']}" for p in items)
        return "; ".join(f"{vocab.label(vocab.SANCTION_KINDS, p['kind'], 'en')} of {p['decided_on']}, "
                         f"{p['months']} months until {p['until']}" for p in items)

    if inside:
        return _check("sanction_period", "fail", f"{listed(inside, 'zh')}；本次动议日 {as_of} 在影响期内，不得提拔",
                      f"{listed(inside, 'en')}: the start date {as_of} is inside the effect period.",
                      periods=periods)
    if periods:
        return _check("sanction_period", "pass", f"{listed(periods, 'zh')}；影响期已满",
                      f"{listed(periods, 'en')}: the effect period is over.", periods=periods)
    return _check("sanction_period", "pass", "无处分或组织处理记录", "No sanction recorded.", periods=[])


def family_abroad(person: dict, level: str, as_of: date, params: Mapping | None, *,
                  special_post: bool = False) -> dict:
    """Spouse emigrated, or no spouse and all children emigrated: may not be inspected, except for
    posts marked special."""
    family = person.get("family") or []
    if special_post:
        return _check("family_abroad", "pass", "特殊职位，不适用此项限制", "A special post: not applied.", special_post=True)
    if not family:
        return _check("family_abroad", "missing", "档案信息中没有家庭成员", "No family members are recorded.")
    spouses = [m for m in family if m.get("relation") == "spouse"]
    children = [m for m in family if m.get("relation") in vocab.CHILDREN]
    if spouses:
        barred = any(m.get("abroad") for m in spouses)
        zh, en = ("配偶已移居国（境）外", "The spouse has emigrated.") if barred else ("配偶未移居国（境）外",
                                                                               "The spouse has not emigrated.")
    else:
        barred = bool(children) and all(m.get("abroad") for m in children)
        zh, en = (("没有配偶，子女均已移居国（境）外", "No spouse, and every child has emigrated.") if barred
                  else ("没有配偶，子女未均移居国（境）外", "No spouse; not every child has emigrated."))
    return _check("family_abroad", _yes(not barred), zh + ("，不得列为考察对象" if barred else ""),
                  en + (" May not be inspected." if barred else ""), spouses=len(spouses), children=len(children))


def age(person: dict, level: str, as_of: date, params: Mapping | None) -> dict:
    """A local maximum age at the start date (none by default)."""
    maximum = table_param(params, "max_age").get(level)
    if maximum is None:
        return _check("age", "pass", "未设定年龄上限", "No maximum age is set.", maximum=None)
    born = as_date(person.get("birth_date"))
    if born is None:
        return _check("age", "missing", "档案信息中缺少出生日期", "The date of birth is not recorded.", maximum=maximum)
    years = full_years(born, as_of)
    ok = years <= maximum
    return _check("age", _yes(ok), f"至本次动议日 {as_of} 年满 {years} 周岁，上限 {maximum} 周岁",
                  f"Aged {years} on the start date {as_of}; at most {maximum}.", maximum=maximum, age=years)


RuleFunction = Callable[..., dict]
RULE_FUNCTIONS: dict[str, RuleFunction] = {
    "work_years": work_years, "grassroots_years": grassroots_years, "posts_below": posts_below,
    "years_in_lower_post": years_in_lower_post, "education": education, "training": training,
    "appraisal": appraisal, "sanction_period": sanction_period, "family_abroad": family_abroad, "age": age,
}


def review(nominees: list[dict], level: str, start_date: Any, params: Mapping | None, *,
           special_post: bool = False, leaders: list[dict] | None = None) -> dict:
    """The qualification review of `nominees` (records as copied into the case, each with
    `person_id` and `name`) for a post of `level`, as of the case's `start_date`.

    `eligible` is false when a non-waivable rule fails; `needs_exceptional` lists the waivable
    failures (only 破格 overcomes them), `missing` the verdicts that need the clerk's attestation.
    With `leaders` (the unit's current leadership, see avoidance.unit_leaders) each nominee also
    gets the 任职回避 check `office_avoidance` (a warning, never a failure).
    """
    if level not in vocab.LEVEL_KEYS:
        raise ValueError(f"unknown leadership level {level!r}")
    as_of = as_date(start_date)
    out = []
    for person in nominees:
        checks = [fn(person, level, as_of, params, special_post=special_post) if name == "family_abroad"
                  else fn(person, level, as_of, params) for name, fn in RULE_FUNCTIONS.items()]
        if leaders is not None:
            checks.append(avoidance_check(person, leaders))
        out.append(settle({"person_id": person.get("person_id"), "name": person.get("name"), "checks": checks}))
    return {"level": level, "as_of": as_of.isoformat(), "nominees": out}


def settle(nominee: dict, *, final: bool = False) -> dict:
    """`eligible`, `needs_exceptional` and `missing` of one reviewed nominee. Before the clerk's
    confirmation a missing verdict is pending; once `final`, an attested one passes and one not
    attested fails (and bars the nominee when its rule is not waivable)."""
    failed = [c for c in nominee["checks"] if c["verdict"] == "fail"
              or (final and c["verdict"] == "missing" and not c.get("attestation"))]
    return {**nominee,
            "eligible": not any(not c["waivable"] for c in failed if c["rule"] in RULES),
            "needs_exceptional": [c["rule"] for c in failed if c["waivable"]],
            "missing": [c["rule"] for c in nominee["checks"] if c["verdict"] == "missing" and not c.get("attestation")]}
