"""The year-end snapshot and event rows of each simulated year, collected as one block per year and
put together once, ordered by (simulation_year, employee_id), into a SimulationOutput."""

from dataclasses import dataclass

import numpy as np

from planalign.domain.event_types import EVENT_TYPES
from planalign.domain.simulation.columns import mapped_empty
from planalign.domain.simulation_output import EVENT_COLUMNS, SNAPSHOT_COLUMNS, SimulationOutput


@dataclass(frozen=True)
class EventBlock:
    """Events of one type for some employees; scalars stand for the same value in every row."""

    event_type: str
    employee_index: np.ndarray
    effective_date: np.ndarray | np.datetime64
    old_value: np.ndarray | float = np.nan
    new_value: np.ndarray | float = np.nan


# Room reserved past the rows expected: later years may have more employees and more events.
ROOM_FACTOR = 1.5


class _GrowingTable:
    """A table's columns, year after year, each in memory mapped for it with room for the years to
    come: a year's rows are written once, into place (on this kind of machine a page's first touch
    costs more than a copy). Room is address space, not memory, until rows fill it: it is reserved
    generously, as a column that runs out of it is copied to a larger one."""

    def __init__(self, schema: dict[str, str]) -> None:
        self.schema = schema
        self.rows = 0
        self.years: list[tuple[int, slice]] = []
        self._columns: dict[str, np.ndarray] = {}

    def add_year(self, year: int, rows: int, room: int) -> dict[str, np.ndarray]:
        """Room for the year's `rows`: the columns but simulation_year (made at the end, when the
        model's working columns are gone), to fill. `room`: the rows expected in all, this year's and
        the years' to come."""
        place = slice(self.rows, self.rows + rows)
        for name, dtype in _without_year(self.schema).items():
            column = self._columns.get(name)
            if column is None or len(column) < place.stop:
                grown = mapped_empty(int(max(place.stop, room) * ROOM_FACTOR), dtype)
                if column is not None:
                    grown[: self.rows] = column[: self.rows]
                self._columns[name] = grown
        self.rows = place.stop
        self.years.append((year, place))
        return {name: column[place] for name, column in self._columns.items()}

    def finish(self, rank: np.ndarray, in_order: bool) -> dict[str, np.ndarray]:
        """The columns, each year's rows ordered by employee rank (stable; as they are if `in_order`),
        employee_index pointing at sorted ids."""
        columns = {name: self._columns[name][: self.rows] for name in _without_year(self.schema)}
        columns["simulation_year"] = mapped_empty(self.rows, self.schema["simulation_year"])
        for year, place in self.years:
            columns["simulation_year"][place] = year
            index = columns["employee_index"][place]
            np.take(rank, index, out=index)
            if in_order:
                continue
            order = np.argsort(index, kind="stable")
            for name in _without_year(self.schema):
                column = columns[name][place]
                column[...] = column[order]
        return {name: columns[name] for name in self.schema}


class OutputRecorder:
    """Collects the employee ids and each year's rows, written once into columns that become the
    output's (a 10-million-row projection is never held twice), then ordered by (simulation_year,
    employee_id). A block leaves out simulation_year, the same in all its rows."""

    def __init__(self, start_year: int, end_year: int, seed: int, census_ids: np.ndarray) -> None:
        self._start_year = start_year
        self._end_year = end_year
        self._seed = seed
        self.census_ids = census_ids
        self._hire_ids: list[np.ndarray] = []
        self.next_index = len(census_ids)
        self.event_count = 0
        self.year_event_counts: dict[str, int] = {}  # the last added year's events by type
        self._snapshot = _GrowingTable(SNAPSHOT_COLUMNS)
        self._events = _GrowingTable(EVENT_COLUMNS)

    def add_ids(self, ids: np.ndarray) -> None:
        """Register the ids of the next employee indexes (this year's hires)."""
        self._hire_ids.append(ids)
        self.next_index += len(ids)

    def add_year(self, year: int, snapshot: dict[str, np.ndarray], events: list[EventBlock]) -> None:
        """A year's snapshot columns (rows in ascending employee_index) and its events; within an
        employee, events keep the order of `events`."""
        years_left = self._end_year - year + 1
        rows = len(snapshot["employee_index"])
        place = self._snapshot.add_year(year, rows, self._snapshot.rows + years_left * rows)
        for name, column in place.items():
            column[...] = snapshot[name]

        sizes = [len(event.employee_index) for event in events]
        place = self._events.add_year(year, sum(sizes), self._events.rows + years_left * sum(sizes))
        start = 0
        for event, size in zip(events, sizes, strict=True):
            rows_of_event = slice(start, start + size)
            place["employee_index"][rows_of_event] = event.employee_index
            place["event_type"][rows_of_event] = EVENT_TYPES.index(event.event_type)
            place["effective_date"][rows_of_event] = event.effective_date
            place["old_value"][rows_of_event] = event.old_value
            place["new_value"][rows_of_event] = event.new_value
            start += size
        self.event_count += start
        counts: dict[str, int] = {}
        for event, size in zip(events, sizes, strict=True):
            if size:
                counts[event.event_type] = counts.get(event.event_type, 0) + size
        self.year_event_counts = counts

    def finish(self) -> SimulationOutput:
        """The output, with employee ids sorted and every year's rows ordered by employee id."""
        employee_ids, rank = _id_ranks(self.census_ids, self._hire_ids)
        self._hire_ids.clear()
        # Snapshot rows come in ascending employee_index, which is id order when no hire id sorts
        # before a census id.
        snapshot_in_order = bool(np.all(rank[: len(self.census_ids)] == np.arange(len(self.census_ids))))
        return SimulationOutput(
            start_year=self._start_year,
            end_year=self._end_year,
            seed=self._seed,
            employee_ids=employee_ids,
            snapshot=self._snapshot.finish(rank, snapshot_in_order),
            events=self._events.finish(rank, False),
        )


def _id_ranks(census_ids: np.ndarray, hire_ids: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """All the ids so far, sorted, and each employee index's place among them."""
    total = len(census_ids) + sum(len(ids) for ids in hire_ids)
    employee_ids = np.empty(total, dtype=np.result_type(census_ids, *hire_ids))
    rank = np.empty(total, dtype=np.int32)
    # Census ids are sorted and so are the hire ids, year after year (see hire_ids): sorting all the
    # ids is a merge, done a year at a time to keep no second copy of them.
    census_rank = np.arange(len(census_ids))
    first = len(census_ids)
    for ids in filter(len, hire_ids):
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
    return employee_ids, rank


def _without_year(schema: dict[str, str]) -> dict[str, str]:
    return {name: dtype for name, dtype in schema.items() if name != "simulation_year"}
