"""Turns the bytes of an uploaded census into rows of text cells: the format is found from the content,
text is decoded, workbooks and Parquet are read, and files that are unsafe to open are refused."""

import codecs
import csv
import datetime
import io
import re
import struct
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import python_calamine

from planalign.errors import CensusRejected


@dataclass(frozen=True)
class Grid:
    """The non-blank rows of one table as text cells, with the 1-based row number a person sees.
    `columns`, when given, holds the same cells column by column (a CSV read by Arrow: every row has
    them all), and `rows` reads them row by row on demand."""

    rows: Sequence[Sequence[str]]
    row_numbers: Sequence[int]
    columns: list[pa.Array] | None = None


def grid_column(grid: Grid, index: int, first_row: int) -> pa.Array:
    """The cells of column `index` from row `first_row` on, as Arrow strings ("" in a shorter row)."""
    if grid.columns is not None:
        return grid.columns[index].slice(first_row)
    return pa.array([row[index] if index < len(row) else "" for row in grid.rows[first_row:]], pa.string())


class _ColumnRows(Sequence[Sequence[str]]):
    """The rows of Arrow string columns of equal length, as lists of text made when asked for."""

    def __init__(self, columns: list[pa.Array]) -> None:
        self._columns = columns

    def __len__(self) -> int:
        return len(self._columns[0])

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            parts = [column.slice(start, max(stop - start, 0)).to_pylist() for column in self._columns]
            return [list(row) for row in zip(*parts, strict=True)]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return [column[index].as_py() for column in self._columns]

    def __iter__(self) -> Iterator[Sequence[str]]:
        for start in range(0, len(self), _ROWS_AT_A_TIME):
            yield from self[start : start + _ROWS_AT_A_TIME]


@dataclass(frozen=True)
class TableFile:
    """A census file opened for reading: its format, how its text was decoded, and its sheets."""

    format: str
    read: Callable[[str], Grid]  # the cells of the named sheet ("" for formats without sheets)
    sheet_names: tuple[str, ...] = ()
    encoding: str | None = None
    delimiter: str | None = None
    warnings: tuple[str, ...] = ()


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_CFB_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_PARQUET_MAGIC = b"PAR1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_ENCRYPTED = "encrypted file rejected: remove the password and upload it again"
_NOT_TABLES = {
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}
_EXTENSIONS = {
    "csv": {"csv", "txt", "tsv", "tab", "dat", "psv"},
    "xlsx": {"xlsx", "xlsb"},
    "xls": {"xls"},
    "ods": {"ods"},
    "parquet": {"parquet", "pq"},
}
_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_CHARS = 65_536
_SNIFF_ROWS = 50  # lines looked at to choose the delimiter
_ROWS_AT_A_TIME = 10_000  # rows a Grid read by Arrow makes into lists at once when iterated


def open_table_file(data: bytes, filename: str, max_expanded_bytes: int) -> TableFile:
    """The census file in `data`, recognized from its first bytes (the name only adds a warning)."""
    if not data.strip():
        raise CensusRejected("empty file")
    if data.startswith(_ZIP_MAGIC):
        table_file = _open_zip(data, max_expanded_bytes)
    elif data.startswith(_CFB_MAGIC):
        table_file = _open_cfb(data)
    elif data.startswith(_PARQUET_MAGIC):
        table_file = _open_parquet(data, max_expanded_bytes)
    else:
        table_file = _open_text(data)
    extension = PurePosixPath(filename).suffix.lower().lstrip(".")
    if extension and extension not in _EXTENSIONS[table_file.format]:
        note = f"{filename} holds {table_file.format} content and was read as {table_file.format}"
        return replace(table_file, warnings=(*table_file.warnings, note))
    return table_file


def _open_zip(data: bytes, max_expanded_bytes: int) -> TableFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise CensusRejected(f"damaged zip archive: {error}") from error
    # The declared sizes are checked before any entry is inflated, so a zip bomb costs nothing.
    expanded = sum(entry.file_size for entry in entries)
    if expanded > max_expanded_bytes:
        raise CensusRejected(
            f"archive expands past {max_expanded_bytes} bytes (its entries declare {expanded} bytes)"
        )
    names = {entry.filename for entry in entries}
    try:
        if "[Content_Types].xml" in names:
            content_types = archive.read("[Content_Types].xml").lower()
            if b"macroenabled" in content_types or any(
                name.lower().endswith("vbaproject.bin") for name in names
            ):
                raise CensusRejected("macro-enabled workbook rejected: save it as .xlsx without macros")
            if not names & {"xl/workbook.xml", "xl/workbook.bin"}:
                raise CensusRejected("an Office document that is not an Excel workbook")
            return _open_workbook(data, "xlsx")
        if "mimetype" in names and archive.read("mimetype").strip() == _ODS_MIMETYPE:
            if any(name.startswith(("Basic/", "Scripts/")) for name in names):
                raise CensusRejected("macro-enabled workbook rejected: save it as .ods without macros")
            return _open_workbook(data, "ods")
    except (zipfile.BadZipFile, OSError) as error:
        raise CensusRejected(f"damaged zip archive: {error}") from error
    raise CensusRejected("a zip archive that is not a workbook: upload the CSV, XLSX or ODS itself")


def _open_cfb(data: bytes) -> TableFile:
    try:
        names = _cfb_entry_names(data)
    except (struct.error, IndexError, ValueError) as error:
        raise CensusRejected(f"damaged OLE2 compound file: {error}") from error
    if {"EncryptionInfo", "EncryptedPackage"} <= names:
        raise CensusRejected(_ENCRYPTED)
    if "_VBA_PROJECT_CUR" in names:
        raise CensusRejected("macro-enabled workbook rejected: save it without macros")
    if names & {"Workbook", "Book"}:
        return _open_workbook(data, "xls")
    raise CensusRejected("an OLE2 compound file that is not an Excel workbook")


def _cfb_entry_names(data: bytes) -> set[str]:
    """The storage and stream names in the directory of an OLE2 compound file (MS-CFB)."""
    sector_size = 1 << struct.unpack_from("<H", data, 30)[0]
    if sector_size not in (512, 4096):
        raise ValueError(f"sector size {sector_size}")
    fat_count, first_directory = struct.unpack_from("<II", data, 44)
    first_difat, difat_count = struct.unpack_from("<II", data, 68)
    fat_sectors = list(struct.unpack_from("<109I", data, 76))
    per_sector = sector_size // 4
    difat = first_difat
    for _ in range(difat_count):
        ids = struct.unpack_from(f"<{per_sector}I", data, (difat + 1) * sector_size)
        fat_sectors.extend(ids[:-1])
        difat = ids[-1]
    fat: list[int] = []
    for sector in fat_sectors[:fat_count]:
        fat.extend(struct.unpack_from(f"<{per_sector}I", data, (sector + 1) * sector_size))
    names: set[str] = set()
    sector = first_directory
    # Bounded by the sector count: a cyclic chain in a damaged file must not loop forever.
    for _ in range(len(data) // sector_size):
        if sector >= 0xFFFFFFFA:
            break
        block = data[(sector + 1) * sector_size : (sector + 2) * sector_size]
        for offset in range(0, len(block) - 127, 128):
            length = struct.unpack_from("<H", block, offset + 64)[0]
            if 2 <= length <= 64 and block[offset + 66] != 0:
                names.add(block[offset : offset + length - 2].decode("utf-16-le", "replace"))
        sector = fat[sector]
    return names


def _open_workbook(data: bytes, format: str) -> TableFile:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as error:
        raise CensusRejected(_ENCRYPTED) from error
    except Exception as error:  # calamine reports every damage as its own exception type
        raise CensusRejected(f"could not read the {format} workbook: {error}") from error
    if not workbook.sheet_names:
        raise CensusRejected(f"the {format} workbook has no sheet")

    def read(sheet: str) -> Grid:
        try:
            cells = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except python_calamine.PasswordError as error:
            raise CensusRejected(_ENCRYPTED) from error
        except Exception as error:
            raise CensusRejected(
                f"could not read sheet {sheet!r} of the {format} workbook: {error}"
            ) from error
        return _non_blank(
            (number, [value if type(value) is str else _cell_text(value) for value in row])
            for number, row in enumerate(cells, 1)
        )

    return TableFile(format=format, read=read, sheet_names=tuple(workbook.sheet_names))


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person would type for it (1001.0 -> "1001", dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _open_parquet(data: bytes, max_expanded_bytes: int) -> TableFile:
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        metadata = parquet.metadata
        expanded = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
        if expanded > max_expanded_bytes:
            raise CensusRejected(
                f"parquet file expands past {max_expanded_bytes} bytes (its row groups declare {expanded})"
            )
        table = parquet.read()
    except (pa.ArrowException, OSError) as error:
        raise CensusRejected(f"could not read the parquet file: {error}") from error
    columns = [_arrow_texts(column) for column in table.columns]
    grid = _non_blank(enumerate([table.column_names, *zip(*columns, strict=True)], 1))
    return TableFile(format="parquet", read=lambda _sheet: grid)


def _arrow_texts(column: pa.ChunkedArray) -> list[str]:
    try:
        texts = pc.cast(column, pa.string())
    except pa.ArrowException:
        return ["" if value is None else str(value) for value in column.to_pylist()]
    return [value or "" for value in texts.fill_null("").to_pylist()]


def _open_text(data: bytes) -> TableFile:
    for magic, kind in _NOT_TABLES.items():
        if data.startswith(magic):
            raise CensusRejected(f"{kind} is not a census table: upload CSV, XLSX, XLS, ODS or Parquet")
    text, encoding = _decode_text(data)
    sample = text[:_SNIFF_CHARS]
    controls = len(re.findall(r"[\x00-\x08\x0b\x0e-\x1f\x7f]", sample))
    if "\x00" in sample or controls > len(sample) / 100:
        raise CensusRejected(
            f"unrecognized binary file (starts with {data[:8].hex(' ')}): "
            "upload CSV, XLSX, XLS, ODS or Parquet"
        )
    if sample.lstrip().startswith("<"):
        raise CensusRejected("an HTML or XML document, not a table: export the census as CSV or XLSX")
    # Excel writes a `sep=;` line above the header of CSVs meant for other locales.
    first_line, _, rest = text.partition("\n")
    hint = re.fullmatch(r"sep=(.)", first_line.rstrip("\r"))
    if hint:
        delimiter, text, skipped = hint.group(1), rest, 1
    else:
        delimiter, skipped = _sniff_delimiter(sample), 0
    grid = _read_csv_columns(text, delimiter, 1 + skipped) or _read_csv(text, delimiter, 1 + skipped)
    return TableFile(format="csv", read=lambda _sheet: grid, encoding=encoding, delimiter=delimiter)


def _decode_text(data: bytes) -> tuple[str, str]:
    """The text of `data` and its encoding name: a BOM decides; else UTF-8, else cp1252, else Latin-1."""
    # UTF-32 LE first: its BOM starts with the UTF-16 LE one.
    boms = (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    )
    for bom, encoding in boms:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise CensusRejected(f"not valid {encoding} text at byte {error.start}") from error
    head = data[:4096]
    # UTF-16 without a BOM shows as a zero byte in every other position of mostly-ASCII text.
    zeros_even, zeros_odd = head[0::2].count(0), head[1::2].count(0)
    if zeros_odd > len(head) // 4 and zeros_even * 10 < zeros_odd:
        return data.decode("utf-16-le", errors="replace"), "utf-16-le"
    if zeros_even > len(head) // 4 and zeros_odd * 10 < zeros_even:
        return data.decode("utf-16-be", errors="replace"), "utf-16-be"
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the sample's rows into the most equal, widest rows."""
    lines = sample.splitlines()
    if len(sample) == _SNIFF_CHARS:
        lines = lines[:-1]  # the sample may end inside a row
    lines = [line for line in lines[:_SNIFF_ROWS] if line.strip()]
    best, best_score = ",", (0.0, 1)
    for delimiter in _DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        widest = max(widths, default=1)
        if widest < 2:
            continue
        # Title lines above the header are narrower, so the share of rows at the common width decides.
        common = max(set(widths), key=lambda width: (widths.count(width), width))
        score = (widths.count(common) / len(widths), common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv_columns(text: str, delimiter: str, first_row_number: int) -> Grid | None:
    """The grid of a plain CSV read by Arrow, column by column, or None when the text needs the row by
    row reader: quotes (a quoted cell may hold a delimiter or span lines), rows of different widths
    (an empty or blank line among them) or rows of only blank cells, which that reader skips. Without
    quotes each line is one row there too, so this is what `_read_csv` reads, cell for cell and row
    number for row number."""
    import pyarrow.csv as pv

    if '"' in text:
        return None
    first_line = re.split(r"\r\n|\r|\n", text[:_SNIFF_CHARS], maxsplit=1)[0]
    names = [f"c{i}" for i in range(first_line.count(delimiter) + 1)]
    try:
        table = pv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pv.ParseOptions(delimiter=delimiter, quote_char=False, ignore_empty_lines=False),
            convert_options=pv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False, check_utf8=False
            ),
        )
    except pa.ArrowInvalid:
        return None
    columns = [column.combine_chunks() for column in table.columns]
    if not table.num_rows:
        return None
    blank = pc.equal(pc.utf8_trim_whitespace(columns[0]), "")
    for column in columns[1:]:
        blank = pc.and_(blank, pc.equal(pc.utf8_trim_whitespace(column), ""))
    if pc.any(blank).as_py():
        return None
    return Grid(_ColumnRows(columns), range(first_row_number, first_row_number + table.num_rows), columns)


def _read_csv(text: str, delimiter: str, first_row_number: int) -> Grid:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, Sequence[str]]]:
        # A quoted cell may span lines: a row's number is the line it starts on.
        number = first_row_number
        for row in reader:
            yield number, row
            number = reader.line_num + first_row_number

    try:
        return _non_blank(numbered())
    except csv.Error as error:
        raise CensusRejected(f"CSV line {reader.line_num + first_row_number - 1}: {error}") from error


def _non_blank(rows: Iterable[tuple[int, Sequence[str]]]) -> Grid:
    """The rows with any non-blank cell: blank rows are skipped and counted nowhere."""
    kept: list[Sequence[str]] = []
    numbers: list[int] = []
    for number, row in rows:
        if "".join(row).strip():
            kept.append(row)
            numbers.append(number)
    return Grid(kept, numbers)
