"""A run's Parquet tables in S3, read for the analytics. A completed run's files never change, so a
warm function keeps the files it downloaded and the columns it decoded, and apart from them what it
computed from them (a run's figures, its leavers), within ANALYTICS_CACHE_MB in all, least recently
used out: the Studio's next page on the same run reads them from memory. One employee's rows are read
from the row groups whose employee_id statistics hold the id, by S3 range reads of a large file not
kept."""

import io
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from planalign.adapters.artifacts import Artifacts
from planalign.domain.run_tables import year_of_key

Result = TypeVar("Result")
DEFAULT_CACHE_MB = 1024
# Files downloaded (or years read) at once.
READERS = 8
# Files up to this size are downloaded whole (and kept) even to read one employee's rows.
WHOLE_FILE_BYTES = 8 << 20
# What a kept value other than bytes or a table (a run's figures, a file's footer) counts for.
SMALL_VALUE_BYTES = 64 << 10
# The share of ANALYTICS_CACHE_MB kept for what is computed from the files: apart, so that reading
# other runs' files (a comparison of runs that do not all fit) never pushes a run's figures out.
DERIVED_SHARE = 0.25


def _size(value: object) -> int:
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, pa.Table):
        return value.nbytes
    return SMALL_VALUE_BYTES


class FileCache:
    """S3 objects' bytes, the Arrow tables read from them and what is computed from them, by key, least
    recently used out past `max_bytes` in all; safe across threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._kept: OrderedDict[str, object] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> object | None:
        with self._lock:
            value = self._kept.get(key)
            if value is not None:
                self._kept.move_to_end(key)
            return value

    def put(self, key: str, value: object) -> None:
        if _size(value) > self.max_bytes:
            return
        with self._lock:
            if key in self._kept:
                return
            self._kept[key] = value
            self._size += _size(value)
            while self._size > self.max_bytes:
                _, dropped = self._kept.popitem(last=False)
                self._size -= _size(dropped)


_shared_caches: tuple[FileCache, FileCache] | None = None
_years_listed: dict[str, dict[int, tuple[str, int]]] = {}


def shared_caches() -> tuple[FileCache, FileCache]:
    """The container's caches, of files and of what is computed from them, made on first use."""
    global _shared_caches
    if _shared_caches is None:
        total = int(os.environ.get("ANALYTICS_CACHE_MB", DEFAULT_CACHE_MB)) << 20
        derived = int(total * DERIVED_SHARE)
        _shared_caches = (FileCache(total - derived), FileCache(derived))
    return _shared_caches


class _RangeFile(io.RawIOBase):
    """An S3 object as a seekable file whose reads are range GETs (for Arrow's Parquet reader), but
    within `window`, bytes already fetched from its offset."""

    def __init__(
        self, artifacts: Artifacts, key: str, size: int, window: tuple[int, bytes] = (0, b"")
    ) -> None:
        self._artifacts, self._key, self._size, self._position = artifacts, key, size, 0
        self._window = window

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        end = min(self._position + len(view), self._size)
        if end <= self._position:
            return 0
        start, fetched = self._window
        if start <= self._position and end <= start + len(fetched):
            data: Any = memoryview(fetched)[self._position - start : end - start]
        else:
            data = _range(self._artifacts, self._key, self._position, end)
        view[: len(data)] = data
        self._position += len(data)
        return len(data)


def _range(artifacts: Artifacts, key: str, start: int, end: int) -> bytes:
    """Bytes [start, end) of an S3 object."""
    response = artifacts.s3.get_object(Bucket=artifacts.bucket, Key=key, Range=f"bytes={start}-{end - 1}")
    data: bytes = response["Body"].read()
    return data


def _groups_holding(footer: pq.FileMetaData, employee_id: str) -> list[int]:
    """The row groups whose employee_id statistics may hold the id."""
    id_column = footer.schema.to_arrow_schema().get_field_index("employee_id")
    groups = []
    for group in range(footer.num_row_groups):
        statistics = footer.row_group(group).column(id_column).statistics
        if (
            statistics is None
            or not statistics.has_min_max
            or statistics.min <= employee_id <= statistics.max
        ):
            groups.append(group)
    return groups


def _span(footer: pq.FileMetaData, groups: Sequence[int], columns: Sequence[str]) -> tuple[int, int]:
    """The bytes [start, end) from the first to the last chunk of `columns` in the row `groups`."""
    starts, ends = [], []
    for group in groups:
        row_group = footer.row_group(group)
        for index in range(row_group.num_columns):
            chunk = row_group.column(index)
            if chunk.path_in_schema in columns:
                # A dictionary page, when there is one, comes before the data pages (an offset is never 0).
                start = min(
                    offset for offset in (chunk.dictionary_page_offset, chunk.data_page_offset) if offset
                )
                starts.append(start)
                ends.append(start + chunk.total_compressed_size)
    return (min(starts), max(ends)) if starts else (0, 0)


def mapped(work: Callable[[Any], Result], items: Iterable[Any]) -> list[Result]:
    """work(item) for every item, on up to READERS threads (downloads and Arrow release the GIL)."""
    items = list(items)
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(READERS, len(items))) as pool:
        return list(pool.map(work, items))


class RunTables:
    """Reads the tables of the run stored under `run_folder` (domain/run_tables.py's layout)."""

    def __init__(
        self,
        artifacts: Artifacts,
        run_folder: str,
        cache: FileCache | None = None,
        derived_cache: FileCache | None = None,
    ) -> None:
        self.artifacts = artifacts
        self.run_folder = run_folder
        files, derived = shared_caches()
        self.cache = files if cache is None else cache
        self.derived_cache = derived if derived_cache is None else derived_cache

    def _files(self, table: str) -> dict[int, tuple[str, int]]:
        """{year: (key, size)} of a table's files (listed once per container: a run's files are final)."""
        prefix = f"{self.run_folder}{table}/"
        listed = _years_listed.get(prefix)
        if listed is None:
            listed = {}
            for obj in self.artifacts.list(prefix):
                year = year_of_key(obj["Key"])
                if year is not None:
                    listed[year] = (obj["Key"], int(obj["Size"]))
            if listed:
                _years_listed[prefix] = listed
        return listed

    def years(self, table: str) -> list[int]:
        return sorted(self._files(table))

    def _bytes(self, key: str) -> bytes:
        data = self.cache.get(key)
        if not isinstance(data, bytes):
            data = self.artifacts.get(key)
            self.cache.put(key, data)
        return data

    def columns(self, table: str, year: int) -> list[str]:
        """The column names of one year of a table (a run written before a column was added lacks it)."""
        key, _ = self._files(table)[year]
        return list(pq.read_schema(pa.BufferReader(self._bytes(key))).names)

    def derived(self, name: str, compute: Callable[[], Result]) -> Result:
        """What `compute` makes of the run's files (a table, or figures), kept with them by `name` (a
        completed run never changes); callers do not modify it."""
        key = f"{self.run_folder}#{name}"
        kept = self.derived_cache.get(key)
        if kept is not None:
            return cast(Result, kept)
        value = compute()
        self.derived_cache.put(key, value)
        return value

    def read_year(self, table: str, year: int, columns: Sequence[str]) -> pa.Table:
        """The `columns` of one year of a table (the whole file is downloaded; file and columns kept)."""
        key, _ = self._files(table)[year]
        return self._read_file(key, columns)

    def _read_file(self, key: str, columns: Sequence[str]) -> pa.Table:
        read_key = f"{key}#{','.join(columns)}"
        rows = self.cache.get(read_key)
        if not isinstance(rows, pa.Table):
            rows = pq.read_table(pa.BufferReader(self._bytes(key)), columns=list(columns))
            self.cache.put(read_key, rows)
        return rows

    def read_years(self, table: str, years: Sequence[int], columns: Sequence[str]) -> dict[int, pa.Table]:
        return dict(zip(years, mapped(lambda year: self.read_year(table, year, columns), years), strict=True))

    def read_employee(self, table: str, employee_id: str, columns: Sequence[str]) -> pa.Table:
        """One employee's rows of every year (the row groups whose id range holds the id)."""
        parts = mapped(
            lambda entry: self._employee_rows(entry[0], entry[1], employee_id, columns),
            self._files(table).values(),
        )
        if not parts:
            return pa.table({name: pa.array([], pa.null()) for name in columns})
        return pa.concat_tables(parts)

    def _employee_rows(self, key: str, size: int, employee_id: str, columns: Sequence[str]) -> pa.Table:
        if size <= WHOLE_FILE_BYTES:
            # A small file costs one GET whole, fewer than its footer and row group; it is kept, and so
            # are its decoded columns, which the next employee's timeline filters again.
            rows = self._read_file(key, columns)
            return rows.filter(pc.equal(rows["employee_id"], employee_id))
        kept = self.cache.get(key)
        if isinstance(kept, bytes):
            parquet = pq.ParquetFile(pa.BufferReader(kept), pre_buffer=True)
            groups = _groups_holding(parquet.metadata, employee_id)
        else:
            # The footer is kept, and the employee's row groups are one range GET: each GET of a large
            # file costs as much as the file on the local stack's S3, and a round trip on S3.
            footer = self._footer(key, size)
            groups = _groups_holding(footer, employee_id)
            start, end = _span(footer, groups, columns)
            window = (start, _range(self.artifacts, key, start, end) if end > start else b"")
            source = pa.PythonFile(_RangeFile(self.artifacts, key, size, window), mode="r")
            parquet = pq.ParquetFile(source, metadata=footer, pre_buffer=True)
        rows = parquet.read_row_groups(groups, columns=list(columns))
        return rows.filter(pc.equal(rows["employee_id"], employee_id))

    def _footer(self, key: str, size: int) -> pq.FileMetaData:
        """A large file's footer, read by range GETs once, then kept."""
        footer_key = f"{key}#footer"
        footer = self.cache.get(footer_key)
        if not isinstance(footer, pq.FileMetaData):
            footer = pq.ParquetFile(pa.PythonFile(_RangeFile(self.artifacts, key, size), mode="r")).metadata
            self.cache.put(footer_key, footer)
        return footer
