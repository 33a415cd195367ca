"""What the model produces: the year-end snapshot and the events, as NumPy columns.

Rows point at employees by `employee_index` into `employee_ids` (census employees first, then hires),
so a 1,000,000 x 10 projection does not carry ten million strings.
"""

import ctypes
import io
import math
import struct
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

# Codes stored in the int8 `status` column, and the names the exports print.
STATUSES = ("continuous_active", "new_hire_active", "experienced_termination", "new_hire_termination")

# Snapshot columns and their dtypes, one row per employee per simulated year.
SNAPSHOT_COLUMNS: dict[str, str] = {
    "simulation_year": "int16",
    "employee_index": "int32",
    "status": "int8",
    "age": "int16",
    "tenure": "int16",  # whole years of service at Dec 31
    "level": "int8",
    "pay": "float64",  # annual rate at year end
    "prorated_pay": "float64",  # pay earned in the year
    "eligible": "bool",
    "enrolled": "bool",
    "deferral_rate": "float64",
    "employee_contribution": "float64",
    "match": "float64",
    "core": "float64",
    "irs_limit_reached": "bool",
    "hire_date": "datetime64[D]",
    "termination_date": "datetime64[D]",  # NaT while employed
    "service_years": "int16",  # whole years as the plan's rules count them (simulation.md)
    "points": "int16",  # age at Dec 31 of the prior year + service_years
    "match_eligible": "bool",  # meets the match's hours, service and year-end rules
    "core_eligible": "bool",  # meets the core's rules (and, if it asks, the plan's eligibility)
    "annual_hours": "float32",  # hours worked in the year: scheduled hours a week x 52, prorated
}

# Event columns, one row per event; old/new values are NaN where they mean nothing.
EVENT_COLUMNS: dict[str, str] = {
    "simulation_year": "int16",
    "employee_index": "int32",
    "event_type": "int8",
    "effective_date": "datetime64[D]",
    "old_value": "float64",
    "new_value": "float64",
}


@dataclass(frozen=True)
class SimulationOutput:
    """A whole projection. Rows are ordered by (simulation_year, employee_id) so that equal inputs give
    byte-identical outputs whatever the census row order."""

    start_year: int
    end_year: int
    seed: int
    employee_ids: np.ndarray  # numpy unicode, indexed by employee_index
    snapshot: dict[str, np.ndarray]  # SNAPSHOT_COLUMNS
    events: dict[str, np.ndarray]  # EVENT_COLUMNS

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))


# The artifact's arrays start at multiples of this (NumPy's own alignment of data after a .npy header),
# which lets output_from_bytes use them where they lie.
ARRAY_ALIGNMENT = 64
# The zip extra field that pads a member's local header to that alignment (the id zipalign uses), and
# the fixed sizes around it: the local header, the field's own id and size, and force_zip64's field.
PADDING_EXTRA_ID = 0xD935
LOCAL_HEADER_SIZE = 30
EXTRA_HEADER_SIZE = 4
ZIP64_EXTRA_SIZE = 20
HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}
# glibc's mallopt parameter number for the size from which blocks are mapped, and the size used.
M_MMAP_THRESHOLD = -3
MAPPED_BLOCK_BYTES = 1 << 20
# A fixed timestamp keeps equal outputs' artifacts byte-identical.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


class ArtifactWriter:
    """An output_to_bytes artifact written array after array, each maybe in parts, so that a writer
    holding the data in pieces can free each piece once written."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self._archive = zipfile.ZipFile(self._buffer, "w", zipfile.ZIP_STORED)

    def add(self, name: str, dtype: np.dtype, rows: int, parts: Iterable[np.ndarray]) -> None:
        """The array `name` of `rows` values of `dtype`: the values of `parts`, one after the other."""
        info = zipfile.ZipInfo(f"{name}.npy", ZIP_TIMESTAMP)
        fixed = LOCAL_HEADER_SIZE + len(info.filename.encode()) + EXTRA_HEADER_SIZE + ZIP64_EXTRA_SIZE
        padding = -(self._buffer.tell() + fixed) % ARRAY_ALIGNMENT
        info.extra = struct.pack("<HH", PADDING_EXTRA_ID, padding) + bytes(padding)
        header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (rows,)}
        written = 0
        # force_zip64 as np.savez does: a member may pass 4 GB.
        with self._archive.open(info, "w", force_zip64=True) as stream:
            np.lib.format.write_array_header_1_0(stream, header)
            for part in parts:
                values = np.ascontiguousarray(part, dtype=dtype).reshape(-1)
                stream.write(values.view(np.uint8).data)
                written += len(values)
        if written != rows:
            raise ValueError(f"{name}: {written} values written for {rows}")

    def add_array(self, name: str, values: np.ndarray) -> None:
        self.add(name, values.dtype, len(values), [values])

    def finish(self) -> bytes:
        """The artifact. Its bytes are the buffer's own, not a copy: nothing else refers to them."""
        self._archive.close()
        return self._buffer.getvalue()


def _artifact_years(output: SimulationOutput) -> np.ndarray:
    return np.array([output.start_year, output.end_year, output.seed], dtype=np.int64)


def output_to_bytes(output: SimulationOutput) -> bytes:
    """The simulation stage's artifact: an uncompressed .npz (fast to write and load, no pickle) whose
    arrays are aligned, so that output_from_bytes can use them without copying. A simulated output
    already lives in its artifact (see OutputRecorder.finish), which is then answered as it is."""
    columns = {f"snapshot.{k}": v for k, v in output.snapshot.items()}
    columns.update({f"events.{k}": v for k, v in output.events.items()})
    columns["employee_ids"] = np.asarray(output.employee_ids, dtype=np.str_)
    columns["years"] = _artifact_years(output)
    data = _owner(output.employee_ids)
    if isinstance(data, bytes) and _lies_in(data, columns):
        return data
    writer = ArtifactWriter()
    for name, values in columns.items():
        writer.add_array(name, values)
    return writer.finish()


def _lies_in(data: bytes, columns: Mapping[str, np.ndarray]) -> bool:
    """Whether the columns are the arrays of artifact `data`, in place (the years compared by value)."""
    arrays = _arrays(data)
    if arrays.keys() != columns.keys() or not np.array_equal(arrays.pop("years"), columns["years"]):
        return False
    return all(
        _owner(array) is data
        and columns[name].dtype == array.dtype
        and columns[name].shape == array.shape
        and columns[name].__array_interface__["data"][0] == array.__array_interface__["data"][0]
        for name, array in arrays.items()
    )


def _owner(array: np.ndarray) -> object:
    """What holds the array's values: the array itself, or the first object at the end of its bases
    that is no array (the bytes of an artifact)."""
    owner: object = array
    while isinstance(owner, np.ndarray) and owner.base is not None:
        owner = owner.base
    return owner


def output_from_bytes(data: bytes) -> SimulationOutput:
    """The output in an output_to_bytes artifact (or any .npz of the same arrays), as output_in reads
    it, for the pipeline: the process's allocator is set up for the work on it (map_large_blocks)."""
    map_large_blocks()
    return output_in(data)


def output_in(data: bytes) -> SimulationOutput:
    """The output in an artifact. Its arrays are read-only views of `data` where they lie aligned and
    uncompressed, as output_to_bytes puts them (copies otherwise): a 2 GB projection takes no second
    2 GB."""
    arrays = _arrays(data)
    start_year, end_year, seed = (int(v) for v in arrays["years"])
    return SimulationOutput(
        start_year=start_year,
        end_year=end_year,
        seed=seed,
        employee_ids=arrays["employee_ids"],
        # An artifact written before a column was added has none of it.
        snapshot={
            name: arrays[f"snapshot.{name}"] for name in SNAPSHOT_COLUMNS if f"snapshot.{name}" in arrays
        },
        events={name: arrays[f"events.{name}"] for name in EVENT_COLUMNS},
    )


def _arrays(data: bytes) -> dict[str, np.ndarray]:
    # BytesIO shares the bytes it starts with.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            info.filename.removesuffix(".npy"): _array(data, archive, info) for info in archive.infolist()
        }


def _array(data: bytes, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """One member's array: a view of `data` when that is possible, else read (a copy)."""
    if info.compress_type == zipfile.ZIP_STORED:
        header = info.header_offset
        name_size, extra_size = struct.unpack("<HH", data[header + 26 : header + LOCAL_HEADER_SIZE])
        start = header + LOCAL_HEADER_SIZE + name_size + extra_size
        # A .npy header is a few hundred bytes; a version 1.0 one at most 64 KiB.
        stream = io.BytesIO(data[start : start + min(info.file_size, 1 << 17)])
        read_header = HEADER_READERS.get(np.lib.format.read_magic(stream))
        if read_header is not None:
            shape, fortran_order, dtype = read_header(stream)
            if not fortran_order and not dtype.hasobject:
                offset, count = start + stream.tell(), math.prod(shape)
                view = np.frombuffer(data, dtype=dtype, count=count, offset=offset).reshape(shape)
                # Misaligned values work, but many operations copy them first.
                if view.flags.aligned:
                    return view
    with archive.open(info) as member:
        array: np.ndarray = np.lib.format.read_array(member, allow_pickle=False)
        return array


def map_large_blocks() -> None:
    """Have the C allocator map each block of MAPPED_BLOCK_BYTES or more on its own and unmap it once
    freed (glibc's M_MMAP_THRESHOLD; nothing elsewhere), for the whole process. glibc starts so at
    128 KB but raises the threshold up to 32 MB as big blocks are freed; from then on working columns
    of a few MB come from the heap, which keeps their pages once they are freed wherever anything lives
    above them: the pipeline's peak at 1M employees x 10 years varied by 150 MB from run to run. Mapping
    costs a page fault per page of each block, which the simulation's many short-lived year columns
    would feel (+15% time): it sets nothing, and gives the heap back after each year instead
    (release_free_memory)."""
    try:
        # The symbols the process has loaded, the C library's among them.
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):
        return
    mallopt(M_MMAP_THRESHOLD, MAPPED_BLOCK_BYTES)


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim; nothing elsewhere): the
    simulation's freed year columns, which would otherwise stay with the process (100-250 MB at 1M
    employees x 10 years)."""
    try:
        # The symbols the process has loaded, the C library's among them.
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        return
    trim(0)
