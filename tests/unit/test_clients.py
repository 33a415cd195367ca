"""A cached client serves only the environment it was made in: the local stack changes the
endpoint and keys when it starts and stops, and a client a stopped stack's thread made without
credentials once served the next stack's presigned forms (`AttributeError: ... access_key`)."""

import pytest
from planalign.adapters import push
from planalign.adapters.clients import aws_client, dynamodb_table, forget_clients


@pytest.fixture(autouse=True)
def no_cached_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    forget_clients()
    push._credentials_for.cache_clear()


def use_keys(monkeypatch: pytest.MonkeyPatch, access_key: str | None, endpoint: str) -> None:
    import boto3

    boto3.DEFAULT_SESSION = None  # as the local stack does; a session does not pin credentials
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    if access_key is None:
        monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    else:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", f"secret-of-{access_key}")


def test_a_client_made_without_credentials_does_not_serve_the_stack_started_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_keys(monkeypatch, None, "http://127.0.0.1:1")
    stranded = aws_client("s3")
    assert stranded._request_signer._credentials is None

    use_keys(monkeypatch, "AKIASTACKTWO", "http://127.0.0.1:2")
    s3 = aws_client("s3")
    assert s3 is not stranded
    assert s3._request_signer._credentials.access_key == "AKIASTACKTWO"
    assert s3.meta.endpoint_url == "http://127.0.0.1:2"
    form = s3.generate_presigned_post(Bucket="bucket", Key="census.csv", ExpiresIn=60)
    assert form["fields"]["AWSAccessKeyId"] == "AKIASTACKTWO"
    assert aws_client("s3") is s3  # and it is made once per environment


def test_a_table_and_push_credentials_follow_the_environment_too(monkeypatch: pytest.MonkeyPatch) -> None:
    use_keys(monkeypatch, "AKIAONE", "http://127.0.0.1:1")
    first_table, first_keys = dynamodb_table("runs"), push._credentials()
    use_keys(monkeypatch, "AKIATWO", "http://127.0.0.1:2")
    assert dynamodb_table("runs") is not first_table
    assert dynamodb_table("runs").meta.client.meta.endpoint_url == "http://127.0.0.1:2"
    assert first_keys.access_key == "AKIAONE"
    assert push._credentials().access_key == "AKIATWO"
