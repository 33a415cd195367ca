"""Writes the messy census files of this folder and `expected.json`, what reading each one must give.

Run it from anywhere (`python tests/corpus/census/make_corpus.py`); the files are committed, so only a
change to the corpus needs a rerun."""

import csv
import datetime
import io
import json
import random
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

HERE = Path(__file__).parent
FIXED_TIME = datetime.datetime(2024, 1, 2, 3, 4, 5)
ZIP_TIME = (2024, 1, 2, 3, 4, 6)
CANONICAL = [
    "employee_id",
    "employee_birth_date",
    "employee_hire_date",
    "employee_gross_compensation",
    "active",
    "employee_termination_date",
    "employee_deferral_rate",
]
# id, birth, hire, pay, active, termination, deferral rate
Employee = tuple[str, datetime.date, datetime.date, float, bool, datetime.date | None, float]
EMPLOYEES: list[Employee] = [
    ("E001", datetime.date(1980, 2, 3), datetime.date(2015, 6, 1), 85000.0, True, None, 0.06),
    ("E002", datetime.date(1975, 11, 20), datetime.date(2010, 3, 15), 120000.5, True, None, 0.10),
    ("E003", datetime.date(1990, 7, 4), datetime.date(2020, 1, 6), 52000.0, True, None, 0.0),
    (
        "E004",
        datetime.date(1968, 1, 31),
        datetime.date(1999, 9, 1),
        150000.0,
        False,
        datetime.date(2023, 5, 31),
        0.05,
    ),
    ("E005", datetime.date(1995, 12, 25), datetime.date(2022, 8, 15), 48000.0, True, None, 0.03),
    ("E006", datetime.date(1985, 4, 10), datetime.date(2012, 11, 30), 97500.0, True, None, 0.08),
]
# Every file of the corpus: its name, the function that makes its bytes, and what reading it gives.
CORPUS: dict[str, tuple[Callable[[], bytes], dict[str, object]]] = {}


def ok(rows_accepted: int, rows_rejected: int = 0, duplicates: int = 0) -> dict[str, object]:
    return {
        "ok": True,
        "rows_accepted": rows_accepted,
        "rows_rejected": rows_rejected,
        "duplicates": duplicates,
    }


def fails(error_contains: str) -> dict[str, object]:
    return {"ok": False, "error_contains": error_contains}


def corpus_file(
    name: str, expected: dict[str, object]
) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
    """Registers a file of the corpus: the decorated function returns its bytes."""

    def register(make: Callable[[], bytes]) -> Callable[[], bytes]:
        CORPUS[name] = (make, expected)
        return make

    return register


def iso_rows(employees: list[Employee] = EMPLOYEES) -> list[list[str]]:
    return [
        [
            employee_id,
            birth.isoformat(),
            hire.isoformat(),
            f"{pay:g}",
            "true" if active else "false",
            termination.isoformat() if termination else "",
            f"{rate:g}",
        ]
        for employee_id, birth, hire, pay, active, termination, rate in employees
    ]


def delimited(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    """Rows as CSV text, cells quoted only where they hold the delimiter, a quote or a line break."""
    output = io.StringIO()
    csv.writer(output, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return output.getvalue()


@corpus_file("utf8_bom.csv", ok(6))
def utf8_bom() -> bytes:
    names = ["José Núñez", "Zoë Ångström", "李雷", "Ana", "Bo", "Cy"]
    rows = [[*row, name] for row, name in zip(iso_rows(), names, strict=True)]
    return delimited([[*CANONICAL, "full_name"], *rows]).encode("utf-8-sig")


@corpus_file("utf16le_bom_tab.txt", ok(6))
def utf16_little_endian() -> bytes:
    """Excel's "Unicode Text" export: UTF-16 LE with a BOM, tab-delimited, CRLF."""
    return delimited([CANONICAL, *iso_rows()], "\t", "\r\n").encode("utf-16")


@corpus_file("utf16be_bom.csv", ok(6))
def utf16_big_endian() -> bytes:
    return b"\xfe\xff" + delimited([CANONICAL, *iso_rows()]).encode("utf-16-be")


@corpus_file("latin1_semicolon.csv", ok(6))
def latin1_semicolon() -> bytes:
    names = ["Müller", "Zoë", "Façade", "Señor", "Øyvind", "Renée"]
    rows = [[*row, name] for row, name in zip(iso_rows(), names, strict=True)]
    return delimited([[*CANONICAL, "Name"], *rows], ";").encode("latin-1")


@corpus_file("tab_delimited.tsv", ok(6))
def tab_delimited() -> bytes:
    return delimited([CANONICAL, *iso_rows()], "\t").encode()


@corpus_file("odd_headers.csv", ok(6))
def odd_headers() -> bytes:
    """Title rows above the header, aliases with spaces and symbols, a status column, an extra column."""
    header = [
        " Emp ID ",
        "Date of Birth",
        "Hire Date",
        "Annual Salary ($)",
        "Employment Status",
        "Term Date",
        "Deferral %",
        "Scheduled Hours",
        "Department",
    ]
    rows = [
        [
            employee_id,
            birth.isoformat(),
            hire.isoformat(),
            f"{pay:.2f}",
            "Active" if active else "Terminated",
            termination.isoformat() if termination else "",
            f"{rate * 100:g}%",
            "37.5",
            "Sales",
        ]
        for employee_id, birth, hire, pay, active, termination, rate in EMPLOYEES
    ]
    return delimited([["Acme Employee Census"], ["Exported 2024-12-31"], header, *rows]).encode()


@corpus_file("excel_serial_dates.csv", ok(6))
def excel_serial_dates() -> bytes:
    def serial(day: datetime.date) -> str:
        return str((day - datetime.date(1899, 12, 30)).days)

    rows = [
        [employee_id, serial(birth), serial(hire) + ".5", f"{pay:g}", "1" if active else "0", "", f"{rate:g}"]
        for employee_id, birth, hire, pay, active, _, rate in EMPLOYEES
    ]
    return delimited([CANONICAL, *rows]).encode()


@corpus_file("us_dates.csv", ok(6, rows_rejected=1))
def us_dates() -> bytes:
    """M/D/YYYY, M/D/YY, a time part, a month name; the last row's 13/45/1990 is no date."""
    births = [
        "2/3/1980",
        "11/20/75",
        "7/4/1990 0:00",
        "31-Jan-1968",
        "12/25/1995",
        "04/10/1985",
        "13/45/1990",
    ]
    hires = ["6/1/2015", "3/15/10", "1/6/2020 12:00 AM", "Sep 1, 1999", "08/15/2022", "11/30/12", "1/1/2020"]
    rows = [
        [f"E00{i + 1}", birth, hire, "50000", "Y", "", "0"]
        for i, (birth, hire) in enumerate(zip(births, hires, strict=True))
    ]
    return delimited([CANONICAL, *rows]).encode()


@corpus_file("money_formats.csv", ok(6, rows_rejected=3))
def money_formats() -> bytes:
    """Pay with currency signs and thousands commas; (1,000) is negative, n/a and 0 are no pay."""
    pays = ["$85,000.00", "120000.50", "52,000", " $ 150,000 ", "48000", "97,500.00", "(1,000)", "n/a", "0"]
    rows = [[f"E{i + 1:03d}", "1980-01-01", "2015-01-01", pay, "yes", "", ""] for i, pay in enumerate(pays)]
    return delimited([CANONICAL, *rows]).encode()


@corpus_file("percent_rates.csv", ok(8, rows_rejected=1))
def percent_rates() -> bytes:
    """Deferral as 6%, 10, 0.05, 3 %, 7.5; 80 is capped at 0.75, -2% is rejected, blank is 0."""
    rates = ["6%", "10", "0", "0.05", "3 %", "7.5", "80", "-2%", ""]
    rows = [
        [f"E{i + 1:03d}", "1980-01-01", "2015-01-01", "60000", "yes", "", rate]
        for i, rate in enumerate(rates)
    ]
    return delimited([CANONICAL, *rows]).encode()


@corpus_file("boolean_spellings.csv", ok(13, rows_rejected=2))
def boolean_spellings() -> bytes:
    """Every spelling of yes and no; "maybe" and a blank active are rejected."""
    actives = ["TRUE", "false", "Yes", "no", "Y", "n", "1", "0", "T", "f", "Active", "Terminated", "Inactive"]
    actives += ["maybe", ""]
    opt_outs = ["yes", "N", "", "0", "1"] * 3
    header = ["employee_id", "dob", "hire_date", "salary", "Active?", "Auto Escalation Opt Out"]
    rows = [
        [f"E{i + 1:03d}", "1980-01-01", "2015-01-01", "60000", active, opt_out]
        for i, (active, opt_out) in enumerate(zip(actives, opt_outs, strict=True))
    ]
    return delimited([header, *rows]).encode()


@corpus_file("duplicate_ids.csv", ok(5, rows_rejected=1, duplicates=4))
def duplicate_ids() -> bytes:
    """E001 twice (the later hire wins), E002 twice with one hire date (the later row wins), E003 three
    times, and E005 twice where one copy is invalid (a rejected row is no duplicate)."""
    rows = [
        ["E001", "1980-02-03", "2015-06-01", "85000"],
        ["E001", "1980-02-03", "2018-06-01", "90000"],
        ["E002", "1975-11-20", "2010-03-15", "120000"],
        ["E002", "1975-11-20", "2010-03-15", "125000"],
        ["E003", "1990-07-04", "2020-01-06", "52000"],
        ["E003", "1990-07-04", "2010-01-06", "51000"],
        ["E003", "1990-07-04", "2019-01-06", "50000"],
        ["E004", "1968-01-31", "1999-09-01", "150000"],
        ["E005", "1995-12-25", "2022-08-15", "abc"],
        ["E005", "1995-12-25", "2021-08-15", "48000"],
    ]
    return delimited([CANONICAL[:5], *[[*row, "true"] for row in rows]]).encode()


@corpus_file("blank_rows.csv", ok(6))
def blank_rows() -> bytes:
    """Empty lines, a line of only commas and one of spaces between rows, CRLF endings."""
    lines = [",".join(CANONICAL), ""]
    rows = [",".join(row) for row in iso_rows()]
    lines += [*rows[:3], ",,,,,,", "   ", *rows[3:], "", ""]
    return "\r\n".join(lines).encode()


@corpus_file("sep_hint.csv", ok(6))
def sep_hint() -> bytes:
    """Excel's `sep=;` line above the header."""
    return ("sep=;\n" + delimited([CANONICAL, *iso_rows()], ";")).encode()


@corpus_file("quoted_multiline.csv", ok(6, rows_rejected=1))
def quoted_multiline() -> bytes:
    """Quoted cells holding commas, quotes and a line break; the row after them is born after its hire."""
    rows = [[*row, "note"] for row in iso_rows()]
    rows[1][-1] = "first line\nsecond line"
    rows[2][-1] = 'Smith, John "JJ"'
    bad = ["E007", "2001-01-01", "2000-01-01", "50000", "true", "", "0", "born after hire"]
    return delimited([[*CANONICAL, "notes"], *rows[:3], bad, *rows[3:]]).encode()


def workbook_bytes(
    write: Callable[[xlsxwriter.Workbook], None], options: dict[str, object] | None = None
) -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, **(options or {})})
    workbook.set_properties({"created": FIXED_TIME})
    write(workbook)
    workbook.close()
    return output.getvalue()


def census_sheet(workbook: xlsxwriter.Workbook, name: str) -> None:
    """Typed cells: Excel dates, numbers, booleans, a percent-formatted rate, one date typed as text."""
    sheet = workbook.add_worksheet(name)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    percent_format = workbook.add_format({"num_format": "0%"})
    sheet.write_row(
        0, 0, ["Employee ID", "Birth Date", "Hire Date", "Salary", "Active", "Termination Date", "Deferral"]
    )
    for r, (employee_id, birth, hire, pay, active, termination, rate) in enumerate(EMPLOYEES, 1):
        sheet.write_string(r, 0, employee_id)
        sheet.write_datetime(r, 1, datetime.datetime.combine(birth, datetime.time()), date_format)
        sheet.write_datetime(r, 2, datetime.datetime.combine(hire, datetime.time()), date_format)
        sheet.write_number(r, 3, pay)
        sheet.write_boolean(r, 4, active)
        if termination:
            sheet.write_datetime(r, 5, datetime.datetime.combine(termination, datetime.time()), date_format)
        sheet.write_number(r, 6, rate, percent_format)
    sheet.write_string(len(EMPLOYEES), 1, EMPLOYEES[-1][1].strftime("%m/%d/%Y"))


@corpus_file("census.xlsx", ok(6))
def census_xlsx() -> bytes:
    return workbook_bytes(lambda workbook: census_sheet(workbook, "Sheet1"))


@corpus_file("second_sheet.xlsx", ok(6))
def second_sheet_xlsx() -> bytes:
    """An instructions sheet first; the data is on the sheet named Census."""

    def write(workbook: xlsxwriter.Workbook) -> None:
        notes = workbook.add_worksheet("Instructions")
        notes.write_column(
            0, 0, ["Fill in one row per employee on the Census sheet.", "Dates as YYYY-MM-DD."]
        )
        census_sheet(workbook, "Census")

    return workbook_bytes(write)


@corpus_file("census.ods", ok(6))
def census_ods() -> bytes:
    """A hand-written OpenDocument spreadsheet (no ODS writer is installed): typed date, float,
    percentage and boolean cells."""

    def cell(value_type: str, value: str, text: str) -> str:
        attribute = {"date": "date-value", "boolean": "boolean-value"}.get(value_type, "value")
        if value_type == "string":
            return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
        return (
            f'<table:table-cell office:value-type="{value_type}" office:{attribute}="{value}">'
            f"<text:p>{text}</text:p></table:table-cell>"
        )

    def row(cells: list[str]) -> str:
        return f"<table:table-row>{''.join(cells)}</table:table-row>"

    header = row(
        [cell("string", "", name) for name in ["ID", "DOB", "Date of Hire", "Annual Salary", "Status"]]
    )
    rows = [
        row(
            [
                cell("string", "", employee_id),
                cell("date", birth.isoformat(), birth.isoformat()),
                cell("date", hire.isoformat(), hire.isoformat()),
                cell("float", f"{pay:g}", f"{pay:g}"),
                cell("boolean", "true" if active else "false", "TRUE" if active else "FALSE"),
            ]
        )
        for employee_id, birth, hire, pay, active, _, _ in EMPLOYEES
    ]
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Census">{header}{"".join(rows)}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        # The mimetype entry comes first and stored, as the OpenDocument spec requires.
        archive.writestr(
            zipfile.ZipInfo("mimetype", ZIP_TIME), "application/vnd.oasis.opendocument.spreadsheet"
        )
        for name, text in (("META-INF/manifest.xml", manifest), ("content.xml", content)):
            archive.writestr(zipfile.ZipInfo(name, ZIP_TIME), text, compress_type=zipfile.ZIP_DEFLATED)
    return output.getvalue()


@corpus_file("census.parquet", ok(6))
def census_parquet() -> bytes:
    columns = list(zip(*EMPLOYEES, strict=True))
    table = pa.table(
        {
            "employee_id": pa.array(columns[0], pa.string()),
            "employee_birth_date": pa.array(columns[1], pa.date32()),
            "employee_hire_date": pa.array(columns[2], pa.date32()),
            "employee_gross_compensation": pa.array(columns[3], pa.float64()),
            "active": pa.array(columns[4], pa.bool_()),
            "employee_termination_date": pa.array(columns[5], pa.date32()),
            "employee_deferral_rate": pa.array(columns[6], pa.float64()),
            "scheduled_hours_per_week": pa.array([40, 40, 20, 40, 32, 40], pa.int32()),
        }
    )
    output = io.BytesIO()
    pq.write_table(table, output)
    return output.getvalue()


@corpus_file("mislabeled_csv.xlsx", ok(6))
def mislabeled() -> bytes:
    """A CSV saved under an .xlsx name: read by its content, with a warning."""
    return delimited([CANONICAL, *iso_rows()]).encode()


@corpus_file("row_errors.csv", ok(2, rows_rejected=9))
def row_errors() -> bytes:
    """One rejected row per reason, around two good rows."""
    header = [*CANONICAL, "scheduled_hours_per_week"]
    good = ["1980-01-01", "2015-01-01", "60000", "true", "", "0.05", "40"]
    rows = [
        ["G001", *good],
        ["", *good],
        ["B002", "1980-02-30", *good[1:]],
        ["B003", "2016-01-01", *good[1:]],
        ["B004", good[0], "", *good[2:]],
        ["B005", *good[:2], "0", *good[3:]],
        ["B006", *good[:2], "sixty thousand", *good[3:]],
        ["B007", *good[:3], "maybe", *good[4:]],
        ["B008", *good[:4], "someday", *good[5:]],
        ["B009", *good[:6], "forty"],
        ["G010", *good],
    ]
    return delimited([header, *rows]).encode()


@corpus_file("missing_hire_date.csv", fails("missing required column employee_hire_date"))
def missing_hire_date() -> bytes:
    rows = [[row[0], row[1], *row[3:]] for row in [CANONICAL, *iso_rows()]]
    return delimited(rows).encode()


@corpus_file("ambiguous_salary.csv", fails("ambiguous columns 'Salary' (column 4) and 'Annual Salary'"))
def ambiguous_salary() -> bytes:
    header = ["ID", "DOB", "Hire Date", "Salary", "Active", "Annual Salary"]
    rows = [[*row[:5], row[3]] for row in iso_rows()]
    return delimited([header, *rows]).encode()


@corpus_file("no_usable_row.csv", fails("no usable row: 3 rows rejected"))
def no_usable_row() -> bytes:
    rows = [
        ["E001", "not a date", "2015-01-01", "60000", "true"],
        ["E002", "1980-01-01", "2015-01-01", "-5", "true"],
        ["", "1980-01-01", "2015-01-01", "60000", "true"],
    ]
    return delimited([CANONICAL[:5], *rows]).encode()


@corpus_file("header_only.csv", fails("no usable row: nothing below the header"))
def header_only() -> bytes:
    return delimited([CANONICAL, [""] * len(CANONICAL)]).encode()


@corpus_file("macro_enabled.xlsm", fails("macro-enabled workbook rejected"))
def macro_enabled() -> bytes:
    """A workbook with a VBA project (a stand-in blob: the reader refuses it before looking inside)."""

    def write(workbook: xlsxwriter.Workbook) -> None:
        census_sheet(workbook, "Sheet1")
        workbook.add_vba_project(io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)), is_stream=True)

    return workbook_bytes(write)


def compound_file(stream_names: list[str], contents: dict[str, bytes] | None = None) -> bytes:
    """A minimal OLE2 compound file (MS-CFB version 3, 512-byte sectors) whose directory lists up to three
    streams. A stream is empty unless `contents` gives its bytes, which must be at least 4096 bytes (the
    mini stream cutoff) so that they live in regular sectors chained in the FAT: sector 0 is the FAT,
    sector 1 the directory, and the streams follow."""
    if len(stream_names) > 3:
        raise ValueError("one directory sector holds the root and three streams")
    contents = contents or {}
    free, end_of_chain, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    fat = [fat_sector, end_of_chain]
    starts: dict[str, int] = {}
    body = b""
    for name in stream_names:
        data = contents.get(name, b"")
        if not data:
            continue
        if len(data) < 4096:
            raise ValueError(f"stream {name} is under 4096 bytes: it would belong in the mini stream")
        sectors = -(-len(data) // 512)
        starts[name] = len(fat)
        fat += [*range(len(fat) + 1, len(fat) + sectors), end_of_chain]
        body += data.ljust(sectors * 512, b"\0")
    if len(fat) > 128:
        raise ValueError("one FAT sector maps 128 sectors")
    header = bytearray(512)
    header[0:8] = bytes.fromhex("d0cf11e0a1b11ae1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    # FAT sectors, first directory sector, transaction, mini cutoff, mini FAT, DIFAT start and count.
    struct.pack_into("<IIIIIIII", header, 44, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0)
    struct.pack_into("<109I", header, 76, 0, *[free] * 108)

    def entry(name: str, kind: int, right: int, child: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0" if name else b""
        data = bytearray(128)
        data[: len(encoded)] = encoded
        struct.pack_into("<HBBIII", data, 64, len(encoded), kind, 1, no_stream, right, child)
        start, size = (starts[name], len(contents[name])) if name in starts else (end_of_chain, 0)
        struct.pack_into("<IQ", data, 116, start, size)
        return bytes(data)

    # The streams hang off the root as a chain of right siblings.
    entries = [entry("Root Entry", 5, no_stream, 1 if stream_names else no_stream)]
    for number, name in enumerate(stream_names, 1):
        entries.append(entry(name, 2, number + 1 if number < len(stream_names) else no_stream, no_stream))
    entries += [entry("", 0, no_stream, no_stream)] * (4 - len(entries))
    fat_sector_bytes = struct.pack("<128I", *fat, *[free] * (128 - len(fat)))
    return bytes(header) + fat_sector_bytes + b"".join(entries) + body


@corpus_file("encrypted.xlsx", fails("encrypted file rejected"))
def encrypted() -> bytes:
    """What Excel writes for a password-protected workbook: an OLE2 compound file whose directory holds
    EncryptionInfo and EncryptedPackage streams."""
    return compound_file(["EncryptionInfo", "EncryptedPackage"])


# Cell formats of the .xls writer: the index of the XF record a cell points at.
XF_GENERAL, XF_DATE, XF_PERCENT = 15, 16, 17
XlsCell = tuple[str | bool | float, int]  # a value and its XF: text, a boolean or a number


def biff_record(record_type: int, data: bytes = b"") -> bytes:
    if len(data) > 8224:
        raise ValueError("a BIFF8 record holds at most 8224 bytes without CONTINUE records")
    return struct.pack("<HH", record_type, len(data)) + data


def biff_string(text: str, length_format: str = "<H") -> bytes:
    """A BIFF8 unicode string: its length in characters, a flags byte saying whether the characters are
    one byte (Latin-1) or two (UTF-16 LE), then the characters."""
    try:
        return struct.pack(length_format, len(text)) + b"\0" + text.encode("latin-1")
    except UnicodeEncodeError:
        encoded = text.encode("utf-16-le")
        return struct.pack(length_format, len(encoded) // 2) + b"\1" + encoded


def excel_serial(day: datetime.date) -> float:
    """The 1900-system serial day number Excel stores for a date after February 1900."""
    return float((day - datetime.date(1899, 12, 30)).days)


def xls_workbook(sheets: list[tuple[str, list[list[XlsCell | None]]]]) -> bytes:
    """A BIFF8 .xls workbook, as Excel 97-2003 saves one: the Workbook stream of an OLE2 compound file.

    The stream is the workbook globals (BOF, CODEPAGE, WINDOW1, DATE1904, FONT, FORMAT, XF, STYLE, one
    BOUNDSHEET8 per sheet holding the stream offset of that sheet's BOF, the shared strings in SST, EOF)
    and then one worksheet substream per sheet (BOF, DIMENSIONS, a LABELSST, NUMBER or BOOLERR record per
    cell in row order, WINDOW2, EOF). Dates are NUMBER serials whose XF has a yyyy-mm-dd format. Like
    xlwt, it leaves out the optional EXTSST, INDEX, ROW and DBCELL records and pads the stream with zeros
    to 4096 bytes, so that it lives in regular sectors rather than the mini stream."""
    strings: dict[str, int] = {}
    references = 0

    def bof(substream: int) -> bytes:
        # BIFF8, the substream type (5 globals, 16 worksheet), Excel 97's build and year, no file
        # history flags, and BIFF8 as the lowest version that reads every record.
        return biff_record(0x0809, struct.pack("<HHHHII", 0x0600, substream, 0x0DBB, 0x07CC, 0, 0x06))

    def worksheet(rows: list[list[XlsCell | None]], active: bool) -> bytes:
        nonlocal references
        cells = b""
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                value, xf = cell
                if isinstance(value, str):
                    references += 1
                    index = strings.setdefault(value, len(strings))
                    cells += biff_record(0x00FD, struct.pack("<HHHI", r, c, xf, index))  # LABELSST
                elif isinstance(value, bool):
                    cells += biff_record(0x0205, struct.pack("<HHHBB", r, c, xf, value, 0))  # BOOLERR
                else:
                    cells += biff_record(0x0203, struct.pack("<HHHd", r, c, xf, value))  # NUMBER
        width = max((len(row) for row in rows), default=0)
        dimensions = biff_record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
        # Gridlines, headers, zeros, default header colour and outline symbols; the active sheet is
        # also selected and shown.
        options = 0x06B6 if active else 0x00B6
        window2 = biff_record(0x023E, struct.pack("<HHHHHHHI", options, 0, 0, 0x40, 0, 0, 0, 0))
        return bof(0x0010) + dimensions + cells + window2 + biff_record(0x000A)

    substreams = [worksheet(rows, number == 0) for number, (_, rows) in enumerate(sheets)]
    font = biff_record(
        0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + biff_string("Arial", "<B")
    )

    def xf(number_format: int, style: bool) -> bytes:
        # Font 0, the number format, locked (a style XF's parent is 0xFFF, a cell XF's the Normal style),
        # general horizontal and bottom vertical alignment, no borders, automatic fill colours (64, 65).
        # A style XF's used-attribute bits are xlwt's; a cell XF marks every attribute group as its own.
        protection = 0xFFF5 if style else 0x0001
        used = 0xF4 if style else 0xFC
        return biff_record(
            0x00E0, struct.pack("<HHHBBBBIIH", 0, number_format, protection, 0x20, 0, 0, used, 0, 0, 0x20C0)
        )

    sst = struct.pack("<II", references, len(strings)) + b"".join(biff_string(text) for text in strings)
    # Excel's own style XFs 0-14 and default cell XF 15, then the date and percent cell XFs.
    xfs = b"".join(xf(0, True) for _ in range(15)) + xf(0, False) + xf(164, False) + xf(9, False)

    def globals_with(offsets: list[int]) -> bytes:
        boundsheets = b"".join(
            biff_record(0x0085, struct.pack("<IBB", offset, 0, 0) + biff_string(name, "<B"))
            for offset, (name, _) in zip(offsets, sheets, strict=True)
        )
        return (
            bof(0x0005)
            + biff_record(0x0042, struct.pack("<H", 1200))  # CODEPAGE: UTF-16, as BIFF8 always is
            # WINDOW1: window position and size in twips, scroll bars and sheet tabs shown, the first
            # sheet active, one sheet selected, the tab bar at 600/1000 of the width.
            + biff_record(0x003D, struct.pack("<HHHHHHHHH", 0, 0, 0x3FCF, 0x2A4E, 0x38, 0, 0, 1, 0x258))
            + biff_record(0x0022, struct.pack("<H", 0))  # DATE1904: the 1900 date system
            + font * 4  # fonts 0-3, all Arial 10 (font index 4 is skipped in BIFF)
            + biff_record(0x041E, struct.pack("<H", 164) + biff_string("yyyy-mm-dd"))  # FORMAT
            + xfs
            + biff_record(0x0293, struct.pack("<HBB", 0x8000, 0, 0xFF))  # STYLE: Normal is XF 0
            + boundsheets
            + biff_record(0x00FC, sst)
            + biff_record(0x000A)
        )

    offset = len(globals_with([0] * len(sheets)))
    offsets = []
    for substream in substreams:
        offsets.append(offset)
        offset += len(substream)
    stream = globals_with(offsets) + b"".join(substreams)
    return compound_file(["Workbook"], {"Workbook": stream.ljust(4096, b"\0")})


def xls_census_rows() -> list[list[XlsCell | None]]:
    """The cells of `census_sheet` as an .xls holds them: dates are serials with a date format."""
    header = ["Employee ID", "Birth Date", "Hire Date", "Salary", "Active", "Termination Date", "Deferral"]
    rows: list[list[XlsCell | None]] = [[(name, XF_GENERAL) for name in header]]
    for employee_id, birth, hire, pay, active, termination, rate in EMPLOYEES:
        rows.append(
            [
                (employee_id, XF_GENERAL),
                (excel_serial(birth), XF_DATE),
                (excel_serial(hire), XF_DATE),
                (pay, XF_GENERAL),
                (active, XF_GENERAL),
                (excel_serial(termination), XF_DATE) if termination else None,
                (rate, XF_PERCENT),
            ]
        )
    # As in census_sheet, the last birth date is typed as text.
    rows[-1][1] = (EMPLOYEES[-1][1].strftime("%m/%d/%Y"), XF_GENERAL)
    return rows


@corpus_file("census.xls", ok(6))
def census_xls() -> bytes:
    """The census of census.xlsx in a legacy Excel 97-2003 workbook (BIFF8), written by xls_workbook."""
    return xls_workbook([("Sheet1", xls_census_rows())])


@corpus_file("second_sheet.xls", ok(6))
def second_sheet_xls() -> bytes:
    """An instructions sheet first, with text that needs UTF-16; the data is on the sheet named Census."""
    notes = ["Fill in one row per employee on the Census sheet — one line each.", "Dates as YYYY-MM-DD."]
    return xls_workbook(
        [("Instructions", [[(note, XF_GENERAL)] for note in notes]), ("Census", xls_census_rows())]
    )


@corpus_file("zip_bomb.xlsx", fails("archive expands past 500000000 bytes"))
def zip_bomb() -> bytes:
    """A workbook-shaped zip whose one sheet inflates to 600 MB of zeros (bzip2 keeps it tiny on disk)."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_BZIP2, compresslevel=9) as archive:
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", ZIP_TIME), "<Types/>")
        archive.writestr(zipfile.ZipInfo("xl/workbook.xml", ZIP_TIME), "<workbook/>")
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", ZIP_TIME)
        info.compress_type = zipfile.ZIP_BZIP2
        with archive.open(info, "w", force_zip64=True) as member:
            zeros = bytes(1 << 24)
            for _ in range(36):
                member.write(zeros)
    return output.getvalue()


@corpus_file("random.bin", fails("unrecognized binary file"))
def random_binary() -> bytes:
    return random.Random(7).randbytes(2048)


@corpus_file("html_export.xls", fails("an HTML or XML document"))
def html_export() -> bytes:
    """What some HR systems save as .xls: an HTML table."""
    cells = "".join(f"<td>{name}</td>" for name in CANONICAL)
    return f"<html><body><table><tr>{cells}</tr></table></body></html>".encode()


@corpus_file("empty.csv", fails("empty file"))
def empty() -> bytes:
    return b"\r\n  \n"


@corpus_file("not_a_workbook.zip", fails("a zip archive that is not a workbook"))
def zipped_csv() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr(zipfile.ZipInfo("census.csv", ZIP_TIME), delimited([CANONICAL, *iso_rows()]))
    return output.getvalue()


def main() -> None:
    for name, (make, _) in CORPUS.items():
        (HERE / name).write_bytes(make())
    expected = {name: outcome for name, (_, outcome) in sorted(CORPUS.items())}
    (HERE / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")


if __name__ == "__main__":
    main()
