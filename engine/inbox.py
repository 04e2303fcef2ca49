"""The inbox: one page of the ready tasks a caller's roles may act on, paged in SQL.

Ordered by (created_at, case_id, element_id, id), which is unique, so pages never overlap or skip
a row. The index `ix_case_tasks_inbox` (role, created_at, case_id, element_id, id) serves it:

- one role: the page is read from the index in order, no sort (OFFSET walks the index);
- several roles (PostgreSQL): one ordered index range per role, merged (Merge Append of UNION ALL
  branches); a plain `role IN (...)` would read and sort every task of those roles. SQLite,
  which has no such merge, gets the plain IN;
- `case_id`: the few tasks of that case, by `ix_case_tasks_case_id`, then sorted.

OFFSET costs the rows it skips, so a page in the back half is read backwards from the end: the
deepest page costs what the middle one does. Only the page's ids come from the index (an
index-only scan once the table is vacuumed); then those rows are fetched. The total is a COUNT
over the same filter (an index-only scan of `ix_case_tasks_role`). Count and page are two
statements: on a changing inbox a page may shift by the tasks that came and went in between, as
any OFFSET paging does.
`bench/inbox.py` measures all of it at 100,000 cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, select, union_all

from .cases import task_dict
from .hashing import iso
from .storage.models import Case, CaseTask

if TYPE_CHECKING:
    from .context import EngineContext

ORDER = ("created_at", "case_id", "element_id", "id")


def _filtered(columns, roles: Iterable[str] | None, case_id: int | None, role: str | None = None) -> Select:
    query = select(*columns)
    if role is not None:
        query = query.where(CaseTask.role == role)
    elif roles is not None:
        query = query.where(CaseTask.role.in_(sorted(roles)))
    if case_id is not None:
        query = query.where(CaseTask.case_id == case_id)
    return query


def page_ids_query(roles: Iterable[str] | None, case_id: int | None, offset: int, limit: int, *,
                   descending: bool = False, merge: bool = True) -> Select:
    """The ids of one page, in inbox order (or its reverse, counted from the end, if `descending`)."""
    def key(columns):
        return [columns[name].desc() if descending else columns[name] for name in ORDER]

    roles = None if roles is None else sorted(set(roles))
    if merge and roles is not None and len(roles) > 1 and case_id is None:
        # One ordered, limited branch per role, merged by the outer ORDER BY (PostgreSQL: Merge Append
        # of index range scans). Each branch needs its own ORDER BY, or its order is not used.
        columns = [getattr(CaseTask, name) for name in ORDER]
        branches = union_all(*(_filtered(columns, None, None, role).order_by(*key(CaseTask.__table__.c))
                               .limit(offset + limit) for role in roles)).subquery("branches")
        return select(branches.c.id).order_by(*key(branches.c)).offset(offset).limit(limit)
    return _filtered([CaseTask.id], roles, case_id).order_by(*key(CaseTask.__table__.c)).offset(offset).limit(limit)


def page_query(roles: Iterable[str] | None, case_id: int | None, offset: int, limit: int, *,
               descending: bool = False, merge: bool = True) -> Select:
    """The task rows of one page, in inbox order (the page's ids first, then their rows)."""
    ids = page_ids_query(roles, case_id, offset, limit, descending=descending, merge=merge).subquery("page")
    return (select(CaseTask).join(ids, ids.c.id == CaseTask.id)
            .order_by(*(getattr(CaseTask, name) for name in ORDER)))


def page_for(total: int, page: int, per_page: int, *, merge: bool = True) -> dict | None:
    """The arguments of page_query for `page`: a page in the back half is read from the end, so
    the deepest page costs what the middle one does. None past the last page."""
    offset = (page - 1) * per_page
    if offset >= total:
        return None
    limit = min(per_page, total - offset)
    from_end = total - offset - limit
    if from_end < offset:
        return {"offset": from_end, "limit": limit, "descending": True, "merge": merge}
    return {"offset": offset, "limit": limit, "descending": False, "merge": merge}


def count_query(roles: Iterable[str] | None, case_id: int | None) -> Select:
    return _filtered([func.count()], roles, case_id).select_from(CaseTask)


def inbox_page(ctx: EngineContext, *, roles: Iterable[str] | None, case_id: int | None = None, page: int = 1,
               per_page: int = 20) -> tuple[list[dict], int]:
    """One page of the ready tasks for `roles` (None: every role), optionally of one case; and the total."""
    if roles is not None and not set(roles):
        return [], 0
    with ctx.unit_of_work() as uow:
        total = uow.session.scalar(count_query(roles, case_id))
        where = page_for(total, max(1, page), max(1, per_page),
                         merge=uow.session.get_bind().dialect.name == "postgresql")
        if where is None:  # past the last page (also an offset too large for the database)
            return [], total
        rows = uow.session.scalars(page_query(roles, case_id, **where))
        return [task_dict(t) for t in rows], total


def case_heads(ctx: EngineContext, case_ids: Iterable[int]) -> dict[int, dict]:
    """What an inbox shows about the cases of its page: procedure, version, status, next time limit,
    and the headline (the registry's `headline` keys of the case data, read in SQL, not the whole data)."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    keys = ctx.registry.headline
    with ctx.unit_of_work() as uow:
        rows = uow.session.execute(select(Case.id, Case.procedure_key, Case.procedure_version, Case.version_id,
                                          Case.status, Case.next_due_at,
                                          *(Case.data[key].as_string() for key in keys)).where(Case.id.in_(ids)))
        return {r[0]: {"id": r[0], "procedure": r[1], "version": r[2], "version_id": r[3], "status": r[4],
                       "next_due_at": iso(r[5]) if r[5] else None, "headline": dict(zip(keys, r[6:], strict=True))}
                for r in rows}
