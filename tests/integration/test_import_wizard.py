"""A census of the messy corpus goes through the Studio's import wizard over HTTP, as the Studio drives
it (upload, suggestions, mapping, mapped preview, generate, status), and a run on the generated census
completes; the wizard's source never becomes a dataset of its own."""

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import make_scenario, make_workspace, wait_for, wait_terminal

pytestmark = pytest.mark.integration
CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "census"


def test_a_corpus_census_goes_from_the_wizard_to_a_completed_run(api: httpx.Client) -> None:
    workspace_id = make_workspace(api)
    base = f"/api/workspaces/{workspace_id}"
    scenario_id = make_scenario(
        api, workspace_id, config_overrides={"simulation": {"start_year": 2025, "end_year": 2026}}
    )
    # Title rows above the header, a "Department" column no census field is, "6%" deferrals.
    uploaded = api.post(
        f"{base}/imports/upload",
        files={"file": ("odd_headers.csv", (CORPUS / "odd_headers.csv").read_bytes(), "text/csv")},
    )
    assert uploaded.status_code == 201, uploaded.text
    session = uploaded.json()
    import_id = session["import_id"]
    assert session["row_count"] == 6
    assert session["encoding_warnings"] == ["2 row(s) above the header (row 3) ignored"]

    suggestions = api.get(f"{base}/imports/{import_id}/suggestions").json()["suggestions"]
    mapping = [
        {
            "input_column": s["input_column"],
            "output_column": s["suggested_canonical_field"],
            "output_type": "string",
            "transformations": [],
        }
        for s in suggestions
        if s["suggested_canonical_field"]
    ]
    assert {m["input_column"] for m in mapping} == {
        "Emp ID",
        "Date of Birth",
        "Hire Date",
        "Annual Salary ($)",
        "Employment Status",
        "Term Date",
        "Deferral %",
        "Scheduled Hours",
    }
    saved = api.put(f"{base}/imports/{import_id}/mapping", json={"field_mappings": mapping}).json()
    assert saved["validation_errors"] == []
    preview = api.get(f"{base}/imports/{import_id}/mapped-preview").json()
    assert "Department" not in preview["columns"]
    assert preview["transformation_warnings"] == []

    generated = api.post(f"{base}/imports/{import_id}/generate", json={})
    assert generated.status_code == 202, generated.text

    def completed() -> dict[str, Any] | None:
        status: dict[str, Any] = api.get(f"{base}/imports/{import_id}").json()
        assert status["status"] != "failed", status["error_message"]
        return status if status["status"] == "completed" else None

    session = wait_for(completed, timeout=60)
    dataset = api.get(f"{base}/datasets/{session['parquet_file_id']}").json()
    assert (dataset["status"], dataset["rows_accepted"], dataset["rows_rejected"]) == ("imported", 6, 0)
    # Only the generated census is a dataset: the wizard's source under uploads/ is not imported.
    assert [d["id"] for d in api.get(f"{base}/datasets").json()] == [dataset["id"]]

    started = api.post(f"/api/scenarios/{scenario_id}/run", json={})
    assert started.status_code in (200, 201, 202), started.text
    run = wait_terminal(api, started.json()["id"])
    assert run["status"] == "completed", run.get("error_message")
    assert run["dataset_id"] == dataset["id"]  # the census generate made the workspace's
