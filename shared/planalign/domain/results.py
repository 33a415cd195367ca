"""What a run reports: per-year metrics, the Results document of the API (the Studio's SimulationResults
for each population, plus our per-year plan metrics, quality checks and bands), the invariant checks of
the pipeline stage and the percentile bands of an ensemble, all computed column-wise, a simulated year
at a time (RunSummary), so that a run need not hold its whole projection; the functions of a
SimulationOutput feed it its years."""

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from planalign.domain.config import IrsLimits
from planalign.domain.event_types import EVENT_TYPES, STUDIO_EVENT_TYPES
from planalign.domain.irs_limits import YearLimits
from planalign.domain.populations import DEFAULT_POPULATION, POPULATIONS
from planalign.domain.simulation.plan import deferral_cap
from planalign.domain.simulation_output import STATUSES, SimulationOutput, YearRows, year_rows

CONTINUOUS_ACTIVE, NEW_HIRE_ACTIVE, EXPERIENCED_TERMINATION, NEW_HIRE_TERMINATION = range(len(STATUSES))
ACTIVE = [CONTINUOUS_ACTIVE, NEW_HIRE_ACTIVE]

WORKFORCE_FIELDS = (
    "simulation_year",
    "headcount",
    "hires",
    "experienced_terminations",
    "new_hire_terminations",
    "growth_pct",
    "avg_compensation",
    "total_compensation",
)
DC_PLAN_FIELDS = (
    "simulation_year",
    "eligible_count",
    "participant_count",
    "participation_rate",
    "avg_deferral_rate",
    "total_employee_contributions",
    "total_employer_match",
    "total_employer_core",
    "total_employer_cost",
    "employer_cost_rate",
)
COUNT_FIELDS = frozenset(
    {
        "simulation_year",
        "headcount",
        "hires",
        "experienced_terminations",
        "new_hire_terminations",
        "eligible_count",
        "participant_count",
    }
)
# The rows of the Studio's CAGR table: its label and the workforce_progression field it grows.
CAGR_METRICS = (
    ("Total Headcount", "headcount"),
    ("Total Compensation", "total_compensation"),
    ("Average Compensation", "avg_compensation"),
)
# Snapshot columns summed per year and status by status_totals.
SUMMED_COLUMNS = ("prorated_pay", "employee_contribution", "match", "core")
MAX_DEFERRAL_RATE = 0.75
# Contributions are money rounded to cents by the engine; a limit is met, not exceeded, within a cent.
LIMIT_TOLERANCE = 0.01
# How many offending rows a failed check names.
EXAMPLES = 5
# The termination day of an employee who has none.
NEVER = np.iinfo(np.int64).max
# The sums status_totals keeps per year and status.
TOTALS = ("rows", "eligible", "participants", "participant_deferral", *SUMMED_COLUMNS)


def round_half_up(values: np.ndarray | float, decimals: int) -> np.ndarray:
    """Spreadsheet rounding (half away from zero: 6952.5 -> 6953), not numpy's half to even.

    The scaled value is first rounded to 6 decimals so that a binary near-miss such as
    1.005 * 100 = 100.49999999999999 rounds as the decimal number it stands for, as a spreadsheet does.
    """
    scaled = np.round(np.asarray(values, dtype=np.float64) * 10.0**decimals, 6)
    return np.sign(scaled) * np.floor(np.abs(scaled) + 0.5) / 10.0**decimals


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (an empty year has no rate)."""
    safe = np.where(denominator == 0, 1, denominator)
    return np.where(denominator == 0, 0.0, numerator / safe)


def _year_totals(snapshot: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One year's row of status_totals: each of TOTALS per year-end status (in STATUSES order)."""
    status = snapshot["status"].astype(np.intp)
    eligible = snapshot["eligible"]
    participant = eligible & snapshot["enrolled"]
    weights = {
        "rows": None,
        "eligible": eligible,
        "participants": participant,
        "participant_deferral": np.where(participant, snapshot["deferral_rate"], 0.0),
        **{name: snapshot[name] for name in SUMMED_COLUMNS},
    }
    return {
        name: np.bincount(status, weights=weight, minlength=len(STATUSES)).astype(np.float64)
        for name, weight in weights.items()
    }


def _year_headcount_at_start(snapshot: Mapping[str, np.ndarray]) -> int:
    """Of the first year: those active on Jan 1, who stayed plus who left as experienced terminations."""
    status = snapshot["status"]
    return int(np.count_nonzero((status == CONTINUOUS_ACTIVE) | (status == EXPERIENCED_TERMINATION)))


def start_headcount(output: SimulationOutput) -> int:
    """Those active on Jan 1 of the first year: who stayed plus who left as experienced terminations."""
    return _year_headcount_at_start(next(year_rows(output)).snapshot)


def status_totals(output: SimulationOutput) -> dict[str, np.ndarray]:
    """Per simulated year (rows) and year-end status (columns, in STATUSES order): `rows`, `eligible`,
    `participants` (eligible and enrolled), `participant_deferral` (the participants' deferral rates
    summed) and the sums of SUMMED_COLUMNS. Every per-year and per-population figure is a sum of these
    cells, so that each is defined once."""
    by_year = [_year_totals(rows.snapshot) for rows in year_rows(output)]
    return {name: np.stack([totals[name] for totals in by_year]) for name in TOTALS}


def _summed(totals: Mapping[str, np.ndarray], name: str, statuses: Sequence[int] | None = None) -> np.ndarray:
    """The per-year sum of one of status_totals' cells over `statuses` (all of them when None)."""
    cells = totals[name] if statuses is None else totals[name][:, list(statuses)]
    return np.asarray(cells.sum(axis=1))


def year_metrics(
    output: SimulationOutput, totals: Mapping[str, np.ndarray] | None = None
) -> list[dict[str, Any]]:
    """metrics_of the output (`totals`: status_totals(output), computed when None)."""
    totals = status_totals(output) if totals is None else totals
    return metrics_of(output.start_year, totals, start_headcount(output))


def metrics_of(
    start_year: int, totals: Mapping[str, np.ndarray], headcount_at_start: int
) -> list[dict[str, Any]]:
    """One dict per simulated year (from start_year, a row of status_totals' `totals` each) with the
    fields of WORKFORCE_FIELDS and DC_PLAN_FIELDS; `headcount_at_start`: start_headcount.

    Headcount, compensation and plan counts are of the year-end actives (continuous_active or
    new_hire_active); compensation is the prorated pay, what was earned in the year, as the reference
    backend reports it; hires count every hire of the year, terminated or not; a participant is an
    eligible active who is enrolled. Contributions and the prorated pay behind employer_cost_rate are of
    all the year's rows. growth_pct is from the previous year end (the first year: from Jan 1). Money is
    rounded to cents; participation_rate, growth_pct and employer_cost_rate are percents and
    avg_deferral_rate a fraction, all rounded to 4 decimals. total_employer_cost is the sum of the
    rounded match and core so that the columns add up.
    """
    headcount = _summed(totals, "rows", ACTIVE)
    previous = np.concatenate(([headcount_at_start], headcount[:-1]))
    total_compensation = _summed(totals, "prorated_pay", ACTIVE)
    eligible_count = _summed(totals, "eligible", ACTIVE)
    participant_count = _summed(totals, "participants", ACTIVE)
    match = round_half_up(_summed(totals, "match"), 2)
    core = round_half_up(_summed(totals, "core"), 2)
    employer_cost = round_half_up(match + core, 2)

    columns: dict[str, np.ndarray] = {
        "simulation_year": start_year + np.arange(len(headcount)),
        "headcount": headcount,
        "hires": _summed(totals, "rows", [NEW_HIRE_ACTIVE, NEW_HIRE_TERMINATION]),
        "experienced_terminations": _summed(totals, "rows", [EXPERIENCED_TERMINATION]),
        "new_hire_terminations": _summed(totals, "rows", [NEW_HIRE_TERMINATION]),
        "growth_pct": round_half_up(_ratio(100.0 * (headcount - previous), previous), 4),
        "avg_compensation": round_half_up(_ratio(total_compensation, headcount), 2),
        "total_compensation": round_half_up(total_compensation, 2),
        "eligible_count": eligible_count,
        "participant_count": participant_count,
        "participation_rate": round_half_up(100.0 * _ratio(participant_count, eligible_count), 4),
        "avg_deferral_rate": round_half_up(
            _ratio(_summed(totals, "participant_deferral", ACTIVE), participant_count), 4
        ),
        "total_employee_contributions": round_half_up(_summed(totals, "employee_contribution"), 2),
        "total_employer_match": match,
        "total_employer_core": core,
        "total_employer_cost": employer_cost,
        "employer_cost_rate": round_half_up(
            _ratio(100.0 * employer_cost, _summed(totals, "prorated_pay")), 4
        ),
    }
    as_python = {
        name: [int(v) for v in values] if name in COUNT_FIELDS else [float(v) for v in values]
        for name, values in columns.items()
    }
    return [{name: values[i] for name, values in as_python.items()} for i in range(len(headcount))]


def _year_event_counts(events: Mapping[str, np.ndarray]) -> np.ndarray:
    """One year's row of event_counts."""
    return np.bincount(events["event_type"].astype(np.intp), minlength=len(EVENT_TYPES)).astype(np.int64)


def event_counts(output: SimulationOutput) -> np.ndarray:
    """Events per simulated year (rows) and event type (columns, in EVENT_TYPES order)."""
    return np.stack([_year_event_counts(rows.events) for rows in year_rows(output)])


def event_trends(counts: np.ndarray) -> dict[str, list[int]]:
    """The Studio's event_trends of event_counts' `counts`: `{event_type: [count per simulated year, in
    year order]}` under the Studio's names (STUDIO_EVENT_TYPES), zeros included so that a list lines up
    with the years; a type with no event in any year is left out, as the reference backend leaves it
    out."""
    by_name: dict[str, np.ndarray] = {}
    for t, event_type in enumerate(EVENT_TYPES):
        name = STUDIO_EVENT_TYPES[event_type]
        by_name[name] = by_name.get(name, 0) + counts[:, t]
    return {name: [int(c) for c in per_year] for name, per_year in by_name.items() if per_year.any()}


def _growth_pct(start: float, end: float) -> float:
    """end against start in percent with 2 decimals; 0 from nothing."""
    return float(round_half_up(100.0 * (end - start) / start, 2)) if start > 0 else 0.0


def _cagr_pct(start: float, end: float, years: int) -> float:
    """The compound yearly growth from start to end over `years`, in percent with 2 decimals; 0 from
    nothing or over no time."""
    if start <= 0 or years <= 0:
        return 0.0
    return float(round_half_up(100.0 * ((end / start) ** (1.0 / years) - 1.0), 2))


def _population_view(years: list[int], totals: Mapping[str, np.ndarray], population: str) -> dict[str, Any]:
    """The POPULATION_FIELDS of one population, from the snapshot rows whose status it takes.

    As the reference backend: a year's headcount counts the population's rows of that year, its
    compensation is their prorated pay; total_growth_pct, cagr and cagr_metrics go from the first
    simulated year to the last (end_year - start_year years). participation_rate is the final year's
    participants among the eligible of the population, a fraction 0-1 with 6 decimals.
    """
    statuses = [STATUSES.index(status) for status in POPULATIONS[population]]
    headcount = _summed(totals, "rows", statuses)
    pay = _summed(totals, "prorated_pay", statuses)
    average_pay = round_half_up(_ratio(pay, headcount), 2)
    progression = [
        {
            "simulation_year": year,
            "headcount": int(headcount[y]),
            "avg_compensation": float(average_pay[y]),
            "total_compensation": float(round_half_up(pay[y], 2)),
        }
        for y, year in enumerate(years)
    ]
    first, last = progression[0], progression[-1]
    span = years[-1] - years[0]
    growth = {
        "total_growth_pct": _growth_pct(first["headcount"], last["headcount"]),
        "cagr": _cagr_pct(first["headcount"], last["headcount"], span),
    }
    rows, status_pay = totals["rows"], round_half_up(_ratio(totals["prorated_pay"], totals["rows"]), 2)
    participants = _summed(totals, "participants", statuses)[-1]
    eligible = _summed(totals, "eligible", statuses)[-1]
    return {
        "final_headcount": last["headcount"],
        **growth,
        "participation_rate": float(round_half_up(participants / eligible, 6)) if eligible else 0.0,
        "workforce_progression": progression,
        "growth_analysis": dict(growth),
        "compensation_by_status": [
            {
                "simulation_year": year,
                "employment_status": STATUSES[s],
                "employee_count": int(rows[y, s]),
                "avg_compensation": float(status_pay[y, s]),
            }
            for y, year in enumerate(years)
            for s in statuses
            if rows[y, s]
        ],
        "cagr_metrics": [
            {
                "metric": label,
                "start_value": first[field],
                "end_value": last[field],
                "years": span,
                "cagr_pct": _cagr_pct(first[field], last[field], span),
            }
            for label, field in CAGR_METRICS
        ],
    }


def build_results(
    output: SimulationOutput,
    metrics: list[dict[str, Any]] | None = None,
    *,
    irs_limits: Mapping[str, float] | None = None,
    bands: dict[str, dict[str, dict[str, float]]] | None = None,
) -> dict[str, Any]:
    """RunSummary.results of a whole output (`metrics`: year_metrics(output) when the caller has it)."""
    return RunSummary.of(output, irs_limits).results(metrics, bands)


def quality_checks(
    output: SimulationOutput, metrics: list[dict[str, Any]], irs_limits: Mapping[str, Any]
) -> dict[str, Any]:
    """RunSummary.quality of a whole output."""
    return RunSummary.of(output, irs_limits).quality(metrics)


class RunTotals:
    """A run's sums, built a simulated year at a time (add_year, in year order): the status totals and
    event counts by year and the headcount at the start, never the projection itself."""

    def __init__(self, start_year: int, end_year: int) -> None:
        self.start_year = start_year
        self.end_year = end_year
        self.headcount_at_start = 0
        self.total_events = 0
        self._totals: list[dict[str, np.ndarray]] = []
        self._event_counts: list[np.ndarray] = []

    def add_year(self, rows: YearRows) -> None:
        if not self._totals:
            self.headcount_at_start = _year_headcount_at_start(rows.snapshot)
        self._totals.append(_year_totals(rows.snapshot))
        self._event_counts.append(_year_event_counts(rows.events))
        self.total_events += len(rows.events["event_type"])

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))

    def totals(self) -> dict[str, np.ndarray]:
        """status_totals of the years added."""
        return {name: np.stack([totals[name] for totals in self._totals]) for name in TOTALS}

    def event_counts(self) -> np.ndarray:
        """event_counts of the years added."""
        return np.stack(self._event_counts)

    def metrics(self) -> list[dict[str, Any]]:
        return metrics_of(self.start_year, self.totals(), self.headcount_at_start)


class RunSummary(RunTotals):
    """RunTotals and the quality checks' findings, for a run's Results. `irs_limits`: the config's
    irs_limits section for the checks (the built-in defaults when None)."""

    def __init__(self, start_year: int, end_year: int, irs_limits: Mapping[str, Any] | None = None) -> None:
        super().__init__(start_year, end_year)
        limits = IrsLimits().model_dump() if irs_limits is None else irs_limits
        self._checks = _RowChecks(start_year, end_year, limits)

    @classmethod
    def of(cls, output: SimulationOutput, irs_limits: Mapping[str, Any] | None = None) -> "RunSummary":
        summary = cls(output.start_year, output.end_year, irs_limits)
        for rows in year_rows(output):
            summary.add_year(rows)
        return summary

    def add_year(self, rows: YearRows) -> None:
        super().add_year(rows)
        self._checks.add_year(rows)

    def quality(self, metrics: list[dict[str, Any]]) -> dict[str, Any]:
        """The invariants of simulation.md as named checks: `{passed, checks[{name, passed, detail}]}`;
        a failed check's detail gives counts and the first offending employee ids with their year."""
        checks = [_headcount_recurrence(self.headcount_at_start, metrics), *self._checks.results()]
        return {"passed": all(check["passed"] for check in checks), "checks": checks}

    def results(
        self,
        metrics: list[dict[str, Any]] | None = None,
        bands: dict[str, dict[str, dict[str, float]]] | None = None,
    ) -> dict[str, Any]:
        """The Results document (results.json) without run_id and scenario_id.

        Its top level is the Studio's SimulationResults for the population `all` (see _population_view;
        populations.select_population answers the others, stored under `populations`), with event_trends,
        plus ours: final_employer_cost (of the final year), total_events, the per-year `workforce` and
        `dc_plan` rows of year_metrics (plan rates in percent), `quality` and `bands`. `metrics` is
        self.metrics() (computed when None); `bands` is compute_bands' answer for an ensemble, else None.
        """
        totals = self.totals()
        metrics = metrics_of(self.start_year, totals, self.headcount_at_start) if metrics is None else metrics
        views = {population: _population_view(self.years, totals, population) for population in POPULATIONS}
        return {
            "start_year": self.start_year,
            "end_year": self.end_year,
            **views[DEFAULT_POPULATION],
            "event_trends": event_trends(self.event_counts()),
            "final_employer_cost": metrics[-1]["total_employer_cost"],
            "total_events": self.total_events,
            "workforce": [{name: row[name] for name in WORKFORCE_FIELDS} for row in metrics],
            "dc_plan": [{name: row[name] for name in DC_PLAN_FIELDS} for row in metrics],
            "quality": self.quality(metrics),
            "bands": bands,
            "populations": {
                population: view for population, view in views.items() if population != DEFAULT_POPULATION
            },
        }


def _ids_of(id_parts: Sequence[np.ndarray], index: np.ndarray) -> np.ndarray:
    """The id strings of employee indexes into the concatenation of `id_parts`."""
    if len(id_parts) == 1:
        return np.asarray(id_parts[0][index])
    starts = np.cumsum([0, *(len(part) for part in id_parts)])
    part_of = np.searchsorted(starts, index, side="right") - 1
    names = np.empty(len(index), dtype=np.result_type(*id_parts))
    for number, part in enumerate(id_parts):
        here = part_of == number
        names[here] = part[index[here] - starts[number]]
    return names


class _Failures:
    """What a check found: a description of each kind of failure and the failing rows (or, for the
    headcount, the failing years) counted by simulated year, so that a year's evidence can say which
    checks it passed. Rows come a year at a time; a kind's first EXAMPLES rows name their ids."""

    def __init__(self) -> None:
        self.details: list[str] = []
        self.by_year: dict[str, int] = {}
        self._rows: dict[str, tuple[int, list[str]]] = {}  # what: (rows, examples)

    def add_year(self, year: int, detail: str) -> None:
        self.details.append(detail)
        self.by_year[str(year)] = self.by_year.get(str(year), 0) + 1

    def add_rows(self, rows: YearRows, employee_index: np.ndarray, bad: np.ndarray, what: str) -> None:
        """'3 rows with <what>: E1 (2025), ...' when `bad` marks rows (of employee_index) of a year."""
        count = int(np.count_nonzero(bad))
        failed, examples = self._rows.get(what, (0, []))
        if count:
            missing = EXAMPLES - len(examples)
            if missing > 0:
                names = _ids_of(rows.employee_ids, employee_index[np.flatnonzero(bad)[:missing]])
                examples = [*examples, *(f"{name} ({rows.year})" for name in names)]
            self.by_year[str(rows.year)] = self.by_year.get(str(rows.year), 0) + count
        self._rows[what] = (failed + count, examples)

    def check(self, name: str, ok: str) -> dict[str, Any]:
        details = self.details + [
            f"{count} rows with {what}: {', '.join(examples)}"
            for what, (count, examples) in self._rows.items()
            if count
        ]
        return {
            "name": name,
            "passed": not details,
            "detail": "; ".join(details) if details else ok,
            "failed_by_year": dict(sorted(self.by_year.items())),
        }


def _headcount_recurrence(headcount_at_start: int, metrics: list[dict[str, Any]]) -> dict[str, Any]:
    failures = _Failures()
    previous = headcount_at_start
    for row in metrics:
        expected = previous - row["experienced_terminations"] + row["hires"] - row["new_hire_terminations"]
        if expected != row["headcount"]:
            failures.add_year(
                row["simulation_year"],
                f"{row['simulation_year']}: {previous} - {row['experienced_terminations']} + {row['hires']}"
                f" - {row['new_hire_terminations']} = {expected}, but the headcount is {row['headcount']}",
            )
        previous = row["headcount"]
    return failures.check("headcount_recurrence", f"{len(metrics)} years consistent")


def _repeated(names: np.ndarray) -> np.ndarray:
    """Which rows repeat the id of an earlier row (in row order): adjacent ones when the rows are in id
    order, as the model writes them."""
    repeated = np.zeros(len(names), dtype=bool)
    if len(names) > 1 and bool(np.all(names[1:] >= names[:-1])):
        repeated[1:] = names[1:] == names[:-1]
    elif len(names) > 1:
        order = np.argsort(names, kind="stable")
        repeated[order[1:]] = names[order[1:]] == names[order[:-1]]
    return repeated


class _RowChecks:
    """The quality checks of every snapshot and event row, a year at a time: no negative pay, deferral
    rates in range, contributions within the IRS limits (402(g) plus the catch-up of the age attained
    by Dec 31 on the employee deferral, 415(c) on all additions, each year's limits as the config's
    irs_limits section gives them), unique employee ids per year, and no event after the employee's
    termination date nor a snapshot row for a later year."""

    def __init__(self, start_year: int, end_year: int, irs_limits: Mapping[str, Any]) -> None:
        settings = IrsLimits.model_validate(irs_limits)
        self.start_year = start_year
        self._limits = [
            YearLimits.for_year(settings, year, start_year) for year in range(start_year, end_year + 1)
        ]
        self.snapshot_rows = 0
        self._pay = _Failures()
        self._deferral_rate = _Failures()
        self._irs_limits = _Failures()
        self._unique_ids = _Failures()
        self._after_termination = _Failures()
        # Each employee index's earliest termination day so far (NEVER: none).
        self._termination_day = np.empty(0, dtype=np.int64)

    def add_year(self, rows: YearRows) -> None:
        snapshot, events = rows.snapshot, rows.events
        index = snapshot["employee_index"]
        self.snapshot_rows += len(index)
        # `not >= 0` also catches NaN pay.
        bad_pay = ~(snapshot["pay"] >= 0) | ~(snapshot["prorated_pay"] >= 0)
        self._pay.add_rows(rows, index, bad_pay, "negative or missing pay")
        rate = snapshot["deferral_rate"]
        bad_rate = ~((rate >= 0) & (rate <= MAX_DEFERRAL_RATE))
        self._deferral_rate.add_rows(
            rows, index, bad_rate, f"a deferral rate outside [0, {MAX_DEFERRAL_RATE}]"
        )

        limits = self._limits[rows.year - self.start_year]
        contribution = snapshot["employee_contribution"]
        above_402g = contribution > deferral_cap(limits, snapshot["age"]) + LIMIT_TOLERANCE
        self._irs_limits.add_rows(rows, index, above_402g, "an employee deferral above 402(g)")
        additions = contribution + snapshot["match"] + snapshot["core"]
        above_415c = additions > limits.annual_additions + LIMIT_TOLERANCE
        self._irs_limits.add_rows(rows, index, above_415c, "annual additions above 415(c)")

        # Two indexes may carry the same id string, so the strings are compared, not the indexes.
        repeated = _repeated(_ids_of(rows.employee_ids, index))
        self._unique_ids.add_rows(rows, index, repeated, "an employee id already in that year")

        employees = sum(len(part) for part in rows.employee_ids)
        if employees > len(self._termination_day):
            grown = np.full(employees, NEVER, dtype=np.int64)
            grown[: len(self._termination_day)] = self._termination_day
            self._termination_day = grown
        terminated = ~np.isnat(snapshot["termination_date"])
        np.minimum.at(
            self._termination_day, index[terminated], snapshot["termination_date"][terminated].view(np.int64)
        )
        late_events = (
            events["effective_date"].view(np.int64) > self._termination_day[events["employee_index"]]
        )
        self._after_termination.add_rows(
            rows, events["employee_index"], late_events, "an event after the termination date"
        )
        year_start_day = np.datetime64(str(rows.year), "Y").astype("datetime64[D]").astype(np.int64)
        late_rows = year_start_day > self._termination_day[index]
        self._after_termination.add_rows(
            rows, index, late_rows, "a snapshot row for a year after the termination"
        )

    def results(self) -> list[dict[str, Any]]:
        rows = f"{self.snapshot_rows} rows checked"
        terminated = int(np.count_nonzero(self._termination_day != NEVER))
        return [
            self._pay.check("no_negative_pay", rows),
            self._deferral_rate.check("deferral_rate_in_range", rows),
            self._irs_limits.check("contributions_within_irs_limits", rows),
            self._unique_ids.check("unique_employee_ids_per_year", rows),
            self._after_termination.check(
                "no_events_after_termination", f"{terminated} terminated employees checked"
            ),
        ]


def compute_bands(members: list[list[dict[str, Any]]]) -> dict[str, dict[str, dict[str, float]]]:
    """p5 / p50 / p95 (linear interpolation, 4 decimals) of every numeric metric per year over the
    ensemble members' year_metrics: `{metric: {year: {p5, p50, p95}}}`."""
    if not members or any(len(member) != len(members[0]) for member in members):
        raise ValueError("compute_bands needs at least one member and the same years in every member")
    years = [row["simulation_year"] for row in members[0]]
    names = [
        name
        for name, value in members[0][0].items()
        if name != "simulation_year" and isinstance(value, int | float) and not isinstance(value, bool)
    ]
    values = np.array([[[row[name] for name in names] for row in member] for member in members], dtype=float)
    p5, p50, p95 = round_half_up(np.percentile(values, [5, 50, 95], axis=0, method="linear"), 4)
    return {
        name: {
            str(year): {"p5": float(p5[y, k]), "p50": float(p50[y, k]), "p95": float(p95[y, k])}
            for y, year in enumerate(years)
        }
        for k, name in enumerate(names)
    }
