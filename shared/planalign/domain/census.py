"""The normalized census: one NumPy column per field, the form every stage after import reads."""

import io
from dataclasses import dataclass, fields

import numpy as np

DEFAULT_HOURS_PER_WEEK = 40.0
# The census file's name of each field (the reader's canonical columns).
PARQUET_COLUMNS = {
    "employee_id": "employee_id",
    "birth_date": "employee_birth_date",
    "hire_date": "employee_hire_date",
    "termination_date": "employee_termination_date",
    "gross_compensation": "employee_gross_compensation",
    "active": "active",
    "deferral_rate": "employee_deferral_rate",
    "scheduled_hours_per_week": "scheduled_hours_per_week",
    "auto_escalation_opt_out": "auto_escalation_opt_out",
    "eligibility_override": "eligibility_override",
}


@dataclass(frozen=True)
class Census:
    """Employees as columns of equal length.

    employee_id: str (numpy unicode); dates: datetime64[D] (termination_date NaT when none);
    gross_compensation: float64 annual rate; deferral_rate: float64 fraction, 0 = not enrolled;
    scheduled_hours_per_week: float64; active, auto_escalation_opt_out, eligibility_override: bool.
    """

    employee_id: np.ndarray
    birth_date: np.ndarray
    hire_date: np.ndarray
    termination_date: np.ndarray
    gross_compensation: np.ndarray
    active: np.ndarray
    deferral_rate: np.ndarray
    scheduled_hours_per_week: np.ndarray
    auto_escalation_opt_out: np.ndarray
    eligibility_override: np.ndarray

    def __len__(self) -> int:
        return len(self.employee_id)

    def take(self, index: np.ndarray) -> "Census":
        """The employees at `index` (an integer or boolean array), in that order."""
        return Census(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def to_bytes(self) -> bytes:
        """The normalized artifact stored in S3 (an uncompressed .npz: fast to load, no pickle)."""
        buffer = io.BytesIO()
        columns = {f.name: getattr(self, f.name) for f in fields(self)}
        columns["employee_id"] = np.asarray(self.employee_id, dtype=np.str_)
        np.savez(buffer, **columns)
        return buffer.getvalue()

    def to_parquet(self) -> bytes:
        """The census as a Parquet file under the census's column names (employee_id, ...), typed:
        dates as dates (null: no termination), pay, rates and hours as doubles, flags as booleans."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({PARQUET_COLUMNS[f.name]: getattr(self, f.name) for f in fields(self)})
        buffer = pa.BufferOutputStream()
        pq.write_table(table, buffer)
        return bytes(buffer.getvalue().to_pybytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> "Census":
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            return cls(**{f.name: archive[f.name] for f in fields(cls)})

    @classmethod
    def from_columns(
        cls,
        employee_id: list[str] | np.ndarray,
        birth_date: list[str | None] | np.ndarray,
        hire_date: list[str | None] | np.ndarray,
        gross_compensation: list[float] | np.ndarray,
        active: list[bool] | np.ndarray | None = None,
        termination_date: list[str | None] | np.ndarray | None = None,
        deferral_rate: list[float] | np.ndarray | None = None,
        scheduled_hours_per_week: list[float] | np.ndarray | None = None,
        auto_escalation_opt_out: list[bool] | np.ndarray | None = None,
        eligibility_override: list[bool] | np.ndarray | None = None,
    ) -> "Census":
        """A census from plain lists (ISO date strings), filling the optional columns' defaults."""
        n = len(employee_id)

        def dates(values: list[str | None] | np.ndarray | None) -> np.ndarray:
            if values is None:
                return np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
            return np.array(["NaT" if v is None else v for v in values], dtype="datetime64[D]")

        def column(values: object, default: object, dtype: type) -> np.ndarray:
            if values is None:
                return np.full(n, default, dtype=dtype)
            return np.asarray(values, dtype=dtype)

        return cls(
            employee_id=np.asarray(employee_id, dtype=np.str_),
            birth_date=dates(birth_date),
            hire_date=dates(hire_date),
            termination_date=dates(termination_date),
            gross_compensation=np.asarray(gross_compensation, dtype=np.float64),
            active=column(active, True, bool),
            deferral_rate=column(deferral_rate, 0.0, np.float64),
            scheduled_hours_per_week=column(scheduled_hours_per_week, DEFAULT_HOURS_PER_WEEK, np.float64),
            auto_escalation_opt_out=column(auto_escalation_opt_out, False, bool),
            eligibility_override=column(eligibility_override, False, bool),
        )
