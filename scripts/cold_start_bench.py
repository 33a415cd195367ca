"""Cold start of each HTTP API function, measured side by side with a bare boto3 handler.

Each sample is a fresh Python process that imports a handler and answers one API Gateway v2 event
through Mangum (SystemApiFunction: GET /api/config/defaults; the others: a path they do not route,
answered 404 by our error handler, so no AWS call is made). "bare" imports boto3 and makes a
DynamoDB client. Samples alternate (bare, then each function as packaged, then precompiled), so a
change in the machine's load touches every column alike.

Two packagings, both emulated here with PYTHONPYCACHEPREFIX (the `.pyc` files are looked up in a
folder of their own, and `-B` keeps a sample from writing any):
- "sam build": what `sam build` ships, our modules and the functions' dependencies without `.pyc`, so
  each cold start compiles them; the standard library, boto3 and Powertools (the runtime and its AWS
  layer) are compiled, as in Lambda;
- "precompiled": what `make build` ships (scripts/precompile_build.py): everything compiled.

"first use": after the answer, the same process imports the modules that a function's routes load on
their first request (NumPy, Arrow, the census readers, the analytics figures, the Studio's config);
where the handler already imported them this is about 0, otherwise it is
what the first such request pays on top of its own work.

--baseline REF measures the code of a git commit too (exported to a temporary folder), its samples
alternating with this tree's, so that a change is compared under the same load.
The target: every API function at most 2 x bare.
Run: .venv/bin/python scripts/cold_start_bench.py [--samples 7] [--baseline HEAD] [--only CensusApiFunction]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
# Compiled in Lambda without us: the runtime's boto3 and its dependencies, and the Powertools layer.
RUNTIME_PROVIDED = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "dateutil",
    "urllib3",
    "six.py",
    "aws_lambda_powertools",
)
API_FUNCTIONS = {
    "SystemApiFunction": ("system_api", "/api/config/defaults", 200),
    "WorkspacesApiFunction": ("workspaces_api", "/api/not-routed", 404),
    "RunsApiFunction": ("runs_api", "/api/not-routed", 404),
    "CensusApiFunction": ("census_api", "/api/not-routed", 404),
    "AnalyticsApiFunction": ("analytics_api", "/api/not-routed", 404),
    "VestingNdtApiFunction": ("vesting_ndt_api", "/api/not-routed", 404),
}
# What the first request of a census route (the import wizard, the analyses, the solver), of a
# run-table route (DC plan, winners and losers, employees, NDT, vesting) or of a route that reads the
# Studio's config imports, if the handler has not.
FIRST_USE = {
    # Creating a run, a workspace or a scenario, or checking a config, loads the Studio's config module.
    "WorkspacesApiFunction": ("planalign.domain.studio_config",),
    "RunsApiFunction": ("planalign.domain.studio_config",),
    "CensusApiFunction": (
        "planalign.domain.census_mapping",
        "planalign.domain.census_analysis",
        "planalign.domain.compensation_solver",
    ),
    "AnalyticsApiFunction": (
        "planalign.services.analytics",
        "planalign.services.evidence_pack",
    ),
    "VestingNdtApiFunction": (
        "planalign.services.vesting",
        "planalign.services.ndt",
    ),
}

BARE = """
import time; began = time.perf_counter()
import boto3
client = boto3.client("dynamodb", region_name="us-east-1")
print(time.perf_counter() - began)
"""

API = """
import time; began = time.perf_counter()
import importlib.util, json
spec = importlib.util.spec_from_file_location("app", "functions/{folder}/app.py")
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
class Context:
    function_name = "{function}"; memory_limit_in_mb = 512; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:{function}"
event = {{"version": "2.0", "routeKey": "$default", "rawPath": "{path}", "rawQueryString": "",
         "headers": {{"host": "x"}}, "isBase64Encoded": False,
         "requestContext": {{"http": {{"method": "GET", "path": "{path}", "sourceIp": "1.2.3.4"}},
                            "stage": "$default", "authorizer": {{"lambda": {{"sub": "bench"}}}}}}}}
response = module.handler(event, Context())
assert response["statusCode"] == {status}, response
answered = time.perf_counter()
for name in {first_use!r}:
    importlib.import_module(name)
print(answered - began, time.perf_counter() - answered)
"""


def compile_into(prefix: Path, folders: list[Path]) -> None:
    """Write the .pyc files of every module under `folders` into the cache folder `prefix`."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", *map(str, folders)],
        env={**os.environ, "PYTHONPYCACHEPREFIX": str(prefix)},
        check=False,  # some test data in third-party packages does not compile; it is never imported
        capture_output=True,
    )


def sample(code: str, prefix: Path, root: Path = ROOT) -> tuple[float, float]:
    """(seconds to the answer, seconds of the first-use imports after it) of one fresh process."""
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(root / "shared"),
        "PYTHONPYCACHEPREFIX": str(prefix),
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "TABLE_NAME": "bench",
        "BUCKET_NAME": "bench",
    }
    output = subprocess.run(
        [sys.executable, "-B", "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
    ).stdout
    figures = [float(figure) for figure in output.strip().splitlines()[-1].split()]
    return figures[0], sum(figures[1:])


def export_commit(ref: str, folder: Path) -> None:
    """The tree of commit `ref` (its shared/ and functions/), written into `folder`."""
    archive = subprocess.run(
        ["git", "archive", ref, "shared", "functions"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    folder.mkdir()
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=7)
    parser.add_argument("--baseline", metavar="REF", help="also measure this git commit's code, alternating")
    parser.add_argument("--only", help="comma-separated function names (default: every API function)")
    arguments = parser.parse_args()
    functions = {
        name: spec
        for name, spec in API_FUNCTIONS.items()
        if not arguments.only or name in arguments.only.split(",")
    }
    with tempfile.TemporaryDirectory() as folder:
        packaged, precompiled = Path(folder) / "sam-build", Path(folder) / "precompiled"
        trees = {"": ROOT}
        if arguments.baseline:
            trees[f" ({arguments.baseline})"] = Path(folder) / "baseline"
            export_commit(arguments.baseline, trees[f" ({arguments.baseline})"])
        runtime = [Path(sysconfig.get_paths()["stdlib"])] + [
            SITE_PACKAGES / name for name in RUNTIME_PROVIDED
        ]
        for prefix in (packaged, precompiled):
            compile_into(prefix, runtime)
        compile_into(precompiled, [SITE_PACKAGES])
        for root in trees.values():
            compile_into(precompiled, [root / "shared" / "planalign", root / "functions"])
        times: dict[str, list[float]] = {"bare": []}
        first_use: dict[str, list[float]] = {}
        for _ in range(arguments.samples):
            times["bare"].append(sample(BARE, precompiled)[0])
            for function, (code_folder, path, status) in functions.items():
                code = API.format(
                    folder=code_folder,
                    function=function,
                    path=path,
                    status=status,
                    first_use=FIRST_USE.get(function, ()),
                )
                for tree, root in trees.items():
                    if not (root / "functions" / code_folder).exists():
                        continue  # a function the baseline does not have
                    for label, prefix in (("sam build", packaged), ("precompiled", precompiled)):
                        answer, after = sample(code, prefix, root)
                        times.setdefault(f"{function}{tree}|{label}", []).append(answer)
                        first_use.setdefault(f"{function}{tree}|{label}", []).append(after)
    bare = statistics.median(times["bare"])
    print(
        "| function | packaged as | median ms | min ms | max ms | x bare (target <= 2) | then first use ms |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| bare: import boto3 + DynamoDB client | runtime | {bare * 1000:.0f} | "
        f"{min(times['bare']) * 1000:.0f} | {max(times['bare']) * 1000:.0f} | 1.00 | |"
    )
    ratios = {}
    for key, values in times.items():
        if key == "bare":
            continue
        function, label = key.split("|")
        ratios[key] = statistics.median(values) / bare
        after = statistics.median(first_use[key]) * 1000
        print(
            f"| {function} | {label} | {statistics.median(values) * 1000:.0f} | {min(values) * 1000:.0f} | "
            f"{max(values) * 1000:.0f} | {ratios[key]:.2f} | {after:.0f} |"
        )
    print(json.dumps({"bare_ms": bare * 1000, "ratios": ratios}))


if __name__ == "__main__":
    main()
