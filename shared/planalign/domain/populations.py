"""The populations the Studio's results page filters by (`?population=all|active|terminated`) and the
choice of one in a stored Results document. Plain Python, no NumPy: the API functions call it.

The pipeline stores the population `all` at the top level of results.json and the others under
`populations`, each holding only the fields that depend on the population (POPULATION_FIELDS)."""

from collections.abc import Mapping
from typing import Any

from planalign.errors import InvalidRequest

# Which year-end statuses of a year's snapshot rows each population takes, as the reference backend
# filters its workforce snapshot: active is who is employed at year end, terminated who left during
# the year, all is both (everyone employed at some point of the year).
POPULATIONS: dict[str, tuple[str, ...]] = {
    "all": ("continuous_active", "new_hire_active", "experienced_termination", "new_hire_termination"),
    "active": ("continuous_active", "new_hire_active"),
    "terminated": ("experienced_termination", "new_hire_termination"),
}
# The reference backend's default when the query names none.
DEFAULT_POPULATION = "all"
POPULATION_FIELDS = (
    "final_headcount",
    "total_growth_pct",
    "cagr",
    "participation_rate",
    "workforce_progression",
    "growth_analysis",
    "compensation_by_status",
    "cagr_metrics",
)


def select_population(results: Mapping[str, Any], population: str | None = None) -> dict[str, Any]:
    """The Results document of the API for `population` (DEFAULT_POPULATION when None): the stored
    document with that population's fields in place and without the `populations` section.
    InvalidRequest for a name outside POPULATIONS."""
    name = DEFAULT_POPULATION if population is None else population
    if name not in POPULATIONS:
        raise InvalidRequest(f"population: must be one of {', '.join(POPULATIONS)}, not {name!r}")
    answer = {key: value for key, value in results.items() if key != "populations"}
    # A document written before populations were stored has only its top level to offer.
    answer.update((results.get("populations") or {}).get(name, {}))
    return answer
