"""The IRS limits of each plan year: the published figures by year, and the limits a config's
`irs_limits` section gives a projection year (flat and grown, or as published). Plain Python: the
API's functions read it without NumPy."""

import math
from dataclasses import dataclass

from planalign.domain.config import IrsLimits

CATCH_UP_AGE = 50
# SECURE 2.0's higher catch-up is for those who attain 60, 61, 62 or 63 in the plan year.
SUPER_CATCH_UP_AGES = (60, 63)


@dataclass(frozen=True)
class YearLimits:
    """The IRS limits of one plan year; super_catch_up is None where no 60-63 catch-up applies."""

    deferral: float
    catch_up: float
    compensation: float
    annual_additions: float
    super_catch_up: float | None = None
    social_security_wage_base: float = 176100.0

    @classmethod
    def for_year(cls, limits: IrsLimits, year: int, start_year: int) -> "YearLimits":
        """The limits of plan `year` of a projection from `start_year`."""
        if limits.schedule == "published":
            return published_limits(year, limits.limit_growth_rate)
        growth = (1 + limits.limit_growth_rate) ** (year - start_year)
        return cls(
            deferral=limits.deferral_402g * growth,
            catch_up=limits.catch_up_50_plus * growth,
            compensation=limits.compensation_401a17 * growth,
            annual_additions=limits.annual_additions_415c * growth,
            super_catch_up=None if limits.catch_up_60_63 is None else limits.catch_up_60_63 * growth,
            social_security_wage_base=limits.social_security_wage_base * growth,
        )


# 402(g), catch-up at 50+, catch-up at 60-63, 401(a)(17), 415(c)(1)(A), Social Security wage base, as the
# IRS and the SSA published them. The IRS's yearly cost-of-living notices: 2020 Notice 2019-59, 2021 Notice
# 2020-79, 2022 Notice 2021-61, 2023 Notice 2022-55, 2024 Notice 2023-75, 2025 Notice 2024-80, 2026 Notice
# 2025-67 (the wage base: the SSA's fact sheet of each year).
PUBLISHED_LIMITS: dict[int, YearLimits] = {
    year: YearLimits(
        deferral=deferral,
        catch_up=catch_up,
        super_catch_up=super_catch_up,
        compensation=compensation,
        annual_additions=additions,
        social_security_wage_base=wage_base,
    )
    for year, deferral, catch_up, super_catch_up, compensation, additions, wage_base in (
        (2020, 19500, 6500, None, 285000, 57000, 137700),
        (2021, 19500, 6500, None, 290000, 58000, 142800),
        (2022, 20500, 6500, None, 305000, 61000, 147000),
        (2023, 22500, 7500, None, 330000, 66000, 160200),
        (2024, 23000, 7500, None, 345000, 69000, 168600),
        (2025, 23500, 7500, 11250, 350000, 70000, 176100),
        (2026, 24500, 8000, 11250, 360000, 72000, 184500),
    )
}
FIRST_PUBLISHED, LAST_PUBLISHED = min(PUBLISHED_LIMITS), max(PUBLISHED_LIMITS)


def published_limits(year: int, growth_rate: float = 0.0) -> YearLimits:
    """The published limits of `year`; before the first published year, that year's; after the last,
    the last year's, grown by growth_rate once a year from then on."""
    if year <= LAST_PUBLISHED:
        return PUBLISHED_LIMITS[max(year, FIRST_PUBLISHED)]
    last = PUBLISHED_LIMITS[LAST_PUBLISHED]
    growth = (1 + growth_rate) ** (year - LAST_PUBLISHED)
    return YearLimits(
        deferral=last.deferral * growth,
        catch_up=last.catch_up * growth,
        super_catch_up=None if last.super_catch_up is None else last.super_catch_up * growth,
        compensation=last.compensation * growth,
        annual_additions=last.annual_additions * growth,
        social_security_wage_base=last.social_security_wage_base * growth,
    )


# The compensation above which an employee is highly compensated (IRC 414(q)(1)(B)), by the year whose
# compensation is looked at (the look-back year, the plan year before the determination year), from the
# same yearly IRS notices: 2019 Notice 2018-83, 2020 Notice 2019-59, 2021 Notice 2020-79, 2022 Notice
# 2021-61, 2023 Notice 2022-55, 2024 Notice 2023-75, 2025 Notice 2024-80, 2026 Notice 2025-67 (unchanged).
HCE_ROUNDING = 5000
HCE_COMPENSATION: dict[int, float] = {
    2019: 125000,
    2020: 130000,
    2021: 130000,
    2022: 135000,
    2023: 150000,
    2024: 155000,
    2025: 160000,
    2026: 160000,
}


def hce_compensation(look_back_year: int, growth_rate: float = 0.0) -> float:
    """The 414(q)(1)(B) threshold of `look_back_year`; before the first published year, that year's; after
    the last, the last one grown by growth_rate once a year (as published_limits holds the other limits),
    rounded down to a multiple of 5,000 as the IRS rounds its increases (415(d)(4)(B), which 414(q)(1)
    follows)."""
    first, last = min(HCE_COMPENSATION), max(HCE_COMPENSATION)
    if look_back_year <= last:
        return HCE_COMPENSATION[max(look_back_year, first)]
    grown = HCE_COMPENSATION[last] * (1 + growth_rate) ** (look_back_year - last)
    return float(HCE_ROUNDING * math.floor(grown / HCE_ROUNDING + 1e-9))
