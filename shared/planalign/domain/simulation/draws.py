"""Seeded draws: every random number of the model is a pure function of (seed, employee id, year,
kind), so a result never depends on row order, on chunking or on how work is split across workers."""

from enum import IntEnum

import numpy as np

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_TO_UNIT = 2.0**-53


class DrawKind(IntEnum):
    """What a draw decides; each kind gets its own independent stream."""

    EXPERIENCED_TERMINATION = 1
    NEW_HIRE_TERMINATION = 2
    TERMINATION_DATE = 3
    HIRE_DATE = 4
    HIRE_AGE = 5
    HIRE_LEVEL = 6
    PROMOTION = 7
    PROMOTION_RAISE = 8
    OPT_OUT = 9
    VOLUNTARY_ENROLLMENT = 10
    MATCH_MAGNET = 11
    MATCH_RESPONSE_UP = 12
    MATCH_RESPONSE_DOWN = 13
    HIRE_PAY = 14
    PART_TIME = 15
    PROACTIVE_ENROLLMENT = 16
    CONVERSION = 17


def _splitmix64(value: int) -> int:
    z = (value + _GOLDEN) & _MASK64
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK64
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK64
    return z ^ (z >> 31)


def _splitmix64_inplace(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finalizer over a uint64 array, in place (uint64 arithmetic wraps mod 2**64)."""
    z += np.uint64(_GOLDEN)
    z ^= z >> np.uint64(30)
    z *= np.uint64(_MIX1)
    z ^= z >> np.uint64(27)
    z *= np.uint64(_MIX2)
    z ^= z >> np.uint64(31)
    return z


def hash_ids(ids: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each id (FNV-1a over its code points, then splitmix64), as uint64.

    Only the characters of each id are mixed in, never the padding of the fixed-width array, so an
    id hashes the same in any array, whatever the longest id next to it.
    """
    codes = np.ascontiguousarray(ids, dtype=np.str_)
    hashes = np.full(len(codes), _FNV_OFFSET, dtype=np.uint64)
    width = codes.dtype.itemsize // 4
    if len(codes) and width:
        points = codes.view(np.uint32).reshape(len(codes), width)
        lengths = np.strings.str_len(codes)
        for position in range(width):
            mixed = (hashes ^ points[:, position]) * np.uint64(_FNV_PRIME)
            np.copyto(hashes, mixed, where=lengths > position)
    return _splitmix64_inplace(hashes)


def draw_bits(seed: int, id_hashes: np.ndarray, year: int, kind: DrawKind) -> np.ndarray:
    """64 random bits per employee for (seed, year, kind); ranking by them orders a quota."""
    key = _splitmix64(_splitmix64(_splitmix64(seed & _MASK64) ^ year) ^ int(kind))
    return _splitmix64_inplace(id_hashes ^ np.uint64(key))


def draw_uniform(seed: int, id_hashes: np.ndarray, year: int, kind: DrawKind) -> np.ndarray:
    """A uniform number in [0, 1) per employee for (seed, year, kind)."""
    bits = draw_bits(seed, id_hashes, year, kind)
    bits >>= np.uint64(11)
    uniform = bits.astype(np.float64)
    uniform *= _TO_UNIT
    return uniform


def member_seed(run_seed: int, member: int) -> int:
    """The seed of ensemble member `member`: member 0 runs on the run's seed, the others on
    well-separated seeds in [0, 2**63)."""
    if member == 0:
        return run_seed
    return _splitmix64(run_seed ^ _splitmix64(member)) >> 1
