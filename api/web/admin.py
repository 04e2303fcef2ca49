"""Administration pages: users and their roles, the holiday calendar (admin only).

Every change is one transaction and leaves an audit event: user changes on the stream "users",
calendar days on "reference/calendar" (engine.reference). Passwords never enter an event.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import reference
from engine import users as accounts
from engine.accounts import PASSWORD_POLICY
from engine.actors import Actor
from engine.errors import Conflict, NotFound, ValidationFailed
from workflows import ROLES
from workflows.calendar import covered_years

from ..errors import one_language
from .helpers import current_engine, english
from .users import actor, requires

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")
USERS_STREAM = accounts.USERS_STREAM
MAX_RANGE_DAYS = 31
ROLE_ORDER = ["clerk", "org_head", "inspector", "discipline", "committee_secretary", "auditor", "editor", "admin"]


def register(app) -> None:
    app.register_blueprint(bp)



def all_roles() -> list[str]:
    return [r for r in ROLE_ORDER if r in ROLES] + sorted(set(ROLES) - set(ROLE_ORDER))


# --- user administration: the account rules are the engine's (engine/accounts.py), for every door ----

class UserError(Exception):
    """A refused user change: `fields` maps a form field to its message (already in the user's language)."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(fields.values()))
        self.fields = fields


def _refused(exc: ValidationFailed) -> UserError:
    return UserError({name: one_language(message, english()) for name, message in exc.fields.items()})


def create_account(context, admin: Actor, username: str, display_name: str | None, password: str,
                   roles: list[str]) -> None:
    try:
        accounts.create_user(context, username, roles, password, display_name, by=admin, role="admin")
    except ValidationFailed as exc:
        raise _refused(exc) from None
    except Conflict:
        raise UserError({"username": _("The user name %(name)s is taken.", name=username)}) from None


def set_roles(context, admin: Actor, username: str, roles: list[str]) -> None:
    try:
        accounts.set_roles(context, username, roles, by=admin)
    except ValidationFailed as exc:
        raise _refused(exc) from None
    except NotFound:
        abort(404)


def set_active(context, admin: Actor, username: str, active: bool) -> None:
    try:
        accounts.set_active(context, username, active, by=admin)
    except NotFound:
        abort(404)


list_users = accounts.list_users


# --- the users page -----------------------------------------------------------------------------

def users_page(form: dict | None = None, errors: dict | None = None, edit: str | None = None,
               edit_errors: dict | None = None, edit_roles: list[str] | None = None, status: int = 200):
    rows = list_users(current_engine())
    editing = next((u for u in rows if u.username == edit), None) if edit else None
    return render_template("admin_users.html", users=rows, roles=all_roles(), form=form or {"roles": []},
                           errors=errors or {}, editing=editing, edit_errors=edit_errors or {},
                           edit_roles=edit_roles if edit_roles is not None else (editing.roles if editing else []),
                           me=actor().username, password_policy=PASSWORD_POLICY[0 if english() else 1]), status


@bp.get("/users")
@requires("admin.users")
def users():
    return users_page(edit=request.args.get("edit") or None)


@bp.post("/users")
@requires("admin.users")
def create_user_view():
    form = {"username": request.form.get("username", "").strip(),
            "display_name": request.form.get("display_name", "").strip(),
            "roles": request.form.getlist("roles")}
    try:
        create_account(current_engine(), actor(), form["username"], form["display_name"] or None, request.form.get("password", ""),
                       form["roles"])
    except UserError as exc:
        flash(_("The user was not created: see the marked fields."), "error")
        return users_page(form=form, errors=exc.fields, status=422)
    flash(_("User %(name)s created.", name=form["username"]), "ok")
    return redirect(url_for("admin_pages.users"))


@bp.post("/users/<username>/roles")
@requires("admin.users")
def change_roles(username: str):
    roles = request.form.getlist("roles")
    try:
        if username == actor().username and "admin" not in roles:
            raise UserError({"roles": _("You cannot take the administrator role away from yourself.")})
        set_roles(current_engine(), actor(), username, roles)
    except UserError as exc:
        flash(_("The roles were not changed."), "error")
        return users_page(edit=username, edit_errors=exc.fields, edit_roles=roles, status=422)
    flash(_("Roles of %(name)s saved.", name=username), "ok")
    return redirect(url_for("admin_pages.users"))


@bp.post("/users/<username>/active")
@requires("admin.users")
def change_active(username: str):
    active = request.form.get("active") == "1"
    if username == actor().username and not active:
        flash(_("You cannot deactivate yourself."), "error")
        return users_page(edit=username, edit_errors={"active": _("You cannot deactivate yourself.")}, status=422)
    set_active(current_engine(), actor(), username, active)
    flash(_("%(name)s can sign in again.", name=username) if active
          else _("%(name)s can no longer sign in.", name=username), "ok")
    return redirect(url_for("admin_pages.users"))


# --- the calendar -------------------------------------------------------------------------------

def calendar_page(form: dict | None = None, errors: dict | None = None, status: int = 200):
    import chinese_calendar

    entries = reference.entries(current_engine(), "calendar")
    years = covered_years()
    rows = []
    for key, value in sorted(entries.items(), reverse=True):
        day = date.fromisoformat(key)
        try:
            package = bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            package = None
        rows.append({"day": key, "weekday": day.weekday(), "working": bool(value.get("working")),
                     "note": value.get("note") or "", "package": package})
    return render_template("admin_calendar.html", rows=rows, form=form or {"kind": "holiday"}, errors=errors or {},
                           first_year=years.start, last_year=years.stop - 1), status


@bp.get("/calendar")
@requires("admin.calendar")
def calendar():
    return calendar_page()


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@bp.post("/calendar")
@requires("admin.calendar")
def add_calendar_days():
    form = {key: request.form.get(key, "").strip() for key in ("day", "until", "kind", "note")}
    errors: dict[str, str] = {}
    first = _date(form["day"]) if form["day"] else None
    if not form["day"]:
        errors["day"] = _("Enter a date.")
    elif first is None:
        errors["day"] = _("Not a valid date (YYYY-MM-DD).")
    last = first
    if form["until"]:
        last = _date(form["until"])
        if last is None:
            errors["until"] = _("Not a valid date (YYYY-MM-DD).")
        elif first and last < first:
            errors["until"] = _("The last day is before the first day.")
        elif first and (last - first).days >= MAX_RANGE_DAYS:
            errors["until"] = _("At most %(n)s days at once.", n=MAX_RANGE_DAYS)
    if form["kind"] not in ("holiday", "workday"):
        errors["kind"] = _("Choose holiday or adjusted working day.")
    if len(form["note"]) > 200:
        errors["note"] = _("At most 200 characters.")
    if errors:
        flash(_("Nothing was saved: see the marked fields."), "error")
        return calendar_page(form, errors, 422)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    working = form["kind"] == "workday"
    reference.put_entries(current_engine(), "calendar", {d.isoformat(): {"working": working, "note": form["note"]} for d in days},
                          actor(), "admin")
    flash(_("%(n)s days saved.", n=len(days)) if len(days) > 1 else _("%(day)s saved.", day=days[0].isoformat()), "ok")
    return redirect(url_for("admin_pages.calendar"))
