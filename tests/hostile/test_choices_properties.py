"""What a form offers is drawn from case data whatever its shape: an offer never fails (the page
would), every option is text, and the web can draw it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.web.formrender import widgets
from engine.actors import Actor
from engine.registry import FormContext
from workflows.forms import json_schema
from workflows.forms.choices import _MAKERS, offer
from workflows.params import with_defaults

from .strategies import JSON_LIKE, NAME, SETTINGS

CASE_KEYS = ["nominate", "registration", "tally", "ranking", "composite", "talk_recommendation", "assessment",
             "decision", "deliberation", "eligibility_review", "withdrawals", "withdrawn", "integrity_opinions",
             "post_count", "announcement"]
FIELDS = ["votes", "share", "percent", "rank", "excluded", "eligible", "within_ratio", "withdrawn", "exam",
          "interview", "composite", "qualified", "approval", "opinion", "reasons", "candidate"]
ROW = st.fixed_dictionaries({"name": NAME}, optional={k: JSON_LIKE for k in FIELDS})
# a step's record: of any shape, or one that looks right with odd rows and values
RECORD = st.fixed_dictionaries({}, optional={k: st.one_of(JSON_LIKE, st.lists(ROW, max_size=4), st.lists(NAME))
                                             for k in ("nominees", "applicants", "candidates", "scores", "eligible",
                                                       "qualified", "flagged", "deferred", "proposed",
                                                       "ties_at_cutoff", "mentions", "shortlist", "repeat")})
CASE_DATA = st.dictionaries(st.sampled_from(CASE_KEYS), st.one_of(JSON_LIKE, RECORD, st.lists(ROW, max_size=3)),
                            max_size=8)
USERS = [{"username": "inspector1", "display_name": "考察组成员一", "roles": ["inspector"]},
         {"username": "clerk1", "display_name": "干部科经办人", "roles": ["clerk"]}]
ACTOR = Actor("inspector1", "考察组成员一", frozenset({"inspector"}))


@SETTINGS
@given(form=st.sampled_from(sorted(_MAKERS)), case=CASE_DATA, candidate=st.one_of(NAME, JSON_LIKE),
       related=st.lists(NAME, max_size=3), locale=st.sampled_from(["zh-CN", "en"]))
def test_an_offer_never_fails_on_odd_case_data(form, case, candidate, related, locale):
    declarations = [{"username": "inspector1", "nominee": name, "relation": "spouse"} for name in related]
    ctx = FormContext(1, form, case, {"candidate": candidate}, with_defaults(), ACTOR, "inspector", locale)
    found = offer(form, ctx, users=lambda role: [u for u in USERS if role is None or role in u["roles"]],
                  declarations=declarations)
    for choices in found.fields.values():
        assert all(isinstance(o.value, str) and isinstance(o.label, str) for o in choices.options)
        assert all(len(o.details) == len(choices.columns) for o in choices.options if choices.columns)
    widgets(json_schema(form, locale), {}, found)


ODD = [  # shapes the generator reaches rarely: odd rows inside records that look right
    ("deliberation", {"assessment": {"candidates": [{"name": "甲", "reasons": ["a_rule_added_later"]}]}}),
    ("deliberation", {"assessment": {"candidates": [{"name": "甲", "reasons": 5, "opinion": ["x"]}]},
                      "integrity_opinions": [{"candidate": ["x"]}, 3]}),
    ("deliberation", {"assessment": {"candidates": [{"name": "甲"}], "flagged": "甲"}, "integrity_opinions": 3}),
    ("confirm_candidates", {"tally": {"nominees": [{"name": "甲", "share": "1/0", "rank": [1]}],
                                      "exclusion_share": 0.5}, "talk_recommendation": {"mentions": [1]}}),
    ("committee_decision", {"decision": {"repeat": True, "deferred": "甲"}, "deliberation": [1]}),
]


@pytest.mark.parametrize(("form", "case"), ODD)
def test_odd_rows_give_an_offer_or_none(form, case):
    found = offer(form, FormContext(1, form, case, {}, with_defaults(), ACTOR, "org_head"))
    widgets(json_schema(form), {}, found)
    assert all(isinstance(o.label, str) for c in found.fields.values() for o in c.options)
