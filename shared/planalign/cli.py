"""`planalign ...`: the local stack, the demo, census generation, the benchmark, tenant API tokens and
publishing a Studio build behind the front door."""

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planalign.targets import Target


def _local(args: argparse.Namespace) -> int:
    from planalign.local.stack import LocalStack

    studio = Path(args.studio) if args.studio else None
    if studio is not None and not (studio / "index.html").is_file():
        print(
            f"--studio {studio}: no index.html there (give the Studio's vite build output)", file=sys.stderr
        )
        return 2
    stack = LocalStack(
        data_dir=Path(args.data_dir),
        host=args.host,
        port=args.port,
        no_auth=args.no_auth,
        studio_dir=studio,
        isolated=not args.one_process,
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


def _target(args: argparse.Namespace) -> "Target":
    """A deployed stack when --stack-name is given, else the running `planalign local` of --data-dir."""
    from planalign.targets import local_target, stack_target

    if args.stack_name:
        return stack_target(args.stack_name, args.region)
    return local_target(Path(args.data_dir))


def _operator_command(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turns a missing target and a refused request into a message and an exit code."""

    def run(args: argparse.Namespace) -> int:
        from planalign.errors import PlanAlignError
        from planalign.studio_publish import InvalidBuild
        from planalign.targets import TargetNotFound

        try:
            return command(args)
        except (TargetNotFound, InvalidBuild) as error:
            print(error, file=sys.stderr)
            return 2
        except PlanAlignError as error:
            print(error, file=sys.stderr)
            return 1

    return run


@_operator_command
def _tokens_create(args: argparse.Namespace) -> int:
    from planalign.adapters.store import Store
    from planalign.services.api_tokens import create_token

    target = _target(args)
    token, record = create_token(Store(target.table()), args.tenant, args.name)
    if args.json:
        print(json.dumps({"token": token, **record}))
        return 0
    print(f"token:   {token}")
    print(f"id:      {record['id']}   tenant {record['tenant_id']}   ({target.description})")
    print("Shown once: the table keeps only its hash. Send it as `Authorization: Bearer <token>`")
    print("(or X-API-Token), or build the Studio with VITE_PLANALIGN_API_TOKEN=<token>.")
    return 0


@_operator_command
def _tokens_list(args: argparse.Namespace) -> int:
    from planalign.adapters.store import Store
    from planalign.services.api_tokens import list_tokens

    records = list_tokens(Store(_target(args).table()), args.tenant)
    if args.json:
        print(json.dumps(records))
        return 0
    print(f"{'id':<27} {'tenant':<24} {'token':<10} {'created':<25} {'revoked':<25} name")
    for r in records:
        row = (r["id"], r["tenant_id"], r["hint"] + "…", r["created_at"], r.get("revoked_at", "-"))
        print(f"{row[0]:<27} {row[1]:<24} {row[2]:<10} {row[3]:<25} {row[4]:<25} {r.get('name', '')}")
    return 0


@_operator_command
def _tokens_revoke(args: argparse.Namespace) -> int:
    from planalign.adapters.store import Store
    from planalign.services.api_tokens import revoke_token

    record = revoke_token(Store(_target(args).table()), args.token_id)
    print(f"revoked {record['id']} (tenant {record['tenant_id']}) at {record['revoked_at']};")
    print("an authorizer answer cached for it lasts up to 300 s more.")
    return 0


@_operator_command
def _studio_publish(args: argparse.Namespace) -> int:
    from planalign.studio_publish import publish_studio
    from planalign.targets import stack_target

    target = stack_target(args.stack_name or _samconfig_stack_name(), args.region)
    publication = publish_studio(
        Path(args.dist),
        target.client("s3"),
        target.client("cloudfront"),
        target.output("StudioBucketName"),
        target.output("StudioDistributionId"),
    )
    megabytes = sum(f.size for f in publication.files) / 1e6
    bucket = target.output("StudioBucketName")
    print(f"published {len(publication.files)} files ({megabytes:.1f} MB) to {bucket}")
    print(f"invalidation {publication.invalidation_id}; the Studio: {target.output('StudioUrl')}")
    return 0


def _samconfig_stack_name() -> str:
    """The stack `sam deploy` makes by default (samconfig.toml), for commands given no --stack-name."""
    import tomllib

    from planalign.targets import TargetNotFound

    path = Path("samconfig.toml")
    try:
        config = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise TargetNotFound("no --stack-name and no samconfig.toml here to take it from") from None
    name = config.get("default", {}).get("global", {}).get("parameters", {}).get("stack_name")
    if not name:
        raise TargetNotFound(f"no --stack-name and no stack_name in {path}")
    return str(name)


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
    rows = run_bench(sizes, args.plan)
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
    local.add_argument(
        "--one-process",
        action="store_true",
        help="run the stage functions in the stack's process too (default: worker processes, as Lambda)",
    )
    local.set_defaults(run=_local)

    demo = commands.add_parser("demo", help="the main job: upload a census, run two scenarios, print results")
    demo.add_argument("--employees", type=int, default=10_000)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--out", default="demo-output")
    demo.set_defaults(run=_demo)

    def where(command: argparse.ArgumentParser, *, local: bool = True) -> None:
        command.add_argument("--stack-name", help="a deployed stack (found by name; its outputs)")
        command.add_argument("--region", help="the stack's region (default: the AWS config's)")
        if local:
            command.add_argument(
                "--data-dir", default=".planalign", help="without --stack-name: that running planalign local"
            )

    tokens = commands.add_parser("tokens", help="tenant API tokens: create, list, revoke").add_subparsers(
        dest="tokens_command", required=True
    )
    create = tokens.add_parser("create", help="make a token for a tenant (shown once)")
    create.add_argument("--tenant", required=True)
    create.add_argument("--name", default="", help="what it is for, e.g. studio-build-2026-01")
    create.add_argument("--json", action="store_true")
    where(create)
    create.set_defaults(run=_tokens_create)
    listing = tokens.add_parser("list", help="every token (never the token itself)")
    listing.add_argument("--tenant")
    listing.add_argument("--json", action="store_true")
    where(listing)
    listing.set_defaults(run=_tokens_list)
    revoke = tokens.add_parser("revoke", help="refuse a token from now on")
    revoke.add_argument("token_id")
    where(revoke)
    revoke.set_defaults(run=_tokens_revoke)

    studio = commands.add_parser("studio", help="the Studio behind the front door").add_subparsers(
        dest="studio_command", required=True
    )
    publish = studio.add_parser("publish", help="upload a Studio build and invalidate the distribution")
    publish.add_argument("--dist", required=True, help="the Studio's vite build output (dist/)")
    where(publish, local=False)
    publish.set_defaults(run=_studio_publish)

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
    bench.add_argument(
        "--plan",
        choices=("default", "rich"),
        default="default",
        help="the built-in plan or a rich Studio plan design",
    )
    bench.set_defaults(run=_bench)
    # The API's client: runs, upload, workspaces, scenarios (planalign/client/).
    from planalign.client.commands import add_client_commands

    add_client_commands(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
