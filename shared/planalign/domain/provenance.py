"""A run's provenance report (the Studio's Run Provenance page and its audit download): what ran, on
which census and configuration, with which software, what each year produced and whether it
reconciles, which evidence is missing, and a SHA-256 digest of the report a reviewer signs. The
report's shape and its verification rules are the reference backend's (report schema 1.0); the
evidence is ours: the run's item and history, its manifest (run.json), the simulation's summary, its
quality checks and the census dataset.

Our engine reads no seed files: every parameter it uses is in the effective configuration, so
`seed_files` is empty and is not missing evidence."""

import hashlib
import io
import json
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SCHEMA_VERSION = "1.0"
CANONICALIZATION = "planalign-provenance-json-v1"
FINGERPRINT_METHOD = "sha256 of the effective configuration as JSON, keys sorted, no whitespace"
# The event types the report schema knows (the Studio's names, upper-cased).
KNOWN_EVENT_TYPES = frozenset(
    {
        "HIRE",
        "TERMINATION",
        "PROMOTION",
        "RAISE",
        "ELIGIBILITY",
        "ENROLLMENT",
        "ENROLLMENT_CHANGE",
        "DEFERRAL_ESCALATION",
        "DEFERRAL_MATCH_RESPONSE",
    }
)
# Stages in the order a run passes them, as the report names them.
STAGES = ("IMPORT", "SIMULATION", "PIPELINE", "EXPORTS")


@dataclass(frozen=True)
class RunEvidence:
    """What a run left behind. `summary` is the simulation's (seed, metrics, event_counts by year and
    type, start_headcount), `quality` the Results' checks, `manifest` its run.json; each is None when
    the run did not get that far."""

    run: Mapping[str, Any]  # the run item, with duration_seconds
    plan_design_id: str
    config: Mapping[str, Any]
    history: Sequence[Mapping[str, Any]]
    event_types: Sequence[str]  # the summary's event_counts columns, as the Studio names them
    summary: Mapping[str, Any] | None
    quality: Mapping[str, Any] | None
    manifest: Mapping[str, Any] | None
    dataset: Mapping[str, Any] | None


def config_fingerprint(config: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _finding(path: str, code: str, reason: str, required: bool = True) -> dict[str, Any]:
    return {"field_path": path, "code": code, "reason": reason, "required": required}


def utc_timestamp(value: str | None) -> str | None:
    """A time stamp as the canonical form writes it: UTC, microseconds, Z (2026-12-01T02:05:35.798000Z)."""
    if not value:
        return None
    moment = datetime.fromisoformat(value).astimezone(UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _seconds(value: Any) -> float | None:
    """A duration as a number with a fraction, whatever the store made of it (it keeps 1.000 as 1)."""
    return None if value is None else float(value)


def _stage_completions(history: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A row per stage the history shows started (with its end and outcome) and one per simulated year."""
    rows: list[dict[str, Any]] = []
    started: dict[str, Mapping[str, Any]] = {}
    year_began: str | None = None
    for event in history:
        stage, kind = str(event.get("stage") or "").upper(), event.get("kind")
        if kind == "stage_started":
            started[stage] = event
            year_began = event["timestamp"] if stage == "SIMULATION" else year_began
        elif kind == "year_completed":
            detail = event.get("detail") or {}
            rows.append(
                {
                    "simulation_year": event.get("year"),
                    "stage": "SIMULATION",
                    "started_at": utc_timestamp(year_began),
                    "completed_at": utc_timestamp(event["timestamp"]),
                    "duration_seconds": _seconds(detail.get("duration_seconds")),
                    "outcome": "completed",
                }
            )
            year_began = event["timestamp"]
        elif kind == "stage_completed" and stage in started:
            began = started.pop(stage)
            rows.append(_stage_row(stage, began, event, "completed"))
    rows += [_stage_row(stage, began, None, "not completed") for stage, began in started.items()]
    return rows


def _stage_row(
    stage: str, began: Mapping[str, Any], ended: Mapping[str, Any] | None, outcome: str
) -> dict[str, Any]:
    duration = None
    if ended is not None:
        duration = round(
            float(ended.get("elapsed_seconds") or 0) - float(began.get("elapsed_seconds") or 0), 3
        )
    return {
        "simulation_year": None,
        "stage": stage,
        "started_at": utc_timestamp(began["timestamp"]),
        "completed_at": None if ended is None else utc_timestamp(ended["timestamp"]),
        "duration_seconds": duration,
        "outcome": outcome,
    }


def _event_counts(evidence: RunEvidence, years: Sequence[int]) -> list[dict[str, Any]]:
    if evidence.summary is None:
        return []
    counts: dict[tuple[int, str], int] = {}
    for year, row in zip(years, evidence.summary["event_counts"], strict=False):
        # A run stored before an event type existed has fewer columns: they are its first ones.
        for event_type, count in zip(evidence.event_types, row, strict=False):
            counts[(year, event_type)] = counts.get((year, event_type), 0) + int(count)
    return [
        {"simulation_year": year, "event_type": event_type, "count": count}
        for (year, event_type), count in sorted(counts.items())
        if count
    ]


def _reconciliations(summary: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Each year's workforce equation: opening (the census's actives on Jan 1 of the first year, then
    the previous year's close) + hires - terminations = the year-end active headcount."""
    if summary is None:
        return []
    rows = []
    opening = summary.get("start_headcount")
    source = "baseline"
    for metrics in summary["metrics"]:
        terminations = metrics["experienced_terminations"] + metrics["new_hire_terminations"]
        expected = None if opening is None else opening + metrics["hires"] - terminations
        actual = metrics["headcount"]
        rows.append(
            {
                "simulation_year": metrics["simulation_year"],
                "opening_workforce": opening,
                "hires": metrics["hires"],
                "terminations": terminations,
                "expected_closing_workforce": expected,
                "actual_closing_workforce": actual,
                "variance": None if expected is None else actual - expected,
                "opening_source": source if opening is not None else None,
            }
        )
        opening, source = actual, "prior_year_snapshot"
    return rows


def _validations(quality: Mapping[str, Any] | None, years: Sequence[int]) -> list[dict[str, Any]]:
    """Each quality check, year by year, with its failing rows of the year. A run stored before the
    checks counted by year says only whether a check passed: each year shows that, without a count
    (which the findings then name)."""
    rows = []
    for check in (quality or {}).get("checks", []):
        failed = check.get("failed_by_year")
        for year in years:
            affected = None if failed is None else int(failed.get(str(year), 0))
            rows.append(
                {
                    "simulation_year": year,
                    "check_name": check["name"],
                    "severity": "error",
                    "passed": check["passed"] if affected is None else affected == 0,
                    "affected_record_count": affected,
                }
            )
    return rows


def _validation_disposition(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "unavailable"
    return "passed" if all(row["passed"] for row in rows) else "failed"


def _census(dataset: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if dataset is None or not dataset.get("sha256"):
        return None
    filename = str(dataset.get("filename") or "")
    return {
        "logical_name": filename or dataset["id"],
        "sha256": dataset["sha256"],
        "size_bytes": dataset.get("size_bytes"),
        "record_count": dataset.get("rows_accepted"),
        "format": filename.rsplit(".", 1)[-1].lower() if "." in filename else None,
    }


def build_report(evidence: RunEvidence) -> dict[str, Any]:
    """The Studio's ProvenanceReport: evidence, missing evidence, the verification disposition, the
    digest of those four (canonical JSON, SHA-256) and an empty reviewer sign-off bound to it."""
    run, config, manifest = evidence.run, evidence.config, evidence.manifest or {}
    simulation = config.get("simulation") or {}
    start, end = simulation.get("start_year"), simulation.get("end_year")
    completed_years = sorted(
        {int(event["year"]) for event in evidence.history if event.get("kind") == "year_completed"}
    )
    if evidence.summary is not None:
        completed_years = [int(row["simulation_year"]) for row in evidence.summary["metrics"]]
    stage_rows = _stage_completions(evidence.history)
    software = manifest.get("versions") or {}
    validations = _validations(evidence.quality, completed_years)
    report_evidence = {
        "run": {
            "run_id": run["id"],
            "workspace_id": run.get("workspace_id"),
            "scenario_id": run.get("scenario_id"),
            "plan_design_id": evidence.plan_design_id,
            "status": run["status"],
            "intended_start_year": start,
            "intended_end_year": end,
            "completed_years": completed_years,
        },
        "timing": {
            "started_at": utc_timestamp(run.get("started_at")),
            "completed_at": utc_timestamp(run.get("completed_at")),
            "duration_seconds": _seconds(run.get("duration_seconds")),
            "terminal_stage": str(run.get("current_stage") or "").upper() or None,
            "stage_completions": stage_rows,
        },
        "software": {
            "planalign_version": software.get("planalign"),
            "git_commit_sha": software.get("source_commit"),
            "working_tree_state": software.get("source_state") or "unavailable",
            "working_tree_fingerprint": software.get("source_fingerprint"),
        },
        "configuration": {
            "effective": dict(config),
            "fingerprint": config_fingerprint(config),
            "fingerprint_method": FINGERPRINT_METHOD,
            "redactions": [],
        },
        "random_seed": None if evidence.summary is None else evidence.summary.get("seed"),
        "census_input": _census(evidence.dataset),
        "seed_files": [],
        "event_counts": _event_counts(evidence, completed_years),
        "workforce_reconciliations": _reconciliations(evidence.summary),
        "validation_results": validations,
        "validation_disposition": _validation_disposition(validations),
    }
    report_evidence = in_canonical_order(report_evidence)
    findings = _findings(report_evidence)
    report = {
        "report_schema_version": SCHEMA_VERSION,
        "evidence": report_evidence,
        "missing_evidence": findings,
        "verification_disposition": _disposition(report_evidence, findings),
    }
    digest = hashlib.sha256(canonical_json(report)).hexdigest()
    return {
        **report,
        "digest": {"algorithm": "SHA-256", "canonicalization": CANONICALIZATION, "value": digest},
        "sign_off": {
            "report_digest": digest,
            "reviewer_name": None,
            "decision": None,
            "timestamp": None,
            "comments": None,
        },
    }


# Evidence a report must hold to be verified, by its path in the report.
_REQUIRED = (
    ("evidence.run.scenario_id", ("run", "scenario_id")),
    ("evidence.run.plan_design_id", ("run", "plan_design_id")),
    ("evidence.timing.started_at", ("timing", "started_at")),
    ("evidence.software.planalign_version", ("software", "planalign_version")),
    ("evidence.software.git_commit_sha", ("software", "git_commit_sha")),
    ("evidence.configuration.effective", ("configuration", "effective")),
    ("evidence.configuration.fingerprint", ("configuration", "fingerprint")),
    ("evidence.random_seed", ("random_seed",)),
    ("evidence.census_input", ("census_input",)),
    ("evidence.validation_results", ("validation_results",)),
)
_RECONCILED = (
    "opening_workforce",
    "hires",
    "terminations",
    "expected_closing_workforce",
    "actual_closing_workforce",
    "variance",
    "opening_source",
)


def _at(evidence: Mapping[str, Any], path: Sequence[str]) -> Any:
    value: Any = evidence
    for part in path:
        value = value[part]
    return value


def _findings(evidence: Mapping[str, Any]) -> list[dict[str, Any]]:
    findings = [
        _finding(path, "unavailable", "required execution-time evidence is unavailable")
        for path, location in _REQUIRED
        if _at(evidence, location) in (None, [])
    ]
    if evidence["software"]["working_tree_state"] == "unavailable":
        findings.append(
            _finding(
                "evidence.software.working_tree_state",
                "unavailable",
                "execution-time source state is unavailable",
            )
        )
    run = evidence["run"]
    completed = set(run["completed_years"])
    if run["intended_start_year"] is not None and run["intended_end_year"] is not None:
        for year in sorted(set(range(run["intended_start_year"], run["intended_end_year"] + 1)) - completed):
            findings.append(
                _finding(
                    f"evidence.run.completed_years[{year}]",
                    "incomplete_capture",
                    "simulation year was not captured as completed",
                )
            )
    by_year = {row["simulation_year"]: row for row in evidence["workforce_reconciliations"]}
    for year in sorted(completed):
        if not any(row["simulation_year"] == year for row in evidence["event_counts"]):
            findings.append(
                _finding(
                    f"evidence.event_counts[{year}]",
                    "unavailable",
                    "completed-year event counts are unavailable",
                )
            )
        reconciliation = by_year.get(year)
        if reconciliation is None:
            findings.append(
                _finding(
                    f"evidence.workforce_reconciliations[{year}]",
                    "unavailable",
                    "completed-year workforce reconciliation is unavailable",
                )
            )
        else:
            findings += [
                _finding(
                    f"evidence.workforce_reconciliations[{year}].{field}",
                    "unavailable",
                    "reconciliation component is unavailable",
                )
                for field in _RECONCILED
                if reconciliation[field] is None
            ]
        if not any(row["simulation_year"] == year for row in evidence["validation_results"]):
            findings.append(
                _finding(
                    f"evidence.validation_results[{year}]",
                    "unavailable",
                    "completed-year validation results are unavailable",
                )
            )
    for row in evidence["validation_results"]:
        if row["affected_record_count"] is None:
            findings.append(
                _finding(
                    f"evidence.validation_results[{row['simulation_year']}].affected_record_count",
                    "unavailable",
                    "affected-record count was not captured",
                )
            )
    for row in evidence["event_counts"]:
        if row["event_type"] not in KNOWN_EVENT_TYPES:
            findings.append(
                _finding(
                    f"evidence.event_counts[{row['simulation_year']}].event_type",
                    "unavailable",
                    "event type is preserved but not supported by this report schema",
                )
            )
    unique = {(finding["field_path"], finding["code"]): finding for finding in findings}
    return sorted(unique.values(), key=lambda f: (f["field_path"], f["code"], f["reason"]))


def _disposition(evidence: Mapping[str, Any], findings: Sequence[Mapping[str, Any]]) -> str:
    """unverifiable: required evidence is missing or contradicts itself; incomplete: the run did not
    complete, its checks failed or something optional is missing; else fully_verified."""
    if any(finding["required"] and finding["code"] != "incomplete_capture" for finding in findings):
        return "unverifiable"
    if evidence["run"]["status"] != "completed" or findings or evidence["validation_disposition"] != "passed":
        return "incomplete"
    return "fully_verified"


# The reference's stage order for the canonical sort (its pipeline's stages; ours, IMPORT to EXPORTS,
# are not among them, so they sort by completion time, as the scheme orders stages it does not know).
_CANONICAL_STAGE_ORDER = {
    stage: index
    for index, stage in enumerate(
        ("INITIALIZATION", "FOUNDATION", "EVENT_GENERATION", "STATE_ACCUMULATION", "VALIDATION", "REPORTING")
    )
}


def in_canonical_order(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """The evidence with its lists in the order planalign-provenance-json-v1 sorts them, so that the
    report served is the report hashed."""
    ordered = {
        **evidence,
        "run": {**evidence["run"], "completed_years": sorted(evidence["run"]["completed_years"])},
    }
    ordered["seed_files"] = sorted(evidence["seed_files"], key=lambda x: x["logical_name"])
    ordered["event_counts"] = sorted(
        evidence["event_counts"], key=lambda x: (x["simulation_year"], x["event_type"])
    )
    ordered["workforce_reconciliations"] = sorted(
        evidence["workforce_reconciliations"], key=lambda x: x["simulation_year"]
    )
    ordered["validation_results"] = sorted(
        evidence["validation_results"],
        key=lambda x: (x["simulation_year"], x["check_name"], x["severity"], x["passed"]),
    )
    ordered["timing"] = {
        **evidence["timing"],
        "stage_completions": sorted(
            evidence["timing"]["stage_completions"],
            key=lambda x: (
                x["simulation_year"] or -1,
                _CANONICAL_STAGE_ORDER.get(x["stage"], 999),
                x["completed_at"] or "",
            ),
        ),
    }
    return ordered


def canonical_json(report: Mapping[str, Any]) -> bytes:
    """The bytes the digest covers (planalign-provenance-json-v1): report_schema_version, evidence
    (its lists in canonical order) missing_evidence (by path, code, reason) and
    verification_disposition as JSON with sorted keys, no whitespace, UTF-8, strings in NFC; time
    stamps are UTC with microseconds and Z as the report writes them."""
    covered = {
        "report_schema_version": report["report_schema_version"],
        "evidence": in_canonical_order(report["evidence"]),
        "missing_evidence": sorted(
            report["missing_evidence"], key=lambda f: (f["field_path"], f["code"], f["reason"])
        ),
        "verification_disposition": report["verification_disposition"],
    }
    return json.dumps(
        _nfc(covered), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def _nfc(value: Any) -> Any:
    if isinstance(value, dict):
        return {unicodedata.normalize("NFC", str(key)): _nfc(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nfc(item) for item in value]
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


def _table(rows: Sequence[Sequence[Any]], width: int) -> str:
    if not rows:
        return "| " + " | ".join("—" for _ in range(width)) + " |"
    return "\n".join("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)


def render_markdown(report: Mapping[str, Any]) -> str:
    """The audit sheet: the report for a reviewer to read, check against its digest and sign."""
    e = report["evidence"]
    run, timing, software, configuration = e["run"], e["timing"], e["software"], e["configuration"]
    census = e["census_input"] or {}
    missing = (
        "\n".join(f"- `{f['field_path']}` — {f['code']}: {f['reason']}" for f in report["missing_evidence"])
        or "None"
    )
    stages = _table(
        [
            (
                s["simulation_year"],
                s["stage"],
                s["started_at"],
                s["completed_at"],
                s["duration_seconds"],
                s["outcome"],
            )
            for s in timing["stage_completions"]
        ],
        6,
    )
    events = _table([(c["simulation_year"], c["event_type"], c["count"]) for c in e["event_counts"]], 3)
    reconciliations = _table(
        [tuple(r[f] for f in ("simulation_year", *_RECONCILED)) for r in e["workforce_reconciliations"]], 8
    )
    validations = _table(
        [
            (
                v["simulation_year"],
                v["check_name"],
                v["severity"],
                "PASS" if v["passed"] else "FAIL",
                v["affected_record_count"],
            )
            for v in e["validation_results"]
        ],
        5,
    )
    digest = report["digest"]["value"]
    return f"""# PlanAlign Run Provenance Audit Sheet

**Run ID:** `{run["run_id"]}`
**Archived status:** {run["status"]}
**Verification disposition:** **{report["verification_disposition"].replace("_", " ").title()}**

## Missing/Unavailable Evidence

{missing}

## Run Identity and Execution Timing

- Workspace: {run["workspace_id"]}
- Scenario design: {run["scenario_id"]}
- Plan design: {run["plan_design_id"]}
- Simulation years: {run["intended_start_year"]} to {run["intended_end_year"]}
- Completed years: {", ".join(map(str, run["completed_years"])) or "None"}
- Started: {timing["started_at"]}
- Completed: {timing["completed_at"]}
- Duration seconds: {timing["duration_seconds"]}
- Terminal stage: {timing["terminal_stage"]}

| Year | Stage | Started | Completed | Seconds | Outcome |
|---:|---|---|---|---:|---|
{stages}

## Software and Source State

- PlanAlign version: {software["planalign_version"]}
- Git commit SHA: {software["git_commit_sha"]}
- Working tree: {software["working_tree_state"]}
- Working-tree fingerprint: {software["working_tree_fingerprint"]}

## Effective Configuration and Fingerprint

- Fingerprint: `{configuration["fingerprint"]}`
- Method: {configuration["fingerprint_method"]}
- Redactions: {", ".join(configuration["redactions"]) or "None"}
- Random seed: {e["random_seed"]}

```json
{json.dumps(configuration["effective"], sort_keys=True, ensure_ascii=False, indent=2)}
```

## Census Input

- Census: {census.get("logical_name")}
- Census SHA-256: `{census.get("sha256")}`
- Census records: {census.get("record_count")}
- Census size bytes: {census.get("size_bytes")}
- Census format: {census.get("format")}
- Seed files: none (the engine reads every parameter from the configuration above)

## Event Counts by Simulation Year and Event Type

| Year | Event type | Count |
|---:|---|---:|
{events}

## Annual Workforce Reconciliation

| Year | Opening | Hires | Terminations | Expected close | Actual close | Variance | Opening source |
|---:|---:|---:|---:|---:|---:|---:|---|
{reconciliations}

## Captured Validation Results

Overall disposition: **{e["validation_disposition"]}**

| Year | Check | Severity | Outcome | Affected records |
|---:|---|---|---|---:|
{validations}

## Integrity Verification

- Algorithm: SHA-256
- Canonicalization: `{CANONICALIZATION}`
- Report digest: `{digest}`

Remove `digest` and `sign_off`, canonicalize the four covered report fields with `{CANONICALIZATION}`
(lists sorted as the report lists them, JSON with sorted keys, no whitespace, UTF-8), and compare their
SHA-256 with the value above.

## Reviewer Sign-Off

Report digest approved: {digest}
Reviewer name: ______________________________
Decision:      ______________________________
Timestamp:     ______________________________
Comments:      ______________________________
               ______________________________
"""


def render_zip(run_id: str, report: Mapping[str, Any], audit_sheet: str) -> bytes:
    """The report as JSON and its audit sheet in one zip, byte-identical for the same report."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            (f"{run_id}-provenance.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n"),
            (f"{run_id}-provenance.md", audit_sheet),
        ):
            entry = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            archive.writestr(entry, text.encode())
    return buffer.getvalue()
