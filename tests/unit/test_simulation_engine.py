"""The projection end to end on tiny hand-built censuses: each step of a simulated year, the output's
schema and order, and determinism."""

from datetime import date
from typing import Any

import numpy as np
import pytest
from planalign.domain.census import Census
from planalign.domain.config import SimulationConfig, resolve_config
from planalign.domain.event_types import EVENT_TYPES
from planalign.domain.simulation import YearProgress, simulate
from planalign.domain.simulation.draws import DrawKind, draw_bits, hash_ids
from planalign.domain.simulation.workforce import plan_headcount
from planalign.domain.simulation_output import (
    EVENT_COLUMNS,
    SNAPSHOT_COLUMNS,
    STATUSES,
    SimulationOutput,
)
from planalign.errors import SimulationRejected

# Nothing happens in a quiet year unless a test turns it on: no moves, raises, enrollment or escalation.
QUIET: dict[str, Any] = {
    "simulation": {"start_year": 2025, "end_year": 2025, "random_seed": 7},
    "workforce": {"target_growth_rate": 0.0, "total_termination_rate": 0.0, "new_hire_termination_rate": 0.0},
    "compensation": {
        "merit_budget": 0.0,
        "cola_rate": 0.0,
        "promotion_rates": {"1": 0.0, "2": 0.0, "3": 0.0, "4": 0.0, "5": 0.0},
    },
    "auto_enrollment": {"enabled": False},
    "voluntary_enrollment": {"under_30": 0.0, "30_44": 0.0, "45_59": 0.0, "60_plus": 0.0},
    "auto_escalation": {"enabled": False},
}
# The spec's default workforce moves: +3% growth, 12% experienced and 25% new-hire terminations.
SPEC_MOVES = {
    "workforce": {
        "target_growth_rate": 0.03,
        "total_termination_rate": 0.12,
        "new_hire_termination_rate": 0.25,
    }
}
NO_OPT_OUT = {"opt_out_rates": {"under_30": 0.0, "30_44": 0.0, "45_59": 0.0, "60_plus": 0.0}}


def quiet(*layers: dict[str, Any]) -> SimulationConfig:
    return resolve_config(QUIET, *layers)


def census(n: int = 1, **columns: Any) -> Census:
    """Employees E001..En born 1980-06-15, hired 2015-03-01, paid 50,000; a scalar fills a column."""
    values = {"birth_date": "1980-06-15", "hire_date": "2015-03-01", "gross_compensation": 50000.0, **columns}
    filled = {name: value if isinstance(value, list) else [value] * n for name, value in values.items()}
    filled.setdefault("employee_id", [f"E{i:03d}" for i in range(1, n + 1)])
    return Census.from_columns(**filled)


def year_rows(output: SimulationOutput, year: int) -> dict[str, np.ndarray]:
    rows = output.snapshot["simulation_year"] == year
    return {name: column[rows] for name, column in output.snapshot.items()}


def row(output: SimulationOutput, year: int, employee_id: str) -> dict[str, Any]:
    index = int(np.flatnonzero(output.employee_ids == employee_id)[0])
    rows = np.flatnonzero(
        (output.snapshot["simulation_year"] == year) & (output.snapshot["employee_index"] == index)
    )
    assert len(rows) == 1
    return {name: column[rows[0]].item() for name, column in output.snapshot.items()}


def events_of(output: SimulationOutput, event_type: str, year: int | None = None) -> dict[str, np.ndarray]:
    rows = output.events["event_type"] == EVENT_TYPES.index(event_type)
    if year is not None:
        rows &= output.events["simulation_year"] == year
    selected = {name: column[rows] for name, column in output.events.items()}
    selected["employee_id"] = output.employee_ids[selected["employee_index"]]
    return selected


def status_counts(output: SimulationOutput, year: int) -> dict[str, int]:
    statuses = year_rows(output, year)["status"]
    return {name: int((statuses == code).sum()) for code, name in enumerate(STATUSES)}


# Steps 1-4: terminations, hires, new-hire terminations, dates.


def test_experienced_terminations_are_an_exact_quota() -> None:
    # 1000 x 0.12 = 120 leavers; growth -12% gives a target of 880, so no hires.
    layer = {"workforce": {"total_termination_rate": 0.12, "target_growth_rate": -0.12}}
    output = simulate(census(1000), quiet(layer))
    assert status_counts(output, 2025) == {
        "continuous_active": 880,
        "new_hire_active": 0,
        "experienced_termination": 120,
        "new_hire_termination": 0,
    }


def test_the_termination_quota_rounds_half_up() -> None:
    # 25 x 0.1 = 2.5 -> 3 (round-half-even would give 2).
    layer = {"workforce": {"total_termination_rate": 0.1, "target_growth_rate": -0.12}}
    assert status_counts(simulate(census(25), quiet(layer)), 2025)["experienced_termination"] == 3


def test_terminations_are_apportioned_to_levels_by_largest_remainder() -> None:
    # Levels 1, 2, 3 hold 5, 3, 2 employees; round(10 x 0.25) = 3 leavers: shares 1.5, 0.9, 0.6.
    pay = [50000.0] * 5 + [100000.0] * 3 + [130000.0] * 2
    layer = {"workforce": {"total_termination_rate": 0.25, "target_growth_rate": -0.3}}
    rows = year_rows(simulate(census(10, gross_compensation=pay), quiet(layer)), 2025)
    left = rows["status"] == STATUSES.index("experienced_termination")
    assert np.bincount(rows["level"][left], minlength=4)[1:].tolist() == [1, 1, 1]


def test_within_a_level_the_leavers_are_the_lowest_hash_ranks() -> None:
    layer = {"workforce": {"total_termination_rate": 0.12, "target_growth_rate": -0.12}}
    people = census(200)
    output = simulate(people, quiet(layer))
    bits = draw_bits(7, hash_ids(people.employee_id), 2025, DrawKind.EXPERIENCED_TERMINATION)
    expected = set(people.employee_id[np.argsort(bits)[:24]].tolist())
    assert set(events_of(output, "termination")["employee_id"].tolist()) == expected


@pytest.mark.parametrize(
    ("n_start", "growth", "termination", "new_hire_termination", "expected"),
    [
        # target 1030, net = 1030 - 880 = 150, hires = ceil(150 / 0.75) = 200, 25% of them leave.
        (1000, 0.03, 0.12, 0.25, (120, 200, 50)),
        # net = 111 - 90 = 21, hires = ceil(21 / 0.7) = 30 exactly (21 / 0.7 is 30.000000000000004 in floats).
        (100, 0.11, 0.1, 0.3, (10, 30, 9)),
        # net = 800 - 880 = -80: no hires and 80 more terminations.
        (1000, -0.2, 0.12, 0.25, (200, 0, 0)),
        (1000, -0.12, 0.12, 0.25, (120, 0, 0)),
    ],
)
def test_the_hiring_solver(
    n_start: int,
    growth: float,
    termination: float,
    new_hire_termination: float,
    expected: tuple[int, int, int],
) -> None:
    settings = resolve_config(
        {
            "workforce": {
                "target_growth_rate": growth,
                "total_termination_rate": termination,
                "new_hire_termination_rate": new_hire_termination,
            }
        }
    ).workforce
    plan = plan_headcount(n_start, settings, 2025)
    assert (plan.experienced_terminations, plan.hires, plan.new_hire_terminations) == expected


def test_a_year_follows_the_hiring_plan() -> None:
    output = simulate(census(1000), quiet(SPEC_MOVES))
    assert status_counts(output, 2025) == {
        "continuous_active": 880,
        "new_hire_active": 150,
        "experienced_termination": 120,
        "new_hire_termination": 50,
    }
    assert len(events_of(output, "hire")["employee_id"]) == 200
    assert len(events_of(output, "new_hire_termination")["employee_id"]) == 50


def test_hires_get_ids_dates_ages_levels_and_band_pay() -> None:
    # 600 at level 1 and 400 at level 2: the 200 hires split 120 / 80, paid the middle of the band.
    pay = [50000.0] * 600 + [100000.0] * 400
    output = simulate(census(1000, gross_compensation=pay), quiet(SPEC_MOVES))
    hires = events_of(output, "hire")
    assert sorted(hires["employee_id"].tolist()) == [f"NH2025_{i:06d}" for i in range(1, 201)]
    assert hires["effective_date"].min() >= np.datetime64("2025-01-01")
    assert hires["effective_date"].max() <= np.datetime64("2025-12-31")
    assert sorted(hires["new_value"].tolist()) == [40000.0] * 120 + [100000.0] * 80
    rows = year_rows(output, 2025)
    hired = (rows["status"] == STATUSES.index("new_hire_active")) | (
        rows["status"] == STATUSES.index("new_hire_termination")
    )
    assert np.bincount(rows["level"][hired]).tolist() == [0, 120, 80]
    assert rows["age"][hired].min() >= 22
    assert rows["age"][hired].max() <= 51  # age at Dec 31 of someone hired at 50


def test_termination_dates_fall_between_jan_1_or_the_hire_date_and_dec_31() -> None:
    rows = year_rows(simulate(census(1000), quiet(SPEC_MOVES)), 2025)
    left = rows["status"] >= STATUSES.index("experienced_termination")
    assert np.isnat(rows["termination_date"][~left]).all()
    assert (
        rows["termination_date"][left] >= np.maximum(rows["hire_date"][left], np.datetime64("2025-01-01"))
    ).all()
    assert (rows["termination_date"][left] <= np.datetime64("2025-12-31")).all()
    assert len(np.unique(rows["termination_date"][left])) > 50


def test_too_many_hires_are_refused() -> None:
    layer = {"workforce": {"total_termination_rate": 1.0, "new_hire_termination_rate": 0.25}}
    with pytest.raises(
        SimulationRejected, match="2025 would need 14 hires for 10 employees at its start, more than 50%"
    ):
        simulate(census(10), quiet(layer))


def test_growth_beyond_100_percent_is_refused() -> None:
    config = quiet()
    config.workforce.target_growth_rate = 1.5
    with pytest.raises(SimulationRejected, match="beyond"):
        simulate(census(10), config)


def test_a_census_without_active_employees_is_refused() -> None:
    with pytest.raises(SimulationRejected, match="no active employee"):
        simulate(census(3, active=False), quiet())


def test_inactive_rows_and_rows_that_ended_before_the_start_are_not_projected() -> None:
    people = census(
        4,
        active=[True, False, True, True],
        termination_date=[None, None, "2024-12-31", "2025-06-30"],
    )
    output = simulate(people, quiet())
    assert output.employee_ids.tolist() == ["E001", "E004"]
    assert row(output, 2025, "E004")["status"] == STATUSES.index("continuous_active")


# Steps 5-6: promotions, merit and COLA.


def test_promotions_are_a_quota_per_level_with_a_raise_of_15_to_25_percent() -> None:
    layer = {"compensation": {"promotion_rates": {"1": 0.12, "5": 1.0}}}
    output = simulate(census(101, gross_compensation=[50000.0] * 100 + [400000.0]), quiet(layer))
    promotions = events_of(output, "promotion")
    assert len(promotions["employee_id"]) == 12  # none from the top level
    assert (promotions["old_value"] == 50000.0).all()
    assert (promotions["new_value"] >= 57500.0).all()
    assert (promotions["new_value"] <= 62500.0).all()
    rows = year_rows(output, 2025)
    assert np.bincount(rows["level"]).tolist() == [0, 88, 12, 0, 0, 1]


def test_a_promotion_never_takes_pay_above_500000_nor_lowers_it() -> None:
    levels = [
        {"level": 1, "name": "Staff", "min": 0, "max": 600000},
        {"level": 2, "name": "Top", "min": 600000, "max": None},
    ]
    layer = {"job_levels": levels, "compensation": {"promotion_rates": {"1": 1.0}}}
    output = simulate(census(2, gross_compensation=[450000.0, 520000.0]), quiet(layer))
    assert row(output, 2025, "E001")["pay"] == 500000.0
    assert row(output, 2025, "E002")["pay"] == 520000.0
    assert row(output, 2025, "E002")["level"] == 2


def test_merit_and_cola_raise_everyone_employed_on_jan_1() -> None:
    layer = {"compensation": {"merit_budget": 0.035, "cola_rate": 0.02}}
    output = simulate(census(100), quiet(SPEC_MOVES, layer))
    raises = events_of(output, "raise")
    assert len(raises["employee_id"]) == 100
    assert raises["new_value"] == pytest.approx(np.full(100, 52750.0))
    hires = events_of(output, "hire")["employee_id"]
    assert not set(hires.tolist()) & set(raises["employee_id"].tolist())


# Steps 7-10 through the engine: eligibility, enrollment, escalation, proration.


def test_a_mid_year_hire_contributes_on_the_pay_of_the_days_employed() -> None:
    output = simulate(
        census(1, hire_date="2025-07-01", gross_compensation=100000.0, deferral_rate=0.05), quiet()
    )
    hired = row(output, 2025, "E001")
    prorated = 100000 * 184 / 365
    assert hired["prorated_pay"] == pytest.approx(prorated)
    assert hired["employee_contribution"] == pytest.approx(0.05 * prorated)
    # 40 h x 52 x 184/365 = 1048.5 hours: enough for the match (4% under the tiered formula).
    assert hired["match"] == pytest.approx(0.04 * prorated)
    assert hired["core"] == pytest.approx(0.01 * prorated)
    assert hired["tenure"] == 0


def test_a_part_year_below_min_hours_gets_no_match() -> None:
    people = census(
        1,
        hire_date="2025-07-01",
        gross_compensation=100000.0,
        deferral_rate=0.05,
        scheduled_hours_per_week=30.0,
    )
    hired = row(simulate(people, quiet()), 2025, "E001")  # 786 hours
    assert hired["match"] == 0.0
    assert hired["employee_contribution"] == pytest.approx(0.05 * 100000 * 184 / 365)


def test_a_mid_year_leaver_contributes_until_the_termination_date() -> None:
    layer = {"workforce": {"total_termination_rate": 1.0, "target_growth_rate": -1.0}}
    output = simulate(census(1, gross_compensation=100000.0, deferral_rate=0.05), quiet(layer))
    left = row(output, 2025, "E001")
    assert left["status"] == STATUSES.index("experienced_termination")
    days = (left["termination_date"] - date(2025, 1, 1)).days + 1
    prorated = 100000 * days / 365
    assert left["prorated_pay"] == pytest.approx(prorated)
    assert left["employee_contribution"] == pytest.approx(0.05 * prorated)
    assert left["match"] == 0.0  # not active at year end
    assert left["core"] == pytest.approx(0.01 * prorated)


def test_a_leaver_forfeits_unvested_core() -> None:
    layer = {
        "workforce": {"total_termination_rate": 1.0, "target_growth_rate": -1.0},
        "vesting": {"schedule": "cliff_3"},
    }
    output = simulate(census(2, hire_date=["2024-01-01", "2015-01-01"], deferral_rate=0.05), quiet(layer))
    assert row(output, 2025, "E001")["core"] == 0.0
    assert row(output, 2025, "E002")["core"] > 0.0


def test_eligibility_waits_for_the_waiting_period_and_the_minimum_age() -> None:
    layer = {
        "simulation": {"end_year": 2026},
        "eligibility": {"minimum_age": 21, "waiting_period_days": 365},
    }
    people = census(
        3,
        hire_date=["2024-10-01", "2025-03-01", "2020-01-01"],
        birth_date=["1980-01-01", "1980-01-01", "2005-06-15"],
    )
    output = simulate(people, quiet(layer))
    assert [row(output, 2025, e)["eligible"] for e in ("E001", "E002", "E003")] == [True, False, False]
    assert [row(output, 2026, e)["eligible"] for e in ("E001", "E002", "E003")] == [True, True, True]
    eligibility = events_of(output, "eligibility")
    assert list(
        zip(
            eligibility["employee_id"].tolist(),
            eligibility["effective_date"].astype(str).tolist(),
            strict=True,
        )
    ) == [
        ("E001", "2025-10-01"),
        ("E002", "2026-03-01"),
        ("E003", "2026-06-15"),
    ]


def test_the_eligibility_override_makes_eligible_at_once() -> None:
    layer = {"eligibility": {"minimum_age": 21, "waiting_period_days": 365}}
    people = census(2, hire_date="2025-03-01", eligibility_override=[True, False])
    output = simulate(people, quiet(layer))
    assert [row(output, 2025, e)["eligible"] for e in ("E001", "E002")] == [True, False]


def test_a_census_deferral_rate_starts_enrolled_without_an_event() -> None:
    output = simulate(census(2, deferral_rate=[0.06, 0.0]), quiet())
    assert (row(output, 2025, "E001")["enrolled"], row(output, 2025, "E001")["deferral_rate"]) == (True, 0.06)
    assert (row(output, 2025, "E002")["enrolled"], row(output, 2025, "E002")["deferral_rate"]) == (False, 0.0)
    assert len(events_of(output, "enrollment")["employee_id"]) == 0


def test_auto_enrollment_of_new_hires_only_leaves_the_census_alone() -> None:
    layer = {
        "auto_enrollment": {"enabled": True, "scope": "new_hires_only", **NO_OPT_OUT},
        "workforce": {
            "target_growth_rate": 0.1,
            "total_termination_rate": 0.0,
            "new_hire_termination_rate": 0.0,
        },
    }
    output = simulate(census(100), quiet(layer))
    rows = year_rows(output, 2025)
    hired = rows["status"] == STATUSES.index("new_hire_active")
    assert hired.sum() == 10
    assert rows["enrolled"][hired].all()
    assert (rows["deferral_rate"][hired] == 0.03).all()
    assert not rows["enrolled"][~hired].any()


def test_auto_enrollment_of_all_eligible_enrolls_the_census_at_the_default_rate() -> None:
    layer = {"auto_enrollment": {"enabled": True, "scope": "all_eligible", **NO_OPT_OUT}}
    output = simulate(census(2, deferral_rate=[0.0, 0.06]), quiet(layer))
    assert row(output, 2025, "E001")["deferral_rate"] == 0.03
    assert row(output, 2025, "E002")["deferral_rate"] == 0.06
    enrollment = events_of(output, "enrollment")
    assert enrollment["employee_id"].tolist() == ["E001"]
    assert enrollment["effective_date"].astype(str).tolist() == ["2025-01-01"]
    assert (enrollment["old_value"].tolist(), enrollment["new_value"].tolist()) == ([0.0], [0.03])


def test_an_opt_out_is_asked_once() -> None:
    everyone_opts_out = {"under_30": 1.0, "30_44": 1.0, "45_59": 1.0, "60_plus": 1.0}
    layer = {
        "simulation": {"end_year": 2027},
        "auto_enrollment": {"enabled": True, "scope": "all_eligible", "opt_out_rates": everyone_opts_out},
    }
    output = simulate(census(3), quiet(layer))
    opt_outs = events_of(output, "opt_out")
    assert opt_outs["simulation_year"].tolist() == [2025, 2025, 2025]
    assert not output.snapshot["enrolled"].any()


def test_voluntary_enrollment_joins_at_the_default_rate() -> None:
    layer = {"voluntary_enrollment": {"under_30": 0.0, "30_44": 0.0, "45_59": 1.0, "60_plus": 0.0}}
    output = simulate(census(2, birth_date=["1970-01-01", "1990-01-01"]), quiet(layer))  # 55 and 35
    assert row(output, 2025, "E001")["deferral_rate"] == 0.03
    assert not row(output, 2025, "E002")["enrolled"]


def test_escalation_waits_first_after_years_and_stops_at_the_cap() -> None:
    layer = {
        "simulation": {"end_year": 2027},
        "auto_escalation": {"enabled": True, "increment": 0.01, "cap": 0.10, "first_after_years": 1},
        "voluntary_enrollment": {"under_30": 1.0, "30_44": 1.0, "45_59": 1.0, "60_plus": 1.0},
    }
    people = census(3, deferral_rate=[0.095, 0.0, 0.05], auto_escalation_opt_out=[False, False, True])
    output = simulate(people, quiet(layer))
    assert [row(output, year, "E001")["deferral_rate"] for year in (2025, 2026, 2027)] == [0.10, 0.10, 0.10]
    # Enrolled voluntarily in 2025, escalated from 2026.
    assert [row(output, year, "E002")["deferral_rate"] for year in (2025, 2026, 2027)] == [0.03, 0.04, 0.05]
    assert [row(output, year, "E003")["deferral_rate"] for year in (2025, 2026, 2027)] == [0.05, 0.05, 0.05]
    escalations = events_of(output, "deferral_escalation")
    assert escalations["employee_id"].tolist() == ["E001", "E002", "E002"]
    assert escalations["old_value"].tolist() == [0.095, 0.03, 0.04]


# Step 11 and the whole output.


def test_the_output_has_exactly_the_schema() -> None:
    output = simulate(census(50), resolve_config({"simulation": {"end_year": 2026}}))
    assert {name: str(column.dtype) for name, column in output.snapshot.items()} == SNAPSHOT_COLUMNS
    assert {name: str(column.dtype) for name, column in output.events.items()} == EVENT_COLUMNS
    assert (output.start_year, output.end_year, output.seed) == (2025, 2026, 42)


def mixed_census(n: int = 300) -> Census:
    """Ids on both sides of the hires' NH... ids, so hires interleave with the census in id order."""
    rng = np.random.default_rng(11)
    ids = [f"{'AZ'[i % 2]}{i:04d}" for i in range(n)]
    births = np.datetime64("1960-01-01") + rng.integers(0, 40 * 365, n)
    hires = np.datetime64("2000-01-01") + rng.integers(0, 25 * 365, n)
    return Census.from_columns(
        employee_id=ids,
        birth_date=births.astype(str).tolist(),
        hire_date=hires.astype(str).tolist(),
        gross_compensation=rng.lognormal(11.2, 0.5, n).round(2).tolist(),
        deferral_rate=np.where(rng.random(n) < 0.5, rng.choice([0.03, 0.06, 0.1], n), 0.0).tolist(),
        scheduled_hours_per_week=rng.choice([20.0, 40.0], n).tolist(),
        auto_escalation_opt_out=(rng.random(n) < 0.2).tolist(),
    )


FULL = {
    "simulation": {"end_year": 2028},
    "auto_enrollment": {"scope": "all_eligible"},
    "vesting": {"schedule": "graded_6"},
    "eligibility": {"waiting_period_days": 90},
}


def test_rows_are_ordered_by_year_then_employee_id() -> None:
    output = simulate(mixed_census(), resolve_config(FULL))
    assert (output.employee_ids[:-1] < output.employee_ids[1:]).all()
    for table in (output.snapshot, output.events):
        key = table["simulation_year"].astype(np.int64) * 2**32 + table["employee_index"]
        assert (np.diff(key) >= 0).all()
    assert (np.diff(year_rows(output, 2026)["employee_index"]) > 0).all()


def test_a_shuffled_census_gives_byte_identical_output() -> None:
    people = mixed_census()
    shuffled = people.take(np.random.default_rng(5).permutation(len(people)))
    config = resolve_config(FULL)
    first, second = simulate(people, config), simulate(shuffled, config)
    assert first.employee_ids.tobytes() == second.employee_ids.tobytes()
    for name in SNAPSHOT_COLUMNS:
        assert first.snapshot[name].tobytes() == second.snapshot[name].tobytes(), name
    for name in EVENT_COLUMNS:
        assert first.events[name].tobytes() == second.events[name].tobytes(), name


def test_the_seed_decides_the_draws() -> None:
    people = mixed_census()
    config = resolve_config(FULL)
    explicit = simulate(people, config, seed=42)
    assert np.array_equal(
        explicit.events["employee_index"], simulate(people, config).events["employee_index"]
    )
    other = simulate(people, config, seed=43)
    assert other.seed == 43
    assert not np.array_equal(other.snapshot["pay"], explicit.snapshot["pay"])


def test_a_leaver_has_no_later_rows_or_events() -> None:
    output = simulate(mixed_census(), resolve_config(FULL))
    status, year, index = (
        output.snapshot["status"],
        output.snapshot["simulation_year"],
        output.snapshot["employee_index"],
    )
    left = status >= STATUSES.index("experienced_termination")
    last_year = dict(zip(index[left].tolist(), year[left].tolist(), strict=True))
    assert last_year
    for table in (output.snapshot, output.events):
        for employee, year_left in last_year.items():
            assert table["simulation_year"][table["employee_index"] == employee].max() == year_left


def test_census_ids_that_look_like_hire_ids_are_not_reused() -> None:
    ids = ["NH2025_000001", "NH2025_000003"] + [f"E{i:03d}" for i in range(98)]
    people = census(100, employee_id=ids)
    layer = {
        "workforce": {
            "target_growth_rate": 0.03,
            "total_termination_rate": 0.0,
            "new_hire_termination_rate": 0.0,
        }
    }
    output = simulate(people, quiet(layer))
    assert sorted(events_of(output, "hire")["employee_id"].tolist()) == [
        "NH2025_000002",
        "NH2025_000004",
        "NH2025_000005",
    ]
    assert len(np.unique(output.employee_ids)) == len(output.employee_ids)


def test_progress_is_reported_after_each_year() -> None:
    progress: list[YearProgress] = []
    output = simulate(mixed_census(), resolve_config(FULL), on_year=progress.append)
    assert [(p.year, p.years_done, p.total_years) for p in progress] == [
        (2025, 1, 4),
        (2026, 2, 4),
        (2027, 3, 4),
        (2028, 4, 4),
    ]
    counts = [p.events_generated for p in progress]
    assert counts == sorted(counts)
    assert counts[-1] == len(output.events["event_type"])
    for p in progress:
        in_year = output.events["event_type"][output.events["simulation_year"] == p.year]
        types, numbers = np.unique(in_year, return_counts=True)
        assert p.event_counts == {EVENT_TYPES[t]: int(n) for t, n in zip(types, numbers, strict=True)}
