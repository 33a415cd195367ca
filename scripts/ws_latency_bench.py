"""WebSocket push latency on the local stack: from a progress write on the run item to the first
`update` at each subscribed client that shows it (its own, or a later one when the notifier left it
out for that one), with N subscribers on one run. Prints a table: the writes that got their own
update, delivered/expected (each subscriber should get every update sent), order, p50, p99.
Run: .venv/bin/python scripts/ws_latency_bench.py [--subscribers 200] [--writes 50] [--interval 0.05]"""

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
    url: str,
    writes: int,
    written: list[float],
    latencies: list[float],
    ready: asyncio.Event,
    counter: list[int],
) -> list[int]:
    """The indices of the writes whose `update` this client got. A write is seen when its own update
    or a later one arrives (the notifier may leave out an update that a later one replaces), so each
    write adds one latency: from the write to the first message that shows it."""
    got: list[int] = []
    async with connect(url, max_queue=None) as socket:
        await socket.recv()  # the snapshot: subscribed
        counter[0] += 1
        if counter[0] == counter[1]:
            ready.set()
        while not got or got[-1] < writes - 1:
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout=60))
            if message["type"] == "update" and message["message"].startswith("write "):
                index, now = int(message["message"].split()[1]), time.time()
                seen = got[-1] + 1 if got else 0
                latencies.extend(now - written[write] for write in range(seen, index + 1))
                got.append(index)
    return got


async def measure(
    stack: LocalStack, subscribers: int, writes: int, interval: float
) -> tuple[list[float], list[list[int]]]:
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
    written: list[float] = []
    ready = asyncio.Event()
    counter = [0, subscribers]
    tasks = [
        asyncio.create_task(subscriber(url, writes, written, latencies, ready, counter))
        for _ in range(subscribers)
    ]
    await asyncio.wait_for(ready.wait(), timeout=120)
    progress = RunProgress(store, run)

    def write_all() -> None:
        for index in range(writes):
            written.append(time.time())
            progress.report("simulation", (index + 1) / writes, f"write {index}")
            time.sleep(interval)

    await asyncio.to_thread(write_all)
    got = await asyncio.gather(*tasks)
    return latencies, got


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between progress writes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, LocalStack(data_dir=Path(data)) as stack:
        latencies, got = asyncio.run(measure(stack, args.subscribers, args.writes, args.interval))
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
