"""The year-end snapshot and event rows of each simulated year: put in employee id order as the year
ends (YearRecorder, a YearRows per year), and, for a whole projection, kept year after year as a
SimulationOutput ordered by (simulation_year, employee_id) (OutputCollector)."""

from dataclasses import dataclass

import numpy as np

from planalign.domain.event_types import EVENT_TYPES
from planalign.domain.simulation.columns import mapped_empty
from planalign.domain.simulation_output import EVENT_COLUMNS, SNAPSHOT_COLUMNS, SimulationOutput, YearRows


@dataclass(frozen=True)
class EventBlock:
    """Events of one type for some employees; scalars stand for the same value in every row."""

    event_type: str
    employee_index: np.ndarray
    effective_date: np.ndarray | np.datetime64
    old_value: np.ndarray | float = np.nan
    new_value: np.ndarray | float = np.nan


class YearRecorder:
    """Registers the employee ids as they come and turns each year's snapshot columns and event blocks
    into that year's YearRows: its own columns, of SNAPSHOT_COLUMNS' and EVENT_COLUMNS'
    dtypes, rows in employee id order (hires never change the order of the employees before them)."""

    def __init__(self, census_ids: np.ndarray) -> None:
        self.census_ids = census_ids
        self._hire_ids: list[np.ndarray] = []
        self.next_index = len(census_ids)
        self.event_count = 0
        self.year_event_counts: dict[str, int] = {}  # the last added year's events by type
        # Whether a hire id sorts before a census id: employee_index order is id order until then.
        self._interleaved = False

    def add_ids(self, ids: np.ndarray) -> None:
        """Register the ids of the next employee indexes (this year's hires, sorted, after the last
        year's hires)."""
        self._hire_ids.append(ids)
        self.next_index += len(ids)
        if len(ids) and len(self.census_ids) and ids[0] < self.census_ids[-1]:
            self._interleaved = True

    def add_year(self, year: int, snapshot: dict[str, np.ndarray], events: list[EventBlock]) -> YearRows:
        """The YearRows of a year's snapshot columns (rows in ascending employee_index) and its events;
        within an employee, events keep the order of `events`."""
        rank = _id_ranks(self.census_ids, self._hire_ids)[1] if self._interleaved else None
        index = snapshot["employee_index"]
        order = None if rank is None else np.argsort(rank[index], kind="stable")
        year_snapshot = {}
        for name, dtype in _without_year(SNAPSHOT_COLUMNS).items():
            column = np.empty(len(index), dtype)
            if order is None:
                column[...] = snapshot[name]
            else:
                np.take(snapshot[name], order, out=column)
            year_snapshot[name] = column

        sizes = [len(event.employee_index) for event in events]
        block = {name: np.empty(sum(sizes), dtype) for name, dtype in _without_year(EVENT_COLUMNS).items()}
        start = 0
        for event, size in zip(events, sizes, strict=True):
            of_event = slice(start, start + size)
            block["employee_index"][of_event] = event.employee_index
            block["event_type"][of_event] = EVENT_TYPES.index(event.event_type)
            block["effective_date"][of_event] = event.effective_date
            block["old_value"][of_event] = event.old_value
            block["new_value"][of_event] = event.new_value
            start += size
        by_employee = block["employee_index"] if rank is None else rank[block["employee_index"]]
        order = np.argsort(by_employee, kind="stable")
        year_events = {name: np.take(block.pop(name), order) for name in _without_year(EVENT_COLUMNS)}

        self.event_count += start
        counts: dict[str, int] = {}
        for event, size in zip(events, sizes, strict=True):
            if size:
                counts[event.event_type] = counts.get(event.event_type, 0) + size
        self.year_event_counts = counts
        return YearRows(year, year_snapshot, year_events, [self.census_ids, *self._hire_ids])


# Rows of employee_index pointed at the sorted ids at a time.
REMAPPED_ROWS = 1 << 20
# Room reserved past the rows expected: later years may have more employees and more events.
ROOM_FACTOR = 1.5


class _GrowingTable:
    """A table's columns, year after year, each in memory mapped for it with room for the years to
    come: a year's rows are copied once, into place (on this kind of machine a page's first touch
    costs more than a copy). Room is address space, not memory, until rows fill it: it is reserved
    generously, as a column that runs out of it is copied to a larger one."""

    def __init__(self, schema: dict[str, str], years: int) -> None:
        self.schema = schema
        self.rows = 0
        self.years: list[tuple[int, slice]] = []
        self._years_expected = years
        self._columns: dict[str, np.ndarray] = {}

    def add_year(self, year: int, columns: dict[str, np.ndarray]) -> None:
        """The year's columns (all of the schema's but simulation_year)."""
        place = slice(self.rows, self.rows + len(columns["employee_index"]))
        # The rows expected in all: so far, and as many as this year's in each year to come.
        room = place.stop + (self._years_expected - len(self.years) - 1) * (place.stop - place.start)
        for name in _without_year(self.schema):
            column = self._columns.get(name)
            if column is None or len(column) < place.stop:
                grown = mapped_empty(int(max(place.stop, room) * ROOM_FACTOR), self.schema[name])
                if column is not None:
                    grown[: self.rows] = column[: self.rows]
                self._columns[name] = column = grown
            column[place] = columns[name]
        self.rows = place.stop
        self.years.append((year, place))

    def finish(self, rank: np.ndarray) -> dict[str, np.ndarray]:
        """The columns, simulation_year made now, employee_index pointing at the sorted ids by `rank`."""
        columns = {name: self._columns[name][: self.rows] for name in _without_year(self.schema)}
        years = mapped_empty(self.rows, self.schema["simulation_year"])
        for year, place in self.years:
            years[place] = year
        index = columns["employee_index"]
        # A part at a time: take() into its own input would copy all of it first.
        for start in range(0, self.rows, REMAPPED_ROWS):
            part = index[start : start + REMAPPED_ROWS]
            part[...] = rank[part]
        return {"simulation_year": years, **columns}


class OutputCollector:
    """Keeps the years of a projection as they come (YearRows, in year order) and answers them as one
    SimulationOutput: a 10-million-row projection is never held twice."""

    def __init__(self, start_year: int, end_year: int, seed: int) -> None:
        self._start_year = start_year
        self._end_year = end_year
        self._seed = seed
        self._snapshot = _GrowingTable(SNAPSHOT_COLUMNS, end_year - start_year + 1)
        self._events = _GrowingTable(EVENT_COLUMNS, end_year - start_year + 1)
        self._id_parts: list[np.ndarray] = []

    def add_year(self, rows: YearRows) -> None:
        self._snapshot.add_year(rows.year, rows.snapshot)
        self._events.add_year(rows.year, rows.events)
        self._id_parts = rows.employee_ids

    def finish(self) -> SimulationOutput:
        """The output, with employee ids sorted and rows pointing at them."""
        census_ids, *hire_ids = self._id_parts
        employee_ids, rank = _id_ranks(census_ids, hire_ids)
        return SimulationOutput(
            start_year=self._start_year,
            end_year=self._end_year,
            seed=self._seed,
            employee_ids=employee_ids,
            snapshot=self._snapshot.finish(rank),
            events=self._events.finish(rank),
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
