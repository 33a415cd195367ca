"""The workforce and DC plan projection of simulation.md: `simulate` a census under a config."""

from planalign.domain.simulation.draws import member_seed
from planalign.domain.simulation.engine import YearProgress, simulate

__all__ = ["YearProgress", "member_seed", "simulate"]
