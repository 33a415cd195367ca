"""The employer's money of one year, rule by rule: who is eligible for match and core, the match of
each employee's tiers (by deferral, service or points band, with the cap), the match ceiling the
employees' deferral choices aim at, the core rate of each band and the §401(l) disparity."""

import math
from collections.abc import Sequence

import numpy as np

from planalign.domain.config import (
    CoreBand,
    CoreContributionSettings,
    EmployerEligibility,
    EmployerMatchSettings,
    MatchBand,
    MatchTier,
)


def round_to_cents(amounts: np.ndarray) -> np.ndarray:
    """Each amount (money, never negative) to the cent, halves up (as SQL's ROUND), in place."""
    np.multiply(amounts, 100.0, out=amounts)
    np.add(amounts, 0.5, out=amounts)
    np.floor(amounts, out=amounts)
    np.divide(amounts, 100.0, out=amounts)
    return amounts


# Up to this many bounds, counting the bounds each value reaches (one comparison pass a bound) beats
# a binary search per value.
FEW_BOUNDS = 8


def bounds_reached(values: np.ndarray, bounds: Sequence[float] | np.ndarray) -> np.ndarray:
    """How many of the increasing `bounds` each value reaches (bound <= value), as intp: the index of
    its band when band i starts at bounds[i - 1] (np.searchsorted(bounds, values, "right"))."""
    if len(bounds) > FEW_BOUNDS:
        return np.searchsorted(bounds, values, side="right")
    reached = np.zeros(len(values), dtype=np.intp)
    for bound in bounds:
        reached += values >= bound
    return reached


def band_of(values: np.ndarray, bands: Sequence[MatchBand] | Sequence[CoreBand]) -> np.ndarray:
    """Each value's band (its index in `bands`): the band with the highest `min` reached, unless the
    value reaches that band's `max` too; -1 where there is none."""
    maxes = np.array([math.inf if band.max is None else band.max for band in bands])
    index = bounds_reached(values, [band.min for band in bands]) - 1
    inside = index >= 0
    inside &= values < maxes[np.maximum(index, 0)]
    return np.where(inside, index, -1)


def match_fraction(deferral_rate: np.ndarray, tiers: Sequence[MatchTier]) -> np.ndarray:
    """The match as a fraction of pay: each tier's rate times the slice of the deferral rate between
    the previous tier's up_to and its own."""
    fraction = np.zeros(len(deferral_rate))
    lower = 0.0
    for tier in tiers:
        fraction += tier.rate * np.clip(deferral_rate - lower, 0.0, tier.up_to - lower)
        lower = tier.up_to
    return fraction


def match_band(settings: EmployerMatchSettings, service: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Each employee's band of the match's service or points bands (-1: none, so no match)."""
    return band_of(service if settings.basis == "service" else points, settings.bands)


def scheduled_match_fraction(
    settings: EmployerMatchSettings, deferral_rate: np.ndarray, band: np.ndarray | None
) -> np.ndarray:
    """The match as a fraction of pay on the formula's tiers (basis deferral, at most the cap) or on
    the tiers of each employee's `band`."""
    if settings.basis == "deferral" or band is None:
        fraction = match_fraction(deferral_rate, settings.effective_tiers())
    else:
        fraction = np.zeros(len(deferral_rate))
        for b, schedule in enumerate(settings.bands):
            rows = np.flatnonzero(band == b)
            fraction[rows] = match_fraction(deferral_rate[rows], schedule.tiers)
    if settings.cap is not None:
        np.minimum(fraction, settings.cap, out=fraction)
    return fraction


def match_ceiling(settings: EmployerMatchSettings, band: np.ndarray | None, rows: int) -> np.ndarray:
    """The deferral rate that earns an employee's whole match: the top of the last tier of the formula,
    or of the employee's band (0 outside every band)."""
    if settings.basis == "deferral" or band is None:
        return np.full(rows, settings.effective_tiers()[-1].up_to)
    tops = np.array([schedule.tiers[-1].up_to for schedule in settings.bands] + [0.0])
    return tops[band]


def employer_eligible(
    settings: EmployerEligibility,
    *,
    hours: np.ndarray,
    service: np.ndarray,
    hired: np.ndarray,
    leaving: np.ndarray,
) -> np.ndarray:
    """Who meets the hours and service of `settings`, and, being a leaver, may still get the money."""
    eligible = hours >= settings.min_hours
    if settings.min_service_years > 0:
        enough = service >= settings.min_service_years
        if settings.allow_new_hires:
            enough |= hired
        eligible &= enough
    if settings.require_active_at_year_end:
        allowed = np.where(
            hired, settings.allow_terminated_new_hires, settings.allow_experienced_terminations
        )
        eligible &= ~leaving | allowed
    return eligible


def core_rates(
    settings: CoreContributionSettings, service: np.ndarray, points: np.ndarray, age: np.ndarray
) -> np.ndarray | float:
    """The core rate of each employee: the flat rate, or the rate of the employee's band of service,
    points or age (the flat rate outside every band)."""
    if settings.basis == "flat":
        return settings.rate
    values = {"service": service, "points": points, "age": age}[settings.basis]
    rates = np.array([band.rate for band in settings.schedule] + [settings.rate])
    return rates[band_of(values, settings.schedule)]
