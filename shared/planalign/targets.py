"""Where an operator's command (`planalign tokens`, `planalign studio publish`) acts: a running
`planalign local`, found by the endpoint file it keeps in its data dir, or a deployed stack, found by
its name (its outputs name the table, the Studio's bucket and distribution)."""

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENDPOINT_FILE = "endpoint.json"


class TargetNotFound(Exception):
    """No running local stack in that data dir, or no such stack (or output) in that region."""


@dataclass(frozen=True)
class Target:
    description: str  # for messages: "planalign local (.planalign)" or "stack planalign-dev (eu-west-1)"
    outputs: dict[str, str]  # output name -> value, as the template's Outputs name them
    region: str
    endpoint_url: str | None = None  # the local moto; None in AWS
    # The local stack's key (its endpoints refuse any other): aws_access_key_id, aws_secret_access_key.
    credentials: dict[str, str] | None = None

    def output(self, name: str) -> str:
        value = self.outputs.get(name)
        if not value:
            raise TargetNotFound(f"{self.description} has no output {name}")
        return value

    def client(self, service: str) -> Any:
        import boto3

        if self.endpoint_url is None:
            return boto3.client(service, region_name=self.region)  # type: ignore[call-overload]
        return boto3.client(  # type: ignore[call-overload]
            service, region_name=self.region, endpoint_url=self.endpoint_url, **(self.credentials or {})
        )

    def table(self) -> Any:
        import boto3

        extra: dict[str, Any] = {}
        if self.endpoint_url is not None:
            extra = {"endpoint_url": self.endpoint_url, **(self.credentials or {})}
        return boto3.resource("dynamodb", region_name=self.region, **extra).Table(self.output("TableName"))


def write_local_endpoint(
    data_dir: Path, endpoint_url: str, region: str, outputs: dict[str, str], credentials: dict[str, str]
) -> Path:
    """What `planalign local` writes at start (and removes at stop) for the commands to find it;
    only its owner may read it (it holds the stack's key)."""
    path = data_dir / ENDPOINT_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    document = {
        "endpoint_url": endpoint_url,
        "region": region,
        "outputs": outputs,
        "credentials": credentials,
    }
    path.write_text(json.dumps(document))
    return path


def local_target(data_dir: Path) -> Target:
    path = data_dir / ENDPOINT_FILE
    try:
        found = json.loads(path.read_text())
    except FileNotFoundError:
        raise TargetNotFound(
            f"no running `planalign local` with --data-dir {data_dir} (no {path}); start one, or give --stack-name"
        ) from None
    return Target(
        f"planalign local ({data_dir})",
        found["outputs"],
        found["region"],
        found["endpoint_url"],
        found.get("credentials"),
    )


def stack_target(stack_name: str, region: str | None = None) -> Target:
    """A deployed stack's outputs, by its name (the region of the AWS config when not given)."""
    import boto3
    from botocore.exceptions import ClientError

    region = region or os.environ.get("AWS_REGION") or boto3.session.Session().region_name or "us-east-1"
    try:
        stacks = boto3.client("cloudformation", region_name=region).describe_stacks(StackName=stack_name)
    except ClientError as error:
        raise TargetNotFound(f"stack {stack_name} in {region}: {error}") from error
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks["Stacks"][0].get("Outputs", [])}
    return Target(f"stack {stack_name} ({region})", outputs, region)
