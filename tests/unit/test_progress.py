"""Run progress under concurrent writers (ensemble members finishing at once): the stored percent
and the history never go down, and a run that ended refuses further progress."""

import time
from datetime import datetime

import pytest
from planalign.adapters.store import Store
from planalign.errors import RunConflict
from planalign.services import progress as progress_module
from planalign.services.progress import BackgroundReports, RunProgress


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
    (here its memory reading takes 0.3 s): the stored history is what the telemetry shows."""
    run = running_run(store)
    progress = RunProgress(store, run)
    # The reports' moments are given, so a loaded machine's slow writes cannot space them further.
    first = time.time()
    progress.report("simulation", 0.2, "first", min_interval=0.25, now=first)
    monkeypatch.setattr(progress_module, "process_memory_mb", lambda: time.sleep(0.3) or 100.0)
    progress.report("simulation", 0.3, "stamped too soon", min_interval=0.25, now=first + 0.15)
    assert [e["message"] for e in store.run_events("t1#run_1")] == ["first"]


def test_background_reports_are_written_in_order_stamped_when_they_were_made(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = running_run(store)
    # Each write's memory reading takes 0.2 s: the stage does not wait for it (three would be 0.6 s).
    monkeypatch.setattr(progress_module, "process_memory_mb", lambda: time.sleep(0.2) or 100.0)
    reports = BackgroundReports(RunProgress(store, run))
    began = time.perf_counter()
    made = []
    for year in range(3):
        made.append(time.time())
        reports.report("simulation", (year + 1) / 3, f"year {year}", kind="year_completed", year=2025 + year)
    assert time.perf_counter() - began < 0.2
    reports.drain()
    events = store.run_events("t1#run_1")
    assert [e["message"] for e in events] == ["year 0", "year 1", "year 2"]
    stamps = [datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")).timestamp() for e in events]
    assert stamps == pytest.approx(made, abs=0.05)  # not when the thread got to them, 0.2 s apart
    assert store.get("RUN", "t1#run_1")["progress"] == 85.0


def test_a_run_that_ended_stops_the_stage_at_its_next_report_or_when_it_drains(store: Store) -> None:
    run = running_run(store)
    reports = BackgroundReports(RunProgress(store, run))
    reports.report("simulation", 0.2, "written")
    deadline = time.monotonic() + 5
    while not store.run_events("t1#run_1") and time.monotonic() < deadline:
        time.sleep(0.01)
    store.transition_run("t1#run_1", "cancelled")
    reports.report("simulation", 0.4, "refused")
    with pytest.raises(RunConflict):
        reports.drain()
    assert [e["message"] for e in store.run_events("t1#run_1")] == ["written"]
    reports = BackgroundReports(RunProgress(store, run))
    reports.report("simulation", 0.6, "refused too")
    # The stage's next years: the first report after the refused write has finished raises.
    deadline = time.monotonic() + 10
    with pytest.raises(RunConflict):
        while time.monotonic() < deadline:
            reports.report("simulation", 0.8, "the stage's next year")
            time.sleep(0.05)
    reports.drain(raise_failure=False)
