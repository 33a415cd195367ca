"""The Studio's evidence pack: one metric's movement between two simulated years of a run, split into
named drivers (who entered, who left, what changed for who stayed) plus a residual, each figure cited
to a column of one aggregate query over the run's snapshot (Q1, DuckDB SQL over the run's Parquet, so
that a reviewer can reproduce every number). The definitions are the reference engine's (its
`planalign_evidence`): the population of a year is every snapshot row of that year (leavers too),
only active headcount filters on employment status; "entering" and "leaving" are snapshot membership.

Figures are decimals as strings (at most 12 decimals, no exponent, no trailing zero), computed from
exact sums of the snapshot's values, so that the drivers and the residual add up to the change."""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from math import fsum
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from planalign.errors import InvalidRequest

Unit = Literal["count", "currency", "rate", "percent_of_change"]
# The snapshot columns the pack reads.
COLUMNS = ("employee_id", "employment_status", "prorated_pay", "match", "core", "enrolled", "deferral_rate")
QUERY_ID = "Q1"
SCHEMA_VERSION = "1.0"
_PLACES = Decimal("1e-12")
# The smallest meaningful difference of a unit: a residual above it (and above 1 % of the change) is material.
_QUANTUM: dict[str, Decimal] = {"count": Decimal(1), "currency": Decimal("0.01"), "rate": Decimal("0.000001")}
# Below this change, shares of the change would be noise: they are suppressed.
_SHARE_TOLERANCE: dict[str, Decimal] = {
    "count": Decimal(0),
    "currency": Decimal("0.01"),
    "rate": Decimal("0.000001"),
}
_UNDEFINED_RATE = "Retained compensation is zero at one or both endpoints, so the effective payout-rate factors are undefined."
_NO_POPULATION = "The endpoint has no population for this figure."
POPULATION_NOTE = (
    "Snapshot populations include every row of the year (leavers too) for compensation, employer cost, "
    "participation and average deferral; only active headcount filters on employment status. Entering and "
    "leaving refer to snapshot membership; retained records are in both selected years."
)


@dataclass(frozen=True)
class Driver:
    id: str
    label: str
    description: str
    population_label: str


@dataclass(frozen=True)
class Metric:
    label: str
    unit: Unit
    drivers: tuple[Driver, ...]


def _entered(what: str, description: str) -> Driver:
    return Driver(f"entered_population_{what}", f"Entered population {what}", description, "entering records")


def _left(what: str, description: str) -> Driver:
    return Driver(f"left_population_{what}", f"Left population {what}", description, "leaving records")


_REWEIGHTING = Driver(
    "population_reweighting",
    "Population reweighting",
    "Symmetric denominator effect from population-size change.",
    "base-to-target population",
)
_EXPOSURE = Driver(
    "retained_compensation_exposure",
    "Retained compensation exposure",
    "Symmetric compensation-exposure effect among retained records.",
    "retained records",
)


def _cost_drivers(cost: str, rate_id: str, rate_of: str) -> tuple[Driver, ...]:
    return (
        _entered("cost", f"Target {cost} cost for entering records."),
        _left("cost", f"Base {cost} cost removed with leaving records."),
        _EXPOSURE,
        Driver(
            f"retained_effective_{rate_id}_payout_rate",
            f"Retained effective {rate_id} payout rate",
            f"Symmetric change in the realized {rate_of}-to-compensation rate.",
            "retained records",
        ),
    )


METRICS: dict[str, Metric] = {
    "active_headcount": Metric(
        "Active headcount",
        "count",
        (
            Driver(
                "new_active_records",
                "New active records",
                "Active records present only in the target year.",
                "target-only active records",
            ),
            Driver(
                "removed_active_records",
                "Removed active records",
                "Active records present only in the base year.",
                "base-only active records",
            ),
            Driver(
                "retained_became_active",
                "Retained records becoming active",
                "Retained records whose status became active.",
                "retained inactive-to-active records",
            ),
            Driver(
                "retained_ceased_active",
                "Retained records ceasing active",
                "Retained records whose status ceased to be active.",
                "retained active-to-inactive records",
            ),
        ),
    ),
    "total_compensation": Metric(
        "Total compensation",
        "currency",
        (
            _entered("compensation", "Target compensation for records entering the snapshot population."),
            _left("compensation", "Base compensation removed with records leaving the snapshot population."),
            Driver(
                "retained_compensation_and_proration",
                "Retained compensation and proration",
                "Compensation, promotion, and partial-year movement for retained records.",
                "retained records",
            ),
        ),
    ),
    "employer_match_cost": Metric(
        "Employer match cost", "currency", _cost_drivers("match", "match", "match")
    ),
    "total_employer_plan_cost": Metric(
        "Total employer plan cost",
        "currency",
        _cost_drivers("employer contribution", "plan", "employer-contribution"),
    ),
    "participation_rate": Metric(
        "Participation rate",
        "rate",
        (
            Driver(
                "retained_participation_behavior",
                "Retained participation behavior",
                "Participation-status changes among retained records.",
                "retained records",
            ),
            _entered("participation", "Participating values contributed by entering records."),
            _left("participation", "Participating values removed with leaving records."),
            _REWEIGHTING,
        ),
    ),
    "avg_deferral_rate": Metric(
        "Average deferral rate",
        "rate",
        (
            Driver(
                "retained_deferral_behavior",
                "Retained deferral behavior",
                "Deferral-rate changes among retained non-null records.",
                "retained records",
            ),
            _entered("deferral", "Deferral values contributed by entering records."),
            _left("deferral", "Deferral values removed with leaving records."),
            _REWEIGHTING,
        ),
    ),
}


@dataclass(frozen=True)
class YearValues:
    """One year of the snapshot, as the pack reads it (rows in any order, one per employee)."""

    employee_id: np.ndarray  # str
    active: np.ndarray  # bool: employment_status active
    compensation: np.ndarray  # prorated pay
    match_cost: np.ndarray
    plan_cost: np.ndarray  # match + core
    participating: np.ndarray  # 1.0 enrolled, else 0.0
    deferral: np.ndarray  # NaN where the table has a null (no rate): not in that year's population


def year_values(snapshot: pa.Table) -> YearValues:
    """YearValues of one year of a run's snapshot table (its COLUMNS)."""

    def floats(name: str) -> np.ndarray:
        return np.asarray(snapshot[name].to_numpy(), dtype=np.float64)

    match = floats("match")
    return YearValues(
        employee_id=np.asarray(snapshot["employee_id"].to_numpy(zero_copy_only=False), dtype=str),
        active=np.asarray(snapshot["employment_status"].cast(pa.string()).to_numpy(zero_copy_only=False))
        == "active",
        compensation=floats("prorated_pay"),
        match_cost=match,
        plan_cost=match + floats("core"),
        participating=np.asarray(snapshot["enrolled"].to_numpy(zero_copy_only=False), dtype=np.float64),
        deferral=floats("deferral_rate"),
    )


@dataclass(frozen=True)
class _Cohorts:
    """Rows of the two years by membership: entering (target rows), leaving (base rows) and retained
    (aligned pairs of base and target rows)."""

    entered: np.ndarray
    left: np.ndarray
    retained_base: np.ndarray
    retained_target: np.ndarray


def _cohorts(
    base: YearValues, target: YearValues, base_member: np.ndarray, target_member: np.ndarray
) -> _Cohorts:
    """Members are the rows that count in a year (all rows, or those with a deferral rate); a record that
    counts in one year only is entering or leaving, one that counts in both is retained."""
    _, in_base, in_target = np.intersect1d(
        base.employee_id, target.employee_id, assume_unique=True, return_indices=True
    )
    both = base_member[in_base] & target_member[in_target]
    member_before = np.zeros(len(target.employee_id), dtype=bool)
    member_before[in_target] = base_member[in_base]
    member_after = np.zeros(len(base.employee_id), dtype=bool)
    member_after[in_base] = target_member[in_target]
    return _Cohorts(
        entered=np.flatnonzero(target_member & ~member_before),
        left=np.flatnonzero(base_member & ~member_after),
        retained_base=in_base[both],
        retained_target=in_target[both],
    )


def _sum(values: np.ndarray, rows: np.ndarray) -> Decimal:
    """The exact sum of the float values (no rounding error accumulates over a million rows)."""
    return Decimal(fsum(values[rows].tolist()))


@dataclass(frozen=True)
class _Sums:
    """One value's exact sums over the cohorts. The year totals are the sums of their parts, so that
    the drivers add up to the change exactly."""

    entered: Decimal
    left: Decimal
    kept_before: Decimal  # the retained records' base-year values
    kept_after: Decimal  # and target-year values

    @property
    def base(self) -> Decimal:
        return self.left + self.kept_before

    @property
    def target(self) -> Decimal:
        return self.entered + self.kept_after


def _sums(groups: _Cohorts, before: np.ndarray, after: np.ndarray) -> _Sums:
    return _Sums(
        entered=_sum(after, groups.entered),
        left=_sum(before, groups.left),
        kept_before=_sum(before, groups.retained_base),
        kept_after=_sum(after, groups.retained_target),
    )


def _everyone(base: YearValues, target: YearValues) -> _Cohorts:
    """The cohorts of every row (the metrics other than the average deferral rate)."""
    return _cohorts(base, target, np.ones(len(base.active), bool), np.ones(len(target.active), bool))


def _unless_empty(values: np.ndarray, total: Decimal) -> Decimal | None:
    """A year's sum, undefined (not 0) for a year without rows, as SQL's SUM of no rows is NULL."""
    return total if len(values) else None


def _count(mask: np.ndarray) -> Decimal:
    return Decimal(int(np.count_nonzero(mask)))


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return None if denominator == 0 else numerator / denominator


Row = dict[str, Decimal | None]


def _active_row(base: YearValues, target: YearValues) -> Row:
    everyone = _everyone(base, target)
    before, after = base.active[everyone.retained_base], target.active[everyone.retained_target]
    base_value, target_value = _count(base.active), _count(target.active)
    counts = {
        "new_active_records": _count(target.active[everyone.entered]),
        "removed_active_records": _count(base.active[everyone.left]),
        "retained_became_active": _count(~before & after),
        "retained_ceased_active": _count(before & ~after),
    }
    signs = {"removed_active_records": -1, "retained_ceased_active": -1}
    return {
        "base_value": base_value,
        "target_value": target_value,
        "base_population": base_value,
        "target_population": target_value,
        **{name: count * signs.get(name, 1) for name, count in counts.items()},
        **{f"{name}_population": count for name, count in counts.items()},
    }


def _sum_row(base: YearValues, target: YearValues) -> Row:
    everyone = _everyone(base, target)
    pay = _sums(everyone, base.compensation, target.compensation)
    drivers = {
        "entered_population_compensation": (pay.entered, len(everyone.entered)),
        "left_population_compensation": (-pay.left, len(everyone.left)),
        "retained_compensation_and_proration": (
            pay.kept_after - pay.kept_before,
            len(everyone.retained_base),
        ),
    }
    return {
        "base_value": _unless_empty(base.compensation, pay.base),
        "target_value": _unless_empty(target.compensation, pay.target),
        "base_population": Decimal(len(base.compensation)),
        "target_population": Decimal(len(target.compensation)),
        **_with_populations(drivers),
    }


def _cost_row(base: YearValues, target: YearValues, cost: str, rate_id: str) -> Row:
    everyone = _everyone(base, target)
    x0, x1 = getattr(base, cost), getattr(target, cost)
    spent = _sums(everyone, x0, x1)
    pay = _sums(everyone, base.compensation, target.compensation)
    c0, c1 = pay.kept_before, pay.kept_after
    r0, r1 = _ratio(spent.kept_before, c0), _ratio(spent.kept_after, c1)
    retained = len(everyone.retained_base)
    # Symmetric (midpoint) split of the retained records' change x1 - x0 = c1 r1 - c0 r0 into
    # compensation and rate: (c1 - c0)(r0 + r1)/2 + (r1 - r0)(c0 + c1)/2.
    exposure = rate = None
    if r0 is not None and r1 is not None:
        exposure, rate = (c1 - c0) * (r0 + r1) / 2, (r1 - r0) * (c0 + c1) / 2
    drivers = {
        "entered_population_cost": (spent.entered, len(everyone.entered)),
        "left_population_cost": (-spent.left, len(everyone.left)),
        "retained_compensation_exposure": (exposure, retained),
        f"retained_effective_{rate_id}_payout_rate": (rate, retained),
    }
    return {
        "base_value": _unless_empty(x0, spent.base),
        "target_value": _unless_empty(x1, spent.target),
        "base_population": Decimal(len(x0)),
        "target_population": Decimal(len(x1)),
        "base_effective_rate": r0,
        "target_effective_rate": r1,
        **_with_populations(drivers),
    }


def _ratio_row(base: YearValues, target: YearValues, column: str, stem: str) -> Row:
    v0, v1 = getattr(base, column), getattr(target, column)
    member0, member1 = ~np.isnan(v0), ~np.isnan(v1)
    groups = _cohorts(base, target, member0, member1)
    values = _sums(groups, v0, v1)
    n0, n1 = _count(member0), _count(member1)
    # Symmetric split of s1/n1 - s0/n0: the numerators' changes at the mean weight (1/n0 + 1/n1)/2,
    # the denominator's change at the mean numerator (s0 + s1)/2.
    weight = None if n0 == 0 or n1 == 0 else (1 / n0 + 1 / n1) / 2
    drivers = {
        f"retained_{stem}_behavior": (
            _times(weight, values.kept_after - values.kept_before),
            len(groups.retained_base),
        ),
        f"entered_population_{stem}": (_times(weight, values.entered), len(groups.entered)),
        f"left_population_{stem}": (_times(weight, -values.left), len(groups.left)),
        "population_reweighting": (
            None if weight is None else (values.base + values.target) * (1 / n1 - 1 / n0) / 2,
            int(n1),
        ),
    }
    return {
        "base_value": _ratio(values.base, n0),
        "target_value": _ratio(values.target, n1),
        "base_population": n0,
        "target_population": n1,
        **_with_populations(drivers),
    }


def _times(weight: Decimal | None, value: Decimal) -> Decimal | None:
    return None if weight is None else weight * value


def _with_populations(drivers: Mapping[str, tuple[Decimal | None, int]]) -> Row:
    row: Row = {}
    for name, (contribution, population) in drivers.items():
        row[name] = contribution
        row[f"{name}_population"] = Decimal(population)
    return row


def metric_row(metric: str, base: YearValues, target: YearValues) -> Row:
    """The figures of Q1 for `metric` (before rounding): base and target value and population, the
    payout rates of the cost metrics, each driver's contribution and population."""
    with localcontext() as context:
        context.prec = 60
        if metric == "active_headcount":
            return _active_row(base, target)
        if metric == "total_compensation":
            return _sum_row(base, target)
        if metric == "employer_match_cost":
            return _cost_row(base, target, "match_cost", "match")
        if metric == "total_employer_plan_cost":
            return _cost_row(base, target, "plan_cost", "plan")
        if metric == "participation_rate":
            return _ratio_row(base, target, "participating", "participation")
        return _ratio_row(base, target, "deferral", "deferral")


# Q1: the same figures as DuckDB SQL over the two years' Parquet files of the run's snapshot.
# Values as exact decimals, as the pack sums them (DOUBLE sums would differ in the last digits).
_YEAR_SQL = """  SELECT employee_id, employment_status = 'active' AS active,
    CAST(prorated_pay AS DECIMAL(38, 12)) AS compensation, CAST("match" AS DECIMAL(38, 12)) AS match_cost,
    CAST("match" AS DECIMAL(38, 12)) + CAST(core AS DECIMAL(38, 12)) AS plan_cost,
    CASE WHEN enrolled THEN 1.0 ELSE 0.0 END AS participating, CAST(deferral_rate AS DECIMAL(38, 12)) AS deferral
  FROM read_parquet('{store}simulation_year={year}/part-0.parquet')"""
_COHORTS_SQL = """  SELECT {base_member} AS in_base, {target_member} AS in_target,
    b.active AS base_active, t.active AS target_active,
    b.compensation AS base_compensation, t.compensation AS target_compensation,
    b.match_cost AS base_match_cost, t.match_cost AS target_match_cost,
    b.plan_cost AS base_plan_cost, t.plan_cost AS target_plan_cost,
    b.participating AS base_participating, t.participating AS target_participating,
    b.deferral AS base_deferral, t.deferral AS target_deferral
  FROM base b FULL OUTER JOIN target t ON b.employee_id = t.employee_id"""
_ACTIVE_SQL = """  SELECT
    COUNT(*) FILTER (WHERE in_base AND base_active) AS base_value,
    COUNT(*) FILTER (WHERE in_target AND target_active) AS target_value,
    COUNT(*) FILTER (WHERE in_base AND base_active) AS base_population,
    COUNT(*) FILTER (WHERE in_target AND target_active) AS target_population,
    NULL AS base_effective_rate, NULL AS target_effective_rate,
    COUNT(*) FILTER (WHERE NOT in_base AND in_target AND target_active) AS new_active_records_population,
    COUNT(*) FILTER (WHERE in_base AND NOT in_target AND base_active) AS removed_active_records_population,
    COUNT(*) FILTER (WHERE in_base AND in_target AND NOT base_active AND target_active) AS retained_became_active_population,
    COUNT(*) FILTER (WHERE in_base AND in_target AND base_active AND NOT target_active) AS retained_ceased_active_population
  FROM cohorts
), figures AS (
  SELECT *, new_active_records_population AS new_active_records,
    -removed_active_records_population AS removed_active_records,
    retained_became_active_population AS retained_became_active,
    -retained_ceased_active_population AS retained_ceased_active
  FROM totals"""
_SUM_SQL = """  SELECT
    SUM(base_compensation) FILTER (WHERE in_base) AS base_value,
    SUM(target_compensation) FILTER (WHERE in_target) AS target_value,
    COUNT(*) FILTER (WHERE in_base) AS base_population,
    COUNT(*) FILTER (WHERE in_target) AS target_population,
    NULL AS base_effective_rate, NULL AS target_effective_rate,
    COALESCE(SUM(target_compensation) FILTER (WHERE NOT in_base AND in_target), 0) AS entered_population_compensation,
    -COALESCE(SUM(base_compensation) FILTER (WHERE in_base AND NOT in_target), 0) AS left_population_compensation,
    COALESCE(SUM(target_compensation - base_compensation) FILTER (WHERE in_base AND in_target), 0)
      AS retained_compensation_and_proration,
    COUNT(*) FILTER (WHERE NOT in_base AND in_target) AS entered_population_compensation_population,
    COUNT(*) FILTER (WHERE in_base AND NOT in_target) AS left_population_compensation_population,
    COUNT(*) FILTER (WHERE in_base AND in_target) AS retained_compensation_and_proration_population
  FROM cohorts
), figures AS (
  SELECT * FROM totals"""
_COST_SQL = """  SELECT
    SUM(base_{cost}) FILTER (WHERE in_base) AS base_value,
    SUM(target_{cost}) FILTER (WHERE in_target) AS target_value,
    COUNT(*) FILTER (WHERE in_base) AS base_population,
    COUNT(*) FILTER (WHERE in_target) AS target_population,
    COALESCE(SUM(target_{cost}) FILTER (WHERE NOT in_base AND in_target), 0) AS entered_population_cost,
    -COALESCE(SUM(base_{cost}) FILTER (WHERE in_base AND NOT in_target), 0) AS left_population_cost,
    COALESCE(SUM(base_compensation) FILTER (WHERE in_base AND in_target), 0) AS c0,
    COALESCE(SUM(target_compensation) FILTER (WHERE in_base AND in_target), 0) AS c1,
    COALESCE(SUM(base_{cost}) FILTER (WHERE in_base AND in_target), 0) AS x0,
    COALESCE(SUM(target_{cost}) FILTER (WHERE in_base AND in_target), 0) AS x1,
    COUNT(*) FILTER (WHERE NOT in_base AND in_target) AS entered_population_cost_population,
    COUNT(*) FILTER (WHERE in_base AND NOT in_target) AS left_population_cost_population,
    COUNT(*) FILTER (WHERE in_base AND in_target) AS retained_compensation_exposure_population,
    COUNT(*) FILTER (WHERE in_base AND in_target) AS retained_effective_{rate_id}_payout_rate_population
  FROM cohorts
), figures AS (
  SELECT *,
    CASE WHEN c0 = 0 THEN NULL ELSE x0 / c0 END AS base_effective_rate,
    CASE WHEN c1 = 0 THEN NULL ELSE x1 / c1 END AS target_effective_rate,
    CASE WHEN c0 = 0 OR c1 = 0 THEN NULL ELSE (c1 - c0) * (x0 / c0 + x1 / c1) / 2 END
      AS retained_compensation_exposure,
    CASE WHEN c0 = 0 OR c1 = 0 THEN NULL ELSE (x1 / c1 - x0 / c0) * (c0 + c1) / 2 END
      AS retained_effective_{rate_id}_payout_rate
  FROM totals"""
_RATIO_SQL = """  SELECT
    COUNT(*) FILTER (WHERE in_base) AS n0,
    COUNT(*) FILTER (WHERE in_target) AS n1,
    COALESCE(SUM(base_{column}) FILTER (WHERE in_base), 0) AS s0,
    COALESCE(SUM(target_{column}) FILTER (WHERE in_target), 0) AS s1,
    COALESCE(SUM(target_{column} - base_{column}) FILTER (WHERE in_base AND in_target), 0) AS retained_delta,
    COALESCE(SUM(target_{column}) FILTER (WHERE NOT in_base AND in_target), 0) AS entered_sum,
    COALESCE(SUM(base_{column}) FILTER (WHERE in_base AND NOT in_target), 0) AS left_sum,
    COUNT(*) FILTER (WHERE in_base AND in_target) AS retained_{stem}_behavior_population,
    COUNT(*) FILTER (WHERE NOT in_base AND in_target) AS entered_population_{stem}_population,
    COUNT(*) FILTER (WHERE in_base AND NOT in_target) AS left_population_{stem}_population,
    COUNT(*) FILTER (WHERE in_target) AS population_reweighting_population
  FROM cohorts
), weighted AS (
  SELECT *, CASE WHEN n0 = 0 OR n1 = 0 THEN NULL ELSE (1.0 / n0 + 1.0 / n1) / 2 END AS w FROM totals
), figures AS (
  SELECT *,
    CASE WHEN n0 = 0 THEN NULL ELSE s0 / n0 END AS base_value,
    CASE WHEN n1 = 0 THEN NULL ELSE s1 / n1 END AS target_value,
    n0 AS base_population, n1 AS target_population,
    NULL AS base_effective_rate, NULL AS target_effective_rate,
    w * retained_delta AS retained_{stem}_behavior,
    w * entered_sum AS entered_population_{stem},
    -w * left_sum AS left_population_{stem},
    CASE WHEN w IS NULL THEN NULL ELSE (s0 + s1) * (1.0 / n1 - 1.0 / n0) / 2 END AS population_reweighting
  FROM weighted"""


def _body_sql(metric: str) -> str:
    if metric == "active_headcount":
        return _ACTIVE_SQL
    if metric == "total_compensation":
        return _SUM_SQL
    if metric in ("employer_match_cost", "total_employer_plan_cost"):
        cost, rate_id = ("match_cost", "match") if metric == "employer_match_cost" else ("plan_cost", "plan")
        return _COST_SQL.format(cost=cost, rate_id=rate_id)
    if metric == "participation_rate":
        return _RATIO_SQL.format(column="participating", stem="participation")
    return _RATIO_SQL.format(column="deferral", stem="deferral")


def metric_query(metric: str, base_year: int, target_year: int, store: str) -> str:
    """Q1: every column the pack cites, over the snapshot files under `store` (a folder, with its
    trailing slash, relative to where the query runs)."""
    drivers = [driver.id for driver in METRICS[metric].drivers]
    nonnull = metric == "avg_deferral_rate"
    tolerance = _SHARE_TOLERANCE[METRICS[metric].unit]
    total = "(target_value - base_value)"
    share = "CASE WHEN shares_suppressed THEN NULL ELSE 100 * {value} / " + total + " END"
    columns = [
        "base_value",
        "target_value",
        f"{total} AS total_change",
        "base_population",
        "target_population",
        "base_effective_rate",
        "target_effective_rate",
        *(f"{name} AS {name}_contribution" for name in drivers),
        *(share.format(value=name) + f" AS {name}_share" for name in drivers),
        *(f"{name}_population" for name in drivers),
    ]
    residual = f"({total} - ({' + '.join(f'COALESCE({name}, 0)' for name in drivers)}))"
    columns += [f"{residual} AS residual_contribution", share.format(value=residual) + " AS residual_share"]
    select = ",\n  ".join(columns)
    return f"""WITH base AS (
{_YEAR_SQL.format(store=store, year=base_year)}
), target AS (
{_YEAR_SQL.format(store=store, year=target_year)}
), cohorts AS (
{
        _COHORTS_SQL.format(
            base_member="b.deferral IS NOT NULL" if nonnull else "b.employee_id IS NOT NULL",
            target_member="t.deferral IS NOT NULL" if nonnull else "t.employee_id IS NOT NULL",
        )
    }
), totals AS (
{_body_sql(metric)}
), suppressed AS (
  SELECT *, ((base_value < 0 AND target_value > 0) OR (base_value > 0 AND target_value < 0)
    OR ABS({total}) <= {tolerance}) AS shares_suppressed FROM figures
)
SELECT
  {select}
FROM suppressed"""


def canonical_decimal(value: Decimal) -> str:
    """At most 12 decimals, no exponent, no trailing zero: 1234.5, -0.25, 0."""
    text = format(value.quantize(_PLACES, rounding=ROUND_HALF_EVEN), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class _Citer:
    query: str
    store: str

    def figure(
        self, value: Decimal | None, unit: Unit, column: str, reason: str = _NO_POPULATION
    ) -> dict[str, Any]:
        citation = {
            "result_store": self.store,
            "query_id": QUERY_ID,
            "query": self.query,
            "result_column": column,
        }
        if value is None:
            return {
                "value": None,
                "unit": unit,
                "status": "undefined",
                "reason": reason,
                "citation": citation,
            }
        return {
            "value": canonical_decimal(value),
            "unit": unit,
            "status": "defined",
            "reason": None,
            "citation": citation,
        }

    def share(
        self, value: Decimal | None, total: Decimal, column: str, suppressed: str | None
    ) -> dict[str, Any]:
        if suppressed is not None:
            figure = self.figure(None, "percent_of_change", column, suppressed)
            return {**figure, "status": "suppressed"}
        return self.figure(None if value is None else 100 * value / total, "percent_of_change", column)


def _suppression(metric: Metric, base: Decimal, target: Decimal) -> str | None:
    if base * target < 0:
        return "Shares are suppressed because the endpoints cross zero."
    if abs(target - base) <= _SHARE_TOLERANCE[metric.unit]:
        return "Shares are suppressed because the total change is zero or near zero."
    return None


def build_pack(
    metric: str,
    base_year: int,
    target_year: int,
    row: Row,
    *,
    result_store: str,
    provenance: dict[str, Any],
    warnings: Sequence[dict[str, str]] = (),
) -> dict[str, Any]:
    """The Studio's EvidencePack from metric_row's figures; InvalidRequest when an endpoint has no
    population to define the metric (a year without rows, or without a deferral rate). `warnings`
    come first, then the arithmetic's."""
    definition = METRICS[metric]
    unit = definition.unit
    cite = _Citer(metric_query(metric, base_year, target_year, result_store), result_store)
    base, target = row["base_value"], row["target_value"]
    if base is None or target is None:
        raise InvalidRequest(
            f"{definition.label} is undefined for {base_year} or {target_year}: the year has no population for it"
        )
    total = target - base
    suppressed = _suppression(definition, base, target)
    with localcontext() as context:
        context.prec = 60
        drivers = []
        for driver in definition.drivers:
            contribution = row[driver.id]
            rate_driver = driver.id.startswith("retained_effective_")
            drivers.append(
                {
                    "id": driver.id,
                    "label": driver.label,
                    "description": driver.description,
                    "contribution": cite.figure(
                        contribution, unit, f"{driver.id}_contribution", _UNDEFINED_RATE
                    ),
                    "share_of_change": (
                        cite.share(contribution, total, f"{driver.id}_share", suppressed)
                        if contribution is not None
                        else cite.figure(None, "percent_of_change", f"{driver.id}_share", _UNDEFINED_RATE)
                    ),
                    "population": {
                        "label": driver.population_label,
                        "count": cite.figure(
                            row[f"{driver.id}_population"], "count", f"{driver.id}_population"
                        ),
                    },
                    "base_rate": cite.figure(row["base_effective_rate"], "rate", "base_effective_rate")
                    if rate_driver
                    else None,
                    "target_rate": cite.figure(row["target_effective_rate"], "rate", "target_effective_rate")
                    if rate_driver
                    else None,
                }
            )
        named = [value for driver in definition.drivers if (value := row[driver.id]) is not None]
        residual = total - sum(named, Decimal(0))
        material = abs(residual) > max(_QUANTUM[unit], abs(total) / 100)
        largest = residual != 0 and abs(residual) >= max((abs(value) for value in named), default=Decimal(0))
        change = {
            "metric": metric,
            "label": definition.label,
            "base_year": base_year,
            "target_year": target_year,
            "base_value": cite.figure(base, unit, "base_value"),
            "target_value": cite.figure(target, unit, "target_value"),
            "total_change": cite.figure(total, unit, "total_change"),
            "base_population": cite.figure(row["base_population"], "count", "base_population"),
            "target_population": cite.figure(row["target_population"], "count", "target_population"),
            "shares_suppressed_reason": suppressed,
        }
        residual_figures = {
            "contribution": cite.figure(residual, unit, "residual_contribution"),
            "share_of_change": cite.share(residual, total, "residual_share", suppressed),
            "material": material,
            "largest_contribution": largest,
        }
    arithmetic = []
    if suppressed:
        arithmetic.append({"code": "shares_suppressed", "severity": "info", "message": suppressed})
    if material:
        arithmetic.append(
            {
                "code": "material_residual",
                "severity": "caution",
                "message": "Caution: a material portion of the movement is unexplained.",
            }
        )
    if largest:
        arithmetic.append(
            {
                "code": "residual_dominates",
                "severity": "critical",
                "message": "The named drivers do not explain this movement.",
            }
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "provenance": provenance,
        "change": change,
        "drivers": drivers,
        "residual": residual_figures,
        "warnings": _ordered_warnings([*warnings, *arithmetic]),
        "executive_summary": executive_summary(change, drivers),
        "population_note": POPULATION_NOTE,
    }


_SEVERITY_ORDER = {"critical": 0, "caution": 1, "info": 2}


def _ordered_warnings(warnings: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """Most severe first, one per code."""
    unique = {warning["code"]: warning for warning in reversed(warnings)}
    return sorted(
        unique.values(), key=lambda warning: (_SEVERITY_ORDER[warning["severity"]], warning["code"])
    )


def display(value: Decimal, unit: str, *, signed: bool = False) -> str:
    """A figure as a reader writes it: $1,234.50, 12.34% (a rate is a fraction), 1,234."""
    sign = "+" if signed and value > 0 else ""
    if unit == "currency":
        return f"{sign}${value:,.2f}" if value >= 0 else f"-${abs(value):,.2f}"
    if unit == "rate":
        return f"{sign}{value * 100:,.2f}%"
    if unit == "count":
        return f"{sign}{value:,.0f}"
    return f"{sign}{value:,.2f}%"


def _value(figure: dict[str, Any]) -> Decimal | None:
    return None if figure["value"] is None else Decimal(figure["value"])


def executive_summary(change: dict[str, Any], drivers: Sequence[dict[str, Any]]) -> list[str]:
    """The movement in a few plain sentences, from the cited figures only."""
    unit = change["base_value"]["unit"]
    base, target = _value(change["base_value"]) or Decimal(0), _value(change["target_value"]) or Decimal(0)
    delta = target - base
    direction = "increased" if delta > 0 else "decreased" if delta < 0 else "did not change"
    percent = "" if base == 0 else f" ({abs(delta / base * 100):.2f}%)"
    summary = [
        f"{change['label']} {direction} from {display(base, unit)} to {display(target, unit)}, "
        f"a change of {display(delta, unit, signed=True)}{percent}."
    ]
    before = _value(change["base_population"]) or Decimal(0)
    after = _value(change["target_population"]) or Decimal(0)
    summary.append(
        f"The endpoint population changed from {display(before, 'count')} to {display(after, 'count')} "
        f"({display(after - before, 'count', signed=True)})."
    )
    by_id = {driver["id"]: driver for driver in drivers}
    entering = next((d for d in drivers if d["id"].startswith("entered_")), None)
    leaving = next((d for d in drivers if d["id"].startswith("left_")), None)
    if entering and leaving:
        entered, left = _value(entering["contribution"]), _value(leaving["contribution"])
        if entered is not None and left is not None:
            summary.append(
                f"Net entering/leaving population effect: {display(entered + left, unit, signed=True)}."
            )
    rate_driver = next((d for d in drivers if d["base_rate"] is not None), None)
    exposure = by_id.get("retained_compensation_exposure")
    if rate_driver and exposure:
        rate_effect, exposure_effect = _value(rate_driver["contribution"]), _value(exposure["contribution"])
        rate_before, rate_after = _value(rate_driver["base_rate"]), _value(rate_driver["target_rate"])
        if None not in (rate_effect, exposure_effect, rate_before, rate_after):
            assert rate_effect is not None and exposure_effect is not None
            assert rate_before is not None and rate_after is not None
            summary.append(
                f"For retained records, compensation exposure contributed {display(exposure_effect, unit, signed=True)}; "
                f"the effective payout-rate change contributed {display(rate_effect, unit, signed=True)}. "
                f"The effective retained payout rate changed from {display(rate_before, 'rate')} "
                f"to {display(rate_after, 'rate')}."
            )
    if any(
        (share := _value(driver["share_of_change"])) is not None and abs(share) > 100 for driver in drivers
    ):
        summary.append(
            "Shares above 100% indicate a gross driver that was offset by one or more negative drivers; "
            "signed shares still reconcile to 100%."
        )
    return summary


def _shown(figure: dict[str, Any]) -> str:
    value = _value(figure)
    if value is None:
        return f"{figure['status'].title()} — {figure['reason']}"
    human = display(value, figure["unit"])
    return human if human == figure["value"] else f"**{human}** (canonical: `{figure['value']}`)"


def _cited(pack: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    change = pack["change"]
    yield "Base value", change["base_value"]
    yield "Target value", change["target_value"]
    yield "Total change", change["total_change"]
    yield "Base population", change["base_population"]
    yield "Target population", change["target_population"]
    for driver in pack["drivers"]:
        yield f"{driver['label']} contribution", driver["contribution"]
        yield f"{driver['label']} share", driver["share_of_change"]
        yield f"{driver['label']} population", driver["population"]["count"]
        if driver["base_rate"] is not None and driver["target_rate"] is not None:
            yield f"{driver['label']} base effective rate", driver["base_rate"]
            yield f"{driver['label']} target effective rate", driver["target_rate"]
    yield "Residual contribution", pack["residual"]["contribution"]
    yield "Residual share", pack["residual"]["share_of_change"]


def render_markdown(pack: dict[str, Any]) -> str:
    """The pack as one self-contained Markdown document (the Studio's "Export Evidence Pack")."""
    provenance, change, residual = pack["provenance"], pack["change"], pack["residual"]
    lines = [
        f"# Evidence Pack: {change['label']}, {change['base_year']} to {change['target_year']}",
        "",
        "## Provenance",
        "",
        f"- Scenario: {provenance['scenario_name'] or provenance['scenario_id']} (`{provenance['scenario_id']}`)",
        f"- Run ID: `{provenance['run_id']}`",
        f"- Run timestamp: {provenance['run_timestamp'] or 'Unavailable'}",
        f"- Random seed: {'Unavailable' if provenance['random_seed'] is None else provenance['random_seed']}",
        f"- Configuration fingerprint: `{provenance['config_fingerprint'] or 'Unavailable'}`",
        f"- Result store: `{provenance['result_store']}`",
        f"- Verification: {provenance['verification_disposition']}",
        "",
        "## Warnings",
        "",
        *(
            [f"- **{w['severity'].title()} — {w['code']}:** {w['message']}" for w in pack["warnings"]]
            or ["None"]
        ),
        "",
        "## Executive interpretation",
        "",
        *(f"- {sentence}" for sentence in pack["executive_summary"]),
        "",
        "## Movement",
        "",
        f"- Base ({change['base_year']}): {_shown(change['base_value'])}",
        f"- Target ({change['target_year']}): {_shown(change['target_value'])}",
        f"- Total change: {_shown(change['total_change'])}",
        f"- Base population: {_shown(change['base_population'])} (`Q1.base_population`)",
        f"- Target population: {_shown(change['target_population'])} (`Q1.target_population`)",
    ]
    if change["shares_suppressed_reason"]:
        lines.append(f"- Share treatment: {change['shares_suppressed_reason']}")
    lines += [
        "",
        "## Driver decomposition",
        "",
        "| Driver | Contribution | Share of change | Population | Citation |",
        "| --- | ---: | ---: | --- | --- |",
    ]
    for driver in pack["drivers"]:
        rates = ""
        if driver["base_rate"] is not None and driver["target_rate"] is not None:
            rates = f"<br>Effective retained payout rate: {_shown(driver['base_rate'])} → {_shown(driver['target_rate'])}"
        lines.append(
            f"| {driver['label']}{rates} | {_shown(driver['contribution'])} | {_shown(driver['share_of_change'])} | "
            f"{_shown(driver['population']['count'])} {driver['population']['label']} | "
            f"`Q1.{driver['contribution']['citation']['result_column']}` |"
        )
    lines += [
        "",
        "## Residual",
        "",
        f"- Amount: {_shown(residual['contribution'])}",
        f"- Share: {_shown(residual['share_of_change'])}",
    ]
    if residual["material"]:
        lines.append("- Caution: a material portion of the movement is unexplained.")
    if residual["largest_contribution"]:
        lines.append("- The named drivers do not explain this movement.")
    lines += [
        "",
        "## Population treatment",
        "",
        pack["population_note"],
        "",
        "## Citations",
        "",
        f"Result store: `{provenance['result_store']}` (the run's snapshot, Parquet, one folder per year; "
        "run Q1 with DuckDB from the run's folder)",
        "",
        "```sql",
        change["base_value"]["citation"]["query"],
        "```",
        "",
        "Figure mappings:",
        *(f"- {label}: `Q1.{figure['citation']['result_column']}`" for label, figure in _cited(pack)),
    ]
    return "\n".join(lines) + "\n"


def envelope(pack: dict[str, Any]) -> dict[str, Any]:
    """The Studio's EvidencePackEnvelope: the pack, its Markdown and the file name to save it under."""
    change = pack["change"]
    slug = "".join(c if c.isalnum() or c in "._-" else "-" for c in pack["provenance"]["scenario_id"]).strip(
        "-"
    )
    filename = f"evidence-pack-{slug or 'scenario'}-{change['metric']}-{change['base_year']}-{change['target_year']}.md"
    return {"pack": pack, "text_export": render_markdown(pack), "filename": filename}
