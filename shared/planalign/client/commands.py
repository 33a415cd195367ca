"""The client commands of `planalign`: `runs start|status|wait|results|export|cancel`, `upload`,
`workspaces` and `scenarios` (list, create, show), against `--api-url` with `--token` (or
PLANALIGN_API_URL / PLANALIGN_API_TOKEN; default the running `planalign local`). Tables for people
(rich), `--json` for scripts, and exit codes that say how runs ended (EXIT_CODES)."""

import argparse
import json
import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from planalign.client.api import DEFAULT_API_URL, ApiError, PlanAlignClient
from planalign.client.follow import WaitTimeout, follow_runs

EXIT_COMPLETED = 0
EXIT_FAILED = 1
EXIT_USAGE = 2  # argparse's
EXIT_CANCELLED = 3
EXIT_API_ERROR = 4
EXIT_TIMEOUT = 5
EXIT_CODES = {
    EXIT_COMPLETED: "success; every run waited for completed (warnings included)",
    EXIT_FAILED: "a run failed",
    EXIT_USAGE: "bad command line",
    EXIT_CANCELLED: "a run was cancelled (and none failed)",
    EXIT_API_ERROR: "the API refused a request or could not be reached",
    EXIT_TIMEOUT: "--timeout passed before the runs ended",
}
EXPORT_SUFFIX = {"xlsx": "xlsx", "csv": "csv"}

Command = Callable[[argparse.Namespace, PlanAlignClient], int]


def add_client_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add `runs`, `upload`, `workspaces` and `scenarios` to the `planalign` parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--api-url",
        default=os.environ.get("PLANALIGN_API_URL") or DEFAULT_API_URL,
        help="the API's origin (PLANALIGN_API_URL; default: a running planalign local, %(default)s)",
    )
    common.add_argument(
        "--token", default=os.environ.get("PLANALIGN_API_TOKEN"), help="API token (PLANALIGN_API_TOKEN)"
    )
    common.add_argument("--json", action="store_true", help="print JSON for scripts instead of tables")
    following = argparse.ArgumentParser(add_help=False)
    following.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the runs")
    following.add_argument("--poll", action="store_true", help="poll over HTTP instead of the WebSocket")
    following.add_argument("--out", help="also download the exports of completed runs to this folder")
    following.add_argument(
        "--format",
        nargs="+",
        default=["xlsx", "csv"],
        choices=sorted(EXPORT_SUFFIX),
        help="exports to download",
    )

    def add(group: Any, name: str, command: Command, help_text: str, *parents: Any) -> Any:
        parser = group.add_parser(name, help=help_text, parents=[common, *parents])
        parser.set_defaults(run=_client_command(command))
        return parser

    runs = commands.add_parser("runs", help="start, follow, read and cancel runs").add_subparsers(
        dest="runs_command", required=True
    )
    start = add(runs, "start", _runs_start, "start a scenario's run", following)
    start.add_argument("scenario_id")
    start.add_argument("--wait", action="store_true", help="follow it to its end (exit code: how it ended)")
    add(runs, "status", _runs_status, "a run's status").add_argument("run_id")
    add(runs, "wait", _runs_wait, "follow runs to their end", following).add_argument("run_ids", nargs="+")
    add(runs, "results", _runs_results, "a run's per-year results and cost").add_argument("run_id")
    export = add(runs, "export", _runs_export, "download a run's XLSX or CSV export")
    export.add_argument("run_id")
    export.add_argument("--format", choices=sorted(EXPORT_SUFFIX), default="xlsx")
    export.add_argument("--out", default=".", help="folder (default: here)")
    add(runs, "cancel", _runs_cancel, "cancel a run").add_argument("run_id")

    upload = add(commands, "upload", _upload, "upload a census (presigned form) and run scenarios", following)
    upload.add_argument("file", type=Path)
    upload.add_argument("--workspace", required=True, help="workspace id or name")
    upload.add_argument(
        "--run",
        nargs="+",
        dest="run_scenarios",
        metavar="SCENARIO",
        help="'all', or scenario ids or names to run on this census",
    )
    upload.add_argument("--sheet", help="the workbook's sheet holding the census")
    upload.add_argument("--wait", action="store_true", help="follow the runs to their end")

    workspaces = commands.add_parser("workspaces", help="list, create, show workspaces").add_subparsers(
        dest="workspaces_command", required=True
    )
    add(workspaces, "list", _workspaces_list, "every workspace")
    create = add(workspaces, "create", _workspaces_create, "make a workspace")
    create.add_argument("name")
    create.add_argument("--description", default="")
    add(workspaces, "show", _workspaces_show, "one workspace").add_argument("workspace")

    scenarios = commands.add_parser("scenarios", help="list, create, show scenarios").add_subparsers(
        dest="scenarios_command", required=True
    )
    add(scenarios, "list", _scenarios_list, "a workspace's scenarios").add_argument(
        "--workspace", required=True, help="workspace id or name"
    )
    create = add(scenarios, "create", _scenarios_create, "make a scenario")
    create.add_argument("name")
    create.add_argument("--workspace", required=True, help="workspace id or name")
    create.add_argument("--description", default="")
    create.add_argument("--config", type=Path, help="config_overrides as a JSON file (the Studio's dialect)")
    create.add_argument("--members", type=int, help="an ensemble of this many seeds")
    show = add(scenarios, "show", _scenarios_show, "one scenario")
    show.add_argument("scenario")
    show.add_argument("--workspace", required=True, help="workspace id or name")


def _client_command(command: Command) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            with PlanAlignClient(args.api_url, args.token) as client:
                return command(args, client)
        except ApiError as error:
            _console(stderr=True).print(f"[red]error[/red] {error}", highlight=False)
            return EXIT_API_ERROR
        except WaitTimeout as error:
            _console(stderr=True).print(f"[yellow]timed out[/yellow] {error}", highlight=False)
            return EXIT_TIMEOUT

    return run


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=True)


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str))


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    _console().print(table)


def exit_code(runs: list[dict[str, Any]]) -> int:
    """A failed run wins over a cancelled one; otherwise every run completed."""
    statuses = {run["status"] for run in runs}
    if "failed" in statuses:
        return EXIT_FAILED
    if "cancelled" in statuses:
        return EXIT_CANCELLED
    return EXIT_COMPLETED


# ---------------------------------------------------------------- runs
def _runs_start(args: argparse.Namespace, client: PlanAlignClient) -> int:
    started = client.start_run(args.scenario_id)
    if not args.wait:
        if args.json:
            _print_json(started)
        else:
            _table("run started", ["run", "scenario", "status", "websocket"], [_run_row_start(started)])
        return EXIT_COMPLETED
    return _wait_and_report(args, client, [started["run_id"]])


def _run_row_start(run: dict[str, Any]) -> list[Any]:
    return [run["run_id"], run["scenario_id"], run["status"], run.get("websocket_url")]


def _runs_status(args: argparse.Namespace, client: PlanAlignClient) -> int:
    run = client.run(args.run_id)
    if args.json:
        _print_json(run)
    else:
        _runs_table([run])
    return EXIT_COMPLETED


def _runs_wait(args: argparse.Namespace, client: PlanAlignClient) -> int:
    return _wait_and_report(args, client, list(args.run_ids))


def _runs_results(args: argparse.Namespace, client: PlanAlignClient) -> int:
    results = client.results(args.run_id)
    if args.json:
        _print_json(results)
        return EXIT_COMPLETED
    years = [row["simulation_year"] for row in results["workforce"]]
    rows = [
        [
            year,
            f"{workforce['headcount']:,}",
            f"{plan['participation_rate']:.1f}",
            f"{plan['total_employer_cost']:,.0f}",
        ]
        for year, workforce, plan in zip(years, results["workforce"], results["dc_plan"], strict=True)
    ]
    _table(f"run {args.run_id}", ["year", "headcount", "participation %", "employer cost $"], rows)
    print(
        f"final headcount {results['final_headcount']:,}, growth {results['total_growth_pct']:.2f}%, "
        f"CAGR {results['cagr']:.2f}%, participation {100 * results['participation_rate']:.1f}%"
    )
    if results.get("cost"):
        print_cost(results["cost"])
    return EXIT_COMPLETED


def _runs_export(args: argparse.Namespace, client: PlanAlignClient) -> int:
    path = _download(client, args.run_id, args.format, Path(args.out), args.run_id)
    if args.json:
        _print_json({"run_id": args.run_id, "format": args.format, "path": str(path)})
    else:
        print(f"{path} ({path.stat().st_size:,} bytes)")
    return EXIT_COMPLETED


def _runs_cancel(args: argparse.Namespace, client: PlanAlignClient) -> int:
    answer = client.cancel(args.run_id)
    if args.json:
        _print_json(answer)
    else:
        print(f"run {answer['run_id']}: {answer['status']}")
    return EXIT_COMPLETED


def _download(client: PlanAlignClient, run_id: str, export_format: str, folder: Path, stem: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.{EXPORT_SUFFIX[export_format]}"
    path.write_bytes(client.export(run_id, export_format))
    return path


def _wait_and_report(
    args: argparse.Namespace, client: PlanAlignClient, run_ids: list[str], names: dict[str, str] | None = None
) -> int:
    """Follow the runs with a progress bar each, then print them (and their cost), download the
    exports of the completed ones to --out, and answer the exit code of how they ended."""
    runs = _follow_with_bars(args, client, run_ids, names or {})
    ended = [runs[run_id] for run_id in run_ids]
    costs = {
        run["id"]: client.results(run["id"]).get("cost") for run in ended if run["status"] == "completed"
    }
    exports: dict[str, list[str]] = {}
    if args.out:
        for run in ended:
            if run["status"] == "completed":
                stem = _file_stem((names or {}).get(run["id"]) or run["id"])
                exports[run["id"]] = [
                    str(_download(client, run["id"], fmt, Path(args.out), stem)) for fmt in args.format
                ]
    if args.json:
        _print_json(
            [{**run, "cost": costs.get(run["id"]), "exports": exports.get(run["id"], [])} for run in ended]
        )
    else:
        _runs_table(ended, costs, names)
        for paths in exports.values():
            for path in paths:
                print(f"  {path}")
    return exit_code(ended)


def _follow_with_bars(
    args: argparse.Namespace, client: PlanAlignClient, run_ids: list[str], names: dict[str, str]
) -> dict[str, dict[str, Any]]:
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    use_websocket = not args.poll
    if args.json or not sys.stderr.isatty():
        return follow_runs(client, run_ids, lambda *_: None, args.timeout, use_websocket)
    lock = threading.Lock()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=_console(stderr=True),
    ) as bars:
        tasks = {
            run_id: bars.add_task(names.get(run_id, run_id)[:28], total=100, status="pending")
            for run_id in run_ids
        }

        def on_progress(run_id: str, data: dict[str, Any]) -> None:
            stage = data.get("current_stage") or ""
            status = data.get("status") or ""
            with lock:
                bars.update(
                    tasks[run_id],
                    completed=float(data.get("progress") or 0),
                    status=f"{status} {stage.lower()}".strip(),
                )

        return follow_runs(client, run_ids, on_progress, args.timeout, use_websocket)


def _runs_table(
    runs: list[dict[str, Any]],
    costs: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
) -> None:
    rows = []
    for run in runs:
        cost = (costs or {}).get(run["id"])
        detail = run.get("error_message") or "; ".join(run.get("warnings") or [])
        rows.append(
            [
                run["id"],
                (names or {}).get(run["id"], run.get("scenario_id")),
                run["status"],
                f"{float(run.get('progress') or 0):.0f}%",
                run.get("completed_at") or run.get("started_at") or run.get("created_at"),
                f"{cost['total_usd']:.6f}" if cost else "",
                detail[:80],
            ]
        )
    _table("runs", ["run", "scenario", "status", "progress", "at", "cost $", "detail"], rows)


def print_cost(cost: dict[str, Any]) -> None:
    """The cost's lines, its total and what it leaves out."""
    rows = [
        [line["item"], f"{line['quantity']:,.4f}", line["unit"], f"{line['usd']:.8f}"]
        for line in cost["lines"]
    ]
    rows.append(["total", "", "", f"{cost['total_usd']:.8f}"])
    _table(
        f"what the run cost in AWS ({cost['region']}, prices of {cost['prices_as_of']}, an estimate)",
        ["item", "quantity", "unit", "USD"],
        rows,
    )
    print("left out: " + "; ".join(cost["left_out"]))


# ---------------------------------------------------------------- upload
def _upload(args: argparse.Namespace, client: PlanAlignClient) -> int:
    workspace = client.workspace(args.workspace)
    scenarios = client.scenarios(workspace["id"]) if args.run_scenarios else []
    if args.run_scenarios == ["all"]:
        chosen = scenarios
    else:
        chosen = [client.scenario(workspace["id"], reference) for reference in args.run_scenarios or []]
    form = client.upload(
        workspace["id"], args.file, [scenario["id"] for scenario in chosen] or None, args.sheet
    )
    dataset = client.dataset_of_upload(workspace["id"], form["upload_id"])
    runs = {scenario["id"]: client.run_for_dataset(scenario["id"], dataset["id"]) for scenario in chosen}
    names = {run["id"]: scenario["name"] for scenario in chosen for run in [runs[scenario["id"]]]}
    if not args.wait:
        summary = {
            "upload_id": form["upload_id"],
            "dataset_id": dataset["id"],
            "runs": [{"run_id": run["id"], "scenario_id": sid} for sid, run in runs.items()],
        }
        if args.json:
            _print_json(summary)
        else:
            print(f"uploaded {args.file} as dataset {dataset['id']} (upload {form['upload_id']})")
            _runs_table(list(runs.values()), names=names)
        return EXIT_COMPLETED
    if not args.json:
        print(f"uploaded {args.file} as dataset {dataset['id']}; following {len(runs)} runs")
    return _wait_and_report(args, client, [run["id"] for run in runs.values()], names)


def _file_stem(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "run"


# ---------------------------------------------------------------- workspaces and scenarios
def _workspaces_list(args: argparse.Namespace, client: PlanAlignClient) -> int:
    workspaces = client.workspaces()
    if args.json:
        _print_json(workspaces)
    else:
        rows = [[w["id"], w.get("name"), w.get("description"), w.get("created_at")] for w in workspaces]
        _table("workspaces", ["id", "name", "description", "created"], rows)
    return EXIT_COMPLETED


def _workspaces_create(args: argparse.Namespace, client: PlanAlignClient) -> int:
    workspace = client.create_workspace(args.name, args.description)
    if args.json:
        _print_json(workspace)
    else:
        print(f"workspace {workspace['id']}: {workspace['name']}")
    return EXIT_COMPLETED


def _workspaces_show(args: argparse.Namespace, client: PlanAlignClient) -> int:
    workspace = client.workspace(args.workspace)
    if args.json:
        _print_json(workspace)
    else:
        _table(f"workspace {workspace['id']}", ["field", "value"], _fields(workspace, ("base_config",)))
    return EXIT_COMPLETED


def _scenarios_list(args: argparse.Namespace, client: PlanAlignClient) -> int:
    scenarios = client.scenarios(client.workspace(args.workspace)["id"])
    if args.json:
        _print_json(scenarios)
    else:
        rows = [[s["id"], s.get("name"), s.get("status"), s.get("description")] for s in scenarios]
        _table("scenarios", ["id", "name", "status", "description"], rows)
    return EXIT_COMPLETED


def _scenarios_create(args: argparse.Namespace, client: PlanAlignClient) -> int:
    overrides: dict[str, Any] = json.loads(args.config.read_text()) if args.config else {}
    if args.members:
        overrides["ensemble"] = {"members": args.members}
    workspace = client.workspace(args.workspace)
    scenario = client.create_scenario(workspace["id"], args.name, args.description, overrides)
    if args.json:
        _print_json(scenario)
    else:
        print(f"scenario {scenario['id']}: {scenario['name']} (workspace {workspace['id']})")
    return EXIT_COMPLETED


def _scenarios_show(args: argparse.Namespace, client: PlanAlignClient) -> int:
    scenario = client.scenario(client.workspace(args.workspace)["id"], args.scenario)
    if args.json:
        _print_json(scenario)
    else:
        _table(f"scenario {scenario['id']}", ["field", "value"], _fields(scenario, ()))
    return EXIT_COMPLETED


def _fields(item: dict[str, Any], long: tuple[str, ...]) -> list[list[Any]]:
    """A record as rows; nested values as compact JSON, long ones left out (see --json)."""
    rows = []
    for key, value in item.items():
        if key in long:
            rows.append([key, "(see --json)"])
        elif isinstance(value, dict | list):
            rows.append([key, json.dumps(value)[:120]])
        else:
            rows.append([key, value])
    return rows
