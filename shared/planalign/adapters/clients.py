"""boto3 clients made once per container and only when first used, so importing an API module
costs nothing (cold start)."""

from functools import cache
from typing import Any


def _config() -> Any:
    from botocore.config import Config

    # 32 pooled connections: the pipeline reads ensemble members' metrics from 16 threads, and
    # the local stack runs many handlers in one process.
    return Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=32)


@cache
def aws_client(service: str) -> Any:
    import boto3

    from planalign.adapters.metering import install

    client = boto3.client(service, config=_config())  # type: ignore[call-overload]
    install(client)
    return client


@cache
def dynamodb_table(name: str) -> Any:
    import boto3

    from planalign.adapters.metering import install

    table = boto3.resource("dynamodb", config=_config()).Table(name)
    install(table.meta.client)
    return table
