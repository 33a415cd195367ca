"""The import wizard's domain: the table of an upload, suggestions from the reader's aliases, mappings
and their transforms, and the generated census that keeps the source's row numbers."""

import json

import pytest
from planalign.domain import census_mapping
from planalign.domain.census_reader import read_census
from planalign.errors import CensusRejected, InvalidRequest

SOURCE = (
    b"Payroll export\n"
    b"\n"
    b"Emp #,DOB,Start Date,Pay,Status,Team,Team\n"
    b'E1,03/02/1980,2015-06-01,"$85,000",Active,Sales,A\n'
    b"E2,20/11/1975,2010-03-15,120000,Terminated,Ops,B\n"
    b",,,,,,\n"
    b"E3,1990-07-04,2020-01-06,52000.5,active,,C\n"
)


def mapping(source: str, target: str, *transforms: dict[str, object], **fields: object) -> dict[str, object]:
    return {
        "input_column": source,
        "output_column": target,
        "output_type": "string",
        "transformations": list(transforms),
        **fields,
    }


def test_the_source_is_read_under_its_title_rows_with_unique_column_names() -> None:
    table = census_mapping.read_source(SOURCE, "export.csv")
    assert (table.format, table.source_format, table.header_row) == ("csv", "csv", 3)
    assert table.columns == ["Emp #", "DOB", "Start Date", "Pay", "Status", "Team", "Team_1"]
    assert table.renames == [{"original": "Team", "renamed": "Team_1"}]
    assert table.row_numbers == [4, 5, 7]  # the blank row 6 is no row
    assert table.warnings == ["1 row(s) above the header (row 3) ignored"]
    columns = {c["name"]: c for c in census_mapping.detect_columns(table)}
    assert columns["Start Date"]["inferred_type"] == "date"
    assert (
        columns["Pay"]["inferred_type"] == "integer"
    )  # "$85,000", "120000", "52000.5": not all with a point
    assert columns["Status"]["inferred_type"] == "boolean"
    assert columns["Team"] == {
        "name": "Team",
        "inferred_type": "string",
        "null_count": 1,
        "sample_values": ["Sales", "Ops"],
    }


def test_a_plain_csvs_row_numbers_are_a_list_its_preview_can_store() -> None:
    table = census_mapping.read_source(b"employee_id,active\nE1,true\nE2,true\n", "census.csv")
    assert table.row_numbers == [2, 3]
    assert json.loads(json.dumps(table.row_numbers)) == [2, 3]  # the wizard stores its preview as JSON


def test_a_file_the_reader_refuses_is_refused_with_its_reason() -> None:
    with pytest.raises(CensusRejected, match="PDF"):
        census_mapping.read_source(b"%PDF-1.4 ...", "census.csv")
    with pytest.raises(CensusRejected, match="0 data rows"):
        census_mapping.read_source(b"employee_id,dob\n", "census.csv")


def test_suggestions_come_from_the_readers_aliases() -> None:
    table = census_mapping.read_source(SOURCE, "export.csv")
    suggestions = {s["input_column"]: s for s in census_mapping.suggest(census_mapping.detect_columns(table))}
    assert suggestions["DOB"]["suggested_canonical_field"] == "employee_birth_date"
    assert (suggestions["DOB"]["reason"], suggestions["DOB"]["confidence"]) == ("alias_match", "high")
    assert suggestions["Start Date"]["suggested_canonical_field"] == "employee_hire_date"
    assert suggestions["Pay"]["suggested_canonical_field"] == "employee_gross_compensation"
    assert suggestions["Pay"]["format_detection"]["detected_format"] == "currency_string"
    assert suggestions["Status"]["format_detection"]["parsed_sample_values"] == [
        "active → true; terminated → false"
    ]
    # "Emp #" normalizes to emp, which no alias is: the user maps it.
    assert suggestions["Emp #"]["reason"] == "no_match"
    assert suggestions["Team"]["suggested_canonical_field"] is None
    # DOB "03/02/1980" and "20/11/1975": only day-first reads both.
    assert suggestions["DOB"]["format_detection"]["detected_format"] == "%d/%m/%Y"


def test_a_prior_mapping_of_the_same_headers_wins() -> None:
    columns = [{"name": "Emp #", "sample_values": ["E1"]}, {"name": "DOB", "sample_values": []}]
    suggested = census_mapping.suggest(columns, {"Emp #": "employee_id"})
    assert (suggested[0]["suggested_canonical_field"], suggested[0]["reason"]) == (
        "employee_id",
        "prior_mapping",
    )
    assert census_mapping.headers_fingerprint(["b", "a"]) == census_mapping.headers_fingerprint(["a", "b"])


def test_mapping_errors_name_the_column_and_what_is_wrong() -> None:
    errors = census_mapping.mapping_errors(
        [
            mapping("Nope", "employee_id"),
            mapping("DOB", "employee_ssn"),
            mapping("Start Date", "employee_hire_date"),
            mapping("Pay", "employee_hire_date"),
            mapping("Team", "whatever", is_excluded=True),
        ],
        ["DOB", "Start Date", "Pay", "Team"],
    )
    assert [(e["field"], e["input_column"]) for e in errors] == [
        ("input_column", "Nope"),
        ("output_column", "DOB"),
        ("output_column", "Pay"),
    ]
    assert errors[1]["message"].startswith("Output column 'employee_ssn' is not a recognized census field")
    assert errors[2]["message"] == "Duplicate output column name 'employee_hire_date'"


MAPPINGS = [
    mapping("Emp #", "employee_id", {"transform_type": "string_case", "params": {"case": "lower"}}),
    mapping("DOB", "employee_birth_date", {"transform_type": "date_parse", "params": {"format": "%d/%m/%Y"}}),
    mapping("Start Date", "employee_hire_date"),
    mapping("Pay", "employee_gross_compensation"),
    mapping("Status", "active"),
    mapping("Team", "employee_termination_date", is_excluded=True),
]


def test_a_mapping_renames_and_transforms_and_warns_of_unparsed_dates() -> None:
    table = census_mapping.read_source(SOURCE, "export.csv")
    mapped = census_mapping.apply_mapping(table, MAPPINGS)
    assert mapped.columns == [
        "employee_id",
        "employee_birth_date",
        "employee_hire_date",
        "employee_gross_compensation",
        "active",
    ]
    assert mapped.rows[0] == ["e1", "1980-02-03", "2015-06-01", "$85,000", "Active"]
    assert mapped.rows[2][1] == ""  # 1990-07-04 is not %d/%m/%Y
    assert mapped.warnings == [
        {
            "input_column": "DOB",
            "rows_affected": 1,
            "message": "1 value(s) could not be parsed as date with format '%d/%m/%Y'; will be null",
        }
    ]


def test_null_drop_replace_and_calculated_fields() -> None:
    table = census_mapping.read_source(SOURCE, "export.csv")
    mapped = census_mapping.apply_mapping(
        table,
        [
            mapping(
                "Emp #",
                "employee_id",
                {"transform_type": "calculated_field", "params": {"expression": "Team_1 + '-' + Pay * 2"}},
            ),
            mapping(
                "Team",
                "employee_termination_date",
                {"transform_type": "null_replace", "params": {"value": "none"}},
            ),
            mapping("Status", "active", {"transform_type": "null_drop", "params": {}}),
        ],
    )
    assert [row[0] for row in mapped.rows] == ["A-170000", "B-240000", "C-104001"]
    assert [row[1] for row in mapped.rows] == ["Sales", "Ops", "none"]
    with pytest.raises(InvalidRequest, match="only column names"):
        census_mapping.apply_mapping(
            table,
            [
                mapping(
                    "Pay",
                    "employee_id",
                    {"transform_type": "calculated_field", "params": {"expression": "__import__('os')"}},
                )
            ],
        )
    with pytest.raises(InvalidRequest, match="no column named 'Salary'"):
        census_mapping.apply_mapping(
            table,
            [
                mapping(
                    "Pay",
                    "employee_id",
                    {"transform_type": "calculated_field", "params": {"expression": "Salary * 2"}},
                )
            ],
        )


def test_the_generated_census_keeps_the_source_row_numbers_in_the_import_report() -> None:
    table = census_mapping.read_source(SOURCE, "export.csv")
    mapped = census_mapping.apply_mapping(table, MAPPINGS)
    imported = read_census(census_mapping.census_csv(mapped, table.header_row), "generated.csv")
    assert imported.report["rows_accepted"] == 2
    # E3's birth date did not parse with the mapping's format: the report names its row in the source.
    assert imported.report["rejected_rows"] == [
        {"row": 7, "column": "employee_birth_date", "value": "", "reason": "blank"}
    ]
    assert list(imported.census.employee_id) == ["e1", "e2"]
    assert list(imported.census.gross_compensation) == [85000.0, 120000.0]


def test_data_quality_notes_duplicates_blank_required_fields_and_odd_pay() -> None:
    columns = [
        {"name": "id", "null_count": 0},
        {"name": "pay", "null_count": 2},
    ]
    rows = [{"id": "A", "pay": "500"}, {"id": "A", "pay": "$20,000,000"}, {"id": "B", "pay": None}]
    suggestions = [
        {"input_column": "id", "suggested_canonical_field": "employee_id"},
        {"input_column": "pay", "suggested_canonical_field": "employee_gross_compensation"},
    ]
    assert census_mapping.data_quality(columns, rows, 3, suggestions) == {
        "duplicate_employee_id_count": 1,
        "null_required_field_counts": {
            "employee_birth_date": 3,
            "employee_hire_date": 3,
            "employee_gross_compensation": 2,
            "active": 3,
        },
        "compensation_outlier_count": 2,
    }
