"""WebSocket push latency on the local stack: from a progress write on the run item to the `update`
at each subscribed client, with N subscribers on one run. Prints a table (p50, p99, delivery).
Run: .venv/bin/python scripts/ws_latency_bench.py [--subscribers 200] [--writes 50]"""

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from planalign.adapters.store import Store
from planalign.local.stack import LocalStack
from planalign.services.progress import RunProgress
from planalign.services.runs import create_run
from websockets.asyncio.client import connect


async def subscriber(
    url: str, writes: int, latencies: list[float], ready: asyncio.Event, counter: list[int]
) -> int:
    received = 0
    async with connect(url, max_queue=None) as socket:
        await socket.recv()  # the snapshot: subscribed
        counter[0] += 1
        if counter[0] == counter[1]:
            ready.set()
        while received < writes:
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout=60))
            if message["type"] == "update" and message["message"].startswith("t="):
                latencies.append(time.time() - float(message["message"][2:]))
                received += 1
    return received


async def measure(stack: LocalStack, subscribers: int, writes: int) -> tuple[list[float], list[int]]:
    store = Store()
    now = time.time()
    store.create(
        "WS",
        "bench",
        {
            "id": "bench",
            "tenant_id": "local",
            "base_config": {},
            "gsi1pk": "T#local#WS",
            "gsi1sk": "bench",
            "created_at": str(now),
        },
    )
    store.create(
        "SC",
        "bench",
        {
            "id": "bench",
            "tenant_id": "local",
            "workspace_id": "bench",
            "config_overrides": {},
            "gsi1pk": "WS#bench#SC",
            "gsi1sk": "bench",
        },
    )
    run = create_run(store, "local", store.get("SC", "bench"), None)
    run = store.transition_run(run["id"], "running")
    token = next(iter(stack.tokens))
    url = f"{stack.ws_url}/ws/simulation/{run['id']}?token={token}"
    latencies: list[float] = []
    ready = asyncio.Event()
    counter = [0, subscribers]
    tasks = [
        asyncio.create_task(subscriber(url, writes, latencies, ready, counter)) for _ in range(subscribers)
    ]
    await asyncio.wait_for(ready.wait(), timeout=120)
    progress = RunProgress(store, run)

    def write_all() -> None:
        for index in range(writes):
            progress.report("simulation", (index + 1) / writes, f"t={time.time()}")
            time.sleep(0.05)

    await asyncio.to_thread(write_all)
    received = await asyncio.gather(*tasks)
    return latencies, received


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--writes", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, LocalStack(data_dir=Path(data)) as stack:
        latencies, received = asyncio.run(measure(stack, args.subscribers, args.writes))
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{'subscribers':>11} {'writes':>6} {'messages':>9} {'all got all':>11} {'p50 ms':>7} {'p99 ms':>7}"
    )
    print(
        f"{args.subscribers:>11} {args.writes:>6} {len(latencies):>9} {min(received) == args.writes!s:>11} "
        f"{statistics.median(ordered) * 1000:>7.1f} {p99 * 1000:>7.1f}"
    )


if __name__ == "__main__":
    main()
