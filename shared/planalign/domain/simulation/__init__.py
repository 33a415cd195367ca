"""The workforce and DC plan projection of simulation.md: `simulate` a census under a config, or
`simulate_years` to take each year's rows as it ends."""

from planalign.domain.simulation.draws import member_seed
from planalign.domain.simulation.engine import YearProgress, simulate, simulate_years

__all__ = ["YearProgress", "member_seed", "simulate", "simulate_years"]
