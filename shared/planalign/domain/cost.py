"""What a run cost in AWS: the usage a run recorded (Lambda time by stage, requests, DynamoDB units,
S3 requests and bytes, WebSocket messages) priced with a price table that is data (`aws_prices.json`,
with its region and date). Pure arithmetic in Decimal, so a figure can be checked by hand."""

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).with_name("aws_prices.json")
# The stage functions, as the state machine calls them; `member` is EnsembleMemberFunction.
STAGES = ("import", "simulation", "member", "pipeline")
# Parent execution: Import, HasRun, Simulation, IsEnsemble, Pipeline (+ EnsembleMembers for an ensemble).
PARENT_STATES = 5
# A Distributed Map child execution: one transition for its start (as AWS bills a child workflow of a
# Distributed Map) and one for its Member task.
CHILD_EXECUTION_TRANSITIONS = 2
GIB = 1024**3

# What the figure leaves out, said wherever it is shown.
LEFT_OUT = (
    "Lambda init (cold start) time, billed since 2025-08 for each new execution environment: not measured",
    "the API, notifier and WebSocket-route functions' invocations, API Gateway HTTP requests and "
    "WebSocket connection minutes",
    "CloudWatch Logs, EMF metrics and X-Ray traces; data transfer; DynamoDB streams (free for Lambda "
    "triggers), backups (PITR) and item storage",
    "the shared normalized census (content-addressed, one per census, not per run) and the upload",
    "work after run.json is written: the run's completion writes and the last WebSocket messages",
    "free tiers and savings plans",
)
ESTIMATED = (
    "Step Functions transitions are counted from the state machine's shape and the stage attempts "
    "(one per state entered, one per retry, two per Distributed Map child execution)",
    "DynamoDB units are what DynamoDB reports (ReturnConsumedCapacity) in AWS; where an answer does not "
    "say (the local stack's moto), a write counts 1 unit and a read 0.5, as for items under 1 KB read eventually consistent",
    "WebSocket messages count posts; API Gateway meters them in 32 KB units, so a large snapshot is more",
    "storage is one month of the run's S3 folder at S3 Standard",
)


@dataclass(frozen=True)
class Prices:
    region: str
    as_of: str
    currency: str
    lambda_gb_second: Decimal
    lambda_request: Decimal
    step_functions_state_transition: Decimal
    dynamodb_write_request_unit: Decimal
    dynamodb_read_request_unit: Decimal
    s3_put_request: Decimal
    s3_get_request: Decimal
    s3_gb_month: Decimal
    websocket_message: Decimal

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> "Prices":
        prices = {name: Decimal(str(value)) for name, value in document["prices"].items()}
        return cls(document["region"], document["as_of"], document["currency"], **prices)


@cache
def default_prices() -> Prices:
    return Prices.from_document(json.loads(PRICES_FILE.read_text()))


@dataclass(frozen=True)
class StageUsage:
    """A stage's Lambda invocations (attempts included) and their memory x duration in MB-milliseconds
    (Lambda bills the configured memory for each millisecond of the handler)."""

    invocations: int = 0
    mb_ms: int = 0

    @property
    def gb_seconds(self) -> Decimal:
        return Decimal(self.mb_ms) / 1024 / 1000


@dataclass(frozen=True)
class RunUsage:
    stages: Mapping[str, StageUsage] = field(default_factory=dict)
    members: int = 1
    dynamodb_read_units: Decimal = Decimal(0)
    dynamodb_write_units: Decimal = Decimal(0)
    s3_put_requests: int = 0  # PUT, COPY, POST and LIST
    s3_get_requests: int = 0  # GET and HEAD
    stored_bytes: int = 0
    websocket_messages: int = 0

    def stage(self, name: str) -> StageUsage:
        return self.stages.get(name) or StageUsage()

    def as_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document["stages"] = {name: asdict(usage) for name, usage in self.stages.items()}
        document["dynamodb_read_units"] = float(self.dynamodb_read_units)
        document["dynamodb_write_units"] = float(self.dynamodb_write_units)
        document["state_transitions"] = state_transitions(self)
        return document


def state_transitions(usage: RunUsage) -> int:
    """Standard workflow transitions: the parent's states, each retried attempt of a task, and the
    Distributed Map's child executions (each a start and its Member task)."""
    children = max(usage.members - 1, 0)
    parent = PARENT_STATES + (1 if children else 0)
    retries = sum(max(usage.stage(name).invocations - 1, 0) for name in ("import", "simulation", "pipeline"))
    retries += max(usage.stage("member").invocations - children, 0)
    return parent + CHILD_EXECUTION_TRANSITIONS * children + retries


def _line(item: str, quantity: Decimal, unit: str, unit_price: Decimal) -> dict[str, Any]:
    return {
        "item": item,
        "quantity": float(quantity),
        "unit": unit,
        "unit_price": float(unit_price),
        "usd": quantity * unit_price,
    }


def run_cost(usage: RunUsage, prices: Prices | None = None) -> dict[str, Any]:
    """The run's cost: one line per priced quantity, Lambda by stage and per ensemble member, the total,
    and what the figure estimates and leaves out."""
    prices = prices or default_prices()
    lines = [
        _line(f"lambda {name}", usage.stage(name).gb_seconds, "GB-s", prices.lambda_gb_second)
        for name in STAGES
        if usage.stage(name).invocations
    ]
    invocations = sum(usage.stage(name).invocations for name in usage.stages)
    lines += [
        _line("lambda requests", Decimal(invocations), "requests", prices.lambda_request),
        _line(
            "step functions",
            Decimal(state_transitions(usage)),
            "state transitions",
            prices.step_functions_state_transition,
        ),
        _line("dynamodb writes", usage.dynamodb_write_units, "WRU", prices.dynamodb_write_request_unit),
        _line("dynamodb reads", usage.dynamodb_read_units, "RRU", prices.dynamodb_read_request_unit),
        _line("s3 put/list", Decimal(usage.s3_put_requests), "requests", prices.s3_put_request),
        _line("s3 get", Decimal(usage.s3_get_requests), "requests", prices.s3_get_request),
        _line("s3 storage", Decimal(usage.stored_bytes) / GIB, "GB-month", prices.s3_gb_month),
        _line("websocket", Decimal(usage.websocket_messages), "messages", prices.websocket_message),
    ]
    total = sum((line["usd"] for line in lines), Decimal(0))
    stages = {
        name: {
            "invocations": usage.stage(name).invocations,
            "gb_seconds": float(usage.stage(name).gb_seconds),
            "usd": float(usage.stage(name).gb_seconds * prices.lambda_gb_second),
        }
        for name in STAGES
        if usage.stage(name).invocations
    }
    cost: dict[str, Any] = {
        "total_usd": float(total),
        "currency": prices.currency,
        "region": prices.region,
        "prices_as_of": prices.as_of,
        "lines": [{**line, "usd": float(line["usd"])} for line in lines],
        "stages": stages,
        "usage": usage.as_dict(),
        "estimated": list(ESTIMATED),
        "left_out": list(LEFT_OUT),
    }
    if usage.members > 1:
        member = usage.stage("member")
        per_member = member.gb_seconds / (usage.members - 1)
        cost["ensemble"] = {
            "members": usage.members,
            "per_member_gb_seconds": float(per_member),
            "per_member_usd": float(
                per_member * prices.lambda_gb_second
                + prices.lambda_request
                + CHILD_EXECUTION_TRANSITIONS * prices.step_functions_state_transition
            ),
        }
    return cost


def usage_from_counters(counters: Mapping[str, Any], members: int) -> RunUsage:
    """A run's usage from the counters its stages added up (`{stage}_invocations`, `{stage}_mb_ms`,
    DynamoDB units in thousandths, request and message counts)."""

    def number(name: str) -> int:
        return int(counters.get(name) or 0)

    stages = {
        name: StageUsage(number(f"{name}_invocations"), number(f"{name}_mb_ms"))
        for name in STAGES
        if number(f"{name}_invocations")
    }
    return RunUsage(
        stages=stages,
        members=members,
        dynamodb_read_units=Decimal(number("dynamodb_read_milliunits")) / 1000,
        dynamodb_write_units=Decimal(number("dynamodb_write_milliunits")) / 1000,
        s3_put_requests=number("s3_put_requests"),
        s3_get_requests=number("s3_get_requests"),
        stored_bytes=number("stored_bytes"),
        websocket_messages=number("websocket_messages"),
    )
