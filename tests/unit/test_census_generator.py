"""The synthetic census: deterministic for a seed, plausible in every column, readable by the importer."""

import csv
import io

import numpy as np
import pytest
from planalign.domain.census_generator import census_csv, generate_census
from planalign.domain.census_reader import ALIASES, read_census

CENSUS_DAY = np.datetime64("2024-12-31")
YEAR = 365.25


@pytest.fixture(scope="module")
def census():
    return generate_census(20_000, seed=7)


def years_between(start: np.ndarray, end: np.ndarray | np.datetime64) -> np.ndarray:
    return (end - start).astype(np.int64) / YEAR


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes():
    assert census_csv(generate_census(500, seed=3)) == census_csv(generate_census(500, seed=3))
    assert census_csv(generate_census(500, seed=3)) != census_csv(generate_census(500, seed=4))


def test_ids_are_numbered_and_unique(census):
    assert census.employee_id[:2].tolist() == ["E000001", "E000002"]
    assert len(np.unique(census.employee_id)) == len(census) == 20_000
    assert generate_census(1234).employee_id[-1] == "E001234"


def test_ages_span_22_to_65_and_peak_in_the_thirties(census):
    age = years_between(census.birth_date, CENSUS_DAY)
    assert age.min() >= 22 and age.max() <= 65
    assert 34 <= np.median(age) <= 42
    counts, _ = np.histogram(age, bins=[22, 30, 40, 50, 65])
    assert counts.argmax() == 1


def test_everyone_was_hired_after_18_and_by_the_census_day(census):
    assert years_between(census.birth_date, census.hire_date).min() >= 18 - 1 / YEAR
    assert (census.hire_date <= CENSUS_DAY).all()
    assert 2 <= np.median(years_between(census.hire_date, CENSUS_DAY)) <= 8


def test_pay_falls_in_the_level_bands_in_the_usual_mix(census):
    pay = census.gross_compensation
    assert pay.min() >= 35_000 and pay.max() <= 600_000
    level = np.searchsorted([80_000, 120_000, 160_000, 300_000], pay, side="right")
    np.testing.assert_allclose(np.bincount(level) / len(pay), [0.60, 0.22, 0.10, 0.06, 0.02], atol=0.005)


def test_about_60_percent_defer_between_1_and_15_percent(census):
    rate = census.deferral_rate
    enrolled = rate > 0
    assert 0.5 <= enrolled.mean() <= 0.7
    assert rate[enrolled].min() >= 0.01 and rate[enrolled].max() <= 0.15
    assert (rate[enrolled] == 0.06).mean() > 0.15
    assert not census.auto_escalation_opt_out[~enrolled].any()


def test_most_work_40_hours_and_part_timers_20_to_30(census):
    hours = census.scheduled_hours_per_week
    part_time = hours < 40
    assert 0.05 <= part_time.mean() <= 0.11
    assert hours[part_time].min() >= 20 and hours[part_time].max() <= 30
    assert set(np.unique(hours[~part_time])) == {40.0}


def test_a_few_left_during_the_census_year_after_their_hire(census):
    terminated = ~census.active
    assert 0.005 <= terminated.mean() <= 0.03
    dates = census.termination_date[terminated]
    assert (dates >= np.datetime64("2024-01-01")).all() and (dates <= CENSUS_DAY).all()
    assert (dates >= census.hire_date[terminated]).all()
    assert np.isnat(census.termination_date[census.active]).all()


def test_census_csv_has_the_canonical_headers_the_importer_knows():
    rows = list(csv.DictReader(io.StringIO(census_csv(generate_census(3)).decode())))
    assert list(rows[0]) == list(ALIASES)
    assert rows[0]["employee_id"] == "E000001"
    assert rows[0]["active"] in ("true", "false")


def test_the_importer_reads_the_census_csv_back_unchanged():
    census = generate_census(2_000, seed=11)
    imported = read_census(census_csv(census), "census.csv").census
    for name in ("employee_id", "birth_date", "hire_date", "termination_date", "active", "deferral_rate"):
        np.testing.assert_array_equal(getattr(imported, name), getattr(census, name))
    np.testing.assert_allclose(imported.gross_compensation, census.gross_compensation)
