"""Every figure of the Studio's analysis pages on the hand-built two-year run of test_run_tables, worked
out by hand: DC plan analytics with each option, winners and losers, employee search and timeline."""

import datetime
import json
from typing import Any

import pyarrow as pa
import pytest
from planalign.domain import dc_plan_analytics as dc
from planalign.domain import employee_timeline as timeline
from planalign.domain.run_tables import EVENTS, SNAPSHOT
from planalign.domain.studio_config import merge_studio_config
from planalign.domain.winners_losers import band_labels, winners_losers
from test_run_tables import SNAPSHOT_ROWS, hand_built_output, hand_built_tables

D = datetime.date
TABLES = hand_built_tables()
SEEDS = merge_studio_config({}, {})


def analytics(options: dc.Options = dc.Options()) -> dict[str, Any]:
    summaries = [dc.summarize_year(TABLES[(SNAPSHOT, year)], year, 2025, options) for year in (2026, 2025)]
    return dc.dc_plan_analytics("sc", "Baseline", summaries)


def buckets(figures: list[dict[str, Any]]) -> dict[str, tuple[int, float]]:
    return {b["bucket"]: (b["count"], b["percentage"]) for b in figures if b["count"]}


def test_dc_plan_participation_counts_every_row_of_the_final_year_by_enrollment_method() -> None:
    figures = analytics()
    assert figures["resolved_first_simulation_year"] == 2025
    # 2026: 6 rows (the two leavers too), 4 enrolled: E1 and E3 at the census, E2 by choice, N1 auto.
    assert (figures["total_eligible"], figures["total_enrolled"], figures["participation_rate"]) == (
        6,
        4,
        66.67,
    )
    assert figures["participation_by_method"] == {
        "auto_enrolled": 1,
        "voluntary_enrolled": 1,
        "census_enrolled": 2,
    }


def test_dc_plan_contributions_by_year_sum_every_row_to_the_cent_with_rates_in_percent() -> None:
    first, final = analytics()["contribution_by_year"]
    assert first == {
        "year": 2025,
        "total_employee_contributions": 22500.0,
        "total_employer_match": 8250.0,
        "total_employer_core": 3900.0,
        "total_all_contributions": 34650.0,
        "participant_count": 3,
        "total_eligible_count": 5,
        "average_deferral_rate": pytest.approx((0.06 + 0.10 + 0.03) / 3),
        "participation_rate": 60.0,
        "total_employer_cost": 12150.0,
        "total_compensation": 390000.0,
        "employer_cost_rate": 3.12,
        "employee_contribution_rate": 5.77,
        "match_contribution_rate": 2.12,
        "core_contribution_rate": 1.0,
        "total_contribution_rate": 8.89,
    }
    assert final == {
        "year": 2026,
        "total_employee_contributions": 19364.0,
        "total_employer_match": 7622.0,
        "total_employer_core": 2575.0,
        "total_all_contributions": 29561.0,
        "participant_count": 4,
        "total_eligible_count": 6,
        "average_deferral_rate": pytest.approx(0.0625),
        "participation_rate": 66.67,
        "total_employer_cost": 10197.0,
        "total_compensation": 349750.0,
        "employer_cost_rate": 2.92,
        "employee_contribution_rate": 5.54,
        "match_contribution_rate": 2.18,
        "core_contribution_rate": 0.74,
        "total_contribution_rate": 8.46,
    }


def test_dc_plan_totals_add_the_years_and_weight_the_deferral_rate_by_participants() -> None:
    figures = analytics()
    assert {
        key: figures[key]
        for key in (
            "total_employee_contributions",
            "total_employer_match",
            "total_employer_core",
            "total_all_contributions",
            "total_employer_cost",
            "total_compensation",
            "employer_cost_rate",
            "average_deferral_rate",
            "employee_contribution_rate",
            "match_contribution_rate",
            "core_contribution_rate",
            "total_contribution_rate",
        )
    } == {
        "total_employee_contributions": 41864.0,
        "total_employer_match": 15872.0,
        "total_employer_core": 6475.0,
        "total_all_contributions": 64211.0,
        "total_employer_cost": 22347.0,
        "total_compensation": 739750.0,
        "employer_cost_rate": 3.02,
        # (3 x 0.19 / 3 + 4 x 0.0625) / 7 = 0.44 / 7
        "average_deferral_rate": 0.0629,
        "employee_contribution_rate": 5.66,
        "match_contribution_rate": 2.15,
        "core_contribution_rate": 0.88,
        "total_contribution_rate": 8.69,
    }


def test_deferral_distribution_is_of_the_year_end_actives_in_whole_percent_buckets() -> None:
    figures = analytics()
    assert [b["bucket"] for b in figures["deferral_rate_distribution"]] == list(dc.BUCKETS)
    # 2026 actives: E1 7 %, E2 5 %, E4 none, N1 3 % (E3 and N2 left).
    assert buckets(figures["deferral_rate_distribution"]) == {
        "0%": (1, 25.0),
        "3%": (1, 25.0),
        "5%": (1, 25.0),
        "7%": (1, 25.0),
    }
    by_year = {row["year"]: buckets(row["distribution"]) for row in figures["deferral_distribution_by_year"]}
    assert by_year[2025] == {"0%": (2, 40.0), "3%": (1, 20.0), "6%": (1, 20.0), "10%+": (1, 20.0)}
    assert list(by_year) == [2025, 2026]


def test_bucket_edges_round_half_up_to_whole_percent() -> None:
    import numpy as np

    counts = dc.bucket_counts(np.array([0.0, np.nan, 0.0001, 0.0149, 0.015, 0.0949, 0.095, 0.5]))
    assert dict(zip(dc.BUCKETS, counts, strict=True)) == {
        "0%": 2,
        "1%": 2,
        "2%": 1,
        "3%": 0,
        "4%": 0,
        "5%": 0,
        "6%": 0,
        "7%": 0,
        "8%": 0,
        "9%": 1,
        "10%+": 2,
    }


def test_effective_rate_distribution_counts_everyone_at_what_they_deferred_over_the_year() -> None:
    figures = analytics(dc.Options(effective_rate=True))
    # All 6 rows of 2026: E3 deferred 10 % until leaving, N2 nothing.
    assert buckets(figures["deferral_rate_distribution"]) == {
        "0%": (2, 33.33),
        "3%": (1, 16.67),
        "5%": (1, 16.67),
        "7%": (1, 16.67),
        "10%+": (1, 16.67),
    }
    active = analytics(dc.Options(effective_rate=True, active_only=True))
    assert sum(b["count"] for b in active["deferral_rate_distribution"]) == 4


def test_escalations_and_the_irs_limit_are_of_the_final_years_enrolled_actives() -> None:
    figures = analytics()
    # E1, E2 and N1: E1 escalated once by a point and reached the limit.
    assert figures["escalation_metrics"] == {
        "employees_with_escalations": 1,
        "avg_escalation_count": 1.0,
        "total_escalation_amount": 0.01,
    }
    assert figures["irs_limit_metrics"] == {"employees_at_irs_limit": 1, "irs_limit_rate": 33.33}


def test_active_only_and_cohorts_narrow_participation_and_contributions() -> None:
    new_hires = analytics(dc.Options(active_only=True, cohort="new_hires"))
    # Hired from 2025-01-01 and active at the end of 2026: N1 only.
    assert (new_hires["total_eligible"], new_hires["total_enrolled"], new_hires["participation_rate"]) == (
        1,
        1,
        100.0,
    )
    assert new_hires["participation_by_method"]["auto_enrolled"] == 1
    first = new_hires["contribution_by_year"][0]
    assert (
        first["total_employee_contributions"],
        first["total_employer_match"],
        first["total_compensation"],
    ) == (
        1500.0,
        750.0,
        50000.0,
    )
    baseline = analytics(dc.Options(cohort="baseline"))
    # E1-E4, leavers included.
    assert (baseline["total_eligible"], baseline["total_enrolled"]) == (4, 3)
    assert baseline["contribution_by_year"][1]["total_compensation"] == 103000 + 51500 + 77250 + 41200
    # The distribution and the final-year plan figures ignore the cohort, as the reference.
    assert baseline["deferral_rate_distribution"] == analytics()["deferral_rate_distribution"]


def plan_b_final_year() -> pa.Table:
    """Plan B: E1 gets 100 more match (a winner), E2 50 less (a loser), E4 and N1 the same; N3 is
    active only under plan B."""
    rows = [list(row) for row in SNAPSHOT_ROWS[2026]]
    rows[0][11] += 100
    rows[1][11] -= 50
    rows.append(
        [
            "N3",
            "new_hire_active",
            33,
            0,
            1,
            50000,
            40000,
            True,
            False,
            0.0,
            0,
            0,
            0,
            False,
            D(2026, 3, 1),
            None,
        ]
    )
    output = hand_built_output({2025: SNAPSHOT_ROWS[2025], 2026: [tuple(row) for row in rows]})
    return hand_built_tables(output)[(SNAPSHOT, 2026)]


def test_winners_and_losers_compare_employer_money_of_the_actives_in_both_plans() -> None:
    figures = winners_losers(
        TABLES[(SNAPSHOT, 2026)], plan_b_final_year(), SEEDS["age_bands"], SEEDS["tenure_bands"]
    )
    assert {key: figures[key] for key in ("total_compared", "total_excluded")} == {
        "total_compared": 4,
        "total_excluded": 1,
    }
    assert (figures["total_winners"], figures["total_losers"], figures["total_neutral"]) == (1, 1, 2)
    # Plan A's bands, in label order: E2 31, E4 25, N1 29 are 25-34; E1 41 is 35-44.
    assert figures["age_band_results"] == [
        {"band_label": "25-34", "winners": 0, "losers": 1, "neutral": 2, "total": 3},
        {"band_label": "35-44", "winners": 1, "losers": 0, "neutral": 0, "total": 1},
    ]
    assert figures["tenure_band_results"] == [
        {"band_label": "10-19", "winners": 1, "losers": 1, "neutral": 0, "total": 2},
        {"band_label": "5-9", "winners": 0, "losers": 0, "neutral": 1, "total": 1},
        {"band_label": "< 2", "winners": 0, "losers": 0, "neutral": 1, "total": 1},
    ]
    assert [(c["age_band"], c["tenure_band"], c["total"], c["net_pct"]) for c in figures["heatmap"]] == [
        ("25-34", "10-19", 1, -100.0),
        ("25-34", "5-9", 1, 0.0),
        ("25-34", "< 2", 1, 0.0),
        ("35-44", "10-19", 1, 100.0),
    ]


def test_employer_money_is_compared_to_the_cent() -> None:
    def plan(match: float, core: float) -> pa.Table:
        return pa.table(
            {
                "employee_id": ["E1"],
                "employment_status": ["active"],
                "age": [30],
                "tenure": [3],
                "match": [match],
                "core": [core],
            }
        )

    figures = winners_losers(plan(0.1, 0.2), plan(0.3, 0.0), SEEDS["age_bands"], SEEDS["tenure_bands"])
    assert (figures["total_winners"], figures["total_losers"], figures["total_neutral"]) == (0, 0, 1)


def test_band_labels_take_the_first_band_by_lower_bound_and_999_is_open() -> None:
    import numpy as np

    bands = [
        {"band_label": "old", "min_value": 50, "max_value": 999},
        {"band_label": "young", "min_value": 20, "max_value": 50},
    ]
    codes, labels = band_labels(np.array([19, 20, 49, 50, 120]), bands)
    assert [labels[c] for c in codes] == ["Unknown", "young", "young", "old", "old"]


def search(**options: Any) -> dict[str, Any]:
    year = options.pop("year", 2026)
    return timeline.search_employees(TABLES[(SNAPSHOT, year)], year, **options)


def ids(found: dict[str, Any]) -> list[str]:
    return [row["employee_id"] for row in found["results"]]


def test_search_is_a_case_insensitive_like_prefix_on_the_final_year_by_default() -> None:
    found = search(q="e")
    assert (ids(found), found["total"], found["page_size"]) == (["E1", "E2", "E3", "E4"], 4, 20)
    assert found["results"][0] == {
        "employee_id": "E1",
        "employment_status": "active",
        "level_id": 2,
        "current_compensation": 103000.0,
        "simulation_year": 2026,
    }
    # LIKE's `_` is any one character.
    assert ids(search(q="_1")) == ["E1", "N1"]


def test_search_filters_compose_and_pages_are_in_id_order() -> None:
    assert ids(search(status="Terminated")) == ["E3", "N2"]
    assert ids(search(level=3)) == ["E3"]
    assert ids(search(enrolled=False)) == ["E4", "N2"]
    assert ids(search(has_escalations=True)) == ["E1"]
    assert ids(search(q="n", enrolled=True)) == ["N1"]
    assert ids(search(year=2025)) == ["E1", "E2", "E3", "E4", "N1"]
    second = search(page=2, page_size=2)
    assert (ids(second), second["total"], second["page"], second["page_size"]) == (["E3", "E4"], 6, 2, 2)


def employee_rows(employee_id: str) -> tuple[pa.Table, pa.Table]:
    snapshot = pa.concat_tables(
        TABLES[(SNAPSHOT, y)].select(list(timeline.STATE_COLUMNS)) for y in (2025, 2026)
    )
    events = pa.concat_tables(TABLES[(EVENTS, y)].select(list(timeline.EVENT_COLUMNS)) for y in (2025, 2026))
    return (
        snapshot.filter(pa.compute.equal(snapshot["employee_id"], employee_id)),
        events.filter(pa.compute.equal(events["employee_id"], employee_id)),
    )


def test_timeline_orders_each_years_events_and_adds_the_match_on_december_31() -> None:
    answer = timeline.employee_timeline("ws", "sc", "N1", *employee_rows("N1"), None, 3)
    assert (answer["employee_id"], answer["available_years"], answer["start_year"]) == (
        "N1",
        [2025, 2026],
        2025,
    )
    assert answer["employee"] == {
        "employee_id": "N1",
        "employee_ssn": None,
        "employee_birth_date": None,
        "employee_hire_date": D(2025, 3, 1),
    }
    first = answer["years"][0]
    assert [(e["event_type"], e["effective_date"], e["source"]) for e in first["events"]] == [
        ("hire", D(2025, 3, 1), "yearly"),
        ("enrollment", D(2025, 3, 1), "yearly"),
        ("employer_match", D(2025, 12, 31), "employer_match"),
    ]
    hire, enrollment, match = first["events"]
    assert (hire["compensation_amount"], hire["previous_compensation"], hire["level_id"]) == (
        60000.0,
        None,
        1,
    )
    assert (enrollment["deferral_rate"], enrollment["prev_deferral_rate"]) == (0.03, 0.0)
    assert match["compensation_amount"] == 750.0
    assert json.loads(match["event_details"])["employer_match_amount"] == 750.0
    assert first["state"] == {
        "simulation_year": 2025,
        "employment_status": "active",
        "detailed_status_code": "new_hire_active",
        "current_compensation": 60000.0,
        "prorated_annual_compensation": 50000.0,
        "level_id": 1,
        "current_age": 28,
        "current_tenure": 0,
        "eligibility_status": "eligible",
        "is_enrolled": True,
        "enrollment_date": D(2025, 3, 1),
        "current_deferral_rate": 0.03,
        "participation_status": "participating",
        "total_deferral_escalations": 0,
        "ytd_contributions": 1500.0,
        "pre_tax_contributions": None,
        "roth_contributions": None,
        "employer_match_amount": 750.0,
        "employer_core_amount": 500.0,
        "total_employer_contributions": 1250.0,
        "irs_limit_reached": False,
    }


def test_timeline_pages_years_and_shows_pay_and_rate_changes() -> None:
    answer = timeline.employee_timeline("ws", "sc", "E1", *employee_rows("E1"), 2026, 1)
    assert [year["simulation_year"] for year in answer["years"]] == [2026]
    raise_, escalation, match = answer["years"][0]["events"]
    assert (raise_["compensation_amount"], raise_["previous_compensation"]) == (103000.0, 100000.0)
    assert (escalation["deferral_rate"], escalation["prev_deferral_rate"]) == (0.07, 0.06)
    assert match["compensation_amount"] == 3090.0
    state = answer["years"][0]["state"]
    assert (state["total_deferral_escalations"], state["irs_limit_reached"], state["enrollment_date"]) == (
        1,
        True,
        None,
    )
    leaver = timeline.employee_timeline("ws", "sc", "E3", *employee_rows("E3"), 2026, 1)
    (termination, match) = leaver["years"][0]["events"]
    assert (termination["event_type"], termination["compensation_amount"]) == ("termination", 154500.0)


def test_an_unknown_employee_has_an_empty_timeline() -> None:
    answer = timeline.employee_timeline("ws", "sc", "X9", *employee_rows("X9"), None, 3)
    assert (answer["employee"], answer["available_years"], answer["years"], answer["start_year"]) == (
        None,
        [],
        [],
        0,
    )


def test_ids_are_matched_ignoring_case() -> None:
    assert timeline.matching_ids(pa.array(["E1", "e1", "E2"]), "e1") == ["E1", "e1"]
