"""The simulation stage's queryable output: a run's snapshot and events stored as Parquet, a file per table and
year (domain/run_tables.py), written and uploaded on a few threads (Arrow's writer and the uploads
release the GIL)."""

from concurrent.futures import Future, ThreadPoolExecutor

import pyarrow as pa

from planalign.adapters.artifacts import Artifacts
from planalign.adapters.metering import in_this_context
from planalign.domain.run_tables import parquet_bytes, run_tables, table_key
from planalign.domain.simulation_output import SimulationOutput

PARQUET_TYPE = "application/vnd.apache.parquet"
# Files written at once: each holds a year of a table in memory until it is uploaded.
WRITERS = 4


def store_run_tables(
    artifacts: Artifacts, run_folder: str, output: SimulationOutput, auto_enrollment_rate: float | None
) -> list[str]:
    """Write every year of the snapshot and the events under `run_folder`; answers their keys."""

    def store(table: str, year: int, rows: pa.Table) -> str:
        key = table_key(run_folder, table, year)
        artifacts.put(key, parquet_bytes(rows), PARQUET_TYPE)
        return key

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        pending: list[Future[str]] = []
        for table, year, rows in run_tables(output, auto_enrollment_rate):
            # Building the next table waits while WRITERS files are in flight, which bounds memory.
            in_flight = [future for future in pending if not future.done()]
            if len(in_flight) >= WRITERS:
                in_flight[0].result()
            pending.append(pool.submit(in_this_context(store), table, year, rows))
        return [future.result() for future in pending]
