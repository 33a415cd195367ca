"""A run's queryable output: the year-end snapshot and the events as Parquet, one file per simulated
year (`snapshot/simulation_year=YYYY/part-0.parquet`, Hive-style, as Athena and DuckDB read a
partitioned table), rows sorted by employee_id with small row groups, so that one employee's rows are
found from the footer's statistics without reading the rest. The snapshot carries what the analytics
read besides the model's columns: each employee's deferral escalations so far, the date and method of
the enrollment in force, and the deferral rate in effect over the year."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from planalign.domain.event_types import EVENT_TYPES
from planalign.domain.simulation_output import EVENT_COLUMNS, SNAPSHOT_COLUMNS, STATUSES, YearRows

SNAPSHOT, EVENTS = "snapshot", "events"
TABLES = (SNAPSHOT, EVENTS)
# The Studio's employment status of each year-end status.
ACTIVE_STATUSES = ("continuous_active", "new_hire_active")
EMPLOYMENT_STATUSES = ("active", "terminated")
# enrollment_method of an enrolled employee: enrolled at the census date (no enrollment in the
# projection), auto-enrolled, or enrolled by choice.
ENROLLMENT_METHODS = ("census", "auto", "voluntary")
# Rows per row group: a lookup of one employee reads one group per year (65,536 rows of a few columns,
# a few hundred KB), a scan of a year reads them all.
ROW_GROUP_ROWS = 1 << 16
COMPRESSION = "zstd"
PARQUET_NAME = "part-0.parquet"
# Derived snapshot columns (the model's own columns come first, in SNAPSHOT_COLUMNS order).
DERIVED_COLUMNS = (
    "employment_status",
    "effective_deferral_rate",
    "deferral_escalations",
    "escalation_amount",
    "enrollment_date",
    "enrollment_method",
)


def table_key(run_folder: str, table: str, year: int) -> str:
    """The S3 key of one year of a run's table."""
    return f"{run_folder}{table}/simulation_year={year}/{PARQUET_NAME}"


def year_of_key(key: str) -> int | None:
    """The simulation year a table_key names, else None."""
    for part in key.split("/"):
        if part.startswith("simulation_year="):
            value = part.removeprefix("simulation_year=")
            return int(value) if value.isdigit() else None
    return None


@dataclass
class _PlanHistory:
    """What the events have said about every employee by the end of the year last folded in."""

    escalations: np.ndarray  # int16 count
    escalation_amount: np.ndarray  # float64, the deferral rate added by escalations
    enrollment_date: np.ndarray  # datetime64[D], NaT when never enrolled in the projection
    enrollment_method: np.ndarray  # int8 code into ENROLLMENT_METHODS; 0 (census) when no enrollment


def _history(employees: int, grown_from: _PlanHistory | None = None) -> _PlanHistory:
    """The history of `employees` employees: nothing said yet, but what `grown_from` holds of the
    first ones."""
    history = _PlanHistory(
        escalations=np.zeros(employees, dtype=np.int16),
        escalation_amount=np.zeros(employees),
        enrollment_date=np.full(employees, np.datetime64("NaT"), dtype="datetime64[D]"),
        enrollment_method=np.zeros(employees, dtype=np.int8),
    )
    if grown_from is not None:
        for name in ("escalations", "escalation_amount", "enrollment_date", "enrollment_method"):
            known = getattr(grown_from, name)
            getattr(history, name)[: len(known)] = known
    return history


def _fold_year(history: _PlanHistory, events: dict[str, np.ndarray], auto_rate: float | None) -> None:
    """Add one year's events (rows in employee order, an employee's in the order they happened).

    An enrollment at the auto-enrollment default rate while auto-enrollment is on counts as automatic:
    the events do not say which it was, and a voluntary enrollee picks the default rate only by chance.
    """
    kind, index = events["event_type"], events["employee_index"]
    escalated = kind == EVENT_TYPES.index("deferral_escalation")
    rows = index[escalated]
    employees = len(history.escalations)
    history.escalations += np.bincount(rows, minlength=employees).astype(np.int16)
    increase = events["new_value"][escalated] - events["old_value"][escalated]
    history.escalation_amount += np.bincount(rows, weights=increase, minlength=employees)
    enrolled = kind == EVENT_TYPES.index("enrollment")
    rows = index[enrolled]
    # The last enrollment of an employee in the year wins (assignment keeps the last duplicate).
    history.enrollment_date[rows] = events["effective_date"][enrolled]
    automatic = (
        np.zeros(len(rows), dtype=bool)
        if auto_rate is None
        else np.isclose(events["new_value"][enrolled], auto_rate, rtol=0, atol=1e-9)
    )
    history.enrollment_method[rows] = np.where(
        automatic, ENROLLMENT_METHODS.index("auto"), ENROLLMENT_METHODS.index("voluntary")
    )


def _dictionary(codes: np.ndarray, names: tuple[str, ...], valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~valid
    return pa.DictionaryArray.from_arrays(pa.array(codes, mask=mask), pa.array(names))


def _date(values: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.date32(), from_pandas=True)


def snapshot_year_table(rows: YearRows, history: _PlanHistory, ids: pa.Array) -> pa.Table:
    """One year of the snapshot as Arrow: employee_id, the model's columns (status by name, dates as
    dates, no termination as null) and DERIVED_COLUMNS from `history` (folded up to this year)."""
    snapshot = rows.snapshot
    index = snapshot["employee_index"]
    status = snapshot["status"]
    enrolled = snapshot["enrolled"]
    columns: dict[str, pa.Array] = {"employee_id": ids.take(pa.array(index))}
    for name, dtype in SNAPSHOT_COLUMNS.items():
        if name == "simulation_year":
            columns[name] = pa.array(np.full(len(index), rows.year, dtype=dtype))
        elif name == "status":
            columns[name] = _dictionary(status, STATUSES)
        elif name != "employee_index" and name in snapshot:
            part = snapshot[name]
            columns[name] = _date(part) if part.dtype.kind == "M" else pa.array(part)
    active = np.isin(status, [STATUSES.index(s) for s in ACTIVE_STATUSES])
    pay = snapshot["prorated_pay"]
    contribution = snapshot["employee_contribution"]
    columns["employment_status"] = _dictionary((~active).astype(np.int8), EMPLOYMENT_STATUSES)
    columns["effective_deferral_rate"] = pa.array(
        np.divide(contribution, pay, out=np.zeros(len(pay)), where=pay > 0)
    )
    columns["deferral_escalations"] = pa.array(history.escalations[index])
    columns["escalation_amount"] = pa.array(history.escalation_amount[index])
    columns["enrollment_date"] = _date(
        np.where(enrolled, history.enrollment_date[index], np.datetime64("NaT"))
    )
    columns["enrollment_method"] = _dictionary(
        history.enrollment_method[index], ENROLLMENT_METHODS, valid=enrolled
    )
    return pa.table(columns)


def events_year_table(rows: YearRows, ids: pa.Array) -> pa.Table:
    """One year of the events as Arrow: employee_id, simulation_year, event_type by name,
    effective_date, old and new value (null where they mean nothing) and event_sequence, the event's
    place among the employee's events of the year."""
    events = rows.events
    index = events["employee_index"]
    starts = np.flatnonzero(np.diff(index, prepend=-1)) if len(index) else np.zeros(0, dtype=np.intp)
    sequence = np.arange(len(index)) - np.repeat(starts, np.diff(np.append(starts, len(index))))
    return pa.table(
        {
            "employee_id": ids.take(pa.array(index)),
            "simulation_year": pa.array(
                np.full(len(index), rows.year, dtype=EVENT_COLUMNS["simulation_year"])
            ),
            "event_type": _dictionary(events["event_type"], EVENT_TYPES),
            "effective_date": _date(events["effective_date"]),
            "old_value": pa.array(events["old_value"], from_pandas=True),
            "new_value": pa.array(events["new_value"], from_pandas=True),
            "event_sequence": pa.array(sequence.astype(np.int16)),
        }
    )


def run_tables(
    years: Iterable[YearRows], auto_enrollment_rate: float | None
) -> Iterator[tuple[str, int, pa.Table]]:
    """(table, year, Arrow table) of the snapshot and the events, year after year. `auto_enrollment_rate`
    is the auto-enrollment default deferral rate, None when the run has no auto-enrollment."""
    id_parts: list[pa.Array] = []
    history = _history(0)
    for rows in years:
        # The ids as Arrow, each part converted once: a year adds its hires.
        id_parts += [pa.array(part) for part in rows.employee_ids[len(id_parts) :]]
        ids = pa.concat_arrays(id_parts) if len(id_parts) > 1 else id_parts[0]
        if len(ids) > len(history.escalations):
            history = _history(len(ids), grown_from=history)
        _fold_year(history, rows.events, auto_enrollment_rate)
        yield SNAPSHOT, rows.year, snapshot_year_table(rows, history, ids)
        yield EVENTS, rows.year, events_year_table(rows, ids)


def parquet_bytes(table: pa.Table) -> bytes:
    """The table as a zstd Parquet file, row groups of ROW_GROUP_ROWS, statistics and the page index
    written, and the order by employee_id declared (the rows are in it). Only the coded columns are
    dictionary-encoded: pay and ids have few repeats, and encoding them costs time and bytes."""
    sink = pa.BufferOutputStream()
    pq.write_table(
        table,
        sink,
        compression=COMPRESSION,
        use_dictionary=[field.name for field in table.schema if pa.types.is_dictionary(field.type)],
        row_group_size=ROW_GROUP_ROWS,
        write_statistics=True,
        write_page_index=True,
        sorting_columns=[pq.SortingColumn(table.schema.get_field_index("employee_id"))],
    )
    return sink.getvalue().to_pybytes()
