"""A small demo registry (`cadreflow demo`): five units with approved posts and 40 persons with
careers, appraisals, training and family, chosen so that every verdict of the qualification
review can be seen on a demo case:

- two persons named 王伟 (区教育局 副局长, born 1980; 某镇 镇长, born 1985);
- 李强: a Party warning decided two months ago (inside its 12-month effect period: fail);
- 周敏: an admonishment two years ago (its 6-month effect period is over: pass);
- 吴刚: secondary education only (fails `education`, which no 破格 can waive);
- 郑浩: no education and no appraisals recorded (the `missing` verdicts a clerk attests);
- 陈静: her spouse is the demo inspector `inspector1` (recusal from the records);
- 何磊: 2 years in a township chief post (a waivable failure of `years_in_lower_post`).

Dates are relative to the day it is loaded, so the effect periods and the previous year's
appraisal hold whenever the demo runs. Loaded once: nothing is added when a unit exists.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from engine import reference_records
from engine.actors import Actor

from . import idcard, store

if TYPE_CHECKING:
    from engine.context import EngineContext

ADMIN = Actor("admin1", "系统管理员", frozenset({"admin"}))
CLERK = Actor("clerk1", "干部科经办人", frozenset({"clerk"}))

UNITS = [
    ("区教育局", {"county_chief": 1, "county_deputy": 3, "township_chief": 8}),
    ("区财政局", {"county_chief": 1, "county_deputy": 3, "township_chief": 8}),
    ("区卫健委", {"county_chief": 1, "county_deputy": 3, "township_chief": 8}),
    ("区发改委", {"county_chief": 1, "county_deputy": 1, "township_chief": 8}),  # its deputy post is filled
    ("某镇", {"township_chief": 3, "township_deputy": 4}),
]
BUREAUS = [name for name, _ in UNITS[:4]]
SURNAMES = "张刘杨黄赵孙马朱胡郭林罗梁宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余杜叶程魏苏吕丁"
GIVEN = ["建国", "海燕", "志强", "丽华", "晓东", "红梅", "文杰", "秀英", "国庆", "春燕", "明", "静怡", "伟民", "玉兰"]
TITLES = {"county_chief": "局长", "county_deputy": "副局长", "township_chief": "科长"}


def _id_number(born: date, serial: int) -> str:
    first17 = f"110105{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + idcard.check_character(first17)


def _posts(born: date, unit: str, level: str, since: date, title: str | None = None) -> list[dict]:
    """科员 and 副镇长 in 某镇 (grassroots), then 科长 in the unit, then `level` there from `since`."""
    work = date(born.year + 22, 7, 1)
    deputy, chief = date(work.year + 3, 3, 1), date(work.year + 7, 3, 1)
    if level == "township_chief":  # deputy until the chief post of `since`
        chief = since
    posts = [{"unit": "某镇", "title": "科员", "level": None, "start": work, "end": deputy, "grassroots": True},
             {"unit": "某镇", "title": "副镇长", "level": "township_deputy", "start": deputy, "end": chief,
              "grassroots": True}]
    if level == "township_chief":
        posts.append({"unit": unit, "title": title or TITLES[level], "level": level, "start": since})
    else:
        posts += [{"unit": unit, "title": "科长", "level": "township_chief", "start": chief, "end": since},
                  {"unit": unit, "title": title or TITLES[level], "level": level, "start": since}]
    return [{**p, "start": p["start"].isoformat(), "end": p["end"].isoformat() if p.get("end") else None}
            for p in posts]


def _person(name: str, gender: str, born: date, serial: int, today: date, posts: list[dict], **overrides) -> dict:
    record = {
        "name": name, "gender": gender, "birth_date": born.isoformat(), "ethnicity": "汉族", "native_place": "河北保定",
        "birthplace": "北京", "party_join_date": date(born.year + 21, 7, 1).isoformat(),
        "work_start_date": date(born.year + 22, 7, 1).isoformat(), "health": "健康",
        "id_number": _id_number(born, serial * 2 + (1 if gender == "男" else 0)),
        "education": [{"kind": "full_time", "level": "bachelor", "school": "某大学", "major": "经济学"}],
        "posts": posts,
        "appraisals": [{"year": today.year - n, "grade": "excellent" if (serial + n) % 4 == 0 else "competent"}
                       for n in (1, 2, 3)],
        "training": [{"name": "中青年干部培训班", "institution": "区委党校", "end": date(today.year - 1, 6, 30).isoformat()}],
        "family": [{"relation": "spouse", "name": f"{name[0]}某", "political_status": "群众", "employer_post": "某公司职员"}],
    }
    record.update(overrides)
    return record


def persons(today: date) -> list[dict]:
    """The 40 demo persons (the same for a given day)."""
    four_years = date(today.year - 4, 4, 1)

    def chief_of(unit: str, born: date, since: date = four_years, title: str | None = None) -> list[dict]:
        return _posts(born, unit, "township_chief", since, title)

    special = [
        _person("王伟", "男", date(1980, 1, 1), 1, today, _posts(date(1980, 1, 1), "区教育局", "county_deputy", four_years)),
        _person("王伟", "男", date(1985, 6, 12), 2, today, chief_of("某镇", date(1985, 6, 12), title="镇长")),
        _person("李强", "男", date(1978, 3, 15), 3, today, chief_of("区财政局", date(1978, 3, 15)),
                sanctions=[{"kind": "party_warning", "decided_on": (today - timedelta(days=60)).isoformat()}]),
        _person("周敏", "女", date(1982, 9, 20), 4, today, chief_of("区卫健委", date(1982, 9, 20)),
                sanctions=[{"kind": "admonishment", "decided_on": date(today.year - 2, 3, 1).isoformat()}]),
        _person("吴刚", "男", date(1979, 11, 2), 5, today, chief_of("区发改委", date(1979, 11, 2)),
                education=[{"kind": "full_time", "level": "secondary", "school": "某中专", "major": "财会"}]),
        _person("郑浩", "男", date(1983, 5, 8), 6, today, chief_of("区教育局", date(1983, 5, 8)), education=[],
                appraisals=[], id_number=None),
        _person("陈静", "女", date(1981, 7, 30), 7, today, chief_of("区卫健委", date(1981, 7, 30)), family=[
            {"relation": "spouse", "name": "考察组成员一", "political_status": "中共党员",
             "employer_post": "区委组织部考察组", "username": "inspector1"}]),
        _person("何磊", "男", date(1986, 2, 14), 8, today,
                chief_of("某镇", date(1986, 2, 14), since=date(today.year - 2, 4, 1), title="镇长")),
    ]
    others = []
    for n in range(40 - len(special)):
        unit = BUREAUS[n % len(BUREAUS)]
        born = date(1970 + n % 16, 1 + n % 12, 1 + n % 28)
        level = "county_chief" if n < 4 else "county_deputy" if n < 8 else "township_chief"
        posts = _posts(born, unit, level, date(today.year - 3 - n % 5, 3, 1))
        others.append(_person(SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)], "男" if n % 3 else "女", born,
                              20 + n, today, posts))
    return special + others


def seed_registry(ctx: EngineContext) -> tuple[int, int]:
    """Load the demo units and persons into an empty registry. Returns (units, persons) added."""
    with ctx.unit_of_work() as uow:
        if reference_records.count(uow.session, "unit"):
            return 0, 0
    for name, quotas in UNITS:
        store.create_unit(ctx, {"name": name, "quotas": quotas}, ADMIN, "admin")
    today = store.today(ctx)
    from .person import validate_person

    records = [validate_person(p) for p in persons(today)]
    counts = store.import_persons(ctx, records, CLERK, "clerk")
    return len(UNITS), counts["created"]
