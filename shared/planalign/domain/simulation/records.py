"""The year-end snapshot and event rows of each simulated year, collected as column blocks and put
together once, ordered by (simulation_year, employee_id), into a SimulationOutput."""

from dataclasses import dataclass

import numpy as np
from planalign.domain.simulation_output import EVENT_COLUMNS, EVENT_TYPES, SNAPSHOT_COLUMNS, SimulationOutput


@dataclass(frozen=True)
class EventBlock:
    """Events of one type for some employees; scalars stand for the same value in every row."""

    event_type: str
    employee_index: np.ndarray
    effective_date: np.ndarray | np.datetime64
    old_value: np.ndarray | float = np.nan
    new_value: np.ndarray | float = np.nan


class OutputRecorder:
    """Collects employee ids and per-year blocks, then builds the output with one concatenation per
    column (so a 10-million-row projection is never held twice)."""

    def __init__(self, start_year: int, end_year: int, seed: int, census_ids: np.ndarray) -> None:
        self._start_year = start_year
        self._end_year = end_year
        self._seed = seed
        self.census_ids = census_ids
        self._ids = [census_ids]
        self.next_index = len(census_ids)
        self.event_count = 0
        self._snapshots: list[dict[str, np.ndarray]] = []
        self._events: list[dict[str, np.ndarray]] = []

    def add_ids(self, ids: np.ndarray) -> None:
        """Register the ids of the next employee indexes (this year's hires)."""
        self._ids.append(ids)
        self.next_index += len(ids)

    def add_year(self, year: int, snapshot: dict[str, np.ndarray], events: list[EventBlock]) -> None:
        """A year's snapshot columns (rows in ascending employee_index) and its events; within an
        employee, events keep the order of `events`."""
        rows = len(snapshot["employee_index"])
        snapshot = {"simulation_year": np.full(rows, year), **snapshot}
        self._snapshots.append(
            {name: np.asarray(snapshot[name], dtype=t) for name, t in SNAPSHOT_COLUMNS.items()}
        )
        sizes = [len(block.employee_index) for block in events]
        columns = {
            "simulation_year": np.full(sum(sizes), year),
            "employee_index": np.concatenate([block.employee_index for block in events]),
            "event_type": np.repeat([EVENT_TYPES.index(block.event_type) for block in events], sizes),
        }
        for name in ("effective_date", "old_value", "new_value"):
            dtype = EVENT_COLUMNS[name]
            columns[name] = np.concatenate(
                [
                    np.broadcast_to(np.asarray(getattr(block, name), dtype=dtype), size)
                    for block, size in zip(events, sizes, strict=True)
                ]
            )
        self._events.append({name: np.asarray(columns[name], dtype=t) for name, t in EVENT_COLUMNS.items()})
        self.event_count += sum(sizes)

    def finish(self) -> SimulationOutput:
        """The output, with employee ids sorted and every year's rows ordered by employee id."""
        ids = np.concatenate(self._ids)
        by_id = np.argsort(ids, kind="stable")
        rank = np.empty(len(ids), dtype=np.int32)
        rank[by_id] = np.arange(len(ids), dtype=np.int32)
        already_sorted = bool(np.all(rank == np.arange(len(ids))))
        for block in self._snapshots:
            _reindex(block, rank, already_sorted)
        for block in self._events:
            _reindex(block, rank, False)
        return SimulationOutput(
            start_year=self._start_year,
            end_year=self._end_year,
            seed=self._seed,
            employee_ids=ids[by_id],
            snapshot=_concatenate(self._snapshots, SNAPSHOT_COLUMNS),
            events=_concatenate(self._events, EVENT_COLUMNS),
        )


def _reindex(block: dict[str, np.ndarray], rank: np.ndarray, already_sorted: bool) -> None:
    """Point the block's rows at sorted employee ids and order them by id (stable, in place)."""
    index = rank[block["employee_index"]]
    if already_sorted:
        block["employee_index"] = index
        return
    order = np.argsort(index, kind="stable")
    for name, column in block.items():
        block[name] = column[order]
    block["employee_index"] = index[order]


def _concatenate(blocks: list[dict[str, np.ndarray]], schema: dict[str, str]) -> dict[str, np.ndarray]:
    """Each column across years; a year's column is released as soon as it is copied."""
    columns = {name: np.concatenate([block.pop(name) for block in blocks]) for name in schema}
    blocks.clear()
    return columns
