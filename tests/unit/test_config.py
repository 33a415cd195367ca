"""The config model: defaults, deep merge of layers, and validation messages that name the path."""

import json
from typing import Any

import pytest
from planalign.domain.config import (
    SimulationConfig,
    default_config,
    merge_config,
    resolve_config,
    validate_layer,
)
from planalign.errors import InvalidConfig


def error_of(*layers: dict) -> str:
    with pytest.raises(InvalidConfig) as caught:
        resolve_config(*layers)
    return str(caught.value)


def test_defaults_are_plain_json_with_the_spec_values() -> None:
    defaults = json.loads(json.dumps(default_config()))
    assert defaults["simulation"] == {"start_year": 2025, "end_year": 2029, "random_seed": 42}
    assert defaults["workforce"]["total_termination_rate"] == 0.12
    assert defaults["compensation"]["promotion_rates"] == {
        "1": 0.12,
        "2": 0.08,
        "3": 0.05,
        "4": 0.03,
        "5": 0.0,
    }
    assert [band["max"] for band in defaults["job_levels"]] == [80000, 120000, 160000, 300000, None]
    assert defaults["auto_enrollment"]["opt_out_rates"] == {
        "under_30": 0.10,
        "30_44": 0.07,
        "45_59": 0.05,
        "60_plus": 0.03,
    }
    assert defaults["voluntary_enrollment"]["60_plus"] == 0.75
    assert {key: defaults["employer_match"][key] for key in ("formula", "tiers", "basis", "cap")} == {
        "formula": "tiered",
        "tiers": [],
        "basis": "deferral",
        "cap": None,
    }
    assert defaults["employer_match"]["min_hours"] == 1000
    assert defaults["employer_match"]["require_active_at_year_end"] is True
    assert defaults["irs_limits"]["compensation_401a17"] == 350000
    assert defaults["ensemble"] == {"members": 1}


def test_a_dumped_config_resolves_to_itself() -> None:
    config = resolve_config({"voluntary_enrollment": {"30_44": 0.5}, "employer_match": {"formula": "qaca"}})
    assert resolve_config(config.model_dump(mode="json")) == config
    assert resolve_config() == SimulationConfig()


def test_merge_goes_key_by_key_into_dicts_and_replaces_lists_whole() -> None:
    base: dict[str, Any] = {"a": {"b": 1, "c": {"d": 2}}, "tiers": [{"rate": 1.0}, {"rate": 0.5}]}
    override: dict[str, Any] = {"a": {"c": {"e": 3}}, "tiers": [{"rate": 0.25}]}
    merged = merge_config(base, override)
    assert merged == {"a": {"b": 1, "c": {"d": 2, "e": 3}}, "tiers": [{"rate": 0.25}]}
    assert base == {"a": {"b": 1, "c": {"d": 2}}, "tiers": [{"rate": 1.0}, {"rate": 0.5}]}
    assert override == {"a": {"c": {"e": 3}}, "tiers": [{"rate": 0.25}]}
    merged["a"]["c"]["e"] = 4
    assert override["a"]["c"]["e"] == 3


def test_later_layers_win_and_the_rest_keeps_the_defaults() -> None:
    config = resolve_config(
        {"workforce": {"target_growth_rate": 0.05, "total_termination_rate": 0.2}},
        None,
        {"workforce": {"target_growth_rate": 0.07}},
    )
    assert config.workforce.target_growth_rate == 0.07
    assert config.workforce.total_termination_rate == 0.2
    assert config.workforce.new_hire_termination_rate == 0.25


def test_a_custom_tier_list_replaces_the_inherited_one() -> None:
    workspace = {
        "employer_match": {
            "formula": "custom",
            "tiers": [{"rate": 1, "up_to": 0.03}, {"rate": 0.5, "up_to": 0.05}],
        }
    }
    scenario = {"employer_match": {"tiers": [{"rate": 0.5, "up_to": 0.06}]}}
    tiers = resolve_config(workspace, scenario).employer_match.effective_tiers()
    assert [(tier.rate, tier.up_to) for tier in tiers] == [(0.5, 0.06)]


def test_an_out_of_range_value_is_named_with_its_path() -> None:
    assert (
        error_of({"workforce": {"total_termination_rate": 7}})
        == "workforce.total_termination_rate: 7 is above 1"
    )
    assert error_of({"core_contribution": {"rate": -0.5}}) == "core_contribution.rate: -0.5 is below 0"
    assert error_of({"workforce": {"new_hire_termination_rate": 1}}) == (
        "workforce.new_hire_termination_rate: 1 must be below 1"
    )
    assert error_of({"auto_escalation": {"cap": 0.8}}) == "auto_escalation.cap: 0.8 is above 0.75"


def test_an_unknown_key_is_named_with_its_path() -> None:
    assert error_of({"workforce": {"bogus": 1}}) == "workforce.bogus: unknown key"
    assert error_of({"bogus": {}}) == "bogus: unknown key"
    assert error_of({"auto_enrollment": {"opt_out_rates": {"under_31": 0.1}}}) == (
        "auto_enrollment.opt_out_rates.under_31: unknown key"
    )
    assert error_of({"job_levels": [{"level": 1, "name": "All", "min": 0, "max": None, "grade": "A"}]}) == (
        "job_levels.0.grade: unknown key"
    )


def test_several_errors_are_joined() -> None:
    message = error_of({"workforce": {"bogus": 1, "cola": 2}, "ensemble": {"members": 0}})
    assert message.split("; ") == [
        "workforce.bogus: unknown key",
        "workforce.cola: unknown key",
        "ensemble.members: 0 is below 1",
    ]


def test_wrong_types_and_choices_are_named() -> None:
    assert error_of({"workforce": None}) == "workforce: must be an object (got null)"
    assert error_of({"job_levels": {}}) == "job_levels: must be a list (got {})"
    assert error_of({"vesting": {"schedule": "cliff_5"}}) == (
        "vesting.schedule: \"cliff_5\" is not one of 'immediate', 'cliff_2', 'cliff_3' or 'graded_6'"
    )
    assert error_of({"employer_match": {"formula": "generous"}}).startswith(
        'employer_match.formula: "generous" is not one of'
    )
    assert error_of({"compensation": {"promotion_rates": {"one": 0.1}}}).startswith(
        "compensation.promotion_rates.one: invalid key"
    )


def test_promotion_rates_take_json_string_levels() -> None:
    rates = resolve_config({"compensation": {"promotion_rates": {"2": 0.5}}}).compensation.promotion_rates
    assert rates == {1: 0.12, 2: 0.5, 3: 0.05, 4: 0.03, 5: 0.0}


def test_the_years_must_be_in_order_and_span_under_50() -> None:
    assert (
        error_of({"simulation": {"start_year": 2030}}) == "simulation: start_year 2030 is after end_year 2029"
    )
    assert error_of({"simulation": {"end_year": 2075}}) == (
        "simulation: end_year 2075 is more than 49 years after start_year"
    )
    assert resolve_config({"simulation": {"end_year": 2074}}).simulation.end_year == 2074


def test_job_levels_must_be_numbered_in_order_and_contiguous() -> None:
    gap = [
        {"level": 1, "name": "Staff", "min": 0, "max": 50000},
        {"level": 2, "name": "Boss", "min": 60000, "max": None},
    ]
    assert error_of({"job_levels": gap}) == "job_levels: level 1 must end where level 2 starts"
    shuffled = [
        {"level": 2, "name": "Boss", "min": 50000, "max": None},
        {"level": 1, "name": "Staff", "min": 0, "max": 50000},
    ]
    assert error_of({"job_levels": shuffled}) == "job_levels: levels must be numbered 1, 2, 3, ... in order"
    assert error_of({"job_levels": []}) == "job_levels: at least one level is needed"
    single = resolve_config({"job_levels": [{"level": 1, "name": "All", "min": 0, "max": None}]})
    assert len(single.job_levels) == 1


def test_match_formulas_stand_for_their_tiers() -> None:
    def tiers(formula: str) -> list[tuple[float, float]]:
        match = resolve_config({"employer_match": {"formula": formula}}).employer_match
        return [(tier.rate, tier.up_to) for tier in match.effective_tiers()]

    assert tiers("simple") == [(0.5, 0.06)]
    assert tiers("tiered") == [(1.0, 0.03), (0.5, 0.05)]
    assert tiers("stretch") == [(0.25, 0.12)]
    assert tiers("safe_harbor_basic") == [(1.0, 0.03), (0.5, 0.05)]
    assert tiers("qaca") == [(1.0, 0.01), (0.5, 0.06)]


def test_the_custom_formula_needs_increasing_tiers() -> None:
    assert (
        error_of({"employer_match": {"formula": "custom"}})
        == "employer_match: the custom formula needs tiers"
    )
    backwards = [{"rate": 1.0, "up_to": 0.05}, {"rate": 0.5, "up_to": 0.03}]
    assert error_of({"employer_match": {"formula": "custom", "tiers": backwards}}) == (
        "employer_match: tiers must be listed with up_to strictly increasing"
    )


def test_ensemble_members_run_from_1_to_1000() -> None:
    assert error_of({"ensemble": {"members": 1001}}) == "ensemble.members: 1001 is above 1000"
    assert resolve_config({"ensemble": {"members": 1000}}).ensemble.members == 1000


def test_new_hire_ages_must_be_ordered() -> None:
    assert error_of({"new_hires": {"age_mode": 60}}) == (
        "new_hires: age_min 22 <= age_mode 60 <= age_max 50 does not hold"
    )


def test_a_layer_is_validated_on_top_of_the_layers_under_it() -> None:
    workspace = {"employer_match": {"formula": "custom", "tiers": [{"rate": 1.0, "up_to": 0.04}]}}
    validate_layer({"employer_match": {"min_hours": 500}}, workspace)
    validate_layer(workspace)
    with pytest.raises(InvalidConfig, match="employer_match: the custom formula needs tiers"):
        validate_layer({"employer_match": {"formula": "custom"}})
    with pytest.raises(InvalidConfig, match=r"workforce\.cola_rate: unknown key"):
        validate_layer({"workforce": {"cola_rate": 0.02}}, workspace)


def test_a_layer_that_is_not_an_object_is_invalid() -> None:
    not_a_dict: Any = [1, 2]
    with pytest.raises(InvalidConfig, match="config: must be an object, not list"):
        validate_layer(not_a_dict)
