"""boto3 clients made once per container and only when first used, so importing an API module
costs nothing (cold start)."""

from functools import cache
from typing import Any


@cache
def aws_client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(service, config=Config(retries={"mode": "standard", "max_attempts": 5}))  # type: ignore[call-overload]


@cache
def dynamodb_table(name: str) -> Any:
    import boto3
    from botocore.config import Config

    resource = boto3.resource("dynamodb", config=Config(retries={"mode": "standard", "max_attempts": 5}))
    return resource.Table(name)
