"""Upload to completed on the local stack, over HTTP as a frontend does: the census posted through the
presigned form (its upload starts the scenario's run), then where the time goes, from the run item and
its history: upload -> run created (the S3 trigger), -> import started (the execution's start), each
stage, the gaps between stages (the state machine's transitions), completed, and the workbook ready
after. Each repetition uploads a census of its own (same bytes would import once), after a small
warm-up run that loads every function.
Run: .venv/bin/python scripts/run_latency_bench.py [--employees 60000] [--years 5] [--repeat 3]"""

import argparse
import os
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from planalign.domain.census_generator import census_csv, generate_census
from planalign.local.stack import LocalStack

TERMINAL = {"completed", "failed", "cancelled"}
START_YEAR = 2025
STEPS = (
    "upload -> run created",
    "run created -> import started",
    "import",
    "import -> simulation",
    "simulation",
    "simulation -> pipeline",
    "pipeline",
    "upload -> completed",
    "completed -> workbook ready",
)


def stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def wait(check: Any, timeout: float = 600, interval: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("not in time")


def one_run(api: httpx.Client, employees: int, years: int, seed: int) -> dict[str, float]:
    """One upload of a fresh census that starts one run; seconds of each step."""
    workspace = api.post("/api/workspaces", json={"name": f"latency {seed}"}).json()["id"]
    config = {"simulation": {"start_year": START_YEAR, "end_year": START_YEAR + years - 1}}
    scenario = api.post(
        f"/api/workspaces/{workspace}/scenarios", json={"name": "baseline", "config_overrides": config}
    ).json()["id"]
    census = census_csv(generate_census(employees, seed=seed))
    form = api.post(
        f"/api/workspaces/{workspace}/uploads", json={"filename": "census.csv", "run_scenarios": [scenario]}
    ).json()
    began = time.time()
    posted = httpx.post(form["url"], data=form["fields"], files={"file": ("census.csv", census)}, timeout=120)
    posted.raise_for_status()
    run_id = wait(
        lambda: (r := api.get(f"/api/scenarios/{scenario}/run/status")).status_code == 200 and r.json()["id"]
    )
    run = wait(lambda: (r := api.get(f"/api/runs/{run_id}").json())["status"] in TERMINAL and r)
    if run["status"] != "completed":
        raise RuntimeError(f"run {run_id} ended {run['status']}: {run['error_message']}")
    # A stack from before exports were made late has no exports_status: its workbook came first.
    wait(lambda: api.get(f"/api/runs/{run_id}").json().get("exports_status") in ("ready", None))
    exports_ready = time.time()
    events = api.get(f"/api/runs/{run_id}/events").json()

    def at(stage: str, kind: str) -> float:
        return stamp(next(e for e in events if e["stage"] == stage and e["kind"] == kind)["timestamp"])

    created, completed = stamp(run["created_at"]), stamp(run["completed_at"])
    return {
        "upload -> run created": created - began,
        "run created -> import started": at("import", "run_started") - created,
        "import": at("import", "stage_completed") - at("import", "run_started"),
        "import -> simulation": at("simulation", "stage_started") - at("import", "stage_completed"),
        "simulation": at("simulation", "stage_completed") - at("simulation", "stage_started"),
        "simulation -> pipeline": at("pipeline", "stage_started") - at("simulation", "stage_completed"),
        "pipeline": completed - at("pipeline", "stage_started"),
        "upload -> completed": completed - began,
        # Observed by polling (every 20 ms): the workbook's own time stamp is its S3 object's.
        "completed -> workbook ready": exports_ready - completed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=60_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as data_dir,
        LocalStack(data_dir=Path(data_dir), no_auth=True) as stack,
    ):
        api = httpx.Client(base_url=stack.api_url, timeout=120)
        one_run(api, 1_000, 2, seed=1)  # loads every function once
        rows = []
        for repetition in range(args.repeat):
            load = os.getloadavg()[0]
            rows.append(one_run(api, args.employees, args.years, seed=100 + repetition))
            print(f"run {repetition + 1}: {rows[-1]['upload -> completed']:.2f} s (load average {load:.1f})")
    print(f"\n{args.employees:,} x {args.years} on the local stack, {args.repeat} runs")
    print("| step | median s | min s | max s |\n|---|---:|---:|---:|")
    for step in STEPS:
        values = [row[step] for row in rows]
        print(f"| {step} | {statistics.median(values):.3f} | {min(values):.3f} | {max(values):.3f} |")


if __name__ == "__main__":
    main()
