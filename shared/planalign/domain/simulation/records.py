"""The year-end snapshot and event rows of each simulated year, ordered by employee id as each year
ends, handed over year by year and kept, ordered by (simulation_year, employee_id), as a
SimulationOutput."""

from collections.abc import Callable, Collection
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


# Rows of employee_index pointed at the sorted ids at a time.
REMAPPED_ROWS = 1 << 20
# Room reserved past the rows expected: later years may have more employees and more events.
ROOM_FACTOR = 1.5


class _GrowingTable:
    """A table's kept columns, year after year, each in memory mapped for it with room for the years
    to come: a year's rows are written once, into place (on this kind of machine a page's first touch
    costs more than a copy). Room is address space, not memory, until rows fill it: it is reserved
    generously, as a column that runs out of it is copied to a larger one."""

    def __init__(self, schema: dict[str, str], kept: Collection[str]) -> None:
        self.schema = schema
        self.kept = [name for name in _without_year(schema) if name in kept]
        self.rows = 0
        self.years: list[tuple[int, slice]] = []
        self._columns: dict[str, np.ndarray] = {}

    def add_year(self, year: int, rows: int, room: int) -> dict[str, np.ndarray]:
        """Empty columns (but simulation_year) for the year's `rows`, to fill: the kept ones in place.
        `room`: the rows expected in all, this year's and the years' to come."""
        place = slice(self.rows, self.rows + rows)
        for name in self.kept:
            column = self._columns.get(name)
            if column is None or len(column) < place.stop:
                grown = mapped_empty(int(max(place.stop, room) * ROOM_FACTOR), self.schema[name])
                if column is not None:
                    grown[: self.rows] = column[: self.rows]
                self._columns[name] = grown
        self.rows = place.stop
        self.years.append((year, place))
        return {
            name: self._columns[name][place] if name in self.kept else np.empty(rows, dtype)
            for name, dtype in _without_year(self.schema).items()
        }

    def finish(self, rank: np.ndarray) -> dict[str, np.ndarray]:
        """simulation_year (made now, when the model's working columns are gone) and the kept
        columns, employee_index pointing at the sorted ids by `rank`."""
        years = mapped_empty(self.rows, self.schema["simulation_year"])
        for year, place in self.years:
            years[place] = year
        kept = {name: self._columns[name][: self.rows] for name in self.kept}
        if "employee_index" in kept:
            index = kept["employee_index"]
            # A part at a time: take() into its own input would copy all of it first.
            for start in range(0, self.rows, REMAPPED_ROWS):
                part = index[start : start + REMAPPED_ROWS]
                part[...] = rank[part]
        return {"simulation_year": years, **kept}


class OutputRecorder:
    """Collects the employee ids and each year's rows, put in employee id order as they come (hires
    never change the order of the employees before them), hands each year to `on_year_rows`, and keeps
    the `kept` columns (all when None) in columns that become the output's: a 10-million-row
    projection is never held twice."""

    def __init__(
        self,
        start_year: int,
        end_year: int,
        seed: int,
        census_ids: np.ndarray,
        on_year_rows: Callable[[YearRows], None] | None = None,
        kept: Collection[str] | None = None,
    ) -> None:
        self._start_year = start_year
        self._end_year = end_year
        self._seed = seed
        self.census_ids = census_ids
        self._hire_ids: list[np.ndarray] = []
        self.next_index = len(census_ids)
        self.event_count = 0
        self.year_event_counts: dict[str, int] = {}  # the last added year's events by type
        self._on_year_rows = on_year_rows
        self._snapshot = _GrowingTable(SNAPSHOT_COLUMNS, SNAPSHOT_COLUMNS if kept is None else kept)
        self._events = _GrowingTable(EVENT_COLUMNS, EVENT_COLUMNS if kept is None else kept)
        # Whether a hire id sorts before a census id: employee_index order is id order until then.
        self._interleaved = False

    def add_ids(self, ids: np.ndarray) -> None:
        """Register the ids of the next employee indexes (this year's hires, sorted, after the last
        year's hires)."""
        self._hire_ids.append(ids)
        self.next_index += len(ids)
        if len(ids) and len(self.census_ids) and ids[0] < self.census_ids[-1]:
            self._interleaved = True

    def add_year(self, year: int, snapshot: dict[str, np.ndarray], events: list[EventBlock]) -> None:
        """A year's snapshot columns (rows in ascending employee_index) and its events; within an
        employee, events keep the order of `events`."""
        rank = _id_ranks(self.census_ids, self._hire_ids)[1] if self._interleaved else None
        years_left = self._end_year - year + 1

        index = snapshot["employee_index"]
        rows = len(index)
        order = None if rank is None else np.argsort(rank[index], kind="stable")
        year_snapshot = self._snapshot.add_year(year, rows, self._snapshot.rows + years_left * rows)
        for name, column in year_snapshot.items():
            if order is None:
                column[...] = snapshot[name]
            else:
                np.take(snapshot[name], order, out=column)

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
        year_events = self._events.add_year(year, start, self._events.rows + years_left * start)
        for name, column in year_events.items():
            np.take(block.pop(name), order, out=column)
        del order

        self.event_count += start
        counts: dict[str, int] = {}
        for event, size in zip(events, sizes, strict=True):
            if size:
                counts[event.event_type] = counts.get(event.event_type, 0) + size
        self.year_event_counts = counts
        if self._on_year_rows is not None:
            # Its own employee_index: finish() points the kept one at the sorted ids, while the year
            # may still be read.
            self._on_year_rows(
                YearRows(
                    year,
                    {**year_snapshot, "employee_index": year_snapshot["employee_index"].copy()},
                    {**year_events, "employee_index": year_events["employee_index"].copy()},
                    [self.census_ids, *self._hire_ids],
                )
            )

    def finish(self) -> SimulationOutput:
        """The output, with employee ids sorted and rows pointing at them."""
        employee_ids, rank = _id_ranks(self.census_ids, self._hire_ids)
        self._hire_ids.clear()
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
