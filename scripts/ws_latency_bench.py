"""WebSocket push latency on the local stack: from a progress write on the run item to the first
`update` at each subscribed client that shows it (its own, or a later one when the notifier left it
out for that one), with N subscribers on one run. The subscribers are a separate process, as a
frontend is. Prints a table: the writes that got their own update, delivered/expected (each
subscriber should get every update sent), order, p50, p99.

With --real-run EMPLOYEESxYEARS the writes are a real run's: a census of that size is uploaded, the
subscribers connect to the run's socket before it starts (its id is the client's), and each update's
latency is from its `last_update_at` (the stage's clock when it wrote the progress; one machine, one
clock) to its arrival. The stages run in worker processes of their own, as `planalign local` runs them
(--one-process: in the stack's process, with the gateway and the notifier).
Run: .venv/bin/python scripts/ws_latency_bench.py [--subscribers 200] [--writes 50] [--interval 0.05]
     .venv/bin/python scripts/ws_latency_bench.py --subscribers 200 --real-run 100000x10"""

import argparse
import asyncio
import json
import multiprocessing
import statistics
import tempfile
import time
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
from planalign.adapters.store import Store, key_of_run
from planalign.domain.census_generator import census_csv, generate_census
from planalign.local.stack import LocalStack
from planalign.services.progress import RunProgress
from planalign.services.runs import create_run
from websockets.asyncio.client import connect

Arrivals = list[tuple[int, float]]  # (write index, time received) of each update a client got


async def subscriber(url: str, writes: int, subscribed: asyncio.Queue[None]) -> Arrivals:
    arrivals: Arrivals = []
    async with connect(url, max_queue=None) as socket:
        await socket.recv()  # the snapshot: subscribed (on connect)
        subscribed.put_nowait(None)
        while not arrivals or arrivals[-1][0] < writes - 1:
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout=60))
            # Write k sets events_generated to k + 1: the update says which write it shows.
            marker = (
                message["data"]["performance_metrics"]["events_generated"]
                if message["type"] == "update"
                else 0
            )
            if marker:
                arrivals.append((marker - 1, time.time()))
    return arrivals


async def subscribe_all(url: str, subscribers: int, writes: int, pipe: Connection) -> list[Arrivals]:
    subscribed: asyncio.Queue[None] = asyncio.Queue()
    tasks = [asyncio.create_task(subscriber(url, writes, subscribed)) for _ in range(subscribers)]
    for _ in range(subscribers):
        await asyncio.wait_for(subscribed.get(), timeout=120)
    pipe.send("ready")
    return list(await asyncio.gather(*tasks))


def client_process(url: str, subscribers: int, writes: int, pipe: Connection) -> None:
    pipe.send(asyncio.run(subscribe_all(url, subscribers, writes, pipe)))


TERMINAL = ("completed", "failed", "cancelled")
REAL_RUN_ID = "ws-latency-bench"


async def run_subscriber(url: str, connected: asyncio.Queue[None]) -> list[float]:
    """Latencies (s) of every update of one real run, from its `last_update_at` to its arrival."""
    latencies: list[float] = []
    async with connect(url, max_queue=None) as socket:
        connected.put_nowait(None)
        while True:
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout=300))
            if message["type"] != "update":
                continue
            stamped = datetime.fromisoformat(message["data"]["last_update_at"].replace("Z", "+00:00"))
            latencies.append(time.time() - stamped.timestamp())
            if message["data"]["status"] in TERMINAL:
                return latencies


async def subscribe_to_run(url: str, subscribers: int, pipe: Connection) -> list[list[float]]:
    connected: asyncio.Queue[None] = asyncio.Queue()
    tasks = [asyncio.create_task(run_subscriber(url, connected)) for _ in range(subscribers)]
    for _ in range(subscribers):
        await asyncio.wait_for(connected.get(), timeout=120)
    pipe.send("ready")
    return list(await asyncio.gather(*tasks))


def run_client_process(url: str, subscribers: int, pipe: Connection) -> None:
    pipe.send(asyncio.run(subscribe_to_run(url, subscribers, pipe)))


def measure_real_run(stack: LocalStack, subscribers: int, employees: int, years: int) -> list[list[float]]:
    token = next(iter(stack.tokens))
    api = httpx.Client(base_url=stack.api_url, headers={"Authorization": f"Bearer {token}"}, timeout=120)
    workspace = api.post("/api/workspaces", json={"name": "ws latency"}).json()["id"]
    overrides = {"simulation": {"start_year": 2025, "end_year": 2025 + years - 1}}
    scenario = api.post(
        f"/api/workspaces/{workspace}/scenarios", json={"name": "bench", "config_overrides": overrides}
    ).json()["id"]
    census = census_csv(generate_census(employees, seed=11))
    form = api.post(f"/api/workspaces/{workspace}/uploads", json={"filename": "census.csv"}).json()
    posted = httpx.post(form["url"], data=form["fields"], files={"file": ("census.csv", census)}, timeout=120)
    posted.raise_for_status()
    deadline = time.monotonic() + 300
    while not api.get(f"/api/workspaces/{workspace}").json().get("latest_dataset_id"):  # imported
        if time.monotonic() > deadline:
            raise TimeoutError("the census was not imported in time")
        time.sleep(0.2)
    url = f"{stack.ws_url}/ws/simulation/{REAL_RUN_ID}?token={token}"
    pipe, child_pipe = multiprocessing.Pipe()
    clients = multiprocessing.get_context("spawn").Process(
        target=run_client_process, args=(url, subscribers, child_pipe)
    )
    clients.start()
    if not pipe.poll(180) or pipe.recv() != "ready":
        raise RuntimeError("the subscribers did not all connect")
    started = api.post(f"/api/scenarios/{scenario}/run", json={"run_id": REAL_RUN_ID})
    started.raise_for_status()
    latencies: list[list[float]] = pipe.recv()
    clients.join()
    return latencies


def bench_run(store: Store) -> dict[str, object]:
    now = str(time.time())
    workspace = {"id": "bench", "tenant_id": "local", "base_config": {}, "gsi1pk": "T#local#WS"}
    store.create("WS", "bench", {**workspace, "gsi1sk": "bench", "created_at": now})
    scenario = {"id": "bench", "tenant_id": "local", "workspace_id": "bench", "config_overrides": {}}
    store.create("SC", "bench", {**scenario, "gsi1pk": "WS#bench#SC", "gsi1sk": "bench"})
    run = create_run(store, "local", store.get("SC", "bench"), None)
    return store.transition_run(key_of_run(run), "running")


def measure(
    stack: LocalStack, subscribers: int, writes: int, interval: float
) -> tuple[list[float], list[list[int]]]:
    store = Store()
    run = bench_run(store)
    url = f"{stack.ws_url}/ws/simulation/{run['id']}?token={next(iter(stack.tokens))}"
    pipe, child_pipe = multiprocessing.Pipe()
    clients = multiprocessing.get_context("spawn").Process(
        target=client_process, args=(url, subscribers, writes, child_pipe)
    )
    clients.start()
    if not pipe.poll(180) or pipe.recv() != "ready":
        raise RuntimeError("the subscribers did not all subscribe")
    progress = RunProgress(store, run)
    written: list[float] = []
    for index in range(writes):
        written.append(time.time())
        progress.report(
            "simulation", (index + 1) / writes, f"write {index}", values={"events_generated": index + 1}
        )
        time.sleep(interval)
    arrivals: list[Arrivals] = pipe.recv()
    clients.join()
    # A write is seen when its own update or a later one arrives (the notifier may leave out an
    # update that a later one replaces): one latency per write and client, to the first that shows it.
    latencies: list[float] = []
    for client in arrivals:
        seen = 0
        for index, received in client:
            latencies.extend(received - written[write] for write in range(seen, index + 1))
            seen = index + 1
    return latencies, [[index for index, _ in client] for client in arrivals]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between progress writes")
    parser.add_argument("--real-run", help="EMPLOYEESxYEARS: a real run's updates instead of writes")
    parser.add_argument("--per-update", action="store_true", help="with --real-run: each update's latencies")
    parser.add_argument("--one-process", action="store_true", help="stage functions in the stack's process")
    args = parser.parse_args()
    if args.real_run:
        employees, years = (int(part) for part in args.real_run.split("x"))
        isolated = not args.one_process
        with (
            tempfile.TemporaryDirectory() as data,
            LocalStack(data_dir=Path(data), isolated=isolated) as stack,
        ):
            per_client = measure_real_run(stack, args.subscribers, employees, years)
        ordered = sorted(latency for client in per_client for latency in client)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        counts = {len(client) for client in per_client}
        print("| run | subscribers | updates a subscriber | delivered | p50 ms | p99 ms | max ms |")
        print("|---|---|---|---|---|---|---|")
        print(
            f"| {employees:,} x {years} | {args.subscribers} | {min(counts)}-{max(counts)} | {len(ordered):,} | "
            f"{statistics.median(ordered) * 1000:.0f} | {p99 * 1000:.0f} | {ordered[-1] * 1000:.0f} |"
        )
        if args.per_update and len(counts) == 1:  # every subscriber got the same updates
            print("\n| update | p50 ms | max ms |\n|---|---|---|")
            for index, arrivals in enumerate(zip(*per_client, strict=True)):
                print(
                    f"| {index + 1} | {statistics.median(arrivals) * 1000:.0f} | {max(arrivals) * 1000:.0f} |"
                )
        return
    with tempfile.TemporaryDirectory() as data, LocalStack(data_dir=Path(data)) as stack:
        latencies, got = measure(stack, args.subscribers, args.writes, args.interval)
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    sent = sorted(set().union(*got))  # the writes whose own update some client got
    delivered = sum(len(indices) for indices in got)
    in_order = all(indices == sorted(indices) for indices in got)
    print(
        f"{'subscribers':>11} {'writes':>6} {'every s':>7} {'updates':>7} {'delivered/expected':>18} {'all got all':>11} "
        f"{'in order':>8} {'p50 ms':>7} {'p99 ms':>7}"
    )
    print(
        f"{args.subscribers:>11} {args.writes:>6} {args.interval:>7.2f} {len(sent):>7} "
        f"{f'{delivered}/{len(sent) * args.subscribers}':>18} {all(i == sent for i in got)!s:>11} "
        f"{in_order!s:>8} {statistics.median(ordered) * 1000:>7.1f} {p99 * 1000:>7.1f}"
    )


if __name__ == "__main__":
    main()
