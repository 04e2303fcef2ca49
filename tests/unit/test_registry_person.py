"""The person record of the registry: schema, identity-card number, masking, PATCH, vocabularies."""

from __future__ import annotations

import pytest

from engine.errors import ValidationFailed
from workflows.forms import i18n
from workflows.registry import idcard, vocab
from workflows.registry.person import masked, person_errors, validate_person

MINIMAL = {"name": "王伟", "gender": "男", "birth_date": "1980-01-01"}
FULL = {
    **MINIMAL, "ethnicity": "汉族", "native_place": "河北保定", "birthplace": "北京", "party_join_date": "2003-06-01",
    "work_start_date": "2002-07-01", "health": "健康", "professional_title": "经济师", "id_number": "11010519491231002X",
    "education": [{"kind": "full_time", "level": "bachelor", "school": "北京大学", "major": "经济学"}],
    "posts": [{"unit": "某镇", "title": "副镇长", "level": "township_deputy", "start": "2010-01-01",
               "end": "2014-01-01", "grassroots": True},
              {"unit": "区发改局", "title": "局长", "level": "township_chief", "start": "2014-01-01",
               "probation_until": "2014-12-31", "exceptional": ["work_years"]}],
    "appraisals": [{"year": 2024, "grade": "excellent"}, {"year": 2025, "grade": "competent"}],
    "sanctions": [{"kind": "admonishment", "decided_on": "2020-05-01"}],
    "training": [{"name": "中青班", "institution": "区委党校", "start": "2023-03-01", "end": "2023-06-30", "hours": 200}],
    "family": [{"relation": "spouse", "name": "李娜", "birth_date": "1982-03-03", "political_status": "群众",
                "employer_post": "区一中教师", "abroad": False, "person_id": 7, "username": "lina"}],
    "rewards": [{"title": "优秀共产党员", "decided_on": "2021-07-01", "authority": "区委"}],
}


def problems(data, **kwargs) -> dict[str, str]:
    _cleaned, errors = person_errors(data, **kwargs)
    return {p.path: p.code for p in errors.items}


@pytest.mark.parametrize(("first17", "check"), [("11010519491231002", "X"), ("11010519800101123", "8"),
                                                ("44030419900307001", "8")])
def test_check_character_of_gb11643(first17, check):
    assert idcard.check_character(first17) == check
    assert idcard.problem(first17 + check) is None


@pytest.mark.parametrize(("number", "code"), [
    ("110105194912310021", "id_check_digit"),   # one character off: the check digit catches it
    ("11010519491231002", "id_shape"),          # 17 characters
    ("1101051949123100211", "id_shape"),        # 19
    ("11010519491331002X", "id_birth_date"),    # month 13
    ("11010518991231002X", "id_birth_date"),    # before 1900
    ("X10105194912310021", "id_shape"),
])
def test_bad_identity_numbers(number, code):
    assert idcard.problem(number) == code


def test_full_record_round_trip_and_normalized_id():
    cleaned = validate_person({**FULL, "id_number": " 11010519491231002x "})
    assert cleaned["id_number"] == "11010519491231002X"
    assert cleaned["posts"][1]["end"] is None and cleaned["posts"][1]["grassroots"] is False
    assert cleaned["family"][0]["person_id"] == 7
    assert validate_person(cleaned) == cleaned


def test_minimal_record_gets_empty_defaults():
    cleaned = validate_person(MINIMAL)
    assert cleaned["id_number"] is None and cleaned["posts"] == [] and cleaned["work_start_date"] is None
    assert cleaned["ethnicity"] == ""


def test_every_field_is_checked_and_named():
    bad = {**FULL, "gender": "x", "birth_date": "1980-13-01", "id_number": "110105194912310021", "extra": 1,
           "education": [{"kind": "night", "level": "phd"}],
           "posts": [{"unit": "", "title": "镇长", "level": "mayor", "start": "2014-01-01"}],
           "appraisals": [{"year": "2024", "grade": "good"}, {"year": 1900, "grade": "excellent"}],
           "sanctions": [{"kind": "fine", "decided_on": None}],
           "family": [{"relation": "friend", "name": "x", "abroad": "yes", "person_id": 0}]}
    assert problems(bad) == {
        "gender": "gender", "birth_date": "not_date", "id_number": "id_check_digit", "extra": "unknown_field",
        "education.0.kind": "one_of", "education.0.level": "one_of", "posts.0.unit": "blank",
        "posts.0.level": "one_of", "appraisals.0.year": "not_int", "appraisals.0.grade": "one_of",
        "appraisals.1.year": "year_range", "sanctions.0.kind": "one_of", "sanctions.0.decided_on": "null",
        "family.0.relation": "one_of", "family.0.abroad": "not_bool", "family.0.person_id": "min_value",
    }


def test_date_order_within_a_row():
    assert problems({**MINIMAL, "posts": [{"unit": "u", "title": "t", "start": "2014-01-02", "end": "2014-01-01"}]}) \
        == {"posts.0.end": "end_before_start"}
    assert problems({**MINIMAL, "posts": [{"unit": "u", "title": "t", "start": "2014-01-01", "end": "2014-01-01"}]}) \
        == {}
    assert problems({**MINIMAL, "posts": [{"unit": "u", "title": "t", "start": "2014-01-02",
                                           "probation_until": "2014-01-01"}]}) \
        == {"posts.0.probation_until": "probation_before_start"}
    assert problems({**MINIMAL, "training": [{"name": "n", "start": "2020-02-01", "end": "2020-01-01"}]}) \
        == {"training.0.end": "end_before_start"}
    assert problems({**MINIMAL, "posts": [{"unit": "u", "title": "t", "start": "2014-01-01",
                                           "exceptional": ["work_years", "luck"]}]}) \
        == {"posts.0.exceptional.1": "not_a_rule"}
    assert problems({**MINIMAL, "posts": [{"unit": "u", "title": "t", "start": "2014-01-01",
                                           "exceptional": ["age", "age"]}]}) == {"posts.0.exceptional.1": "duplicate"}


def test_messages_in_both_languages_name_the_field():
    with pytest.raises(ValidationFailed) as zh:
        validate_person({**MINIMAL, "id_number": "110105194912310021"})
    assert zh.value.fields == {"id_number": "公民身份号码校验位不正确，请核对是否录入有误"}
    with pytest.raises(ValidationFailed) as en:
        validate_person({**MINIMAL, "posts": [{"unit": "u", "title": "t", "start": "2014-01-02", "end": "2014-01-01"}]},
                        "en")
    assert en.value.fields == {"posts.0.end": "The end (2014-01-01) is before the start (2014-01-02)."}


def test_patch_checks_only_what_is_given_and_lists_whole():
    assert validate_person({"health": "良好"}, partial=True) == {"health": "良好"}
    assert problems({"name": ""}, partial=True) == {"name": "blank"}
    assert problems({"gender": None}, partial=True) == {"gender": "null"}
    assert problems({}, partial=True) == {"_form": "required"}
    assert problems({"nickname": "x"}, partial=True) == {"nickname": "unknown_field"}
    # a list given is a whole list: its rows are complete records
    assert problems({"posts": [{"unit": "u", "title": "t"}]}, partial=True) == {"posts.0.start": "required"}


def test_masking():
    assert idcard.mask("110105194912311234") == "110105********1234"
    assert idcard.mask(None) == "" and idcard.mask("") == ""
    record = validate_person(FULL)
    assert masked(record)["id_number"] == "110105********002X" and record["id_number"] == "11010519491231002X"
    assert masked({"name": "x"}) == {"name": "x"}


def test_vocabularies_in_order_with_labels():
    assert vocab.LEVEL_KEYS == ("township_deputy", "township_chief", "county_deputy", "county_chief",
                                "bureau_deputy", "bureau_chief")
    assert vocab.label(vocab.LEVELS, "county_deputy") == "县处级副职"
    assert vocab.label(vocab.LEVELS, "county_deputy", "en") == "county/division deputy"
    assert vocab.rank(vocab.EDUCATION_LEVELS, "college") < vocab.rank(vocab.EDUCATION_LEVELS, "bachelor")
    assert vocab.from_label(vocab.APPRAISAL_GRADES, "基本称职") == "basically_competent"
    assert vocab.from_label(vocab.RELATIONS, "Spouse") == "spouse" and vocab.from_label(vocab.RELATIONS, "x") is None
    assert set(vocab.RECUSAL_CLASS) == set(vocab.keys(vocab.RELATIONS))
    assert len(vocab.EXCEPTIONAL_GROUNDS) == 6
    # every choice and label has both languages in the forms' tables
    for key in vocab.LEVEL_KEYS + vocab.SANCTION_KEYS:
        assert key in i18n.CHOICES
    assert i18n.LABELS["work_start_date"] == ("参加工作时间", "Work start date")


def test_the_schemas_export_as_json_schema_with_titles_in_both_languages():
    from workflows.forms.base import Form
    from workflows.forms.export import form_json_schema
    from workflows.registry.confirm import QualificationReview
    from workflows.registry.exceptional import ExceptionalPromotion
    from workflows.registry.person import TITLE, PersonSchema

    zh = form_json_schema(Form("person", TITLE, PersonSchema), "zh-CN")
    en = form_json_schema(Form("person", TITLE, PersonSchema), "en")
    post_zh, post_en = (s["properties"]["posts"]["items"]["properties"] for s in (zh, en))
    assert (post_zh["level"]["title"], post_en["level"]["title"]) == ("职级", "Leadership level")
    assert post_zh["level"]["x-enum-titles"][:2] == ["乡科级副职", "乡科级正职"]
    assert zh["properties"]["training"]["items"]["properties"]["name"]["title"] == "培训名称"
    assert zh["properties"]["id_number"]["title"] == "公民身份号码"
    for schema in (QualificationReview, ExceptionalPromotion):
        assert form_json_schema(Form("x", ("x", "x"), schema), "zh-CN")["additionalProperties"] is False
