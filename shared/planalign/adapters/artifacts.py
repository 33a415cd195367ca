"""S3 artifacts: census uploads, normalized datasets, run outputs and the presigned URLs to them."""

import hashlib
from collections.abc import Iterator
from typing import Any

from planalign.adapters.clients import aws_client
from planalign.settings import get_settings

PRESIGNED_URL_SECONDS = 900
# What the simulation stage hands on, under the run's folder: its seed, start headcount, metrics, its
# Results document (no bands yet) and the event counts by year and type; the snapshot and events are
# the Parquet tables.
SIMULATION_SUMMARY = "simulation/summary.json"
# What S3 answers for a key that is not there (HEAD has no body, so only its status).
_MISSING_CODES = ("404", "NoSuchKey", "NotFound")


def upload_key(workspace_id: str, upload_id: str, filename: str) -> str:
    return f"uploads/{workspace_id}/{upload_id}/{filename}"


def import_source_key(workspace_id: str, import_id: str, filename: str) -> str:
    """A file uploaded to the Studio's import wizard: under uploads/ (it expires with them), one level
    below the uploads the S3 trigger imports, since the wizard imports the census it generates from it."""
    return f"uploads/{workspace_id}/{import_id}/source/{filename}"


def dataset_prefix(tenant_id: str, sha256: str, sheet: str | None = None) -> str:
    """Normalized censuses are content-addressed per tenant (and sheet of a workbook), so the same
    bytes import once."""
    folder = f"tenants/{tenant_id}/datasets/{sha256}/"
    return folder if sheet is None else f"{folder}sheets/{hashlib.sha256(sheet.encode()).hexdigest()[:16]}/"


def workspace_prefix(tenant_id: str, workspace_id: str) -> str:
    return f"tenants/{tenant_id}/workspaces/{workspace_id}/"


def run_prefix(tenant_id: str, workspace_id: str, run_id: str) -> str:
    return f"{workspace_prefix(tenant_id, workspace_id)}runs/{run_id}/"


def ensemble_items_key(run_folder: str) -> str:
    """The Distributed Map's item list: one `{"member": k}` per extra ensemble member."""
    return f"{run_folder}ensemble/members.json"


def member_metrics_key(run_folder: str, member: int) -> str:
    return f"{run_folder}ensemble/member-{member:04d}.json"


class Artifacts:
    """The artifact bucket."""

    def __init__(self, bucket: str | None = None) -> None:
        self._bucket = bucket

    @property
    def bucket(self) -> str:
        return self._bucket or get_settings().bucket_name

    @property
    def s3(self) -> Any:
        return aws_client("s3")

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def get(self, key: str, version_id: str | None = None) -> bytes:
        """The object's bytes; with `version_id`, that version's (what a notification named, even if
        the key was written again since)."""
        extra = {"VersionId": version_id} if version_id else {}
        body: bytes = self.s3.get_object(Bucket=self.bucket, Key=key, **extra)["Body"].read()
        return body

    def get_if_exists(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such key (one request, not a HEAD and a GET)."""
        from botocore.exceptions import ClientError

        try:
            return self.get(key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING_CODES:
                return None
            raise

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING_CODES:
                return False
            raise
        return True

    def list(self, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            yield from page.get("Contents", [])

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix`; returns the bytes they held."""
        objects = list(self.list(prefix))
        keys = [{"Key": obj["Key"]} for obj in objects]
        for start in range(0, len(keys), 1000):
            self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": keys[start : start + 1000]})
        return sum(int(obj["Size"]) for obj in objects)

    def presigned_get(self, key: str, filename: str | None = None) -> str:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        url: str = self.s3.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=PRESIGNED_URL_SECONDS
        )
        return url

    def presigned_post(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict[str, Any]:
        """A form the browser posts straight to S3; its policy caps the size and fixes type and key."""
        post: dict[str, Any] = self.s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[["content-length-range", 1, max_bytes], {"Content-Type": content_type}],
            ExpiresIn=expires_in,
        )
        return post

    def reachable(self) -> bool:
        self.s3.head_bucket(Bucket=self.bucket)
        return True
