"""A run's cost from its recorded usage and a price table: exact figures for a usage and prices made
by hand, the Step Functions transitions by the state machine's shape, and (hypothesis) a cost that
never goes down when any usage grows."""

from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from planalign.domain.cost import (
    Prices,
    RunUsage,
    StageUsage,
    default_prices,
    run_cost,
    state_transitions,
    usage_from_counters,
)

PRICES = Prices.from_document(
    {
        "region": "test-1",
        "as_of": "2025-01-01",
        "currency": "USD",
        "prices": {
            "lambda_gb_second": "0.00001",
            "lambda_request": "0.0000002",
            "step_functions_state_transition": "0.000025",
            "dynamodb_write_request_unit": "0.000001",
            "dynamodb_read_request_unit": "0.0000002",
            "s3_put_request": "0.000005",
            "s3_get_request": "0.0000004",
            "s3_gb_month": "0.02",
            "websocket_message": "0.000001",
        },
    }
)

# A recorded 3-member ensemble: counters as the stages and the notifier add them up.
COUNTERS = {
    "import_invocations": 1,
    "import_mb_ms": 3008 * 500,  # 3008 MB for 0.5 s
    "simulation_invocations": 1,
    "simulation_mb_ms": 4096 * 2000,
    "member_invocations": 3,  # members 1 and 2, one retried
    "member_mb_ms": 4096 * 3000,
    "pipeline_invocations": 1,
    "pipeline_mb_ms": 4096 * 1000,
    "dynamodb_write_milliunits": 120_000,
    "dynamodb_read_milliunits": 40_500,
    "s3_put_requests": 30,
    "s3_get_requests": 12,
    "stored_bytes": 1024**3 // 2,
    "websocket_messages": 50,
}


def test_cost_of_a_recorded_usage_is_exact() -> None:
    cost = run_cost(usage_from_counters(COUNTERS, members=3), PRICES)
    gb_seconds = {"import": Decimal("1.46875"), "simulation": 8, "member": 12, "pipeline": 4}
    # Transitions: 6 parent states + 2 per child x 2 children + 1 member retry = 11.
    expected = (
        sum(gb_seconds.values()) * Decimal("0.00001")
        + 6 * Decimal("0.0000002")
        + 11 * Decimal("0.000025")
        + 120 * Decimal("0.000001")
        + Decimal("40.5") * Decimal("0.0000002")
        + 30 * Decimal("0.000005")
        + 12 * Decimal("0.0000004")
        + Decimal("0.5") * Decimal("0.02")
        + 50 * Decimal("0.000001")
    )
    assert cost["total_usd"] == float(expected) == 0.0108637875
    assert cost["usage"]["state_transitions"] == 11
    assert {name: stage["gb_seconds"] for name, stage in cost["stages"].items()} == {
        "import": 1.46875,
        "simulation": 8.0,
        "member": 12.0,
        "pipeline": 4.0,
    }
    assert cost["stages"]["member"]["usd"] == 0.00012
    # Per member: its share of the members' GB-seconds, one request and its child execution.
    assert cost["ensemble"] == {
        "members": 3,
        "per_member_gb_seconds": 6.0,
        "per_member_usd": float(6 * Decimal("0.00001") + Decimal("0.0000002") + 2 * Decimal("0.000025")),
    }
    lines = {line["item"]: line for line in cost["lines"]}
    assert lines["s3 storage"] == {
        "item": "s3 storage",
        "quantity": 0.5,
        "unit": "GB-month",
        "unit_price": 0.02,
        "usd": 0.01,
    }
    assert sum(Decimal(str(line["usd"])) for line in cost["lines"]) == expected
    assert cost["region"] == "test-1" and cost["prices_as_of"] == "2025-01-01"
    assert cost["left_out"] and cost["estimated"]


def test_a_single_run_has_five_transitions_and_no_ensemble() -> None:
    usage = RunUsage(stages={name: StageUsage(1, 1000) for name in ("import", "simulation", "pipeline")})
    assert state_transitions(usage) == 5
    assert "ensemble" not in run_cost(usage, PRICES)
    retried = replace(usage, stages={**usage.stages, "pipeline": StageUsage(2, 2000)})
    assert state_transitions(retried) == 6


def test_the_packaged_price_table_has_a_date_region_and_every_price() -> None:
    prices = default_prices()
    assert prices.region == "us-east-1" and prices.as_of and prices.currency == "USD"
    assert prices.lambda_gb_second == Decimal("0.0000133334")
    assert prices.step_functions_state_transition == Decimal("0.000025")


counts = st.integers(min_value=0, max_value=10**9)
stage_usage = st.builds(StageUsage, counts, counts)
usages = st.builds(
    RunUsage,
    stages=st.fixed_dictionaries(
        {}, optional={name: stage_usage for name in ("import", "simulation", "member", "pipeline")}
    ),
    members=st.integers(min_value=1, max_value=1000),
    dynamodb_read_units=st.decimals(min_value=0, max_value=10**7, places=3),
    dynamodb_write_units=st.decimals(min_value=0, max_value=10**7, places=3),
    s3_put_requests=counts,
    s3_get_requests=counts,
    stored_bytes=st.integers(min_value=0, max_value=10**13),
    websocket_messages=counts,
)
growth = st.fixed_dictionaries(
    {
        "invocations": counts,
        "mb_ms": counts,
        "members": st.integers(min_value=0, max_value=1000),
        "reads": st.decimals(min_value=0, max_value=10**6, places=3),
        "writes": st.decimals(min_value=0, max_value=10**6, places=3),
        "puts": counts,
        "gets": counts,
        "stored": counts,
        "messages": counts,
        "stage": st.sampled_from(("import", "simulation", "member", "pipeline")),
    }
)


@given(usages, growth)
def test_cost_never_decreases_when_usage_grows(usage: RunUsage, more: dict) -> None:
    stage = usage.stage(more["stage"])
    grown = RunUsage(
        stages={
            **usage.stages,
            more["stage"]: StageUsage(stage.invocations + more["invocations"], stage.mb_ms + more["mb_ms"]),
        },
        members=usage.members + more["members"],
        dynamodb_read_units=usage.dynamodb_read_units + more["reads"],
        dynamodb_write_units=usage.dynamodb_write_units + more["writes"],
        s3_put_requests=usage.s3_put_requests + more["puts"],
        s3_get_requests=usage.s3_get_requests + more["gets"],
        stored_bytes=usage.stored_bytes + more["stored"],
        websocket_messages=usage.websocket_messages + more["messages"],
    )
    assert state_transitions(grown) >= state_transitions(usage)
    assert run_cost(grown)["total_usd"] >= run_cost(usage)["total_usd"]
    assert run_cost(grown, PRICES)["total_usd"] >= run_cost(usage, PRICES)["total_usd"]


def test_the_comparison_carries_each_scenarios_run_cost() -> None:
    from planalign.services.comparison import build_comparison
    from test_comparison import BASE, STAYS

    comparison = build_comparison(
        {"base": {**BASE, "cost": {"total_usd": 0.0123}}, "stays": STAYS},
        {"base": "Baseline", "stays": "E2 stays"},
        "base",
    )
    assert comparison["run_costs"] == {"base": 0.0123, "stays": None}
