"""What templates share: labels of roles, statuses and outcomes in the current language."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import get_locale

from engine.procedures.names import step_names
from engine.registry import FormContext
from engine.users import active_users
from workflows.forms import ALL
from workflows.forms.choices import Offer, offer
from workflows.labels import OUTCOME_LABELS, ROLE_LABELS, SUBJECT_LABELS

from .users import actor

ROLES, OUTCOMES, SUBJECTS = ROLE_LABELS, OUTCOME_LABELS, SUBJECT_LABELS  # the domain names them (workflows/labels.py)
STATUSES = {"running": ("办理中", "running"), "completed": ("已办结", "completed"), "terminated": ("已终止", "terminated")}
WARNINGS = {
    "calendar_unverified": ("公示期涉及工作日历未覆盖的年份，已按周末推算，请核对",
                            "the publicity period reaches a year the holiday calendar lacks; weekends were assumed"),
    "publicity_reminder": ("公示期间反映的问题经核实为轻微，已作提醒", "a minor issue from publicity was noted as a reminder"),
    "quota_unchecked": ("动议未选择干部信息库中的单位，未核对职数", "the unit was typed, not chosen from the registry: "
                        "the approved posts were not checked"),
}

# the read trail's doors (where a case or a registry record was read) as the pages name them; a REST
# door (e.g. "GET /api/v1/cases/{id}") reads the same in both languages and is shown as recorded
DOORS = {
    "inbox page": ("待办页面", "inbox page"), "task page": ("办理页面", "task page"),
    "case page": ("案件页面", "case page"), "message page": ("登记页面", "message page"),
    "case diagram": ("流程图", "case diagram"), "audit case page": ("监督检查案件页面", "audit case page"),
    "audit replay page": ("重放页面", "audit replay page"), "record.pdf": ("导出 PDF", "record as PDF"),
    "record.csv": ("导出 CSV", "record as CSV"), "record.json": ("导出 JSON", "record as JSON"),
    "web /registry": ("干部信息库检索页面", "registry search page"),
    "web /registry/search.json": ("提名页面的干部检索", "registry search on the nominate page"),
    "web person page": ("干部档案页面", "person page"), "web person edit page": ("干部档案修改页面", "person edit page"),
    "web /registry/units": ("单位与职数页面", "units page"), "web unit quotas page": ("职数调整页面", "unit quotas page"),
    "web unit page": ("单位页面", "unit page"),
}


def last_page(total: int, per_page: int) -> int:
    """The number of a list's last page (1 for an empty list)."""
    return max(1, -(-total // per_page))


def newest_first_page(fetch, param: str, per_page: int) -> tuple[list[dict], dict]:
    """A page of an auditors' log as the pages show it, newest first, its number in the query parameter
    `param`: `fetch(page=, per_page=, newest_first=True)` gives (rows, count of all); returns the rows
    and what the `pager` macro needs (page, per_page, total)."""
    page = max(1, request.args.get(param, 1, type=int))
    rows, total = fetch(page=page, per_page=per_page, newest_first=True)
    return rows, {"page": page, "per_page": per_page, "total": total}


def page_url(endpoint: str, args: dict, param: str, number: int, anchor: str = "") -> str:
    """The address of page `number` of a list (the `pager` macro's links): `endpoint` with the list's
    own arguments `args` and the page in `param`, then `#anchor`. Arguments that are None are left out."""
    return url_for(endpoint, _anchor=anchor or None, **{param: number}, **args)


def headline(head: dict | None) -> str:
    """What names a case in lists and headings, e.g. "县教育局 · 副局长" (`Registry.headline` keys)."""
    return " · ".join(str(v) for v in (head or {}).values() if v)


def case_headline(case: dict) -> str:
    """The headline of a case as `get_case` returns it (with its data)."""
    return headline({key: (case.get("data") or {}).get(key) for key in current_engine().registry.headline})


def named_tasks(tasks: list[dict], version_of) -> list[dict]:
    """The tasks with `name`: the step's name in the page's language. In Chinese the diagram's name (the
    task's title); in English its `name_en`, else its form's English title (a diagram without English
    names), else the title. `version_of(task)` gives the task's procedure version id."""
    if not english():
        return [{**t, "name": t["title"]} for t in tasks]
    names: dict[int, dict] = {}
    out = []
    for task in tasks:
        version = version_of(task)
        if version not in names:
            names[version] = step_names(current_engine(), version, "en")
        form = ALL.get(task.get("form") or "")
        out.append({**task, "name": names[version].get(task["element_id"]) or (form.title[1] if form else task["title"])})
    return out


def current_engine():
    """The engine context of the running app."""
    from flask import current_app

    return current_app.extensions["cadreflow"]


def offer_for(form: str | None, case: dict, prefill: dict | None = None, role: str = "-"):
    """What the domain offers to choose from in `form` for this case (workflows/forms/choices.py),
    with the active users from the engine for the fields that name users."""
    if not form:
        return Offer()
    form_ctx = FormContext(case["id"], form, case["data"], prefill or {}, case["parameters"], actor(), role, lang())
    return offer(form, form_ctx, users=lambda wanted: active_users(current_engine(), wanted),
                 declarations=case.get("declarations") or [])


def lang() -> str:
    """The page's language as the engine and forms spell it."""
    return "en" if english() else "zh-CN"


def english() -> bool:
    return str(get_locale() or "zh_CN").startswith("en")


def label(table: dict, key) -> str:
    pair = table.get(key)
    return (pair[1] if english() else pair[0]) if pair else (key or "")


def can(action: str, target: dict | None = None) -> bool:
    """May the signed-in user do `action` (on `target`)? The rule of api/policy.py, as REST asks it."""
    from flask_login import current_user

    from ..policy import allowed

    return current_user.is_authenticated and allowed(current_user.actor, action, target)


def template_globals() -> dict:
    return {
        "can": can,
        "role_label": lambda key: label(ROLES, key),
        "status_label": lambda key: label(STATUSES, key),
        "outcome_label": lambda key: label(OUTCOMES, key),
        "warning_label": lambda key: label(WARNINGS, key),
        "door_label": lambda key: label(DOORS, key),
        "english": english,
        "headline": headline,
        "last_page": last_page,
        "page_url": page_url,
    }
