"""Our projection of a census under a Studio config, per year, in the figures the side-by-side with the
reference engine compares (README, "Plan design"): headcount, hires, terminations, participation
(enrolled actives over actives, the reference's definition, and over eligible actives, ours), the
average deferral rate of participants, and deferral, match and core dollars.

    .venv/bin/python scripts/reference_side_by_side.py CENSUS.csv [OVERRIDES.json] [--json]

OVERRIDES.json holds scenario config_overrides in the Studio's dialect, merged over the Studio's
default base config as the API merges them.
"""

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from planalign.domain.census_reader import read_census
from planalign.domain.results import ACTIVE, year_metrics
from planalign.domain.simulation import simulate
from planalign.domain.studio_config import default_base_config, merge_studio_config, translate_studio_config


def side_by_side_figures(census_path: Path, overrides: dict[str, Any]) -> list[dict[str, Any]]:
    census = read_census(census_path.read_bytes(), census_path.name).census
    config, warnings = translate_studio_config(merge_studio_config(default_base_config(), overrides))
    for warning in warnings:
        print(f"warning: {warning}")
    output = simulate(census, config)
    snapshot = output.snapshot
    figures = []
    for year, metrics in zip(output.years, year_metrics(output), strict=True):
        rows = snapshot["simulation_year"] == year
        active = rows & np.isin(snapshot["status"], ACTIVE)
        enrolled = active & snapshot["enrolled"]
        figures.append(
            {
                "year": year,
                "headcount": metrics["headcount"],
                "hires": metrics["hires"],
                "experienced_terminations": metrics["experienced_terminations"],
                "new_hire_terminations": metrics["new_hire_terminations"],
                "participation_pct": 100.0 * enrolled.sum() / max(active.sum(), 1),
                "participation_of_eligible_pct": metrics["participation_rate"],
                "avg_deferral_rate": metrics["avg_deferral_rate"],
                "deferrals": metrics["total_employee_contributions"],
                "match": metrics["total_employer_match"],
                "core": metrics["total_employer_core"],
            }
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("census", type=Path)
    parser.add_argument("overrides", type=Path, nargs="?")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    overrides = json.loads(args.overrides.read_text()) if args.overrides else {}
    figures = side_by_side_figures(args.census, overrides)
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    for row in figures:
        print({name: round(value, 3) if isinstance(value, float) else value for name, value in row.items()})


if __name__ == "__main__":
    main()
