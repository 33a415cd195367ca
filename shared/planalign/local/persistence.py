"""Keeps the local stack's data across restarts: moto holds everything in memory, so the table's items
and the bucket's objects are written under the data dir (at every flush and at stop) and loaded back
before anything else starts."""

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


class DataDir:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.objects = root / "s3"
        self.table_file = root / "table.jsonl"
        self.index_file = root / "s3-index.json"

    def save(self, dynamodb: Any, s3: Any, table: str, bucket: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self._save_table(dynamodb, table)
        self._save_bucket(s3, bucket)

    def _save_table(self, dynamodb: Any, table: str) -> None:
        temporary = self.table_file.with_suffix(".tmp")
        with temporary.open("w") as out:
            # Small pages: the local moto answers one DynamoDB request at a time, and a whole-table
            # page would hold up the stages and the notifier for a few hundred ms every flush.
            pages = dynamodb.get_paginator("scan").paginate(
                TableName=table, PaginationConfig={"PageSize": 100}
            )
            for page in pages:
                for item in page.get("Items", []):
                    out.write(json.dumps(item) + "\n")
        os.replace(temporary, self.table_file)

    def _save_bucket(self, s3: Any, bucket: str) -> None:
        previous: dict[str, Any] = json.loads(self.index_file.read_text()) if self.index_file.exists() else {}
        index: dict[str, Any] = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                key, etag = obj["Key"], obj["ETag"]
                path = self._path(key)
                if previous.get(key, {}).get("etag") != etag or not path.exists():
                    response = s3.get_object(Bucket=bucket, Key=key)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(response["Body"].read())
                    index[key] = {"etag": etag, "content_type": response.get("ContentType", "")}
                else:
                    index[key] = previous[key]
        for key in set(previous) - set(index):
            self._path(key).unlink(missing_ok=True)
        self.index_file.write_text(json.dumps(index))

    def _path(self, key: str) -> Path:
        # Hashed names: S3 keys may hold characters or lengths a file system refuses.
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.objects / digest[:2] / digest

    def restore(self, dynamodb: Any, s3: Any, table: str, bucket: str) -> int:
        """Load what the last run saved; returns the number of items restored."""
        restored = 0
        if self.table_file.exists():
            batch: list[dict[str, Any]] = []
            for line in self.table_file.read_text().splitlines():
                batch.append({"PutRequest": {"Item": json.loads(line)}})
                if len(batch) == 25:
                    restored += self._write(dynamodb, table, batch)
                    batch = []
            restored += self._write(dynamodb, table, batch)
        if self.index_file.exists():
            for key, meta in json.loads(self.index_file.read_text()).items():
                path = self._path(key)
                if path.exists():
                    s3.put_object(
                        Bucket=bucket,
                        Key=key,
                        Body=path.read_bytes(),
                        ContentType=meta.get("content_type") or "application/octet-stream",
                    )
        return restored

    @staticmethod
    def _write(dynamodb: Any, table: str, batch: list[dict[str, Any]]) -> int:
        if batch:
            dynamodb.batch_write_item(RequestItems={table: batch})
        return len(batch)
