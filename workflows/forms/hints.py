"""Which names a form's per-person fields are keyed by, from what the case already holds
(used to draw one row per nominee in vote tables and the like)."""

from __future__ import annotations

from .casedata import names_in


def person_keys(form: str, field: str, case_data: dict) -> list[str]:
    nominees = names_in((case_data.get("nominate") or {}).get("nominees")) or names_in(
        (case_data.get("registration") or {}).get("applicants"))
    withdrawn = {w.get("name") for w in case_data.get("withdrawals") or [] if isinstance(w, dict)}
    if field in ("votes", "mentions"):
        return nominees
    if field in ("scores", "evaluations"):
        eligible = (case_data.get("eligibility_review") or {}).get("eligible") or nominees
        return [n for n in eligible if n not in withdrawn]
    if field == "results":
        decision = case_data.get("decision") or {}
        if decision.get("repeat"):
            names = decision.get("deferred") or decision.get("proposed") or []
        else:
            names = (case_data.get("deliberation") or {}).get("proposed") or []
        return [n for n in names if n not in withdrawn]
    if field == "justifications":
        return list((case_data.get("assessment") or {}).get("flagged") or [])
    return []
