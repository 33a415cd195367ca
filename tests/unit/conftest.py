"""Tiny censuses and quiet configs for the simulation tests."""

from collections.abc import Callable
from typing import Any

import pytest

from planalign.domain.census import Census
from planalign.domain.config import SimulationConfig, resolve_config

# Nothing happens in a quiet year unless a test turns it on: no moves, raises, enrollment or escalation.
QUIET: dict[str, Any] = {
    "simulation": {"start_year": 2025, "end_year": 2025, "random_seed": 7},
    "workforce": {"target_growth_rate": 0.0, "total_termination_rate": 0.0, "new_hire_termination_rate": 0.0},
    "compensation": {
        "merit_budget": 0.0,
        "cola_rate": 0.0,
        "promotion_rates": {"1": 0.0, "2": 0.0, "3": 0.0, "4": 0.0, "5": 0.0},
    },
    "auto_enrollment": {"enabled": False},
    "voluntary_enrollment": {"under_30": 0.0, "30_44": 0.0, "45_59": 0.0, "60_plus": 0.0},
    "auto_escalation": {"enabled": False},
}
CENSUS_DEFAULTS: dict[str, Any] = {
    "birth_date": "1980-06-15",
    "hire_date": "2015-03-01",
    "gross_compensation": 50000.0,
}


@pytest.fixture
def quiet_config() -> Callable[..., SimulationConfig]:
    """quiet_config(*layers): QUIET with the layers merged on top."""

    def build(*layers: dict[str, Any]) -> SimulationConfig:
        return resolve_config(QUIET, *layers)

    return build


@pytest.fixture
def make_census() -> Callable[..., Census]:
    """make_census(n, column=value or list, ...): employees E001..En; a scalar fills the column."""

    def build(n: int = 1, **columns: Any) -> Census:
        values = {**CENSUS_DEFAULTS, **columns}
        filled = {name: value if isinstance(value, list) else [value] * n for name, value in values.items()}
        filled.setdefault("employee_id", [f"E{i:03d}" for i in range(1, n + 1)])
        return Census.from_columns(**filled)

    return build
