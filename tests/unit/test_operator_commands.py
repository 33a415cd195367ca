"""`planalign tokens create/list/revoke` and `planalign studio publish` against a deployed stack found by
its name (moto's CloudFormation, DynamoDB, S3 and CloudFront); the local stack's side is in
tests/integration/test_api_tokens.py."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from planalign.adapters.store import Store
from planalign.cli import main
from planalign.services.api_tokens import tenant_of_token
from planalign.studio_publish import build_files

STACK = "planalign-test"
REGION = "eu-west-1"


def stack_template(distribution_id: str) -> str:
    """A stack with the outputs the commands read: the run table, the Studio's bucket and distribution."""
    keys = [("pk", "HASH"), ("sk", "RANGE")]
    return json.dumps(
        {
            "Resources": {
                "RunTable": {
                    "Type": "AWS::DynamoDB::Table",
                    "Properties": {
                        "BillingMode": "PAY_PER_REQUEST",
                        "KeySchema": [{"AttributeName": n, "KeyType": k} for n, k in keys],
                        "AttributeDefinitions": [
                            {"AttributeName": n, "AttributeType": "S"}
                            for n in ("pk", "sk", "gsi1pk", "gsi1sk")
                        ],
                        "GlobalSecondaryIndexes": [
                            {
                                "IndexName": "gsi1",
                                "KeySchema": [
                                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                                ],
                                "Projection": {"ProjectionType": "ALL"},
                            }
                        ],
                    },
                },
                "StudioBucket": {"Type": "AWS::S3::Bucket"},
            },
            "Outputs": {
                "TableName": {"Value": {"Ref": "RunTable"}},
                "StudioBucketName": {"Value": {"Ref": "StudioBucket"}},
                "StudioDistributionId": {"Value": distribution_id},
                "StudioUrl": {"Value": "https://d111.cloudfront.net"},
            },
        }
    )


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        distribution = boto3.client("cloudfront", region_name="us-east-1").create_distribution(
            DistributionConfig={
                "CallerReference": "studio",
                "Comment": "",
                "Enabled": True,
                "Origins": {"Quantity": 1, "Items": [{"Id": "s3", "DomainName": "b.s3.amazonaws.com"}]},
                "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https"},
            }
        )["Distribution"]
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(StackName=STACK, TemplateBody=stack_template(distribution["Id"]))
        outputs = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"]
        yield {o["OutputKey"]: o["OutputValue"] for o in outputs}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--stack-name", STACK, "--region", REGION])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def table(outputs: dict[str, str]) -> Any:
    return boto3.resource("dynamodb", region_name=REGION).Table(outputs["TableName"])


def test_tokens_create_list_revoke_against_a_stack_found_by_name(
    deployed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "tokens", "create", "--tenant", "acme", "--name", "studio", "--json")
    assert code == 0
    created = json.loads(out)
    store = Store(table(deployed))
    assert tenant_of_token(store, created["token"]) == "acme"

    code, out, _ = run(capsys, "tokens", "create", "--tenant", "globex")
    assert code == 0 and "token:   pat_" in out and "Shown once" in out

    code, out, _ = run(capsys, "tokens", "list", "--json")
    listed = json.loads(out)
    assert [r["tenant_id"] for r in listed] == ["globex", "acme"]
    assert all("token" not in r for r in listed)
    code, out, _ = run(capsys, "tokens", "list", "--tenant", "acme")
    assert created["id"] in out and "globex" not in out and created["token"] not in out

    code, out, _ = run(capsys, "tokens", "revoke", created["id"])
    assert code == 0 and f"revoked {created['id']} (tenant acme)" in out
    assert tenant_of_token(store, created["token"]) is None
    code, _, err = run(capsys, "tokens", "revoke", created["id"])
    assert code == 1 and "revoked already" in err


def test_tokens_without_a_running_local_stack_say_where_they_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tokens", "list", "--data-dir", str(tmp_path)]) == 2
    assert "no running `planalign local`" in capsys.readouterr().err


def test_studio_publish_uploads_with_content_types_and_cache_headers_then_invalidates(
    deployed: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<script type="module" src="/assets/index-4f1c.js"></script>')
    (dist / "assets" / "index-4f1c.js").write_text("console.log('studio')")
    (dist / "assets" / "index-9a2b.css").write_text("body{}")
    (dist / "favicon.svg").write_text("<svg/>")
    code, out, _ = run(capsys, "studio", "publish", "--dist", str(dist))
    assert code == 0, out
    assert "published 4 files" in out and "https://d111.cloudfront.net" in out
    s3 = boto3.client("s3", region_name=REGION)
    heads = {
        key: s3.head_object(Bucket=deployed["StudioBucketName"], Key=key)
        for key in ("index.html", "assets/index-4f1c.js", "assets/index-9a2b.css", "favicon.svg")
    }
    assert {k: (h["ContentType"], h["CacheControl"]) for k, h in heads.items()} == {
        "index.html": ("text/html; charset=utf-8", "no-cache"),
        "assets/index-4f1c.js": ("text/javascript; charset=utf-8", "public, max-age=31536000, immutable"),
        "assets/index-9a2b.css": ("text/css; charset=utf-8", "public, max-age=31536000, immutable"),
        "favicon.svg": ("image/svg+xml", "no-cache"),
    }
    # index.html goes last, so it never names an asset that is not there yet.
    assert [key for key, _ in build_files(dist)][-1] == "index.html"
    invalidations = boto3.client("cloudfront", region_name="us-east-1").list_invalidations(
        DistributionId=deployed["StudioDistributionId"]
    )["InvalidationList"]
    assert invalidations["Quantity"] == 1


def test_studio_publish_refuses_a_folder_that_is_no_build(
    deployed: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "studio", "publish", "--dist", str(tmp_path))
    assert code == 2 and "no index.html" in err
