"""Settings read from the function's environment (the template's Environment), once per container."""

import os
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024
DEFAULT_ENSEMBLE_MAX_CONCURRENCY = 100


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
    websocket_run_paths: bool  # the local gateway's /ws/simulation/{run_id} form
    ensemble_max_concurrency: int  # how many ensemble members the Distributed Map runs at once


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings(
        table_name=os.environ.get("TABLE_NAME", "planalign"),
        bucket_name=os.environ.get("BUCKET_NAME", "planalign"),
        state_machine_arn=os.environ.get("STATE_MACHINE_ARN", ""),
        max_upload_bytes=int(os.environ.get("MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)),
        stage=os.environ.get("PLANALIGN_STAGE", "local"),
        region=os.environ.get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1")),
        websocket_url=os.environ.get("WEBSOCKET_URL", ""),
        websocket_callback_url=os.environ.get("WEBSOCKET_CALLBACK_URL", ""),
        websocket_run_paths=os.environ.get("WEBSOCKET_RUN_PATHS", "") == "true",
        ensemble_max_concurrency=int(
            os.environ.get("ENSEMBLE_MAX_CONCURRENCY", DEFAULT_ENSEMBLE_MAX_CONCURRENCY)
        ),
    )
