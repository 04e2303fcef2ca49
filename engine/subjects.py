"""Tasks about particular people ("person-bound": an assessment of one person, a vote on several).

A user task says whom it is about with its property `subject`, naming a source the domain
registers (`registry.subject_sources`); the domain also says which forms are always about people
(`registry.subject_forms`). Deployment refuses a version whose task lacks or misnames that marking,
so a diagram edit (renaming an element, adding a task) cannot make such a task anonymous; at a
step, the guards receive the people it is about (e.g. to keep anyone related to them off it), and
a task whose people cannot be told is refused rather than let through unchecked.
"""

from __future__ import annotations

from .errors import Forbidden
from .procedures.bpmnxml import NS, properties


def subject_problems(task, form: str | None, registry) -> list[tuple[str, str]]:
    """(English, Chinese) problems of one user task's `subject` marking, for the deploy report."""
    name = task.get("name") or task.get("id")
    marked = properties(task).get("subject") or None
    required = registry.subject_forms.get(form or "")
    if required and marked != required:
        if marked is None:
            return [(f"user task '{name}' has form '{form}', which is about particular people: "
                     f"it must say whom with the property subject = '{required}'",
                     f"用户任务“{name}”使用表单“{form}”，该表单涉及具体人员：须以属性 subject = “{required}”"
                     "标明所涉人员")]
        return [(f"user task '{name}' has form '{form}', whose people come from '{required}', not '{marked}' "
                 "(property subject)", f"用户任务“{name}”使用表单“{form}”，其所涉人员应来自“{required}”，"
                 f"而非属性 subject 所写的“{marked}”")]
    if marked is None:
        return []
    source = registry.subject_sources.get(marked)
    if source is None:
        known = ", ".join(sorted(registry.subject_sources)) or "none"
        return [(f"user task '{name}' names subject '{marked}', which is not a known source (known: {known})",
                 f"用户任务“{name}”的属性 subject 为“{marked}”，不是已知的人员来源（已知：{known}）")]
    if source.item:
        items = task.xpath("./bpmn:multiInstanceLoopCharacteristics/bpmn:inputDataItem", namespaces=NS)
        if not any((i.get("name") or i.get("id")) == source.item for i in items):
            return [(f"user task '{name}' is about '{marked}': it must be a multi-instance task whose input data "
                     f"item is named '{source.item}'", f"用户任务“{name}”所涉人员为“{marked}”：须为多实例任务，"
                     f"且其输入数据项名称为“{source.item}”")]
    return []


def with_subjects(registry, task: dict, marked: str | None, case_data: dict) -> dict:
    """`task` plus `subject` (the source its diagram, else its form, names) and `subjects` (the keys
    of the people it is about; empty for a task about nobody in particular). Raises Forbidden when
    a task about people cannot tell whom."""
    name = marked or registry.subject_forms.get(task.get("form") or "")
    if not name:
        return {**task, "subject": None, "subjects": []}
    source = registry.subject_sources.get(name)
    found = source.resolve(task, case_data) if source else None
    if found is None:
        raise Forbidden(f"cannot tell whom step '{task['element_id']}' is about (subject '{name}'), so who may do "
                        "it cannot be checked; it is refused", message_zh=f"无法确定环节“{task['element_id']}”所涉人员"
                        f"（subject “{name}”），无法核对办理资格，不予办理")
    return {**task, "subject": name, "subjects": sorted(found)}
