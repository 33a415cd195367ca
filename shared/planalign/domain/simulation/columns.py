"""Equal-length NumPy columns carved out of a single buffer, for the large per-year tables of a
projection, and columns in memory of their own."""

import mmap
from collections.abc import Mapping

import numpy as np
from numpy.typing import DTypeLike

_ALIGNMENT = 8
# Below this, a column's memory is not worth a mapping of its own.
MAPPED_MIN_BYTES = 1 << 20


def allocate_columns(rows: int, schema: Mapping[str, DTypeLike]) -> dict[str, np.ndarray]:
    """Empty columns for `rows` rows, all views of a single buffer.

    One allocation per table (not one per column) is big enough that the allocator maps it from the
    system and gives it back when the table is released: freeing many mid-sized columns instead
    leaves holes the process keeps, which doubled the peak memory of a 1M x 10 run.
    """
    dtypes = {name: np.dtype(dtype) for name, dtype in schema.items()}
    sizes = {
        name: (rows * dtype.itemsize + _ALIGNMENT - 1) // _ALIGNMENT * _ALIGNMENT
        for name, dtype in dtypes.items()
    }
    buffer = np.empty(sum(sizes.values()), dtype=np.uint8)
    columns, offset = {}, 0
    for name, dtype in dtypes.items():
        columns[name] = buffer[offset : offset + rows * dtype.itemsize].view(dtype)
        offset += sizes[name]
    return columns


def mapped_empty(rows: int, dtype: DTypeLike) -> np.ndarray:
    """An empty column in memory mapped for it alone (from MAPPED_MIN_BYTES on), given back to the
    system as soon as the column is freed: a freed block of a few MB from the heap would stay with the
    process."""
    dtype = np.dtype(dtype)
    if rows * dtype.itemsize < MAPPED_MIN_BYTES:
        return np.empty(rows, dtype=dtype)
    return np.frombuffer(mmap.mmap(-1, rows * dtype.itemsize), dtype=dtype)
