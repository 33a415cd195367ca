"""The queryable run output: a hand-built two-year run written as Parquet per table and year, read back
with Arrow, and one employee's rows found by S3 range reads of only their row groups."""

import datetime
import io
from typing import Any

import boto3
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto import mock_aws
from planalign.adapters import run_tables as reader
from planalign.adapters.artifacts import Artifacts
from planalign.domain import run_tables
from planalign.domain.event_types import EVENT_TYPES
from planalign.domain.run_tables import EVENTS, SNAPSHOT, parquet_bytes, table_key
from planalign.domain.simulation_output import STATUSES, SimulationOutput, year_rows

IDS = ["E1", "E2", "E3", "E4", "N1", "N2"]
AUTO_RATE = 0.03
D = datetime.date
# (id, status, age, tenure, level, pay, prorated pay, eligible, enrolled, deferral rate, employee
# contribution, match, core, IRS limit reached, hire date, termination date) per year.
SNAPSHOT_ROWS = {
    2025: [
        (
            "E1",
            "continuous_active",
            40,
            14,
            2,
            100000,
            100000,
            True,
            True,
            0.06,
            6000,
            3000,
            1000,
            False,
            D(2010, 5, 1),
            None,
        ),
        (
            "E2",
            "continuous_active",
            30,
            10,
            1,
            50000,
            50000,
            True,
            False,
            0.0,
            0,
            0,
            500,
            False,
            D(2015, 1, 1),
            None,
        ),
        (
            "E3",
            "continuous_active",
            58,
            6,
            3,
            150000,
            150000,
            True,
            True,
            0.10,
            15000,
            4500,
            1500,
            False,
            D(2018, 3, 1),
            None,
        ),
        (
            "E4",
            "continuous_active",
            24,
            4,
            1,
            40000,
            40000,
            True,
            False,
            0.0,
            0,
            0,
            400,
            False,
            D(2020, 7, 1),
            None,
        ),
        (
            "N1",
            "new_hire_active",
            28,
            0,
            1,
            60000,
            50000,
            True,
            True,
            0.03,
            1500,
            750,
            500,
            False,
            D(2025, 3, 1),
            None,
        ),
    ],
    2026: [
        (
            "E1",
            "continuous_active",
            41,
            15,
            2,
            103000,
            103000,
            True,
            True,
            0.07,
            7210,
            3090,
            1030,
            True,
            D(2010, 5, 1),
            None,
        ),
        (
            "E2",
            "continuous_active",
            31,
            11,
            1,
            51500,
            51500,
            True,
            True,
            0.05,
            2575,
            1287.5,
            515,
            False,
            D(2015, 1, 1),
            None,
        ),
        (
            "E3",
            "experienced_termination",
            59,
            7,
            3,
            154500,
            77250,
            True,
            True,
            0.10,
            7725,
            2317.5,
            0,
            False,
            D(2018, 3, 1),
            D(2026, 6, 30),
        ),
        (
            "E4",
            "continuous_active",
            25,
            5,
            1,
            41200,
            41200,
            True,
            False,
            0.0,
            0,
            0,
            412,
            False,
            D(2020, 7, 1),
            None,
        ),
        (
            "N1",
            "continuous_active",
            29,
            1,
            1,
            61800,
            61800,
            True,
            True,
            0.03,
            1854,
            927,
            618,
            False,
            D(2025, 3, 1),
            None,
        ),
        (
            "N2",
            "new_hire_termination",
            22,
            0,
            1,
            45000,
            15000,
            False,
            False,
            0.0,
            0,
            0,
            0,
            False,
            D(2026, 2, 1),
            D(2026, 5, 31),
        ),
    ],
}
SNAPSHOT_FIELDS = (
    "status",
    "age",
    "tenure",
    "level",
    "pay",
    "prorated_pay",
    "eligible",
    "enrolled",
    "deferral_rate",
    "employee_contribution",
    "match",
    "core",
    "irs_limit_reached",
    "hire_date",
    "termination_date",
)
NAN = float("nan")
# (year, id, event type, effective date, old value, new value), each employee's in the order they happened.
EVENT_ROWS = [
    (2025, "N1", "hire", D(2025, 3, 1), NAN, 60000.0),
    (2025, "N1", "enrollment", D(2025, 3, 1), 0.0, 0.03),
    (2026, "E1", "raise", D(2026, 1, 1), 100000.0, 103000.0),
    (2026, "E1", "deferral_escalation", D(2026, 1, 1), 0.06, 0.07),
    (2026, "E2", "enrollment", D(2026, 1, 1), 0.0, 0.05),
    (2026, "E3", "termination", D(2026, 6, 30), 154500.0, NAN),
    (2026, "N2", "hire", D(2026, 2, 1), NAN, 45000.0),
    (2026, "N2", "new_hire_termination", D(2026, 5, 31), 45000.0, NAN),
]


def hand_built_output(snapshot_rows: dict[int, list[tuple[Any, ...]]] | None = None) -> SimulationOutput:
    """The two-year run above (another snapshot, e.g. a plan B's, when given), as the engine orders it:
    by year, then employee id."""
    snapshot_rows = SNAPSHOT_ROWS if snapshot_rows is None else snapshot_rows
    ids = sorted({row[0] for rows in snapshot_rows.values() for row in rows} | set(IDS))
    rows = [(year, *row) for year, year_rows in sorted(snapshot_rows.items()) for row in sorted(year_rows)]
    columns = list(zip(*rows, strict=True))
    snapshot: dict[str, np.ndarray] = {
        "simulation_year": np.array(columns[0], dtype=np.int16),
        "employee_index": np.array([ids.index(i) for i in columns[1]], dtype=np.int32),
    }
    for name, values in zip(SNAPSHOT_FIELDS, columns[2:], strict=True):
        if name == "status":
            snapshot[name] = np.array([STATUSES.index(v) for v in values], dtype=np.int8)
        elif name.endswith("_date"):
            snapshot[name] = np.array(
                [np.datetime64("NaT") if v is None else v for v in values], "datetime64[D]"
            )
        elif isinstance(values[0], bool):
            snapshot[name] = np.array(values, dtype=bool)
        elif name in ("age", "tenure", "level"):
            snapshot[name] = np.array(values, dtype=np.int16 if name != "level" else np.int8)
        else:
            snapshot[name] = np.array(values, dtype=np.float64)
    events = {
        "simulation_year": np.array([e[0] for e in EVENT_ROWS], dtype=np.int16),
        "employee_index": np.array([ids.index(e[1]) for e in EVENT_ROWS], dtype=np.int32),
        "event_type": np.array([EVENT_TYPES.index(e[2]) for e in EVENT_ROWS], dtype=np.int8),
        "effective_date": np.array([e[3] for e in EVENT_ROWS], dtype="datetime64[D]"),
        "old_value": np.array([e[4] for e in EVENT_ROWS]),
        "new_value": np.array([e[5] for e in EVENT_ROWS]),
    }
    return SimulationOutput(2025, 2026, 7, np.array(ids), snapshot, events)


def hand_built_tables(output: SimulationOutput | None = None) -> dict[tuple[str, int], pa.Table]:
    """Each (table, year) of the run, written as Parquet and read back."""
    tables = run_tables.run_tables(year_rows(hand_built_output() if output is None else output), AUTO_RATE)
    return {(table, year): pq.read_table(io.BytesIO(parquet_bytes(rows))) for table, year, rows in tables}


def by_id(table: pa.Table) -> dict[str, dict[str, Any]]:
    return {row["employee_id"]: row for row in table.to_pylist()}


def test_each_year_of_each_table_is_one_file_under_its_hive_partition() -> None:
    tables = run_tables.run_tables(year_rows(hand_built_output()), AUTO_RATE)
    assert [(table, year) for table, year, _ in tables] == [
        (SNAPSHOT, 2025),
        (EVENTS, 2025),
        (SNAPSHOT, 2026),
        (EVENTS, 2026),
    ]
    key = table_key("tenants/t/workspaces/w/runs/r/", SNAPSHOT, 2026)
    assert key == "tenants/t/workspaces/w/runs/r/snapshot/simulation_year=2026/part-0.parquet"
    assert run_tables.year_of_key(key) == 2026


def test_snapshot_rows_are_sorted_by_employee_with_names_and_dates() -> None:
    snapshot = hand_built_tables()[(SNAPSHOT, 2026)]
    assert snapshot["employee_id"].to_pylist() == IDS
    e3 = by_id(snapshot)["E3"]
    assert (e3["status"], e3["employment_status"]) == ("experienced_termination", "terminated")
    assert (e3["hire_date"], e3["termination_date"]) == (D(2018, 3, 1), D(2026, 6, 30))
    assert by_id(snapshot)["E1"]["termination_date"] is None
    assert pq.ParquetFile(io.BytesIO(parquet_bytes(snapshot))).metadata.row_group(0).sorting_columns


def test_escalations_enrollments_and_the_effective_rate_come_from_the_events() -> None:
    tables = hand_built_tables()
    first, final = by_id(tables[(SNAPSHOT, 2025)]), by_id(tables[(SNAPSHOT, 2026)])
    # E1: enrolled at the census, escalated in 2026 by one point.
    assert (first["E1"]["deferral_escalations"], final["E1"]["deferral_escalations"]) == (0, 1)
    assert final["E1"]["escalation_amount"] == pytest.approx(0.01, abs=1e-12)
    assert (final["E1"]["enrollment_method"], final["E1"]["enrollment_date"]) == ("census", None)
    # N1: auto-enrolled at the default rate when hired; E2 chose 5 % in 2026.
    assert (first["N1"]["enrollment_method"], first["N1"]["enrollment_date"]) == ("auto", D(2025, 3, 1))
    assert final["N1"]["enrollment_method"] == "auto"
    assert (first["E2"]["enrollment_method"], final["E2"]["enrollment_method"]) == (None, "voluntary")
    assert final["E2"]["enrollment_date"] == D(2026, 1, 1)
    assert (final["E4"]["enrollment_method"], final["E4"]["enrollment_date"]) == (None, None)
    # What was deferred over the year as a share of the pay earned in it.
    assert final["E3"]["effective_deferral_rate"] == pytest.approx(0.10)
    assert final["N2"]["effective_deferral_rate"] == 0.0


def test_without_auto_enrollment_every_enrollment_in_the_projection_is_voluntary() -> None:
    tables = run_tables.run_tables(year_rows(hand_built_output()), None)
    first = next(rows for table, year, rows in tables if (table, year) == (SNAPSHOT, 2025))
    assert by_id(first)["N1"]["enrollment_method"] == "voluntary"


def test_events_keep_each_employees_order_with_values_that_mean_nothing_null() -> None:
    events = hand_built_tables()[(EVENTS, 2026)].to_pylist()
    assert [(e["employee_id"], e["event_type"], e["event_sequence"]) for e in events] == [
        ("E1", "raise", 0),
        ("E1", "deferral_escalation", 1),
        ("E2", "enrollment", 0),
        ("E3", "termination", 0),
        ("N2", "hire", 0),
        ("N2", "new_hire_termination", 1),
    ]
    assert (events[3]["old_value"], events[3]["new_value"]) == (154500.0, None)


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="run-tables")
        yield s3


def test_one_employee_is_read_from_the_row_groups_that_hold_their_id(
    bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_tables, "ROW_GROUP_ROWS", 2)
    # Files this small are downloaded whole unless told otherwise.
    monkeypatch.setattr(reader, "WHOLE_FILE_BYTES", 0)
    artifacts = Artifacts("run-tables")
    folder = "tenants/t/workspaces/w/runs/r/"
    for table, year, rows in run_tables.run_tables(year_rows(hand_built_output()), AUTO_RATE):
        artifacts.put(table_key(folder, table, year), parquet_bytes(rows))
    ranges: list[str] = []
    get_object = artifacts.s3.get_object

    def counted(**kwargs: Any) -> Any:
        ranges.append(kwargs.get("Range", "whole"))
        return get_object(**kwargs)

    monkeypatch.setattr(artifacts.s3, "get_object", counted)
    reader._years_listed.clear()
    tables = reader.RunTables(artifacts, folder, reader.FileCache(1 << 20))
    assert tables.years(SNAPSHOT) == [2025, 2026]

    rows = tables.read_employee(SNAPSHOT, "E3", ["employee_id", "simulation_year", "status"])
    assert rows.to_pylist() == [
        {"employee_id": "E3", "simulation_year": 2025, "status": "continuous_active"},
        {"employee_id": "E3", "simulation_year": 2026, "status": "experienced_termination"},
    ]
    # Range reads only: the footer and the one row group of 2 rows holding E3, never a whole file.
    assert ranges and "whole" not in ranges
    # The footers are kept: the next read is one range GET a year, of the row group.
    ranges.clear()
    assert tables.read_employee(SNAPSHOT, "E3", ["employee_id"]).num_rows == 2
    assert len(ranges) == 2 and "whole" not in ranges
    assert tables.read_employee(EVENTS, "E9", ["employee_id"]).num_rows == 0

    # A file read whole is kept, and one employee's rows then come from memory; N2, hired in 2026, is
    # in no row group of 2025 (by its kept footer): nothing more is read.
    ranges.clear()
    assert tables.read_year(SNAPSHOT, 2026, ["employee_id"]).num_rows == 6
    assert tables.read_year(SNAPSHOT, 2026, ["employee_id"]).num_rows == 6
    assert tables.read_employee(SNAPSHOT, "N2", ["employee_id"]).num_rows == 1
    assert ranges == ["whole"]

    # A small file is read whole once, then kept.
    monkeypatch.setattr(reader, "WHOLE_FILE_BYTES", 8 << 20)
    ranges.clear()
    assert tables.read_employee(EVENTS, "N2", ["employee_id"]).num_rows == 2
    assert tables.read_employee(EVENTS, "N2", ["employee_id"]).num_rows == 2
    assert ranges == ["whole", "whole"]


def test_the_cache_drops_the_least_recently_used_file_past_its_size() -> None:
    cache = reader.FileCache(10)
    cache.put("a", b"12345")
    cache.put("b", b"12345")
    assert cache.get("a") == b"12345"
    cache.put("c", b"123")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"12345", None, b"123")
    cache.put("huge", b"x" * 11)
    assert cache.get("huge") is None


def test_figures_computed_from_a_run_are_kept_apart_from_the_files_read() -> None:
    files, derived = reader.FileCache(10), reader.FileCache(1 << 20)
    tables = reader.RunTables(Artifacts("run-tables"), "tenants/t/workspaces/w/runs/r/", files, derived)
    computed: list[str] = []

    def figures() -> dict[str, int]:
        computed.append("figures")
        return {"participants": 3}

    assert tables.derived("figures", figures) == {"participants": 3}
    # Files read later (here past the files' budget) do not push the figures out.
    files.put("a", b"12345")
    files.put("b", b"123456")
    assert tables.derived("figures", figures) == {"participants": 3}
    assert computed == ["figures"]
