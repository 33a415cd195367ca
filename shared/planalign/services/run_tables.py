"""The simulation stage's queryable output: a run's snapshot and events stored as Parquet, a file per
table and year (domain/run_tables.py), while the model runs: a thread turns each finished year into
Arrow tables and a few more write and upload them (Arrow's writer and the uploads release the GIL), so
that a run's files are mostly stored by the time its last year is simulated."""

import queue
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pyarrow as pa

from planalign.adapters.artifacts import Artifacts
from planalign.adapters.metering import in_this_context
from planalign.domain.run_tables import TABLES, parquet_bytes, run_tables, table_key
from planalign.domain.simulation_output import YearRows

PARQUET_TYPE = "application/vnd.apache.parquet"
# Files written at once: each holds a year of a table in memory until it is uploaded.
WRITERS = 2
# Years handed over and not yet turned into tables: the model waits beyond this, which bounds memory.
YEARS_WAITING = 1
# How often a model waiting to hand a year over looks whether the tables' thread failed.
WAIT_SECONDS = 0.1


class RunTableWriter:
    """Stores the years handed to `add_year` under `run_folder`; `finish` waits for them all, `abandon`
    deletes what was stored (a run that failed or ended meanwhile leaves no tables behind).
    `auto_enrollment_rate`: the auto-enrollment default deferral rate, None without auto-enrollment."""

    def __init__(self, artifacts: Artifacts, run_folder: str, auto_enrollment_rate: float | None) -> None:
        self.artifacts = artifacts
        self.run_folder = run_folder
        self._years: queue.Queue[YearRows | None] = queue.Queue(maxsize=YEARS_WAITING)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="run-tables")
        self._stored = self._thread.submit(in_this_context(self._store), auto_enrollment_rate)

    def add_year(self, rows: YearRows) -> None:
        self._hand_over(rows)

    def finish(self) -> list[str]:
        """Wait until every year handed over is stored; answers their keys (raises what failed)."""
        self._hand_over(None)
        try:
            return self._stored.result()
        finally:
            self._thread.shutdown()

    def abandon(self) -> None:
        """Stop storing (the years waiting are dropped) and delete what was stored."""
        while True:
            try:
                self._years.get_nowait()
            except queue.Empty:
                break
        self._years.put(None)
        self._thread.shutdown(wait=True)
        for table in TABLES:
            self.artifacts.delete_prefix(f"{self.run_folder}{table}/")

    def _hand_over(self, rows: YearRows | None) -> None:
        while True:
            if self._stored.done():
                self._stored.result()  # the tables' thread failed: the stage fails with its error
                raise RuntimeError("the run's tables were stored before all years were handed over")
            try:
                self._years.put(rows, timeout=WAIT_SECONDS)
                return
            except queue.Full:
                continue

    def _store(self, auto_enrollment_rate: float | None) -> list[str]:
        def years() -> Iterator[YearRows]:
            while (rows := self._years.get()) is not None:
                yield rows

        def store(table: str, year: int, rows: pa.Table) -> str:
            key = table_key(self.run_folder, table, year)
            self.artifacts.put(key, parquet_bytes(rows), PARQUET_TYPE)
            return key

        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            pending: list[Future[str]] = []
            for table, year, rows in run_tables(years(), auto_enrollment_rate):
                # Building the next table waits while WRITERS files are in flight, which bounds memory.
                in_flight = [future for future in pending if not future.done()]
                if len(in_flight) >= WRITERS:
                    in_flight[0].result()
                pending.append(pool.submit(in_this_context(store), table, year, rows))
            return [future.result() for future in pending]
