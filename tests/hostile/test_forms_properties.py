"""Properties of the 25 forms of workflows/forms, called as the engine calls them: through the
registry (`build_registry().forms[name](data, FormContext)`).

* Any JSON-like garbage either validates or raises `ValidationFailed` — never another exception —
  with a message per field in Chinese and in English, on the same field paths in both.
* Each message names a field the form has or a key the client sent; a wrong value in one field is
  reported at that field.
* Valid input — the examples of tests/unit/test_forms.py and inputs generated from each form's
  field types — is cleaned to a fixed point: validating the cleaned data gives it back unchanged.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import ValidationError, fields, validate

from engine.errors import ValidationFailed
from tests.unit.test_forms import VALID, ctx
from workflows import build_registry
from workflows.forms import ALL, FORM_NAMES
from workflows.forms.base import Bool, Day, Gender, Int, Many, NameMap, Obj, Score, Str
from workflows.forms.labels import path_label
from workflows.forms.nomination import ById, NomineeItem, Person
from workflows.registry.person import PersonKey

from .strategies import CJK, FEW, JSON_LIKE, JSON_SCALARS, NAME, SETTINGS

REGISTRY = build_registry()
FORMS = sorted(FORM_NAMES)


def test_the_registry_holds_all_25_forms():
    assert len(FORMS) == 25 and set(REGISTRY.forms) == set(FORMS) == set(VALID)


def _context(form: str, locale: str):
    return ctx(**VALID[form][1], locale=locale)


def _strings(value) -> set[str]:
    """Every string in a JSON-like value (keys included), as given and trimmed."""
    found, todo = set(), [value]
    while todo:
        v = todo.pop()
        if isinstance(v, str):
            found |= {v, v.strip()}
        elif isinstance(v, dict):
            todo += [*v.keys(), *v.values()]
        elif isinstance(v, list | tuple):
            todo += v
    return {s for s in found if s}


# Chinese the English messages keep on purpose: the gender values and two terms of art.
GLOSSARY = re.compile("男|女|差额提名|差额考察")


def _without(text: str, echoed: set[str]) -> str:
    """The text without the client's own strings (names are echoed as sent) and the glossary."""
    for s in sorted(echoed, key=len, reverse=True):
        text = text.replace(s, "")
    return GLOSSARY.sub("", text)


def validate_both(form: str, data) -> tuple[dict | None, ValidationFailed | None, ValidationFailed | None]:
    """(cleaned, None, None) or (None, Chinese refusal, English refusal); any other exception fails."""
    results = []
    for locale in ("zh-CN", "en"):
        submitted = copy.deepcopy(data)
        try:
            results.append(REGISTRY.forms[form](submitted, _context(form, locale)))
        except ValidationFailed as exc:
            assert type(exc) is ValidationFailed, type(exc)
            results.append(exc)
        assert submitted == data or data != data, "the form changed its input"  # (NaN != NaN)
    zh, en = results
    assert isinstance(zh, dict) == isinstance(en, dict), (zh, en)
    if isinstance(zh, dict):
        assert zh == en
        assert json.loads(json.dumps(zh, ensure_ascii=False, allow_nan=False)) == zh
        return zh, None, None
    return None, zh, en


def assert_well_refused(form: str, data, zh: ValidationFailed, en: ValidationFailed) -> None:
    """Per-field messages in both languages on the same paths; each path names a field of the form
    or a key the client sent; the summaries name the fields by their labels."""
    assert zh.fields and set(zh.fields) == set(en.fields), (zh.fields, en.fields)
    declared = set(ALL[form].schema().fields)
    sent = set(data) if isinstance(data, dict) else set()
    echoed = _strings(data) | _strings(_context(form, "en").case_data) | _strings(_context(form, "en").prefill)
    for path, message in zh.fields.items():
        assert isinstance(path, str) and path, zh.fields
        named = path == "_form" or any(path == k or path.startswith(f"{k}.") for k in declared | sent)
        assert named, (path, declared, sent)
        assert isinstance(message, str) and CJK.search(message), (path, message)
        english = en.fields[path]
        assert isinstance(english, str) and english.strip() and english != message, (path, english)
        assert not CJK.search(_without(english, echoed)), (path, english)
    schema = ALL[form].schema()
    for path in list(zh.fields)[:10]:  # the summaries list the first ten, each by its label (issue 13)
        if path != "_form":
            assert path_label(schema, path, False) in zh.message_zh, (path, zh.message_zh)
            assert path_label(schema, path, True) in en.message, (path, en.message)
    assert CJK.search(zh.message_zh) and zh.message == en.message and zh.message_zh == en.message_zh
    assert zh.details["form"] == form
    for problem in zh.details["errors"]:
        assert problem["field"] in zh.fields
        assert problem["message"].strip() and CJK.search(problem["message_zh"]), problem
    assert zh.localized("zh-CN") == zh.message_zh and zh.localized("en") == zh.message


# --- garbage --------------------------------------------------------------------------------------------


def _garbage_for(form: str):
    names = sorted(ALL[form].schema().fields)
    keys = st.one_of(st.sampled_from(names), NAME, st.just("surprise"))
    return st.one_of(
        JSON_LIKE,  # not even an object, or an object of anything
        st.dictionaries(keys, JSON_LIKE, max_size=len(names) + 2),  # the form's own keys, garbage values
    )


@pytest.mark.parametrize("form", FORMS)
@FEW
@given(data=st.data())
def test_garbage_validates_or_is_refused_field_by_field(form, data):
    garbage = data.draw(_garbage_for(form), label="garbage")
    cleaned, zh, en = validate_both(form, garbage)
    if cleaned is None:
        assert_well_refused(form, garbage, zh, en)


@pytest.mark.parametrize("form", FORMS)
@FEW
@given(data=st.data())
def test_one_bad_field_is_reported_at_that_field(form, data):
    valid = copy.deepcopy(VALID[form][0])
    field = data.draw(st.sampled_from(sorted(ALL[form].schema().fields)), label="field")
    valid[field] = data.draw(JSON_LIKE, label="value")
    cleaned, zh, en = validate_both(form, valid)
    if cleaned is not None:
        return
    assert_well_refused(form, valid, zh, en)
    try:
        ALL[form].schema().load(copy.deepcopy(valid))
    except ValidationError:  # the value itself is wrong (not a rule across fields or the case)
        assert all(p == field or p.startswith(field + ".") for p in zh.fields), (field, zh.fields)


@SETTINGS
@given(form=st.sampled_from(FORMS), data=JSON_SCALARS)
def test_a_body_that_is_not_an_object_is_one_form_level_error(form, data):
    _cleaned, zh, en = validate_both(form, data)
    assert zh.fields == {"_form": "不是有效的对象"} and en.fields == {"_form": "Not a valid object."}


# --- valid input round-trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_the_cleaned_example_is_a_fixed_point(form):
    cleaned, _zh, _en = validate_both(form, VALID[form][0])
    assert cleaned == VALID[form][2]
    again, zh, _en = validate_both(form, cleaned)
    assert zh is None and again == cleaned


def _padded(text: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(st.sampled_from(["", " ", "\t", "\u3000"]), text, st.sampled_from(["", " ", "\n"])).map("".join)


def _length(validators) -> tuple[int, int]:
    low, high = 0, 50
    for v in validators:
        if isinstance(v, validate.Length):
            low, high = v.min or low, min(v.max or high, 50)
    return low, high


def _text(low: int, high: int) -> st.SearchStrategy:
    alphabet = st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zs", "Zl", "Zp"])
    return _padded(st.text(alphabet, min_size=max(low, 0), max_size=high))


def strategy_for(field: fields.Field, names: list[str]) -> st.SearchStrategy:
    """Values a field accepts, built from its type and validators (the form's own definition)."""
    checks = list(field.validators)
    choices = next((v.choices for v in checks if isinstance(v, validate.OneOf)), None)
    if choices is not None:
        return st.sampled_from(sorted(choices))
    if isinstance(field, Gender):
        return st.sampled_from(["男", "女", "male", "Female", " MALE "])
    if isinstance(field, Score):
        hundredths = st.integers(0, 10000)
        return st.one_of(hundredths.map(lambda h: str(Decimal(h) / 100)), st.integers(0, 100),
                         st.integers(0, 400).map(lambda q: q / 4))
    if isinstance(field, Day):
        return st.dates(date(1900, 1, 1), date(2100, 12, 31)).map(date.isoformat)
    if isinstance(field, Bool):
        return st.booleans()
    if isinstance(field, Int):
        low = next((v.min for v in checks if isinstance(v, validate.Range)), 0) or 0
        return st.one_of(st.integers(low, low + 50), st.integers(low, 2**63))
    if isinstance(field, Str):
        low, high = _length(checks)
        return st.one_of(st.sampled_from(names), _text(low, high)) if low else _text(0, high)
    if isinstance(field, NomineeItem):  # a person id of the registry, or a new person's fields
        return st.one_of(objects(ById(), names), objects(Person(), names))
    if isinstance(field, Obj):
        return objects(field.schema, names)
    if isinstance(field, PersonKey):  # a person id, or a name naming one nominee
        return st.one_of(st.integers(1, 60), st.sampled_from(names))
    if type(field) is fields.Raw:  # what a form returns itself (the confirmed review): never trusted as sent
        return st.none()
    if isinstance(field, NameMap):
        return st.dictionaries(st.one_of(st.sampled_from(names), NAME.filter(str.strip)).map(str.strip),
                               strategy_for(field.value_field, names), max_size=5)
    if isinstance(field, Many):
        low = next((v.min for v in checks if isinstance(v, validate.Length)), 0) or 0
        inner = strategy_for(field.inner, names)
        key = (lambda item: item.get(field.unique)) if isinstance(field.unique, str) else (lambda item: item)
        unique_by = (lambda item: str(key(item)).strip()) if field.unique else None
        return st.lists(inner, min_size=low, max_size=max(low, 5), unique_by=unique_by)
    raise AssertionError(f"no strategy for {type(field).__name__}")  # a new field type: teach this test


def objects(schema, names: list[str]) -> st.SearchStrategy:
    required = {n: strategy_for(f, names) for n, f in schema.fields.items() if f.required}
    optional = {n: strategy_for(f, names) for n, f in schema.fields.items() if not f.required}
    return st.fixed_dictionaries(required, optional=optional)


def _names(form: str) -> list[str]:
    """Names the form's context knows (nominees, applicants, candidates), so generated names often fit."""
    found = [s for s in _strings(_context(form, "zh-CN").case_data) if 0 < len(s) <= 4 and CJK.search(s)]
    return sorted(found) + ["inspector1", "inspector2"]


@pytest.mark.parametrize("form", FORMS)
@FEW
@given(data=st.data())
def test_generated_valid_fields_are_cleaned_to_a_fixed_point(form, data):
    schema = ALL[form].schema()
    generated = data.draw(objects(schema, _names(form)), label="input")
    loaded = schema.load(copy.deepcopy(generated))  # the field types accept what they declare
    assert schema.load(copy.deepcopy(loaded)) == loaded
    cleaned, zh, en = validate_both(form, generated)
    if cleaned is None:  # a rule across fields or against the case refused it: still well refused
        assert_well_refused(form, generated, zh, en)
        return
    again, zh, _en = validate_both(form, cleaned)
    assert zh is None and again == cleaned


# Fields whose value no rule constrains beyond its type: regenerating them keeps a valid input valid.
SHORT_TEXT = {"position", "unit", "rank", "current_post", "notice_number", "talk_by", "channel"}
LONG_TEXT = {"reason", "comment", "findings", "summary", "requirements", "single_candidate_reason"}
DATES = {"meeting_date", "effective_date", "deadline", "birth_date"}
COUNTS = ("excellent", "competent", "basically_competent", "incompetent")


@st.composite
def evaluations(draw):
    counts = {k: draw(st.integers(0, 10**6)) for k in COUNTS}
    counts[draw(st.sampled_from(COUNTS))] += 1  # an empty evaluation is refused
    return counts


def _free(key, value):
    """A strategy for `value` (found at `key` in a valid example) that keeps the input valid."""
    if key in SHORT_TEXT and isinstance(value, str):
        return _text(1, 200).filter(str.strip)
    if key in LONG_TEXT and isinstance(value, str):
        return _text(1, 300).filter(str.strip)
    if key in DATES:
        return st.dates(date(1900, 1, 1), date(2100, 12, 31)).map(date.isoformat)
    if key == "gender":
        return st.sampled_from(["男", "女", "male", "female", "Male", " FEMALE "])
    if key in ("probation", "named", "specific"):
        return st.booleans()
    if key == "consulted":
        return st.lists(_text(1, 64).filter(str.strip), min_size=1, max_size=4, unique_by=str.strip)
    if isinstance(value, dict) and set(value) == set(COUNTS):
        return evaluations()
    if key == "scores":
        return st.fixed_dictionaries({name: strategy_for(Score(), []) for name in value})
    if isinstance(value, dict):
        return st.fixed_dictionaries({k: _free(k, v) for k, v in value.items()})
    if isinstance(value, list):
        return st.tuples(*[_free(key, v) for v in value]).map(list)
    return st.just(value)


@pytest.mark.parametrize("form", FORMS)
@FEW
@given(data=st.data())
def test_valid_inputs_with_any_free_text_dates_and_counts_round_trip(form, data):
    example = VALID[form][0]
    generated = data.draw(_free(None, example), label="input")
    if "comment" in ALL[form].schema().fields and "comment" not in generated and data.draw(st.booleans()):
        generated["comment"] = data.draw(_text(1, 300).filter(str.strip), label="comment")
    cleaned, zh, _en = validate_both(form, generated)
    assert zh is None, zh.fields
    for key in SHORT_TEXT | LONG_TEXT:
        if isinstance(generated.get(key), str):
            assert cleaned[key] == generated[key].strip()  # kept as typed, only trimmed
    again, zh, _en = validate_both(form, cleaned)
    assert zh is None and again == cleaned
