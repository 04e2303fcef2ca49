"""The clerk's confirmation of a qualification review: attesting `missing` verdicts.

A missing verdict passes only with the clerk's attestation of what the paper file (档案) shows,
recorded with their name; once confirmed, a missing verdict left unattested counts as failed
(`qualification.settle(final=True)`).
"""

from __future__ import annotations

from ..forms.base import FormSchema, Problem, long_text, rows, text
from .messages import VERDICTS
from .person import PersonKey
from .qualification import rule_label, settle
from .vocab import label


class Attestation(FormSchema):
    person_id = PersonKey(required=True)
    rule = text()
    note = long_text()


class QualificationReview(FormSchema):
    """The clerk's form of the `qualification_review` task."""

    attested = rows(Attestation, required=False)
    comment = long_text(required=False)


def find_nominee(qualification: dict, key) -> dict | None:
    """The reviewed nominee with person_id `key`, else the only one named `key`."""
    nominees = qualification.get("nominees") or []
    by_id = [n for n in nominees if n.get("person_id") == key and key is not None]
    if by_id:
        return by_id[0]
    named = [n for n in nominees if isinstance(key, str) and n.get("name") == key]
    return named[0] if len(named) == 1 else None


def verdict_params(nominee: dict, check: dict) -> dict:
    """The parameters every message about one check of one nominee uses."""
    return {"name": nominee.get("name"), "rule": check["rule"], "rule_zh": rule_label(check["rule"]),
            "verdict": check["verdict"], "verdict_zh": label(VERDICTS, check["verdict"])}


def attest(qualification: dict, attested: list[dict], username: str) -> tuple[dict, list[Problem]]:
    """The confirmed review (each attested check carries `attestation: {note, by}`, every nominee
    settled finally) and the problems of `attested` (`[{person_id, rule, note}]`, validated)."""
    problems: list[Problem] = []
    notes: dict[tuple, str] = {}
    for index, item in enumerate(attested):
        nominee = find_nominee(qualification, item.get("person_id"))
        if nominee is None:
            problems.append(Problem(f"attested.{index}.person_id", "not_reviewed", {"name": item.get("person_id")}))
            continue
        check = next((c for c in nominee["checks"] if c["rule"] == item.get("rule")), None)
        if check is None:
            problems.append(Problem(f"attested.{index}.rule", "not_a_rule", {"name": item.get("rule")}))
        elif check["verdict"] != "missing":
            problems.append(Problem(f"attested.{index}.rule", "not_missing", verdict_params(nominee, check)))
        elif (nominee["person_id"], check["rule"]) in notes:
            problems.append(Problem(f"attested.{index}.rule", "attested_twice", verdict_params(nominee, check)))
        else:
            notes[(nominee["person_id"], check["rule"])] = item["note"]
    confirmed = []
    for nominee in qualification.get("nominees") or []:
        checks = [{**c, "attestation": {"note": notes[(nominee["person_id"], c["rule"])], "by": username}}
                  if (nominee["person_id"], c["rule"]) in notes else c for c in nominee["checks"]]
        confirmed.append(settle({**nominee, "checks": checks}, final=True))
    return {**qualification, "nominees": confirmed, "confirmed_by": username}, problems
