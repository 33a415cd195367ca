"""The notifier's FilterCriteria (template.yaml) against the keys the store writes, and the local
stack's stream delivery applying them: a change that makes a message reaches the notifier, the rest
(the cost counters it writes itself after each fan-out, sequence counters, other items) does not."""

from pathlib import Path
from typing import Any

import pytest
from planalign.adapters.store import CONNECT_SK_PREFIX, EVENT_SK_PREFIX, ITEM_SK, partition, run_key
from planalign.local.streams import matches_filters
from planalign.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
RUN = partition("RUN", run_key("t1", "run_1"))


def record(event_name: str, pk: str, sk: str) -> dict[str, Any]:
    return {"eventName": event_name, "dynamodb": {"Keys": {"pk": {"S": pk}, "sk": {"S": sk}}}}


@pytest.fixture(scope="module")
def criteria() -> dict[str, Any]:
    patterns = load_template(ROOT).stream_triggers["NotifierFunction"]
    return {"Filters": [{"Pattern": pattern} for pattern in patterns]}


@pytest.mark.parametrize(
    ("change", "delivered"),
    [
        (record("INSERT", RUN, ITEM_SK), True),  # a run appears: its snapshot
        (record("MODIFY", RUN, ITEM_SK), True),  # progress, status: an update
        (record("INSERT", RUN, f"{EVENT_SK_PREFIX}00000003"), True),  # a milestone
        (record("INSERT", RUN, f"{CONNECT_SK_PREFIX}conn="), True),  # subscribed on $connect
        (record("INSERT", partition("BATCH", "b1"), f"{CONNECT_SK_PREFIX}conn="), True),
        (record("REMOVE", RUN, ITEM_SK), False),  # the run's expiry
        (record("REMOVE", RUN, f"{CONNECT_SK_PREFIX}conn="), False),  # unsubscribed
        (record("MODIFY", RUN, f"{EVENT_SK_PREFIX}00000003"), False),
        (record("MODIFY", RUN, "SEQ"), False),  # the history's counter
        (record("MODIFY", partition("COST", run_key("t1", "run_1")), "USAGE"), False),  # messages counted
        (record("MODIFY", partition("WS", "ws_1"), ITEM_SK), False),  # a workspace
        (record("MODIFY", partition("BATCH", "b1"), ITEM_SK), False),  # its runs' changes say it
    ],
)
def test_only_changes_that_make_a_message_reach_the_notifier(
    criteria: dict[str, Any], change: dict[str, Any], delivered: bool
) -> None:
    assert matches_filters(criteria, change) is delivered


def test_a_mapping_without_filters_gets_every_change() -> None:
    assert matches_filters(None, record("MODIFY", RUN, "SEQ"))
    assert matches_filters({"Filters": []}, record("MODIFY", RUN, "SEQ"))
