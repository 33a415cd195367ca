"""The Studio's employee search and timeline (its `timeline_service.py`) over a run's tables.

Search is one year of the snapshot (the final year unless asked): the id as a case-insensitive SQL
LIKE prefix, employment status, level, enrollment and escalations as filters, ordered by id, a page at
a time. A timeline is an employee's events and year-end states, years a page at a time; besides the
yearly events, each year the employee received a match has an `employer_match` event on Dec 31 (the
reference's match events), after the year's other events."""

import json
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

SEARCH_COLUMNS = ("employee_id", "employment_status", "level", "pay", "enrolled", "deferral_escalations")
STATE_COLUMNS = (
    "employee_id",
    "simulation_year",
    "status",
    "employment_status",
    "pay",
    "prorated_pay",
    "level",
    "age",
    "tenure",
    "eligible",
    "enrolled",
    "enrollment_date",
    "deferral_rate",
    "deferral_escalations",
    "employee_contribution",
    "match",
    "core",
    "irs_limit_reached",
    "hire_date",
)
EVENT_COLUMNS = (
    "employee_id",
    "simulation_year",
    "event_type",
    "effective_date",
    "old_value",
    "new_value",
    "event_sequence",
)
# A plain search by id shows at most this many employees a page, as the reference.
QUICK_SEARCH_LIMIT = 20
# Which of an event's values are pay and which deferral rates (old_value, new_value); a termination
# carries the pay at leaving as its old value.
PAY_EVENTS = frozenset({"hire", "promotion", "raise"})
LEAVING_EVENTS = frozenset({"termination", "new_hire_termination"})
RATE_EVENTS = frozenset({"enrollment", "opt_out", "deferral_escalation", "deferral_match_response"})
MATCH_EVENT_SEQUENCE = 999


def like_prefix(q: str) -> str:
    """The regular expression of SQL `LIKE q || '%'`: `%` any text, `_` any one character."""
    pattern = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in q)
    return f"^{pattern}"


def search_employees(
    table: pa.Table,
    year: int,
    *,
    q: str | None = None,
    status: str | None = None,
    level: int | None = None,
    enrolled: bool | None = None,
    has_escalations: bool | None = None,
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    """EmployeeSearchResponse over one year of the snapshot (SEARCH_COLUMNS, rows in id order)."""
    masks = []
    if q is not None:
        masks.append(pc.match_substring_regex(table["employee_id"], like_prefix(q.strip()), ignore_case=True))
    if status is not None:
        masks.append(
            pc.equal(pc.utf8_lower(pc.cast(table["employment_status"], pa.string())), status.lower())
        )
    if level is not None:
        masks.append(pc.equal(table["level"], level))
    if enrolled is not None:
        masks.append(pc.equal(table["enrolled"], enrolled))
    if has_escalations is not None:
        masks.append(pc.equal(pc.greater(table["deferral_escalations"], 0), has_escalations))
    rows = table
    if masks:
        selected = masks[0]
        for mask in masks[1:]:
            selected = pc.and_(selected, mask)
        rows = table.filter(selected)
    only_id = q is not None and all(v is None for v in (status, level, enrolled, has_escalations))
    limit = min(page_size, QUICK_SEARCH_LIMIT) if only_id else page_size
    shown = rows.slice((page - 1) * limit, limit)
    return {
        "results": [
            {
                "employee_id": row["employee_id"],
                "employment_status": row["employment_status"],
                "level_id": row["level"],
                "current_compensation": row["pay"],
                "simulation_year": year,
            }
            for row in shown.select(["employee_id", "employment_status", "level", "pay"]).to_pylist()
        ],
        "total": rows.num_rows,
        "page": page,
        "page_size": limit,
    }


def _yearly_event(row: dict[str, Any], level: int | None) -> dict[str, Any]:
    kind, old, new = row["event_type"], row["old_value"], row["new_value"]
    return {
        "event_id": f"{row['employee_id']}-{row['simulation_year']}-{row['event_sequence']}",
        "source": "yearly",
        "event_type": kind,
        "simulation_year": row["simulation_year"],
        "effective_date": row["effective_date"],
        "event_details": None,
        "compensation_amount": new if kind in PAY_EVENTS else old if kind in LEAVING_EVENTS else None,
        "previous_compensation": old if kind in PAY_EVENTS - {"hire"} else None,
        "deferral_rate": new if kind in RATE_EVENTS else None,
        "prev_deferral_rate": old if kind in RATE_EVENTS else None,
        "level_id": level,
        "_sequence": row["event_sequence"],
    }


def _match_event(state: dict[str, Any]) -> dict[str, Any]:
    year = state["simulation_year"]
    details = {
        "event_type": "employer_match",
        "plan_year": year,
        "employer_match_amount": state["match"],
        "deferral_rate": state["deferral_rate"],
    }
    return {
        "event_id": f"{state['employee_id']}-{year}-match",
        "source": "employer_match",
        "event_type": "employer_match",
        "simulation_year": year,
        "effective_date": date(year, 12, 31),
        "event_details": json.dumps(details),
        "compensation_amount": state["match"],
        "previous_compensation": None,
        "deferral_rate": None,
        "prev_deferral_rate": None,
        "level_id": None,
        "_sequence": MATCH_EVENT_SEQUENCE,
    }


def _year_state(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "simulation_year": state["simulation_year"],
        "employment_status": state["employment_status"],
        "detailed_status_code": state["status"],
        "current_compensation": state["pay"],
        "prorated_annual_compensation": state["prorated_pay"],
        "level_id": state["level"],
        "current_age": state["age"],
        "current_tenure": state["tenure"],
        "eligibility_status": "eligible" if state["eligible"] else "pending",
        "is_enrolled": state["enrolled"],
        "enrollment_date": state["enrollment_date"],
        "current_deferral_rate": state["deferral_rate"],
        "participation_status": "participating" if state["deferral_rate"] > 0 else "not_participating",
        "total_deferral_escalations": state["deferral_escalations"],
        "ytd_contributions": state["employee_contribution"],
        # The engine does not split deferrals into pre-tax and Roth.
        "pre_tax_contributions": None,
        "roth_contributions": None,
        "employer_match_amount": state["match"],
        "employer_core_amount": state["core"],
        "total_employer_contributions": round(state["match"] + state["core"], 2),
        "irs_limit_reached": state["irs_limit_reached"],
    }


def employee_timeline(
    workspace_id: str,
    scenario_id: str,
    employee_id: str,
    snapshot: pa.Table,
    events: pa.Table,
    start_year: int | None,
    years: int,
) -> dict[str, Any]:
    """EmployeeTimelineResponse of one employee from all their snapshot rows (STATE_COLUMNS) and events
    (EVENT_COLUMNS): `years` years from `start_year` (default: the first year they appear in)."""
    states = sorted(snapshot.to_pylist(), key=lambda s: s["simulation_year"])
    yearly = events.to_pylist()
    available = sorted({s["simulation_year"] for s in states} | {e["simulation_year"] for e in yearly})
    base = {"workspace_id": workspace_id, "scenario_id": scenario_id, "years_requested": years}
    if not available:
        return {
            **base,
            "employee_id": employee_id,
            "employee": None,
            "available_years": [],
            "years": [],
            "start_year": start_year or 0,
        }
    first = available[0] if start_year is None else start_year
    page = [year for year in available if first <= year < first + years]
    state_of = {s["simulation_year"]: s for s in states}
    level_of = {year: state["level"] for year, state in state_of.items()}
    timeline = [_yearly_event(e, level_of.get(e["simulation_year"])) for e in yearly]
    timeline += [_match_event(s) for s in states if s["match"] > 0]
    timeline.sort(key=lambda e: (e["simulation_year"], e["effective_date"], e["_sequence"], e["event_id"]))
    by_year: dict[int, list[dict[str, Any]]] = {year: [] for year in page}
    for event in timeline:
        if event["simulation_year"] in by_year:
            by_year[event["simulation_year"]].append({k: v for k, v in event.items() if k != "_sequence"})
    canonical = states[-1]["employee_id"] if states else yearly[0]["employee_id"]
    return {
        **base,
        "employee_id": canonical,
        "employee": {
            "employee_id": canonical,
            "employee_ssn": None,
            "employee_birth_date": None,
            "employee_hire_date": states[-1]["hire_date"] if states else None,
        },
        "available_years": available,
        "years": [
            {
                "simulation_year": year,
                "events": by_year[year],
                "state": _year_state(state_of[year]) if year in state_of else None,
            }
            for year in page
        ],
        "start_year": first,
    }


def matching_ids(ids: pa.Array | pa.ChunkedArray, employee_id: str) -> Sequence[str]:
    """The ids equal to `employee_id` ignoring case, in order."""
    same = pc.equal(pc.utf8_upper(ids), employee_id.upper())
    return sorted(set(pc.filter(ids, same).to_pylist()))
