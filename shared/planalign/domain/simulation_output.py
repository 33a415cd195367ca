"""What the model produces: the year-end snapshot and the events, as NumPy columns.

Rows point at employees by `employee_index` into `employee_ids` (census employees first, then hires),
so a 1,000,000 x 10 projection does not carry ten million strings.
"""

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

# Codes stored in the int8 `status` column, and the names the exports print.
STATUSES = ("continuous_active", "new_hire_active", "experienced_termination", "new_hire_termination")

# Snapshot columns and their dtypes, one row per employee per simulated year.
SNAPSHOT_COLUMNS: dict[str, str] = {
    "simulation_year": "int16",
    "employee_index": "int32",
    "status": "int8",
    "age": "int16",
    "tenure": "int16",  # whole years of service at Dec 31
    "level": "int8",
    "pay": "float64",  # annual rate at year end
    "prorated_pay": "float64",  # pay earned in the year
    "eligible": "bool",
    "enrolled": "bool",
    "deferral_rate": "float64",
    "employee_contribution": "float64",
    "match": "float64",
    "core": "float64",
    "irs_limit_reached": "bool",
    "hire_date": "datetime64[D]",
    "termination_date": "datetime64[D]",  # NaT while employed
    "service_years": "int16",  # whole years as the plan's rules count them (simulation.md)
    "points": "int16",  # age at Dec 31 of the prior year + service_years
    "match_eligible": "bool",  # meets the match's hours, service and year-end rules
    "core_eligible": "bool",  # meets the core's rules (and, if it asks, the plan's eligibility)
    "annual_hours": "float32",  # hours worked in the year: scheduled hours a week x 52, prorated
}

# Event columns, one row per event; old/new values are NaN where they mean nothing.
EVENT_COLUMNS: dict[str, str] = {
    "simulation_year": "int16",
    "employee_index": "int32",
    "event_type": "int8",
    "effective_date": "datetime64[D]",
    "old_value": "float64",
    "new_value": "float64",
}


@dataclass(frozen=True)
class SimulationOutput:
    """A whole projection. Rows are ordered by (simulation_year, employee_id) so that equal inputs give
    byte-identical outputs whatever the census row order."""

    start_year: int
    end_year: int
    seed: int
    employee_ids: np.ndarray  # numpy unicode, indexed by employee_index
    snapshot: dict[str, np.ndarray]  # SNAPSHOT_COLUMNS
    events: dict[str, np.ndarray]  # EVENT_COLUMNS

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))


@dataclass(frozen=True)
class YearRows:
    """One simulated year's rows, ordered by employee id: the snapshot's and the events' columns but
    simulation_year, and the ids their employee_index points at, in parts (index i is the i-th id of
    their concatenation: the census's, then each year's hires so far)."""

    year: int
    snapshot: dict[str, np.ndarray]
    events: dict[str, np.ndarray]
    employee_ids: list[np.ndarray]


def year_rows(output: SimulationOutput) -> Iterator[YearRows]:
    """The years of a whole output: views of its columns, or copies of a year's rows where its rows are
    not in year order (a hand-made output)."""
    in_order = {
        name: bool(np.all(table["simulation_year"][1:] >= table["simulation_year"][:-1]))
        for name, table in (("snapshot", output.snapshot), ("events", output.events))
    }

    def of_year(table: dict[str, np.ndarray], year: int, ordered: bool) -> dict[str, np.ndarray]:
        years = table["simulation_year"]
        rows: slice | np.ndarray
        if ordered:
            # Keys of the column's own dtype: Python ints would have NumPy cast the whole column first.
            first, last = np.searchsorted(years, np.array([year, year + 1], dtype=years.dtype))
            rows = slice(int(first), int(last))
        else:
            rows = years == year
        return {name: values[rows] for name, values in table.items() if name != "simulation_year"}

    for year in output.years:
        yield YearRows(
            year,
            of_year(output.snapshot, year, in_order["snapshot"]),
            of_year(output.events, year, in_order["events"]),
            [output.employee_ids],
        )


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim; nothing elsewhere): the
    simulation's freed year columns, which would otherwise stay with the process (100-250 MB at 1M
    employees x 10 years)."""
    try:
        # The symbols the process has loaded, the C library's among them.
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        return
    trim(0)
