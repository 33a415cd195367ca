"""The Studio's plan design through whole simulated years on tiny censuses: the service and points the
plan counts, auto-enrolment's cutoff, window and opt-out grace, opt-outs by pay, voluntary deferral
choices and the match magnet, the first year's match response, escalation's day and cutoff, and the
workforce and pay settings (new-hire offers, ages, levels, part-time share, promotion hazards)."""

from typing import Any

import numpy as np
import pytest
from planalign.domain.config import resolve_config
from planalign.domain.simulation import simulate
from planalign.domain.simulation.draws import DrawKind, draw_uniform
from planalign.domain.simulation.plan import (
    choose_enrollments,
    conversion_deferral_rates,
    income_band,
    respond_to_match,
    voluntary_deferral_rates,
)
from planalign.domain.simulation.workforce import (
    hire_ages,
    hire_employees,
    hire_pay_by_level,
    workforce_from_census,
)
from planalign.domain.studio_config import default_base_config, merge_studio_config, translate_studio_config
from test_simulation_engine import NO_OPT_OUT, census, events_of, quiet, row, year_rows

AUTO = {"auto_enrollment": {"enabled": True, **NO_OPT_OUT}}
ALL_OPT_OUT = {"opt_out_rates": {"under_30": 1.0, "30_44": 1.0, "45_59": 1.0, "60_plus": 1.0}}


def test_service_and_points_as_the_plan_counts_them() -> None:
    # Hired 2020-12-31: 1,826 days to 2025-12-31 are 4.999 years of 365.25 days, so 4 in 2025 and 5 in
    # 2026 (the calendar's tenure says 5 and 6). Born 1980-06-15: 44 at Dec 31 2024, 45 at Dec 31 2025.
    layer = {"simulation": {"end_year": 2026}}
    output = simulate(census(1, hire_date="2020-12-31"), quiet(layer))
    first, second = row(output, 2025, "E001"), row(output, 2026, "E001")
    assert (first["service_years"], first["points"], first["tenure"]) == (4, 48, 5)
    assert (second["service_years"], second["points"], second["tenure"]) == (5, 50, 6)


def test_auto_enrolment_reaches_those_hired_on_or_after_the_cutoff() -> None:
    people = census(2, hire_date=["2021-03-01", "2015-03-01"])
    output = simulate(people, quiet(AUTO, {"auto_enrollment": {"hire_date_cutoff": "2020-01-01"}}))
    assert (row(output, 2025, "E001")["deferral_rate"], row(output, 2025, "E002")["deferral_rate"]) == (
        0.03,
        0.0,
    )
    everyone = quiet(AUTO, {"auto_enrollment": {"scope": "all_eligible", "hire_date_cutoff": "2015-03-02"}})
    output = simulate(people, everyone)
    assert (row(output, 2025, "E001")["enrolled"], row(output, 2025, "E002")["enrolled"]) == (True, False)


def test_auto_enrolment_takes_effect_after_the_window_for_those_still_employed_then() -> None:
    # Hired Mar 1: enrolled Apr 15. Hired Dec 1: enrolled in 2025 as the reference records it (taking
    # effect on Jan 15, recorded on Dec 31).
    layer = {"simulation": {"end_year": 2026}, "auto_enrollment": {"window_days": 45}}
    output = simulate(census(2, hire_date=["2025-12-01", "2025-03-01"]), quiet(AUTO, layer))
    assert (row(output, 2025, "E001")["enrolled"], row(output, 2025, "E002")["enrolled"]) == (True, True)
    enrolled = events_of(output, "enrollment")
    assert enrolled["employee_id"].tolist() == ["E001", "E002"]
    assert enrolled["effective_date"].astype(str).tolist() == ["2025-12-31", "2025-04-15"]
    # Half of 200 hired Jan 1 leave during the year: those gone before Feb 15 are never enrolled.
    moves = {"workforce": {"total_termination_rate": 0.5, "target_growth_rate": -0.5}}
    output = simulate(census(200, hire_date="2025-01-01"), quiet(AUTO, layer, moves))
    rows = year_rows(output, 2025)
    early = rows["termination_date"] < np.datetime64("2025-02-15")
    assert 0 < early.sum() < 100
    assert (rows["enrolled"] == ~early).all()


def test_an_opt_out_after_the_grace_period_defers_until_then() -> None:
    # Enrolled Feb 15 (Jan 1 + 45 days), opted out 30 days later, Mar 17: 31 days at 3 % of 36,500.
    layer = {
        "auto_enrollment": {
            "window_days": 45,
            "opt_out_grace_days": 30,
            **ALL_OPT_OUT,
            "scope": "all_eligible",
        }
    }
    output = simulate(
        census(1, gross_compensation=36500.0), quiet({"auto_enrollment": {"enabled": True}}, layer)
    )
    year = row(output, 2025, "E001")
    assert (year["enrolled"], year["deferral_rate"]) == (False, 0.0)
    assert year["employee_contribution"] == pytest.approx(93.0)
    assert year["match"] == pytest.approx(93.0)  # the tiered match of 3 % on the same 31 days
    assert events_of(output, "opt_out")["effective_date"].astype(str).tolist() == ["2025-03-17"]
    layer["auto_enrollment"]["opt_out_grace_days"] = None
    output = simulate(
        census(1, gross_compensation=36500.0), quiet({"auto_enrollment": {"enabled": True}}, layer)
    )
    assert row(output, 2025, "E001")["employee_contribution"] == 0.0


def test_escalation_applies_from_its_effective_day() -> None:
    # 4 % until Jun 30 (181 days), 5 % from Jul 1 (184 days) of 36,500: 724 + 920.
    layer = {"auto_escalation": {"enabled": True, "effective_day": "07-01"}}
    output = simulate(census(1, gross_compensation=36500.0, deferral_rate=0.04), quiet(layer))
    year = row(output, 2025, "E001")
    assert (year["deferral_rate"], year["employee_contribution"]) == (0.05, pytest.approx(1644.0))
    # Tiered match: 3.5 % of pay for the first part, 4 % for the second: 633.50 + 736.
    assert year["match"] == pytest.approx(1369.5)
    assert events_of(output, "deferral_escalation")["effective_date"].astype(str).tolist() == ["2025-07-01"]


def test_escalation_only_for_those_hired_on_or_after_its_cutoff() -> None:
    layer = {"auto_escalation": {"enabled": True, "hire_date_cutoff": "2020-01-01"}}
    output = simulate(census(2, hire_date=["2021-01-01", "2019-12-31"], deferral_rate=0.04), quiet(layer))
    assert (row(output, 2025, "E001")["deferral_rate"], row(output, 2025, "E002")["deferral_rate"]) == (
        0.05,
        0.04,
    )


def test_the_match_response_moves_census_participants_in_the_first_year_only() -> None:
    everyone_maximizes = {
        "match_response": {"enabled": True, "upward_participation_rate": 1.0, "upward_maximize_rate": 1.0},
        "simulation": {"end_year": 2026},
    }
    output = simulate(census(2, deferral_rate=[0.02, 0.0]), quiet(everyone_maximizes))
    # The tiered formula's ceiling is 5 %; the non-participant stays out.
    assert row(output, 2025, "E001")["deferral_rate"] == 0.05
    responses = events_of(output, "deferral_match_response")
    assert responses["employee_id"].tolist() == ["E001"]
    assert responses["effective_date"].astype(str).tolist() == ["2025-01-01"]
    assert (responses["old_value"].tolist(), responses["new_value"].tolist()) == ([0.02], [0.05])


def respond(
    layer: dict[str, Any], rates: list[float], pay: float = 100000, other: dict[str, Any] | None = None
) -> list[float]:
    config = resolve_config({"match_response": {"enabled": True, **layer}}, other)
    n = len(rates)
    deferral = np.array(rates)
    changed, new_rate = respond_to_match(
        config=config,
        seed=1,
        year=2025,
        id_hash=np.arange(n, dtype=np.uint64),
        deferral_rate=deferral,
        responding=np.ones(n, dtype=bool),
        ceiling=np.full(n, 0.05),
        most_by_402g=np.full(n, 23500 / pay),
    )
    deferral[changed] = new_rate
    return deferral.tolist()


def test_the_match_response_up_all_the_way_or_part_way_and_down_alike() -> None:
    rates = [0.02, 0.03, 0.05, 0.08, 0.12]
    up = {"upward_participation_rate": 1.0, "downward_participation_rate": 0.0}
    assert respond({**up, "upward_maximize_rate": 1.0}, rates) == [0.05, 0.05, 0.05, 0.08, 0.12]
    # Half the gap, to the nearest 0.5 %: 2 % + 1.5 % = 3.5 %; 3 % + 1 % = 4 %.
    assert respond({**up, "upward_maximize_rate": 0.0}, rates) == [0.035, 0.04, 0.05, 0.08, 0.12]
    down = {"upward_participation_rate": 0.0, "downward_participation_rate": 1.0}
    assert respond({**down, "downward_reduce_to_max_rate": 1.0}, rates) == [0.02, 0.03, 0.05, 0.05, 0.05]
    # 8 % - 1.5 % = 6.5 %; 12 % - 3.5 % = 8.5 %.
    assert respond({**down, "downward_reduce_to_max_rate": 0.0}, rates) == [0.02, 0.03, 0.05, 0.065, 0.085]
    assert respond({**down, "downward_enabled": False}, rates) == rates


def test_a_rise_stops_at_the_escalation_cap_and_at_402g() -> None:
    layer = {
        "upward_participation_rate": 1.0,
        "upward_maximize_rate": 1.0,
        "downward_participation_rate": 0.0,
    }
    assert respond(layer, [0.02], other={"auto_escalation": {"cap": 0.045}}) == [0.045]
    # 23,500 of 500,000 is 4.7 %.
    assert respond(layer, [0.02], pay=500000) == [0.047]


def test_voluntary_enrollees_pick_the_rate_of_their_age_and_pay_and_the_magnet_pulls_them_up() -> None:
    table = [
        {"min_age": 0, "min_pay": 0, "rate": 0.03},
        {"min_age": 0, "min_pay": 100000, "rate": 0.04},
        {"min_age": 46, "min_pay": 0, "rate": 0.05},
        {"min_age": 46, "min_pay": 100000, "rate": 0.12},
    ]

    def chosen(voluntary: dict[str, Any]) -> list[float]:
        config = resolve_config({"voluntary": {"deferral_rates": table, **voluntary}})
        return voluntary_deferral_rates(
            config=config,
            seed=1,
            year=2025,
            id_hash=np.arange(4, dtype=np.uint64),
            plan_age=np.array([30, 30, 50, 50]),
            pay=np.array([60000.0, 150000.0, 60000.0, 150000.0]),
            ceiling=np.full(4, 0.05),
        ).tolist()

    assert chosen({}) == [0.03, 0.04, 0.05, 0.12]
    assert chosen({"max_deferral_rate": 0.10}) == [0.03, 0.04, 0.05, 0.10]
    # Everyone below the 5 % ceiling moves up to it; nobody moves down.
    assert chosen({"match_magnet_probability": 1.0}) == [0.05, 0.05, 0.05, 0.12]


def test_opt_outs_follow_the_pay_band_factor() -> None:
    layer = {
        "auto_enrollment": {
            "opt_out_rates": {"under_30": 0.5, "30_44": 0.5, "45_59": 0.5, "60_plus": 0.5},
            "opt_out_income_factors": {"low_income": 2.0, "moderate": 2.0, "high": 0.0, "executive": 0.0},
        }
    }
    pay = np.array([40000.0, 60000.0, 150000.0, 250000.0])
    assert income_band(np.array([49999.99, 50000.0, 199999.0, 200000.0])).tolist() == [0, 1, 2, 3]
    result = choose_enrollments(
        config=resolve_config(layer),
        seed=1,
        year=2025,
        id_hash=np.arange(4, dtype=np.uint64),
        eligible=np.ones(4, bool),
        enrolled=np.zeros(4, bool),
        auto_enrollment_decided=np.zeros(4, bool),
        in_scope=np.ones(4, bool),
        band=np.ones(4, dtype=np.int8),
        income=income_band(pay),
    )
    assert result.opted_out.tolist() == [True, True, False, False]
    assert result.auto_enrolled.tolist() == [False, False, True, True]


def test_the_voluntary_enrollment_scale_scales_the_yearly_rates() -> None:
    every = {"under_30": 1.0, "30_44": 1.0, "45_59": 1.0, "60_plus": 1.0}
    people = census(20)
    output = simulate(people, quiet({"voluntary_enrollment": every}))
    assert events_of(output, "enrollment")["employee_id"].size == 20
    output = simulate(people, quiet({"voluntary_enrollment": every, "voluntary": {"enrollment_scale": 0.0}}))
    assert events_of(output, "enrollment")["employee_id"].size == 0


# --- workforce and pay ---------------------------------------------------------------------------


def hires(layer: dict[str, Any], count: int = 400) -> Any:
    config = resolve_config(layer)
    workforce, _ = workforce_from_census(census(5), config)
    made, _ = hire_employees(
        count=count,
        year=2025,
        seed=3,
        first_index=5,
        level_mix=np.array([1, 1, 1, 1, 1]),
        level_pay=hire_pay_by_level(workforce, config),
        config=config,
        reserved_ids=np.array([], dtype="U4"),
    )
    return made


def test_an_offer_is_the_percentile_of_the_band_with_the_market_and_the_level_adjustment() -> None:
    bands = [{"level": 1, "min": 56000, "max": 80000}]
    config = resolve_config({"new_hires": {"pay_bands": bands}})
    workforce, _ = workforce_from_census(census(1), config)
    # P50 of 56,000-80,000; the job levels' own bands for the other levels (P50 of 80,000-120,000).
    assert hire_pay_by_level(workforce, config)[:2].tolist() == [68000, 100000]
    market = resolve_config(
        {"new_hires": {"pay_bands": bands, "market_adjustment": 0.1, "level_adjustments": {"1": 0.05}}}
    )
    # 56,000 + 24,000 x 0.5 x 1.1 = 69,200, then + 5 %.
    assert hire_pay_by_level(workforce, market)[0] == pytest.approx(72660)


def test_hire_ages_follow_the_weights() -> None:
    settings = resolve_config(
        {"new_hires": {"age_distribution": [{"age": 35, "weight": 3}, {"age": 25, "weight": 1}]}}
    )
    ages = hire_ages(np.array([0.0, 0.2499, 0.25, 0.9999]), settings.new_hires)
    assert ages.tolist() == [25, 25, 35, 35]


def test_hires_by_fixed_level_shares_part_time_and_with_offer_variance() -> None:
    made = hires(
        {"new_hires": {"level_shares": [0, 0.5, 0.5, 0, 0], "part_time_share": 0.25, "pay_variance": 0.1}}
    )
    assert np.bincount(made.level, minlength=6).tolist() == [0, 0, 200, 200, 0, 0]
    part_time = made.hours_per_week == 20
    assert made.hours_per_week[~part_time].tolist() == [40.0] * int((~part_time).sum())
    assert 80 < part_time.sum() < 120
    level_2 = made.pay[made.level == 2]
    assert (level_2 >= 100000 * 0.9).all() and (level_2 <= 100000 * 1.1).all() and len(set(level_2)) > 100


def hazard(base_rate: float, **more: Any) -> dict[str, Any]:
    return {
        "compensation": {
            "promotion_raise_spread": 0.0,
            "promotion_hazard": {
                "base_rate": base_rate,
                "age_multipliers": [{"min": 0, "multiplier": 1.0}, {"min": 35, "multiplier": 1.1}],
                "tenure_multipliers": [{"min": 0, "multiplier": 0.5}, {"min": 10, "multiplier": 0.8}],
                **more,
            },
        }
    }


def test_promotions_by_hazard_promote_the_sum_of_the_chances_of_each_level() -> None:
    # Born 1980 (44 at the end of 2024: x 1.1), hired 2015 (10 years: x 0.8): 0.1 x 1.1 x 0.8 = 0.088
    # each, 8.8 for 100 employees: 9 promotions, each +20 % exactly (no spread).
    output = simulate(census(100), quiet(hazard(0.1)))
    promoted = events_of(output, "promotion")
    assert len(promoted["employee_id"]) == 9
    assert set(promoted["new_value"].tolist()) == {60000.0}
    # Level 2 (pay 100,000) has a dampener of 1 - 0.5 x 1: 4.4 -> 4 promotions.
    output = simulate(census(100, gross_compensation=100000.0), quiet(hazard(0.1, level_dampener_factor=0.5)))
    assert len(events_of(output, "promotion")["employee_id"]) == 4


def test_no_promotion_under_a_year_of_service_or_from_65() -> None:
    people = census(
        4,
        hire_date=["2025-01-01", "2015-01-01", "2015-01-01", "2015-01-01"],
        birth_date=["1980-01-01", "1959-06-01", "1960-06-01", "1980-01-01"],
    )
    output = simulate(people, quiet(hazard(1.0)))
    # E001 has 0 years of service, E002 is 65 at the end of 2024; E003 (64) and E004 are promoted.
    assert events_of(output, "promotion")["employee_id"].tolist() == ["E003", "E004"]


def test_voluntary_enrollment_by_age_pay_and_level_is_asked_before_auto_enrolment() -> None:
    layer = {
        "auto_enrollment": NO_OPT_OUT,
        "voluntary": {
            "enrollment_by_age": [{"min": 0, "multiplier": 0.0}, {"min": 31, "multiplier": 1.0}],
            "income_factors": {"low_income": 0.0},
            "level_factors": {"2": 0.0},
            "before_auto_enrollment": True,
            "after_opt_out": False,
        },
    }
    # Aged 25 (no chance), 40, 40 on low pay, 40 at level 2, 40 who opted out before.
    result = choose_enrollments(
        config=resolve_config(layer),
        seed=1,
        year=2025,
        id_hash=np.arange(5, dtype=np.uint64),
        eligible=np.ones(5, bool),
        enrolled=np.zeros(5, bool),
        auto_enrollment_decided=np.array([False, False, False, False, True]),
        in_scope=np.ones(5, bool),
        band=np.ones(5, dtype=np.int8),
        income=income_band(np.array([60000.0, 60000.0, 40000.0, 60000.0, 60000.0])),
        plan_age=np.array([25, 40, 40, 40, 40]),
        level=np.array([1, 1, 1, 2, 1], dtype=np.int8),
    )
    assert result.voluntary.tolist() == [False, True, False, False, False]
    assert result.auto_enrolled.tolist() == [True, False, True, True, False]


def test_a_hire_auto_enrolment_would_reach_has_a_second_chance_in_the_year_hired() -> None:
    n = 400
    layer = {
        "voluntary": {
            "enrollment_by_age": [{"min": 0, "multiplier": 0.5}],
            "hire_year_chances": 2,
            "before_auto_enrollment": True,
        }
    }
    hired = np.arange(n) % 2 == 0
    id_hash = np.arange(n, dtype=np.uint64)
    result = choose_enrollments(
        config=resolve_config(layer),
        seed=1,
        year=2025,
        id_hash=id_hash,
        eligible=np.ones(n, bool),
        enrolled=np.zeros(n, bool),
        auto_enrollment_decided=np.zeros(n, bool),
        in_scope=np.ones(n, bool),
        band=np.ones(n, dtype=np.int8),
        plan_age=np.full(n, 40),
        level=np.ones(n, dtype=np.int8),
        hired=hired,
        service=np.zeros(n, dtype=np.int16),
    )
    first = draw_uniform(1, id_hash, 2025, DrawKind.VOLUNTARY_ENROLLMENT) < 0.5
    second = draw_uniform(1, id_hash, 2025, DrawKind.PROACTIVE_ENROLLMENT) < 0.5
    assert result.voluntary.tolist() == (first | (hired & second)).tolist()


def test_the_year_over_year_conversion_by_age_pay_and_service_at_its_own_rates() -> None:
    conversion = {
        "chances_by_age": [{"min": 0, "multiplier": 0.0}, {"min": 31, "multiplier": 1.0}],
        "income_factors": {"low_income": 0.0},
        "service_factors": [{"min": 0, "multiplier": 0.0}, {"min": 2, "multiplier": 1.0}],
        "deferral_rates_by_age": [{"min": 0, "multiplier": 0.03}, {"min": 46, "multiplier": 0.05}],
    }
    layer = {
        "auto_enrollment": {"enabled": False},
        "voluntary": {"enrollment_by_age": [{"min": 0, "multiplier": 0.0}], "conversion": conversion},
    }
    # Aged 25, 40, 50; 40 on low pay; 40 with a year of service; 40 hired this year; 40 who opted out.
    result = choose_enrollments(
        config=resolve_config(layer),
        seed=1,
        year=2025,
        id_hash=np.arange(7, dtype=np.uint64),
        eligible=np.ones(7, bool),
        enrolled=np.zeros(7, bool),
        auto_enrollment_decided=np.array([False] * 6 + [True]),
        in_scope=np.ones(7, bool),
        band=np.ones(7, dtype=np.int8),
        income=income_band(np.array([60000.0, 60000.0, 60000.0, 40000.0, 60000.0, 60000.0, 60000.0])),
        plan_age=np.array([25, 40, 50, 40, 40, 40, 40]),
        level=np.ones(7, dtype=np.int8),
        hired=np.array([False] * 5 + [True, False]),
        service=np.array([5, 5, 5, 5, 1, 0, 5], dtype=np.int16),
    )
    assert result.converted.tolist() == [False, True, True, False, False, False, False]
    settings = resolve_config(layer).voluntary.conversion
    assert settings is not None
    assert conversion_deferral_rates(settings, np.array([40, 50])).tolist() == [0.03, 0.05]


def test_one_who_opted_out_is_auto_enrolled_again_with_the_yearly_sweep() -> None:
    def again(sweep: bool) -> list[bool]:
        layer = {"auto_enrollment": {**NO_OPT_OUT, "opt_outs_asked_again": sweep}}
        result = choose_enrollments(
            config=resolve_config(layer),
            seed=1,
            year=2026,
            id_hash=np.arange(2, dtype=np.uint64),
            eligible=np.ones(2, bool),
            enrolled=np.zeros(2, bool),
            auto_enrollment_decided=np.array([True, False]),
            in_scope=np.ones(2, bool),
            band=np.ones(2, dtype=np.int8),
        )
        return result.auto_enrolled.tolist()

    assert again(False) == [False, True]
    assert again(True) == [True, True]
    config, _ = translate_studio_config(
        merge_studio_config(default_base_config(), {"dc_plan": {"auto_enroll_scope": "all_eligible"}})
    )
    assert config.auto_enrollment.opt_outs_asked_again is True
