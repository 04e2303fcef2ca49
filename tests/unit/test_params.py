from decimal import Decimal
from fractions import Fraction

import pytest

from workflows.params import (
    DEFAULTS,
    fraction,
    fraction_param,
    int_param,
    integer,
    param,
    validate_parameters,
    with_defaults,
)


def test_defaults_match_the_parameter_table():
    assert DEFAULTS == {
        "min_extra_nominees": 1,
        "ballot_max_choices": None,
        "recommendation_turnout": "2/3",
        "exclusion_denominator": "present",
        "exclusion_share": "1/2",
        "recommendation_ratio": 3,
        "inspection_ratio": 2,
        "override_min_justification": 20,
        "min_inspection_team": 2,
        "incompetent_ceiling": "1/3",
        "approval_floor": "2/3",
        "decision_quorum": "2/3",
        "approval_majority": "1/2",
        "publicity_working_days": 5,
        "deferral_months": 3,
        "probation_months": 12,
        "exam_weight": "0.4",
        "interview_weight": "0.6",
        "min_work_years": "county_deputy=5,county_chief=5,bureau_deputy=5,bureau_chief=5",
        "min_grassroots_years": "county_deputy=2,county_chief=2,bureau_deputy=2,bureau_chief=2",
        "min_posts_below": "county_deputy=2,county_chief=2,bureau_deputy=2,bureau_chief=2",
        "min_years_in_lower_post": "county_deputy=3,county_chief=2,bureau_deputy=3,bureau_chief=2",
        "min_education": "county_deputy=college,county_chief=college,bureau_deputy=bachelor,bureau_chief=bachelor",
        "training_within_years": "county_deputy=5,county_chief=5,bureau_deputy=5,bureau_chief=5",
        "max_age": "",
        "appraisal_years": 1,
        "sanction_effect_months": "admonishment=6,party_warning=12,party_serious_warning=18,party_post_removal=24,"
                                  "gov_warning=6,gov_demerit=12,gov_major_demerit=18,gov_demotion=24,gov_dismissal=24",
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2/3", Fraction(2, 3)),
        (" 2/3 ", Fraction(2, 3)),
        ("0.4", Fraction(2, 5)),
        ("1", Fraction(1)),
        (2, Fraction(2)),
        (Fraction(3, 5), Fraction(3, 5)),
        (Decimal("0.6"), Fraction(3, 5)),
    ],
)
def test_fraction_accepts_exact_values(value, expected):
    result = fraction(value)
    assert result == expected
    assert isinstance(result, Fraction)


def test_fraction_of_decimal_string_is_exact_not_binary():
    assert fraction("0.1") * 10 == 1


@pytest.mark.parametrize("value", [0.4, 2.0, True, False, None, "two thirds", "1/0", "", [1, 2], {"n": 1},
                                   Decimal("NaN")])
def test_fraction_refuses_floats_and_garbage_with_a_clear_message(value):
    with pytest.raises(ValueError, match="fraction|finite"):
        fraction(value)


def test_fraction_error_for_float_says_to_use_a_string():
    with pytest.raises(ValueError, match="float"):
        fraction(0.5)


def test_integer():
    assert integer(3) == 3
    assert integer("12") == 12
    for bad in (True, 3.0, "3.5", "three", None):
        with pytest.raises(ValueError):
            integer(bad)


def test_param_returns_case_value_or_default():
    assert param({}, "exclusion_share") == "1/2"
    assert param(None, "publicity_working_days") == 5
    assert param({"exclusion_share": "3/5"}, "exclusion_share") == "3/5"
    assert param({"ballot_max_choices": 2}, "ballot_max_choices") == 2
    assert param({}, "ballot_max_choices") is None


def test_param_unknown_name_is_an_error():
    with pytest.raises(KeyError, match="unknown procedure parameter"):
        param({}, "exclusion_sahre")


def test_typed_readers_name_the_parameter_in_errors():
    assert fraction_param({"decision_quorum": "3/4"}, "decision_quorum") == Fraction(3, 4)
    assert int_param({}, "probation_months") == 12
    with pytest.raises(ValueError, match="decision_quorum"):
        fraction_param({"decision_quorum": 0.75}, "decision_quorum")
    with pytest.raises(ValueError, match="publicity_working_days"):
        int_param({"publicity_working_days": "five"}, "publicity_working_days")


def test_with_defaults_overlays():
    merged = with_defaults({"exclusion_denominator": "valid_ballots"})
    assert merged["exclusion_denominator"] == "valid_ballots"
    assert merged["exclusion_share"] == "1/2"
    assert DEFAULTS["exclusion_denominator"] == "present"


def test_validate_parameters():
    assert validate_parameters({}) == {}
    assert validate_parameters(DEFAULTS) == {}
    assert validate_parameters({"exclusion_share": "3/5", "publicity_working_days": 7}) == {}
    errors = validate_parameters({
        "nonsense": 1,
        "exclusion_share": 0.5,
        "decision_quorum": "4/3",
        "publicity_working_days": 4,
        "exclusion_denominator": "ballots",
        "ballot_max_choices": 0,
        "recommendation_ratio": "1/2",
    })
    assert set(errors) == {"nonsense", "exclusion_share", "decision_quorum", "publicity_working_days",
                           "exclusion_denominator", "ballot_max_choices", "recommendation_ratio"}
    assert validate_parameters({"exam_weight": "0.5"}) == {
        "interview_weight": "exam_weight and interview_weight must add up to 1"}
    assert validate_parameters({"exam_weight": "0.5", "interview_weight": "1/2"}) == {}
