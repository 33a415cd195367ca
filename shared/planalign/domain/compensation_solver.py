"""The Studio's compensation-growth solver ("I want 2 % average pay growth"): the COLA, merit budget and
promotion budget whose raises, after turnover and new hires at their pay, move average pay by the target.

    S = (1 - turnover) / (1 + growth)          stayers' share of next year's workforce
    N = (turnover + growth) / (1 + growth)     new hires' share, paid R x today's average
    target = S x (1 + raise) + N x R - 1  =>  raise = (1 + target - N x R) / S - 1
    raise = COLA + merit x 0.9 + promotion rate x promotion increase,  COLA = ratio x merit

The promotion rate is the levels' default promotion rates weighted by headcount share x average pay.
Numbers and warnings are the reference backend's."""

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planalign.domain.census import Census

DEFAULT_PROMOTION_RATES = {1: 0.20, 2: 0.15, 3: 0.10, 4: 0.08, 5: 0.05}
SINGLE_LEVEL_PROMOTION_RATE = 0.10
MERIT_EFFECTIVENESS = 0.90  # the share of a merit budget that is paid out
DEFAULT_COLA_TO_MERIT_RATIO = 0.6
DEFAULT_PROMOTION_INCREASE = 0.125


@dataclass(frozen=True)
class LevelDistribution:
    level: int
    name: str
    headcount: int
    percentage: float  # share of the workforce, 0-1
    avg_compensation: float
    promotion_rate: float  # expected annual promotions per employee, 0-1


@dataclass(frozen=True)
class WorkforceDynamics:
    turnover_rate: float = 0.15
    workforce_growth_rate: float = 0.03
    new_hire_comp_ratio: float = 0.85  # new hires' average pay over today's average


# The reference's workforce when no census can be read: 1,000 employees in five levels.
DEFAULT_LEVELS = (
    LevelDistribution(1, "Staff", 500, 0.50, 50000, 0.20),
    LevelDistribution(2, "Manager", 250, 0.25, 80000, 0.15),
    LevelDistribution(3, "Sr Manager", 150, 0.15, 110000, 0.10),
    LevelDistribution(4, "Director", 80, 0.08, 150000, 0.08),
    LevelDistribution(5, "VP", 20, 0.02, 250000, 0.05),
)


@dataclass(frozen=True)
class Workforce:
    levels: tuple[LevelDistribution, ...]
    avg_compensation: float
    headcount: int
    from_census: bool = field(default=True)


def census_workforce(census: Census) -> Workforce | None:
    """The active employees as one level (our census has no job level); None without any."""
    active = census.take(census.active)
    if not len(active):
        return None
    average = float(np.mean(active.gross_compensation))
    level = LevelDistribution(1, "All Employees", len(active), 1.0, average, SINGLE_LEVEL_PROMOTION_RATE)
    return Workforce((level,), average, len(active))


def weighted_promotion_rate(levels: tuple[LevelDistribution, ...]) -> float:
    total_weight = weighted_rate = 0.0
    for level in levels:
        weight = level.percentage * level.avg_compensation
        weighted_rate += weight * level.promotion_rate
        total_weight += weight
    if total_weight < 1e-9:
        return SINGLE_LEVEL_PROMOTION_RATE
    return weighted_rate / total_weight


def solve_compensation_growth(
    target_growth_rate: float,
    workforce: Workforce | None = None,
    promotion_increase: float | None = None,
    cola_to_merit_ratio: float | None = None,
    dynamics: WorkforceDynamics | None = None,
) -> dict[str, Any]:
    """The solved settings as the Studio shows them (percentages, rounded as the reference rounds),
    with the breakdown of the growth and the warnings."""
    warnings: list[str] = []
    if workforce is None:
        workforce = Workforce(
            DEFAULT_LEVELS,
            sum(level.avg_compensation * level.percentage for level in DEFAULT_LEVELS),
            sum(level.headcount for level in DEFAULT_LEVELS),
            from_census=False,
        )
        warnings.append("Using default level distribution (no census data)")
    dynamics = dynamics or WorkforceDynamics()
    next_year = 1 + dynamics.workforce_growth_rate
    stayers = (1 - dynamics.turnover_rate) / next_year
    new_hires = (dynamics.turnover_rate + dynamics.workforce_growth_rate) / next_year
    promotion_rate = weighted_promotion_rate(workforce.levels)
    if promotion_increase is None:
        promotion_increase = DEFAULT_PROMOTION_INCREASE

    target_multiplier = 1 + target_growth_rate
    new_hire_contribution = new_hires * dynamics.new_hire_comp_ratio
    required_raise = (target_multiplier - new_hire_contribution) / stayers - 1
    turnover_contribution = (stayers * 1.0 + new_hires * dynamics.new_hire_comp_ratio) - 1
    if abs(turnover_contribution) > 0.005:
        direction = "drag" if turnover_contribution < 0 else "boost"
        warnings.append(
            f"Workforce dynamics create {abs(turnover_contribution) * 100:.1f}% {direction} on avg comp "
            f"(turnover: {dynamics.turnover_rate * 100:.0f}%, growth: {dynamics.workforce_growth_rate * 100:.0f}%, "
            f"new hire ratio: {dynamics.new_hire_comp_ratio * 100:.0f}%)"
        )
    promo_contribution = promotion_rate * promotion_increase
    remaining = required_raise - promo_contribution
    if remaining < 0:
        warnings.append(
            f"Promotion contribution ({promo_contribution * 100:.1f}%) exceeds required raise rate. "
            f"Target may be achieved without COLA/merit."
        )
        remaining = 0.001
    ratio = cola_to_merit_ratio or DEFAULT_COLA_TO_MERIT_RATIO
    merit_budget = remaining / (ratio + MERIT_EFFECTIVENESS)
    cola = ratio * merit_budget
    merit_effective = merit_budget * MERIT_EFFECTIVENESS
    actual_raise = cola + merit_effective + promo_contribution
    achieved = stayers * (1 + actual_raise) + new_hire_contribution - 1
    if cola < 0.01:
        warnings.append(f"COLA rate ({cola * 100:.1f}%) is very low. May not keep pace with inflation.")
    if cola > 0.08:
        warnings.append(f"COLA rate ({cola * 100:.1f}%) is unusually high.")
    if merit_budget < 0.02:
        warnings.append(f"Merit budget ({merit_budget * 100:.1f}%) is low. May impact retention.")
    if merit_budget > 0.08:
        warnings.append(f"Merit budget ({merit_budget * 100:.1f}%) is unusually high.")
    if required_raise > 0.15:
        warnings.append(
            f"Required stayer raise rate ({required_raise * 100:.1f}%) is very high. "
            f"Consider adjusting new hire compensation or turnover assumptions."
        )
    recommended_ratio = recommended_scale = 0.0
    if new_hires > 0.01:
        recommended_ratio = (target_multiplier - stayers * (1 + actual_raise)) / new_hires
        recommended_ratio = max(0.50, min(1.20, recommended_ratio))
        baseline_ratio = dynamics.new_hire_comp_ratio if dynamics.new_hire_comp_ratio > 0.01 else 0.85
        recommended_scale = recommended_ratio / baseline_ratio
        if abs(recommended_scale - 1.0) > 0.05:
            direction = "up" if recommended_scale > 1.0 else "down"
            warnings.append(
                f"To hit {target_growth_rate * 100:.1f}% target with these raises, "
                f"adjust new hire comp {direction} to {recommended_ratio * 100:.0f}% of avg "
                f"(scale: {recommended_scale:.2f}x)"
            )
    level_distribution = (
        [
            {
                "level": level.level,
                "name": level.name,
                "headcount": level.headcount,
                "percentage": round(level.percentage * 100, 1),
                "avg_compensation": round(level.avg_compensation, 2),
                "promotion_rate": round(level.promotion_rate * 100, 1),
            }
            for level in workforce.levels
        ]
        if workforce.from_census
        else None
    )
    return {
        "target_growth_rate": round(target_growth_rate * 100, 2),
        "cola_rate": round(cola * 100, 2),
        "merit_budget": round(merit_budget * 100, 2),
        "promotion_increase": round(promotion_increase * 100, 2),
        "promotion_budget": round(promo_contribution * 100, 2),
        "achieved_growth_rate": round(achieved * 100, 2),
        "growth_gap": round((achieved - target_growth_rate) * 100, 3),
        "cola_contribution": round(cola * 100, 2),
        "merit_contribution": round(merit_effective * 100, 2),
        "promo_contribution": round(promo_contribution * 100, 2),
        "turnover_contribution": round(turnover_contribution * 100, 2),
        "total_headcount": workforce.headcount,
        "avg_compensation": round(workforce.avg_compensation, 2),
        "weighted_promotion_rate": round(promotion_rate * 100, 2),
        "turnover_rate": round(dynamics.turnover_rate * 100, 2),
        "workforce_growth_rate": round(dynamics.workforce_growth_rate * 100, 2),
        "new_hire_comp_ratio": round(dynamics.new_hire_comp_ratio * 100, 2),
        "recommended_new_hire_ratio": round(recommended_ratio * 100, 2),
        "recommended_scale_factor": round(recommended_scale, 2),
        "level_distribution": level_distribution,
        "warnings": warnings,
    }
