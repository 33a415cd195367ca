"""boto3 clients made once per container and only when first used, so importing an API module
costs nothing (cold start)."""

import os
from functools import cache
from typing import Any

# Where and as whom a client talks to AWS. The caches key on them: on AWS they never change in a
# container, but the local stack sets them when it starts and restores them when it stops, and a
# client still being made by a thread of a stopped stack (credential lookup can take seconds) must
# not serve the next one with no credentials.
CLIENT_ENVIRONMENT = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")


def client_environment() -> tuple[str | None, ...]:
    return tuple(os.environ.get(name) for name in CLIENT_ENVIRONMENT)


def _config() -> Any:
    from botocore.config import Config

    # 32 pooled connections: the pipeline reads ensemble members' metrics from 16 threads, and
    # the local stack runs many handlers in one process.
    return Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=32)


def aws_client(service: str) -> Any:
    return _client(service, client_environment())


def dynamodb_table(name: str) -> Any:
    return _table(name, client_environment())


@cache
def _client(service: str, environment: tuple[str | None, ...]) -> Any:
    import boto3

    from planalign.adapters.metering import install

    client = boto3.client(service, config=_config())  # type: ignore[call-overload]
    install(client)
    return client


@cache
def _table(name: str, environment: tuple[str | None, ...]) -> Any:
    import boto3

    from planalign.adapters.metering import install

    table = boto3.resource("dynamodb", config=_config()).Table(name)
    install(table.meta.client)
    return table


def forget_clients() -> None:
    """Drop every client made so far (the local stack, when its environment changes)."""
    _client.cache_clear()
    _table.cache_clear()
