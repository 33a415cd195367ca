"""The year-end snapshot and event rows of each simulated year, collected as one block per year and
put together once, ordered by (simulation_year, employee_id), into a SimulationOutput that lives in its
artifact."""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from planalign.domain.event_types import EVENT_TYPES
from planalign.domain.simulation.columns import mapped_empty
from planalign.domain.simulation_output import (
    EVENT_COLUMNS,
    SNAPSHOT_COLUMNS,
    ArtifactWriter,
    SimulationOutput,
    output_in,
)


@dataclass(frozen=True)
class EventBlock:
    """Events of one type for some employees; scalars stand for the same value in every row."""

    event_type: str
    employee_index: np.ndarray
    effective_date: np.ndarray | np.datetime64
    old_value: np.ndarray | float = np.nan
    new_value: np.ndarray | float = np.nan


class OutputRecorder:
    """Collects the employee ids and the year blocks, then writes the output's artifact (see
    output_to_bytes) column after column, releasing each year's part of a column once written, and
    answers the output as views of that artifact: a 10-million-row projection is never held twice,
    neither here nor when the simulation stage stores it. A block leaves out simulation_year, the same
    in all its rows."""

    def __init__(self, start_year: int, end_year: int, seed: int, census_ids: np.ndarray) -> None:
        self._start_year = start_year
        self._end_year = end_year
        self._seed = seed
        self.census_ids = census_ids
        self._hire_ids: list[np.ndarray] = []
        self.next_index = len(census_ids)
        self.event_count = 0
        self.year_event_counts: dict[str, int] = {}  # the last added year's events by type
        self._snapshots: list[tuple[int, dict[str, np.ndarray]]] = []
        self._events: list[tuple[int, dict[str, np.ndarray]]] = []

    def add_ids(self, ids: np.ndarray) -> None:
        """Register the ids of the next employee indexes (this year's hires)."""
        self._hire_ids.append(ids)
        self.next_index += len(ids)

    def add_year(self, year: int, snapshot: dict[str, np.ndarray], events: list[EventBlock]) -> None:
        """A year's snapshot columns (rows in ascending employee_index) and its events; within an
        employee, events keep the order of `events`."""
        # Each column in memory of its own, given back once the column is written into the artifact.
        block = {}
        for name, column in snapshot.items():
            block[name] = mapped_empty(len(column), SNAPSHOT_COLUMNS[name])
            block[name][...] = column
        self._snapshots.append((year, block))

        sizes = [len(event.employee_index) for event in events]
        block = {
            name: mapped_empty(sum(sizes), dtype) for name, dtype in _without_year(EVENT_COLUMNS).items()
        }
        start = 0
        for event, size in zip(events, sizes, strict=True):
            rows = slice(start, start + size)
            block["employee_index"][rows] = event.employee_index
            block["event_type"][rows] = EVENT_TYPES.index(event.event_type)
            block["effective_date"][rows] = event.effective_date
            block["old_value"][rows] = event.old_value
            block["new_value"][rows] = event.new_value
            start += size
        self._events.append((year, block))
        self.event_count += start
        counts: dict[str, int] = {}
        for event, size in zip(events, sizes, strict=True):
            if size:
                counts[event.event_type] = counts.get(event.event_type, 0) + size
        self.year_event_counts = counts

    def finish(self) -> SimulationOutput:
        """The output, with employee ids sorted and every year's rows ordered by employee id."""
        census_ids = self.census_ids
        total = len(census_ids) + sum(len(ids) for ids in self._hire_ids)
        employee_ids = np.empty(total, dtype=np.result_type(census_ids, *self._hire_ids))
        rank = np.empty(total, dtype=np.int32)
        # Census ids are sorted and so are the hire ids, year after year (see hire_ids): sorting all
        # the ids is a merge, done a year at a time to keep no second copy of them.
        census_rank = np.arange(len(census_ids))
        first = len(census_ids)
        for ids in filter(len, self._hire_ids):
            # Only census ids inside the range of this year's hire ids need a search.
            low, high = np.searchsorted(census_ids, [ids[0], ids[-1]])
            census_rank[low:high] += np.searchsorted(ids, census_ids[low:high])
            census_rank[high:] += len(ids)
            hire_rank = (first - len(census_ids)) + np.arange(len(ids)) + np.searchsorted(census_ids, ids)
            employee_ids[hire_rank] = ids
            rank[first : first + len(ids)] = hire_rank
            first += len(ids)
        employee_ids[census_rank] = census_ids
        rank[: len(census_ids)] = census_rank
        self._hire_ids.clear()
        # Snapshot rows come in ascending employee_index, which is id order when no hire id sorts
        # before a census id.
        snapshot_in_order = bool(np.all(census_rank == np.arange(len(census_ids))))
        writer = ArtifactWriter()
        _write_table(writer, "snapshot", self._snapshots, SNAPSHOT_COLUMNS, rank, snapshot_in_order)
        _write_table(writer, "events", self._events, EVENT_COLUMNS, rank, False)
        writer.add_array("employee_ids", employee_ids)
        writer.add_array("years", np.array([self._start_year, self._end_year, self._seed], dtype=np.int64))
        return output_in(writer.finish())


def _without_year(schema: dict[str, str]) -> dict[str, str]:
    return {name: dtype for name, dtype in schema.items() if name != "simulation_year"}


def _write_table(
    writer: ArtifactWriter,
    table: str,
    blocks: list[tuple[int, dict[str, np.ndarray]]],
    schema: dict[str, str],
    rank: np.ndarray,
    in_order: bool,
) -> None:
    """The year blocks one after the other, each ordered by employee rank (stable), pointing at sorted
    ids, as the artifact's `table` columns; `blocks` is emptied as they are written."""
    for _, block in blocks:
        index = rank[block["employee_index"]]
        if in_order:
            block["employee_index"] = index
            continue
        order = np.argsort(index, kind="stable")
        for name, column in block.items():
            ordered = mapped_empty(len(order), column.dtype)
            np.take(index if name == "employee_index" else column, order, out=ordered)
            block[name] = ordered
    sizes = [len(block["employee_index"]) for _, block in blocks]
    for name, dtype in schema.items():
        if name == "simulation_year":
            parts: Iterator[np.ndarray] = (
                np.full(size, year, dtype=dtype) for (year, _), size in zip(blocks, sizes, strict=True)
            )
        else:
            parts = (block.pop(name) for _, block in blocks)
        writer.add(f"{table}.{name}", np.dtype(dtype), sum(sizes), parts)
    blocks.clear()
