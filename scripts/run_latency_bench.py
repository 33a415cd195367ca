"""Upload to completed on the local stack, over HTTP as a frontend does: the census posted through the
presigned form (its upload starts the scenario's run), then where the time goes, from the run item and
its history: upload -> run created (the S3 trigger), -> import started (the execution's start), each
stage, the gaps between stages (the state machine's transitions), completed, and the workbook ready
after. Each repetition uploads a census of its own (same bytes would import once), after a small
warm-up run that loads every function.

With --reference DIR, the reference engine runs side by side on the first repetition's census and the
Studio's default plan: DIR is a checkout of crzyc98/planwise_navigator at 3d34aa33 with the engine
pip-installed into DIR/V (its README), timed from `planalign simulate` to its exit (wall and CPU); the
ratio is its time over our median upload -> completed.

With --calls, every AWS call the stack serves during the measured runs (the stages', the trigger's,
the notifier's, the bench's own polling) is timed where the stack answers it, and a table prints them
by operation (DynamoDB item kind, S3 method and key kind): calls and milliseconds per run.
Run: .venv/bin/python scripts/run_latency_bench.py [--employees 60000] [--years 5] [--repeat 3] [--reference DIR] [--calls]"""

import argparse
import collections
import json
import os
import re
import resource
import statistics
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import yaml
from planalign.domain.census_generator import census_csv, generate_census
from planalign.domain.studio_config import default_base_config
from planalign.local import moto_backend
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


# How often the bench asks whether the run has ended. Every figure comes from the run's own time
# stamps, so this only bounds when the bench notices; asking every 20 ms (50 requests a second to the
# stack's process, as no frontend does) took a core from the stages it was timing.
POLL_SECONDS = 0.25


def wait(check: Any, timeout: float = 600, interval: float = POLL_SECONDS) -> Any:
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
        # Observed by polling (every POLL_SECONDS): the workbook's own time stamp is its S3 object's.
        "completed -> workbook ready": exports_ready - completed,
    }


def reference_census(census: bytes, path: Path) -> None:
    """Our generated census as the reference's census Parquet: its columns, the derived ones filled as
    its staging models read them (capped pay, contributions from the deferral rate, entry at hire)."""
    table = pa_csv.read_csv(pa.BufferReader(census))
    gross = pc.cast(table["employee_gross_compensation"], pa.float64())
    rate = pc.cast(table["employee_deferral_rate"], pa.float64())
    contribution = pc.multiply(gross, rate)
    zero = pa.array([0] * table.num_rows, pa.decimal128(2, 1))
    hired = pc.cast(table["employee_hire_date"], pa.date32())
    columns = {
        "employee_id": table["employee_id"],
        "employee_ssn": pc.binary_join_element_wise("SSN-", table["employee_id"], ""),
        "employee_birth_date": pc.cast(table["employee_birth_date"], pa.date32()),
        "employee_hire_date": hired,
        "employee_termination_date": pc.cast(table["employee_termination_date"], pa.date32()),
        "employee_gross_compensation": gross,
        "employee_capped_compensation": pc.min_element_wise(gross, 350_000.0),
        "active": table["active"],
        "employee_deferral_rate": rate,
        "employee_contribution": contribution,
        "pre_tax_contribution": contribution,
        "roth_contribution": zero,
        "after_tax_contribution": zero,
        "employer_core_contribution": zero,
        "employer_match_contribution": zero,
        "eligibility_entry_date": hired,
        "scheduled_hours_per_week": pc.cast(table["scheduled_hours_per_week"], pa.float64()),
        "auto_escalation_opt_out": table["auto_escalation_opt_out"],
    }
    pq.write_table(pa.table(columns), path)


def reference_run(reference: Path, census: bytes, years: int, folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds of the reference engine's `planalign simulate` on the census, with the
    Studio's default config (as its backend writes a scenario's yaml)."""
    reference_census(census, folder / "census.parquet")
    config = default_base_config()
    for key in ("promotion_hazard", "age_bands", "tenure_bands"):  # its own seeds, not yaml settings
        config.pop(key, None)
    config["setup"]["census_parquet_path"] = str(folder / "census.parquet")
    (folder / "reference.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    command = [
        str(reference / "V" / "bin" / "planalign"),
        "simulate",
        f"{START_YEAR}-{START_YEAR + years - 1}",
        "--config",
        str(folder / "reference.yaml"),
        "--database",
        str(folder / "reference.duckdb"),
    ]
    environment = {**os.environ, "PATH": f"{reference / 'V' / 'bin'}:{os.environ['PATH']}"}
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    finished = subprocess.run(command, cwd=reference, env=environment, capture_output=True, text=True)
    wall = time.perf_counter() - began
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode != 0:
        raise RuntimeError(f"the reference engine failed: {finished.stdout[-2000:]}{finished.stderr[-2000:]}")
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return wall, cpu


class CallRecorder:
    """Times each AWS request the stack's server answers, by operation (wraps its signature check,
    the outermost layer, so the time includes moto and the journal)."""

    def __init__(self) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self.seconds: collections.defaultdict[str, float] = collections.defaultdict(float)
        self.recording = False

    def install(self) -> None:
        answer = moto_backend.SignedRequests.__call__
        recorder = self

        def timed(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
            began = time.perf_counter()
            operation = recorder.operation(environ)
            body = list(answer(self, environ, start_response))
            if recorder.recording:
                recorder.calls[operation] += 1
                recorder.seconds[operation] += time.perf_counter() - began
            return body

        moto_backend.SignedRequests.__call__ = timed

    @staticmethod
    def operation(environ: dict[str, Any]) -> str:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target:  # S3 (or Lambda, Step Functions' REST calls): method and the key's last part
            name = re.sub(r"[0-9a-f-]{8,}|\d+", "*", environ.get("PATH_INFO", "").rstrip("/").split("/")[-1])
            return f"{environ.get('REQUEST_METHOD')} {name[:40]}"
        operation = target.split(".")[-1]
        if operation in ("PutItem", "UpdateItem", "GetItem", "DeleteItem"):
            body = moto_backend._read_body(environ)
            request = json.loads(body or b"{}")
            key = request.get("Item") or request.get("Key") or {}
            kind = key.get("pk", {}).get("S", "").split("#")[0]
            sort = re.sub(r"#.*", "#*", key.get("sk", {}).get("S", ""))
            return f"{operation} {kind} {sort}"
        return operation

    def print_table(self, runs: int) -> None:
        print("\n| AWS call served by the stack | calls a run | ms a run | ms a call |\n|---|---:|---:|---:|")
        for operation, seconds in sorted(self.seconds.items(), key=lambda item: -item[1]):
            calls = self.calls[operation]
            print(
                f"| {operation} | {calls / runs:.1f} | {seconds * 1000 / runs:.0f} | {seconds * 1000 / calls:.1f} |"
            )
        total = sum(self.seconds.values())
        print(f"| all | {sum(self.calls.values()) / runs:.1f} | {total * 1000 / runs:.0f} | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=60_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference", type=Path, help="the reference engine's checkout, with its venv in V/")
    parser.add_argument("--one-process", action="store_true", help="stage functions in the stack's process")
    parser.add_argument("--calls", action="store_true", help="time every AWS call the stack serves")
    args = parser.parse_args()
    recorder = CallRecorder()
    if args.calls:
        recorder.install()
    with (
        tempfile.TemporaryDirectory() as data_dir,
        LocalStack(data_dir=Path(data_dir), no_auth=True, isolated=not args.one_process) as stack,
    ):
        api = httpx.Client(base_url=stack.api_url, timeout=120)
        one_run(api, 1_000, 2, seed=1)  # loads every function once
        rows = []
        recorder.recording = True
        for repetition in range(args.repeat):
            load = os.getloadavg()[0]
            rows.append(one_run(api, args.employees, args.years, seed=100 + repetition))
            print(f"run {repetition + 1}: {rows[-1]['upload -> completed']:.2f} s (load average {load:.1f})")
        recorder.recording = False
    print(f"\n{args.employees:,} x {args.years} on the local stack, {args.repeat} runs")
    print("| step | median s | min s | max s |\n|---|---:|---:|---:|")
    for step in STEPS:
        values = [row[step] for row in rows]
        print(f"| {step} | {statistics.median(values):.3f} | {min(values):.3f} | {max(values):.3f} |")
    if args.calls:
        recorder.print_table(args.repeat)
    if args.reference:
        ours = statistics.median(row["upload -> completed"] for row in rows)
        with tempfile.TemporaryDirectory() as folder:
            load = os.getloadavg()[0]
            census = census_csv(generate_census(args.employees, seed=100))  # the first repetition's
            wall, cpu = reference_run(args.reference, census, args.years, Path(folder))
        print("\n| engine | census -> completed s | CPU s | load average |\n|---|---:|---:|---:|")
        print(f"| reference (dbt + DuckDB, `planalign simulate`) | {wall:.1f} | {cpu:.1f} | {load:.1f} |")
        print(f"| ours, local stack, upload -> completed (median) | {ours:.2f} | | |")
        print(f"ratio: {wall / ours:.0f}x (the issue's target: 100x or better, 2 s)")


if __name__ == "__main__":
    main()
