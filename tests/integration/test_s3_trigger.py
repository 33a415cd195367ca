"""Census objects landing in S3 start their runs by themselves: any S3 client, keys encoded as S3
encodes them, keys outside uploads/ ignored, and a notification delivered twice starts one run."""

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest
from planalign.local.stack import LocalStack

from tests.integration.conftest import latest_run_id, make_scenario, make_workspace, wait_for, wait_terminal

pytestmark = pytest.mark.integration


def s3_event(bucket: str, key: str, etag: str, version: str | None) -> dict[str, Any]:
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/"), "size": 1, "eTag": etag, "sequencer": "0A1B"}
    if version:
        obj["versionId"] = version
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": bucket}, "object": obj},
            }
        ]
    }


def invoke_trigger(stack: LocalStack, event: dict[str, Any]) -> dict[str, Any]:
    response = stack.client("lambda").invoke(FunctionName="UploadTriggerFunction", Payload=json.dumps(event))
    assert "FunctionError" not in response
    result: dict[str, Any] = json.loads(response["Payload"].read())
    return result


def test_any_s3_client_upload_with_an_encoded_key_runs_the_auto_run_scenarios(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2025}})
    body = {"name": "auto", "auto_run_scenarios": "all"}
    assert api.put(f"/api/workspaces/{workspace_id}", json=body).status_code == 200
    key = f"uploads/{workspace_id}/by-cli/HR export (v2)+final.csv"
    stack.client("s3").put_object(Bucket=stack.bucket_name, Key=key, Body=small_census)
    run = wait_terminal(api, latest_run_id(api, scenario_id))
    assert run["status"] == "completed"
    dataset = api.get(f"/api/workspaces/{workspace_id}/datasets").json()[0]
    assert dataset["filename"] == "HR export (v2)+final.csv"
    assert dataset["upload_id"] == "by-cli"


def test_a_duplicate_notification_never_starts_a_second_run(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    workspace_id = make_workspace(api)
    key = f"uploads/{workspace_id}/dup/census.csv"
    event = s3_event(stack.bucket_name, key, "etag-1", "version-1")
    first = invoke_trigger(stack, event)
    second = invoke_trigger(stack, event)
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(lambda _: invoke_trigger(stack, event), range(4)))
    registered = [r for r in [first, second, *concurrent] if r["registered"]]
    assert len(registered) == 1
    assert len(api.get(f"/api/workspaces/{workspace_id}/datasets").json()) == 1
    # A new version of the same key is a new upload.
    assert invoke_trigger(stack, s3_event(stack.bucket_name, key, "etag-2", "version-2"))["registered"]
    assert len(api.get(f"/api/workspaces/{workspace_id}/datasets").json()) == 2


def test_a_duplicate_notification_with_runs_starts_exactly_one_run(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    workspace_id = make_workspace(api, auto_run_scenarios="all")
    scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2025}})
    key = f"uploads/{workspace_id}/twice/census.csv"
    stack.client("s3").put_object(Bucket=stack.bucket_name, Key=key, Body=small_census)
    head = stack.client("s3").head_object(Bucket=stack.bucket_name, Key=key)
    wait_terminal(api, latest_run_id(api, scenario_id))
    # S3 delivers the same notification again, twice at once.
    event = s3_event(stack.bucket_name, key, head["ETag"].strip('"'), head.get("VersionId"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda _: invoke_trigger(stack, event), range(2)))
    runs = api.get(f"/api/scenarios/{scenario_id}/runs").json()
    assert len(runs) == 1


def test_keys_outside_the_upload_pattern_are_ignored(stack: LocalStack, api: httpx.Client) -> None:
    for key in ("uploads/readme.txt", "uploads/ws_unknown/u/census.csv", "uploads/a/b/c/d.csv"):
        assert invoke_trigger(stack, s3_event(stack.bucket_name, key, "e", None)) == {"registered": []}


def with_unknown_column(census: bytes) -> bytes:
    lines = census.decode().splitlines()
    return (
        "\n".join([lines[0] + ",favourite_colour", *(line + ",teal" for line in lines[1:])]).encode() + b"\n"
    )


def test_import_warnings_end_the_run_with_warnings_and_the_same_bytes_import_from_the_cache(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2025}})
    census = with_unknown_column(small_census)
    key = f"uploads/{workspace_id}/first/census.csv"
    body = {"name": "warned", "auto_run_scenarios": "all"}
    assert api.put(f"/api/workspaces/{workspace_id}", json=body).status_code == 200
    stack.client("s3").put_object(Bucket=stack.bucket_name, Key=key, Body=census)
    first_run = wait_terminal(api, latest_run_id(api, scenario_id))
    assert first_run["status"] == "completed"
    assert "census: unknown columns ignored: favourite_colour" in first_run["warnings"]
    results = api.get(f"/api/scenarios/{scenario_id}/results")
    assert results.headers["x-planalign-run-warning"] == "completed_with_warnings"
    assert results.headers["x-planalign-result-run-id"] == first_run["id"]

    # The same bytes again, under another upload: a new dataset, read from the normalized census.
    stack.client("s3").put_object(
        Bucket=stack.bucket_name, Key=f"uploads/{workspace_id}/second/copy.csv", Body=census
    )
    second_run_id = wait_for(
        lambda: (run_id := latest_run_id(api, scenario_id)) != first_run["id"] and run_id
    )
    second_run = wait_terminal(api, second_run_id)
    assert second_run["status"] == "completed" and second_run["warnings"]
    datasets = api.get(f"/api/workspaces/{workspace_id}/datasets").json()
    second, first = (api.get(f"/api/workspaces/{workspace_id}/datasets/{d['id']}").json() for d in datasets)
    assert (first["filename"], second["filename"]) == ("census.csv", "copy.csv")
    assert first["sha256"] == second["sha256"]
    assert (first["cache_hit"], second["cache_hit"]) == (False, True)
    assert second["import_ms"] < 1000
    assert second["report"] == first["report"]
    assert "unknown columns ignored: favourite_colour" in second["report"]["warnings"]
    messages = [e["message"] for e in api.get(f"/api/runs/{second_run_id}/events").json()]
    assert "census imported: 500 employees (cache hit)" in messages
