"""Calendar arithmetic on datetime64[D] columns: year bounds, anniversaries and whole years between
dates, vectorized so no employee is handled one at a time."""

import numpy as np

DAY = np.timedelta64(1, "D")


def year_start(year: int) -> np.datetime64:
    return np.datetime64(f"{year:04d}-01-01", "D")


def year_end(year: int) -> np.datetime64:
    return np.datetime64(f"{year:04d}-12-31", "D")


def days_in_year(year: int) -> int:
    return int((year_end(year) - year_start(year)) // DAY) + 1


def year_of(dates: np.ndarray) -> np.ndarray:
    """The calendar year of each date, as int64."""
    return dates.astype("datetime64[Y]").astype(np.int64) + 1970


def add_years(dates: np.ndarray, years: int | np.ndarray) -> np.ndarray:
    """The same month and day `years` later; Feb 29 lands on Mar 1 in a common year."""
    months = dates.astype("datetime64[M]")
    day_offset = dates - months.astype("datetime64[D]")
    return (months + 12 * np.asarray(years, dtype=np.int64)).astype("datetime64[D]") + day_offset


def whole_years(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Completed years from `start` to `end` (an age or a length of service), as int64."""
    years = year_of(end) - year_of(start)
    return years - (add_years(start, years) > end)
