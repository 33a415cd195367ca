"""moto with the local stack's item patches answers queries as moto did, from the items of their key
only: GSI maps follow puts, updates that add, change or remove index keys, and deletes."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from moto import mock_aws
from planalign.local import moto_items


@pytest.fixture
def table() -> Iterator[Any]:
    moto_items.install()
    moto_items.observe_changes([])
    with mock_aws():
        resource = boto3.resource("dynamodb", region_name="us-east-1")
        strings = [
            {"AttributeName": n, "AttributeType": "S"}
            for n in ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")
        ]
        yield resource.create_table(
            TableName="runs",
            AttributeDefinitions=strings,  # type: ignore[arg-type]
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": name,
                    "KeySchema": [
                        {"AttributeName": f"{name}pk", "KeyType": "HASH"},
                        {"AttributeName": f"{name}sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for name in ("gsi1", "gsi2")
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )


def ids(table: Any, index: str, value: str, **query: Any) -> list[str]:
    found = table.query(IndexName=index, KeyConditionExpression=Key(f"{index}pk").eq(value), **query)
    return [item["pk"] for item in found["Items"]]


def test_a_gsi_query_reads_its_key_in_order_and_pages(table: Any) -> None:
    for number in range(30):
        tenant = "a" if number % 3 else "b"
        table.put_item(
            Item={"pk": f"WS#{number:02d}", "sk": "A", "gsi1pk": f"T#{tenant}", "gsi1sk": f"{number:02d}"}
        )
    tenant_b = [f"WS#{n:02d}" for n in range(0, 30, 3)]
    assert ids(table, "gsi1", "T#b") == tenant_b
    assert ids(table, "gsi1", "T#b", ScanIndexForward=False) == tenant_b[::-1]
    first = table.query(IndexName="gsi1", KeyConditionExpression=Key("gsi1pk").eq("T#b"), Limit=4)
    rest = table.query(
        IndexName="gsi1",
        KeyConditionExpression=Key("gsi1pk").eq("T#b"),
        ExclusiveStartKey=first["LastEvaluatedKey"],
    )
    assert [i["pk"] for i in first["Items"] + rest["Items"]] == tenant_b
    assert ids(table, "gsi1", "T#nobody") == []


def test_gsi_maps_follow_updates_and_deletes(table: Any) -> None:
    table.put_item(Item={"pk": "RUN#1", "sk": "A", "status": "running", "gsi2pk": "ACTIVE#a", "gsi2sk": "1"})
    table.put_item(Item={"pk": "RUN#2", "sk": "A", "status": "running", "gsi2pk": "ACTIVE#a", "gsi2sk": "2"})
    assert ids(table, "gsi2", "ACTIVE#a") == ["RUN#1", "RUN#2"]
    table.update_item(
        Key={"pk": "RUN#1", "sk": "A"},
        UpdateExpression="SET #s = :done REMOVE gsi2pk, gsi2sk",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":done": "completed"},
    )
    table.update_item(
        Key={"pk": "RUN#2", "sk": "A"},
        UpdateExpression="SET gsi2pk = :b",
        ExpressionAttributeValues={":b": "ACTIVE#b"},
    )
    table.update_item(
        Key={"pk": "RUN#3", "sk": "A"},
        UpdateExpression="SET gsi2pk = :a, gsi2sk = :s",
        ExpressionAttributeValues={":a": "ACTIVE#a", ":s": "3"},
    )
    assert ids(table, "gsi2", "ACTIVE#a") == ["RUN#3"]
    assert ids(table, "gsi2", "ACTIVE#b") == ["RUN#2"]
    table.delete_item(Key={"pk": "RUN#3", "sk": "A"})
    assert ids(table, "gsi2", "ACTIVE#a") == []


def test_a_table_query_reads_its_partition_with_its_sort_key_condition(table: Any) -> None:
    with table.batch_writer() as batch:
        for run in ("1", "2"):
            batch.put_item(Item={"pk": f"RUN#{run}", "sk": "A"})
            for seq in range(5):
                batch.put_item(Item={"pk": f"RUN#{run}", "sk": f"EV#{seq:04d}", "run": run})
    found = table.query(KeyConditionExpression=Key("pk").eq("RUN#2") & Key("sk").begins_with("EV#"), Limit=3)
    assert [(i["run"], i["sk"]) for i in found["Items"]] == [
        ("2", "EV#0000"),
        ("2", "EV#0001"),
        ("2", "EV#0002"),
    ]
    assert table.query(KeyConditionExpression=Key("pk").eq("RUN#9"))["Items"] == []


def test_sizes_are_moto_s_and_an_item_over_400_kb_is_still_refused(table: Any) -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    nested = {
        "M": {
            "a": {"L": [{"S": "xy"}, {"N": "12.5"}, {"M": {"b": {"BOOL": True}}}]},
            "c": {"SS": ["p", "qq"]},
        }
    }
    assert DynamoType(nested).size() == 1 + 2 + 4 + 1 + 1 + 1 + 3
    with pytest.raises(table.meta.client.exceptions.ClientError, match="Item size has exceeded"):
        table.put_item(Item={"pk": "BIG", "sk": "A", "blob": "x" * 410_000})
    table.put_item(Item={"pk": "BIG", "sk": "A", "blob": "x" * 300_000})
    item = table.get_item(Key={"pk": "BIG", "sk": "A"})["Item"]
    assert len(item["blob"]) == 300_000
