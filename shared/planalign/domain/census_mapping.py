"""The Studio's import wizard on top of our census reader: the table of an uploaded file as text cells
(the reader's formats, encodings and header search), the columns it detects, mapping suggestions from
the reader's column aliases, and a saved mapping applied to the rows, ready for the reader to import."""

import ast
import csv
import datetime
import hashlib
import io
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planalign.domain.census_formats import Grid, open_table_file
from planalign.domain.census_reader import (
    ALIASES,
    REQUIRED_COLUMNS,
    canonical_column,
    header_index,
    normalize_header,
    parse_bools,
    parse_dates,
    parse_number,
)
from planalign.errors import CensusRejected, InvalidRequest

PREVIEW_ROWS = 100
SAMPLE_VALUES = 5
MAX_SAMPLE_CHARS = 200
TYPE_SAMPLE = 20  # values a decimal column is told from an integer one by (the reference's rule)
# The reference's date formats, most unambiguous first; the Studio turns a detected one into a
# date_parse transform.
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d/%m/%Y", "%m-%d-%Y", "%d-%m-%Y", "%Y%m%d")
_CURRENCY = re.compile(r"[$€£,\s]")
_PARENTHESES = re.compile(r"^\((.+)\)$")
OUTLIER_LOW, OUTLIER_HIGH = 1_000, 10_000_000

# The census columns a mapping may name: what our reader imports, with the Studio's field types.
FIELD_TYPES = {
    "employee_id": "string",
    "employee_birth_date": "date",
    "employee_hire_date": "date",
    "employee_gross_compensation": "decimal",
    "active": "boolean",
    "employee_termination_date": "date",
    "employee_deferral_rate": "decimal",
    "scheduled_hours_per_week": "decimal",
    "auto_escalation_opt_out": "boolean",
    "eligibility_override": "boolean",
}
FIELD_DESCRIPTIONS = {
    "employee_id": "Unique employee identifier; a duplicate keeps the row with the latest hire date",
    "employee_birth_date": "Date of birth: ages, age bands, catch-up eligibility",
    "employee_hire_date": "Original hire date: service, plan eligibility, new-hire status",
    "employee_gross_compensation": "Annual pay rate (not prorated): raises, deferrals, match and core",
    "active": "Whether the employee is employed (true/false, yes/no, active/terminated)",
    "employee_termination_date": "Termination date of a separated employee; blank when active",
    "employee_deferral_rate": "Current deferral rate (6%, 6 or 0.06); blank or 0 is not enrolled",
    "scheduled_hours_per_week": "Scheduled weekly hours (40 when absent): part-time status, 1,000-hour rules",
    "auto_escalation_opt_out": "Whether the employee opted out of automatic deferral increases",
    "eligibility_override": "Whether the employee is eligible for the plan whatever its rules say",
}


@dataclass(frozen=True)
class SourceTable:
    """An uploaded table as text: its header (duplicate names made unique) and its data rows, each
    with the row number a person sees in the file."""

    format: str  # csv, xlsx, xls, ods, parquet
    encoding: str | None
    sheet: str | None  # the sheet read (None: the first one, or a format without sheets)
    sheets: tuple[str, ...]
    header_row: int
    columns: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    renames: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def source_format(self) -> str:
        """What the Studio's session says: "xlsx" for any workbook (it has sheets), else "csv"."""
        return "xlsx" if self.sheets else "csv"


def read_source(
    data: bytes, filename: str, sheet: str | None = None, *, max_expanded_bytes: int = 500_000_000
) -> SourceTable:
    """The table of an upload, read as our census reader reads files (format by content, encoding,
    delimiter, the header under title rows); of a workbook, the sheet `sheet` names, else the first
    with a row under its header (a sheet of notes before the data is passed over)."""
    table_file = open_table_file(data, filename, max_expanded_bytes)
    names = table_file.sheet_names
    if sheet is not None and sheet not in names:
        raise InvalidRequest(f"Sheet {sheet!r} not found in {list(names)}")
    if sheet is not None or not names:
        grid: Grid = table_file.read(sheet or "")
    else:
        grids = (table_file.read(name) for name in names)
        grid = next((g for g in grids if len(g.rows) > 1), None) or table_file.read(names[0])
    if not grid.rows:
        raise CensusRejected("no rows: the file holds no table")
    top = header_index(grid)
    header = [cell.strip() for cell in grid.rows[top]]
    columns, renames = _unique_columns(header)
    rows = [_fit(row, len(columns)) for row in grid.rows[top + 1 :]]
    if not rows:
        raise CensusRejected("File has 0 data rows")
    warnings = list(table_file.warnings)
    if top:
        warnings.append(f"{top} row(s) above the header (row {grid.row_numbers[top]}) ignored")
    return SourceTable(
        format=table_file.format,
        encoding=table_file.encoding,
        sheet=sheet,
        sheets=names,
        header_row=grid.row_numbers[top],
        columns=columns,
        rows=rows,
        row_numbers=list(grid.row_numbers[top + 1 :]),  # a CSV grid numbers its rows with a range
        renames=renames,
        warnings=warnings,
    )


def _unique_columns(header: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    """Names for every column: a blank header is `column_{n}`, a repeated one `{name}_{k}` (the
    reference renames duplicates the same way)."""
    seen: dict[str, int] = {}
    columns: list[str] = []
    renames: list[dict[str, str]] = []
    for position, name in enumerate(header, 1):
        name = name or f"column_{position}"
        if name in seen:
            seen[name] += 1
            renamed = f"{name}_{seen[name]}"
            renames.append({"original": name, "renamed": renamed})
            name = renamed
        else:
            seen[name] = 0
        columns.append(name)
    return columns, renames


def _fit(row: Sequence[str], width: int) -> list[str]:
    cells = [cell.strip() for cell in row[:width]]
    return cells + [""] * (width - len(cells))


def detect_columns(table: SourceTable) -> list[dict[str, Any]]:
    """The Studio's DetectedColumn of each column: its name, the type its values suggest (integer,
    decimal, date, boolean, string; unknown when blank), its count of blank cells and up to 5 values."""
    detected = []
    for index, name in enumerate(table.columns):
        values = [row[index] for row in table.rows if row[index]]
        detected.append(
            {
                "name": name,
                "inferred_type": _inferred_type(values, name),
                "null_count": len(table.rows) - len(values),
                "sample_values": [value[:MAX_SAMPLE_CHARS] for value in values[:SAMPLE_VALUES]],
            }
        )
    return detected


def _inferred_type(values: list[str], name: str) -> str:
    if not values:
        return "unknown"
    if not np.isnan(parse_number(values)).any():
        return "decimal" if all("." in value for value in values[:TYPE_SAMPLE]) else "integer"
    if not np.isnat(parse_dates(values)).any():
        return "date"
    _, recognized = parse_bools(values, status_words=canonical_column(name) == "active")
    return "boolean" if recognized.all() else "string"


def preview_rows(table: SourceTable, limit: int = PREVIEW_ROWS) -> list[dict[str, str | None]]:
    return [
        {name: (cell or None) for name, cell in zip(table.columns, row, strict=True)}
        for row in table.rows[:limit]
    ]


# --------------------------------------------------------------------------------------- suggestions


def canonical_schema() -> list[dict[str, Any]]:
    """The census fields a mapping may name (the Studio's `canonical_schema`)."""
    return [
        {
            "field_name": name,
            "required": name in REQUIRED_COLUMNS,
            "data_type": FIELD_TYPES[name],
            "description": FIELD_DESCRIPTIONS[name],
        }
        for name in ALIASES
    ]


def suggest(columns: list[dict[str, Any]], prior: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """A suggestion per column from our reader's aliases (the header itself is the field: `name_match`;
    one of its other names: `alias_match`), the first column claiming a field keeping it; a mapping
    this workspace generated from the same headers before wins (`prior_mapping`)."""
    claimed: set[str] = set()
    suggestions = []
    for column in columns:
        name = column["name"]
        field_name = canonical_column(name)
        suggestion: dict[str, Any] = {
            "input_column": name,
            "suggested_canonical_field": None,
            "confidence": "low",
            "confidence_score": 0.0,
            "reason": "no_match",
            "format_detection": None,
        }
        if prior and name in prior:
            suggestion.update(
                suggested_canonical_field=prior[name],
                confidence="high",
                confidence_score=1.0,
                reason="prior_mapping",
            )
        elif field_name is not None and field_name not in claimed:
            exact = normalize_header(name) == field_name
            suggestion.update(
                suggested_canonical_field=field_name,
                confidence="high",
                confidence_score=1.0,
                reason="name_match" if exact else "alias_match",
            )
        chosen = suggestion["suggested_canonical_field"]
        if chosen in FIELD_TYPES:
            claimed.add(chosen)
            suggestion["format_detection"] = detect_format(column["sample_values"], chosen)
        suggestions.append(suggestion)
    return suggestions


def detect_format(samples: list[str], field_name: str) -> dict[str, Any] | None:
    """How the values of a date, money or yes/no field are written, for the Studio's hint panel."""
    samples = [value for value in samples if value.strip()][:20]
    kind = FIELD_TYPES[field_name]
    if not samples:
        return None
    if kind == "date":
        return _date_format(samples)
    if kind == "decimal":
        return _currency_format(samples)
    if kind == "boolean":
        return _boolean_format(samples, status_words=field_name == "active")
    return None


def _date_format(samples: list[str]) -> dict[str, Any] | None:
    results = []
    for date_format in DATE_FORMATS:
        parsed = [day for day in (_strptime(value, date_format) for value in samples) if day is not None]
        if parsed:
            results.append((date_format, len(parsed), [day.isoformat() for day in parsed[:3]]))
    if not results:
        return None
    best_count = max(count for _, count, _ in results)
    best = [result for result in results if result[1] == best_count]
    if len(best) == 1:
        return _detection(best[0][0], best[0][2])
    return {**_detection(None, best[0][2]), "is_ambiguous": True, "format_options": [r[0] for r in best]}


def _currency_format(samples: list[str]) -> dict[str, Any] | None:
    if not any(_CURRENCY.search(value) or _PARENTHESES.match(value) for value in samples):
        return None
    stripped = []
    for value in samples[:3]:
        cleaned = _CURRENCY.sub("", value)
        negative = _PARENTHESES.match(cleaned)
        stripped.append(f"-{negative.group(1)}" if negative else cleaned)
    return _detection("currency_string", stripped)


def _boolean_format(samples: list[str], *, status_words: bool) -> dict[str, Any] | None:
    """Yes/no words as our reader reads them (the panel promises nothing the import would refuse)."""
    values, recognized = parse_bools(samples, status_words=status_words)
    if recognized.mean() < 0.95:
        return None
    words = [value.strip().lower() for value in samples]
    truthy = sorted({w for w, v, r in zip(words, values, recognized, strict=True) if r and v})
    falsy = sorted({w for w, v, r in zip(words, values, recognized, strict=True) if r and not v})
    shown = ", ".join(f"{w} → true" for w in truthy) + "; " + ", ".join(f"{w} → false" for w in falsy)
    return _detection("boolean_alias", [shown])


def _detection(detected: str | None, samples: list[str]) -> dict[str, Any]:
    return {
        "detected_format": detected,
        "parsed_sample_values": samples,
        "is_ambiguous": False,
        "format_options": None,
    }


def data_quality(
    columns: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    row_count: int,
    suggestions: list[dict[str, Any]],
) -> dict[str, Any]:
    """What the Studio warns of before generating: duplicate ids and pay below 1,000 or above 10
    million among the preview rows, and blank cells of required fields in the whole file (every row,
    for a required field no column is suggested for)."""
    column_of = {
        s["suggested_canonical_field"]: s["input_column"]
        for s in suggestions
        if s["suggested_canonical_field"]
    }
    nulls = {column["name"]: column["null_count"] for column in columns}
    duplicates = 0
    if "employee_id" in column_of:
        ids = [row.get(column_of["employee_id"]) for row in rows if row.get(column_of["employee_id"])]
        duplicates = len({value for value in ids if ids.count(value) > 1})
    missing = {}
    for required in REQUIRED_COLUMNS:
        count = nulls.get(column_of[required], 0) if required in column_of else row_count
        if count:
            missing[required] = count
    outliers = 0
    if "employee_gross_compensation" in column_of:
        pay = [row.get(column_of["employee_gross_compensation"]) for row in rows]
        numbers = parse_number([value for value in pay if value is not None])
        outliers = int(((numbers < OUTLIER_LOW) | (numbers > OUTLIER_HIGH)).sum())
    return {
        "duplicate_employee_id_count": duplicates,
        "null_required_field_counts": missing,
        "compensation_outlier_count": outliers,
    }


def headers_fingerprint(columns: list[str]) -> str:
    """The same headers in any order give the same fingerprint (a repeated upload's prior mapping)."""
    return hashlib.sha256(",".join(sorted(columns)).encode()).hexdigest()


# --------------------------------------------------------------------------------------- mappings


def mapping_errors(mappings: list[dict[str, Any]], columns: list[str]) -> list[dict[str, str]]:
    """The Studio's MappingValidationError of each mapping that names a column the file lacks, a field
    our census does not have, or a field another mapping took already."""
    errors = []
    taken: set[str] = set()
    valid = ", ".join(sorted(FIELD_TYPES))
    for mapping in mappings:
        if mapping.get("is_excluded"):
            continue
        source, target = mapping["input_column"], mapping["output_column"]
        if source not in columns:
            errors.append(_error("input_column", source, f"Column {source!r} not found in detected columns"))
        if target not in FIELD_TYPES:
            errors.append(
                _error(
                    "output_column",
                    source,
                    f"Output column {target!r} is not a recognized census field. Valid fields: {valid}",
                )
            )
        if target in taken:
            errors.append(_error("output_column", source, f"Duplicate output column name {target!r}"))
        taken.add(target)
    return errors


def _error(field_name: str, column: str, message: str) -> dict[str, str]:
    return {"field": field_name, "input_column": column, "message": message}


@dataclass(frozen=True)
class MappedTable:
    """The rows under the census's own column names, each with its row number in the source; rows a
    `null_drop` dropped are gone."""

    columns: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    warnings: list[dict[str, Any]]


def apply_mapping(
    table: SourceTable, mappings: list[dict[str, Any]], limit: int | None = None
) -> MappedTable:
    """Each kept mapping's column, transformed in order (`string_case`, `date_parse` with a strptime
    format to ISO dates, `null_replace`, `null_drop`, `calculated_field` on the row's columns)."""
    rows = table.rows if limit is None else table.rows[:limit]
    numbers = table.row_numbers[: len(rows)]
    kept = [m for m in mappings if not m.get("is_excluded") and m["input_column"] in table.columns]
    position = {name: i for i, name in enumerate(table.columns)}
    columns: list[list[str]] = []
    drop = [False] * len(rows)
    warnings = []
    for mapping in kept:
        values = [row[position[mapping["input_column"]]] for row in rows]
        for transform in mapping.get("transformations") or []:
            kind, params = transform["transform_type"], transform.get("params") or {}
            if kind == "null_drop":
                blank = [not value for value in values]
                drop = [d or b for d, b in zip(drop, blank, strict=True)]
                if any(blank):
                    warnings.append(
                        _warning(mapping, sum(blank), f"{sum(blank)} null row(s) will be dropped")
                    )
            elif kind == "date_parse":
                values, failed = _parse_dates(values, params.get("format"))
                if failed:
                    message = f"{failed} value(s) could not be parsed as date with format {params.get('format')!r}; will be null"
                    warnings.append(_warning(mapping, failed, message))
            elif kind == "calculated_field":
                values = _calculate(params.get("expression", ""), table.columns, rows)
            else:
                values = _transform(values, kind, params)
        columns.append(values)
    kept_rows = [i for i in range(len(rows)) if not drop[i]]
    return MappedTable(
        columns=[m["output_column"] for m in kept],
        rows=[[column[i] for column in columns] for i in kept_rows],
        row_numbers=[numbers[i] for i in kept_rows],
        warnings=warnings,
    )


def _warning(mapping: dict[str, Any], rows: int, message: str) -> dict[str, Any]:
    return {"input_column": mapping["input_column"], "rows_affected": rows, "message": message}


def _transform(values: list[str], kind: str, params: dict[str, Any]) -> list[str]:
    if kind == "string_case":
        case: Callable[[str], str] = {"upper": str.upper, "lower": str.lower, "title": str.title}.get(
            str(params.get("case", "lower")), str
        )
        return [case(value) for value in values]
    if kind == "null_replace":
        replacement = "" if params.get("value") is None else str(params["value"])
        return [value or replacement for value in values]
    return values  # rename


def _parse_dates(values: list[str], date_format: Any) -> tuple[list[str], int]:
    """ISO dates of the values (with a strptime format, else as our reader reads dates); blank where
    a value is not one, and how many were not."""
    if date_format:
        days = [_strptime(value, str(date_format)) if value else None for value in values]
        parsed = [day.isoformat() if day else "" for day in days]
    else:
        read = parse_dates(values)
        parsed = ["" if np.isnat(day) else str(day) for day in read]
    failed = sum(1 for value, day in zip(values, parsed, strict=True) if value and not day)
    return parsed, failed


def _strptime(value: str, date_format: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(value.strip(), date_format).date()
    except ValueError:
        return None


# A calculated field is arithmetic on the row's columns: names, numbers, quoted text, + - * / and
# parentheses. `+` joins text unless both sides are numbers. Nothing else is evaluated.
_OPERATORS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _calculate(expression: str, columns: list[str], rows: list[list[str]]) -> list[str]:
    try:
        tree = ast.parse(expression, mode="eval").body
    except SyntaxError as error:
        raise InvalidRequest(
            f"calculated_field: {expression!r} is not an expression ({error.msg})"
        ) from error
    _check_expression(tree, set(columns))
    position = {name: i for i, name in enumerate(columns)}
    return [_text(_evaluate(tree, row, position)) for row in rows]


def _check_expression(node: ast.expr, columns: set[str]) -> None:
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        _check_expression(node.left, columns)
        _check_expression(node.right, columns)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check_expression(node.operand, columns)
    elif isinstance(node, ast.Name):
        if node.id not in columns:
            raise InvalidRequest(f"calculated_field: no column named {node.id!r}")
    elif not (isinstance(node, ast.Constant) and isinstance(node.value, str | int | float)):
        raise InvalidRequest(
            "calculated_field: only column names, numbers, quoted text, + - * / and parentheses are allowed"
        )


def _evaluate(node: ast.expr, row: list[str], position: dict[str, int]) -> str | float:
    if isinstance(node, ast.Constant):
        value = node.value
        return value if isinstance(value, str) else float(value)  # type: ignore[arg-type]  # checked above
    if isinstance(node, ast.Name):
        return row[position[node.id]]
    if isinstance(node, ast.UnaryOp):
        operand = _number(_evaluate(node.operand, row, position))
        return -operand if isinstance(node.op, ast.USub) else operand
    assert isinstance(node, ast.BinOp)
    left, right = _evaluate(node.left, row, position), _evaluate(node.right, row, position)
    if isinstance(node.op, ast.Add) and (_is_text(left) or _is_text(right)):
        return _text(left) + _text(right)
    try:
        return _OPERATORS[type(node.op)](_number(left), _number(right))
    except ZeroDivisionError:
        return float("nan")


def _is_text(value: str | float) -> bool:
    return isinstance(value, str) and bool(np.isnan(parse_number([value])[0]))


def _number(value: str | float) -> float:
    return float(parse_number([value])[0]) if isinstance(value, str) else value


def _text(value: str | float) -> str:
    if isinstance(value, str):
        return value
    if value != value:
        return ""
    return str(int(value)) if value.is_integer() else repr(value)


def census_csv(mapped: MappedTable, header_row: int) -> bytes:
    """The mapped rows as the CSV our import stage reads, each row on the line it had in the source
    (the lines between are blank, which the reader skips), so the import report names source rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    line = 1
    for number, row in [(header_row, mapped.columns), *zip(mapped.row_numbers, mapped.rows, strict=True)]:
        if number > line:
            buffer.write("\n" * (number - line))
            line = number
        writer.writerow(row)
        line += 1
    return buffer.getvalue().encode()
