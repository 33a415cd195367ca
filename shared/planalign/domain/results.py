"""What a run reports: per-year metrics, the Results document of the API (the Studio's SimulationResults
for each population, plus our per-year plan metrics, quality checks and bands), the invariant checks of
the pipeline stage and the percentile bands of an ensemble, all computed column-wise from a
SimulationOutput."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from planalign.domain.config import IrsLimits
from planalign.domain.event_types import EVENT_TYPES, STUDIO_EVENT_TYPES
from planalign.domain.irs_limits import YearLimits
from planalign.domain.populations import DEFAULT_POPULATION, POPULATIONS
from planalign.domain.simulation.plan import deferral_cap
from planalign.domain.simulation_output import STATUSES, SimulationOutput

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
# The snapshot and event columns that the metrics, the Results and the checks read: a simulation run
# for them alone keeps no other.
SUMMARY_COLUMNS = frozenset(
    {
        "simulation_year",
        "employee_index",
        "status",
        "age",
        "pay",
        "prorated_pay",
        "eligible",
        "enrolled",
        "deferral_rate",
        "employee_contribution",
        "match",
        "core",
        "termination_date",
        "event_type",
        "effective_date",
    }
)
# Snapshot columns summed per year and status by status_totals.
SUMMED_COLUMNS = ("prorated_pay", "employee_contribution", "match", "core")
MAX_DEFERRAL_RATE = 0.75
# Contributions are money rounded to cents by the engine; a limit is met, not exceeded, within a cent.
LIMIT_TOLERANCE = 0.01
# How many offending rows a failed check names.
EXAMPLES = 5
# Rows of a snapshot or events table worked on at a time by the checks and counts whose every row
# stands alone: their temporaries stay a few MB where a 30-million-event table's would be GBs.
ROWS_AT_A_TIME = 1 << 20


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


def _year_index(output: SimulationOutput, years: np.ndarray) -> np.ndarray:
    return years.astype(np.intp) - output.start_year


def _row_slices(rows: int) -> list[slice]:
    return [slice(start, min(start + ROWS_AT_A_TIME, rows)) for start in range(0, rows, ROWS_AT_A_TIME)]


def _mask(rows: int, test: Callable[[slice], np.ndarray]) -> np.ndarray:
    """The boolean column test(rows) of a table, computed ROWS_AT_A_TIME rows at a time."""
    mask = np.empty(rows, dtype=bool)
    for part in _row_slices(rows):
        mask[part] = test(part)
    return mask


def start_headcount(output: SimulationOutput) -> int:
    """Those active on Jan 1 of the first year: who stayed plus who left as experienced terminations."""
    snapshot = output.snapshot
    first = snapshot["simulation_year"] == output.start_year
    status = snapshot["status"][first]
    return int(np.count_nonzero((status == CONTINUOUS_ACTIVE) | (status == EXPERIENCED_TERMINATION)))


def status_totals(output: SimulationOutput) -> dict[str, np.ndarray]:
    """Per simulated year (rows) and year-end status (columns, in STATUSES order): `rows`, `eligible`,
    `participants` (eligible and enrolled), `participant_deferral` (the participants' deferral rates
    summed) and the sums of SUMMED_COLUMNS. Every per-year and per-population figure is a sum of these
    cells, so that each is defined once."""
    snapshot = output.snapshot
    n_years, n_statuses = len(output.years), len(STATUSES)
    size = n_years * n_statuses
    totals = {
        name: np.zeros(size)
        for name in ("rows", "eligible", "participants", "participant_deferral", *SUMMED_COLUMNS)
    }
    for part in _row_slices(len(snapshot["status"])):
        cell = _year_index(output, snapshot["simulation_year"][part]) * n_statuses + snapshot["status"][
            part
        ].astype(np.intp)
        eligible = snapshot["eligible"][part]
        participant = eligible & snapshot["enrolled"][part]
        weights = {
            "rows": None,
            "eligible": eligible,
            "participants": participant,
            "participant_deferral": np.where(participant, snapshot["deferral_rate"][part], 0.0),
            **{name: snapshot[name][part] for name in SUMMED_COLUMNS},
        }
        for name, weight in weights.items():
            totals[name] += np.bincount(cell, weights=weight, minlength=size)
    return {name: values.reshape(n_years, n_statuses) for name, values in totals.items()}


def _summed(totals: Mapping[str, np.ndarray], name: str, statuses: Sequence[int] | None = None) -> np.ndarray:
    """The per-year sum of one of status_totals' cells over `statuses` (all of them when None)."""
    cells = totals[name] if statuses is None else totals[name][:, list(statuses)]
    return np.asarray(cells.sum(axis=1))


def year_metrics(
    output: SimulationOutput, totals: Mapping[str, np.ndarray] | None = None
) -> list[dict[str, Any]]:
    """One dict per simulated year with the fields of WORKFORCE_FIELDS and DC_PLAN_FIELDS (`totals`:
    status_totals(output), computed when None).

    Headcount, compensation and plan counts are of the year-end actives (continuous_active or
    new_hire_active); compensation is the prorated pay, what was earned in the year, as the reference
    backend reports it; hires count every hire of the year, terminated or not; a participant is an
    eligible active who is enrolled. Contributions and the prorated pay behind employer_cost_rate are of
    all the year's rows. growth_pct is from the previous year end (the first year: from Jan 1). Money is
    rounded to cents; participation_rate, growth_pct and employer_cost_rate are percents and
    avg_deferral_rate a fraction, all rounded to 4 decimals. total_employer_cost is the sum of the
    rounded match and core so that the columns add up.
    """
    totals = status_totals(output) if totals is None else totals
    headcount = _summed(totals, "rows", ACTIVE)
    previous = np.concatenate(([start_headcount(output)], headcount[:-1]))
    total_compensation = _summed(totals, "prorated_pay", ACTIVE)
    eligible_count = _summed(totals, "eligible", ACTIVE)
    participant_count = _summed(totals, "participants", ACTIVE)
    match = round_half_up(_summed(totals, "match"), 2)
    core = round_half_up(_summed(totals, "core"), 2)
    employer_cost = round_half_up(match + core, 2)

    columns: dict[str, np.ndarray] = {
        "simulation_year": np.arange(output.start_year, output.end_year + 1),
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
    return [{name: values[i] for name, values in as_python.items()} for i in range(len(output.years))]


def event_counts(output: SimulationOutput) -> np.ndarray:
    """Events per simulated year (rows) and event type (columns, in EVENT_TYPES order)."""
    events = output.events
    n_years, n_types = len(output.years), len(EVENT_TYPES)
    counts = np.zeros(n_years * n_types, dtype=np.int64)
    for part in _row_slices(len(events["event_type"])):
        cell = _year_index(output, events["simulation_year"][part]) * n_types + events["event_type"][
            part
        ].astype(np.intp)
        counts += np.bincount(cell, minlength=n_years * n_types)
    return counts.reshape(n_years, n_types)


def event_trends(output: SimulationOutput) -> dict[str, list[int]]:
    """The Studio's event_trends: `{event_type: [count per simulated year, in year order]}` under the
    Studio's names (STUDIO_EVENT_TYPES), zeros included so that a list lines up with the years; a type
    with no event in any year is left out, as the reference backend leaves it out."""
    counts = event_counts(output)
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


def _population_view(
    output: SimulationOutput, totals: Mapping[str, np.ndarray], population: str
) -> dict[str, Any]:
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
        for y, year in enumerate(output.years)
    ]
    first, last = progression[0], progression[-1]
    years = output.end_year - output.start_year
    growth = {
        "total_growth_pct": _growth_pct(first["headcount"], last["headcount"]),
        "cagr": _cagr_pct(first["headcount"], last["headcount"], years),
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
            for y, year in enumerate(output.years)
            for s in statuses
            if rows[y, s]
        ],
        "cagr_metrics": [
            {
                "metric": label,
                "start_value": first[field],
                "end_value": last[field],
                "years": years,
                "cagr_pct": _cagr_pct(first[field], last[field], years),
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
    totals: Mapping[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """The Results document (results.json) without run_id and scenario_id.

    Its top level is the Studio's SimulationResults for the population `all` (see _population_view;
    populations.select_population answers the others, stored under `populations`), with event_trends,
    plus ours: final_employer_cost (of the final year), total_events, the per-year `workforce` and
    `dc_plan` rows of year_metrics (plan rates in percent), `quality` and `bands`. `metrics` is
    year_metrics(output) (computed when None); `irs_limits` is the run config's irs_limits section for
    the quality checks (the built-in defaults when None); `bands` is compute_bands' answer for an
    ensemble, else None; `totals` is status_totals(output) when the caller has it (a pass over the
    whole projection).
    """
    totals = status_totals(output) if totals is None else totals
    metrics = year_metrics(output, totals) if metrics is None else metrics
    views = {population: _population_view(output, totals, population) for population in POPULATIONS}
    return {
        "start_year": output.start_year,
        "end_year": output.end_year,
        **views[DEFAULT_POPULATION],
        "event_trends": event_trends(output),
        "final_employer_cost": metrics[-1]["total_employer_cost"],
        "total_events": len(output.events["event_type"]),
        "workforce": [{name: row[name] for name in WORKFORCE_FIELDS} for row in metrics],
        "dc_plan": [{name: row[name] for name in DC_PLAN_FIELDS} for row in metrics],
        "quality": quality_checks(
            output, metrics, IrsLimits().model_dump() if irs_limits is None else irs_limits
        ),
        "bands": bands,
        "populations": {
            population: view for population, view in views.items() if population != DEFAULT_POPULATION
        },
    }


def _examples(output: SimulationOutput, employee_index: np.ndarray, years: np.ndarray) -> str:
    """The first offending rows as `E000012 (2026)`, so a failed check points at data to look at."""
    names = output.employee_ids[employee_index[:EXAMPLES]]
    return ", ".join(f"{name} ({year})" for name, year in zip(names, years[:EXAMPLES], strict=True))


class _Failures:
    """What a check found: a description of each kind of failure and the failing rows (or, for the
    headcount, the failing years) counted by simulated year, so that a year's evidence can say which
    checks it passed."""

    def __init__(self, output: SimulationOutput) -> None:
        self.output = output
        self.details: list[str] = []
        self.by_year: dict[str, int] = {}

    def add_year(self, year: int, detail: str) -> None:
        self.details.append(detail)
        self.by_year[str(year)] = self.by_year.get(str(year), 0) + 1

    def add_rows(self, table: Mapping[str, np.ndarray], bad: np.ndarray, what: str) -> None:
        """'3 rows with <what>: E1 (2025), ...' when `bad` marks rows of `table`."""
        count = int(np.count_nonzero(bad))
        if not count:
            return
        rows = np.flatnonzero(bad)
        years = table["simulation_year"][rows]
        self.details.append(
            f"{count} rows with {what}: {_examples(self.output, table['employee_index'][rows], years)}"
        )
        failing_years, counts = np.unique(years, return_counts=True)
        for year, rows_of_year in zip(failing_years.tolist(), counts.tolist(), strict=True):
            self.by_year[str(year)] = self.by_year.get(str(year), 0) + rows_of_year

    def check(self, name: str, ok: str) -> dict[str, Any]:
        return {
            "name": name,
            "passed": not self.details,
            "detail": "; ".join(self.details) if self.details else ok,
            "failed_by_year": dict(sorted(self.by_year.items())),
        }


def _headcount_recurrence(output: SimulationOutput, metrics: list[dict[str, Any]]) -> dict[str, Any]:
    failures = _Failures(output)
    previous = start_headcount(output)
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


def _no_negative_pay(output: SimulationOutput) -> dict[str, Any]:
    snapshot = output.snapshot
    # `not >= 0` also catches NaN pay.
    bad = ~(snapshot["pay"] >= 0) | ~(snapshot["prorated_pay"] >= 0)
    failures = _Failures(output)
    failures.add_rows(snapshot, bad, "negative or missing pay")
    return failures.check("no_negative_pay", f"{len(bad)} rows checked")


def _deferral_rate_in_range(output: SimulationOutput) -> dict[str, Any]:
    rate = output.snapshot["deferral_rate"]
    bad = ~((rate >= 0) & (rate <= MAX_DEFERRAL_RATE))
    failures = _Failures(output)
    failures.add_rows(output.snapshot, bad, f"a deferral rate outside [0, {MAX_DEFERRAL_RATE}]")
    return failures.check("deferral_rate_in_range", f"{len(rate)} rows checked")


def _contributions_within_irs_limits(
    output: SimulationOutput, irs_limits: Mapping[str, Any]
) -> dict[str, Any]:
    """402(g) (+ the catch-up of the age attained by Dec 31) on the employee deferral and 415(c) on all
    additions, with each plan year's limits as the config's irs_limits section gives them."""
    snapshot = output.snapshot
    rows = len(snapshot["employee_contribution"])
    settings = IrsLimits.model_validate(irs_limits)
    by_year = [YearLimits.for_year(settings, year, output.start_year) for year in output.years]
    additions_limit = np.array([limits.annual_additions for limits in by_year])

    def above_402g(part: slice) -> np.ndarray:
        years = _year_index(output, snapshot["simulation_year"][part])
        ages = snapshot["age"][part]
        caps = np.empty(len(ages))
        for index, limits in enumerate(by_year):
            here = years == index
            caps[here] = deferral_cap(limits, ages[here])
        return snapshot["employee_contribution"][part] > caps + LIMIT_TOLERANCE

    def above_415c(part: slice) -> np.ndarray:
        additions = snapshot["employee_contribution"][part] + snapshot["match"][part] + snapshot["core"][part]
        years = _year_index(output, snapshot["simulation_year"][part])
        return additions > additions_limit[years] + LIMIT_TOLERANCE

    failures = _Failures(output)
    failures.add_rows(snapshot, _mask(rows, above_402g), "an employee deferral above 402(g)")
    failures.add_rows(snapshot, _mask(rows, above_415c), "annual additions above 415(c)")
    return failures.check("contributions_within_irs_limits", f"{rows} rows checked")


def _id_ranks(ids: np.ndarray) -> np.ndarray:
    """A number per employee index, equal where the id strings are equal. An output's ids are sorted,
    which makes that a running count of changes; np.unique would sort a copy of them."""
    if len(ids) > 1 and bool(np.all(ids[1:] >= ids[:-1])):
        ranks = np.zeros(len(ids), dtype=np.int64)
        np.cumsum(ids[1:] != ids[:-1], out=ranks[1:])
        return ranks
    _, ranks = np.unique(ids, return_inverse=True)
    return np.asarray(ranks, dtype=np.int64)


def _unique_employee_ids_per_year(output: SimulationOutput) -> dict[str, Any]:
    snapshot = output.snapshot
    # Two indexes may carry the same id string, so compare the strings' ranks, not the indexes.
    id_rank = _id_ranks(output.employee_ids)
    years = snapshot["simulation_year"]
    repeated = np.zeros(len(years), dtype=bool)
    # Year by year: a row repeats an earlier row (in row order) of its year with the same id.
    for year in np.unique(years):
        rows = np.flatnonzero(years == year)
        key = id_rank[snapshot["employee_index"][rows]]
        order = np.argsort(key, kind="stable")
        repeated[rows[order[1:]]] = key[order[1:]] == key[order[:-1]]
    failures = _Failures(output)
    failures.add_rows(snapshot, repeated, "an employee id already in that year")
    return failures.check("unique_employee_ids_per_year", f"{len(years)} rows checked")


def _no_events_after_termination(output: SimulationOutput) -> dict[str, Any]:
    """No event dated after the employee's termination date and no snapshot row for a later year."""
    snapshot, events = output.snapshot, output.events
    terminated = ~np.isnat(snapshot["termination_date"])
    never = np.iinfo(np.int64).max
    termination_day = np.full(len(output.employee_ids), never, dtype=np.int64)
    np.minimum.at(
        termination_day,
        snapshot["employee_index"][terminated],
        snapshot["termination_date"][terminated].view(np.int64),
    )
    del terminated

    def late_event(part: slice) -> np.ndarray:
        event_day = events["effective_date"][part].view(np.int64)
        return event_day > termination_day[events["employee_index"][part]]

    def late_row(part: slice) -> np.ndarray:
        years = snapshot["simulation_year"][part].astype(np.int64) - 1970
        year_start_day = years.astype("datetime64[Y]").astype("datetime64[D]").view(np.int64)
        return year_start_day > termination_day[snapshot["employee_index"][part]]

    late_events = _mask(len(events["effective_date"]), late_event)
    failures = _Failures(output)
    failures.add_rows(events, late_events, "an event after the termination date")
    del late_events
    late_rows = _mask(len(snapshot["simulation_year"]), late_row)
    failures.add_rows(snapshot, late_rows, "a snapshot row for a year after the termination")
    checked = int(np.count_nonzero(termination_day != never))
    return failures.check("no_events_after_termination", f"{checked} terminated employees checked")


def quality_checks(
    output: SimulationOutput, metrics: list[dict[str, Any]], irs_limits: Mapping[str, Any]
) -> dict[str, Any]:
    """The invariants of simulation.md as named checks: `{passed, checks[{name, passed, detail}]}`.

    `irs_limits` is the config's irs_limits section (deferral_402g, catch_up_50_plus,
    annual_additions_415c, limit_growth_rate); a failed check's detail gives counts and the first
    offending employee ids with their year.
    """
    checks = [
        _headcount_recurrence(output, metrics),
        _no_negative_pay(output),
        _deferral_rate_in_range(output),
        _contributions_within_irs_limits(output, irs_limits),
        _unique_employee_ids_per_year(output),
        _no_events_after_termination(output),
    ]
    return {"passed": all(check["passed"] for check in checks), "checks": checks}


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
