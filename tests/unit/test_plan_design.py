"""The Studio's plan design in the engine, rule by rule, on employees made by hand with the dollars
worked out by hand: match tiers with a cap, service and points bands, match and core eligibility,
core schedules and §401(l) integration, and the IRS limits of each plan year."""

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from planalign.domain.config import SimulationConfig, resolve_config
from planalign.domain.irs_limits import YearLimits, published_limits
from planalign.domain.simulation.employer import band_of, round_to_cents
from planalign.domain.simulation.plan import Contributions, compute_contributions

LIMITS_2025 = published_limits(2025)
TIERED = [{"rate": 1.0, "up_to": 0.03}, {"rate": 0.5, "up_to": 0.05}]


def contribute(
    layer: dict[str, Any] | SimulationConfig,
    *,
    pay: float | list[float] = 100000,
    rate: float | list[float] = 0.08,
    service: int | list[int] = 5,
    points: int | list[int] = 50,
    plan_age: int | list[int] = 40,
    age: int | list[int] = 41,
    hours: float | list[float] = 2080,
    hired: bool | list[bool] = False,
    leaving: bool | list[bool] = False,
    eligible: bool | list[bool] = True,
    limits: YearLimits = LIMITS_2025,
) -> Contributions:
    """The contributions of employees given column by column (a scalar is the same for everyone)."""
    values = locals()
    lists = [v for v in values.values() if isinstance(v, list)]
    n = len(lists[0]) if lists else 1

    def column(name: str, dtype: Any) -> np.ndarray:
        value = values[name]
        return np.array(value if isinstance(value, list) else [value] * n, dtype=dtype)

    config = layer if isinstance(layer, SimulationConfig) else resolve_config(layer)
    return compute_contributions(
        config=config,
        limits=limits,
        prorated_pay=column("pay", np.float64),
        deferral_rate=column("rate", np.float64),
        eligible=column("eligible", bool),
        age=column("age", np.int64),
        annual_hours=column("hours", np.float64),
        active_at_year_end=~column("leaving", bool),
        vested=np.ones(n),
        service=column("service", np.int16),
        points=column("points", np.int16),
        plan_age=column("plan_age", np.int16),
        hired=column("hired", bool),
    )


def match_of(layer: dict[str, Any], **employees: Any) -> list[float]:
    return contribute({"employer_match": layer}, **employees).match.tolist()


def core_of(layer: dict[str, Any], **employees: Any) -> list[float]:
    return contribute({"core_contribution": layer}, **employees).core.tolist()


# --- match ---------------------------------------------------------------------------------------


def test_deferral_tiers_pay_each_slice_at_its_rate_up_to_the_cap() -> None:
    tiers = {"formula": "custom", "tiers": TIERED}
    # 100 % of 3 % + 50 % of 2 % = 4 % of pay; capped at 3 % of pay; under the cap it is untouched.
    assert match_of(tiers, rate=[0.08, 0.04, 0.02]) == pytest.approx([4000, 3500, 2000])
    assert match_of({**tiers, "cap": 0.03}, rate=[0.08, 0.04, 0.02]) == pytest.approx([3000, 3000, 2000])
    # A 200 % tier: 2 x 3 %.
    assert match_of({"formula": "custom", "tiers": [{"rate": 2.0, "up_to": 0.03}]}, rate=0.05) == [6000]


def test_the_cap_is_on_pay_capped_at_401a17() -> None:
    # 4 % of 350,000 = 14,000; the 3 % cap of the same capped pay is 10,500.
    layer = {"formula": "custom", "tiers": TIERED, "cap": 0.03}
    assert match_of(layer, pay=500000, rate=0.08) == [10500]


SERVICE_BANDS = {
    "basis": "service",
    "bands": [
        {"min": 0, "max": 2, "tiers": [{"rate": 0.5, "up_to": 0.04}]},
        {"min": 2, "max": 5, "tiers": TIERED},
        {"min": 5, "tiers": [{"rate": 1.0, "up_to": 0.06}]},
    ],
}


def test_service_bands_each_apply_their_own_tiers_and_maximum_deferral() -> None:
    # 1 year: 50 % of 4 %; 2-4 years: 100 % of 3 % + 50 % of 2 %; 5+ years: 100 % of 6 %.
    matches = match_of(SERVICE_BANDS, service=[0, 1, 2, 4, 5, 30])
    assert matches == pytest.approx([2000, 2000, 4000, 4000, 6000, 6000])
    # Below a band's maximum deferral, the deferral itself: 100 % of 4 %.
    assert match_of(SERVICE_BANDS, service=10, rate=0.04) == [4000]


def test_service_outside_every_band_gets_no_match() -> None:
    layer = {
        "basis": "service",
        "bands": [{"min": 1, "max": 3, "tiers": TIERED}, {"min": 5, "tiers": TIERED}],
    }
    assert match_of(layer, service=[0, 1, 3, 4, 5]) == pytest.approx([0, 4000, 0, 0, 4000])


def test_points_bands_go_by_age_plus_service_the_highest_minimum_reached() -> None:
    layer = {
        "basis": "points",
        "bands": [
            {"min": 0, "tiers": [{"rate": 0.25, "up_to": 0.06}]},
            {"min": 60, "tiers": [{"rate": 0.5, "up_to": 0.06}]},
            {"min": 80, "tiers": [{"rate": 1.0, "up_to": 0.06}]},
        ],
    }
    assert match_of(layer, points=[40, 59, 60, 79, 80, 95]) == pytest.approx(
        [1500, 1500, 3000, 3000, 6000, 6000]
    )


def test_band_lookup_is_inclusive_at_the_minimum_and_exclusive_at_the_maximum() -> None:
    bands = resolve_config({"employer_match": SERVICE_BANDS}).employer_match.bands
    assert band_of(np.array([0, 1.9, 2, 4.99, 5, 100]), bands).tolist() == [0, 0, 1, 1, 2, 2]


def test_match_needs_the_minimum_service_unless_hired_this_year_and_new_hires_are_allowed() -> None:
    layer = {"formula": "custom", "tiers": TIERED, "min_service_years": 1}
    employees = {"service": [0, 0, 1], "hired": [False, True, False]}
    assert match_of(layer, **employees) == [0, 4000, 4000]
    assert match_of({**layer, "allow_new_hires": False}, **employees) == [0, 0, 4000]


def test_leavers_get_match_only_when_their_kind_is_allowed() -> None:
    # A new hire who left, an experienced employee who left, one still employed.
    employees = {"hired": [True, False, False], "leaving": [True, True, False]}
    base = {"formula": "custom", "tiers": TIERED}
    assert match_of(base, **employees) == [0, 0, 4000]
    assert match_of({**base, "allow_terminated_new_hires": True}, **employees) == [4000, 0, 4000]
    assert match_of({**base, "allow_experienced_terminations": True}, **employees) == [0, 4000, 4000]
    assert match_of({**base, "require_active_at_year_end": False}, **employees) == [4000, 4000, 4000]


def test_match_needs_the_minimum_hours() -> None:
    assert match_of({"min_hours": 1000}, hours=[999.9, 1000]) == [0, 4000]


def test_match_and_core_are_rounded_to_cents_when_asked() -> None:
    # Tiered on 33,333.33 at 5 %: 4 % = 1,333.3332; core 1 % = 333.3333.
    layer = {"contributions": {"round_to_cents": True}}
    result = contribute(layer, pay=33333.33, rate=0.05)
    assert (result.match[0], result.core[0]) == (1333.33, 333.33)
    unrounded = contribute({}, pay=33333.33, rate=0.05)
    assert unrounded.match[0] == pytest.approx(1333.3332)


def test_rounding_goes_half_up() -> None:
    assert round_to_cents(np.array([0.125, 2.675, 10.005, 0.0, 1.004])).tolist() == [
        0.13,
        2.68,
        10.01,
        0.0,
        1.0,
    ]


# --- core ----------------------------------------------------------------------------------------


def test_core_graded_by_service_pays_the_rate_of_the_highest_minimum_reached() -> None:
    layer = {
        "basis": "service",
        "schedule": [{"min": 0, "rate": 0.01}, {"min": 3, "rate": 0.02}, {"min": 6, "rate": 0.03}],
    }
    assert core_of(layer, service=[0, 2, 3, 5, 6, 40]) == pytest.approx([1000, 1000, 2000, 2000, 3000, 3000])


def test_core_by_points_and_by_age_band_and_the_flat_rate_outside_every_band() -> None:
    points = {"basis": "points", "schedule": [{"min": 40, "rate": 0.02}, {"min": 75, "rate": 0.03}]}
    # Below the first band: the flat rate (1 %).
    assert core_of(points, points=[39, 40, 74, 75]) == pytest.approx([1000, 2000, 2000, 3000])
    ages = {
        "basis": "age",
        "rate": 0.005,
        "schedule": [
            {"min": 25, "max": 30, "rate": 0.03},
            {"min": 30, "max": 40, "rate": 0.04},
            {"min": 50, "rate": 0.06},
        ],
    }
    # The age of the prior Dec 31; between 40 and 50 no band: the flat 0.5 %.
    assert core_of(ages, plan_age=[24, 25, 30, 45, 50, 70]) == pytest.approx(
        [500, 3000, 4000, 500, 6000, 6000]
    )


def test_permitted_disparity_pays_the_disparity_above_the_wage_base() -> None:
    layer = {"rate": 0.03, "integration": {"enabled": True, "disparity_rate": 0.02}}
    # 2025 wage base 176,100. 250,000: 7,500 + 2 % of 73,900 = 1,478. 400,000 is capped at 350,000:
    # 10,500 + 2 % of 173,900 = 3,478. Below the wage base, no disparity.
    assert core_of(layer, pay=[100000, 250000, 400000]) == pytest.approx([3000, 8978, 13978])
    # 2026: wage base 184,500 and 401(a)(17) 360,000: 10,800 + 2 % of 175,500 = 3,510.
    assert core_of(layer, pay=400000, limits=published_limits(2026)) == pytest.approx([14310])


def test_the_integration_level_as_a_percent_of_the_wage_base_or_in_dollars() -> None:
    percent = {
        "rate": 0.03,
        "integration": {
            "enabled": True,
            "level": "percent_of_ss_wage_base",
            "level_value": 50,
            "disparity_rate": 0.02,
        },
    }
    # 50 % of 176,100 = 88,050: 3,000 + 2 % of 11,950 = 239.
    assert core_of(percent, pay=100000) == pytest.approx([3239])
    fixed = {
        "rate": 0.03,
        "integration": {
            "enabled": True,
            "level": "fixed_dollar",
            "level_value": 60000.4,
            "disparity_rate": 0.05,
        },
    }
    # The level rounds to 60,000: 3,000 + 5 % of 40,000 = 2,000.
    assert core_of(fixed, pay=100000) == pytest.approx([5000])


def test_disparity_and_base_are_each_rounded_to_cents() -> None:
    layer = {
        "rate": 0.03,
        "integration": {
            "enabled": True,
            "level": "fixed_dollar",
            "level_value": 100000,
            "disparity_rate": 0.0125,
        },
    }
    # 3 % of 100,333.33 = 3,009.9999 -> 3,010.00; 1.25 % of 333.33 = 4.166625 -> 4.17.
    result = contribute(
        {"core_contribution": layer, "contributions": {"round_to_cents": True}}, pay=100333.33
    )
    assert result.core[0] == 3014.17


def test_no_core_rate_means_no_disparity_either() -> None:
    layer = {
        "rate": 0.0,
        "basis": "service",
        "schedule": [{"min": 0, "rate": 0.0}, {"min": 5, "rate": 0.03}],
        "integration": {"enabled": True, "disparity_rate": 0.02},
    }
    assert core_of(layer, pay=250000, service=[1, 5]) == pytest.approx([0, 8978])


def test_core_eligibility_has_its_own_hours_service_and_leaver_rules() -> None:
    layer = {
        "min_hours": 1000,
        "min_service_years": 1,
        "allow_new_hires": False,
        "require_active_at_year_end": True,
        "allow_experienced_terminations": True,
    }
    employees = {
        "hours": [999, 2080, 2080, 2080, 2080],
        "service": [3, 0, 3, 3, 0],
        "leaving": [False, False, True, False, True],
        "hired": [False, False, False, False, True],
    }
    assert core_of(layer, **employees) == pytest.approx([0, 0, 1000, 1000, 0])


def test_core_reaches_the_plan_ineligible_when_it_does_not_ask_for_plan_eligibility() -> None:
    assert core_of({}, eligible=False) == [0]
    assert core_of({"requires_plan_eligibility": False}, eligible=False) == [1000]


# --- IRS limits by plan year ---------------------------------------------------------------------


def test_the_published_limits_of_each_plan_year() -> None:
    assert published_limits(2025) == YearLimits(
        deferral=23500,
        catch_up=7500,
        super_catch_up=11250,
        compensation=350000,
        annual_additions=70000,
        social_security_wage_base=176100,
    )
    assert published_limits(2026) == YearLimits(
        deferral=24500,
        catch_up=8000,
        super_catch_up=11250,
        compensation=360000,
        annual_additions=72000,
        social_security_wage_base=184500,
    )
    # Later years hold the last published figures, grown by limit_growth_rate when set.
    assert published_limits(2029) == published_limits(2026)
    assert published_limits(2028, 0.02).deferral == pytest.approx(24500 * 1.02**2)
    schedule = resolve_config({"irs_limits": {"schedule": "published"}}).irs_limits
    assert YearLimits.for_year(schedule, 2026, 2025) == published_limits(2026)


def test_catch_up_by_the_age_attained_by_the_end_of_the_plan_year() -> None:
    # Deferring 20 % of 200,000 = 40,000: under 50 23,500; 50-59 and 64+ 31,000; 60-63 34,750 (2025).
    deferrals = contribute({}, pay=200000, rate=0.2, age=[49, 50, 59, 60, 63, 64]).employee.tolist()
    assert deferrals == [23500, 31000, 31000, 34750, 34750, 31000]
    # 2026: 24,500 + 8,000 and + 11,250.
    deferrals = contribute({}, pay=200000, rate=0.2, age=[45, 55, 61], limits=published_limits(2026))
    assert deferrals.employee.tolist() == [24500, 32500, 35750]


def test_415c_caps_the_additions_of_each_plan_year() -> None:
    # 60 % of 150,000 = 90,000 deferred, cut to 23,500 (age 40); match 4 % = 6,000; core 1 % = 1,500.
    # 2025's 70,000 is not reached; with a 25,000 limit the core and 4,500 of the match go.
    tight = YearLimits(deferral=23500, catch_up=7500, compensation=350000, annual_additions=25000)
    result = contribute({}, pay=150000, rate=0.6, limits=tight)
    assert (result.employee[0], result.match[0], result.core[0]) == (23500, 1500, 0)


# --- a richer match never pays less --------------------------------------------------------------


@st.composite
def match_layers(draw: st.DrawFn) -> dict[str, Any]:
    """A match formula: deferral tiers with a cap, or service or points bands."""

    def tiers() -> list[dict[str, float]]:
        bounds = sorted(draw(st.sets(st.integers(1, 20), min_size=1, max_size=3)))
        return [{"rate": draw(st.integers(0, 10)) / 10, "up_to": bound / 100} for bound in bounds]

    basis = draw(st.sampled_from(["deferral", "service", "points"]))
    if basis == "deferral":
        return {
            "formula": "custom",
            "tiers": tiers(),
            "cap": draw(st.none() | st.integers(1, 10).map(lambda c: c / 100)),
        }
    mins = sorted(draw(st.sets(st.integers(0, 90), min_size=1, max_size=3)))
    return {"basis": basis, "bands": [{"min": low, "tiers": tiers()} for low in mins]}


def richer(layer: dict[str, Any], factor: float, extra_cap: float) -> dict[str, Any]:
    """The same formula with every tier's rate times `factor` (at most 200 %) and a higher cap."""

    def scaled(tiers: list[dict[str, float]]) -> list[dict[str, float]]:
        return [{**tier, "rate": min(tier["rate"] * factor, 2.0)} for tier in tiers]

    if "bands" in layer:
        return {**layer, "bands": [{**band, "tiers": scaled(band["tiers"])} for band in layer["bands"]]}
    cap = layer["cap"]
    return {
        **layer,
        "tiers": scaled(layer["tiers"]),
        "cap": None if cap is None else min(cap + extra_cap, 2.0),
    }


@settings(max_examples=200, deadline=None)
@given(
    layer=match_layers(),
    factor=st.floats(1, 3),
    extra_cap=st.floats(0, 0.1),
    pay=st.lists(st.floats(1000, 600000), min_size=1, max_size=8),
    data=st.data(),
)
def test_a_richer_match_never_pays_less(
    layer: dict[str, Any], factor: float, extra_cap: float, pay: list[float], data: st.DataObject
) -> None:
    n = len(pay)
    employees = {
        "pay": pay,
        "rate": data.draw(st.lists(st.floats(0, 0.75), min_size=n, max_size=n)),
        "service": data.draw(st.lists(st.integers(0, 40), min_size=n, max_size=n)),
        "points": data.draw(st.lists(st.integers(20, 110), min_size=n, max_size=n)),
        "age": data.draw(st.lists(st.integers(18, 75), min_size=n, max_size=n)),
    }
    rounding = {"contributions": {"round_to_cents": data.draw(st.booleans())}}
    tight = YearLimits(
        deferral=23500, catch_up=7500, compensation=350000, annual_additions=data.draw(st.floats(5000, 70000))
    )
    before = contribute({**rounding, "employer_match": layer}, limits=tight, **employees).match
    after = contribute(
        {**rounding, "employer_match": richer(layer, factor, extra_cap)}, limits=tight, **employees
    ).match
    assert (after >= before - 1e-9).all()
