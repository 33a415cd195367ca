"""Latency of the local stack as its table grows: `planalign local` runs in a process of its own;
20 tenants get 5 workspaces each through the API and `GET /api/workspaces` (and a durable rename)
is measured at a fixed request rate; then 10,000 more workspaces of other tenants (each with the
Studio's default config, as `POST /api/workspaces` stores it) are added to the stopped stack's data
dir, the stack restarts (timed) and the same requests are measured again. Loopback only; every loop
is bounded in requests and seconds. Prints a table (README "Reliability and security").

    .venv/bin/python scripts/local_load_bench.py [--workspaces 10000] [--rate 20] [--write-rate 4] [--seconds 30]
"""

import argparse
import base64
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

from planalign.adapters.store import ITEM_SK, pack_documents  # noqa: E402
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


def add_workspaces(data_dir: Path, table: str, workspaces: int) -> None:
    """Append `workspaces` workspace items of other tenants (10 each) to the stopped stack's journal,
    in the journal's own format: the next start loads them as it loads any acknowledged write."""
    from boto3.dynamodb.types import TypeSerializer
    from planalign.local.persistence import item_key_json

    serializer = TypeSerializer()
    config = default_base_config()
    with (data_dir / "journal.jsonl").open("a") as journal:
        for number in range(workspaces):
            tenant, workspace_id = f"other-{number // 10}", f"ws_seed{number:07d}"
            item = pack_documents(
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
            wire = {name: serializer.serialize(value) for name, value in item.items()}
            # The journal holds Binary values as base64 text (JSON), as the stack writes them.
            wire = {k: {"B": base64.b64encode(v["B"]).decode()} if "B" in v else v for k, v in wire.items()}
            key = item_key_json({"pk": wire["pk"], "sk": wire["sk"]})
            journal.write(json.dumps({"table": table, "key": key, "item": wire}) + "\n")


def make_workspaces(url: str, tenants: int, per_tenant: int) -> dict[int, list[str]]:
    client = httpx.Client(base_url=url, timeout=60)
    made: dict[int, list[str]] = {}
    for tenant in range(tenants):
        headers = {"Authorization": f"Bearer token-{tenant}"}
        for number in range(per_tenant):
            answer = client.post("/api/workspaces", json={"name": f"w{number}"}, headers=headers)
            made.setdefault(tenant, []).append(answer.json()["id"])
    return made


def measure(
    url: str, workspaces: dict[int, list[str]], rate: float, seconds: float, write: bool
) -> dict[str, Any]:
    """Requests sent at `rate` per second for `seconds` (open loop: a slow answer does not slow the
    sending), each from one of the tenants in turn; returns the latency percentiles in ms."""
    count = int(rate * seconds)
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    client = httpx.Client(base_url=url, timeout=60, limits=httpx.Limits(max_connections=SENDERS))
    for tenant in range(3):  # the first calls import the function's code (a cold start): not timed
        client.get("/api/workspaces", headers={"Authorization": f"Bearer token-{tenant}"})

    def one(number: int) -> None:
        tenant = number % len(workspaces)
        headers = {"Authorization": f"Bearer token-{tenant}"}
        started = time.perf_counter()
        if write:
            target = workspaces[tenant][number % len(workspaces[tenant])]
            answer = client.put(f"/api/workspaces/{target}", json={"name": f"n{number}"}, headers=headers)
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


def measure_both(
    url: str, table: str, workspaces: dict[int, list[str]], arguments: argparse.Namespace
) -> None:
    for write, rate in ((False, arguments.rate), (True, arguments.write_rate)):
        what = "PUT /api/workspaces/{id}" if write else "GET /api/workspaces"
        row(table, what, rate, measure(url, workspaces, rate, arguments.seconds, write))


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=300)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--write-rate", type=float, default=4.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    arguments = parser.parse_args()
    tenants = 20
    print("| table | request | req/s | requests | failed | p50 ms | p99 ms | max ms |", flush=True)
    print("|---|---|---|---|---|---|---|---|", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        process, url = start_local(data_dir, tenants)
        try:
            table = json.loads((data_dir / ENDPOINT_FILE).read_text())["outputs"]["TableName"]
            workspaces = make_workspaces(url, tenants, 5)
            measure_both(url, f"{tenants * 5} workspaces", workspaces, arguments)
            stop(process)
            add_workspaces(data_dir, table, arguments.workspaces)
            started = time.perf_counter()
            process, url = start_local(data_dir, tenants)
            print(
                f"(start with {arguments.workspaces:,} more: {time.perf_counter() - started:.1f} s to healthy)"
            )
            measure_both(url, f"{tenants * 5 + arguments.workspaces:,} workspaces", workspaces, arguments)
        finally:
            if process.poll() is None:
                stop(process)


if __name__ == "__main__":
    main()
