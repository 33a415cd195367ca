"""Reads an uploaded census (CSV, XLSX, XLS, ODS or Parquet) into the normalized `Census`, with a report
of the columns it matched and of every row it could not use and why."""

import datetime
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from planalign.domain.census import DEFAULT_HOURS_PER_WEEK, Census
from planalign.domain.census_formats import Grid, TableFile, grid_column, open_table_file
from planalign.errors import CensusRejected

REQUIRED_COLUMNS = (
    "employee_id",
    "employee_birth_date",
    "employee_hire_date",
    "employee_gross_compensation",
    "active",
)
# Every canonical column with the other headers that mean it, in the order problems are reported.
ALIASES: dict[str, tuple[str, ...]] = {
    "employee_id": (
        "id",
        "emp_id",
        "employee_number",
        "employee_no",
        "employee_num",
        "emp_no",
        "emp_num",
        "worker_id",
        "associate_id",
    ),
    "employee_birth_date": ("dob", "birth_date", "birthdate", "date_of_birth"),
    "employee_hire_date": ("hire_date", "hiredate", "date_of_hire", "start_date", "original_hire_date"),
    "employee_gross_compensation": (
        "salary",
        "annual_salary",
        "base_salary",
        "annual_base_salary",
        "gross_compensation",
        "gross_comp",
        "compensation",
        "annual_compensation",
        "pay",
        "annual_pay",
        "base_pay",
    ),
    "active": ("is_active", "active_status", "status", "employment_status"),
    "employee_termination_date": ("termination_date", "term_date", "date_of_termination"),
    "employee_deferral_rate": (
        "deferral_rate",
        "deferral",
        "deferral_percent",
        "deferral_pct",
        "contribution_rate",
    ),
    "scheduled_hours_per_week": (
        "hours",
        "hours_per_week",
        "scheduled_hours",
        "weekly_hours",
        "standard_hours",
    ),
    "auto_escalation_opt_out": ("escalation_opt_out", "auto_escalate_opt_out"),
    "eligibility_override": ("eligible_override", "plan_eligibility_override"),
}
_CANONICAL = {name: canonical for canonical, names in ALIASES.items() for name in (canonical, *names)}
_COLUMN_RANK = {canonical: rank for rank, canonical in enumerate(ALIASES)}

MAX_DEFERRAL_RATE = 0.75
MAX_HOURS_PER_WEEK = 168.0
MAX_REPORTED = 1_000
_HEADER_SEARCH_ROWS = 20  # title and note rows an export may put above its header
_EARLIEST_DATE = np.datetime64("1900-01-01")
_LATEST_DATE = np.datetime64("2100-12-31")
_NAT = np.datetime64("NaT", "D")

_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_THOUSANDS = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$"
_ISO_DATE = r"^(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?:[T ]\d{1,2}:\d{2}.*)?$"
_US_DATE = r"^(?P<month>\d{1,2})[/-](?P<day>\d{1,2})[/-](?P<year>\d{4}|\d{2})(?:[T ]\d{1,2}:\d{2}.*)?$"
_COMPACT_DATE = r"^(?P<year>(?:19|20|21)\d{2})(?P<month>\d{2})(?P<day>\d{2})$"
# YYYY-MM-DD, read from its bytes: where its digits and its dashes are.
_PLAIN_ISO_LENGTH = 10
_PLAIN_ISO_DASHES = [4, 7]
_PLAIN_ISO_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9]
_EXCEL_SERIAL = r"^\d{1,5}(?:\.\d+)?$"
_MONTH_NAME = r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_MONTH_NAME_FORMATS = (
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d-%B-%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
)
# Two-digit years follow Excel's window: 00-29 are 2000-2029, 30-99 are 1930-1999.
_TWO_DIGIT_YEAR_PIVOT = 30
# Records a problem: the column, the reason and the mask of the rows that have it.
_Reject = Callable[[str, str, np.ndarray], None]
_TRUE_WORDS = ("true", "t", "yes", "y", "1")
_FALSE_WORDS = ("false", "f", "no", "n", "0")
_ACTIVE_WORDS = ("active",)
_INACTIVE_WORDS = ("terminated", "inactive")


@dataclass(frozen=True)
class CensusImport:
    """A census that could be used, with the JSON-serializable report of how it was read."""

    census: Census
    report: dict[str, Any]


def read_census(
    data: bytes,
    filename: str = "",
    *,
    sheet: str | None = None,
    max_expanded_bytes: int = 500_000_000,
) -> CensusImport:
    """The census in an uploaded file; raises CensusRejected, with the report so far, when no employee
    can be read from it.

    The report says how the file was read (format, encoding, delimiter, sheet, columns as
    {source header: census column}), counts the data rows (rows_read = rows_accepted + rows_rejected +
    duplicates; blank rows count nowhere), lists the first problem cells of rejected rows as
    {row, column, value, reason} with row the number a person sees (header = 1 when it is the first
    row), counts problems by reason, lists dropped duplicates as {employee_id, row, kept_row}, and
    carries warnings."""
    table_file = open_table_file(data, filename, max_expanded_bytes)
    report: dict[str, Any] = {
        "format": table_file.format,
        "encoding": table_file.encoding,
        "delimiter": table_file.delimiter,
        "sheet": None,
        "columns": {},
        "rows_read": 0,
        "rows_accepted": 0,
        "rows_rejected": 0,
        "duplicates": 0,
        "rejected_rows": [],
        "rejected_by_reason": {},
        "duplicate_ids": [],
        "warnings": list(table_file.warnings),
    }
    report["sheet"], grid, header_index = _choose_table(table_file, sheet, report)
    if header_index:
        report["warnings"].append(
            f"{_counted(header_index, 'row')} above the header (row {grid.row_numbers[header_index]}) ignored"
        )
    positions = _map_columns(grid.rows[header_index], report)
    rows = len(grid.rows) - header_index - 1
    texts = {canonical: grid_column(grid, j, header_index + 1) for canonical, j in positions.items()}
    census = _validate(texts, rows, np.asarray(grid.row_numbers[header_index + 1 :]), report)
    if not len(census):
        if not rows:
            message = f"no usable row: nothing below the header on row {grid.row_numbers[header_index]}"
        else:
            message = f"no usable row: {_counted(report['rows_rejected'], 'row')} rejected"
        raise CensusRejected(message, report)
    return CensusImport(census, report)


def normalize_header(header: str) -> str:
    """A header as matched: lower case, every run of other characters one `_` (" Emp ID#" -> emp_id)."""
    return re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")


def canonical_column(header: str) -> str | None:
    """The census column a header means (`Date of Birth` -> employee_birth_date), None when unknown."""
    return _CANONICAL.get(normalize_header(header))


def parse_number(values: Sequence[str] | pa.Array) -> np.ndarray:
    """Amounts as people type them: "85000", "85,000.00", "$85,000", "(1,000)" is -1000; NaN otherwise."""
    text = _trimmed(values)
    negative = _numpy(pc.match_substring_regex(text, r"^\(.*\)$"))
    text = pc.replace_substring_regex(text, r"^\((.*)\)$", r"\1")
    text = pc.replace_substring_regex(text, r"[$€£\s\x{00A0}\x{202F}]", "")
    # Commas go only where they group thousands: "85.000,00" must not silently become 85.
    thousands = pc.match_substring_regex(text, _THOUSANDS)
    text = pc.if_else(thousands, pc.replace_substring(text, ",", ""), text)
    numbers = _floats(text)
    return np.where(negative, -numbers, numbers)


def parse_rate(values: Sequence[str] | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Rates as fractions ("6%", "6" and "0.06" are all 0.06) with NaN where the text is no number,
    and the mask of plain values above 1 that were read as percent."""
    text = _trimmed(values)
    percent_sign = _numpy(pc.ends_with(text, "%"))
    numbers = _floats(pc.utf8_rtrim_whitespace(pc.replace_substring_regex(text, "%$", "")))
    read_as_percent = ~percent_sign & (numbers > 1)
    return np.where(percent_sign | read_as_percent, numbers / 100, numbers), read_as_percent


def parse_dates(values: Sequence[str] | pa.Array) -> np.ndarray:
    """Dates as datetime64[D]: ISO (a time part allowed), US M/D/YYYY and M/D/YY, YYYYMMDD, Excel
    serial numbers and month names (31-Jan-2020); NaT where the text is none of them or not in 1900-2100."""
    text = _trimmed(values)
    dates = np.full(len(text), _NAT)
    # Most exports write YYYY-MM-DD: those cells are read from their bytes, the rest by pattern.
    plain = _plain_iso_cells(text)
    if plain.any():
        dates[plain] = _plain_iso_dates(text.filter(pa.array(plain)))
    rest = np.flatnonzero(~plain & _numpy(pc.not_equal(text, "")))
    if len(rest):
        dates[rest] = _dates_by_pattern(text.take(pa.array(rest)))
    return np.where((dates >= _EARLIEST_DATE) & (dates <= _LATEST_DATE), dates, _NAT)


def _plain_iso_cells(text: pa.Array) -> np.ndarray:
    """Which cells are exactly YYYY-MM-DD: ten ASCII bytes, digits but two dashes."""
    plain = _numpy(pc.equal(pc.binary_length(text), _PLAIN_ISO_LENGTH))
    if plain.any():
        cells = _plain_iso_bytes(text.filter(pa.array(plain)))
        digits = (cells >= ord("0")) & (cells <= ord("9"))
        dashes = cells == ord("-")
        plain[plain] = digits[:, _PLAIN_ISO_DIGITS].all(axis=1) & dashes[:, _PLAIN_ISO_DASHES].all(axis=1)
    return plain


def _plain_iso_bytes(cells: pa.Array) -> np.ndarray:
    """The bytes of string cells all _PLAIN_ISO_LENGTH long, a row each."""
    cells = cells.cast(pa.string())  # int32 offsets (a large_string column has int64 ones)
    first = int(np.frombuffer(cells.buffers()[1], dtype=np.int32)[cells.offset])
    data = np.frombuffer(cells.buffers()[2], dtype=np.uint8)
    return data[first : first + len(cells) * _PLAIN_ISO_LENGTH].reshape(len(cells), _PLAIN_ISO_LENGTH)


def _plain_iso_dates(cells: pa.Array) -> np.ndarray:
    """datetime64[D] of cells that _plain_iso_cells found plain (NaT where no such day)."""
    digits = _plain_iso_bytes(cells).astype(np.int64) - ord("0")
    years = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    return _calendar_dates(years, digits[:, 5] * 10 + digits[:, 6], digits[:, 8] * 10 + digits[:, 9])


def _dates_by_pattern(text: pa.Array) -> np.ndarray:
    """datetime64[D] of non-blank cells in any of parse_dates's forms, NaT where none."""
    dates = np.full(len(text), _NAT)
    unread = np.ones(len(text), dtype=bool)
    for pattern in (_ISO_DATE, _US_DATE, _COMPACT_DATE):
        parts = pc.extract_regex(text, pattern)
        matched = _numpy(parts.is_valid()) & unread
        if matched.any():
            found = parts.filter(pa.array(matched))
            years = _integers(found.field("year"))
            two_digit = _numpy(pc.equal(pc.utf8_length(found.field("year")), 2))
            years = np.where(two_digit, years + np.where(years < _TWO_DIGIT_YEAR_PIVOT, 2000, 1900), years)
            dates[matched] = _calendar_dates(
                years, _integers(found.field("month")), _integers(found.field("day"))
            )
            unread &= ~matched
    serial = unread & _numpy(pc.match_substring_regex(text, _EXCEL_SERIAL))
    if serial.any():
        dates[serial] = _excel_dates(_floats(text.filter(pa.array(serial))))
        unread &= ~serial
    # Month names are rare in exports: those cells are parsed one distinct value at a time.
    named = unread & _numpy(pc.match_substring_regex(text, _MONTH_NAME, ignore_case=True))
    if named.any():
        cells = text.filter(pa.array(named)).to_pylist()
        parsed = {cell: _date_with_month_name(cell) for cell in set(cells)}
        dates[named] = [parsed[cell] for cell in cells]
    return dates


def parse_bools(
    values: Sequence[str] | pa.Array, *, status_words: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(value, recognized) of each yes/no cell: true/false, yes/no, y/n, t/f, 1/0 in any case, and with
    `status_words` also active and terminated/inactive."""
    words = pc.utf8_lower(_trimmed(values))
    true_words = _TRUE_WORDS + (_ACTIVE_WORDS if status_words else ())
    false_words = _FALSE_WORDS + (_INACTIVE_WORDS if status_words else ())
    is_true = _numpy(pc.is_in(words, value_set=pa.array(true_words)))
    is_false = _numpy(pc.is_in(words, value_set=pa.array(false_words)))
    return is_true, is_true | is_false


def _choose_table(
    table_file: TableFile, sheet: str | None, report: dict[str, Any]
) -> tuple[str | None, Grid, int]:
    """The sheet to read, its cells and the index of its header row.

    Without a named sheet a workbook is read from its first sheet that has every required column, so
    a leading sheet of instructions or notes does not fail the import."""
    names = table_file.sheet_names
    if not names:
        if sheet is not None:
            report["warnings"].append(f"sheet {sheet!r} ignored: a {table_file.format} file has no sheets")
        grid = table_file.read("")
        return None, grid, _find_header(grid, report)
    if sheet is not None:
        if sheet not in names:
            raise CensusRejected(f"no sheet named {sheet!r} (sheets: {', '.join(names)})", report)
        grid = table_file.read(sheet)
        return sheet, grid, _find_header(grid, report)
    first_grid = table_file.read(names[0])
    for name in names:
        grid = first_grid if name == names[0] else table_file.read(name)
        if not grid.rows:
            continue
        header_index = _find_header(grid, report)
        if set(REQUIRED_COLUMNS) <= {canonical_column(cell) for cell in grid.rows[header_index]}:
            if name != names[0]:
                report["warnings"].append(f"read sheet {name!r}: the sheets before it hold no census header")
            return name, grid, header_index
    return names[0], first_grid, _find_header(first_grid, report)


def _find_header(grid: Grid, report: dict[str, Any]) -> int:
    if not grid.rows:
        raise CensusRejected("no rows: the file holds no table", report)
    return header_index(grid)


def header_index(grid: Grid) -> int:
    """The row among the first few of a non-empty grid that names the most census columns (the first
    row when none does)."""
    counts = [
        len({canonical_column(cell) for cell in row} - {None}) for row in grid.rows[:_HEADER_SEARCH_ROWS]
    ]
    return counts.index(max(counts))


def _map_columns(header: Sequence[str], report: dict[str, Any]) -> dict[str, int]:
    """The position of each census column in the header; rejects ambiguous and missing columns."""
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for position, cell in enumerate(header):
        canonical = canonical_column(cell)
        if canonical is None:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        if canonical in positions:
            first = positions[canonical]
            raise CensusRejected(
                f"ambiguous columns {header[first].strip()!r} (column {first + 1}) and {cell.strip()!r} "
                f"(column {position + 1}) both mean {canonical}",
                report,
            )
        positions[canonical] = position
        report["columns"][cell.strip()] = canonical
    missing = [canonical for canonical in REQUIRED_COLUMNS if canonical not in positions]
    if missing:
        seen = ", ".join(cell.strip() for cell in header if cell.strip())
        plural = "s" if len(missing) > 1 else ""
        raise CensusRejected(
            f"missing required column{plural} {', '.join(missing)} (headers: {seen})", report
        )
    if ignored:
        report["warnings"].append(f"unknown columns ignored: {', '.join(ignored)}")
    return positions


def _validate(
    texts: dict[str, pa.Array], count: int, row_numbers: np.ndarray, report: dict[str, Any]
) -> Census:
    """The valid rows of the table as a Census, with every rejected row and duplicate in `report`."""
    problems: list[tuple[str, str, np.ndarray]] = []

    def reject(column: str, reason: str, mask: np.ndarray) -> None:
        if mask.any():
            problems.append((column, reason, mask))

    def blank(column: str) -> np.ndarray:
        if column not in texts:
            return np.ones(count, dtype=bool)
        return _numpy(pc.equal(_trimmed(texts[column]), ""))

    def dates(column: str, *, required: bool) -> np.ndarray:
        if column not in texts:
            return np.full(count, _NAT)
        parsed = parse_dates(texts[column])
        missing = blank(column)
        if required:
            reject(column, "blank", missing)
        reject(column, "not a date", np.isnat(parsed) & ~missing)
        return parsed

    def flags(column: str, *, required: bool = False) -> np.ndarray:
        if column not in texts:
            return np.zeros(count, dtype=bool)
        values, recognized = parse_bools(texts[column], status_words=column == "active")
        missing = blank(column)
        if required:
            reject(column, "blank", missing)
        reject(column, "not a boolean", ~recognized & ~missing)
        return values

    employee_id = np.asarray(_trimmed(texts["employee_id"]).to_numpy(zero_copy_only=False), dtype=np.str_)
    reject("employee_id", "blank", employee_id == "")
    birth_date = dates("employee_birth_date", required=True)
    hire_date = dates("employee_hire_date", required=True)
    reject("employee_birth_date", "birth date after hire date", birth_date > hire_date)
    compensation = parse_number(texts["employee_gross_compensation"])
    compensation_blank = blank("employee_gross_compensation")
    reject("employee_gross_compensation", "blank", compensation_blank)
    reject("employee_gross_compensation", "not a number", np.isnan(compensation) & ~compensation_blank)
    reject("employee_gross_compensation", "not above 0", compensation <= 0)
    active = flags("active", required=True)
    termination_date = dates("employee_termination_date", required=False)
    deferral_rate = _deferral_rates(texts.get("employee_deferral_rate"), count, reject, report)
    hours = _hours(texts.get("scheduled_hours_per_week"), count, reject)
    opt_out = flags("auto_escalation_opt_out")
    eligibility_override = flags("eligibility_override")

    rejected = np.zeros(count, dtype=bool)
    for _, _, mask in problems:
        rejected |= mask
    kept, dropped, kept_for_dropped = _resolve_duplicates(employee_id, hire_date, np.flatnonzero(~rejected))
    _report_rows(texts, row_numbers, problems, rejected, report)
    report["rows_read"] = count
    report["rows_accepted"] = len(kept)
    report["duplicates"] = len(dropped)
    report["duplicate_ids"] = [
        {"employee_id": str(employee_id[i]), "row": int(row_numbers[i]), "kept_row": int(row_numbers[k])}
        for i, k in zip(dropped[:MAX_REPORTED], kept_for_dropped[:MAX_REPORTED], strict=True)
    ]
    if len(dropped):
        report["warnings"].append(
            f"{_counted(len(dropped), 'row')} dropped as duplicate ids (kept the latest hire date)"
        )
    return Census(
        employee_id=employee_id[kept],
        birth_date=birth_date[kept],
        hire_date=hire_date[kept],
        termination_date=termination_date[kept],
        gross_compensation=compensation[kept],
        active=active[kept],
        deferral_rate=deferral_rate[kept],
        scheduled_hours_per_week=hours[kept],
        auto_escalation_opt_out=opt_out[kept],
        eligibility_override=eligibility_override[kept],
    )


def _deferral_rates(text: pa.Array | None, count: int, reject: _Reject, report: dict[str, Any]) -> np.ndarray:
    """Deferral rates as fractions (blank = 0, not enrolled), capped at MAX_DEFERRAL_RATE with a warning."""
    if text is None:
        return np.zeros(count)
    column = "employee_deferral_rate"
    rates, read_as_percent = parse_rate(text)
    missing = _numpy(pc.equal(_trimmed(text), ""))
    reject(column, "not a number", np.isnan(rates) & ~missing)
    reject(column, "below 0", rates < 0)
    if read_as_percent.any():
        report["warnings"].append(
            f"{column}: {_counted(read_as_percent.sum(), 'value')} above 1 read as percent"
        )
    capped = rates > MAX_DEFERRAL_RATE
    if capped.any():
        report["warnings"].append(
            f"{column}: {_counted(capped.sum(), 'value')} above {MAX_DEFERRAL_RATE} capped"
        )
    return np.where(missing, 0.0, np.minimum(rates, MAX_DEFERRAL_RATE))


def _hours(text: pa.Array | None, count: int, reject: _Reject) -> np.ndarray:
    """Scheduled hours per week; a blank cell or no column means DEFAULT_HOURS_PER_WEEK."""
    if text is None:
        return np.full(count, DEFAULT_HOURS_PER_WEEK)
    column = "scheduled_hours_per_week"
    hours = parse_number(text)
    missing = _numpy(pc.equal(_trimmed(text), ""))
    reject(column, "not a number", np.isnan(hours) & ~missing)
    reject(column, f"not between 0 and {MAX_HOURS_PER_WEEK:g}", (hours <= 0) | (hours > MAX_HOURS_PER_WEEK))
    return np.where(missing, DEFAULT_HOURS_PER_WEEK, hours)


def _resolve_duplicates(
    employee_id: np.ndarray, hire_date: np.ndarray, candidates: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kept rows in file order, dropped rows in file order, the kept row of each dropped one): of the
    rows sharing an id the one with the latest hire date is kept, on a tie the later row."""
    _, codes = np.unique(employee_id[candidates], return_inverse=True)
    order = np.lexsort((candidates, hire_date[candidates], codes))
    rows, codes = candidates[order], codes[order]
    last_of_id = np.ones(len(rows), dtype=bool)
    last_of_id[:-1] = codes[1:] != codes[:-1]
    group_ends = np.flatnonzero(last_of_id)
    dropped_positions = np.flatnonzero(~last_of_id)
    kept_for = rows[group_ends[np.searchsorted(group_ends, dropped_positions)]]
    by_row = np.argsort(rows[dropped_positions], kind="stable")
    return np.sort(rows[last_of_id]), rows[dropped_positions][by_row], kept_for[by_row]


def _report_rows(
    texts: dict[str, pa.Array],
    row_numbers: np.ndarray,
    problems: list[tuple[str, str, np.ndarray]],
    rejected: np.ndarray,
    report: dict[str, Any],
) -> None:
    """Fills the rejected rows of `report`: each problem cell of the first ones, and counts by reason."""
    by_reason: Counter[str] = Counter()
    rows, ranks, which = [], [], []
    for k, (column, reason, mask) in enumerate(problems):
        found = np.flatnonzero(mask)
        by_reason[reason] += len(found)
        rows.append(found)
        ranks.append(np.full(len(found), _COLUMN_RANK[column]))
        which.append(np.full(len(found), k))
    entries: list[dict[str, Any]] = []
    if problems:
        row_index, rank, problem = np.concatenate(rows), np.concatenate(ranks), np.concatenate(which)
        for i in np.lexsort((problem, rank, row_index))[:MAX_REPORTED]:
            column, reason, _ = problems[problem[i]]
            entries.append(
                {
                    "row": int(row_numbers[row_index[i]]),
                    "column": column,
                    "value": texts[column][int(row_index[i])].as_py(),
                    "reason": reason,
                }
            )
    report["rows_rejected"] = int(rejected.sum())
    report["rejected_rows"] = entries
    report["rejected_by_reason"] = dict(by_reason)
    if report["rows_rejected"]:
        report["warnings"].append(f"{_counted(report['rows_rejected'], 'row')} rejected (see rejected_rows)")


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _trimmed(values: Sequence[str] | pa.Array) -> pa.Array:
    array = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    return pc.utf8_trim_whitespace(array.fill_null(""))


def _numpy(mask: pa.Array) -> np.ndarray:
    return np.asarray(mask.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _integers(text: pa.Array) -> np.ndarray:
    return np.asarray(pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _floats(text: pa.Array) -> np.ndarray:
    """float64 of plain decimal text, NaN where the text is not one."""
    valid = pc.match_substring_regex(text, _NUMBER)
    numbers = pc.cast(pc.if_else(valid, text, pa.scalar(None, pa.string())), pa.float64())
    return np.asarray(numbers.to_numpy(zero_copy_only=False), dtype=np.float64)


def _calendar_dates(years: np.ndarray, months: np.ndarray, days: np.ndarray) -> np.ndarray:
    """datetime64[D] of year, month and day numbers; NaT where there is no such day (2021-02-30)."""
    month_starts = ((years - 1970) * 12 + np.clip(months, 1, 12) - 1).astype("datetime64[M]")
    dates = month_starts.astype("datetime64[D]") + (np.clip(days, 1, 31) - 1)
    valid = (months >= 1) & (months <= 12) & (days >= 1) & (dates.astype("datetime64[M]") == month_starts)
    return np.where(valid, dates, _NAT)


def _excel_dates(serials: np.ndarray) -> np.ndarray:
    """datetime64[D] of Excel 1900-system serial day numbers (the time of day is dropped)."""
    whole = np.floor(serials).astype(np.int64)
    # Excel counts 1900 as a leap year: serial 60 is a 29 February that never was, and from 61 on
    # day 0 is 1899-12-30 instead of 1899-12-31.
    epoch = np.where(whole >= 61, np.datetime64("1899-12-30"), np.datetime64("1899-12-31"))
    return np.where((whole >= 1) & (whole != 60), epoch + whole, _NAT)


def _date_with_month_name(text: str) -> np.datetime64:
    for date_format in _MONTH_NAME_FORMATS:
        try:
            parsed = datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
        if "%y" in date_format and parsed.year >= 2000 + _TWO_DIGIT_YEAR_PIVOT:
            parsed = parsed.replace(year=parsed.year - 100)
        return np.datetime64(parsed, "D")
    return _NAT
