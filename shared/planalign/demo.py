"""`planalign demo`: the main job end to end, as a studio frontend does it, on the local stack started
in this process: census upload through the presigned form (the upload itself triggers the runs),
live progress, results, the comparison of two scenarios, an ensemble's percentile bands, and the
exports written to disk."""

import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from planalign.domain.census_generator import census_csv, generate_census
from planalign.local.stack import LocalStack

TERMINAL = {"completed", "failed", "cancelled"}
ENSEMBLE = 20
SCENARIOS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "Baseline",
        "today's plan: 100% of the first 3% + 50% of the next 2%, new hires auto-enrolled at 2%",
        {},
    ),
    (
        # A stretch match pays less per dollar deferred (25% up to 12%): it costs less unless employees
        # defer far more, which the name must not hide.
        "Stretch match, all at 6%",
        "25% of deferrals up to 12% of pay, every eligible employee auto-enrolled at 6%, 5% growth",
        {
            "dc_plan": {
                "match_template": "stretch",
                "auto_enroll_scope": "all_eligible",
                "default_deferral_percent": 6,
            },
            "simulation": {"target_growth_rate": 0.05},
        },
    ),
    (
        "Baseline x20 seeds",
        "today's plan on 20 seeds: how much is noise",
        {"ensemble": {"members": ENSEMBLE}},
    ),
)
COMPARED = ("Baseline", "Stretch match, all at 6%")


def _file_stem(name: str) -> str:
    """A scenario name as a file name: lower case, every run of other characters one `_`."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _bar(percent: float, width: int = 30) -> str:
    filled = int(width * percent / 100)
    return "#" * filled + "-" * (width - filled)


def follow_runs(ws_url: str, token: str, runs: dict[str, str], timeout: float = 600) -> None:
    """One WebSocket subscribed to every run: redraw a progress bar per run on each `update`, until
    every run has ended (a terminal status or milestone)."""
    from websockets.sync.client import connect

    progress = {run_id: (0.0, "pending") for run_id in runs.values()}
    names = {run_id: name for name, run_id in runs.items()}
    finished: set[str] = set()
    deadline = time.monotonic() + timeout
    with connect(f"{ws_url}/ws?token={token}") as socket:
        for run_id in runs.values():
            socket.send(json.dumps({"action": "subscribe", "run_id": run_id}))
        while len(finished) < len(runs):
            message = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            run_id, data = message.get("run_id"), message.get("data") or {}
            if message["type"] in ("snapshot", "update"):
                progress[run_id] = (float(data["progress"]), data["status"])
                if data["status"] in TERMINAL:
                    finished.add(run_id)
            elif message["type"] == "milestone" and data["kind"] == "terminal":
                finished.add(run_id)
            line = "  ".join(
                f"{names[r][:14]:<14} [{_bar(p, 12)}] {p:5.1f}%" for r, (p, _) in progress.items()
            )
            sys.stdout.write("\r" + line)
            sys.stdout.flush()
    sys.stdout.write("\n")


def print_results(results: dict[str, dict[str, Any]]) -> None:
    names = list(results)
    print("\nPer-year results")
    header = f"{'year':<6}" + "".join(
        f"| {name[:22]:<22} {'headcount':>10} {'particip.%':>10} {'employer cost $':>16} " for name in names
    )
    print(header)
    print("-" * len(header))
    years = [row["simulation_year"] for row in results[names[0]]["workforce"]]
    for index, year in enumerate(years):
        cells = ""
        for name in names:
            workforce = results[name]["workforce"][index]
            plan = results[name]["dc_plan"][index]
            cells += (
                f"| {'':<22} {workforce['headcount']:>10,} {plan['participation_rate']:>10.1f} "
                f"{plan['total_employer_cost']:>16,.0f} "
            )
        print(f"{year:<6}{cells}")
    for name in names:
        r = results[name]
        # The summary figures are of everyone employed in a year (the Studio's default population);
        # the table above is of year-end actives.
        print(
            f"{name}: {r['final_headcount']:,} employed in {r['end_year']}, "
            f"growth {r['total_growth_pct']:.2f}%, CAGR {r['cagr']:.2f}%, "
            f"participation {100 * r['participation_rate']:.1f}%, "
            f"final employer cost ${r['final_employer_cost']:,.2f}, quality passed: {r['quality']['passed']}"
        )


def print_comparison(comparison: dict[str, Any], names: dict[str, str]) -> None:
    baseline = comparison["baseline_scenario"]
    (other,) = [sid for sid in comparison["scenarios"] if sid != baseline]
    print(f"\nComparison: {names[other]} against {names[baseline]} (final year)")
    print(f"{'metric':<26} {names[baseline][:16]:>16} {names[other][:16]:>16} {'delta':>14} {'delta %':>8}")
    for metric, values in comparison["summary_deltas"].items():
        # No percent change from a baseline of 0.
        pct = values["delta_pcts"][other]
        print(
            f"{metric:<26} {values['baseline']:>16,.2f} {values['scenarios'][other]:>16,.2f} "
            f"{values['deltas'][other]:>+14,.2f} {'n/a' if pct is None else format(pct, '+.2f'):>8}"
        )


def print_bands(name: str, bands: dict[str, dict[str, dict[str, float]]]) -> None:
    print(f"\n{name}: p5 / p50 / p95 over {ENSEMBLE} seeds")
    metrics = ("headcount", "participation_rate", "total_employer_cost")
    print(f"{'year':<6}" + "".join(f"| {metric:^38} " for metric in metrics))
    for year in bands[metrics[0]]:
        cells = "".join(
            "| {p5:>12,.1f} {p50:>12,.1f} {p95:>12,.1f} ".format(**bands[metric][year]) for metric in metrics
        )
        print(f"{year:<6}{cells}")


def _export_link(
    client: httpx.Client, run_id: str, export_format: str, timeout: float = 120
) -> httpx.Response:
    """The export's 307, asking again after Retry-After while the completed run's export is made (202)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(f"/api/runs/{run_id}/results/export", params={"format": export_format})
        if answer.status_code != 202 or time.monotonic() >= deadline:
            return answer
        time.sleep(float(answer.headers.get("retry-after") or 1))


def run_demo(employees: int = 10_000, out_dir: Path = Path("demo-output"), seed: int = 42) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"Generating a census of {employees:,} employees ...")
    census = census_csv(generate_census(employees, seed=seed))
    with (
        tempfile.TemporaryDirectory() as data_dir,
        LocalStack(data_dir=Path(data_dir), isolated=True) as stack,
    ):
        token = next(iter(stack.tokens))
        print(f"Local stack up: API {stack.api_url}/api, WebSocket {stack.ws_url}/ws")
        client = httpx.Client(
            base_url=stack.api_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        workspace = client.post(
            "/api/workspaces", json={"name": "Demo company", "description": "planalign demo"}
        )
        workspace_id = workspace.raise_for_status().json()["id"]
        scenario_ids = {}
        for name, description, overrides in SCENARIOS:
            body = {"name": name, "description": description, "config_overrides": overrides}
            scenario = (
                client.post(f"/api/workspaces/{workspace_id}/scenarios", json=body).raise_for_status().json()
            )
            scenario_ids[name] = scenario["id"]
        upload = (
            client.post(
                f"/api/workspaces/{workspace_id}/uploads",
                json={"filename": "census.csv", "run_scenarios": "all"},
            )
            .raise_for_status()
            .json()
        )
        print(f"Uploading census.csv ({len(census):,} bytes) through the presigned form ...")
        httpx.post(
            upload["url"],
            data=upload["fields"],
            files={"file": ("census.csv", census, "text/csv")},
            timeout=120,
        ).raise_for_status()
        runs = {}
        for name, scenario_id in scenario_ids.items():
            runs[name] = (
                client.get(f"/api/scenarios/{scenario_id}/run/status").raise_for_status().json()["id"]
            )
        started = time.monotonic()
        follow_runs(stack.ws_url, token, runs)
        print(f"Runs finished in {time.monotonic() - started:.1f} s")
        finished = {
            name: client.get(f"/api/runs/{run_id}").raise_for_status().json() for name, run_id in runs.items()
        }
        failed = {name: run for name, run in finished.items() if run["status"] != "completed"}
        for name, run in failed.items():
            print(f"{name}: {run['status']}: {run['error_message']}")
        if failed:
            return 1
        results = {
            name: client.get(f"/api/runs/{run_id}/results").raise_for_status().json()
            for name, run_id in runs.items()
        }
        print_results({name: results[name] for name in COMPARED})
        comparison = client.get(
            f"/api/workspaces/{workspace_id}/comparison",
            params={
                "scenarios": ",".join(scenario_ids[name] for name in COMPARED),
                "baseline": scenario_ids[COMPARED[0]],
            },
        )
        print_comparison(
            comparison.raise_for_status().json(), {sid: name for name, sid in scenario_ids.items()}
        )
        ensemble_name = SCENARIOS[-1][0]
        print_bands(ensemble_name, results[ensemble_name]["bands"])
        print(
            "\nWhat each run cost in AWS (an estimate at list prices; `planalign runs results RUN` itemizes it)"
        )
        for name in runs:
            cost = results[name]["cost"]
            lambda_gb_s = sum(stage["gb_seconds"] for stage in cost["stages"].values())
            print(f"  {name:<26} ${cost['total_usd']:.6f}   Lambda {lambda_gb_s:,.1f} GB-s")
        print("\nExports")
        for name, run_id in runs.items():
            for export_format in ("xlsx", "csv"):
                redirect = _export_link(client, run_id, export_format)
                content = httpx.get(redirect.headers["location"], timeout=60).raise_for_status().content
                path = out_dir / f"{_file_stem(name)}.{'xlsx' if export_format == 'xlsx' else 'csv'}"
                path.write_bytes(content)
                print(f"  {path} ({len(content):,} bytes)")
        artifacts = client.get(f"/api/runs/{runs[ensemble_name]}/artifacts").raise_for_status().json()
        bands_url = next(artifact["url"] for artifact in artifacts if artifact["name"] == "bands.csv")
        path = out_dir / "baseline_bands.csv"
        path.write_bytes(httpx.get(bands_url, timeout=60).raise_for_status().content)
        print(f"  {path} ({path.stat().st_size:,} bytes)")
    return 0
