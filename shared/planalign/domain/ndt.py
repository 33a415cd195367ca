"""Nondiscrimination testing of a projected plan year (the Studio's NDT Testing page; its `ndt_service.py`
shows which tests and figures it expects): the ADP test of elective deferrals, the ACP test of matching
contributions, the 401(a)(4) test of employer contributions as the Studio presents it, and the 415(c)
limit on annual additions, each over one year of a run's snapshot.

The rules, in our words:
- Highly compensated (IRC 414(q)(1)(B)): compensation in the look-back year (the year before) above that
  year's threshold (irs_limits.hce_compensation). Compensation is what was paid in the year (the
  snapshot's prorated pay; 414(q)(4) takes 415(c)(3) compensation). Someone hired in the tested year
  has none in the look-back year and is not highly compensated. The run's first year has no look-back
  year in the run: its pay rate stands in for it. 5 %-owners (414(q)(1)(A)) are not in a census.
- ADP (IRC 401(k)(3)(A)(ii)) and ACP (IRC 401(m)(2)(A)): the highly compensated's average ratio passes
  when it is at most the greater of 1.25 x the others' average and the lesser of 2 x it and it + 2
  points. Ratios are each eligible employee's deferrals (at most the 402(g) limit: catch-up is not
  tested, 414(v)(3)(A)) or match over compensation capped at 401(a)(17); an eligible employee who does
  not defer counts as 0. Under the prior-year method (Treas. Reg. 1.401(k)-2(a)(2)) the others' average
  is the year before's.
- The excess of a failed ADP test (IRC 401(k)(8)(B), Treas. Reg. 1.401(k)-2(b)(2)(ii)): the highest
  ratios of the highly compensated are levelled down until their average meets the limit; the excess is
  the deferrals that levelling takes away.
- A safe-harbour plan (IRC 401(k)(12), 401(k)(13)) is exempt from the ADP test.
- 401(a)(4) as the Studio presents it: the others' average employer contribution rate over the highly
  compensated's at least 70 % (the ratio percentage of Treas. Reg. 1.410(b)-2(b)(2)), else the same of
  the medians (standing in for the general test of Treas. Reg. 1.401(a)(4)-2(c)); over the eligible who
  got employer money.
- 415(c) (IRC 415(c)(1)): deferrals (without catch-up) + match + core at most the lesser of the year's
  dollar limit and 100 % of the year's compensation."""

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from planalign.domain.irs_limits import YearLimits
from planalign.domain.ndt_parameters import (
    ALTERNATIVE_MULTIPLE,
    ALTERNATIVE_POINTS,
    BASIC_MULTIPLE,
    DEFAULT_WARNING_THRESHOLD,
    RATIO_PERCENTAGE,
)

# What one tested year reads from the snapshot, and from the look-back year.
COLUMNS = (
    "employee_id",
    "eligible",
    "enrolled",
    "pay",
    "prorated_pay",
    "employee_contribution",
    "match",
    "core",
    "tenure",
)
LOOK_BACK_COLUMNS = ("employee_id", "prorated_pay")
# A core by age is reviewed as a whole; a core by service flags when the highly compensated have served
# this many years more on average (the Studio's flags).
SERVICE_GAP_YEARS = 3.0

TestingMethod = Literal["current", "prior"]


@dataclass(frozen=True)
class Year:
    """One tested year: the snapshot's COLUMNS as NumPy, who is highly compensated, and the limits."""

    employee_id: pa.ChunkedArray | pa.Array
    eligible: np.ndarray
    enrolled: np.ndarray
    pay: np.ndarray
    compensation: np.ndarray  # paid in the year (prorated pay), not capped
    deferrals: np.ndarray
    match: np.ndarray
    core: np.ndarray
    tenure: np.ndarray
    look_back_compensation: np.ndarray
    hce: np.ndarray
    limits: YearLimits
    hce_threshold: float

    @cached_property
    def ids(self) -> list[str]:
        """The employee ids as Python strings (for the employee lists only)."""
        return [str(employee_id) for employee_id in self.employee_id.to_pylist()]

    # Kept once computed: an employee list reads them for every employee it lists.
    @cached_property
    def testing_compensation(self) -> np.ndarray:
        """Compensation capped at the year's 401(a)(17) limit."""
        return np.minimum(self.compensation, self.limits.compensation)

    @cached_property
    def tested_deferrals(self) -> np.ndarray:
        """Deferrals up to 402(g), without catch-up (IRC 414(v)(3)(A))."""
        return np.minimum(self.deferrals, self.limits.deferral)


def _column(table: pa.Table, name: str) -> np.ndarray:
    column = table[name]
    return pc.fill_null(column, False if pa.types.is_boolean(column.type) else 0).to_numpy(
        zero_copy_only=False
    )


def tested_year(
    table: pa.Table, look_back: pa.Table | None, limits: YearLimits, hce_threshold: float
) -> Year:
    """A year of the snapshot (COLUMNS) with the look-back year's (LOOK_BACK_COLUMNS; None when the run
    has no year before: the tested year's pay rate stands in for it)."""
    ids = table["employee_id"]
    if look_back is None:
        earlier = _column(table, "pay")
    else:
        at = pc.index_in(ids, value_set=look_back["employee_id"])
        earlier = pc.fill_null(pc.take(look_back["prorated_pay"], at), 0.0).to_numpy(zero_copy_only=False)
    return Year(
        employee_id=ids,
        eligible=_column(table, "eligible").astype(bool),
        enrolled=_column(table, "enrolled").astype(bool),
        pay=_column(table, "pay"),
        compensation=_column(table, "prorated_pay"),
        deferrals=_column(table, "employee_contribution"),
        match=_column(table, "match"),
        core=_column(table, "core"),
        tenure=_column(table, "tenure").astype(np.float64),
        look_back_compensation=earlier,
        hce=earlier > hce_threshold,
        limits=limits,
        hce_threshold=hce_threshold,
    )


@dataclass(frozen=True)
class AverageTest:
    """The ADP or ACP comparison of the two groups' average ratios."""

    hce_average: float
    nhce_average: float
    basic_threshold: float
    alternative_threshold: float
    applied_test: Literal["basic", "alternative"]
    applied_threshold: float
    passed: bool

    @property
    def margin(self) -> float:
        return self.applied_threshold - self.hce_average


def average_test(hce_ratios: np.ndarray, nhce_average: float) -> AverageTest:
    """IRC 401(k)(3)(A)(ii) / 401(m)(2)(A): the HCE average against the greater of the two limits."""
    basic = nhce_average * BASIC_MULTIPLE
    alternative = min(nhce_average * ALTERNATIVE_MULTIPLE, nhce_average + ALTERNATIVE_POINTS)
    applied = max(basic, alternative)
    hce_average = float(hce_ratios.mean())
    return AverageTest(
        hce_average=hce_average,
        nhce_average=nhce_average,
        basic_threshold=basic,
        alternative_threshold=alternative,
        applied_test="basic" if basic >= alternative else "alternative",
        applied_threshold=applied,
        # A hair of float noise must not fail a test that passes on paper.
        passed=hce_average <= applied + 1e-12,
    )


def levelled_excess(ratios: np.ndarray, compensation: np.ndarray, limit: float) -> float:
    """Treas. Reg. 1.401(k)-2(b)(2)(ii): lower the highest ratios to one level until their average is
    `limit`; the money taken away (ratio reductions x compensation), to the cent."""
    if len(ratios) == 0 or ratios.mean() <= limit:
        return 0.0
    order = np.argsort(-ratios, kind="stable")
    ranked = ratios[order]
    target = limit * len(ranked)
    level = 0.0
    for top in range(1, len(ranked) + 1):
        rest = ranked[top:].sum()
        level = (target - rest) / top
        if top == len(ranked) or level >= ranked[top]:
            break
    reduction = np.maximum(ratios - level, 0.0)
    return round(float((reduction * compensation).sum()), 2)


def _counted(year: Year) -> tuple[np.ndarray, int]:
    """The eligible rows with testing compensation, and how many eligible rows have none."""
    eligible = year.eligible
    paid = eligible & (year.testing_compensation > 0)
    return paid, int(eligible.sum() - paid.sum())


@dataclass(frozen=True)
class _Tested:
    """The rows a test counts (a mask over the year), each one's ratio, and who is highly compensated."""

    year: Year
    rows: np.ndarray
    ratios: np.ndarray

    @cached_property
    def indexes(self) -> np.ndarray:
        return np.flatnonzero(self.rows)

    @cached_property
    def hce(self) -> np.ndarray:
        return self.year.hce[self.rows]

    def counts(self) -> dict[str, Any]:
        return {
            "hce_count": int(self.hce.sum()),
            "nhce_count": int((~self.hce).sum()),
            "hce_threshold_used": int(self.year.hce_threshold),
        }

    def nhce_average(self) -> float:
        return float(self.ratios[~self.hce].mean()) if (~self.hce).any() else 0.0

    def listed(self, detail: Callable[[int, int], dict[str, Any]]) -> list[dict[str, Any]]:
        """detail(row of the year, position among the counted) of each counted employee: highly
        compensated first, then the highest ratio, then id."""
        ids = self.year.ids
        order = sorted(
            range(len(self.indexes)),
            key=lambda i: (not self.hce[i], -self.ratios[i], ids[self.indexes[i]]),
        )
        return [detail(int(self.indexes[i]), i) for i in order]


def _tested(year: Year, amounts: np.ndarray, rows: np.ndarray) -> _Tested:
    return _Tested(year, rows, amounts[rows] / year.testing_compensation[rows])


def _compared(
    tested: _Tested, base: dict[str, Any], suffix: str, baseline: float | None = None
) -> tuple[dict[str, Any], AverageTest | None]:
    """The ADP or ACP answer's fields and the comparison (None when a group is empty: no others is an
    error, no highly compensated a pass)."""
    nhce_average = tested.nhce_average()
    if base["nhce_count"] == 0:
        return {**base, "test_result": "error", "test_message": "Insufficient NHCE population"}, None
    if base["hce_count"] == 0:
        message = "No HCE employees in population"
        return {
            **base,
            "test_result": "pass",
            "test_message": message,
            f"nhce_average_{suffix}": nhce_average,
        }, None
    test = average_test(tested.ratios[tested.hce], nhce_average if baseline is None else baseline)
    return {
        **base,
        f"hce_average_{suffix}": test.hce_average,
        f"nhce_average_{suffix}": nhce_average,
        "basic_test_threshold": test.basic_threshold,
        "alternative_test_threshold": test.alternative_threshold,
        "applied_test": test.applied_test,
        "applied_threshold": test.applied_threshold,
        "margin": test.margin,
        "test_result": "pass" if test.passed else "fail",
    }, test


def nhce_adp(year: Year) -> float | None:
    """The non-highly compensated's average deferral ratio of a year (None when there are none)."""
    rows, _ = _counted(year)
    tested = _tested(year, year.tested_deferrals, rows)
    return tested.nhce_average() if (~tested.hce).any() else None


def adp_test(
    year: Year,
    *,
    safe_harbor: bool = False,
    prior_nhce_average: float | None = None,
    include_employees: bool = False,
) -> dict[str, Any]:
    """The Studio's ADPScenarioResult fields (ids, year and testing method are the caller's). With
    `prior_nhce_average` the limits come from it (the prior-year method)."""
    if safe_harbor:
        return {
            "test_result": "exempt",
            "test_message": "Safe harbor plan — ADP test not required (IRC 401(k)(12)/(13))",
            "safe_harbor": True,
        }
    rows, excluded = _counted(year)
    tested = _tested(year, year.tested_deferrals, rows)
    base: dict[str, Any] = {**tested.counts(), "excluded_count": excluded}
    if include_employees:
        base["employees"] = tested.listed(
            lambda row, i: {
                "employee_id": year.ids[row],
                "is_hce": bool(tested.hce[i]),
                "employee_deferrals": float(year.tested_deferrals[row]),
                "plan_compensation": float(year.testing_compensation[row]),
                "individual_adp": float(tested.ratios[i]),
                "prior_year_compensation": float(year.look_back_compensation[row]),
            }
        )
    fields, test = _compared(tested, base, "adp", prior_nhce_average)
    if test is None:
        return fields
    compensation = year.testing_compensation[rows][tested.hce]
    excess = (
        None
        if test.passed
        else levelled_excess(tested.ratios[tested.hce], compensation, test.applied_threshold)
    )
    return {**fields, "excess_hce_amount": excess}


def acp_test(year: Year, *, include_employees: bool = False) -> dict[str, Any]:
    """The Studio's ACPScenarioResult fields (ids and year are the caller's): matching contributions (the
    engine has no after-tax money) over testing compensation, every eligible employee counted."""
    rows, excluded = _counted(year)
    tested = _tested(year, year.match, rows)
    base: dict[str, Any] = {
        **tested.counts(),
        "excluded_count": excluded,
        "eligible_not_enrolled_count": int((~year.enrolled[rows]).sum()),
    }
    if include_employees:
        base["employees"] = tested.listed(
            lambda row, i: {
                "employee_id": year.ids[row],
                "is_hce": bool(tested.hce[i]),
                "is_enrolled": bool(year.enrolled[row]),
                "employer_match_amount": float(year.match[row]),
                "eligible_compensation": float(year.testing_compensation[row]),
                "individual_acp": float(tested.ratios[i]),
                "prior_year_compensation": float(year.look_back_compensation[row]),
            }
        )
    return _compared(tested, base, "acp")[0]


def _service_risk(core_basis: str, hce_tenure: np.ndarray, nhce_tenure: np.ndarray) -> dict[str, Any]:
    if core_basis == "age":
        return {
            "service_risk_flag": True,
            "service_risk_detail": "Age-banded employer core contributions require further "
            "nondiscrimination review.",
        }
    if core_basis == "service" and len(hce_tenure) and len(nhce_tenure):
        hce_average, nhce_average = float(hce_tenure.mean()), float(nhce_tenure.mean())
        if hce_average - nhce_average > SERVICE_GAP_YEARS:
            return {
                "service_risk_flag": True,
                "service_risk_detail": f"HCE avg tenure: {hce_average:.1f} yrs, NHCE avg tenure: "
                f"{nhce_average:.1f} yrs",
            }
    return {"service_risk_flag": False}


def general_test(
    year: Year, *, include_match: bool = False, core_basis: str = "flat", include_employees: bool = False
) -> dict[str, Any]:
    """The Studio's Section401a4ScenarioResult fields (ids and year are the caller's) over the eligible
    who got employer money, rates of core (+ match with include_match) over testing compensation.
    `core_basis` is the run's core formula (flat, service, points, age) for the service-risk flag."""
    given = year.eligible & (year.core + year.match > 0)
    rows = given & (year.testing_compensation > 0)
    amounts = year.core + year.match if include_match else year.core
    tested = _tested(year, amounts, rows)
    rates, hce = tested.ratios, tested.hce
    base: dict[str, Any] = {
        **tested.counts(),
        "excluded_count": int(given.sum() - rows.sum()),
        "include_match": include_match,
        **_service_risk(core_basis, year.tenure[rows][hce], year.tenure[rows][~hce]),
    }
    if include_employees:
        base["employees"] = tested.listed(
            lambda row, i: {
                "employee_id": year.ids[row],
                "is_hce": bool(hce[i]),
                "employer_nec_amount": float(year.core[row]),
                "employer_match_amount": float(year.match[row]) if include_match else 0.0,
                "total_employer_amount": float(amounts[row]),
                "plan_compensation": float(year.testing_compensation[row]),
                "contribution_rate": float(rates[i]),
                "years_of_service": float(year.tenure[row]),
            }
        )
    if not rows.any():
        return {
            **base,
            "test_result": "error",
            "test_message": "No eligible employees found for 401(a)(4) test",
        }
    if not (~hce).any() or not hce.any():
        group = "NHCE" if not (~hce).any() else "HCE"
        return {
            **base,
            "test_result": "pass",
            "test_message": f"No {group} employees in population — auto-pass",
        }
    if not np.any(np.abs(rates) > 1e-9):
        return {
            **base,
            "test_result": "pass",
            "test_message": "No employer contributions — test not applicable",
        }
    hce_average, nhce_average = float(rates[hce].mean()), float(rates[~hce].mean())
    hce_median, nhce_median = statistics.median(rates[hce].tolist()), statistics.median(rates[~hce].tolist())
    ratio = nhce_average / hce_average if hce_average > 0 else 1.0
    if ratio >= RATIO_PERCENTAGE:
        applied, margin, passed = "ratio", ratio - RATIO_PERCENTAGE, True
    else:
        median_ratio = nhce_median / hce_median if hce_median > 0 else 1.0
        applied, margin, passed = "general", median_ratio - RATIO_PERCENTAGE, median_ratio >= RATIO_PERCENTAGE
    return {
        **base,
        "test_result": "pass" if passed else "fail",
        "applied_test": applied,
        "hce_average_rate": hce_average,
        "nhce_average_rate": nhce_average,
        "hce_median_rate": hce_median,
        "nhce_median_rate": nhce_median,
        "ratio": ratio,
        "ratio_test_threshold": RATIO_PERCENTAGE,
        "margin": margin,
    }


def annual_additions_test(
    year: Year, *, warning_threshold: float = DEFAULT_WARNING_THRESHOLD, include_employees: bool = False
) -> dict[str, Any]:
    """The Studio's Section415ScenarioResult fields (ids and year are the caller's): each eligible
    employee paid in the year, a breach above the limit (compared to the cent), at risk from
    `warning_threshold` of it."""
    paid = year.eligible & (year.compensation > 0)
    indexes = np.flatnonzero(paid)
    deferrals = year.tested_deferrals[indexes]
    additions_cents = np.round((deferrals + year.match[indexes] + year.core[indexes]) * 100).astype(np.int64)
    limit_cents = np.round(np.minimum(year.limits.annual_additions, year.compensation[indexes]) * 100).astype(
        np.int64
    )
    utilization = np.divide(
        additions_cents, limit_cents, out=np.zeros(len(indexes)), where=limit_cents > 0
    ).astype(np.float64)
    breach = additions_cents > limit_cents
    at_risk = ~breach & (utilization >= warning_threshold)
    result: dict[str, Any] = {
        "test_result": "fail" if breach.any() else "pass",
        "total_participants": len(indexes),
        "excluded_count": int(year.eligible.sum()) - len(indexes),
        "breach_count": int(breach.sum()),
        "at_risk_count": int(at_risk.sum()),
        "passing_count": int((~breach & ~at_risk).sum()),
        "max_utilization_pct": float(utilization.max()) if len(indexes) else 0.0,
        "warning_threshold_pct": warning_threshold,
        "annual_additions_limit": round(year.limits.annual_additions),
    }
    if include_employees:
        statuses = np.select([breach, at_risk], ["breach", "at_risk"], "pass")
        result["employees"] = [
            {
                "employee_id": year.ids[row],
                "status": str(statuses[i]),
                "employee_deferrals": float(deferrals[i]),
                "employer_match": float(year.match[row]),
                "employer_nec": float(year.core[row]),
                "total_annual_additions": int(additions_cents[i]) / 100,
                "gross_compensation": float(year.compensation[row]),
                "applicable_limit": int(limit_cents[i]) / 100,
                "headroom": int(limit_cents[i] - additions_cents[i]) / 100,
                "utilization_pct": float(utilization[i]),
            }
            for i, row in sorted(
                enumerate(indexes), key=lambda pair: (-utilization[pair[0]], year.ids[pair[1]])
            )
        ]
    return result
