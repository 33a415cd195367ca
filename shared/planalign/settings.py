"""Settings read from the function's environment (the template's Environment), once per container."""

import os
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024
DEFAULT_ENSEMBLE_MAX_CONCURRENCY = 100
DEFAULT_STORAGE_LIMIT_MB = 10 * 1024
DEFAULT_MAX_ACTIVE_RUNS = 20
DEFAULT_MAX_ENSEMBLE_MEMBERS = 200
# What a request body may carry: API Gateway and Lambda cap a synchronous payload at 6 MB, of which
# a multipart body in base64 keeps about three quarters.
DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    table_name: str
    bucket_name: str
    state_machine_arn: str
    max_upload_bytes: int
    stage: str
    region: str
    websocket_url: str
    websocket_callback_url: str
    # The origin under which the Studio's `/ws/simulation/{run_id}` and `/ws/batch/{batch_id}` work
    # (the local gateway, or a front door that rewrites them); empty: only the bare WebSocket API.
    studio_websocket_url: str
    ensemble_max_concurrency: int  # how many ensemble members the Distributed Map runs at once
    storage_limit_mb: int  # what a tenant may store (the Studio shows use against it)
    tenant_max_active_runs: int  # runs of one tenant not yet ended, at once
    tenant_max_ensemble_members: int  # members of one run's ensemble
    max_request_bytes: int  # the largest census the plain upload route takes
    # The deployed code's commit and whether its working tree had changes (clean / dirty): a run's
    # provenance names them. Empty when the deployment did not say.
    source_commit: str
    source_tree_state: str


# What every function's template Environment sets; in Lambda a missing one is a deployment error, to
# be told at once, not papered over with a default that points at nothing.
REQUIRED_IN_LAMBDA = ("TABLE_NAME", "BUCKET_NAME")


class MissingSetting(RuntimeError):
    """A function deployed without an environment variable its template gives it."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        missing = [name for name in REQUIRED_IN_LAMBDA if not os.environ.get(name)]
        if missing:
            raise MissingSetting(f"{', '.join(missing)} not set: the function's environment is incomplete")
    return Settings(
        table_name=os.environ.get("TABLE_NAME", "planalign"),
        bucket_name=os.environ.get("BUCKET_NAME", "planalign"),
        state_machine_arn=os.environ.get("STATE_MACHINE_ARN", ""),
        max_upload_bytes=int(os.environ.get("MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)),
        stage=os.environ.get("PLANALIGN_STAGE", "local"),
        region=os.environ.get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1")),
        websocket_url=os.environ.get("WEBSOCKET_URL", ""),
        websocket_callback_url=os.environ.get("WEBSOCKET_CALLBACK_URL", ""),
        studio_websocket_url=os.environ.get("STUDIO_WEBSOCKET_URL", ""),
        ensemble_max_concurrency=int(
            os.environ.get("ENSEMBLE_MAX_CONCURRENCY", DEFAULT_ENSEMBLE_MAX_CONCURRENCY)
        ),
        storage_limit_mb=int(os.environ.get("TENANT_STORAGE_LIMIT_MB", DEFAULT_STORAGE_LIMIT_MB)),
        tenant_max_active_runs=int(os.environ.get("TENANT_MAX_ACTIVE_RUNS", DEFAULT_MAX_ACTIVE_RUNS)),
        tenant_max_ensemble_members=int(
            os.environ.get("TENANT_MAX_ENSEMBLE_MEMBERS", DEFAULT_MAX_ENSEMBLE_MEMBERS)
        ),
        max_request_bytes=int(os.environ.get("MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES)),
        source_commit=os.environ.get("SOURCE_COMMIT", ""),
        source_tree_state=os.environ.get("SOURCE_TREE_STATE", ""),
    )
