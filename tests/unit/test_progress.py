"""Run progress under concurrent writers (ensemble members finishing at once): the stored percent
and the history never go down, and a run that ended refuses further progress."""

import time

import pytest
from planalign.adapters.store import Store
from planalign.errors import RunConflict
from planalign.services import progress as progress_module
from planalign.services.progress import RunProgress


def running_run(store: Store) -> dict[str, object]:
    store.create("RUN", "t1#run_1", {"id": "run_1", "tenant_id": "t1", "status": "running", "progress": 10.0})
    return store.get("RUN", "t1#run_1")


def test_a_report_overtaken_by_another_writer_is_dropped(store: Store) -> None:
    run = running_run(store)
    ahead, behind = RunProgress(store, run), RunProgress(store, run)
    ahead.report("simulation", 0.8, "member 8 done")
    behind.report("simulation", 0.5, "member 5 done")
    assert store.get("RUN", "t1#run_1")["progress"] == 70.0
    assert store.get("RUN", "t1#run_1")["message"] == "member 8 done"
    assert [e["message"] for e in store.run_events("t1#run_1")] == ["member 8 done"]


def test_a_run_that_ended_refuses_progress(store: Store) -> None:
    run = running_run(store)
    store.transition_run("t1#run_1", "cancelled")
    with pytest.raises(RunConflict):
        RunProgress(store, run).report("simulation", 0.9, "too late")
    assert store.run_events("t1#run_1") == []


def test_a_report_within_the_minimum_interval_is_dropped(store: Store) -> None:
    run = running_run(store)
    progress = RunProgress(store, run)
    progress.report("simulation", 0.2, "first")
    progress.report("simulation", 0.3, "too soon", min_interval=60)
    progress.report("simulation", 0.4, "not throttled")
    assert [e["message"] for e in store.run_events("t1#run_1")] == ["first", "not throttled"]
    assert store.get("RUN", "t1#run_1")["progress"] == 40.0


def test_throttled_reports_are_the_interval_apart_by_their_own_stamps(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report stamped 0.15 s after the last one is dropped even when it reaches the table later
    (here its memory reading takes 0.2 s): the stored history is what the telemetry shows."""
    run = running_run(store)
    progress = RunProgress(store, run)
    progress.report("simulation", 0.2, "first", min_interval=0.25)
    time.sleep(0.15)
    monkeypatch.setattr(progress_module, "process_memory_mb", lambda: time.sleep(0.2) or 100.0)
    progress.report("simulation", 0.3, "stamped too soon", min_interval=0.25)
    assert [e["message"] for e in store.run_events("t1#run_1")] == ["first"]
