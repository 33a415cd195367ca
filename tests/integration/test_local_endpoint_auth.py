"""The local stack's S3 and `@connections` endpoints refuse what AWS refuses: a presigned form whose
fields break its policy (another key, another type, an extra field, too large, expired), an unsigned
or wrongly signed request, and moto's unauthenticated API. The stack's own flows still pass."""

import json
import time
from typing import Any

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from planalign.local.stack import LocalStack

from tests.integration.conftest import make_workspace, upload

pytestmark = pytest.mark.integration


def upload_form(api: httpx.Client, workspace_id: str, filename: str = "census.csv") -> dict[str, Any]:
    form = api.post(f"/api/workspaces/{workspace_id}/uploads", json={"filename": filename})
    assert form.status_code == 201, form.text
    answer: dict[str, Any] = form.json()
    return answer


def post_form(url: str, fields: dict[str, str], content: bytes = b"employee_id\n1\n") -> httpx.Response:
    return httpx.post(url, data=fields, files={"file": ("census.csv", content)}, timeout=60)


def s3_error_code(response: httpx.Response) -> str:
    return response.text.split("<Code>")[1].split("</Code>")[0]


def object_body(stack: LocalStack, key: str) -> bytes | None:
    try:
        body: bytes = stack.client("s3").get_object(Bucket=stack.bucket_name, Key=key)["Body"].read()
    except stack.client("s3").exceptions.NoSuchKey:
        return None
    return body


def test_a_form_with_its_key_edited_into_another_tenants_workspace_is_refused(
    stack: LocalStack, api: httpx.Client, other_tenant: httpx.Client
) -> None:
    workspace_a = make_workspace(api, name="tenant a's")
    results_key = f"tenants/tenant-a/workspaces/{workspace_a}/runs/run_x/results.json"
    stack.client("s3").put_object(Bucket=stack.bucket_name, Key=results_key, Body=b'{"kept": true}')
    form_b = upload_form(other_tenant, make_workspace(other_tenant, name="tenant b's"))

    for forged_key in (f"uploads/{workspace_a}/up_forged/census.csv", results_key):
        answer = post_form(form_b["url"], {**form_b["fields"], "key": forged_key})
        assert answer.status_code == 403, answer.text
        assert "Policy Condition failed" in answer.text
    assert object_body(stack, results_key) == b'{"kept": true}'
    assert object_body(stack, f"uploads/{workspace_a}/up_forged/census.csv") is None
    assert other_tenant.get(f"/api/workspaces/{workspace_a}/datasets").status_code == 404


def test_a_form_with_another_type_an_extra_field_or_too_many_bytes_is_refused(
    stack: LocalStack, api: httpx.Client
) -> None:
    form = upload_form(api, make_workspace(api, name="policy"))
    fields = form["fields"]
    refused = {
        "content type": post_form(form["url"], {**fields, "Content-Type": "text/html"}),
        "extra field": post_form(form["url"], {**fields, "x-amz-meta-owner": "someone"}),
        "no signature": post_form(
            form["url"], {k: v for k, v in fields.items() if "signature" not in k.lower()}
        ),
        "policy edited": post_form(form["url"], {**fields, "policy": fields["policy"][:-4] + "AAA="}),
        "too large": post_form(form["url"], fields, b"x" * (form["max_bytes"] + 1)),
    }
    assert {name: answer.status_code for name, answer in refused.items()} == {
        "content type": 403,
        "extra field": 403,
        "no signature": 403,
        "policy edited": 403,
        "too large": 400,
    }
    assert s3_error_code(refused["too large"]) == "EntityTooLarge"
    assert object_body(stack, fields["key"]) is None


def test_an_expired_form_is_refused(stack: LocalStack) -> None:
    expired = stack.client("s3").generate_presigned_post(
        stack.bucket_name, "uploads/ws_x/up_x/census.csv", ExpiresIn=-5
    )
    answer = post_form(expired["url"], expired["fields"])
    assert answer.status_code == 403, answer.text
    assert "Policy expired" in answer.text


def test_the_presigned_form_still_uploads(api: httpx.Client, small_census: bytes) -> None:
    assert upload(api, make_workspace(api, name="allowed"), small_census).status_code == 204


def test_unsigned_and_wrongly_signed_s3_requests_are_refused(stack: LocalStack) -> None:
    url = f"{stack.aws_endpoint}/{stack.bucket_name}/tenants/tenant-a/planted.json"
    assert httpx.put(url, content=b"{}").status_code == 403
    assert httpx.get(url).status_code == 403
    # moto's own fixed key, which anyone can read in its source
    public_key = boto3.client(
        "s3",
        endpoint_url=stack.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="ak",
        aws_secret_access_key="sk",
    )
    with pytest.raises(public_key.exceptions.ClientError, match="InvalidAccessKeyId"):
        public_key.put_object(Bucket=stack.bucket_name, Key="tenants/tenant-a/planted.json", Body=b"{}")
    stolen_id = boto3.client(
        "dynamodb",
        endpoint_url=stack.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id=stack.signer.access_key,
        aws_secret_access_key="guessed",
    )
    with pytest.raises(stolen_id.exceptions.ClientError, match="SignatureDoesNotMatch"):
        stolen_id.delete_table(TableName=stack.table_name)
    assert httpx.post(f"{stack.aws_endpoint}/moto-api/reset").status_code == 403
    assert object_body(stack, "tenants/tenant-a/planted.json") is None
    signed_url = stack.client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": stack.bucket_name, "Key": "tenants/tenant-a/planted.json"}
    )
    assert httpx.get(signed_url).status_code == 404  # signed: S3's own answer


def connections_post(
    stack: LocalStack, connection_id: str, credentials: Credentials | None
) -> httpx.Response:
    url = f"{stack.api_url}/@connections/{connection_id}"
    body = json.dumps({"type": "forged"}).encode()
    request = AWSRequest("POST", url, data=body)
    if credentials is not None:
        SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    return httpx.post(url, content=body, headers=dict(request.headers.items()))


def test_an_unsigned_or_wrongly_signed_connections_post_is_refused(stack: LocalStack) -> None:
    key = stack.signer
    assert connections_post(stack, "any-id", None).status_code == 403
    assert connections_post(stack, "any-id", Credentials(key.access_key, "guessed")).status_code == 403
    assert connections_post(stack, "any-id", Credentials("ak", "sk")).status_code == 403
    # Signed with the stack's key it passes, and meets the closed connection's 410.
    assert connections_post(stack, "any-id", Credentials(key.access_key, key.secret_key)).status_code == 410
    stale = AWSRequest("POST", f"{stack.api_url}/@connections/any-id", data=b"{}")
    SigV4Auth(Credentials(key.access_key, key.secret_key), "execute-api", "us-east-1").add_auth(stale)
    stale.headers.replace_header(
        "X-Amz-Date", time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 3600))
    )
    answer = httpx.post(
        f"{stack.api_url}/@connections/any-id", content=b"{}", headers=dict(stale.headers.items())
    )
    assert answer.status_code == 403
