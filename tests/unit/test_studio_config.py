"""The Studio's config dialect: its defaults, the reference's merge, validation that names the path,
and the translation into the engine's config with a warning per setting the engine does not model."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from planalign.domain.census_generator import generate_census
from planalign.domain.config import SimulationConfig, resolve_config
from planalign.domain.simulation import simulate
from planalign.domain.studio_config import (
    INERT_KEYS,
    MODELLED_KEYS,
    NOT_MODELLED_KEYS,
    default_base_config,
    merge_studio_config,
    studio_defaults,
    studio_key_kinds,
    translate_studio_config,
    validate_studio_layer,
)
from planalign.errors import InvalidConfig

# A checkout of the reference at the pinned commit, where this machine has one.
REFERENCE_YAML = Path("/work/ref/config/simulation_config.yaml")
OPT_OUT_BY_AGE = {"young": 1.8, "mid": 1.1, "mature": 0.7, "senior": 0.4}
OPT_OUT_BY_INCOME = {"low_income": 1.3, "moderate": 1.0, "high": 0.8, "executive": 0.5}


def error_of(layer: Any, what: str = "config_overrides") -> str:
    with pytest.raises(InvalidConfig) as caught:
        validate_studio_layer(layer, what=what)
    return str(caught.value)


def translate(
    overrides: dict[str, Any], base: dict[str, Any] | None = None
) -> tuple[SimulationConfig, list[str]]:
    base = default_base_config() if base is None else base
    validate_studio_layer(base, what="base_config")
    validate_studio_layer(overrides, what="config_overrides")
    return translate_studio_config(merge_studio_config(base, overrides))


def match_tiers(*tiers: tuple[float, float, float]) -> list[dict[str, float]]:
    """dc_plan.match_tiers as buildConfigPayload.ts writes them from the form's percents."""
    return [
        {"employee_min": low / 100, "employee_max": high / 100, "match_rate": rate / 100}
        for low, high, rate in tiers
    ]


def studio_payload() -> dict[str, Any]:
    """buildConfigPayload(formData, promotionHazardConfig, bandConfig) for a typical edited form, written
    out key by key as the TypeScript builds it (percent fields divided by 100 where it divides)."""
    loaded = merge_studio_config(default_base_config(), {})
    opt_out_target = 10 / 100
    return {
        "simulation": {
            "name": "Growth 2026-2030",
            "start_year": 2026,
            "end_year": 2030,
            "random_seed": 7,
            "target_growth_rate": 4.5 / 100,
        },
        "workforce": {
            "total_termination_rate": 14 / 100,
            "new_hire_termination_rate": 30 / 100,
            "part_time_new_hire_pct": 0 / 100,
        },
        "setup": {"census_parquet_path": "workspaces/w1/data/census.parquet"},
        "data_sources": {"census_parquet_path": "workspaces/w1/data/census.parquet"},
        "compensation": {
            "target_compensation_growth_percent": 5.0,
            "merit_budget_percent": 4.0,
            "cola_rate_percent": 2.5,
            "promotion_increase_percent": 15,
            "promotion_distribution_range_percent": 5.0,
            "promotion_budget_percent": 1.5,
            "promotion_rate_multiplier": 1.5,
        },
        "new_hire": {
            "strategy": "percentile",
            "target_percentile": 50,
            "compensation_variance_percent": 5.0,
            "age_distribution": [
                {"age": 22, "weight": 0.05},
                {"age": 25, "weight": 0.15},
                {"age": 28, "weight": 0.20},
                {"age": 32, "weight": 0.25},
                {"age": 35, "weight": 0.15},
                {"age": 40, "weight": 0.10},
                {"age": 45, "weight": 0.08},
                {"age": 50, "weight": 0.02},
            ],
            "level_distribution_mode": "adaptive",
            "level_distribution": [
                {"level": 1, "percentage": 50 / 100},
                {"level": 2, "percentage": 25 / 100},
                {"level": 3, "percentage": 15 / 100},
                {"level": 4, "percentage": 8 / 100},
                {"level": 5, "percentage": 2 / 100},
            ],
            "job_level_compensation": [
                {"level": 1, "name": "Staff", "min_compensation": 56000, "max_compensation": 80000},
                {"level": 2, "name": "Manager", "min_compensation": 81000, "max_compensation": 120000},
                {"level": 3, "name": "Sr Manager", "min_compensation": 121000, "max_compensation": 160000},
                {"level": 4, "name": "Director", "min_compensation": 161000, "max_compensation": 300000},
                {"level": 5, "name": "VP", "min_compensation": 275000, "max_compensation": 500000},
            ],
            "market_scenario": "baseline",
            "level_market_adjustments": [{"level": level, "adjustment_percent": 0} for level in range(1, 6)],
        },
        "dc_plan": {
            "eligibility_months": 6,
            "auto_enroll": True,
            "default_deferral_percent": 4,
            "auto_enroll_window_days": 45,
            "auto_enroll_opt_out_grace_period": 30,
            "auto_enroll_scope": "all_eligible",
            "auto_enroll_hire_date_cutoff": "2020-01-01",
            "opt_out_rate_target": opt_out_target,
            "voluntary_enrollment_rate": 30 / 100,
            "match_magnet_enabled": True,
            "match_magnet_probability": 45 / 100,
            "max_voluntary_deferral_percent": 10 / 100,
            "deferral_match_response": {
                "enabled": True,
                "upward_participation_rate": 40 / 100,
                "downward_enabled": True,
                "downward_participation_rate": 5 / 100,
            },
            **{f"opt_out_rate_{band}": opt_out_target * factor for band, factor in OPT_OUT_BY_AGE.items()},
            **{f"opt_out_rate_{band}": opt_out_target * factor for band, factor in OPT_OUT_BY_INCOME.items()},
            "match_enabled": True,
            "match_template": "safe_harbor",
            "match_tiers": match_tiers((0, 3, 100), (3, 5, 50)),
            "match_cap_percent": (3 - 0) / 100 * (100 / 100) + (5 - 3) / 100 * (50 / 100),
            "match_status": "deferral_based",
            "tenure_match_tiers": [],
            "points_match_tiers": [],
            "tenure_graded_bands": [],
            "match_min_tenure_years": 0,
            "match_require_year_end_active": True,
            "match_min_hours_annual": 1000,
            "match_allow_terminated_new_hires": False,
            "match_allow_experienced_terminations": False,
            "core_enabled": True,
            "core_status": "flat",
            "core_contribution_rate_percent": 2,
            "core_graded_schedule": [
                {"service_years_min": 0, "service_years_max": 2, "contribution_rate": 1.0 / 100},
                {"service_years_min": 3, "service_years_max": 5, "contribution_rate": 2.0 / 100},
                {"service_years_min": 6, "service_years_max": None, "contribution_rate": 3.0 / 100},
            ],
            "core_points_schedule": [
                {"min_points": 0, "max_points": 40, "contribution_rate": 1.0 / 100},
                {"min_points": 40, "max_points": 75, "contribution_rate": 2.0 / 100},
                {"min_points": 75, "max_points": None, "contribution_rate": 3.0 / 100},
            ],
            "core_age_schedule": [
                {"min_age": 0, "max_age": 30, "contribution_rate": 3.0 / 100},
                {"min_age": 30, "max_age": 40, "contribution_rate": 4.0 / 100},
                {"min_age": 40, "max_age": 50, "contribution_rate": 5.0 / 100},
                {"min_age": 50, "max_age": None, "contribution_rate": 6.0 / 100},
            ],
            "core_integration_enabled": False,
            "core_integration_level_mode": "ss_wage_base",
            "core_integration_level_value": None,
            "core_integration_disparity_rate": 0 / 100,
            "core_min_tenure_years": 0,
            "core_require_year_end_active": True,
            "core_min_hours_annual": 1000,
            "core_allow_terminated_new_hires": False,
            "core_allow_experienced_terminations": False,
            "auto_escalation": True,
            "escalation_rate_percent": 2,
            "escalation_cap_percent": 15,
            "escalation_effective_day": "01-01",
            "escalation_delay_years": 2,
            # ConfigContext fills an empty cutoff with the start year when escalation is on.
            "escalation_hire_date_cutoff": "2026-01-01",
        },
        "advanced": {
            "engine": "sql",
            "enable_multithreading": True,
            "checkpoint_frequency": "year",
            "memory_limit_gb": 4,
            "log_level": "INFO",
            "strict_validation": True,
        },
        # The Studio sends back the seed sections it loaded from GET .../config, the merge's.
        **{key: loaded[key] for key in ("promotion_hazard", "age_bands", "tenure_bands")},
    }


def default_form_payload() -> dict[str, Any]:
    """The payload of the form left at DEFAULT_FORM_DATA over the yaml's years (an untouched save)."""
    payload = studio_payload()
    payload["simulation"].update(start_year=2025, end_year=2029, random_seed=42, target_growth_rate=3.0 / 100)
    payload["workforce"].update(total_termination_rate=12.0 / 100, new_hire_termination_rate=25.0 / 100)
    payload["compensation"].update(
        merit_budget_percent=3.5, cola_rate_percent=2.0, promotion_increase_percent=12.5
    )
    payload["compensation"]["promotion_rate_multiplier"] = 1.0
    target = 9 / 100
    plan = payload["dc_plan"]
    plan.update(
        eligibility_months=3,
        default_deferral_percent=3.0,
        auto_enroll_scope="new_hires_only",
        opt_out_rate_target=target,
        match_template="tiered",
        core_contribution_rate_percent=1.0,
        escalation_rate_percent=1.0,
        escalation_cap_percent=10.0,
        escalation_delay_years=1,
        escalation_hire_date_cutoff="",
    )
    plan.update(
        {f"opt_out_rate_{band}": target * f for band, f in {**OPT_OUT_BY_AGE, **OPT_OUT_BY_INCOME}.items()}
    )
    return payload


# --- defaults ------------------------------------------------------------------------------------


def test_defaults_have_the_sections_and_values_of_the_reference_yaml() -> None:
    defaults = studio_defaults()
    assert list(defaults) == [
        "simulation",
        "setup",
        "workforce",
        "compensation",
        "new_hire_compensation",
        "raise_timing",
        "plan_year",
        "eligibility",
        "plan_eligibility",
        "enrollment",
        "employee_id_generation",
        "employer_match",
        "employer_core_contribution",
        "optimization",
        "orchestrator",
        "multi_year",
        "deferral_match_response",
        "deferral_auto_escalation",
        "deferral_baseline",
        "deferral_rates",
        "corporate_network",
        "ops",
        "storage",
    ]
    assert defaults["simulation"] == {
        "start_year": 2025,
        "end_year": 2029,
        "random_seed": 42,
        "target_growth_rate": 0.03,
    }
    assert defaults["workforce"] == {"total_termination_rate": 0.12, "new_hire_termination_rate": 0.25}
    assert defaults["compensation"]["promotion_compensation"]["base_increase_pct"] == 0.20
    assert defaults["enrollment"]["auto_enrollment"]["default_deferral_rate"] == 0.02
    assert defaults["employer_match"]["active_formula"] == "simple_match"
    assert defaults["employer_match"]["formulas"]["qaca_safe_harbor"]["max_match_percentage"] == 0.035
    assert defaults["employer_core_contribution"]["contribution_rate"] == 0.01
    assert defaults["deferral_auto_escalation"]["maximum_rate"] == 0.10
    # JSON, as the reference's backend serves it: the yaml's integer keys are strings.
    assert defaults["new_hire_compensation"]["percentile_strategy"]["level_overrides"] == {
        "1": 0.3,
        "2": 0.4,
        "3": 0.5,
        "4": 0.65,
        "5": 0.7,
    }
    assert json.loads(json.dumps(defaults)) == defaults
    assert defaults["storage"] == {"max_runs_per_scenario": 3}


@pytest.mark.skipif(not REFERENCE_YAML.exists(), reason="the reference checkout is not here")
def test_defaults_equal_the_reference_yaml_served_as_json() -> None:
    yaml = pytest.importorskip("yaml")
    reference = json.loads(json.dumps(yaml.safe_load(REFERENCE_YAML.read_text())))
    assert studio_defaults() == reference


def test_a_new_workspace_gets_the_defaults_and_its_own_copy() -> None:
    base = default_base_config()
    assert base == studio_defaults()
    base["simulation"]["start_year"] = 2030
    assert default_base_config()["simulation"]["start_year"] == 2025


def test_every_key_of_the_yaml_and_of_the_studio_form_is_accepted() -> None:
    validate_studio_layer(studio_defaults(), what="base_config")
    validate_studio_layer(studio_payload(), what="config_overrides")
    validate_studio_layer(default_form_payload(), what="base_config")
    validate_studio_layer(merge_studio_config(studio_defaults(), studio_payload()), what="config")
    validate_studio_layer({"ensemble": {"members": 1000}, "irs_limits": {"deferral_402g": 24500}}, what="x")


def test_every_key_has_one_kind_and_the_tables_name_real_keys() -> None:
    kinds = studio_key_kinds()
    listed = (*MODELLED_KEYS, *NOT_MODELLED_KEYS, *INERT_KEYS)
    assert len(set(listed)) == len(listed)
    for path in kinds:
        parts = path.split(".")
        assert any(".".join(parts[:end]) in listed for end in range(1, len(parts) + 1)), path
    for entry in listed:
        assert any(path == entry or path.startswith(entry + ".") for path in kinds), entry
    for path, kind in kinds.items():
        parts = path.split(".")
        nearest = next(key for end in range(len(parts), 0, -1) if (key := ".".join(parts[:end])) in listed)
        assert (kind == "modelled") == (nearest in MODELLED_KEYS), path
    assert kinds["dc_plan.match_min_tenure_years"] == "modelled"
    assert kinds["dc_plan.escalation_rate_percent"] == "modelled"
    assert kinds["employer_core_contribution.integration.disparity_rate"] == "modelled"
    assert kinds["dc_plan.match_require_year_end_active"] == "inert"
    assert kinds["corporate_network.proxy.http_proxy"] == "inert"


# --- merge ---------------------------------------------------------------------------------------


def test_merge_goes_key_by_key_and_keeps_siblings() -> None:
    base = default_base_config()
    merged = merge_studio_config(base, {"simulation": {"end_year": 2027}, "dc_plan": {"auto_enroll": False}})
    assert merged["simulation"] == {
        "start_year": 2025,
        "end_year": 2027,
        "random_seed": 42,
        "target_growth_rate": 0.03,
    }
    assert merged["dc_plan"] == {"auto_enroll": False}
    assert merged["enrollment"] == base["enrollment"]
    assert base["simulation"]["end_year"] == 2029  # inputs are left alone


def test_merge_replaces_lists_and_the_atomic_sections_whole() -> None:
    base = {
        "dc_plan": {"match_tiers": match_tiers((0, 3, 100), (3, 5, 50))},
        "promotion_hazard": {
            "base_rate": 0.04,
            "level_dampener_factor": 0.15,
            "age_multipliers": [],
            "tenure_multipliers": [],
        },
    }
    overrides = {
        "dc_plan": {"match_tiers": match_tiers((0, 6, 50))},
        "promotion_hazard": {"base_rate": 0.05},
        "age_bands": [
            {"band_id": 1, "band_label": "all", "min_value": 0, "max_value": 999, "display_order": 1}
        ],
    }
    merged = merge_studio_config(base, overrides)
    assert merged["dc_plan"]["match_tiers"] == [
        {"employee_min": 0.0, "employee_max": 0.06, "match_rate": 0.5}
    ]
    assert merged["promotion_hazard"] == {"base_rate": 0.05}
    assert merged["age_bands"] == overrides["age_bands"]


def test_a_template_change_renames_the_active_formula_as_the_reference_does() -> None:
    base = default_base_config()
    merged = merge_studio_config(base, {"dc_plan": {"match_template": "qaca"}})
    assert merged["employer_match"]["active_formula"] == "qaca_safe_harbor"
    assert merged["employer_match"]["formulas"] == base["employer_match"]["formulas"]
    merged = merge_studio_config(merged, {"dc_plan": {"match_template": "safe_harbor"}})
    assert merged["employer_match"]["active_formula"] == "safe_harbor_basic"


def test_merge_adds_the_reference_fallbacks_after_reconciling() -> None:
    merged = merge_studio_config(
        {}, {"dc_plan": {"match_template": "stretch", "deferral_match_response": {"enabled": False}}}
    )
    # No employer_match to rename, so the fallback keeps its simple_match, as in the reference.
    assert merged["employer_match"]["active_formula"] == "simple_match"
    assert merged["employer_core_contribution"] == {
        "enabled": True,
        "status": "flat",
        "contribution_rate": 0.03,
    }
    assert merged["deferral_match_response"] == {"enabled": False}
    assert merged["promotion_hazard"]["base_rate"] == 0.04
    assert [band["band_label"] for band in merged["tenure_bands"]] == ["< 2", "2-4", "5-9", "10-19", "20+"]
    yaml_merged = merge_studio_config(
        default_base_config(), {"dc_plan": {"deferral_match_response": {"downward_participation_rate": 0.05}}}
    )
    assert yaml_merged["deferral_match_response"]["downward_participation_rate"] == 0.05
    assert yaml_merged["deferral_match_response"]["upward_maximize_rate"] == 0.60


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ({"dc_plan": {"match_tierz": []}}, "dc_plan.match_tierz: unknown key"),
        ({"simulaton": {}}, "simulaton: unknown key"),
        (
            {"enrollment": {"auto_enrollment": {"opt_out_rates": {"by_age": {"yung": 0.1}}}}},
            "enrollment.auto_enrollment.opt_out_rates.by_age.yung: unknown key",
        ),
        (
            {"simulation": {"start_year": "soon"}},
            'simulation.start_year: must be a whole number (got "soon")',
        ),
        ({"simulation": {"random_seed": 4.5}}, "simulation.random_seed: must be a whole number (got 4.5)"),
        ({"dc_plan": {"auto_enroll": "yes"}}, 'dc_plan.auto_enroll: must be true or false (got "yes")'),
        (
            {"dc_plan": {"default_deferral_percent": True}},
            "dc_plan.default_deferral_percent: must be a number (got true)",
        ),
        (
            {"dc_plan": {"match_tiers": {"employee_min": 0}}},
            "dc_plan.match_tiers: must be a list (got an object)",
        ),
        ({"dc_plan": 3}, "dc_plan: must be an object (got 3)"),
        (
            {"dc_plan": {"match_tiers": [{"employee_min": 0, "employee_max": 0.03}]}},
            "dc_plan.match_tiers[0].match_rate: required",
        ),
        ({"dc_plan": {"match_template": "generous"}}, 'dc_plan.match_template: "generous" is not one of'),
        ({"workforce": {"total_termination_rate": 7}}, "workforce.total_termination_rate: 7 is above 1"),
        (
            {"workforce": {"new_hire_termination_rate": 1}},
            "workforce.new_hire_termination_rate: 1 must be below 1",
        ),
        ({"dc_plan": {"escalation_rate_percent": -1}}, "dc_plan.escalation_rate_percent: -1 is below 0"),
        (
            {"compensation": {"merit_budget_percent": -3.5}},
            "compensation.merit_budget_percent: -3.5 is below 0",
        ),
        ({"ensemble": {"members": 1001}}, "ensemble.members: 1001 is above 1000"),
        (
            {"simulation": {"start_year": 2030, "end_year": 2026}},
            "simulation.start_year: 2030 is after end_year 2026",
        ),
        (
            {"simulation": {"start_year": 2025, "end_year": 2080}},
            "simulation.end_year: 2080 is more than 49 years after start_year",
        ),
        (
            {"dc_plan": {"match_tiers": match_tiers((5, 3, 50))}},
            "dc_plan.match_tiers[0]: employee_min 0.05 is above employee_max 0.03",
        ),
        (
            {"new_hire_compensation": {"percentile_strategy": {"level_overrides": {"top": 0.9}}}},
            "new_hire_compensation.percentile_strategy.level_overrides.top: not a valid key here",
        ),
    ],
)
def test_a_layer_outside_the_dialect_is_refused_naming_the_path(layer: dict[str, Any], message: str) -> None:
    assert message in error_of(layer)


def test_every_problem_of_a_layer_is_named() -> None:
    assert error_of({"workforce": {"bogus": 1, "total_termination_rate": -0.1}}) == (
        "workforce.bogus: unknown key; workforce.total_termination_rate: -0.1 is below 0"
    )


def test_a_layer_that_is_not_an_object_is_refused() -> None:
    assert error_of([1, 2], what="base_config") == "base_config: must be an object (got a list)"


def test_hostile_nesting_is_refused_without_recursing() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(900):
        node["a"] = {}
        node = node["a"]
    assert error_of({"dc_plan": deep}) == "dc_plan" + ".a" * 15 + ": nested deeper than 16 levels"
    nested: list[Any] = []
    items = nested
    for _ in range(900):
        items.append([])
        items = items[0]
    assert "nested deeper than 16 levels" in error_of({"setup": {"clear_table_patterns": nested}})
    with pytest.raises(InvalidConfig, match="nested deeper than 16 levels"):
        merge_studio_config(default_base_config(), {"x": deep})


def test_oversized_input_is_refused() -> None:
    assert error_of({"dc_plan": {"match_tiers": match_tiers(*[(0, 1, 1)] * 101)}}) == (
        "dc_plan.match_tiers: 101 items, at most 100"
    )
    assert "longer than 1000 characters" in error_of({"simulation": {"name": "x" * 1001}})
    assert "keys must be strings" in error_of({"dc_plan": {"k" * 101: 1}})


# --- translation ---------------------------------------------------------------------------------


def test_a_studio_form_translates_into_the_engine_numbers() -> None:
    config, warnings = translate(studio_payload())
    engine = config.model_dump(mode="json")
    assert engine["simulation"] == {"start_year": 2026, "end_year": 2030, "random_seed": 7}
    assert engine["workforce"] == pytest.approx(
        {"target_growth_rate": 0.045, "total_termination_rate": 0.14, "new_hire_termination_rate": 0.30}
    )
    assert engine["compensation"]["merit_budget"] == pytest.approx(0.04)
    assert engine["compensation"]["cola_rate"] == pytest.approx(0.025)
    assert engine["compensation"]["promotion_raise"] == pytest.approx(0.15)
    assert engine["compensation"]["promotion_rates"] == pytest.approx(
        {"1": 0.18, "2": 0.12, "3": 0.075, "4": 0.045, "5": 0.0}
    )
    assert engine["new_hires"]["pay_percentile"] == 0.5
    assert engine["eligibility"] == {"minimum_age": 21, "waiting_period_days": 180}
    assert engine["auto_enrollment"]["enabled"] is True
    assert engine["auto_enrollment"]["scope"] == "all_eligible"
    assert engine["auto_enrollment"]["default_deferral_rate"] == pytest.approx(0.04)
    assert engine["auto_enrollment"]["opt_out_rates"] == pytest.approx(
        {"under_30": 0.18, "30_44": 0.11, "45_59": 0.07, "60_plus": 0.04}
    )
    assert engine["auto_enrollment"]["hire_date_cutoff"] == "2020-01-01"
    assert (engine["auto_enrollment"]["window_days"], engine["auto_enrollment"]["opt_out_grace_days"]) == (
        45,
        30,
    )
    assert engine["auto_enrollment"]["opt_out_income_factors"] == pytest.approx(
        {"low_income": 1.3, "moderate": 1.0, "high": 0.8, "executive": 0.5}
    )
    escalation = {
        key: engine["auto_escalation"][key] for key in ("enabled", "increment", "cap", "first_after_years")
    }
    assert escalation == pytest.approx(
        {"enabled": True, "increment": 0.02, "cap": 0.15, "first_after_years": 2}
    )
    assert engine["auto_escalation"]["hire_date_cutoff"] == "2026-01-01"
    assert engine["auto_escalation"]["effective_day"] == "01-01"
    match = engine["employer_match"]
    assert {key: match[key] for key in ("formula", "tiers", "cap", "basis", "bands")} == {
        "formula": "safe_harbor_basic",
        "tiers": [],
        "cap": pytest.approx(0.04),
        "basis": "deferral",
        "bands": [],
    }
    assert match["min_hours"] == 1000
    assert (match["min_service_years"], match["allow_new_hires"]) == (0, True)
    assert match["require_active_at_year_end"] is True
    assert (match["allow_terminated_new_hires"], match["allow_experienced_terminations"]) == (False, False)
    core = engine["core_contribution"]
    assert (core["enabled"], core["rate"], core["basis"]) == (True, pytest.approx(0.02), "flat")
    assert (core["requires_plan_eligibility"], core["min_hours"], core["require_active_at_year_end"]) == (
        False,
        1000,
        True,
    )
    assert core["integration"]["enabled"] is False
    assert engine["voluntary_enrollment"] == {"under_30": 0.25, "30_44": 0.45, "45_59": 0.65, "60_plus": 0.75}
    voluntary = engine["voluntary"]
    assert (voluntary["enrollment_scale"], voluntary["match_magnet_probability"]) == pytest.approx(
        (0.3, 0.45)
    )
    assert voluntary["max_deferral_rate"] == pytest.approx(0.10)
    assert engine["match_response"] == pytest.approx(
        {
            "enabled": True,
            "upward_participation_rate": 0.4,
            "upward_maximize_rate": 0.6,
            "upward_partial_factor": 0.5,
            "downward_enabled": True,
            "downward_participation_rate": 0.05,
            "downward_reduce_to_max_rate": 0.7,
            "downward_partial_factor": 0.5,
        }
    )
    assert engine["contributions"] == {"round_to_cents": True}
    assert engine["irs_limits"]["schedule"] == "published"
    assert warnings == []


# What every translation of the dialect's defaults carries beyond the engine's built-in values: the
# reference's plan rules (see translate_studio_config).
REFERENCE_RULES: dict[str, Any] = {
    "auto_enrollment": {
        "hire_date_cutoff": "2020-01-01",
        "window_days": 45,
        "opt_out_grace_days": 30,
        "opt_out_rates": {
            "under_30": 0.09 * 1.8,
            "30_44": 0.09 * 1.1,
            "45_59": 0.09 * 0.7,
            "60_plus": 0.09 * 0.4,
        },
        "opt_out_income_factors": {"low_income": 1.3, "moderate": 1.0, "high": 0.8, "executive": 0.5},
    },
    "voluntary": {
        "deferral_rates": [
            {"min_age": age, "min_pay": pay, "rate": rate}
            for age, rates in (
                (0, (3, 3, 4, 6)),
                (31, (4, 6, 8, 10)),
                (46, (5, 8, 10, 12)),
                (56, (6, 10, 12, 15)),
            )
            for pay, rate in zip((0, 50000, 100000, 200000), (r / 100 for r in rates), strict=True)
        ],
        "match_magnet_probability": 0.45,
        "max_deferral_rate": 0.10,
        "enrollment_by_age": [
            {"min": 0, "multiplier": 0.30},
            {"min": 31, "multiplier": 0.55},
            {"min": 46, "multiplier": 0.70},
            {"min": 56, "multiplier": 0.80},
        ],
        "income_factors": {"low_income": 0.70, "moderate": 1.00, "high": 1.15, "executive": 1.25},
        "level_factors": {"1": 0.9, "2": 0.9, "3": 1.0, "4": 1.0, "5": 1.1, "6": 1.1},
        "before_auto_enrollment": True,
        "after_opt_out": False,
        "hire_year_chances": 2,
        "conversion": {
            "chances_by_age": [
                {"min": 0, "multiplier": 0.03},
                {"min": 31, "multiplier": 0.05},
                {"min": 46, "multiplier": 0.07},
                {"min": 56, "multiplier": 0.08},
            ],
            "income_factors": {"low_income": 0.8, "moderate": 1.0, "high": 1.2, "executive": 1.3},
            "service_factors": [
                {"min": 0, "multiplier": 0.7},
                {"min": 2, "multiplier": 1.0},
                {"min": 5, "multiplier": 1.1},
            ],
            "deferral_rates_by_age": [
                {"min": 0, "multiplier": 0.03},
                {"min": 31, "multiplier": 0.04},
                {"min": 46, "multiplier": 0.05},
                {"min": 56, "multiplier": 0.06},
            ],
        },
    },
    "match_response": {"enabled": True},
    "employer_match": {"cap": 0.04},
    "core_contribution": {
        "requires_plan_eligibility": False,
        "min_hours": 1000,
        "require_active_at_year_end": True,
    },
    "contributions": {"round_to_cents": True},
    "irs_limits": {"schedule": "published"},
    # The seed sections' promotion hazard, on their age and tenure bands.
    "compensation": {
        "promotion_hazard": {
            "base_rate": 0.04,
            "level_dampener_factor": 0.15,
            "age_multipliers": [
                {"min": low, "multiplier": m}
                for low, m in ((0, 1.6), (25, 1.4), (35, 1.1), (45, 0.7), (55, 0.3), (65, 0.1))
            ],
            "tenure_multipliers": [
                {"min": low, "multiplier": m}
                for low, m in ((0, 0.5), (2, 1.5), (5, 1.8), (10, 0.8), (20, 0.2))
            ],
        }
    },
}
# What the Config Studio's default form adds: its new-hire offers.
FORM_OFFERS: dict[str, Any] = {
    "new_hires": {
        "age_distribution": [
            {"age": age, "weight": weight}
            for age, weight in (
                (22, 0.05),
                (25, 0.15),
                (28, 0.20),
                (32, 0.25),
                (35, 0.15),
                (40, 0.10),
                (45, 0.08),
                (50, 0.02),
            )
        ],
        "pay_bands": [
            {"level": level, "min": low, "max": high}
            for level, low, high in (
                (1, 56000, 80000),
                (2, 81000, 120000),
                (3, 121000, 160000),
                (4, 161000, 300000),
                (5, 275000, 500000),
            )
        ],
        "pay_variance": 0.05,
    }
}


def test_the_defaults_translate_into_the_engine_built_ins_and_the_reference_rules() -> None:
    config, warnings = translate({})
    assert warnings == []
    yaml_escalation = {"auto_escalation": {"hire_date_cutoff": "2020-01-01"}}
    assert config == resolve_config(
        REFERENCE_RULES, yaml_escalation, {"auto_enrollment": {"default_deferral_rate": 0.02}}
    )
    config, warnings = translate(default_form_payload())
    assert warnings == []
    assert config == resolve_config(
        REFERENCE_RULES,
        FORM_OFFERS,
        {
            "eligibility": {"waiting_period_days": 90},
            "voluntary": {"enrollment_scale": 0.3},
            "match_response": {"downward_participation_rate": 0.05},
        },
    )
    config, warnings = translate_studio_config({})
    assert warnings == []
    assert config == resolve_config(
        {key: value for key, value in REFERENCE_RULES.items() if key != "compensation"},
        {
            "employer_match": {
                "min_service_years": 0,
                "allow_new_hires": True,
                "require_active_at_year_end": True,
            },
            # Without the yaml's sections: the reference's core default asks for a year of service,
            # and no match response.
            "core_contribution": {"min_service_years": 1, "allow_new_hires": False},
            "match_response": {"enabled": False},
        },
    )


@pytest.mark.parametrize(
    ("template", "formula"),
    [
        ("simple", "simple"),
        ("tiered", "tiered"),
        ("stretch", "stretch"),
        ("safe_harbor", "safe_harbor_basic"),
        ("qaca", "qaca"),
    ],
)
def test_each_template_is_the_engine_formula_of_the_same_name(template: str, formula: str) -> None:
    config, warnings = translate({"dc_plan": {"match_template": template}})
    assert (config.employer_match.formula, warnings) == (formula, [])


def test_custom_tiers_become_the_engine_custom_tiers() -> None:
    plan = {"match_template": "tiered", "match_tiers": match_tiers((0, 4, 100), (4, 6, 25))}
    config, warnings = translate({"dc_plan": plan})
    assert config.employer_match.formula == "custom"
    assert [(t.rate, t.up_to) for t in config.employer_match.tiers] == [(1.0, 0.04), (0.25, 0.06)]
    assert warnings == []


def test_gaps_and_overlaps_between_tiers_are_summed_as_the_reference_sums_them() -> None:
    tiers = match_tiers((1, 3, 50), (2, 4, 50), (5, 6, 100))
    config, _ = translate({"dc_plan": {"match_tiers": tiers}})
    assert [(t.rate, t.up_to) for t in config.employer_match.tiers] == pytest.approx(
        [(0.0, 0.01), (0.5, 0.02), (1.0, 0.03), (0.5, 0.04), (0.0, 0.05), (1.0, 0.06)]
    )


def test_tiers_matching_up_to_twice_the_deferral_are_kept() -> None:
    plan = {"match_template": "simple", "match_tiers": match_tiers((0, 4, 150)), "match_cap_percent": 0.06}
    config, warnings = translate({"dc_plan": plan})
    assert [(t.rate, t.up_to) for t in config.employer_match.tiers] == [(1.5, 0.04)]
    assert (config.employer_match.cap, warnings) == (0.06, [])


def test_the_match_cap_reaches_the_engine_and_defaults_to_the_reference_4_percent() -> None:
    plan = {"match_tiers": match_tiers((0, 3, 100), (3, 5, 50)), "match_cap_percent": 0.03}
    config, warnings = translate({"dc_plan": plan})
    assert (config.employer_match.cap, warnings) == (0.03, [])
    config, _ = translate_studio_config(
        merge_studio_config({}, {"dc_plan": {"match_tiers": match_tiers((0, 6, 100))}})
    )
    assert config.employer_match.cap == 0.04


def test_match_and_core_switches() -> None:
    config, _ = translate({"dc_plan": {"match_enabled": False, "core_enabled": False}})
    assert [(t.rate, t.up_to) for t in config.employer_match.effective_tiers()] == [(0.0, 1.0)]
    assert config.core_contribution.enabled is False
    config, warnings = translate({"employer_core_contribution": {"status": "none"}})
    assert (config.core_contribution.enabled, warnings) == (False, [])


def test_a_promotion_increase_at_the_form_default_stands_for_the_yaml_base_increase() -> None:
    config, _ = translate({"compensation": {"promotion_increase_percent": 12.5}})
    assert config.compensation.promotion_raise == 0.20
    config, _ = translate(
        {
            "compensation": {
                "promotion_increase_percent": 12.5,
                "promotion_compensation": {"base_increase_pct": 0.18},
            }
        }
    )
    assert config.compensation.promotion_raise == 0.18
    config, _ = translate({"compensation": {"promotion_increase_percent": 10}})
    assert config.compensation.promotion_raise == 0.10


def test_the_form_key_wins_over_the_yaml_key_for_the_same_setting() -> None:
    config, _ = translate(
        {"compensation": {"merit_budget_percent": 4.5}, "dc_plan": {"escalation_cap_percent": 12}}
    )
    assert config.compensation.merit_budget == 0.045
    assert config.auto_escalation.cap == 0.12
    config, _ = translate({"compensation": {"merit_budget": 0.05}})
    assert config.compensation.merit_budget == 0.05


def test_auto_enrolment_at_zero_percent_is_auto_enrolment_off() -> None:
    config, warnings = translate({"dc_plan": {"default_deferral_percent": 0}})
    assert config.auto_enrollment.enabled is False
    assert warnings == [
        "dc_plan.default_deferral_percent is 0: auto-enrolment at 0 % enrols nobody and was turned off"
    ]


def test_years_that_disagree_across_layers_are_refused() -> None:
    merged = merge_studio_config(default_base_config(), {"simulation": {"start_year": 2031}})
    with pytest.raises(InvalidConfig, match=r"simulation\.start_year: 2031 is after end_year 2029"):
        translate_studio_config(merged)


def test_our_own_sections_reach_the_engine() -> None:
    config, warnings = translate({"ensemble": {"members": 20}, "irs_limits": {"deferral_402g": 24500}})
    assert (config.ensemble.members, config.irs_limits.deferral_402g, warnings) == (20, 24500, [])


# --- warnings ------------------------------------------------------------------------------------


def test_settings_the_engine_does_not_model_are_named_when_changed() -> None:
    payload = default_form_payload()
    payload["compensation"]["promotion_compensation"] = {"max_cap_pct": 0.4}
    overrides = {**payload, "enrollment": {"proactive_enrollment": {"timing_window": {"min_days": 10}}}}
    _, warnings = translate(overrides)
    assert warnings == [
        "compensation.promotion_compensation.max_cap_pct is not modelled yet and was ignored",
        "enrollment.proactive_enrollment.timing_window.min_days is not modelled yet and was ignored",
    ]


def test_settings_at_their_defaults_or_without_effect_give_no_warning() -> None:
    payload = default_form_payload()
    # Names and engine options change no number; nor does requiring year-end activity (the reference
    # drops leavers unless their kind is allowed either way).
    payload["dc_plan"]["match_require_year_end_active"] = False
    payload["simulation"]["name"] = "Renamed"
    payload["advanced"]["memory_limit_gb"] = 16
    _, warnings = translate(payload)
    assert warnings == []
    _, warnings = translate({}, base=copy.deepcopy(default_form_payload()))
    assert warnings == []


def test_engine_dialect_keys_are_refused_and_their_studio_equivalents_translate() -> None:
    equivalents: list[tuple[dict[str, Any], str, dict[str, Any], Any]] = [
        (
            {"employer_match": {"formula": "stretch"}},
            "employer_match.formula",
            {"dc_plan": {"match_template": "stretch"}},
            "stretch",
        ),
        (
            {"core_contribution": {"enabled": False}},
            "core_contribution",
            {"dc_plan": {"core_enabled": False}},
            False,
        ),
        (
            {"workforce": {"target_growth_rate": 0.05}},
            "workforce.target_growth_rate",
            {"simulation": {"target_growth_rate": 0.05}},
            0.05,
        ),
        (
            {"auto_enrollment": {"scope": "all_eligible", "default_deferral_rate": 0.06}},
            "auto_enrollment",
            {"dc_plan": {"auto_enroll_scope": "all_eligible", "default_deferral_percent": 6}},
            ("all_eligible", 0.06),
        ),
    ]
    read = [
        lambda c: c.employer_match.formula,
        lambda c: c.core_contribution.enabled,
        lambda c: c.workforce.target_growth_rate,
        lambda c: (c.auto_enrollment.scope, c.auto_enrollment.default_deferral_rate),
    ]
    for (engine_dialect, path, studio_dialect, expected), value_of in zip(equivalents, read, strict=True):
        assert error_of(engine_dialect).startswith(f"{path}")
        config, warnings = translate(studio_dialect)
        assert (value_of(config), warnings) == (expected, [])


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 3000) | st.floats(-2, 200) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)
# Values that are often right for a key: fractions, small counts, switches, and the tier rows.
LIKELY = (
    st.floats(0, 1)
    | st.integers(0, 40)
    | st.booleans()
    | st.lists(
        st.fixed_dictionaries(
            {
                "employee_min": st.floats(0, 0.1),
                "employee_max": st.floats(0.1, 1),
                "match_rate": st.floats(0, 2),
            }
        ),
        max_size=3,
    )
)


def put(config: dict[str, Any], path: str, value: Any) -> None:
    *parents, name = path.split(".")
    for key in parents:
        if not isinstance(config.get(key), dict):
            config[key] = {}
        config = config[key]
    config[name] = value


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(studio_key_kinds())), LIKELY | JSON), max_size=4))
def test_any_value_at_any_key_is_in_the_dialect_or_an_invalid_config(
    settings_at: list[tuple[str, Any]],
) -> None:
    overrides: dict[str, Any] = {}
    for path, value in settings_at:
        put(overrides, path, value)
    try:
        validate_studio_layer(overrides, what="config_overrides")
        config, warnings = translate_studio_config(merge_studio_config(default_base_config(), overrides))
    except InvalidConfig:
        return
    assert warnings == sorted(set(warnings))
    assert isinstance(config, SimulationConfig)


# --- the plan design's translation ---------------------------------------------------------------


def engine_match(plan: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    config, warnings = translate({"dc_plan": plan}, base)
    assert warnings == []
    return config.employer_match.model_dump(mode="json")


def bands_of(match: dict[str, Any]) -> list[tuple[float, float | None, list[tuple[float, float]]]]:
    return [
        (band["min"], band["max"], [(t["rate"], t["up_to"]) for t in band["tiers"]])
        for band in match["bands"]
    ]


def test_tenure_graded_bands_become_service_bands_with_their_tiers() -> None:
    bands = [
        {"min_years": 0, "max_years": 3, "tiers": match_tiers((0, 2, 100), (2, 8, 50))},
        {"min_years": 3, "max_years": None, "tiers": match_tiers((0, 6, 100))},
    ]
    match = engine_match({"match_status": "tenure_graded", "tenure_graded_bands": bands})
    assert match["basis"] == "service"
    assert bands_of(match) == pytest.approx([(0, 3, [(1.0, 0.02), (0.5, 0.08)]), (3, None, [(1.0, 0.06)])])


def test_legacy_tenure_tiers_become_one_tier_bands_as_the_reference_migrates_them() -> None:
    tiers = [
        {"min_years": 0, "max_years": 5, "match_rate": 0.5, "max_deferral_pct": 0.06},
        {"min_years": 5, "max_years": None, "match_rate": 100, "max_deferral_pct": 8},
    ]
    match = engine_match({"match_status": "tenure_based", "tenure_match_tiers": tiers})
    assert bands_of(match) == pytest.approx([(0, 5, [(0.5, 0.06)]), (5, None, [(1.0, 0.08)])])
    # The yaml's tiers are percents.
    yaml = {"employer_match": {"employer_match_status": "tenure_based", "tenure_match_tiers": tiers}}
    config, _ = translate(yaml)
    assert bands_of(config.employer_match.model_dump()) == pytest.approx(
        [(0, 5, [(0.005, 0.0006)]), (5, None, [(1.0, 0.08)])]
    )


def test_points_tiers_become_points_bands_by_their_minimum() -> None:
    tiers = [
        {"min_points": 60, "max_points": 80, "match_rate": 0.75, "max_deferral_pct": 0.06},
        {"min_points": 0, "max_points": 60, "match_rate": 0.5, "max_deferral_pct": 0.04},
        {"min_points": 80, "max_points": None, "match_rate": 1.0, "max_deferral_pct": 0.08},
    ]
    match = engine_match({"match_status": "points_based", "points_match_tiers": tiers})
    assert match["basis"] == "points"
    assert bands_of(match) == pytest.approx(
        [(0, None, [(0.5, 0.04)]), (60, None, [(0.75, 0.06)]), (80, None, [(1.0, 0.08)])]
    )


def test_schedules_without_tiers_pay_no_match_and_graded_by_service_is_the_reference_default() -> None:
    for status in ("points_based", "tenure_graded"):
        match = engine_match({"match_status": status})
        assert (match["formula"], match["tiers"]) == ("custom", [{"rate": 0.0, "up_to": 1.0}])
    match = engine_match({"match_status": "graded_by_service"})
    assert (match["basis"], bands_of(match)) == ("service", [(0, None, [(0.5, 0.06)])])


def test_match_eligibility_from_the_form() -> None:
    plan = {
        "match_min_tenure_years": 2,
        "match_min_hours_annual": 500,
        "match_allow_terminated_new_hires": True,
        "match_allow_experienced_terminations": False,
    }
    match = engine_match(plan)
    assert (match["min_service_years"], match["allow_new_hires"], match["min_hours"]) == (2, False, 500)
    assert (match["allow_terminated_new_hires"], match["allow_experienced_terminations"]) == (True, False)
    # Without the form's keys and without apply_eligibility, the reference's simple rule.
    config, _ = translate({}, base={"employer_match": {"apply_eligibility": False}})
    assert (config.employer_match.min_hours, config.employer_match.min_service_years) == (1000, 0)


def test_core_schedules_by_status() -> None:
    def core(plan: dict[str, Any]) -> dict[str, Any]:
        config, warnings = translate({"dc_plan": plan})
        assert warnings == []
        return config.core_contribution.model_dump(mode="json")

    graded = core({"core_status": "graded_by_service"})
    # The yaml's schedule; the reference reads only each band's minimum years.
    assert (graded["basis"], [(b["min"], b["max"], b["rate"]) for b in graded["schedule"]]) == (
        "service",
        [(0, None, 0.01), (3, None, 0.02), (6, None, 0.03)],
    )
    ages = [
        {"min_age": 30, "max_age": 50, "contribution_rate": 0.04},
        {"min_age": 50, "max_age": None, "contribution_rate": 0.06},
    ]
    aged = core({"core_status": "age_banded", "core_age_schedule": ages})
    assert [(b["min"], b["max"], b["rate"]) for b in aged["schedule"]] == [(30, 50, 0.04), (50, None, 0.06)]
    points = core({"core_status": "points_based", "core_points_schedule": []})
    assert points["basis"] == "flat"  # no schedule: the reference pays the flat rate
    assert core({"core_status": "none"})["enabled"] is False


def test_core_integration_and_eligibility_from_the_form() -> None:
    plan = {
        "core_integration_enabled": True,
        "core_integration_level_mode": "percent_of_ss_wage_base",
        "core_integration_level_value": 80,
        "core_integration_disparity_rate": 0.01,
        "core_min_tenure_years": 1,
        "core_min_hours_annual": 800,
        "core_allow_experienced_terminations": True,
    }
    config, warnings = translate({"dc_plan": plan})
    core = config.core_contribution
    assert core.integration.model_dump() == {
        "enabled": True,
        "level": "percent_of_ss_wage_base",
        "level_value": 80,
        "disparity_rate": 0.01,
    }
    assert (core.min_service_years, core.allow_new_hires, core.min_hours) == (1, False, 800)
    assert (core.allow_experienced_terminations, core.requires_plan_eligibility, warnings) == (
        True,
        False,
        [],
    )


def test_auto_enrolment_and_escalation_cutoffs() -> None:
    def cutoffs(plan: dict[str, Any]) -> tuple[str | None, str | None]:
        config, _ = translate({"dc_plan": plan})
        auto, escalation = config.auto_enrollment.hire_date_cutoff, config.auto_escalation.hire_date_cutoff
        return (auto and auto.isoformat(), escalation and escalation.isoformat())

    assert cutoffs({}) == ("2020-01-01", "2020-01-01")
    assert cutoffs({"auto_enroll_hire_date_cutoff": "2023-05-01", "escalation_hire_date_cutoff": ""}) == (
        "2023-05-01",
        None,
    )
    # An empty auto-enrolment cutoff leaves the reference's own 2020-01-01.
    assert cutoffs({"auto_enroll_hire_date_cutoff": "", "escalation_hire_date_cutoff": "2024-02-29"}) == (
        "2020-01-01",
        "2024-02-29",
    )


def test_dates_and_days_that_are_not_are_refused_naming_the_path() -> None:
    assert error_of({"dc_plan": {"auto_enroll_hire_date_cutoff": "2023-13-01"}}) == (
        'dc_plan.auto_enroll_hire_date_cutoff: "2023-13-01" is not a date as YYYY-MM-DD'
    )
    assert error_of({"dc_plan": {"escalation_effective_day": "02-29"}}) == (
        'dc_plan.escalation_effective_day: "02-29" is not a day of the year as MM-DD'
    )
    assert (
        error_of({"dc_plan": {"auto_enroll_window_days": 400}})
        == "dc_plan.auto_enroll_window_days: 400 is above 366"
    )


def test_income_opt_out_rates_become_factors_of_the_moderate_rate() -> None:
    rates = {
        "opt_out_rate_low_income": 0.2,
        "opt_out_rate_moderate": 0.1,
        "opt_out_rate_high": 0.05,
        "opt_out_rate_executive": 0.0,
    }
    config, _ = translate({"dc_plan": rates})
    assert config.auto_enrollment.opt_out_income_factors.by_band() == (2.0, 1.0, 0.5, 0.0)


def test_voluntary_choices_from_the_form_and_the_yaml() -> None:
    plan = {
        "match_magnet_enabled": False,
        "max_voluntary_deferral_percent": 0.9,
        "voluntary_enrollment_rate": 0.5,
    }
    table = {
        "enrollment": {
            "voluntary_enrollment": {"deferral_rates": {"demographic_base_rates": {"senior_executive": 0.2}}}
        }
    }
    config, _ = translate({"dc_plan": plan, **table})
    voluntary = config.voluntary
    assert (voluntary.match_magnet_probability, voluntary.max_deferral_rate, voluntary.enrollment_scale) == (
        0,
        0.75,
        0.5,
    )
    assert (voluntary.deferral_rates[-1].min_age, voluntary.deferral_rates[-1].min_pay) == (56, 200000)
    assert voluntary.deferral_rates[-1].rate == 0.2


def test_the_match_response_reaches_the_engine_under_its_names() -> None:
    layer = {
        "deferral_match_response": {
            "upward_partial_increase_factor": 0.25,
            "downward_reduce_to_max_rate": 0.5,
        },
        "dc_plan": {"deferral_match_response": {"enabled": True, "downward_enabled": False}},
    }
    config, _ = translate(layer)
    response = config.match_response
    assert (response.enabled, response.downward_enabled) == (True, False)
    assert (response.upward_partial_factor, response.downward_reduce_to_max_rate) == (0.25, 0.5)


def test_irs_limits_are_the_published_ones_unless_a_figure_is_set() -> None:
    config, _ = translate({})
    assert config.irs_limits.schedule == "published"
    config, _ = translate({"irs_limits": {"deferral_402g": 24000}})
    assert (config.irs_limits.schedule, config.irs_limits.deferral_402g) == ("flat", 24000)


def test_new_hire_offers_ages_levels_and_part_time_from_the_form() -> None:
    payload = default_form_payload()
    payload["workforce"]["part_time_new_hire_pct"] = 0.15
    payload["new_hire"].update(
        market_scenario="competitive",
        level_market_adjustments=[{"level": 2, "adjustment_percent": 4}],
        level_distribution_mode="fixed",
        target_percentile=60,
        compensation_variance_percent=8,
    )
    config, warnings = translate(payload)
    hires = config.new_hires
    assert (hires.part_time_share, hires.pay_percentile, hires.pay_variance) == (0.15, 0.6, 0.08)
    assert (hires.market_adjustment, hires.level_adjustments) == (0.05, {2: 0.04})
    assert hires.level_shares == [0.5, 0.25, 0.15, 0.08, 0.02]
    assert warnings == []
    payload["new_hire"]["strategy"] = "fixed"
    config, _ = translate(payload)
    assert (config.new_hires.pay_percentile, config.new_hires.pay_variance) == (0.5, 0.0)


def test_the_promotion_hazard_lands_on_the_bands_its_multipliers_name() -> None:
    loaded = merge_studio_config(default_base_config(), {})
    hazard = copy.deepcopy(loaded["promotion_hazard"])
    hazard["tenure_multipliers"] = [{"tenure_band": "< 2", "multiplier": 0.5}]  # the other bands: none
    config, _ = translate(
        {
            "promotion_hazard": hazard,
            "compensation": {"promotion_rate_multiplier": 1.5, "promotion_distribution_range_percent": 7},
        }
    )
    engine = config.compensation
    assert engine.promotion_hazard is not None
    assert [(row.min, row.multiplier) for row in engine.promotion_hazard.tenure_multipliers] == [
        (0, 0.5),
        (2, 0.0),
        (5, 0.0),
        (10, 0.0),
        (20, 0.0),
    ]
    assert (engine.promotion_hazard.rate_multiplier, engine.promotion_raise_spread) == (1.5, 0.07)
    # The form's 5 % default stands for the yaml's distribution_range.
    config, _ = translate(
        {
            "compensation": {
                "promotion_distribution_range_percent": 5,
                "promotion_compensation": {"distribution_range": 0.03},
            }
        }
    )
    assert config.compensation.promotion_raise_spread == 0.03


def test_a_pay_band_upside_down_is_refused_naming_the_path() -> None:
    rows = [{"level": 1, "name": "Staff", "min_compensation": 90000, "max_compensation": 80000}]
    assert error_of({"new_hire": {"job_level_compensation": rows}}) == (
        "new_hire.job_level_compensation[0]: min_compensation 90000 is above max_compensation 80000"
    )


def test_a_config_saved_by_the_config_studio_runs_and_reads_back_unchanged() -> None:
    rich = studio_payload()
    rich["dc_plan"].update(
        match_status="tenure_graded",
        tenure_graded_bands=[
            {"min_years": 0, "max_years": 2, "tiers": match_tiers((0, 3, 50))},
            {"min_years": 2, "max_years": None, "tiers": match_tiers((0, 3, 100), (3, 5, 50))},
        ],
        core_status="points_based",
        core_integration_enabled=True,
        core_integration_disparity_rate=0.01,
        escalation_effective_day="07-01",
    )
    for saved in (default_form_payload(), studio_payload(), rich):
        validate_studio_layer(saved, what="config_overrides")
        merged = merge_studio_config(default_base_config(), copy.deepcopy(saved))
        # What the Studio saved is what it reads back, key by key.
        for section, values in saved.items():
            if isinstance(values, dict):
                assert {key: merged[section][key] for key in values} == values, section
            else:
                assert merged[section] == values, section
        config, warnings = translate_studio_config(merged)
        assert warnings == []
        output = simulate(generate_census(200, seed=5, start_year=config.simulation.start_year), config)
        assert len(output.years) == 5
        assert float(output.snapshot["match"].sum()) > 0


def test_a_disparity_the_law_does_not_permit_is_refused_naming_the_path() -> None:
    plan = {"core_contribution_rate_percent": 5, "core_integration_enabled": True}
    # At the wage base the factor is 5.7 %, but the base rate of 5 % binds.
    config, _ = translate({"dc_plan": {**plan, "core_integration_disparity_rate": 0.05}})
    assert config.core_contribution.integration.disparity_rate == 0.05
    with pytest.raises(
        InvalidConfig, match=r"dc_plan\.core_integration_disparity_rate: 0\.051 is above the 0\.05"
    ):
        translate({"dc_plan": {**plan, "core_integration_disparity_rate": 0.051}})
    # At 50 % of the wage base (88,050 in 2025) the factor is 4.3 %.
    half = {
        **plan,
        "core_integration_level_mode": "percent_of_ss_wage_base",
        "core_integration_level_value": 50,
    }
    translate({"dc_plan": {**half, "core_integration_disparity_rate": 0.043}})
    with pytest.raises(InvalidConfig, match=r"the factor 0\.043 for a level of 88,050"):
        translate({"dc_plan": {**half, "core_integration_disparity_rate": 0.05}})
    # A level above the wage base of 2026 (184,500).
    above = {**plan, "core_integration_level_mode": "fixed_dollar", "core_integration_level_value": 180000}
    with pytest.raises(InvalidConfig, match=r"180,000 is above 2025's Social Security wage base 176,100"):
        translate({"dc_plan": {**above, "core_integration_disparity_rate": 0.01}})
