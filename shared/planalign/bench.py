"""The benchmark behind the README's table: wall time, throughput and peak memory of the import,
simulation and pipeline stages (upload to completed) and of the exports made after, on synthetic
censuses, each size in a fresh process."""

import json
import multiprocessing
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from planalign.adapters.artifacts import Artifacts
from planalign.domain.census import Census
from planalign.domain.census_generator import census_csv, generate_census
from planalign.domain.census_reader import read_census
from planalign.domain.config import SimulationConfig, resolve_config
from planalign.domain.exports import metrics_csv
from planalign.domain.studio_config import default_base_config, merge_studio_config, translate_studio_config
from planalign.services.stages import run_workbook, simulate_and_store, store_summary

DEFAULT_SIZES = [(10_000, 5), (60_000, 5), (250_000, 5), (1_000_000, 10)]
START_YEAR = 2025
STAGES = ("import", "simulation", "pipeline")  # upload to completed; the exports come after
PLANS = ("default", "rich")
# The "rich" plan design: the Studio's defaults (auto-enrolment window, opt-out grace and opt-outs by
# pay, voluntary choices and the match magnet, the match response, promotion hazards, new-hire offers,
# IRS limits by year, cents) with a tenure-graded match, a points-based core with §401(l) integration
# and escalation on July 1 with hire-date cutoffs.
RICH_PLAN: dict[str, Any] = {
    "dc_plan": {
        "match_status": "tenure_graded",
        "tenure_graded_bands": [
            {
                "min_years": 0,
                "max_years": 3,
                "tiers": [{"employee_min": 0.0, "employee_max": 0.03, "match_rate": 0.5}],
            },
            {
                "min_years": 3,
                "max_years": None,
                "tiers": [
                    {"employee_min": 0.0, "employee_max": 0.03, "match_rate": 1.0},
                    {"employee_min": 0.03, "employee_max": 0.05, "match_rate": 0.5},
                ],
            },
        ],
        "match_min_tenure_years": 1,
        "core_status": "points_based",
        "core_points_schedule": [
            {"min_points": 0, "max_points": 50, "contribution_rate": 0.02},
            {"min_points": 50, "max_points": None, "contribution_rate": 0.04},
        ],
        "core_integration_enabled": True,
        "core_integration_disparity_rate": 0.02,
        "auto_enroll_scope": "all_eligible",
        "auto_enroll_hire_date_cutoff": "2018-01-01",
        "escalation_effective_day": "07-01",
        "escalation_hire_date_cutoff": "2015-01-01",
    }
}
# Column headers of format_table, in order.
LABELS = {
    "employees": "employees",
    "years": "years",
    "employee_years": "employee-years",
    "events": "events",
    "import_s": "import s",
    "import_peak_rss_mb": "peak RSS so far (MB)",
    "simulation_s": "simulation s",
    "simulation_cpu_s": "simulation CPU s",
    "simulation_peak_rss_mb": "peak RSS so far (MB)",
    "pipeline_s": "pipeline s",
    "pipeline_peak_rss_mb": "peak RSS so far (MB)",
    "whole_run_s": "whole run s",
    "exports_s": "exports s",
    "exports_peak_rss_mb": "peak RSS so far (MB)",
    "simulation_employee_years_per_s": "sim employee-years/s",
    "employee_years_per_s": "run employee-years/s",
}


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux: the high-water mark of this process since it started.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Folder(Artifacts):
    """A bucket in a local folder: the stages' outputs are written (not held in the process's memory)
    and read back by the stages after, as from S3 without the network."""

    def __init__(self, root: Path) -> None:
        super().__init__("bench")
        self.root = root

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)

    def get(self, key: str, version_id: str | None = None) -> bytes:
        return (self.root / key).read_bytes()


def bench_config(years: int, plan: str = "default") -> SimulationConfig:
    """The engine's built-in config (default) or the rich Studio plan design (rich) for `years` years."""
    span = {"simulation": {"start_year": START_YEAR, "end_year": START_YEAR + years - 1}}
    if plan == "default":
        return resolve_config(span)
    config, _ = translate_studio_config(merge_studio_config(default_base_config(), {**RICH_PLAN, **span}))
    return config


def _measure(employees: int, years: int, plan: str = "default") -> dict[str, Any]:
    """One size, run in its own process so that its peak RSS is its own."""
    csv_bytes = census_csv(generate_census(employees))
    config = bench_config(years, plan)
    row: dict[str, Any] = {"employees": employees, "years": years, "employee_years": employees * years}
    began, cpu_began = time.perf_counter(), time.process_time()

    def lap(stage: str) -> None:
        # CPU seconds besides wall seconds: on a shared machine they compare the work, not the wait.
        nonlocal began, cpu_began
        row[f"{stage}_s"] = round(time.perf_counter() - began, 3)
        row[f"{stage}_cpu_s"] = round(time.process_time() - cpu_began, 3)
        row[f"{stage}_peak_rss_mb"] = round(_peak_rss_mb(), 1)
        began, cpu_began = time.perf_counter(), time.process_time()

    # Each stage starts from what the one before stored and lets go of what only it needed, as the
    # stages' Lambda functions (one process each) do.
    with tempfile.TemporaryDirectory(prefix="planalign-bench-") as folder:
        artifacts, run_folder = _Folder(Path(folder)), "run/"
        stored = read_census(csv_bytes, "census.csv").census.to_bytes()
        del csv_bytes
        lap("import")
        census = Census.from_bytes(stored)
        del stored
        summary = simulate_and_store(artifacts, run_folder, census, config)
        del census
        row["events"] = summary.total_events
        summary_key = store_summary(artifacts, run_folder, summary, config.simulation.random_seed)
        lap("simulation")
        simulated = json.loads(artifacts.get(summary_key))
        results = {**simulated["results"], "bands": None}
        artifacts.put(run_folder + "metrics.csv", metrics_csv(results))
        artifacts.put(run_folder + "results.json", json.dumps(results).encode())
        lap("pipeline")
        manifest = {"benchmark": f"{employees} x {years}", "seed": simulated["seed"]}
        run_workbook(artifacts, run_folder, simulated, manifest)
        lap("exports")
    row["whole_run_s"] = round(sum(row[f"{stage}_s"] for stage in STAGES), 3)
    row["simulation_employee_years_per_s"] = round(row["employee_years"] / row["simulation_s"])
    row["employee_years_per_s"] = round(row["employee_years"] / row["whole_run_s"])
    return {name: row[name] for name in LABELS}


def run_bench(sizes: list[tuple[int, int]] | None = None, plan: str = "default") -> list[dict[str, Any]]:
    """One row per (employees, years), each measured in a freshly spawned process: seconds per stage
    (import: read the census CSV and store it; simulation: load it, project, then metrics, Results with
    quality checks, the Parquet tables and the summary, stored in a temporary folder; pipeline: the
    summary to results.json and metrics.csv, where the run is completed; exports: the XLSX from the
    Parquet tables), the process's peak RSS after each stage, whole_run_s (import to completed) and
    employee-years per second.
    Generating the census is not timed. `plan`: the engine's built-in plan (default) or RICH_PLAN."""
    context = multiprocessing.get_context("spawn")
    rows = []
    for employees, years in sizes or DEFAULT_SIZES:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            rows.append(pool.submit(_measure, employees, years, plan).result())
    return rows


def _cell(value: int | float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    # Three decimals only where they matter: short stage times.
    return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"


def format_table(rows: list[dict[str, Any]]) -> str:
    """The rows as an aligned Markdown table, numbers right-aligned."""
    names = [name for name in LABELS if any(name in row for row in rows)]
    cells = [[LABELS[name] for name in names], *[[_cell(row[name]) for name in names] for row in rows]]
    widths = [max(len(line[i]) for line in cells) for i in range(len(names))]
    lines = [
        "| " + " | ".join(text.rjust(width) for text, width in zip(line, widths, strict=True)) + " |"
        for line in cells
    ]
    rule = "|" + "|".join("-" * (width + 1) + ":" for width in widths) + "|"
    return "\n".join([lines[0], rule, *lines[1:]])
