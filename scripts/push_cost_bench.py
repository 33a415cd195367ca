"""CPU a WebSocket push costs the sender, per `POST @connections/{id}`: our `Push.send_each` against
what it replaced (botocore's SigV4Auth and http.client, a thread per call in flight), both posting to
the same small server in another process, which answers 200 at once. Prints a table.
Run: PYTHONPATH=shared .venv/bin/python scripts/push_cost_bench.py [--posts 4000] [--connections 200]"""

import argparse
import asyncio
import http.client
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection

PATH_PREFIX = "/bench/@connections/"
MESSAGE = {
    "type": "update",
    "data": {"run_id": "bench", "progress": 42.5, "current_stage": "EVENT_GENERATION"},
}


def serve(pipe: Connection) -> None:
    """A management API that reads each request and answers 200 with no body."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.lower().split(b"\r\n")
                length = next(
                    int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length")
                )
                await reader.readexactly(length)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
        except asyncio.IncompleteReadError:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(answer, "127.0.0.1", 0, backlog=1024)
        pipe.send(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


def botocore_and_http_client(port: int, connection_ids: list[str], body: bytes, threads: int) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    credentials = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
    local = threading.local()

    def post(connection_id: str) -> None:
        request = AWSRequest("POST", f"http://127.0.0.1:{port}{PATH_PREFIX}{connection_id}", data=body)
        SigV4Auth(credentials.get_frozen_credentials(), "execute-api", "us-east-1").add_auth(request)
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port)
        local.connection.request(
            "POST", PATH_PREFIX + connection_id, body=body, headers=dict(request.headers)
        )
        local.connection.getresponse().read()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(post, connection_ids))


def measure(name: str, send: Callable[[], object], posts: int) -> str:
    send()  # warm: connections opened, modules imported
    cpu, wall = time.process_time(), time.perf_counter()
    send()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return f"| {name} | {posts:,} | {cpu / posts * 1000:.3f} | {wall / posts * 1000:.3f} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=200)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench-secret", AWS_REGION="us-east-1")
    pipe, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(child,), daemon=True)
    server.start()
    port = pipe.recv()

    from planalign.adapters import push

    ids = [f"conn{k}=" for k in range(args.connections)]
    rounds = max(1, args.posts // args.connections)
    outbox = {connection_id: [MESSAGE] * rounds for connection_id in ids}
    body = push._encode(MESSAGE)
    sender = push.Push(f"http://127.0.0.1:{port}/bench")
    posts = rounds * len(ids)
    print("| sender | posts | CPU ms a post | wall ms a post |\n|---|---|---|---|")
    print(measure(f"Push.send_each ({push.SENDERS} connections)", lambda: sender.send_each(outbox), posts))
    print(
        measure(
            f"botocore SigV4Auth + http.client ({push.SENDERS} threads)",
            lambda: botocore_and_http_client(port, ids * rounds, body, push.SENDERS),
            posts,
        )
    )
    server.kill()


if __name__ == "__main__":
    main()
