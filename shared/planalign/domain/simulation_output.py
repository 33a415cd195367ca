"""What the model produces: the year-end snapshot and the events, as NumPy columns.

Rows point at employees by `employee_index` into `employee_ids` (census employees first, then hires),
so a 1,000,000 x 10 projection does not carry ten million strings.
"""

from dataclasses import dataclass

import numpy as np

# Codes stored in the int8 `status` column, and the names the exports print.
STATUSES = ("continuous_active", "new_hire_active", "experienced_termination", "new_hire_termination")
# Codes stored in the int8 `event_type` column.
EVENT_TYPES = (
    "hire",
    "termination",
    "new_hire_termination",
    "promotion",
    "raise",
    "eligibility",
    "enrollment",
    "opt_out",
    "deferral_escalation",
)

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


def output_to_bytes(output: SimulationOutput) -> bytes:
    """The simulation stage's artifact: an uncompressed .npz (fast to write and load, no pickle)."""
    import io

    buffer = io.BytesIO()
    columns = {f"snapshot.{k}": v for k, v in output.snapshot.items()}
    columns.update({f"events.{k}": v for k, v in output.events.items()})
    years = np.array([output.start_year, output.end_year, output.seed], dtype=np.int64)
    columns["employee_ids"] = np.asarray(output.employee_ids, dtype=np.str_)
    columns["years"] = years
    np.savez(buffer, **columns)  # type: ignore[arg-type]
    return buffer.getvalue()


def output_from_bytes(data: bytes) -> SimulationOutput:
    import io

    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        start_year, end_year, seed = (int(v) for v in archive["years"])
        return SimulationOutput(
            start_year=start_year,
            end_year=end_year,
            seed=seed,
            employee_ids=archive["employee_ids"],
            snapshot={name: archive[f"snapshot.{name}"] for name in SNAPSHOT_COLUMNS},
            events={name: archive[f"events.{name}"] for name in EVENT_COLUMNS},
        )
