"""The CSV and XLSX exports, read back with the csv module and openpyxl."""

import csv
import datetime
import gzip
import io
import json
from dataclasses import replace
from typing import Any

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from planalign.bench import bench_config
from planalign.domain import exports
from planalign.domain.census_generator import generate_census
from planalign.domain.event_types import EVENT_TYPES
from planalign.domain.exports import (
    bands_csv,
    events_csv_gz,
    metrics_csv,
    results_xlsx,
    snapshot_csv_gz,
)
from planalign.domain.results import build_results, compute_bands, event_counts, year_metrics
from planalign.domain.run_tables import EVENTS, SNAPSHOT, parquet_bytes, run_tables
from planalign.domain.simulation import simulate
from planalign.domain.simulation_output import SNAPSHOT_COLUMNS, year_rows
from test_results import IRS_LIMITS, tiny_output

METADATA = {
    "run_id": "run-1",
    "seed": 42,
    "config": {"simulation": {"start_year": 2025}},
    "note": "a < b & c",
}


def rows_of(csv_bytes: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_bytes.decode())))


def workbook(**options: Any) -> openpyxl.Workbook:
    output = tiny_output()
    results = build_results(output, irs_limits=IRS_LIMITS)
    return openpyxl.load_workbook(io.BytesIO(results_xlsx(results, output, METADATA, **options)))


def sheet_rows(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def test_snapshot_csv_gz_has_every_row_with_names_iso_dates_and_money_in_cents():
    rows = rows_of(gzip.decompress(snapshot_csv_gz(tiny_output())))
    assert list(rows[0]) == ["employee_id", *(name for name in SNAPSHOT_COLUMNS if name != "employee_index")]
    assert len(rows) == 12
    assert rows[2] == {
        "employee_id": "E3",
        "simulation_year": "2025",
        "status": "experienced_termination",
        "age": "30",
        "tenure": "5",
        "level": "1",
        "pay": "60000.00",
        "prorated_pay": "30000.00",
        "eligible": "true",
        "enrolled": "true",
        "deferral_rate": "0.04",
        "employee_contribution": "1200.00",
        "match": "0.00",
        "core": "0.00",
        "irs_limit_reached": "false",
        "hire_date": "2020-01-15",
        "termination_date": "2025-07-01",
        "service_years": "5",
        "points": "34",
        "match_eligible": "true",
        "core_eligible": "true",
        "annual_hours": "1040",
    }
    assert rows[0]["termination_date"] == ""


def test_events_csv_gz_leaves_values_that_mean_nothing_empty():
    rows = rows_of(gzip.decompress(events_csv_gz(tiny_output())))
    assert len(rows) == 14
    assert rows[2] == {
        "employee_id": "H1",
        "simulation_year": "2025",
        "event_type": "enrollment",
        "effective_date": "2025-04-01",
        "old_value": "",
        "new_value": "0.03",
    }
    assert rows[10]["old_value"] == "100000" and rows[10]["new_value"] == "105000"


def test_csv_quotes_only_ids_that_need_it():
    output = replace(tiny_output(), employee_ids=np.array(["E,1", 'E"2', "E3", "E4", "H1", "H2", "H3", "H4"]))
    text = gzip.decompress(snapshot_csv_gz(output)).decode()
    assert text.splitlines()[1].startswith('"E,1",2025,')
    assert [row["employee_id"] for row in rows_of(text.encode())][:4] == ["E,1", 'E"2', "E3", "E4"]


def test_gzip_exports_are_byte_identical_for_equal_outputs():
    assert snapshot_csv_gz(tiny_output()) == snapshot_csv_gz(tiny_output())
    assert events_csv_gz(tiny_output()) == events_csv_gz(tiny_output())


def test_exports_are_the_same_whatever_the_rows_formatted_at_a_time(monkeypatch: pytest.MonkeyPatch):
    output = tiny_output()
    results = build_results(output, irs_limits=IRS_LIMITS)

    def exported() -> tuple[bytes, bytes, list[list[tuple[Any, ...]]]]:
        book = openpyxl.load_workbook(io.BytesIO(results_xlsx(results, output, METADATA, detail_row_cap=5)))
        sheets = [sheet_rows(sheet) for sheet in book.worksheets]
        return gzip.decompress(snapshot_csv_gz(output)), gzip.decompress(events_csv_gz(output)), sheets

    whole = exported()
    monkeypatch.setattr(exports, "CHUNK_ROWS", 3)
    assert exported() == whole


def test_xlsx_workforce_snapshot_takes_final_year_rows_wherever_they_are():
    output = tiny_output()
    order = np.argsort(-output.snapshot["simulation_year"], kind="stable")[
        [0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11]
    ]
    shuffled = replace(output, snapshot={name: values[order] for name, values in output.snapshot.items()})
    rows = sheet_rows(
        openpyxl.load_workbook(
            io.BytesIO(results_xlsx(build_results(output, irs_limits=IRS_LIMITS), shuffled, METADATA))
        )["Workforce_Snapshot"]
    )
    assert [row[0] for row in rows[1:]] == ["E1", "E2", "E4", "H1", "H3", "H4"]


def test_metrics_csv_merges_workforce_and_plan_metrics_by_year():
    results = build_results(tiny_output(), irs_limits=IRS_LIMITS)
    rows = rows_of(metrics_csv(results))
    assert [row["simulation_year"] for row in rows] == ["2025", "2026"]
    assert rows[0]["headcount"] == "4"  # the year-end actives of `workforce`, not everyone of the year
    assert rows[0]["total_compensation"] == "210000.00"
    assert rows[0]["participation_rate"] == "66.6667"
    assert rows[1]["avg_deferral_rate"] == "0.0467"
    assert rows[1]["employer_cost_rate"] == "3.3587"
    assert len(rows[0]) == 17


def test_bands_csv_has_one_row_per_metric_and_year():
    bands = compute_bands([year_metrics(tiny_output())] * 2)
    rows = rows_of(bands_csv(bands))
    assert len(rows) == 16 * 2
    assert rows[0] == {"metric": "headcount", "simulation_year": "2025", "p5": "4", "p50": "4", "p95": "4"}


def test_xlsx_has_the_api_sheets_in_order():
    assert workbook().sheetnames == [
        "Summary_Metrics",
        "Workforce_Snapshot",
        "Events_Summary",
        "Events_Detail",
        "Metadata",
    ]


def test_xlsx_summary_metrics_and_events_summary_hold_the_per_year_numbers():
    book = workbook()
    summary = sheet_rows(book["Summary_Metrics"])
    assert summary[0][:3] == ("simulation_year", "headcount", "hires")
    assert summary[2][:3] == (2026, 5, 2)
    assert dict(zip(summary[0], summary[1], strict=True))["participation_rate"] == 66.6667
    events = sheet_rows(book["Events_Summary"])
    # Our event types, as in Events_Detail: the Studio's event_trends count H2's exit as a termination.
    assert events[0] == ("simulation_year", *EVENT_TYPES)
    assert events[1:] == [(2025, 2, 1, 1, 0, 0, 0, 1, 0, 0, 0), (2026, 2, 1, 0, 0, 3, 1, 1, 0, 1, 0)]


def test_xlsx_workforce_snapshot_is_the_final_year_with_typed_cells():
    rows = sheet_rows(workbook()["Workforce_Snapshot"])
    assert len(rows) == 1 + 6
    e2 = dict(zip(rows[0], rows[2], strict=True))
    assert e2["employee_id"] == "E2"
    assert e2["status"] == "experienced_termination"
    assert e2["prorated_pay"] == 12500
    assert e2["eligible"] is True
    assert e2["termination_date"] == datetime.datetime(2026, 3, 31)
    assert dict(zip(rows[0], rows[1], strict=True))["termination_date"] is None


def test_xlsx_events_detail_says_when_it_is_capped_and_how_many_events_there_are():
    capped = sheet_rows(workbook(detail_row_cap=3)["Events_Detail"])
    assert len(capped) == 1 + 3
    assert capped[0][-1] == "Capped: showing the first 3 of 14 rows; the run's Parquet tables have them all."
    assert capped[1][:4] == ("H2", 2025, "hire", datetime.datetime(2025, 2, 1))
    full = sheet_rows(workbook()["Events_Detail"])
    assert len(full) == 1 + 14
    assert full[0] == (
        "employee_id",
        "simulation_year",
        "event_type",
        "effective_date",
        "old_value",
        "new_value",
    )


def test_xlsx_metadata_keeps_text_as_is_and_nested_values_as_json():
    rows = sheet_rows(workbook()["Metadata"])
    values = dict(rows[1:])
    assert values["note"] == "a < b & c"
    assert values["seed"] == "42"
    assert json.loads(values["config"]) == METADATA["config"]


def test_xlsx_has_a_bands_sheet_for_an_ensemble():
    output = tiny_output()
    bands = compute_bands([year_metrics(output)] * 2)
    results = build_results(output, irs_limits=IRS_LIMITS, bands=bands)
    book = openpyxl.load_workbook(io.BytesIO(results_xlsx(results, output, METADATA)))
    assert book.sheetnames[-1] == "Bands"
    rows = sheet_rows(book["Bands"])
    assert rows[0] == ("metric", "simulation_year", "p5", "p50", "p95")
    assert rows[1] == ("headcount", 2025, 4, 4, 4)


def test_xlsx_is_byte_identical_for_equal_inputs():
    output = tiny_output()
    results = build_results(output, irs_limits=IRS_LIMITS)
    assert results_xlsx(results, output, METADATA) == results_xlsx(results, output, METADATA)


def eight_ids(characters: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.text(characters, min_size=1, max_size=12), min_size=8, max_size=8, unique=True)


@settings(max_examples=60, deadline=None)
@given(eight_ids(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))))
def test_any_employee_id_survives_the_csv_round_trip(ids: list[str]):
    output = replace(tiny_output(), employee_ids=np.array(ids))
    text = gzip.decompress(snapshot_csv_gz(output)).decode()
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["employee_id"] for row in rows[:6]] == ids[:6]


@settings(max_examples=30, deadline=None)
# XML 1.0 has no way to carry U+FFFE or U+FFFF (the workbook leaves them out), as with control characters.
@given(eight_ids(st.characters(blacklist_characters="\ufffe\uffff", blacklist_categories=("Cc", "Cs"))))
def test_any_printable_employee_id_survives_the_xlsx_round_trip(ids: list[str]):
    output = replace(tiny_output(), employee_ids=np.array(ids))
    results = build_results(output, irs_limits=IRS_LIMITS)
    book = openpyxl.load_workbook(io.BytesIO(results_xlsx(results, output, METADATA)))
    final_year = [ids[i] for i in (0, 1, 3, 4, 6, 7)]  # E3 and H2 left in 2025
    assert [row[0] for row in sheet_rows(book["Workforce_Snapshot"])[1:]] == final_year


def test_xlsx_leaves_out_characters_xml_cannot_carry():
    output = replace(tiny_output(), employee_ids=np.array(["E\ufffe1", "E\uffff2", "E\x013", *"45678"]))
    results = build_results(output, irs_limits=IRS_LIMITS)
    book = openpyxl.load_workbook(io.BytesIO(results_xlsx(results, output, METADATA)))
    assert [row[0] for row in sheet_rows(book["Workforce_Snapshot"])[1:3]] == ["E1", "E2"]


def _read_back(table: pa.Table) -> pa.Table:
    return pq.read_table(pa.BufferReader(parquet_bytes(table)))


@pytest.mark.parametrize("detail_row_cap", [5, 50_000])
def test_the_workbook_from_the_parquet_tables_is_the_one_of_the_output_byte_for_byte(detail_row_cap: int):
    config = bench_config(3)
    output = simulate(generate_census(300, seed=3), config)
    results = build_results(output, irs_limits=IRS_LIMITS)
    tables = {(table, year): _read_back(rows) for table, year, rows in run_tables(year_rows(output), 0.03)}
    # The detail rows may run past the first year's events: the years' tables one after the other.
    first_events = pa.concat_tables(tables[EVENTS, year] for year in output.years)
    rows = exports.workbook_rows_from_tables(
        tables[SNAPSHOT, output.end_year], first_events, output.years, event_counts(output), detail_row_cap
    )
    expected = results_xlsx(results, output, METADATA, detail_row_cap=detail_row_cap)
    assert exports.results_workbook(results, rows, METADATA) == expected
