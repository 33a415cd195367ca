"""Exact counts and who fills them: half-up rounding on the decimal a config states, largest-remainder
apportionment across groups, and picking within a group by seeded hash rank (never by row order)."""

from decimal import ROUND_HALF_UP, Decimal

import numpy as np


def exact(rate: float) -> Decimal:
    """The decimal a config writer typed (0.1, not 0.1000000000000000055...), so counts match a
    spreadsheet's."""
    return Decimal(repr(rate))


def round_half_up(value: Decimal) -> int:
    """`round` of simulation.md: halves go up (6952.5 -> 6953), never to even."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def quota(count: int, rate: float) -> int:
    """round(count x rate), exactly."""
    return round_half_up(count * exact(rate))


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` across groups in proportion to integer `weights` by largest remainder (Hamilton);
    equal remainders go to the lower group first. Integer arithmetic, so no float noise."""
    sizes = [int(w) for w in weights]
    whole = sum(sizes)
    counts = np.zeros(len(sizes), dtype=np.int64)
    if total == 0 or whole == 0:
        return counts
    remainders = []
    for group, size in enumerate(sizes):
        counts[group], remainder = divmod(total * size, whole)
        remainders.append((-remainder, group))
    for _, group in sorted(remainders)[: total - int(counts.sum())]:
        counts[group] += 1
    return counts


def pick_by_rank(bits: np.ndarray, group: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """A mask choosing, in each group g (rows whose `group` is g), the counts[g] rows with the lowest
    `bits`; rows whose group is outside range(len(counts)) are never chosen."""
    chosen = np.zeros(len(bits), dtype=bool)
    for g, count in enumerate(counts):
        if count <= 0:
            continue
        members = np.flatnonzero(group == g)
        if count < len(members):
            members = members[np.argpartition(bits[members], count - 1)[:count]]
        chosen[members] = True
    return chosen
