"""The files a run hands to people: the snapshot and events as gzip CSV, the per-year metrics and bands as
CSV, and the XLSX workbook. Cells are formatted a column at a time with Arrow compute, never row by row,
so that exporting a 1,000,000-employee projection takes seconds."""

import io
import json
import os
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from planalign.domain.event_types import EVENT_TYPES
from planalign.domain.results import DC_PLAN_FIELDS, WORKFORCE_FIELDS, event_counts
from planalign.domain.simulation_output import (
    EVENT_COLUMNS,
    SNAPSHOT_COLUMNS,
    STATUSES,
    SimulationOutput,
)

Item = TypeVar("Item")
Done = TypeVar("Done")
Kind = Literal["text", "int", "number", "fraction", "money", "date", "bool"]

MONEY = frozenset(
    {
        "pay",
        "prorated_pay",
        "employee_contribution",
        "match",
        "core",
        "avg_compensation",
        "total_compensation",
        "total_employee_contributions",
        "total_employer_match",
        "total_employer_core",
        "total_employer_cost",
    }
)
FRACTIONS = frozenset({"deferral_rate", "avg_deferral_rate"})
# Rows formatted at a time: bounds memory and lets formatting and deflating of chunks overlap.
CHUNK_ROWS = 25_000
# Level 1 deflates several times faster than the default 6 for a few percent more bytes.
COMPRESS_LEVEL = 1
# Chunks worked on at once by other threads (fewer on fewer cores; none on one core).
MAX_THREADS = 4
# Excel's last row is 1,048,576 and the header takes one.
XLSX_MAX_ROWS = 1_048_575
# Events the workbook's Events_Detail sheet shows; the Parquet tables hold them all.
DETAIL_ROW_CAP = 50_000
# Days from Excel's day 0 (1899-12-30 in the 1900 date system) to 1970-01-01.
EXCEL_EPOCH_DAYS = 25_569
# A fixed timestamp in the zip entries keeps equal workbooks byte-identical.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
# Characters XML 1.0 cannot carry at all (control characters, the noncharacters U+FFFE and U+FFFF),
# then those it must escape.
XML_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"
XML_SPECIAL = r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"

# Cell styles, by their index in STYLES_XML's cellXfs.
STYLE = {"date": 1, "money": 2, "fraction": 3, "header": 4}
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
STYLES_XML = (
    f'{XML_HEAD}<styleSheet xmlns="{MAIN_NS}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


@dataclass(frozen=True)
class Column:
    """One exported column: its header, its values and how to print them.

    NumPy values, codes into `dictionary` when it is given, become Arrow only a chunk at a time (see
    `slice`), so that exporting a 30-million-row table never holds a second copy of it."""

    name: str
    values: pa.Array | np.ndarray
    kind: Kind
    dictionary: pa.Array | None = None

    @classmethod
    def of(cls, name: str, values: np.ndarray | list[Any], kind: Kind | None = None) -> "Column":
        """A column from NumPy or Python values, of the kind its name and dtype say unless `kind` is
        given; NaN and NaT become empty cells."""
        array = np.asarray(values)
        return cls(name, _arrow(array), kind or _kind_of(name, array.dtype))

    @classmethod
    def lazy(cls, name: str, values: np.ndarray, kind: Kind | None = None) -> "Column":
        """Like `of`, but the values stay NumPy until a chunk of them is exported."""
        return cls(name, values, kind or _kind_of(name, values.dtype))

    def __len__(self) -> int:
        return len(self.values)

    def slice(self, start: int, length: int) -> "Column":
        """Rows start to start + length, as Arrow values."""
        if isinstance(self.values, pa.Array):
            return Column(self.name, self.values.slice(start, length), self.kind)
        values = _arrow(self.values[start : start + length])
        if self.dictionary is not None:
            values = pa.DictionaryArray.from_arrays(values, self.dictionary)
        return Column(self.name, values, self.kind)


@dataclass(frozen=True)
class Sheet:
    """A worksheet: its name, its columns and how many of their rows it shows at most."""

    name: str
    columns: list[Column]
    limit: int = XLSX_MAX_ROWS
    # The rows of the whole table when `columns` hold only its first rows (None: they hold them all).
    total_rows: int | None = None

    @property
    def note(self) -> str | None:
        """What a capped sheet leaves out, shown next to its header."""
        total = len(self.columns[0]) if self.total_rows is None else self.total_rows
        if total <= self.limit:
            return None
        return f"Capped: showing the first {self.limit:,} of {total:,} rows; the run's Parquet tables have them all."


def _arrow(values: np.ndarray | tuple[str, ...]) -> pa.Array:
    """One contiguous Arrow array; pa.array answers a ChunkedArray for millions of NumPy strings."""
    array = pa.array(values, from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _kind_of(name: str, dtype: np.dtype) -> Kind:
    if name in MONEY:
        return "money"
    if name in FRACTIONS:
        return "fraction"
    if dtype.kind == "b":
        return "bool"
    if dtype.kind == "M":
        return "date"
    if dtype.kind in "iu":
        return "int"
    return "number" if dtype.kind == "f" else "text"


def _table_columns(
    table: Mapping[str, np.ndarray],
    rows: slice | np.ndarray,
    coded: str,
    names: tuple[str, ...],
    ids: pa.Array,
) -> list[Column]:
    """The `rows` of a snapshot or events table with employee_id (from `ids`, the Arrow employee ids) in
    place of employee_index and the coded column (status, event_type) as names. Both are codes into
    their strings, decoded a chunk at a time, so that 30 million events never exist as 30 million
    strings. A slice of rows is a view: no column is copied."""
    columns = [Column("employee_id", table["employee_index"][rows], "text", ids)]
    for name, values in table.items():
        if name == coded:
            columns.append(Column(name, values[rows], "text", _arrow(names)))
        elif name != "employee_index":
            columns.append(Column.lazy(name, values[rows]))
    return columns


def _employee_ids(output: SimulationOutput) -> pa.Array:
    return _arrow(output.employee_ids)


def _rows(mask: np.ndarray) -> slice | np.ndarray:
    """The rows `mask` selects: a slice when they are one run (a year of an output, always), which
    selects without copying; else their positions."""
    positions = np.flatnonzero(mask)
    if not len(positions) or positions[-1] - positions[0] + 1 == len(positions):
        first = int(positions[0]) if len(positions) else 0
        return slice(first, first + len(positions))
    return positions


def _snapshot_columns(
    output: SimulationOutput, ids: pa.Array, rows: slice | np.ndarray = slice(None)
) -> list[Column]:
    return _table_columns(output.snapshot, rows, "status", STATUSES, ids)


def _event_columns(output: SimulationOutput, ids: pa.Array) -> list[Column]:
    return _table_columns(output.events, slice(None), "event_type", EVENT_TYPES, ids)


def _metric_columns(results: Mapping[str, Any]) -> list[Column]:
    """The per-year `workforce` and `dc_plan` rows of a Results document merged by year, in
    year_metrics' field order."""
    dc_plan = {row["simulation_year"]: row for row in results["dc_plan"]}
    rows = [{**row, **dc_plan[row["simulation_year"]]} for row in results["workforce"]]
    names = [*WORKFORCE_FIELDS, *DC_PLAN_FIELDS[1:]]
    return [Column.of(name, [row[name] for row in rows]) for name in names]


def _bands_columns(bands: Mapping[str, Mapping[str, Mapping[str, float]]]) -> list[Column]:
    rows = [(metric, int(year), q) for metric, by_year in bands.items() for year, q in by_year.items()]
    return [
        Column.of("metric", [metric for metric, _, _ in rows]),
        Column.of("simulation_year", [year for _, year, _ in rows]),
        *(Column.of(p, [q[p] for _, _, q in rows]) for p in ("p5", "p50", "p95")),
    ]


def _event_summary_columns(years: list[int], counts: np.ndarray) -> list[Column]:
    """One row per year, one count column per event type, under the names of the events export (the
    Studio's event_trends fold some of them together)."""
    return [
        Column.of("simulation_year", years),
        *(Column.of(kind, counts[:, t]) for t, kind in enumerate(EVENT_TYPES)),
    ]


def _metadata_columns(metadata: Mapping[str, Any]) -> list[Column]:
    def text(value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)

    return [
        Column.of("key", list(metadata), "text"),
        Column.of("value", [text(value) for value in metadata.values()], "text"),
    ]


def _rounded(values: pa.Array, decimals: int) -> pa.Array:
    # Spreadsheet rounding; adding 0.0 turns -0.0 into 0 so that no cell prints as "-0".
    return pc.add(pc.round(values, decimals, round_mode="half_towards_infinity"), 0.0)


def _number_text(column: Column) -> pa.Array:
    """Numbers as text: money with 2 decimals at most, other floats with 4, integers as they are."""
    if column.kind == "money":
        return pc.cast(_rounded(column.values, 2), pa.string())
    if column.kind in ("number", "fraction"):
        return pc.cast(_rounded(column.values, 4), pa.string())
    return pc.cast(column.values, pa.string())


def _csv_field(column: Column) -> pa.Array:
    """The CSV field of every value: ISO dates, true/false, money with exactly 2 decimals, text quoted only
    where it must be; null (printed empty) for NaN and NaT."""
    values = column.values
    if column.kind == "text":
        values = _strings(values)
        needs_quotes = pc.match_substring_regex(values, '[",\r\n]')
        if not pc.any(needs_quotes).as_py():
            return values
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
        return pc.if_else(needs_quotes, quoted, values)
    if column.kind == "bool":
        return pc.if_else(values, "true", "false")
    if column.kind == "money":
        cents = pc.cast(_rounded(values, 2), pa.decimal128(38, 2), safe=False)
        return pc.cast(cents, pa.string())
    return _number_text(column)


def _strings(values: pa.Array) -> pa.Array:
    """A text column as plain strings (a coded column decoded, an all-empty one typed)."""
    if pa.types.is_dictionary(values.type):
        return values.dictionary_decode()
    return pc.cast(values, pa.string())


def _xml_text(values: pa.Array) -> pa.Array:
    if not pc.any(pc.match_substring_regex(values, XML_SPECIAL)).as_py():
        return values
    values = pc.replace_substring_regex(values, XML_ILLEGAL, "")
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        values = pc.replace_substring(values, char, entity)
    return values


def _column_letter(index: int) -> str:
    """A, B, ..., Z, AA, ... for the 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _xlsx_cells(column: Column, letter: str, row_numbers: pa.Array) -> pa.Array:
    """The <c> element of every value, with its reference (some readers need it): inline strings,
    booleans, dates as Excel serial days with a date style, numbers with the column's style; no element
    at all for NaN and NaT."""
    values = column.values
    if column.kind == "text":
        attributes, opening, closing = ' t="inlineStr"', '<is><t xml:space="preserve">', "</t></is>"
        text = _xml_text(_strings(values))
    else:
        style = STYLE.get(column.kind)
        attributes, opening, closing = ("" if style is None else f' s="{style}"'), "<v>", "</v>"
        if column.kind == "bool":
            attributes, text = ' t="b"', pc.if_else(values, "1", "0")
        elif column.kind == "date":
            text = pc.cast(pc.add(pc.cast(values, pa.int32()), EXCEL_EPOCH_DAYS), pa.string())
        else:
            text = _number_text(column)
    cells = pc.binary_join_element_wise(
        f'<c r="{letter}', row_numbers, f'"{attributes}>{opening}', text, f"{closing}</c>", ""
    )
    return pc.fill_null(cells, "")


def _concatenated(parts: list[pa.Array | str]) -> memoryview:
    """The parts joined element-wise, all rows back to back. Arrow's string data buffer is exactly that
    concatenation, so no Python string per row is ever made."""
    rows = pc.binary_join_element_wise(*parts, "")
    _, offsets, data = rows.buffers()
    if data is None:
        return memoryview(b"")
    bounds = np.frombuffer(offsets, dtype=np.int32)[[rows.offset, rows.offset + len(rows)]]
    return memoryview(data)[bounds[0] : bounds[1]]


def _chunks(columns: list[Column], limit: int | None = None) -> Iterator[tuple[int, int]]:
    """(first row, rows) of every CHUNK_ROWS rows, up to `limit` rows."""
    rows = len(columns[0]) if limit is None else min(limit, len(columns[0]))
    for start in range(0, rows, CHUNK_ROWS):
        yield start, min(CHUNK_ROWS, rows - start)


def _sliced(columns: list[Column], chunk: tuple[int, int]) -> list[Column]:
    start, rows = chunk
    return [column.slice(start, rows) for column in columns]


def _csv_header(columns: list[Column]) -> bytes:
    return (",".join(column.name for column in columns) + "\n").encode()


def _csv_rows(columns: list[Column]) -> memoryview:
    fields = [pc.fill_null(_csv_field(column), "") for column in columns]
    separators = [","] * (len(fields) - 1) + ["\n"]
    return _concatenated([part for pair in zip(fields, separators, strict=True) for part in pair])


def _gzip_member(data: bytes | memoryview) -> bytes:
    # zlib's gzip header carries no time stamp, so equal data give equal bytes.
    compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def _cores() -> int:
    # The cores this process may run on: a Lambda has 1 to 6 vCPUs depending on its memory size.
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _mapped_ahead(work: Callable[[Item], Done], items: Iterable[Item]) -> Iterator[Done]:
    """work(item) for every item, in order, computed on other threads while the caller consumes earlier
    answers. Arrow compute and zlib release the GIL, so formatting and deflating overlap on several
    cores; at most as many items as threads are in flight, which bounds memory. On one core threads
    would only add switching, so the work is done in line."""
    workers = min(MAX_THREADS, _cores())
    if workers == 1:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[Done]] = deque()
        for item in items:
            pending.append(pool.submit(work, item))
            if len(pending) >= workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _release_arrow_memory() -> None:
    """Arrow's allocator keeps what earlier work freed (another export, the census import) for reuse;
    an export's own working memory would come on top of it, so it goes back to the system first."""
    pa.default_memory_pool().release_unused()


def _csv_gz(columns: list[Column]) -> bytes:
    """The columns as gzip CSV of one member per chunk of rows (RFC 1952 allows several; gunzip,
    Python's gzip and pandas read them as one stream), so that chunks are formatted and deflated on
    several threads at once. Each member goes into the file as soon as it is ready: joining them at the
    end would hold the whole file twice."""

    def member(chunk: tuple[int, int]) -> bytes:
        return _gzip_member(_csv_rows(_sliced(columns, chunk)))

    _release_arrow_memory()
    buffer = io.BytesIO()
    buffer.write(_gzip_member(_csv_header(columns)))
    for part in _mapped_ahead(member, _chunks(columns)):
        buffer.write(part)
    # The buffer's own bytes, not a copy: nothing else refers to them.
    return buffer.getvalue()


def csv_bytes(columns: list[Column]) -> bytes:
    """The columns as CSV with a header line."""
    return _csv_header(columns) + b"".join(bytes(_csv_rows(_sliced(columns, c))) for c in _chunks(columns))


def snapshot_csv_gz(output: SimulationOutput) -> bytes:
    """Every snapshot row as gzip CSV: employee_id, then SNAPSHOT_COLUMNS with status names."""
    return _csv_gz(_snapshot_columns(output, _employee_ids(output)))


def events_csv_gz(output: SimulationOutput) -> bytes:
    """Every event as gzip CSV: employee_id, simulation_year, event_type name, effective_date, old and
    new value (empty where they mean nothing)."""
    return _csv_gz(_event_columns(output, _employee_ids(output)))


def metrics_csv(results: Mapping[str, Any]) -> bytes:
    """The per-year metrics of a Results document (its `workforce` and `dc_plan` rows merged by year)."""
    return csv_bytes(_metric_columns(results))


def bands_csv(bands: Mapping[str, Mapping[str, Mapping[str, float]]]) -> bytes:
    """An ensemble's percentile bands, one row per metric and year: metric, simulation_year, p5, p50, p95."""
    return csv_bytes(_bands_columns(bands))


def _sheet_xml(sheet: Sheet) -> Iterator[bytes | memoryview]:
    """A worksheet with a bold frozen header row; the sheet's note, if any, in the cell after the header."""
    widths = "".join(
        f'<col min="{i}" max="{i}" width="{max(12, len(c.name) + 2)}" customWidth="1"/>'
        for i, c in enumerate(sheet.columns, start=1)
    )
    note = sheet.note
    names = [c.name for c in sheet.columns] + ([note] if note else [])
    header = "".join(
        f'<c r="{_column_letter(i)}1" t="inlineStr" s="{STYLE["header"]}"><is><t>{escape(name)}</t></is></c>'
        for i, name in enumerate(names)
    )
    yield (
        f'{XML_HEAD}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheetViews>'
        '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
        ' state="frozen"/></sheetView></sheetViews>'
        f'<cols>{widths}</cols><sheetData><row r="1">{header}</row>'
    ).encode()
    letters = [_column_letter(i) for i in range(len(sheet.columns))]

    def rows(chunk: tuple[int, int]) -> memoryview:
        start, count = chunk
        # Row 1 is the header, so data row i (0-based) is row i + 2.
        numbers = pc.cast(pa.array(np.arange(start + 2, start + 2 + count)), pa.string())
        cells = [
            _xlsx_cells(column, letter, numbers)
            for column, letter in zip(_sliced(sheet.columns, chunk), letters, strict=True)
        ]
        return _concatenated(['<row r="', numbers, '">', *cells, "</row>"])

    # The next chunks are formatted on other threads while the zip deflates this one.
    yield from _mapped_ahead(rows, _chunks(sheet.columns, sheet.limit))
    yield b"</sheetData></worksheet>"


def _package_parts(sheets: list[Sheet]) -> dict[str, str]:
    """The workbook's fixed parts: content types, relationships, the sheet list and the styles."""
    numbers = range(1, len(sheets) + 1)
    worksheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{worksheet_type}"/>' for n in numbers
    )
    sheet_list = "".join(
        f'<sheet name={quoteattr(sheet.name)} sheetId="{n}" r:id="rId{n}"/>'
        for n, sheet in zip(numbers, sheets, strict=True)
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in numbers
    )
    spreadsheet = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return {
        "[Content_Types].xml": (
            f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{spreadsheet}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{spreadsheet}.styles+xml"/>{overrides}</Types>'
        ),
        "_rels/.rels": (
            f'{XML_HEAD}<Relationships xmlns="{PACKAGE_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{XML_HEAD}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            f"<sheets>{sheet_list}</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{XML_HEAD}<Relationships xmlns="{PACKAGE_REL_NS}">{sheet_rels}'
            f'<Relationship Id="rId{len(sheets) + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": STYLES_XML,
    }


def _workbook(sheets: list[Sheet]) -> bytes:
    """The sheets as an XLSX package, each streamed into the zip chunk by chunk."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:

        def add(name: str, parts: Iterable[bytes | memoryview]) -> None:
            info = zipfile.ZipInfo(name, ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            # ZipFile's own compresslevel only reaches entries it dates itself, which would break
            # byte-identical output; Python 3.13 keeps this name as an alias of compress_level.
            info._compresslevel = COMPRESS_LEVEL  # type: ignore[attr-defined]
            with archive.open(info, "w", force_zip64=True) as stream:
                for part in parts:
                    stream.write(part)

        for name, text in _package_parts(sheets).items():
            add(name, [text.encode()])
        for n, sheet in enumerate(sheets, start=1):
            add(f"xl/worksheets/sheet{n}.xml", _sheet_xml(sheet))
    return buffer.getvalue()


@dataclass(frozen=True)
class WorkbookRows:
    """What the results workbook shows of a projection, wherever it is read from (the output in
    memory, or the run's Parquet tables): the final year's snapshot rows, the first events (the
    detail sheet's rows) and the count of every event by year and type."""

    snapshot: list[Column]
    events: list[Column]  # the first `detail_rows` events (all of them when there are fewer)
    detail_rows: int
    total_events: int
    years: list[int]
    event_counts: np.ndarray  # years x EVENT_TYPES


def workbook_rows(output: SimulationOutput, detail_row_cap: int = DETAIL_ROW_CAP) -> WorkbookRows:
    """The workbook's rows of an output in memory (views: nothing is copied)."""
    ids = _employee_ids(output)
    final_year = _rows(output.snapshot["simulation_year"] == output.end_year)
    detail_rows = min(detail_row_cap, XLSX_MAX_ROWS)
    return WorkbookRows(
        snapshot=_snapshot_columns(output, ids, final_year),
        events=_table_columns(output.events, slice(0, detail_rows), "event_type", EVENT_TYPES, ids),
        detail_rows=detail_rows,
        total_events=len(output.events["event_type"]),
        years=output.years,
        event_counts=event_counts(output),
    )


def workbook_rows_from_tables(
    final_snapshot: pa.Table,
    first_events: pa.Table,
    years: list[int],
    counts: np.ndarray,
    detail_row_cap: int = DETAIL_ROW_CAP,
) -> WorkbookRows:
    """The workbook's rows read back from the run's Parquet tables (domain/run_tables.py): the final
    year's snapshot, the first events in table order (at least the detail sheet's rows) and the event
    counts by year and type. Each column comes back as the NumPy column the model wrote, so that the
    workbook is the one results_xlsx makes of the output itself, byte for byte."""
    detail_rows = min(detail_row_cap, XLSX_MAX_ROWS)
    first_events = first_events.slice(0, detail_rows)
    snapshot = _model_columns(final_snapshot, SNAPSHOT_COLUMNS, "status", STATUSES)
    events = _model_columns(first_events, EVENT_COLUMNS, "event_type", EVENT_TYPES)
    return WorkbookRows(
        snapshot=_table_columns(snapshot, slice(None), "status", STATUSES, _ids_of(final_snapshot)),
        events=_table_columns(events, slice(None), "event_type", EVENT_TYPES, _ids_of(first_events)),
        detail_rows=detail_rows,
        total_events=int(counts.sum()),
        years=years,
        event_counts=counts,
    )


def _ids_of(table: pa.Table) -> pa.Array:
    ids = table.column("employee_id")
    return ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids


def _model_columns(
    table: pa.Table, schema: Mapping[str, str], coded: str, names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """A Parquet table's model columns as the output holds them: `schema`'s dtypes, null as NaN or
    NaT, the coded column as codes into `names`, and employee_index pointing at the table's own
    employee_id column (row i is employee i)."""
    columns: dict[str, np.ndarray] = {}
    for name, dtype in schema.items():
        if name == "employee_index":
            columns[name] = np.arange(table.num_rows, dtype=dtype)
            continue
        values = table.column(name).combine_chunks()
        if name == coded:
            dictionary = values.dictionary.to_pylist()
            recode = np.array([names.index(value) for value in dictionary], dtype=dtype)
            columns[name] = recode[values.indices.to_numpy(zero_copy_only=False)]
        else:
            columns[name] = values.to_numpy(zero_copy_only=False).astype(dtype, copy=False)
    return columns


def results_workbook(results: Mapping[str, Any], rows: WorkbookRows, metadata: Mapping[str, Any]) -> bytes:
    """The results workbook: Summary_Metrics, Workforce_Snapshot (final year), Events_Summary,
    Events_Detail (the first `rows.detail_rows` events, with a note giving the total when capped), Metadata (nested values as JSON) and, for an ensemble, Bands."""
    _release_arrow_memory()
    sheets = [
        Sheet("Summary_Metrics", _metric_columns(results)),
        Sheet("Workforce_Snapshot", rows.snapshot),
        Sheet("Events_Summary", _event_summary_columns(rows.years, rows.event_counts)),
        Sheet("Events_Detail", rows.events, rows.detail_rows, total_rows=rows.total_events),
        Sheet("Metadata", _metadata_columns(metadata)),
    ]
    if results.get("bands") is not None:
        sheets.append(Sheet("Bands", _bands_columns(results["bands"])))
    return _workbook(sheets)


def results_xlsx(
    results: Mapping[str, Any],
    output: SimulationOutput,
    metadata: Mapping[str, Any],
    *,
    detail_row_cap: int = DETAIL_ROW_CAP,
) -> bytes:
    """results_workbook of an output in memory, Events_Detail showing its first `detail_row_cap` events."""
    return results_workbook(results, workbook_rows(output, detail_row_cap), metadata)
