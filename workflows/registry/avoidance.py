"""任职回避 from the records: a nominee related to someone in the unit's current leadership.

Civil Servants Law art. 74: spouses, lineal relatives, collateral relatives within three
generations and close in-laws may not serve where one leads the other. A relation is found from
either side's family list: by person id (certain), or by name where the family entry has no
person id (to be checked: two people may share a name). "Other social relations" need no recusal.
"""

from __future__ import annotations

from datetime import date

from . import vocab
from .career import leadership_posts_in

ARTICLE = ("Civil Servants Law art. 74", "《公务员法》第七十四条")


def unit_leaders(persons: list[dict], unit: str, on: date) -> list[dict]:
    """The unit's leadership on `on`: each person holding a leadership post in `unit`, with the
    titles of those posts (`leader_titles`)."""
    found = []
    for person in persons:
        posts = leadership_posts_in(person, unit, on)
        if posts:
            found.append({**person, "leader_titles": [p["title"] for p in posts]})
    return found


def _related(family: list[dict], other: dict) -> list[tuple[dict, str]]:
    """Entries of `family` that are `other`: by person id, else by name when the entry has no id."""
    found = []
    for member in family or []:
        if vocab.RECUSAL_CLASS.get(member.get("relation")) is None:
            continue
        if member.get("person_id") is not None:
            if member["person_id"] == other.get("person_id"):
                found.append((member, "person_id"))
        elif member.get("name") and member.get("name") == other.get("name"):
            found.append((member, "name"))
    return found


def office_avoidance(nominee: dict, leaders: list[dict]) -> list[dict]:
    """Relatives of `nominee` among `leaders` (unit_leaders), found from either family list:
    `[{person_id, name, titles, relation, relation_class, side, match}]`; `side` says whose record
    names the relation (`nominee` or `leader`), `match` how (`person_id` or `name`)."""
    flags = []
    for leader in leaders:
        if leader.get("person_id") is not None and leader.get("person_id") == nominee.get("person_id"):
            continue
        found = [(m, how, "nominee") for m, how in _related(nominee.get("family"), leader)]
        found += [(m, how, "leader") for m, how in _related(leader.get("family"), nominee)]
        for member, how, side in found:
            flags.append({"person_id": leader.get("person_id"), "name": leader.get("name"),
                          "titles": leader.get("leader_titles", []), "relation": member["relation"],
                          "relation_class": vocab.RECUSAL_CLASS[member["relation"]], "side": side, "match": how})
    return flags


def avoidance_check(nominee: dict, leaders: list[dict]) -> dict:
    """The `office_avoidance` check of a qualification review: a warning naming each relative."""
    flags = office_avoidance(nominee, leaders)

    def listed(locale: str) -> str:
        parts = []
        for f in flags:
            relation = vocab.label(vocab.RELATIONS, f["relation"], locale)
            titles = ("、" if locale == "zh" else ", ").join(f["titles"])
            if locale == "zh":
                relation = relation if f["side"] == "nominee" else f"其登记被提名人为{relation}"
                note = "（按姓名匹配，须核实）" if f["match"] == "name" else ""
                parts.append(f"{f['name']}（{titles}，{relation}）{note}")
            else:
                relation = relation if f["side"] == "nominee" else f"whose record names the nominee as {relation}"
                note = " (matched by name: to be checked)" if f["match"] == "name" else ""
                parts.append(f"{f['name']} ({titles}, {relation}){note}")
        return ("；" if locale == "zh" else "; ").join(parts)

    if flags:
        zh = f"本单位现任领导成员中有亲属：{listed('zh')}，须按任职回避规定处理"
        en = f"Relatives in the unit's current leadership: {listed('en')}; office recusal applies."
    else:
        zh, en = "本单位现任领导成员中未发现亲属关系", "No relative found in the unit's current leadership."
    return {"rule": "office_avoidance", "article": ARTICLE[0], "article_zh": ARTICLE[1],
            "verdict": "warning" if flags else "pass", "waivable": False, "detail": {"zh": zh, "en": en},
            "figures": {"relatives": flags}}
