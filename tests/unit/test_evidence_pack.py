"""The evidence pack's figures: a hand-checked decomposition, and for every metric the cited query
(Q1) run by DuckDB on a simulated run's Parquet gives the pack's own figures."""

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from planalign.bench import bench_config
from planalign.domain import evidence_pack
from planalign.domain.census_generator import generate_census
from planalign.domain.run_tables import SNAPSHOT, parquet_bytes, run_tables, table_key
from planalign.domain.simulation import simulate
from planalign.domain.simulation_output import year_rows
from planalign.errors import InvalidRequest


def year(
    ids: list[str], pay: list[float], match: list[float], enrolled: list[bool]
) -> evidence_pack.YearValues:
    return evidence_pack.YearValues(
        employee_id=np.array(ids),
        active=np.ones(len(ids), dtype=bool),
        compensation=np.array(pay),
        match_cost=np.array(match),
        plan_cost=np.array(match),
        participating=np.array(enrolled, dtype=np.float64),
        deferral=np.full(len(ids), 0.05),
    )


def pack(metric: str, base: evidence_pack.YearValues, target: evidence_pack.YearValues) -> dict[str, Any]:
    row = evidence_pack.metric_row(metric, base, target)
    return evidence_pack.build_pack(
        metric, 2025, 2026, row, result_store="snapshot/", provenance={"scenario_id": "sc"}
    )


def figures(built: dict[str, Any]) -> dict[str, str | None]:
    return {driver["id"]: driver["contribution"]["value"] for driver in built["drivers"]}


def test_match_cost_splits_into_who_came_who_left_pay_and_rate() -> None:
    # A leaves (cost 300), C joins (cost 200); B stays, pay 10,000 -> 12,000, match 300 -> 480
    # (rate 3% -> 4%): exposure (12,000 - 10,000) x (3% + 4%) / 2 = 70, rate (4% - 3%) x 22,000 / 2 = 110.
    base = year(["A", "B"], [10_000, 10_000], [300, 300], [True, True])
    target = year(["B", "C"], [12_000, 5_000], [480, 200], [True, True])
    built = pack("employer_match_cost", base, target)
    assert built["change"]["base_value"]["value"] == "600"
    assert built["change"]["total_change"]["value"] == "80"
    assert figures(built) == {
        "entered_population_cost": "200",
        "left_population_cost": "-300",
        "retained_compensation_exposure": "70",
        "retained_effective_match_payout_rate": "110",
    }
    assert built["residual"]["contribution"]["value"] == "0" and not built["residual"]["material"]
    assert built["drivers"][3]["base_rate"]["value"] == "0.03"
    assert built["drivers"][2]["share_of_change"]["value"] == "87.5"


def test_participation_splits_with_symmetric_weights_and_a_reweighting() -> None:
    # 1 of 2 -> 2 of 3: B starts participating, C joins participating, A (participating) stays.
    base = year(["A", "B"], [1, 1], [0, 0], [True, False])
    target = year(["A", "B", "C"], [1, 1, 1], [0, 0, 0], [True, True, True])
    built = pack("participation_rate", base, target)
    weight = (Decimal(1) / 2 + Decimal(1) / 3) / 2
    assert Decimal(built["change"]["total_change"]["value"]) == Decimal("0.5")  # 1/2 -> 3/3
    assert Decimal(figures(built)["retained_participation_behavior"] or 0) == round(weight, 12)
    assert Decimal(figures(built)["entered_population_participation"] or 0) == round(weight, 12)
    reweighting = (1 + 3) * (Decimal(1) / 3 - Decimal(1) / 2) / 2
    assert Decimal(figures(built)["population_reweighting"] or 0) == round(reweighting, 12)


def test_shares_are_suppressed_when_nothing_changed_and_a_zero_payroll_leaves_rates_undefined() -> None:
    base = year(["A"], [0], [0], [True])
    built = pack("employer_match_cost", base, base)
    assert (
        built["change"]["shares_suppressed_reason"]
        == "Shares are suppressed because the total change is zero or near zero."
    )
    assert [w["code"] for w in built["warnings"]] == ["shares_suppressed"]
    assert built["drivers"][2]["contribution"]["status"] == "undefined"
    assert built["drivers"][0]["share_of_change"]["status"] == "suppressed"


def test_a_year_without_the_metrics_population_is_an_invalid_request() -> None:
    base = year(["A"], [10_000], [300], [True])
    empty = year([], [], [], [])
    with pytest.raises(InvalidRequest, match="undefined for 2025 or 2026"):
        pack("employer_match_cost", base, empty)
    no_rates = dataclasses.replace(base, deferral=np.array([np.nan]))
    with pytest.raises(InvalidRequest):
        pack("avg_deferral_rate", no_rates, base)
    # A count of no one is still a count: 1 active -> 0 actives.
    gone = dataclasses.replace(base, active=np.array([False]))
    assert pack("active_headcount", base, gone)["change"]["total_change"]["value"] == "-1"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    output = simulate(generate_census(2_000, seed=3), bench_config(3))
    for table, simulated_year, rows in run_tables(year_rows(output), 0.06):
        path = folder / table_key("", table, simulated_year)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(parquet_bytes(rows))
    return folder


@pytest.mark.parametrize("metric", list(evidence_pack.METRICS))
def test_the_cited_query_reproduces_every_figure_of_the_pack(run_folder: Path, metric: str) -> None:
    def snapshot(simulated_year: int) -> evidence_pack.YearValues:
        path = run_folder / table_key("", SNAPSHOT, simulated_year)
        return evidence_pack.year_values(pq.ParquetFile(path).read(columns=list(evidence_pack.COLUMNS)))

    built = evidence_pack.build_pack(
        metric,
        2025,
        2027,
        evidence_pack.metric_row(metric, snapshot(2025), snapshot(2027)),
        result_store="snapshot/",
        provenance={"scenario_id": "sc"},
    )
    connection = duckdb.connect()
    connection.execute(f"SET file_search_path = '{run_folder}'")
    cursor = connection.execute(built["change"]["base_value"]["citation"]["query"])
    answer = dict(zip([column[0] for column in cursor.description], cursor.fetchone(), strict=True))
    cited = list(evidence_pack._cited(built))
    assert len(cited) >= 10
    # DuckDB divides decimals as doubles: its ratios carry about 1e-16 of the totals.
    scale = max(
        abs(Decimal(str(answer["base_value"]))), abs(Decimal(str(answer["target_value"]))), Decimal(1)
    )
    tolerance = Decimal("1e-9") + scale * Decimal("1e-12")
    for label, figure in cited:
        expected = answer[figure["citation"]["result_column"]]
        if figure["value"] is None:
            assert expected is None, label
        else:
            ours, theirs = Decimal(figure["value"]), Decimal(str(expected))
            assert abs(ours - theirs) <= tolerance + abs(theirs) * Decimal("1e-12"), label
