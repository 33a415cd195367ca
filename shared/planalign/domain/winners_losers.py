"""The Studio's Winners & Losers (its `winners_losers_service.py` defines the figures): the employees
active at the end of both plans' final years, each a winner when plan B gives them more employer money
(match + core) in that year than plan A, a loser when less, neutral when the same; counted by plan A's
age band, tenure band, and both.

Two choices of ours: employer money is compared to the cent (the engine's amounts are cents, and a
float sum such as 0.1 + 0.2 must not make a winner), and bands are labelled as the reference engine
labels them (the first band, by lowest bound, with min <= value < max; a max of 999 or more is open;
else "Unknown"). Groups are listed in label order, as the reference's pandas groupby lists them."""

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

COLUMNS = ("employee_id", "employment_status", "age", "tenure", "match", "core")
OPEN_BAND_MAX = 999
UNKNOWN_BAND = "Unknown"
WINNER, LOSER, NEUTRAL = range(3)


def band_labels(values: np.ndarray, bands: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, list[str]]:
    """(code of each value's band, the labels the codes point at; the last is UNKNOWN_BAND)."""
    ordered = sorted(bands, key=lambda band: band["min_value"])
    labels = [str(band["band_label"]) for band in ordered] + [UNKNOWN_BAND]
    codes = np.full(len(values), len(ordered), dtype=np.intp)
    for code, band in reversed(list(enumerate(ordered))):
        inside = values >= band["min_value"]
        if band["max_value"] < OPEN_BAND_MAX:
            inside &= values < band["max_value"]
        codes[inside] = code
    return codes, labels


def _employer_money(table: pa.Table) -> pa.Table:
    """The final year's actives: employee_id, age, tenure and match + core in cents."""
    active = table.filter(pc.equal(table["employment_status"], "active"))
    cents = pc.round(pc.multiply(pc.add(active["match"], active["core"]), 100.0))
    return pa.table(
        {
            "employee_id": active["employee_id"],
            "age": active["age"],
            "tenure": active["tenure"],
            "cents": pc.cast(cents, pa.int64()),
        }
    )


def _groups(codes: np.ndarray, labels: list[str], status: np.ndarray) -> dict[str, list[int]]:
    """{label: [winners, losers, neutral]} of the labels that occur, in label order."""
    counts = np.bincount(codes * 3 + status, minlength=len(labels) * 3).reshape(len(labels), 3)
    present = sorted((labels[code], code) for code in np.unique(codes))
    return {label: [int(n) for n in counts[code]] for label, code in present}


def _band_results(groups: Mapping[str, list[int]]) -> list[dict[str, Any]]:
    return [
        {"band_label": label, "winners": w, "losers": lo, "neutral": n, "total": w + lo + n}
        for label, (w, lo, n) in groups.items()
    ]


def winners_losers(
    plan_a: pa.Table,
    plan_b: pa.Table,
    age_bands: Sequence[Mapping[str, Any]],
    tenure_bands: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The counts of WinnersLosersResponse (ids and final_year are the caller's) from each plan's final
    year of the snapshot (COLUMNS), with plan A's bands."""
    a, b = _employer_money(plan_a), _employer_money(plan_b)
    both = a.join(b.select(["employee_id", "cents"]), "employee_id", right_suffix="_b", join_type="inner")
    delta = both["cents_b"].to_numpy() - both["cents"].to_numpy()
    status = np.select([delta > 0, delta < 0], [WINNER, LOSER], NEUTRAL)
    age_codes, age_labels = band_labels(both["age"].to_numpy(), age_bands)
    tenure_codes, tenure_labels = band_labels(both["tenure"].to_numpy(), tenure_bands)
    cell_codes = age_codes * len(tenure_labels) + tenure_codes
    cell_labels = [f"{age}\0{tenure}" for age in age_labels for tenure in tenure_labels]
    heatmap = []
    for label, (w, lo, n) in _groups(cell_codes, cell_labels, status).items():
        age, tenure = label.split("\0")
        total = w + lo + n
        heatmap.append(
            {
                "age_band": age,
                "tenure_band": tenure,
                "winners": w,
                "losers": lo,
                "neutral": n,
                "total": total,
                "net_pct": round((w - lo) / total * 100, 2) if total else 0.0,
            }
        )
    return {
        "total_compared": both.num_rows,
        "total_excluded": a.num_rows + b.num_rows - 2 * both.num_rows,
        "total_winners": int(np.count_nonzero(status == WINNER)),
        "total_losers": int(np.count_nonzero(status == LOSER)),
        "total_neutral": int(np.count_nonzero(status == NEUTRAL)),
        "age_band_results": _band_results(_groups(age_codes, age_labels, status)),
        "tenure_band_results": _band_results(_groups(tenure_codes, tenure_labels, status)),
        "heatmap": heatmap,
    }
