"""Latency of the local stack as its table grows: starts `planalign local` in a process of its own,
measures `GET /api/workspaces` (and a durable workspace write) at a fixed request rate, seeds the
table with N workspaces spread over tenants (each with the Studio's default config, as
`POST /api/workspaces` stores them), and measures again. Loopback only; every loop is bounded in
requests and seconds. Prints a table (README "Reliability and security").

    .venv/bin/python scripts/local_load_bench.py [--workspaces 10000] [--tenants 500] [--rate 20] [--seconds 30]
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))

from planalign.adapters.store import ITEM_SK, to_dynamo  # noqa: E402
from planalign.domain.studio_config import default_base_config  # noqa: E402
from planalign.local.stack import free_port  # noqa: E402
from planalign.targets import ENDPOINT_FILE  # noqa: E402

SENDERS = 32


def start_local(data_dir: Path, tenants: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    tokens = ",".join(f"tenant-{n}:token-{n}" for n in range(tenants))
    process = subprocess.Popen(
        [sys.executable, "-m", "planalign.cli", "local", "--port", str(port), "--data-dir", str(data_dir)],
        env={**os.environ, "PLANALIGN_API_TOKENS": tokens, "PYTHONPATH": str(ROOT / "shared")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=5).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("planalign local did not start")


def seed(data_dir: Path, workspaces: int, tenants: int) -> float:
    """Put `workspaces` workspace items (and their usage counters) in the table, 25 per request."""
    import boto3

    endpoint = json.loads((data_dir / ENDPOINT_FILE).read_text())
    table = boto3.resource(
        "dynamodb",
        endpoint_url=endpoint["endpoint_url"],
        region_name=endpoint["region"],
        **endpoint["credentials"],
    ).Table(endpoint["outputs"]["TableName"])
    config = default_base_config()
    started = time.perf_counter()
    with table.batch_writer() as batch:
        for number in range(workspaces):
            tenant, workspace_id = f"tenant-{number % tenants}", f"ws_seed{number:07d}"
            batch.put_item(
                Item=to_dynamo(
                    {
                        "pk": f"WS#{workspace_id}",
                        "sk": ITEM_SK,
                        "id": workspace_id,
                        "tenant_id": tenant,
                        "name": f"seeded {number}",
                        "description": None,
                        "base_config": config,
                        "auto_run_scenarios": [],
                        "created_at": "2026-11-30T00:00:00Z",
                        "updated_at": "2026-11-30T00:00:00Z",
                        "scenario_count": 0,
                        "last_run_at": None,
                        "latest_dataset_id": None,
                        "gsi1pk": f"T#{tenant}#WS",
                        "gsi1sk": workspace_id,
                    }
                )
            )
    return time.perf_counter() - started


def measure(url: str, tenants: int, rate: float, seconds: float, write: bool) -> dict[str, Any]:
    """Requests sent at `rate` per second for `seconds` (open loop: a slow answer does not slow the
    sending), each from a random tenant; returns the latency percentiles in ms."""
    count = int(rate * seconds)
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    client = httpx.Client(base_url=url, timeout=60, limits=httpx.Limits(max_connections=SENDERS))
    targets: list[str] = []
    if write:
        for n in range(min(tenants, 20)):
            made = client.post(
                "/api/workspaces", json={"name": "written"}, headers={"Authorization": f"Bearer token-{n}"}
            )
            targets.append(made.json()["id"])

    for tenant in range(3):  # the first calls import the function's code (a cold start): not timed
        client.get("/api/workspaces", headers={"Authorization": f"Bearer token-{tenant}"})

    def one(number: int) -> None:
        tenant = number % (len(targets) if write else tenants)
        headers = {"Authorization": f"Bearer token-{tenant}"}
        started = time.perf_counter()
        if write:
            answer = client.put(
                f"/api/workspaces/{targets[tenant]}", json={"name": f"n{number}"}, headers=headers
            )
        else:
            answer = client.get("/api/workspaces", headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            if answer.status_code != 200:
                failures.append(f"{answer.status_code} {answer.text[:100]}")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        for number in range(count):
            delay = started + number / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, number)
    latencies.sort()
    client.close()
    return {
        "requests": len(latencies),
        "failed": len(failures),
        "p50": statistics.median(latencies),
        "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)],
        "max": latencies[-1],
    }


def row(table: str, what: str, rate: float, result: dict[str, Any]) -> None:
    print(
        f"| {table} | {what} | {rate:g} | {result['requests']} | {result['failed']} | "
        f"{result['p50']:.0f} | {result['p99']:.0f} | {result['max']:.0f} |",
        flush=True,
    )


def measure_both(url: str, table: str, arguments: argparse.Namespace) -> None:
    for write, rate in ((False, arguments.rate), (True, arguments.write_rate)):
        what = "PUT /api/workspaces/{id}" if write else "GET /api/workspaces"
        row(table, what, rate, measure(url, arguments.tenants, rate, arguments.seconds, write))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=10_000)
    parser.add_argument("--tenants", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--write-rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    arguments = parser.parse_args()
    print("| table | request | req/s | requests | failed | p50 ms | p99 ms | max ms |", flush=True)
    print("|---|---|---|---|---|---|---|---|", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        process, url = start_local(data_dir, arguments.tenants)
        try:
            measure_both(url, "fresh", arguments)
            seconds = seed(data_dir, arguments.workspaces, arguments.tenants)
            print(f"(seeded {arguments.workspaces:,} workspaces in {seconds:.1f} s)", flush=True)
            measure_both(url, f"{arguments.workspaces:,} workspaces", arguments)
            started = time.perf_counter()
            process.send_signal(signal.SIGINT)
            process.wait(timeout=300)
            process, url = start_local(data_dir, arguments.tenants)
            print(f"(restart: {time.perf_counter() - started:.1f} s from Ctrl-C to healthy)", flush=True)
            measure_both(url, f"{arguments.workspaces:,} workspaces, restarted", arguments)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=300)


if __name__ == "__main__":
    main()
