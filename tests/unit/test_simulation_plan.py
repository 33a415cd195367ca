"""The DC plan rules as pure functions: match formulas, IRS limits, hours, vesting, eligibility dates,
age bands, escalation and enrollment choices, pinned with hand-computed numbers."""

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from planalign.domain.config import SimulationConfig, resolve_config
from planalign.domain.irs_limits import YearLimits
from planalign.domain.simulation.plan import (
    VESTING_SCHEDULES,
    Contributions,
    age_band,
    choose_enrollments,
    compute_contributions,
    eligibility_dates,
    escalate,
)
from planalign.domain.vesting import vested_fraction

DEFAULT_LIMITS = YearLimits(deferral=23500, catch_up=7500, compensation=350000, annual_additions=70000)


def contribute(
    config: SimulationConfig | None = None,
    *,
    pay: float = 100000,
    rate: float = 0.08,
    age: int = 40,
    hours: float = 2080,
    active: bool = True,
    eligible: bool = True,
    vested: float = 1.0,
    limits: YearLimits = DEFAULT_LIMITS,
) -> Contributions:
    """One employee's contributions."""
    return compute_contributions(
        config=config or resolve_config(),
        limits=limits,
        prorated_pay=np.array([pay], dtype=np.float64),
        deferral_rate=np.array([rate]),
        eligible=np.array([eligible]),
        age=np.array([age]),
        annual_hours=np.array([hours]),
        active_at_year_end=np.array([active]),
        vested=np.array([vested]),
    )


def amounts(result: Contributions) -> tuple[float, float, float, bool]:
    return (
        float(result.employee[0]),
        float(result.match[0]),
        float(result.core[0]),
        bool(result.limit_reached[0]),
    )


@pytest.mark.parametrize(
    ("formula", "rate", "match"),
    [
        ("simple", 0.08, 3000.0),  # 50% of the first 6%
        ("simple", 0.04, 2000.0),
        ("tiered", 0.08, 4000.0),  # 100% of 3% + 50% of the next 2%
        ("tiered", 0.02, 2000.0),
        ("tiered", 0.04, 3500.0),
        ("stretch", 0.08, 2000.0),  # 25% up to 12%
        ("stretch", 0.15, 3000.0),
        ("safe_harbor_basic", 0.08, 4000.0),
        ("qaca", 0.08, 3500.0),  # 100% of 1% + 50% of the next 5%
        ("qaca", 0.03, 2000.0),
    ],
)
def test_each_named_formula_matches_the_slices_of_the_deferral_rate(
    formula: str, rate: float, match: float
) -> None:
    config = resolve_config({"employer_match": {"formula": formula}})
    assert contribute(config, rate=rate).match[0] == pytest.approx(match)


def test_custom_tiers_match_each_slice_at_its_rate() -> None:
    tiers = [{"rate": 1.0, "up_to": 0.04}, {"rate": 0.2, "up_to": 0.10}]
    config = resolve_config({"employer_match": {"formula": "custom", "tiers": tiers}})
    assert contribute(config, rate=0.08).match[0] == pytest.approx(4800.0)  # 4% + 20% of 4%
    assert contribute(config, rate=0.12).match[0] == pytest.approx(5200.0)  # 4% + 20% of 6%


def test_deferral_is_rate_times_pay_and_core_is_its_rate_of_pay() -> None:
    assert amounts(contribute(rate=0.05)) == pytest.approx((5000.0, 4000.0, 1000.0, False))


def test_deferral_stops_at_402g() -> None:
    assert amounts(contribute(pay=300000, rate=0.10, age=49)) == pytest.approx(
        (23500.0, 12000.0, 3000.0, True)
    )


def test_catch_up_raises_the_deferral_cap_from_age_50() -> None:
    assert contribute(pay=300000, rate=0.10, age=50).employee[0] == pytest.approx(30000.0)
    assert contribute(pay=400000, rate=0.10, age=50).employee[0] == pytest.approx(31000.0)


def test_match_and_core_use_pay_capped_at_401a17() -> None:
    # 5% of 400,000 = 20,000 deferred; match 4% and core 1% of 350,000.
    assert amounts(contribute(pay=400000, rate=0.05)) == pytest.approx((20000.0, 14000.0, 3500.0, False))


def test_415c_takes_the_excess_off_core_then_match_then_the_deferral() -> None:
    def capped(additions: float) -> tuple[float, float, float, bool]:
        limits = YearLimits(deferral=23500, catch_up=7500, compensation=350000, annual_additions=additions)
        return amounts(contribute(pay=200000, rate=0.10, limits=limits))

    # Uncapped: deferral 20,000, match 8,000, core 2,000.
    assert capped(30000) == pytest.approx((20000.0, 8000.0, 2000.0, False))
    assert capped(25000) == pytest.approx((20000.0, 5000.0, 0.0, True))
    assert capped(15000) == pytest.approx((15000.0, 0.0, 0.0, True))


def test_match_needs_min_hours_but_core_does_not() -> None:
    assert amounts(contribute(rate=0.05, hours=999)) == pytest.approx((5000.0, 0.0, 1000.0, False))
    assert contribute(rate=0.05, hours=1000).match[0] == pytest.approx(4000.0)


def test_match_needs_being_active_at_year_end_only_when_required() -> None:
    assert contribute(rate=0.05, active=False).match[0] == 0.0
    lenient = resolve_config({"employer_match": {"require_active_at_year_end": False}})
    assert contribute(lenient, rate=0.05, active=False).match[0] == pytest.approx(4000.0)


def test_the_ineligible_get_nothing_and_the_unenrolled_get_only_core() -> None:
    assert amounts(contribute(rate=0.05, eligible=False)) == (0.0, 0.0, 0.0, False)
    assert amounts(contribute(rate=0.0)) == pytest.approx((0.0, 0.0, 1000.0, False))
    no_core = resolve_config({"core_contribution": {"enabled": False}})
    assert contribute(no_core, rate=0.0).core[0] == 0.0


def test_a_leaver_keeps_the_vested_part_of_employer_money() -> None:
    assert amounts(contribute(rate=0.05, vested=0.4)) == pytest.approx((5000.0, 1600.0, 400.0, False))


@pytest.mark.parametrize(
    ("schedule", "fractions"),
    [
        ("immediate", [1, 1, 1, 1, 1, 1, 1, 1]),
        ("cliff_2", [0, 0, 1, 1, 1, 1, 1, 1]),
        ("cliff_3", [0, 0, 0, 1, 1, 1, 1, 1]),
        ("graded_6", [0, 0, 0.2, 0.4, 0.6, 0.8, 1, 1]),
    ],
)
def test_vesting_schedules_by_years_of_service(schedule: str, fractions: list[float]) -> None:
    assert vested_fraction(VESTING_SCHEDULES[schedule], np.arange(8)).tolist() == pytest.approx(fractions)


def test_limits_grow_once_a_year_after_the_first() -> None:
    limits = resolve_config({"irs_limits": {"limit_growth_rate": 0.02}}).irs_limits
    assert YearLimits.for_year(limits, 2025, 2025) == DEFAULT_LIMITS
    grown = YearLimits.for_year(limits, 2027, 2025)
    assert grown.deferral == pytest.approx(23500 * 1.0404)
    assert grown.annual_additions == pytest.approx(70000 * 1.0404)


def dates(*values: str) -> np.ndarray:
    return np.array(values, dtype="datetime64[D]")


def test_eligibility_comes_at_the_later_of_minimum_age_and_waiting_period() -> None:
    settings = resolve_config({"eligibility": {"minimum_age": 21, "waiting_period_days": 90}}).eligibility
    result = eligibility_dates(
        birth_date=dates("1990-05-05", "2004-02-29", "2010-01-01"),
        hire_date=dates("2025-01-10", "2024-12-01", "2025-06-01"),
        override=np.array([False, False, True]),
        settings=settings,
    )
    # 90 days after hire; 21st birthday of a Feb 29 birth in a common year; override: the hire date.
    assert result.tolist() == dates("2025-04-10", "2025-03-01", "2025-06-01").tolist()


def test_age_bands() -> None:
    assert age_band(np.array([18, 29, 30, 44, 45, 59, 60, 80])).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


def test_escalation_adds_the_increment_up_to_the_cap_and_leaves_higher_rates_alone() -> None:
    settings = resolve_config().auto_escalation
    rates = np.array([0.03, 0.095, 0.10, 0.15, 0.05])
    escalating = np.array([True, True, True, True, False])
    raised, new_rates = escalate(rates, escalating, settings)
    assert raised.tolist() == [True, True, False, False, False]
    assert new_rates.tolist() == [0.04, 0.10]


def test_repeated_escalation_lands_exactly_on_the_cap() -> None:
    settings = resolve_config().auto_escalation
    rates = np.array([0.03])
    for _ in range(10):
        raised, new_rates = escalate(rates, np.array([True]), settings)
        rates[raised] = new_rates
    assert rates[0] == 0.10


def enrollments(layer: dict[str, Any], *, age: list[int], **columns: Any) -> Callable[[str], list[bool]]:
    n = len(age)
    defaults = {
        "eligible": np.ones(n, bool),
        "enrolled": np.zeros(n, bool),
        "auto_enrollment_decided": np.zeros(n, bool),
        "in_scope": np.ones(n, bool),
    }
    result = choose_enrollments(
        config=resolve_config(layer),
        seed=1,
        year=2025,
        id_hash=np.arange(n, dtype=np.uint64),
        band=age_band(np.array(age)),
        **{**defaults, **{name: np.array(value) for name, value in columns.items()}},
    )
    return lambda name: getattr(result, name).tolist()


def test_auto_enrollment_opt_outs_follow_the_age_band() -> None:
    layer = {
        "auto_enrollment": {"opt_out_rates": {"under_30": 1.0, "30_44": 0.0, "45_59": 1.0, "60_plus": 0.0}},
        "voluntary_enrollment": {"under_30": 1.0, "30_44": 1.0, "45_59": 1.0, "60_plus": 1.0},
    }
    chosen = enrollments(layer, age=[25, 35, 50, 65])
    assert chosen("opted_out") == [True, False, True, False]
    assert chosen("auto_enrolled") == [False, True, False, True]
    # Who opted out this year is not asked to enroll voluntarily the same year.
    assert chosen("voluntary") == [False, False, False, False]


def test_auto_enrollment_skips_the_enrolled_the_ineligible_the_already_asked_and_the_out_of_scope() -> None:
    layer = {
        "auto_enrollment": {"opt_out_rates": {"under_30": 0.0, "30_44": 0.0, "45_59": 0.0, "60_plus": 0.0}}
    }
    chosen = enrollments(
        layer,
        age=[40, 40, 40, 40, 40],
        eligible=[True, False, True, True, True],
        enrolled=[False, False, True, False, False],
        auto_enrollment_decided=[False, False, False, True, False],
        in_scope=[True, True, True, True, False],
    )
    assert chosen("auto_enrolled") == [True, False, False, False, False]


def test_voluntary_enrollment_asks_the_eligible_not_enrolled_by_age_band() -> None:
    layer = {
        "auto_enrollment": {"enabled": False},
        "voluntary_enrollment": {"under_30": 0.0, "30_44": 1.0, "45_59": 0.0, "60_plus": 1.0},
    }
    chosen = enrollments(layer, age=[25, 35, 50, 65, 35], eligible=[True, True, True, True, False])
    assert chosen("voluntary") == [False, True, False, True, False]
    assert chosen("auto_enrolled") == [False] * 5
