"""Cold start of an HTTP API function, measured side by side with a bare boto3 handler.

Each sample is a fresh Python process. "bare" imports boto3 and makes a DynamoDB client; "api" imports
the SystemApiFunction handler (FastAPI + Mangum + Powertools) and serves one GET /api/config/defaults
API Gateway v2 event through Mangum. The target: api <= 2 x bare. Run: .venv/bin/python scripts/cold_start_bench.py
"""

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = 7

BARE = """
import time; began = time.perf_counter()
import boto3
client = boto3.client("dynamodb", region_name="us-east-1")
print(time.perf_counter() - began)
"""

API = """
import time; began = time.perf_counter()
import importlib.util, json
spec = importlib.util.spec_from_file_location("app", "functions/system_api/app.py")
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
class Context:
    function_name = "SystemApiFunction"; memory_limit_in_mb = 512; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:SystemApiFunction"
event = {"version": "2.0", "routeKey": "GET /api/config/defaults", "rawPath": "/api/config/defaults",
         "rawQueryString": "", "headers": {"host": "x"}, "isBase64Encoded": False,
         "requestContext": {"http": {"method": "GET", "path": "/api/config/defaults", "sourceIp": "1.2.3.4"},
                            "stage": "$default", "authorizer": {"jwt": {"claims": {"sub": "bench"}}}}}
response = module.handler(event, Context())
assert response["statusCode"] == 200, response
assert json.loads(response["body"])["simulation"]["start_year"] == 2025
print(time.perf_counter() - began)
"""


def sample(code: str) -> float:
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    return float(output.strip().splitlines()[-1])


def main() -> None:
    bare = [sample(BARE) for _ in range(SAMPLES)]
    api = [sample(API) for _ in range(SAMPLES)]
    rows = [("bare: import boto3 + DynamoDB client", bare), ("api: import handler + serve 1 event", api)]
    print(f"{'process (fresh, n=' + str(SAMPLES) + ')':<42} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for name, values in rows:
        print(
            f"{name:<42} {statistics.median(values) * 1000:>10.0f} {min(values) * 1000:>8.0f} "
            f"{max(values) * 1000:>8.0f}"
        )
    ratio = statistics.median(api) / statistics.median(bare)
    print(f"ratio api / bare: {ratio:.2f} (target <= 2.00)")
    print(
        json.dumps(
            {
                "bare_ms": statistics.median(bare) * 1000,
                "api_ms": statistics.median(api) * 1000,
                "ratio": ratio,
            }
        )
    )


if __name__ == "__main__":
    main()
