"""The census reader: the messy-file corpus, each value parser, header matching and row validation."""

import importlib.util
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from planalign.domain.census import Census
from planalign.domain.census_formats import open_table_file
from planalign.domain.census_reader import (
    canonical_column,
    normalize_header,
    parse_bools,
    parse_dates,
    parse_number,
    parse_rate,
    read_census,
)
from planalign.errors import CensusRejected

CORPUS = Path(__file__).parents[1] / "corpus" / "census"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
HEADER = "employee_id,employee_birth_date,employee_hire_date,employee_gross_compensation,active"


def load_make_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_text(text: str) -> dict:
    return read_census(text.encode(), "census.csv").report


def days(*values: str) -> np.ndarray:
    return np.array(values, dtype="datetime64[D]")


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_corpus_file_reads_as_expected(filename: str) -> None:
    expected = EXPECTED[filename]
    data = (CORPUS / filename).read_bytes()
    if not expected["ok"]:
        with pytest.raises(CensusRejected) as rejected:
            read_census(data, filename)
        assert expected["error_contains"] in str(rejected.value)
        return
    result = read_census(data, filename)
    counts = {key: result.report[key] for key in ("rows_accepted", "rows_rejected", "duplicates")}
    assert counts == {key: expected[key] for key in counts}
    assert len(result.census) == expected["rows_accepted"]
    assert result.report["rows_read"] == sum(counts.values())
    json.dumps(result.report)


def test_every_corpus_file_is_small() -> None:
    assert all((CORPUS / name).stat().st_size < 8_192 for name in EXPECTED)


# --- value parsers ---


def test_parse_number_reads_money_as_people_type_it() -> None:
    values = ["85000", "$85,000.00", "85,000", " $ 1,234,567.5 ", "(1,000)", "-$2,500", "1e3", "0.5", "€ 12"]
    assert parse_number(values).tolist() == [85000, 85000, 85000, 1234567.5, -1000, -2500, 1000, 0.5, 12]


def test_parse_number_is_nan_for_text_that_is_no_amount() -> None:
    values = ["", "n/a", "85.000,00", "8,5000", "12abc", "$", "()", "1,000,00"]
    assert np.isnan(parse_number(values)).all()


def test_parse_rate_reads_fractions_and_percents() -> None:
    rates, read_as_percent = parse_rate(["6%", "6", "0.06", "7.5", "3 %", "1", "0", "100%", "-2%", "abc"])
    assert rates[:9].tolist() == pytest.approx([0.06, 0.06, 0.06, 0.075, 0.03, 1.0, 0.0, 1.0, -0.02])
    assert np.isnan(rates[9])
    assert read_as_percent.tolist() == [False, True, False, True] + [False] * 6


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2020-01-31", "2020-01-31"),
        ("2020-1-5", "2020-01-05"),
        ("2020-01-31T08:30:00", "2020-01-31"),
        ("2020-01-31 00:00:00.000000Z", "2020-01-31"),
        ("2020/01/31", "2020-01-31"),
        ("1/31/2020", "2020-01-31"),
        ("01/31/2020 0:00", "2020-01-31"),
        ("1/31/20", "2020-01-31"),
        ("1/31/45", "1945-01-31"),
        ("12-31-1999", "1999-12-31"),
        ("20200131", "2020-01-31"),
        ("43861", "2020-01-31"),
        ("43861.75", "2020-01-31"),
        ("61", "1900-03-01"),
        ("59", "1900-02-28"),
        ("31-Jan-2020", "2020-01-31"),
        ("Jan 31, 2020", "2020-01-31"),
        ("31 January 1975", "1975-01-31"),
        ("05-Mar-65", "1965-03-05"),
    ],
)
def test_parse_dates_reads_iso_us_compact_serial_and_month_names(text: str, day: str) -> None:
    assert parse_dates([text])[0] == np.datetime64(day)


def test_parse_dates_reads_a_mixed_column_at_once() -> None:
    parsed = parse_dates(["2020-01-31", "2/1/2020", "", "43863", "3-Feb-2020", "x"])
    expected = days("2020-01-31", "2020-02-01", "NaT", "2020-02-02", "2020-02-03", "NaT")
    np.testing.assert_array_equal(parsed, expected)


def test_parse_dates_is_nat_for_impossible_or_odd_dates() -> None:
    values = [
        "",
        "2021-02-29",
        "2020-13-01",
        "13/45/1990",
        "31/01/2020",
        "60",
        "0",
        "1899-12-31",
        "2101-01-01",
    ]
    values += ["someday", "2020-01-31 lunch", "99999"]
    assert np.isnat(parse_dates(values)).all()


@pytest.mark.parametrize(
    "column",
    [
        lambda cells: cells,
        lambda cells: pa.array(cells),
        lambda cells: pa.array(cells, pa.large_string()),
        lambda cells: pa.array(["x", *cells]).slice(1),
    ],
    ids=["list", "arrow", "large_string", "sliced"],
)
def test_plain_iso_cells_read_from_their_bytes_mean_what_the_patterns_say(
    column: Callable[[list[str]], Any],
) -> None:
    # YYYY-MM-DD cells skip the patterns; these sit next to forms that do not, and near misses.
    cells = ["2020-01-31", "1/2/2020", "2021-02-29", "2020-02-29", " 2020-03-04 ", "2020-3-04"]
    cells += ["2020-13-01", "2020/03/04", "2020-03-4x", "1899-12-31", "2100-12-31", "", "2020-00-10"]
    expected = days("2020-01-31", "2020-01-02", "NaT", "2020-02-29", "2020-03-04", "2020-03-04")
    expected = np.concatenate([expected, days("NaT", "2020-03-04", "NaT", "NaT", "2100-12-31", "NaT", "NaT")])
    np.testing.assert_array_equal(parse_dates(column(cells * 3)), np.tile(expected, 3))


def test_parse_dates_returns_day_resolution() -> None:
    assert parse_dates(["2020-01-31"]).dtype == np.dtype("datetime64[D]")


def test_parse_bools_reads_every_spelling_in_any_case() -> None:
    words = ["true", "FALSE", "Yes", "no", "Y", "n", "1", "0", "t", "F", " yes "]
    values, recognized = parse_bools(words)
    assert values.tolist() == [True, False, True, False, True, False, True, False, True, False, True]
    assert recognized.all()


def test_parse_bools_knows_status_words_only_when_asked() -> None:
    words = ["Active", "TERMINATED", "inactive", "maybe", ""]
    values, recognized = parse_bools(words, status_words=True)
    assert values.tolist() == [True, False, False, False, False]
    assert recognized.tolist() == [True, True, True, False, False]
    assert not parse_bools(words)[1].any()


# --- headers ---


@pytest.mark.parametrize(
    ("header", "normalized"),
    [
        (" Employee ID ", "employee_id"),
        ("Annual Salary ($)", "annual_salary"),
        ("Emp #", "emp"),
        ("date-of-birth", "date_of_birth"),
        ("Active?", "active"),
        ("\ufeffEMPLOYEE__ID", "employee_id"),
        ("Deferral %", "deferral"),
    ],
)
def test_normalize_header_lowercases_and_joins_words_with_one_underscore(
    header: str, normalized: str
) -> None:
    assert normalize_header(header) == normalized


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("Emp ID", "employee_id"),
        ("Employee Number", "employee_id"),
        ("worker_id", "employee_id"),
        ("DOB", "employee_birth_date"),
        ("Date of Birth", "employee_birth_date"),
        ("Original Hire Date", "employee_hire_date"),
        ("Start Date", "employee_hire_date"),
        ("Base Salary", "employee_gross_compensation"),
        ("Pay", "employee_gross_compensation"),
        ("Employment Status", "active"),
        ("Is Active", "active"),
        ("Term Date", "employee_termination_date"),
        ("Deferral Percent", "employee_deferral_rate"),
        ("Contribution Rate", "employee_deferral_rate"),
        ("Scheduled Hours Per Week", "scheduled_hours_per_week"),
        ("Auto Escalation Opt-Out", "auto_escalation_opt_out"),
        ("Eligibility Override", "eligibility_override"),
        ("Department", None),
    ],
)
def test_canonical_column_knows_the_aliases(header: str, canonical: str | None) -> None:
    assert canonical_column(header) == canonical


def test_missing_required_column_is_named_with_the_headers_seen() -> None:
    with pytest.raises(CensusRejected) as rejected:
        read_text("Emp ID,DOB,Salary,Status\nE1,1980-01-01,5,yes\n")
    assert str(rejected.value) == (
        "missing required column employee_hire_date (headers: Emp ID, DOB, Salary, Status)"
    )
    assert rejected.value.report["columns"] == {
        "Emp ID": "employee_id",
        "DOB": "employee_birth_date",
        "Salary": "employee_gross_compensation",
        "Status": "active",
    }


def test_two_missing_columns_are_both_named() -> None:
    with pytest.raises(CensusRejected, match="missing required columns employee_hire_date, active "):
        read_text("id,dob,salary\nE1,1980-01-01,5\n")


def test_two_columns_meaning_the_same_field_are_ambiguous() -> None:
    with pytest.raises(CensusRejected) as rejected:
        read_text("id,dob,hire date,status,active,pay\n")
    assert (
        str(rejected.value)
        == "ambiguous columns 'status' (column 4) and 'active' (column 5) both mean active"
    )


def test_report_maps_source_headers_and_warns_of_unknown_columns() -> None:
    report = read_text(" Emp ID ;Date of Birth;Hire Date;Pay;Status;Team\nE1;1980-01-01;2015-01-01;5;yes;A\n")
    assert report["delimiter"] == ";"
    assert report["columns"] == {
        "Emp ID": "employee_id",
        "Date of Birth": "employee_birth_date",
        "Hire Date": "employee_hire_date",
        "Pay": "employee_gross_compensation",
        "Status": "active",
    }
    assert report["warnings"] == ["unknown columns ignored: Team"]


# --- rows ---


def test_odd_headers_file_gives_exact_columns() -> None:
    census = read_census((CORPUS / "odd_headers.csv").read_bytes(), "odd_headers.csv").census
    assert census.employee_id.tolist() == ["E001", "E002", "E003", "E004", "E005", "E006"]
    np.testing.assert_array_equal(census.birth_date[:2], days("1980-02-03", "1975-11-20"))
    assert census.gross_compensation.tolist() == [85000, 120000.5, 52000, 150000, 48000, 97500]
    assert census.active.tolist() == [True, True, True, False, True, True]
    assert census.termination_date[3] == np.datetime64("2023-05-31")
    assert np.isnat(census.termination_date[[0, 1, 2, 4, 5]]).all()
    assert census.deferral_rate.tolist() == pytest.approx([0.06, 0.10, 0.0, 0.05, 0.03, 0.08])
    assert census.scheduled_hours_per_week.tolist() == [37.5] * 6


def test_rejected_rows_name_row_column_value_and_reason() -> None:
    report = read_census((CORPUS / "row_errors.csv").read_bytes()).report
    assert report["rejected_rows"] == [
        {"row": 3, "column": "employee_id", "value": "", "reason": "blank"},
        {"row": 4, "column": "employee_birth_date", "value": "1980-02-30", "reason": "not a date"},
        {
            "row": 5,
            "column": "employee_birth_date",
            "value": "2016-01-01",
            "reason": "birth date after hire date",
        },
        {"row": 6, "column": "employee_hire_date", "value": "", "reason": "blank"},
        {"row": 7, "column": "employee_gross_compensation", "value": "0", "reason": "not above 0"},
        {
            "row": 8,
            "column": "employee_gross_compensation",
            "value": "sixty thousand",
            "reason": "not a number",
        },
        {"row": 9, "column": "active", "value": "maybe", "reason": "not a boolean"},
        {"row": 10, "column": "employee_termination_date", "value": "someday", "reason": "not a date"},
        {"row": 11, "column": "scheduled_hours_per_week", "value": "forty", "reason": "not a number"},
    ]
    assert report["rejected_by_reason"] == {
        "blank": 2,
        "not a date": 2,
        "birth date after hire date": 1,
        "not above 0": 1,
        "not a number": 2,
        "not a boolean": 1,
    }
    assert report["warnings"] == ["9 rows rejected (see rejected_rows)"]


def test_every_problem_of_a_rejected_row_is_listed_in_column_order() -> None:
    report = read_text(f"{HEADER}\n,someday,2015-01-01,-5,maybe\nE2,1980-01-01,2015-01-01,5,yes\n")
    assert [(entry["column"], entry["reason"]) for entry in report["rejected_rows"]] == [
        ("employee_id", "blank"),
        ("employee_birth_date", "not a date"),
        ("employee_gross_compensation", "not above 0"),
        ("active", "not a boolean"),
    ]


def test_row_numbers_count_blank_lines_and_title_rows_as_a_person_sees_them() -> None:
    text = f"Census export\n\n{HEADER}\n\nE1,1980-01-01,2015-01-01,5,yes\n,,,,\nE2,bad,2015-01-01,5,yes\n"
    report = read_text(text)
    assert report["rejected_rows"] == [
        {"row": 7, "column": "employee_birth_date", "value": "bad", "reason": "not a date"}
    ]
    assert report["rows_read"] == 2
    assert report["warnings"][0] == "1 row above the header (row 3) ignored"


def test_a_row_after_a_quoted_line_break_is_numbered_by_the_line_it_starts_on() -> None:
    report = read_census((CORPUS / "quoted_multiline.csv").read_bytes()).report
    assert [entry["row"] for entry in report["rejected_rows"]] == [6]


def test_duplicate_ids_keep_the_latest_hire_date_and_on_ties_the_later_row() -> None:
    result = read_census((CORPUS / "duplicate_ids.csv").read_bytes())
    census = result.census
    assert census.employee_id.tolist() == ["E001", "E002", "E003", "E004", "E005"]
    assert census.gross_compensation.tolist() == [90000, 125000, 52000, 150000, 48000]
    assert result.report["duplicate_ids"] == [
        {"employee_id": "E001", "row": 2, "kept_row": 3},
        {"employee_id": "E002", "row": 4, "kept_row": 5},
        {"employee_id": "E003", "row": 7, "kept_row": 6},
        {"employee_id": "E003", "row": 8, "kept_row": 6},
    ]


def test_kept_employees_stay_in_file_order() -> None:
    rows = ["B,1980-01-01,2015-01-01,1,yes", "A,1980-01-01,2010-01-01,2,yes", "B,1980-01-01,2016-01-01,3,yes"]
    result = read_census("\n".join([HEADER, *rows]).encode())
    assert result.census.employee_id.tolist() == ["A", "B"]
    assert result.census.gross_compensation.tolist() == [2, 3]


def test_deferral_above_the_cap_is_capped_with_a_warning_and_blank_is_zero() -> None:
    result = read_census((CORPUS / "percent_rates.csv").read_bytes())
    assert result.census.deferral_rate.tolist() == pytest.approx([0.06, 0.10, 0, 0.05, 0.03, 0.075, 0.75, 0])
    assert result.report["warnings"][:2] == [
        "employee_deferral_rate: 3 values above 1 read as percent",
        "employee_deferral_rate: 1 value above 0.75 capped",
    ]


def test_optional_columns_take_their_defaults() -> None:
    census = read_census(f"{HEADER}\nE1,1980-01-01,2015-01-01,5,no\n".encode()).census
    assert census.deferral_rate.tolist() == [0.0]
    assert census.scheduled_hours_per_week.tolist() == [40.0]
    assert census.auto_escalation_opt_out.tolist() == [False]
    assert census.eligibility_override.tolist() == [False]
    assert np.isnat(census.termination_date).all()


def test_an_inactive_row_keeps_its_termination_date() -> None:
    text = f"{HEADER},term date\nE1,1980-01-01,2015-01-01,5,terminated,3/31/2023\n"
    census = read_census(text.encode()).census
    assert census.active.tolist() == [False]
    np.testing.assert_array_equal(census.termination_date, days("2023-03-31"))


def test_census_columns_have_the_normalized_types() -> None:
    census = read_census((CORPUS / "census.xlsx").read_bytes(), "census.xlsx").census
    assert census.employee_id.dtype.kind == "U"
    assert census.hire_date.dtype == np.dtype("datetime64[D]")
    assert census.gross_compensation.dtype == np.float64
    assert census.active.dtype == np.bool_
    assert Census.from_bytes(census.to_bytes()).employee_id.tolist() == census.employee_id.tolist()


def test_no_data_below_the_header_fails_the_import() -> None:
    with pytest.raises(CensusRejected, match="no usable row: nothing below the header on row 1"):
        read_text(f"{HEADER}\n\n")


def test_no_usable_row_carries_the_report() -> None:
    with pytest.raises(CensusRejected) as rejected:
        read_text(f"{HEADER}\nE1,1980-01-01,2015-01-01,0,yes\n")
    assert str(rejected.value) == "no usable row: 1 row rejected"
    assert rejected.value.report["rejected_rows"][0]["reason"] == "not above 0"


# --- formats ---


def test_xlsx_cells_are_read_with_their_types() -> None:
    result = read_census((CORPUS / "census.xlsx").read_bytes(), "census.xlsx")
    census = result.census
    assert result.report["format"] == "xlsx"
    assert result.report["sheet"] == "Sheet1"
    assert census.birth_date[-1] == np.datetime64("1985-04-10")
    assert census.hire_date[0] == np.datetime64("2015-06-01")
    assert census.gross_compensation[1] == 120000.5
    assert census.active.tolist() == [True, True, True, False, True, True]
    assert census.deferral_rate.tolist() == pytest.approx([0.06, 0.10, 0.0, 0.05, 0.03, 0.08])


@pytest.mark.parametrize("filename", ["second_sheet.xlsx", "second_sheet.xls"])
def test_a_named_sheet_is_read(filename: str) -> None:
    result = read_census((CORPUS / filename).read_bytes(), filename, sheet="Census")
    assert result.report["sheet"] == "Census"
    assert result.report["warnings"] == []
    assert len(result.census) == 6


def test_without_a_sheet_name_the_first_sheet_with_a_census_header_is_read() -> None:
    result = read_census((CORPUS / "second_sheet.xlsx").read_bytes())
    assert result.report["sheet"] == "Census"
    assert result.report["warnings"] == ["read sheet 'Census': the sheets before it hold no census header"]


def test_an_unknown_sheet_is_rejected_naming_the_sheets() -> None:
    with pytest.raises(CensusRejected) as rejected:
        read_census((CORPUS / "second_sheet.xlsx").read_bytes(), sheet="Employees")
    assert str(rejected.value) == "no sheet named 'Employees' (sheets: Instructions, Census)"


def test_legacy_xls_gives_the_same_census_as_xlsx() -> None:
    xls = read_census((CORPUS / "census.xls").read_bytes(), "census.xls")
    xlsx = read_census((CORPUS / "census.xlsx").read_bytes(), "census.xlsx")
    assert (xls.report["format"], xls.report["sheet"], xls.report["warnings"]) == ("xls", "Sheet1", [])
    assert xls.report["columns"] == xlsx.report["columns"]
    for field in fields(Census):
        np.testing.assert_array_equal(
            getattr(xls.census, field.name), getattr(xlsx.census, field.name), err_msg=field.name
        )


def test_xls_cells_keep_their_types_and_text_in_utf16() -> None:
    """Date-formatted serials come back as dates, booleans as booleans, and SST text stored as UTF-16
    (the em dash) as the same text."""
    table = open_table_file((CORPUS / "second_sheet.xls").read_bytes(), "second_sheet.xls", 1_000_000)
    assert (table.format, table.sheet_names) == ("xls", ("Instructions", "Census"))
    assert table.read("Instructions").rows[0] == [
        "Fill in one row per employee on the Census sheet — one line each."
    ]
    census = table.read("Census")
    assert census.rows[1] == ["E001", "1980-02-03", "2015-06-01", "85000", "true", "", "0.06"]
    assert census.rows[4][5] == "2023-05-31"
    assert census.rows[6][1] == "04/10/1985"


def test_parquet_columns_are_read_with_their_types() -> None:
    census = read_census((CORPUS / "census.parquet").read_bytes()).census
    assert census.scheduled_hours_per_week.tolist() == [40, 40, 20, 40, 32, 40]
    assert census.termination_date[3] == np.datetime64("2023-05-31")
    assert census.gross_compensation[1] == 120000.5


def test_parquet_that_expands_past_the_limit_is_rejected() -> None:
    output = io.BytesIO()
    pq.write_table(pa.table({"employee_id": [f"E{i}" for i in range(1000)]}), output)
    with pytest.raises(CensusRejected, match="parquet file expands past 1000 bytes"):
        read_census(output.getvalue(), max_expanded_bytes=1000)


def test_the_expansion_limit_applies_to_any_workbook() -> None:
    with pytest.raises(CensusRejected, match="archive expands past 1000 bytes"):
        read_census((CORPUS / "census.xlsx").read_bytes(), max_expanded_bytes=1000)


@pytest.mark.parametrize(
    ("filename", "encoding", "delimiter"),
    [
        ("utf8_bom.csv", "utf-8-sig", ","),
        ("utf16le_bom_tab.txt", "utf-16-le", "\t"),
        ("utf16be_bom.csv", "utf-16-be", ","),
        ("latin1_semicolon.csv", "cp1252", ";"),
        ("tab_delimited.tsv", "utf-8", "\t"),
        ("sep_hint.csv", "utf-8", ";"),
    ],
)
def test_text_encoding_and_delimiter_are_detected(filename: str, encoding: str, delimiter: str) -> None:
    report = read_census((CORPUS / filename).read_bytes(), filename).report
    assert (report["format"], report["encoding"], report["delimiter"]) == ("csv", encoding, delimiter)


def test_utf16_without_a_bom_is_recognized() -> None:
    text = f"{HEADER}\nE1,1980-01-01,2015-01-01,5,yes\n"
    report = read_census(text.encode("utf-16-le")).report
    assert (report["encoding"], report["rows_accepted"]) == ("utf-16-le", 1)


def test_latin1_names_survive_decoding() -> None:
    data = f"{HEADER},name\nÉ1,1980-01-01,2015-01-01,5,yes,Zoë\n".encode("latin-1")
    assert read_census(data).census.employee_id.tolist() == ["É1"]


def test_content_decides_the_format_and_a_wrong_name_is_a_warning() -> None:
    report = read_census(
        (CORPUS / "mislabeled_csv.xlsx").read_bytes(), "uploads/w/u/mislabeled_csv.xlsx"
    ).report
    assert report["format"] == "csv"
    assert report["warnings"] == ["uploads/w/u/mislabeled_csv.xlsx holds csv content and was read as csv"]


def test_compound_file_with_a_vba_project_is_a_macro_workbook() -> None:
    data = load_make_corpus().compound_file(["Workbook", "_VBA_PROJECT_CUR"])
    with pytest.raises(CensusRejected, match="macro-enabled workbook rejected"):
        read_census(data, "census.xls")


def test_compound_file_without_a_workbook_stream_is_not_a_spreadsheet() -> None:
    data = load_make_corpus().compound_file(["WordDocument"])
    with pytest.raises(CensusRejected, match="an OLE2 compound file that is not an Excel workbook"):
        read_census(data, "census.doc")


def test_xls_without_sheets_is_rejected() -> None:
    data = load_make_corpus().compound_file(["Workbook"])
    with pytest.raises(CensusRejected, match="the xls workbook has no sheet"):
        read_census(data, "census.xls")


def test_ods_with_basic_macros_is_rejected() -> None:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("Basic/Standard/Module1.xml", "<module/>")
    with pytest.raises(CensusRejected, match="macro-enabled workbook rejected"):
        read_census(output.getvalue(), "census.ods")


def test_damaged_zip_is_rejected() -> None:
    with pytest.raises(CensusRejected, match="damaged zip archive"):
        read_census(b"PK\x03\x04" + bytes(100), "census.xlsx")


# --- invariants ---

CELLS = {
    "employee_id": ["E1", "E2", "E3", "", " E1 "],
    "employee_birth_date": ["1980-01-01", "2/3/1975", "29221", "", "2030-01-01", "bad"],
    "employee_hire_date": ["2015-01-01", "6/1/15", "2020-02-30", "", "42000"],
    "employee_gross_compensation": ["85000", "$1,000.50", "(5)", "", "0", "x"],
    "active": ["yes", "no", "Active", "", "maybe"],
    "employee_deferral_rate": ["6%", "7.5", "0.05", "", "-1", "90"],
}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*(st.sampled_from(values) for values in CELLS.values())), max_size=25))
def test_every_data_row_is_accepted_rejected_or_a_duplicate(rows: list[tuple[str, ...]]) -> None:
    text = ",".join(CELLS) + "\n" + "".join(",".join(row) + "\n" for row in rows)
    try:
        result = read_census(text.encode())
    except CensusRejected as rejected:
        assert rejected.report["rows_accepted"] == 0
        return
    report = result.report
    assert report["rows_accepted"] + report["rows_rejected"] + report["duplicates"] == report["rows_read"]
    assert len(result.census) == report["rows_accepted"] == len(set(result.census.employee_id.tolist()))
    json.dumps(report)


PLAIN_CSV_VARIANTS = {
    "generated": lambda text: text,
    "CRLF": lambda text: text.replace("\n", "\r\n"),
    "CR": lambda text: text.replace("\n", "\r"),
    "semicolons": lambda text: text.replace(",", ";"),
    "no final newline": lambda text: text.rstrip("\n"),
    "sep line": lambda text: "sep=,\n" + text,
    "title row above the header": lambda text: "Census export\n" + text,
    "blank line": lambda text: text.replace("\n", "\n\n", 3),
    "line of blank cells": lambda text: text.replace("\n", "\n , ,,,,,,,,\n", 2),
    "quoted cell": lambda text: text.replace("E000007,", '"E000007",', 1),
    "short row": lambda text: text.replace(",false,false\n", "\n", 1),
    "bad rows": lambda text: text.replace(",1985-", ",not a date-", 5),
}


# Plain CSVs (no quote, every line a row of the same width, none blank) are read by Arrow.
READ_BY_COLUMNS = {"generated", "CRLF", "CR", "semicolons", "no final newline", "sep line", "bad rows"}


@pytest.mark.parametrize("variant", PLAIN_CSV_VARIANTS)
def test_a_csv_read_column_by_column_is_read_as_row_by_row(
    variant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planalign.domain import census_formats
    from planalign.domain.census_generator import census_csv, generate_census

    data = PLAIN_CSV_VARIANTS[variant](census_csv(generate_census(300, seed=5)).decode()).encode()
    by_columns = open_table_file(data, "census.csv", 10**9).read("").columns is not None
    assert by_columns == (variant in READ_BY_COLUMNS)
    fast = read_census(data, "census.csv")
    monkeypatch.setattr(census_formats, "_read_csv_columns", lambda *args: None)
    slow = read_census(data, "census.csv")
    assert fast.report == slow.report
    assert fast.census.to_bytes() == slow.census.to_bytes()
