"""`planalign ...`: the local stack, the demo, census generation and the benchmark."""

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path


def _local(args: argparse.Namespace) -> int:
    from planalign.local.stack import LocalStack

    studio = Path(args.studio) if args.studio else None
    if studio is not None and not (studio / "index.html").is_file():
        print(
            f"--studio {studio}: no index.html there (give the Studio's vite build output)", file=sys.stderr
        )
        return 2
    stack = LocalStack(
        data_dir=Path(args.data_dir), host=args.host, port=args.port, no_auth=args.no_auth, studio_dir=studio
    )
    stack.start()
    # Exactly what a Studio build takes: it appends /api/... and /ws/... itself.
    print(f"VITE_API_URL={stack.api_url}")
    print(f"VITE_WS_URL={stack.ws_url}")
    if studio is not None:
        print(f"Studio:    {stack.api_url}/   (the build in {studio}, same origin as the API)")
    print(f"API docs:  {stack.api_url}/api/docs    WebSocket actions: {stack.ws_url}/ws")
    print(f"S3/moto:   {stack.aws_endpoint}")
    if stack.no_auth:
        print("auth:      none (--no-auth: one tenant, loopback only)")
    for token, tenant in stack.tokens.items():
        print(f"token:     {token}   (tenant {tenant}; VITE_PLANALIGN_API_TOKEN for a Studio build)")
    print(f"data dir:  {Path(args.data_dir).resolve()}   Ctrl-C stops.", flush=True)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    print("stopping: saving data ...", flush=True)
    stack.stop()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from planalign.demo import run_demo

    return run_demo(employees=args.employees, out_dir=Path(args.out), seed=args.seed)


def _census_generate(args: argparse.Namespace) -> int:
    from planalign.domain.census_generator import census_csv, generate_census

    Path(args.out).write_bytes(census_csv(generate_census(args.employees, seed=args.seed)))
    print(f"wrote {args.employees} employees to {args.out}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from planalign.bench import format_table, run_bench

    sizes = [tuple(int(v) for v in size.split("x")) for size in args.sizes] if args.sizes else None
    rows = run_bench(sizes)
    print(json.dumps(rows, indent=2) if args.json else format_table(rows))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="planalign", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    local = commands.add_parser("local", help="start the local stack (API, WebSocket, moto) until Ctrl-C")
    local.add_argument("--host", default="127.0.0.1")
    local.add_argument("--port", type=int, default=3000)
    local.add_argument("--data-dir", default=".planalign")
    local.add_argument(
        "--no-auth",
        action="store_true",
        help="one tenant and no token, as the Studio's own backend (loopback only)",
    )
    local.add_argument(
        "--studio", metavar="DIR", help="also serve this Studio build (vite's dist/) on the same origin"
    )
    local.set_defaults(run=_local)

    demo = commands.add_parser("demo", help="the main job: upload a census, run two scenarios, print results")
    demo.add_argument("--employees", type=int, default=10_000)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--out", default="demo-output")
    demo.set_defaults(run=_demo)

    census = commands.add_parser("census", help="census tools").add_subparsers(
        dest="census_command", required=True
    )
    generate = census.add_parser("generate", help="write a realistic synthetic census CSV")
    generate.add_argument("--employees", type=int, required=True)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--out", required=True)
    generate.set_defaults(run=_census_generate)

    bench = commands.add_parser("bench", help="import, simulation and pipeline timings by census size")
    bench.add_argument("--json", action="store_true", help="print JSON instead of a table")
    bench.add_argument("--sizes", nargs="*", help="EMPLOYEESxYEARS, e.g. 10000x5 60000x5")
    bench.set_defaults(run=_bench)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
