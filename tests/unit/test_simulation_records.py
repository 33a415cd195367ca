"""The recorder that puts each simulated year's rows in id order, and the collector that keeps a
projection's years as one output (simulation/records.py)."""

import numpy as np
from planalign.domain.event_types import EVENT_TYPES
from planalign.domain.simulation.records import EventBlock, OutputCollector, YearRecorder
from planalign.domain.simulation_output import SNAPSHOT_COLUMNS

CENSUS_IDS = np.array(["B1", "D2", "F3"])


def snapshot_of(indexes: list[int], pay: float) -> dict[str, np.ndarray]:
    """A year's snapshot rows for these employee indexes (ascending), every other column zero."""
    rows = len(indexes)
    columns = {
        name: np.zeros(rows, dtype) for name, dtype in SNAPSHOT_COLUMNS.items() if name != "simulation_year"
    }
    columns["employee_index"] = np.array(indexes, dtype=np.int32)
    columns["pay"] = np.full(rows, pay)
    return columns


def hire_event(indexes: list[int], day: str) -> EventBlock:
    return EventBlock("hire", np.array(indexes, dtype=np.int32), np.datetime64(day), new_value=1.0)


def test_years_are_put_in_id_order_when_hires_sort_between_census_ids() -> None:
    recorder, collector = YearRecorder(CENSUS_IDS), OutputCollector(2025, 2026, 7)
    first = recorder.add_year(
        2025,
        snapshot_of([0, 1, 2], pay=1.0),
        [EventBlock("termination", np.array([2, 0], dtype=np.int32), np.datetime64("2025-06-01"))],
    )
    collector.add_year(first)
    recorder.add_ids(np.array(["C9", "E9"]))  # between B1 and D2, and between D2 and F3
    second = recorder.add_year(
        2026,
        snapshot_of([0, 1, 2, 3, 4], pay=2.0),
        [
            hire_event([4, 3], "2026-02-01"),
            EventBlock("termination", np.array([3], dtype=np.int32), np.datetime64("2026-09-01")),
        ],
    )
    collector.add_year(second)
    output = collector.finish()

    # Each year as it ends: its rows in id order, pointing into the ids so far.
    assert first.employee_ids[0][first.snapshot["employee_index"]].tolist() == ["B1", "D2", "F3"]
    ids_so_far = np.concatenate(second.employee_ids)
    assert ids_so_far[second.snapshot["employee_index"]].tolist() == ["B1", "C9", "D2", "E9", "F3"]
    assert ids_so_far[second.events["employee_index"]].tolist() == ["C9", "C9", "E9"]

    assert output.employee_ids.tolist() == ["B1", "C9", "D2", "E9", "F3"]
    ids = output.employee_ids[output.snapshot["employee_index"]].tolist()
    assert ids == ["B1", "D2", "F3", "B1", "C9", "D2", "E9", "F3"]
    assert output.snapshot["simulation_year"].tolist() == [2025] * 3 + [2026] * 5
    assert output.snapshot["pay"].tolist() == [1.0] * 3 + [2.0] * 5
    # Rows by id within a year; an employee's events keep the order they were recorded in.
    assert output.employee_ids[output.events["employee_index"]].tolist() == ["B1", "F3", "C9", "C9", "E9"]
    kinds = [EVENT_TYPES[code] for code in output.events["event_type"]]
    assert kinds == ["termination", "termination", "hire", "termination", "hire"]
    assert output.events["simulation_year"].tolist() == [2025, 2025, 2026, 2026, 2026]
    assert str(output.events["effective_date"][3]) == "2026-09-01"


def test_a_year_past_the_room_reserved_moves_the_columns_and_keeps_the_years_before() -> None:
    recorder, collector = YearRecorder(CENSUS_IDS), OutputCollector(2025, 2026, 7)
    collector.add_year(recorder.add_year(2025, snapshot_of([0], pay=1.0), [hire_event([0], "2025-01-02")]))
    hires = np.array([f"H{i:04d}" for i in range(2000)])  # many times the first year's rows
    recorder.add_ids(hires)
    everyone = list(range(3, 3 + len(hires)))
    collector.add_year(
        recorder.add_year(2026, snapshot_of(everyone, pay=2.0), [hire_event(everyone, "2026-03-01")])
    )
    output = collector.finish()

    assert len(output.snapshot["pay"]) == 1 + len(hires)
    assert output.snapshot["pay"][0] == 1.0 and (output.snapshot["pay"][1:] == 2.0).all()
    assert output.employee_ids[output.snapshot["employee_index"]].tolist() == ["B1", *hires.tolist()]
    assert output.events["simulation_year"].tolist() == [2025] + [2026] * len(hires)
    assert output.employee_ids[output.events["employee_index"][1:]].tolist() == hires.tolist()
