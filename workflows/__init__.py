"""The cadre-selection domain: rules, forms, service-task handlers, calendar. No Flask, no SQL.

`build_registry()` is what the application plugs into the engine.
"""

from __future__ import annotations

from engine.registry import DefaultRoles, GuardRecord, Registry, RoleConflict

ROLES = {"clerk", "org_head", "inspector", "discipline", "committee_secretary", "auditor", "editor", "admin"}
# Roles that take part in procedure steps (lanes); auditor, editor and admin never own a task.
TASK_ROLES = {"clerk", "org_head", "inspector", "discipline", "committee_secretary"}

DEMO_USERS = {
    "clerk1": ("干部科经办人", ["clerk"]),
    "orghead1": ("组织部负责人", ["org_head"]),
    "inspector1": ("考察组成员一", ["inspector"]),
    "inspector2": ("考察组成员二", ["inspector"]),
    "discipline1": ("纪检监察干部", ["discipline"]),
    "secretary1": ("党委会议记录人", ["committee_secretary"]),
    "auditor1": ("监督检查员", ["auditor"]),
    "editor1": ("流程设计员", ["editor"]),
    "admin1": ("系统管理员", ["admin"]),
}


# 三员分立: who administers the system (users, roles, calendar) does not audit it.
ROLE_CONFLICTS = [RoleConflict(
    frozenset({"admin", "auditor"}),
    "nobody may hold admin together with auditor: who administers the system does not audit it "
    "(separation of duties)",
    "同一用户不得同时担任系统管理员（admin）与监督检查（auditor）角色：三员分立，管理者不审计自己",
)]


# 回避: a user declares a relation to a nominee on a case; the recusal guard (policies.py) keeps them
# out of every step about that person from then on. The org_head may declare for anyone.
DECLARATION = GuardRecord(
    action="relation_declared", form="declaration", listed_as="declarations",
    label=("申报回避关系", "relation declared"),
    refusal=("only a participant of the procedure (for themself) or an org_head may declare a relation",
             "仅参与办理的本人或组织部负责人可申报回避关系"),
    roles=frozenset({"org_head"}),
)


def build_registry() -> Registry:
    from .forms import FORMS
    from .handlers import HANDLERS
    from .labels import describe_parameters
    from .narrative import narrate
    from .params import check_overrides
    from .policies import (
        PERSON_BOUND_FORMS,
        SUBJECT_SOURCES,
        case_warnings,
        override_events,
        recusal_guard,
        registry_relations,
    )
    from .registry.appointment import EFFECT_ACTIONS, fill_posts
    from .visibility import Visibility

    return Registry(
        services=dict(HANDLERS),
        forms=dict(FORMS),
        guards=[recusal_guard],
        derived_records=registry_relations,
        subject_sources=dict(SUBJECT_SOURCES),
        subject_forms=dict(PERSON_BOUND_FORMS),
        annotators=[override_events],
        effects=[fill_posts],  # an appointment fills the post in the registry (workflows/registry/appointment.py)
        effect_actions=dict(EFFECT_ACTIONS),
        warnings=[case_warnings],
        roles=set(TASK_ROLES),
        account_roles=set(ROLES),
        role_conflicts=list(ROLE_CONFLICTS),
        guard_record=DECLARATION,
        default_roles=DefaultRoles(start="clerk", deploy="editor", manage_users="admin"),
        check_parameters=check_overrides,
        narrate=narrate,
        describe_parameters=describe_parameters,
        headline=("unit", "position"),  # 县教育局 · 副局长
        visibility=Visibility(),
    )
