"""Latency and memory of the Studio's analysis routes on the local stack, with a warm analytics function.

For each size (employees x years) it starts the stack in this process, uploads a synthetic census,
runs two scenarios (a baseline, and a plan without match but a richer core), then times every route
over HTTP: the first call on a warm function that has not read the run's files yet, then the median
and worst of --repeats more calls with the median CPU seconds the stack spent on one (it runs in this
process, so they count the gateway, the function and its reads, and not the wait for a core on a busy
machine), and the median of the same service call made in this process (no
gateway, Mangum or run headers: the run lookups, the Parquet reads and the figures). Memory: the process's resident set before the route and its peak
during the first call (sampled every 5 ms), and what the function keeps of the runs' files.

    .venv/bin/python scripts/analytics_bench.py [--sizes 60000x5 250000x5] [--repeats 20] [--only ndt vesting]
"""

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from planalign.adapters import run_tables
from planalign.adapters.artifacts import Artifacts
from planalign.adapters.store import Store
from planalign.domain.census_generator import census_csv, generate_census
from planalign.domain.dc_plan_analytics import Options
from planalign.domain.vesting_schedules import VestingRule
from planalign.local.stack import LocalStack
from planalign.services import analytics, ndt, vesting

PAGE_SIZE = 4096
START_YEAR = 2025
TENANT = "bench"
PLAN_B = {"dc_plan": {"match_enabled": False, "core_contribution_rate_percent": 4.0}}


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE / 2**20


@contextmanager
def peak_rss() -> Iterator[list[float]]:
    """Samples the resident set every 5 ms; the list holds the peak once the block ends."""
    peak = [rss_mb()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            peak[0] = max(peak[0], rss_mb())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        done.set()
        thread.join()
        peak[0] = max(peak[0], rss_mb())


def wait_for(check: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not met in time")


def prepare(api: httpx.Client, employees: int, years: int) -> dict[str, str]:
    """A workspace with the census imported and both scenarios run; their ids and an employee's."""
    workspace = api.post("/api/workspaces", json={"name": f"bench {employees}x{years}"}).json()["id"]
    simulation = {"simulation": {"start_year": START_YEAR, "end_year": START_YEAR + years - 1}}
    plan_a = api.post(
        f"/api/workspaces/{workspace}/scenarios", json={"name": "baseline", "config_overrides": simulation}
    ).json()["id"]
    plan_b = api.post(
        f"/api/workspaces/{workspace}/scenarios",
        json={"name": "richer core", "config_overrides": {**simulation, **PLAN_B}},
    ).json()["id"]
    census = census_csv(generate_census(employees, seed=11))
    form = api.post(f"/api/workspaces/{workspace}/uploads", json={"filename": "census.csv"}).json()
    httpx.post(form["url"], data=form["fields"], files={"file": ("census.csv", census)}, timeout=600)
    wait_for(lambda: api.get(f"/api/workspaces/{workspace}").json().get("latest_dataset_id"), 900)
    began = time.perf_counter()
    batch = api.post(f"/api/workspaces/{workspace}/run-all", json={}).json()["id"]
    status = wait_for(
        lambda: (
            (s := api.get(f"/api/batches/{batch}/status").json())["status"] in ("completed", "failed") and s
        ),
        3600,
        2,
    )
    if status["status"] != "completed":
        raise RuntimeError(f"the runs did not complete: {status}")
    print(f"  {employees:,} x {years}: both runs completed in {time.perf_counter() - began:.1f} s")
    employee = api.get(
        f"/api/workspaces/{workspace}/scenarios/{plan_a}/employees", params={"page": 7, "page_size": 25}
    ).json()["results"][0]["employee_id"]
    final_year = str(START_YEAR + years - 1)
    return {
        "workspace": workspace,
        "plan_a": plan_a,
        "plan_b": plan_b,
        "employee": employee,
        "final_year": final_year,
    }


# (name, path, query, the same figures by a direct service call, a POST body or None for a GET)
Route = tuple[str, str, dict[str, str], Callable[[], Any], dict[str, Any] | None]
GRADED_VS_CLIFF = {
    "current_schedule": {"schedule_type": "graded_6_year", "name": "6-Year Graded"},
    "proposed_schedule": {"schedule_type": "cliff_3_year", "name": "3-Year Cliff"},
}


def routes(ids: dict[str, str], tenant: str) -> list[Route]:
    """Every route measured, with the same figures computed by a direct call of the service in this process."""
    ws, a, b, year = ids["workspace"], ids["plan_a"], ids["plan_b"], int(ids["final_year"])
    scenario = f"/api/workspaces/{ws}/scenarios/{a}"
    store, artifacts = Store(), Artifacts()
    new_hires = Options(active_only=True, cohort="new_hires")
    q = ids["employee"][:4]
    reads: list[tuple[str, str, dict[str, str], Callable[[], Any]]] = [
        (
            "timeline",
            f"{scenario}/employees/{ids['employee']}/timeline",
            {},
            lambda: analytics.employee_timeline_of(store, artifacts, tenant, ws, a, ids["employee"], None, 3),
        ),
        (
            "employee search",
            f"{scenario}/employees",
            {"q": q, "page_size": "25"},
            lambda: analytics.search_employees(store, artifacts, tenant, ws, a, year=None, q=q, page_size=25),
        ),
        (
            "dc-plan",
            f"{scenario}/analytics/dc-plan",
            {},
            lambda: analytics.dc_plan(store, artifacts, tenant, ws, a, Options()),
        ),
        (
            "dc-plan new hires, active",
            f"{scenario}/analytics/dc-plan",
            {"cohort": "new_hires", "active_only": "true"},
            lambda: analytics.dc_plan(store, artifacts, tenant, ws, a, new_hires),
        ),
        (
            "dc-plan/compare (cost comparison)",
            f"/api/workspaces/{ws}/analytics/dc-plan/compare",
            {"scenarios": f"{a},{b}"},
            lambda: analytics.compare_dc_plan(store, artifacts, tenant, ws, [a, b], Options()),
        ),
        (
            "winners-losers",
            f"/api/workspaces/{ws}/analytics/winners-losers",
            {"plan_a": a, "plan_b": b},
            lambda: analytics.compare_winners_losers(store, artifacts, tenant, ws, a, b),
        ),
    ]
    graded, cliff = VestingRule("graded_6_year"), VestingRule("cliff_3_year")
    compared: list[Route] = [
        (
            "vesting (graded 6 vs cliff 3, final year)",
            f"{scenario}/analytics/vesting",
            {},
            lambda: vesting.analyze_vesting(store, artifacts, tenant, ws, a, graded, cliff, None),
            GRADED_VS_CLIFF,
        ),
        (
            "vesting/forfeitures (2 scenarios, every year)",
            f"/api/workspaces/{ws}/analytics/vesting/forfeitures",
            {"scenarios": f"{a},{b}", "schedule_type": "graded_6_year"},
            lambda: vesting.project_forfeitures(
                store, artifacts, tenant, ws, [a, b], graded, "offset_employer_contributions"
            ),
            None,
        ),
    ]
    tests = {
        "adp": ndt.adp(False, "current", False),
        "acp": ndt.acp(False),
        "401a4": ndt.general(False, False),
        "415": ndt.annual_additions(0.95, False),
    }
    compared += [
        (
            f"ndt/{name} (2 scenarios, final year)",
            f"/api/workspaces/{ws}/analytics/ndt/{name}",
            {"scenarios": f"{a},{b}", "year": str(year)},
            partial(ndt.run_test, store, artifacts, tenant, ws, [a, b], year, test),
            None,
        )
        for name, test in tests.items()
    ]
    return [(name, path, params, direct, None) for name, path, params, direct in reads] + compared


def measure(
    api: httpx.Client, ids: dict[str, str], repeats: int, only: list[str] | None = None
) -> list[dict[str, Any]]:
    # Warm the function (its imports) on a call that reads no run file.
    api.get(f"/api/workspaces/{ids['workspace']}/scenarios/none/analytics/dc-plan")
    rows = []
    for name, path, params, direct, body in routes(ids, TENANT):
        if only and not any(part in name for part in only):
            continue
        method = "GET" if body is None else "POST"
        before = rss_mb()
        with peak_rss() as peak:
            began = time.perf_counter()
            response = api.request(method, path, params=params, json=body)
            first = time.perf_counter() - began
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {response.status_code} {response.text[:300]}")
        times, cpu_times, service_times = [], [], []
        for _ in range(repeats):
            began, cpu_began = time.perf_counter(), time.process_time()
            api.request(method, path, params=params, json=body).raise_for_status()
            times.append(time.perf_counter() - began)
            cpu_times.append(time.process_time() - cpu_began)
            began = time.perf_counter()
            direct()
            service_times.append(time.perf_counter() - began)
        rows.append(
            {
                "route": name,
                "first_s": first,
                "p50_s": statistics.median(times),
                "max_s": max(times),
                "cpu_p50_s": statistics.median(cpu_times),
                "service_p50_s": statistics.median(service_times),
                "rss_before_mb": before,
                "peak_rss_mb": peak[0],
                "cached_mb": sum(cache._size for cache in run_tables.shared_caches()) / 2**20,
            }
        )
    return rows


def table(size: str, rows: list[dict[str, Any]]) -> str:
    lines = [
        f"| {size} | route | first call s | p50 s | max s | CPU p50 s | service p50 s | RSS before MB "
        "| peak RSS MB | kept MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {size} | {row['route']} | {row['first_s']:.3f} | {row['p50_s']:.3f} | {row['max_s']:.3f} "
            f"| {row['cpu_p50_s']:.3f} | {row['service_p50_s']:.3f} | {row['rss_before_mb']:,.0f} | {row['peak_rss_mb']:,.0f} "
            f"| {row['cached_mb']:,.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=["60000x5"])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--only", nargs="*", default=None, help="measure only the routes whose name has one of these"
    )
    args = parser.parse_args()
    for size in args.sizes:
        employees, years = (int(part) for part in size.split("x"))
        with (
            tempfile.TemporaryDirectory() as data_dir,
            LocalStack(
                data_dir=Path(data_dir),
                tokens={"bench-token": TENANT},
                parameters={"MaxUploadBytes": str(2**31)},
            ) as stack,
        ):
            # No kept-alive connections: at 1,000,000 x 10 the in-process service call between two
            # requests outlasts the gateway's keep-alive, which then closes the socket under the next one.
            api = httpx.Client(
                base_url=stack.api_url,
                headers={"Authorization": "Bearer bench-token"},
                timeout=600,
                limits=httpx.Limits(max_keepalive_connections=0),
            )
            ids = prepare(api, employees, years)
            print(table(f"{employees:,} x {years}", measure(api, ids, args.repeats, args.only)))


if __name__ == "__main__":
    main()
