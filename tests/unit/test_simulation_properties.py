"""The invariants of simulation.md on random small censuses and configs: the headcount recurrence, no
negative pay, deferral rates within [0, 0.75], contributions within the IRS limits, ids unique per
year, and nothing after a termination."""

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from planalign.domain.census import Census
from planalign.domain.config import resolve_config
from planalign.domain.event_types import EVENT_TYPES
from planalign.domain.irs_limits import YearLimits
from planalign.domain.simulation import simulate
from planalign.domain.simulation.plan import deferral_cap
from planalign.domain.simulation_output import STATUSES, SimulationOutput
from planalign.errors import SimulationRejected

TOLERANCE = 1e-6
CONTINUING, NEW_HIRE, LEFT, NEW_HIRE_LEFT = range(4)


def dates(draw: st.DrawFn, n: int, first: str, last: str) -> list[str | None]:
    low, high = np.datetime64(first), np.datetime64(last)
    span = int((high - low).astype(int))
    return [str(low + draw(st.integers(0, span))) for _ in range(n)]


@st.composite
def censuses(draw: st.DrawFn) -> Census:
    n = draw(st.integers(10, 40))
    flags = st.lists(st.booleans(), min_size=n, max_size=n)
    return Census.from_columns(
        employee_id=draw(
            st.lists(st.text("ABNZ_0123", min_size=1, max_size=8), min_size=n, max_size=n, unique=True)
        ),
        birth_date=dates(draw, n, "1950-01-01", "2005-12-31"),
        hire_date=dates(draw, n, "1995-01-01", "2025-06-30"),
        gross_compensation=draw(st.lists(st.floats(15000, 700000), min_size=n, max_size=n)),
        active=draw(st.lists(st.booleans(), min_size=n, max_size=n).map(lambda a: [True, *a[1:]])),
        deferral_rate=draw(
            st.lists(st.sampled_from([0.0, 0.0, 0.01, 0.03, 0.06, 0.1, 0.2, 0.8]), min_size=n, max_size=n)
        ),
        scheduled_hours_per_week=draw(
            st.lists(st.sampled_from([10.0, 20.0, 30.0, 40.0]), min_size=n, max_size=n)
        ),
        auto_escalation_opt_out=draw(flags),
        eligibility_override=draw(flags),
    )


def rate(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high).map(lambda value: round(value, 4))


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(st.integers(2024, 2026))
    return {
        "simulation": {
            "start_year": start,
            "end_year": start + draw(st.integers(0, 3)),
            "random_seed": draw(st.integers(0, 2**40)),
        },
        "workforce": {
            "target_growth_rate": draw(rate(-0.2, 0.15)),
            "total_termination_rate": draw(rate(0, 0.2)),
            "new_hire_termination_rate": draw(rate(0, 0.4)),
        },
        "compensation": {
            "merit_budget": draw(rate(0, 0.1)),
            "cola_rate": draw(rate(0, 0.05)),
            "promotion_raise_spread": draw(rate(0, 0.2)),
            "promotion_hazard": draw(
                st.none()
                | st.builds(
                    lambda base, damp: {
                        "base_rate": base,
                        "level_dampener_factor": damp,
                        "age_multipliers": [{"min": 0, "multiplier": 1.5}, {"min": 45, "multiplier": 0.5}],
                        "tenure_multipliers": [{"min": 0, "multiplier": 0.5}, {"min": 2, "multiplier": 2.0}],
                    },
                    rate(0, 0.5),
                    rate(0, 0.3),
                )
            ),
        },
        "new_hires": {
            "age_distribution": draw(
                st.sampled_from([[], [{"age": 25, "weight": 1}, {"age": 45, "weight": 2}]])
            ),
            "level_shares": draw(st.sampled_from([[], [0.5, 0.5, 0, 0, 0]])),
            "pay_variance": draw(rate(0, 0.2)),
            "market_adjustment": draw(rate(-0.1, 0.1)),
            "part_time_share": draw(rate(0, 1)),
        },
        "eligibility": {
            "minimum_age": draw(st.integers(18, 25)),
            "waiting_period_days": draw(st.integers(0, 400)),
        },
        "auto_enrollment": {
            "enabled": draw(st.booleans()),
            "scope": draw(st.sampled_from(["new_hires_only", "all_eligible"])),
            "default_deferral_rate": draw(rate(0.01, 0.1)),
            "hire_date_cutoff": draw(st.none() | st.sampled_from(["2015-01-01", "2024-07-01"])),
            "window_days": draw(st.integers(0, 90)),
            "opt_out_grace_days": draw(st.none() | st.integers(0, 60)),
            "opt_out_income_factors": {"low_income": draw(rate(0, 2)), "executive": draw(rate(0, 2))},
        },
        "auto_escalation": {
            "enabled": draw(st.booleans()),
            "increment": draw(rate(0, 0.05)),
            "cap": draw(rate(0, 0.75)),
            "first_after_years": draw(st.integers(0, 2)),
            "effective_day": draw(st.sampled_from(["01-01", "04-01", "12-31"])),
            "hire_date_cutoff": draw(st.none() | st.sampled_from(["2010-01-01", "2022-01-01"])),
        },
        "employer_match": draw(match_settings()),
        "core_contribution": draw(core_settings()),
        "voluntary": {
            "enrollment_scale": draw(rate(0, 1)),
            "deferral_rates": [
                {"min_age": 0, "min_pay": 0, "rate": 0.04},
                {"min_age": 46, "min_pay": 100000, "rate": 0.12},
            ],
            "match_magnet_probability": draw(rate(0, 1)),
            "max_deferral_rate": draw(st.none() | rate(0.01, 0.75)),
            "enrollment_by_age": draw(
                st.sampled_from([[], [{"min": 0, "multiplier": 0.3}, {"min": 46, "multiplier": 0.8}]])
            ),
            "income_factors": {"low_income": draw(rate(0, 1.5))},
            "level_factors": {"1": draw(rate(0, 1.5))},
            "before_auto_enrollment": draw(st.booleans()),
            "after_opt_out": draw(st.booleans()),
            "hire_year_chances": draw(st.integers(1, 3)),
            "conversion": draw(
                st.none()
                | st.just(
                    {
                        "chances_by_age": [{"min": 0, "multiplier": 0.1}],
                        "service_factors": [{"min": 0, "multiplier": 0.5}, {"min": 2, "multiplier": 1.0}],
                        "deferral_rates_by_age": [{"min": 0, "multiplier": 0.04}],
                    }
                )
            ),
        },
        "match_response": {"enabled": draw(st.booleans()), "upward_participation_rate": draw(rate(0, 1))},
        "contributions": {"round_to_cents": draw(st.booleans())},
        "vesting": {"schedule": draw(st.sampled_from(["immediate", "cliff_2", "cliff_3", "graded_6"]))},
        "irs_limits": {
            "schedule": draw(st.sampled_from(["flat", "published"])),
            "catch_up_60_63": draw(st.none() | st.floats(0, 12000)),
            "deferral_402g": draw(st.floats(1000, 30000)),
            "catch_up_50_plus": draw(st.floats(0, 10000)),
            "compensation_401a17": draw(st.floats(50000, 400000)),
            "annual_additions_415c": draw(st.floats(5000, 80000)),
            "limit_growth_rate": draw(rate(0, 0.05)),
        },
    }


@st.composite
def match_settings(draw: st.DrawFn) -> dict[str, Any]:
    eligibility = {
        "min_hours": draw(st.floats(0, 2000)),
        "require_active_at_year_end": draw(st.booleans()),
        "min_service_years": draw(st.integers(0, 3)),
        "allow_new_hires": draw(st.booleans()),
        "allow_terminated_new_hires": draw(st.booleans()),
        "allow_experienced_terminations": draw(st.booleans()),
    }
    basis = draw(st.sampled_from(["deferral", "service", "points"]))
    if basis == "deferral":
        return {
            **eligibility,
            "formula": draw(st.sampled_from(["simple", "tiered", "stretch", "safe_harbor_basic", "qaca"])),
            "cap": draw(st.none() | rate(0, 0.1)),
        }
    tiers = [{"rate": draw(rate(0, 2)), "up_to": 0.03}, {"rate": draw(rate(0, 1)), "up_to": 0.08}]
    bands = [
        {"min": 0, "max": 3, "tiers": tiers},
        {"min": 5 if basis == "service" else 60, "tiers": tiers[:1]},
    ]
    return {**eligibility, "basis": basis, "bands": bands}


@st.composite
def core_settings(draw: st.DrawFn) -> dict[str, Any]:
    basis = draw(st.sampled_from(["flat", "service", "points", "age"]))
    schedule = (
        []
        if basis == "flat"
        else [{"min": 10, "max": 40, "rate": draw(rate(0, 0.1))}, {"min": 50, "rate": 0.05}]
    )
    return {
        "enabled": draw(st.booleans()),
        "rate": draw(rate(0, 0.1)),
        "basis": basis,
        "schedule": schedule,
        "integration": {
            "enabled": draw(st.booleans()),
            "level": draw(st.sampled_from(["ss_wage_base", "percent_of_ss_wage_base", "fixed_dollar"])),
            "level_value": draw(st.floats(0, 200000)),
            "disparity_rate": draw(rate(0, 0.057)),
        },
        "requires_plan_eligibility": draw(st.booleans()),
        "min_hours": draw(st.floats(0, 2000)),
        "require_active_at_year_end": draw(st.booleans()),
    }


def count(output: SimulationOutput, year: int, *statuses: int) -> int:
    in_year = output.snapshot["simulation_year"] == year
    return int(np.isin(output.snapshot["status"][in_year], statuses).sum())


def check_headcount(output: SimulationOutput, n_start: int) -> None:
    headcount = n_start
    for year in output.years:
        hires = count(output, year, NEW_HIRE, NEW_HIRE_LEFT)
        # Everyone employed on Jan 1 is in the year's snapshot, still there or leaving.
        assert count(output, year, CONTINUING, LEFT) == headcount
        expected = headcount - count(output, year, LEFT) + hires - count(output, year, NEW_HIRE_LEFT)
        headcount = count(output, year, CONTINUING, NEW_HIRE)
        assert headcount == expected
        in_year = output.events["simulation_year"] == year
        types = output.events["event_type"][in_year]
        assert (types == EVENT_TYPES.index("hire")).sum() == hires
        assert (types == EVENT_TYPES.index("termination")).sum() == count(output, year, LEFT)


def check_values(output: SimulationOutput, config: Any) -> None:
    snap = output.snapshot
    assert (snap["pay"] > 0).all()
    assert (snap["prorated_pay"] >= 0).all()
    assert (snap["prorated_pay"] <= snap["pay"] + TOLERANCE).all()
    assert (snap["deferral_rate"] >= 0).all()
    assert (snap["deferral_rate"] <= 0.75).all()
    for name in ("employee_contribution", "match", "core"):
        assert (snap[name] >= 0).all()
    for year in output.years:
        limits = YearLimits.for_year(config.irs_limits, year, output.start_year)
        rows = snap["simulation_year"] == year
        cap = deferral_cap(limits, snap["age"][rows])
        assert (snap["employee_contribution"][rows] <= cap + TOLERANCE).all()
        total = snap["employee_contribution"][rows] + snap["match"][rows] + snap["core"][rows]
        assert (total <= limits.annual_additions + TOLERANCE).all()


def check_ids_and_leavers(output: SimulationOutput) -> None:
    snap, events = output.snapshot, output.events
    for year in output.years:
        index = snap["employee_index"][snap["simulation_year"] == year]
        assert len(np.unique(index)) == len(index)
    left = snap["status"] >= LEFT
    for employee, year, ended in zip(
        snap["employee_index"][left],
        snap["simulation_year"][left],
        snap["termination_date"][left],
        strict=True,
    ):
        assert (snap["simulation_year"][snap["employee_index"] == employee] <= year).all()
        theirs = events["employee_index"] == employee
        assert (events["simulation_year"][theirs] <= year).all()
        assert (events["effective_date"][theirs] <= ended).all()


@settings(max_examples=60, deadline=None)
@given(people=censuses(), layer=configs())
def test_every_projection_keeps_the_invariants(people: Census, layer: dict[str, Any]) -> None:
    config = resolve_config(layer)
    try:
        output = simulate(people, config)
    except SimulationRejected as rejected:
        assert "more than 50%" in str(rejected)
        return
    n_start = int(
        (people.active & ~(people.termination_date < np.datetime64(f"{output.start_year}-01-01"))).sum()
    )
    check_headcount(output, n_start)
    check_values(output, config)
    check_ids_and_leavers(output)
    assert set(np.unique(output.snapshot["status"]).tolist()) <= set(range(len(STATUSES)))


@st.composite
def richer_pairs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A match and a richer one: the same tiers and bands at rates times a factor of 1 or more, a
    cap as high or higher."""
    layer = draw(match_settings())
    factor = draw(st.floats(1, 3))

    def scaled(tiers: list[dict[str, float]]) -> list[dict[str, float]]:
        return [{**tier, "rate": min(tier["rate"] * factor, 2.0)} for tier in tiers]

    if "bands" in layer:
        return layer, {
            **layer,
            "bands": [{**band, "tiers": scaled(band["tiers"])} for band in layer["bands"]],
        }
    tiers = [
        {"rate": tier.rate, "up_to": tier.up_to}
        for tier in resolve_config({"employer_match": layer}).employer_match.effective_tiers()
    ]
    cap = layer["cap"]
    richer = {
        **layer,
        "formula": "custom",
        "tiers": scaled(tiers),
        "cap": None if cap is None else cap + draw(rate(0, 0.05)),
    }
    return {**layer, "formula": "custom", "tiers": tiers}, richer


@settings(max_examples=15, deadline=None)
@given(people=censuses(), layer=configs(), pair=richer_pairs())
def test_a_richer_match_never_lowers_anyone_s_employer_match(
    people: Census, layer: dict[str, Any], pair: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    plain, richer = pair
    try:
        before = simulate(people, resolve_config(layer, {"employer_match": plain}))
    except SimulationRejected:
        return
    after = simulate(people, resolve_config(layer, {"employer_match": richer}))
    # Everything else is equal: the same employee-years, the same deferrals.
    assert np.array_equal(before.snapshot["employee_index"], after.snapshot["employee_index"])
    # (415(c) cuts in whole cents: a deferral cut to the limit can move by float noise.)
    assert np.allclose(
        before.snapshot["employee_contribution"], after.snapshot["employee_contribution"], atol=0.01
    )
    assert (after.snapshot["match"] >= before.snapshot["match"] - 1e-9).all()
