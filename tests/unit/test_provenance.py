"""A run's provenance report from hand-built evidence: the workforce equation, per-year checks, the
findings that make a report incomplete or unverifiable, and a digest that covers what it says."""

import dataclasses
import hashlib
import json
from typing import Any

from planalign.domain import provenance

CHECK = {"name": "no_negative_pay", "passed": True, "detail": "ok", "failed_by_year": {}}


def evidence(**changes: Any) -> provenance.RunEvidence:
    years = [
        {
            "simulation_year": 2025,
            "headcount": 105,
            "hires": 15,
            "experienced_terminations": 8,
            "new_hire_terminations": 2,
        },
        {
            "simulation_year": 2026,
            "headcount": 110,
            "hires": 12,
            "experienced_terminations": 5,
            "new_hire_terminations": 2,
        },
    ]
    history = [
        {
            "timestamp": "2026-12-01T00:00:00.000Z",
            "stage": "import",
            "kind": "stage_started",
            "elapsed_seconds": 0,
        },
        {
            "timestamp": "2026-12-01T00:00:01.000Z",
            "stage": "import",
            "kind": "stage_completed",
            "elapsed_seconds": 1,
        },
        {
            "timestamp": "2026-12-01T00:00:01.100Z",
            "stage": "simulation",
            "kind": "stage_started",
            "elapsed_seconds": 1.1,
        },
        {
            "timestamp": "2026-12-01T00:00:01.500Z",
            "stage": "simulation",
            "kind": "year_completed",
            "year": 2025,
            "detail": {"duration_seconds": 0.4},
        },
        {
            "timestamp": "2026-12-01T00:00:01.900Z",
            "stage": "simulation",
            "kind": "year_completed",
            "year": 2026,
            "detail": {"duration_seconds": 0.4},
        },
        {
            "timestamp": "2026-12-01T00:00:02.000Z",
            "stage": "simulation",
            "kind": "stage_completed",
            "elapsed_seconds": 2,
        },
    ]
    base = provenance.RunEvidence(
        run={
            "id": "run_1",
            "workspace_id": "ws",
            "scenario_id": "sc",
            "status": "completed",
            "started_at": "2026-12-01T00:00:00.000Z",
            "completed_at": "2026-12-01T00:00:03.000Z",
            "duration_seconds": 3.0,
            "current_stage": "completed",
        },
        plan_design_id="default",
        config={"simulation": {"start_year": 2025, "end_year": 2026}, "seed": 7},
        history=history,
        event_types=("HIRE", "TERMINATION"),
        summary={"seed": 7, "start_headcount": 100, "metrics": years, "event_counts": [[15, 10], [12, 7]]},
        quality={"passed": True, "checks": [CHECK]},
        manifest={"versions": {"planalign": "1.0", "source_commit": "a" * 40, "source_state": "clean"}},
        dataset={
            "id": "ds",
            "filename": "census.csv",
            "sha256": "b" * 64,
            "size_bytes": 10,
            "rows_accepted": 100,
        },
    )
    return dataclasses.replace(base, **changes)


def test_a_complete_run_is_fully_verified_with_each_years_workforce_equation() -> None:
    report = provenance.build_report(evidence())
    assert report["missing_evidence"] == []
    assert report["verification_disposition"] == "fully_verified"
    first, second = report["evidence"]["workforce_reconciliations"]
    assert (first["opening_workforce"], first["expected_closing_workforce"], first["opening_source"]) == (
        100,
        105,
        "baseline",
    )
    assert (second["opening_workforce"], second["terminations"], second["variance"]) == (105, 7, 0)
    assert report["evidence"]["event_counts"][0] == {
        "simulation_year": 2025,
        "event_type": "HIRE",
        "count": 15,
    }
    years = [
        row["simulation_year"]
        for row in report["evidence"]["timing"]["stage_completions"]
        if row["simulation_year"]
    ]
    assert years == [2025, 2026]
    assert report["evidence"]["census_input"]["format"] == "csv"


def test_the_digest_covers_the_evidence() -> None:
    report = provenance.build_report(evidence())
    assert report["digest"]["value"] == hashlib.sha256(provenance.canonical_json(report)).hexdigest()
    other = provenance.build_report(
        evidence(config={"simulation": {"start_year": 2025, "end_year": 2026}, "seed": 8})
    )
    assert other["digest"]["value"] != report["digest"]["value"]


def test_a_failed_check_makes_it_incomplete_and_names_the_year() -> None:
    failed = {**CHECK, "passed": False, "failed_by_year": {"2026": 3}}
    report = provenance.build_report(evidence(quality={"passed": False, "checks": [failed]}))
    assert report["verification_disposition"] == "incomplete"
    rows = report["evidence"]["validation_results"]
    assert [(r["simulation_year"], r["passed"], r["affected_record_count"]) for r in rows] == [
        (2025, True, 0),
        (2026, False, 3),
    ]


def test_missing_software_evidence_or_uncounted_checks_are_unverifiable() -> None:
    no_commit = provenance.build_report(evidence(manifest={"versions": {"planalign": "1.0"}}))
    assert no_commit["verification_disposition"] == "unverifiable"
    assert {f["field_path"] for f in no_commit["missing_evidence"]} == {
        "evidence.software.git_commit_sha",
        "evidence.software.working_tree_state",
    }
    # A run stored before the checks counted failing rows by year: each year says only pass or fail.
    old_check = {"name": "no_negative_pay", "passed": False, "detail": "1 rows with negative pay"}
    report = provenance.build_report(evidence(quality={"passed": False, "checks": [old_check]}))
    assert [(r["passed"], r["affected_record_count"]) for r in report["evidence"]["validation_results"]] == [
        (False, None),
        (False, None),
    ]
    assert report["verification_disposition"] == "unverifiable"
    assert {f["field_path"] for f in report["missing_evidence"]} == {
        "evidence.validation_results[2025].affected_record_count",
        "evidence.validation_results[2026].affected_record_count",
    }


def test_the_report_served_is_the_report_hashed_in_the_schemes_order() -> None:
    # The store gives a whole-number duration back as an int: the report keeps durations as floats and
    # time stamps as UTC with microseconds, and lists in canonical order, so its JSON verifies as is.
    history = [dict(event) for event in evidence().history]
    history[3]["detail"] = {"duration_seconds": 1}
    report = provenance.build_report(evidence(history=history))
    served = json.loads(json.dumps(report))
    assert hashlib.sha256(provenance.canonical_json(served)).hexdigest() == report["digest"]["value"]
    stages = report["evidence"]["timing"]["stage_completions"]
    assert [(s["simulation_year"], s["stage"]) for s in stages] == [
        (None, "IMPORT"),
        (None, "SIMULATION"),
        (2025, "SIMULATION"),
        (2026, "SIMULATION"),
    ]
    assert stages[2]["duration_seconds"] == 1.0 and isinstance(stages[2]["duration_seconds"], float)
    assert stages[0]["started_at"] == "2026-12-01T00:00:00.000000Z"
    # Whatever order a verifier gets the lists in, the digest is the same.
    shuffled = {
        **served,
        "evidence": {
            **served["evidence"],
            "validation_results": served["evidence"]["validation_results"][::-1],
        },
    }
    assert provenance.canonical_json(shuffled) == provenance.canonical_json(served)


def test_a_run_that_failed_in_its_simulation_is_incomplete_for_its_years() -> None:
    run = {**evidence().run, "status": "failed", "completed_at": None}
    report = provenance.build_report(
        evidence(run=run, history=evidence().history[:4], summary=None, quality=None, manifest=None)
    )
    assert report["verification_disposition"] == "unverifiable"
    paths = {f["field_path"] for f in report["missing_evidence"]}
    assert "evidence.run.completed_years[2026]" in paths and "evidence.random_seed" in paths
    assert report["evidence"]["run"]["completed_years"] == [2025]
    stages = {
        (s["simulation_year"], s["stage"]): s["outcome"]
        for s in report["evidence"]["timing"]["stage_completions"]
    }
    assert stages == {
        (None, "IMPORT"): "completed",
        (None, "SIMULATION"): "not completed",
        (2025, "SIMULATION"): "completed",
    }
