"""Seed ensembles on the local stack, end to end over HTTP: from `POST .../run` to the terminal status,
for a single run and for ensembles (moto runs the state machine's Distributed Map, the members run
in-process on threads, MaxConcurrency at a time). Prints a table, then the per-member cost that the
estimate for AWS (members in parallel) starts from.
Run: .venv/bin/python scripts/ensemble_bench.py [--employees 10000] [--years 5] [--members 1 20 100]"""

import argparse
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


def wait(api: httpx.Client, path: str, done: Any, timeout: float = 900) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = api.get(path).json()
        if done(body):
            return body
        time.sleep(0.05)
    raise TimeoutError(path)


def stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def run_ensemble(api: httpx.Client, workspace_id: str, members: int, end_year: int) -> dict[str, Any]:
    config = {"simulation": {"end_year": end_year}, "ensemble": {"members": members}}
    scenario = api.post(
        f"/api/workspaces/{workspace_id}/scenarios",
        json={"name": f"{members} members", "config_overrides": config},
    ).json()
    began = time.perf_counter()
    run_id = api.post(f"/api/scenarios/{scenario['id']}/run", json={}).json()["run_id"]
    run = wait(api, f"/api/runs/{run_id}", lambda r: r["status"] in TERMINAL)
    wall = time.perf_counter() - began
    if run["status"] != "completed":
        raise RuntimeError(f"run {run_id} ended {run['status']}: {run['error_message']}")
    events = api.get(f"/api/runs/{run_id}/events").json()
    sim_start = next(e for e in events if e["stage"] == "simulation" and e["kind"] == "stage_started")
    sim_end = next(e for e in events if e["stage"] == "simulation" and e["kind"] == "stage_completed")
    pipeline_start = next(e for e in events if e["stage"] == "pipeline" and e["kind"] == "stage_started")
    return {
        "members": members,
        "wall": wall,
        "simulation": stamp(sim_end["timestamp"]) - stamp(sim_start["timestamp"]),
        "pipeline": stamp(run["completed_at"]) - stamp(pipeline_start["timestamp"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--members", type=int, nargs="+", default=[1, 20, 100])
    parser.add_argument(
        "--concurrency", type=int, default=None, help="EnsembleMaxConcurrency (local default)"
    )
    args = parser.parse_args()
    parameters = {"EnsembleMaxConcurrency": str(args.concurrency)} if args.concurrency else {}
    census = census_csv(generate_census(args.employees, seed=11))
    with (
        tempfile.TemporaryDirectory() as data,
        LocalStack(data_dir=Path(data), tokens={"bench": "bench"}, parameters=parameters) as stack,
    ):
        api = httpx.Client(base_url=stack.api_url, headers={"Authorization": "Bearer bench"}, timeout=60)
        workspace_id = api.post("/api/workspaces", json={"name": "ensemble bench"}).json()["id"]
        form = api.post(f"/api/workspaces/{workspace_id}/uploads", json={"filename": "census.csv"}).json()
        httpx.post(form["url"], data=form["fields"], files={"file": ("census.csv", census)}, timeout=60)
        wait(api, f"/api/workspaces/{workspace_id}", lambda w: w["latest_dataset_id"])
        end_year = 2025 + args.years - 1
        rows = [run_ensemble(api, workspace_id, members, end_year) for members in args.members]
        assert stack.template is not None
        concurrency = stack.template.parameters["EnsembleMaxConcurrency"]

    print(f"{args.employees:,} employees x {args.years} years, MaxConcurrency {concurrency}, 2 cores")
    print(f"{'members':>7} {'run s':>7} {'simulation s':>12} {'pipeline s':>10} {'s per extra member':>18}")
    single = next((row for row in rows if row["members"] == 1), None)
    for row in rows:
        per_member = (
            f"{(row['simulation'] - single['simulation']) / (row['members'] - 1):>18.3f}"
            if single and row["members"] > 1
            else f"{'':>18}"
        )
        print(
            f"{row['members']:>7} {row['wall']:>7.2f} {row['simulation']:>12.2f} {row['pipeline']:>10.2f} {per_member}"
        )
    if single:
        print(f"single run: simulation stage {single['simulation']:.2f} s (member 0's share of an ensemble)")
        print(f"median run wall time {statistics.median(r['wall'] for r in rows):.2f} s")


if __name__ == "__main__":
    main()
