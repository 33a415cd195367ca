"""The local stack answers DynamoDB item operations without moto's shape-walking serializer: every
answer must be the one moto's serializer gives, for every attribute type."""

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.responses import DynamoResult
from planalign.local.moto_backend import item_response

ITEM: dict[str, Any] = {
    "pk": "K",
    "sk": "1",
    "text": "café ☕",
    "number": Decimal("12.50"),
    "big": Decimal("12345678901234567890"),
    "blob": b"\x00\xffbinary",
    "flag": True,
    "nothing": None,
    "strings": {"a", "b"},
    "numbers": {Decimal(1), Decimal("2.5")},
    "blobs": {b"x", b"y"},
    "nested": {"list": [1, "two", {"three": [b"3"]}], "empty": {}},
}


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Any, Any]]]:
    """Each item operation's body both ways: (operation, moto's, ours)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    seen: list[tuple[str, Any, Any]] = []
    moto_execute_result = DynamoResult.execute_result

    def both(self: Any, context: Any) -> Any:
        answer = moto_execute_result(self, context)
        operation = context.operation_model
        ours = item_response(operation.name, self.result, operation.output_shape.members)
        if ours is not None:
            seen.append((context.operation_model.name, json.loads(answer[2]), json.loads(ours[2])))
        return answer

    monkeypatch.setattr(DynamoResult, "execute_result", both)
    with mock_aws():
        yield seen


def test_item_answers_equal_motos_serializer(compared: list[tuple[str, Any, Any]]) -> None:
    resource = boto3.resource("dynamodb", region_name="us-east-1")
    table = resource.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
        BillingMode="PAY_PER_REQUEST",
    )
    table.put_item(Item=ITEM)
    table.put_item(Item={**ITEM, "sk": "2"}, ReturnValues="ALL_OLD")
    table.put_item(Item={**ITEM, "sk": "2", "text": "replaced"}, ReturnValues="ALL_OLD")
    assert table.get_item(Key={"pk": "K", "sk": "1"})["Item"] == ITEM
    table.query(KeyConditionExpression="pk = :k", ExpressionAttributeValues={":k": "K"})
    table.query(KeyConditionExpression="pk = :k", ExpressionAttributeValues={":k": "K"}, Limit=1)
    table.query(
        KeyConditionExpression="pk = :k",
        ExpressionAttributeValues={":k": "K"},
        ProjectionExpression="#t, blobs",
        ExpressionAttributeNames={"#t": "text"},
    )
    table.scan(ReturnConsumedCapacity="TOTAL")
    table.update_item(
        Key={"pk": "K", "sk": "1"},
        UpdateExpression="SET #n = #n + :one ADD numbers :more",
        ExpressionAttributeNames={"#n": "number"},
        ExpressionAttributeValues={":one": 1, ":more": {Decimal(7)}},
        ReturnValues="ALL_NEW",
    )
    resource.batch_get_item(RequestItems={"t": {"Keys": [{"pk": "K", "sk": "1"}, {"pk": "K", "sk": "2"}]}})
    table.delete_item(Key={"pk": "K", "sk": "2"}, ReturnValues="ALL_OLD")
    assert table.get_item(Key={"pk": "K", "sk": "2"}).get("Item") is None

    operations = {operation for operation, _, _ in compared}
    assert operations == {"PutItem", "GetItem", "Query", "Scan", "UpdateItem", "BatchGetItem", "DeleteItem"}
    for operation, motos, ours in compared:
        assert ours == motos, operation


def test_other_operations_and_errors_keep_motos_serializer() -> None:
    assert item_response("DescribeTable", {"Table": {"TableName": "t"}}, ["Table"]) is None
    assert item_response("Query", {"Items": [], "When": object()}, ["Items", "When"]) is None
