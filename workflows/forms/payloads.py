"""Message payloads: publicity reports, withdrawals, recusal declarations."""

from __future__ import annotations

from engine.registry import FormContext

from .base import Errors, Form, FormSchema, Refuse, choice, flag, long_text, text
from .casedata import as_key, nominee_names, withdrawn_names

# spouse, lineal blood relative, collateral blood relative within three generations, close in-law
RELATIONS = ("spouse", "lineal", "collateral", "in_law")


class PublicityReport(FormSchema):
    channel = text()
    named = flag()
    specific = flag()
    summary = long_text()


class Withdraw(FormSchema):
    name = text(max_length=64)
    reason = long_text()


def check_withdraw(data: dict, form_ctx: FormContext, errors: Errors) -> dict:
    nominees = _persons(form_ctx)
    data = {**data, "name": as_key(data["name"], form_ctx, "name", errors)}
    if errors:
        return data
    if data["name"] not in nominees:
        errors.add("name", "not_a_nominee", name=data["name"])
    elif data["name"] in withdrawn_names(form_ctx):
        errors.add("name", "already_withdrawn", name=data["name"])
    return data


class Declaration(FormSchema):
    username = text()
    nominee = text(max_length=64)
    relation = choice(*RELATIONS)


def check_declaration(data: dict, form_ctx: FormContext, errors: Errors) -> dict:
    data = {**data, "nominee": as_key(data["nominee"], form_ctx, "nominee", errors)}
    if not errors and data["nominee"] not in _persons(form_ctx):
        errors.add("nominee", "not_a_nominee", name=data["nominee"])
    return data


def _persons(form_ctx: FormContext) -> list[str]:
    found = nominee_names(form_ctx)
    if not found:
        raise Refuse("_form", "missing_case_data", what="nominees")
    return found


FORMS = [
    Form("publicity_report", ("公示期间举报", "Report during publicity"), PublicityReport),
    Form("withdraw", ("退出", "Withdrawal"), Withdraw, check_withdraw),
    Form("declaration", ("回避申报", "Recusal declaration"), Declaration, check_declaration),
]
