"""Our projection of a census under a Studio config, per year, in the figures the side-by-side with the
reference engine compares (README, "Plan design"): headcount, hires, terminations, participation
(enrolled actives over actives, the reference's definition, and over eligible actives, ours), the
average deferral rate of participants, and deferral, match and core dollars.

    .venv/bin/python scripts/reference_side_by_side.py CENSUS.csv [OVERRIDES.json] [--json]
        [--reference REFERENCE.json]

OVERRIDES.json holds scenario config_overrides in the Studio's dialect, merged over the Studio's
default base config as the API merges them. REFERENCE.json holds the reference engine's figures of
the same run, a list of objects with the same fields, made from its fct_workforce_snapshot:

    select simulation_year as year,
      count(*) filter (where employment_status = 'active') as headcount,
      count(*) filter (where detailed_status_code in ('new_hire_active', 'new_hire_termination')) as hires,
      count(*) filter (where detailed_status_code = 'experienced_termination') as experienced_terminations,
      count(*) filter (where detailed_status_code = 'new_hire_termination') as new_hire_terminations,
      100.0 * count(*) filter (where employment_status = 'active' and is_enrolled_flag)
        / count(*) filter (where employment_status = 'active') as participation_pct,
      avg(current_deferral_rate) filter (where employment_status = 'active' and is_enrolled_flag)
        as avg_deferral_rate,
      sum(prorated_annual_contributions) as deferrals, sum(employer_match_amount) as match,
      sum(employer_core_amount) as core
    from fct_workforce_snapshot group by 1 order by 1

and the script then prints a Markdown table of both side by side.
"""

import argparse
import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
from planalign.domain.census_reader import read_census
from planalign.domain.results import ACTIVE, year_metrics
from planalign.domain.simulation import simulate
from planalign.domain.studio_config import default_base_config, merge_studio_config, translate_studio_config


def side_by_side_figures(census_path: Path, overrides: dict[str, Any]) -> list[dict[str, Any]]:
    data, name = census_path.read_bytes(), census_path.name
    if name.endswith(".gz"):  # the committed census is gzipped; the reader takes the table itself
        data, name = gzip.decompress(data), name.removesuffix(".gz")
    census = read_census(data, name).census
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
                "participation_pct": float(100.0 * enrolled.sum() / max(active.sum(), 1)),
                "participation_of_eligible_pct": metrics["participation_rate"],
                "avg_deferral_rate": metrics["avg_deferral_rate"],
                "deferrals": metrics["total_employee_contributions"],
                "match": metrics["total_employer_match"],
                "core": metrics["total_employer_core"],
            }
        )
    return figures


def comparison_table(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> str:
    """Ours and the reference's figures per year as a Markdown table (reference / ours, difference)."""
    lines = [
        "| year | headcount | participation % | avg deferral % | deferrals $M | match $M | core $M |",
        "|---|---|---|---|---|---|---|",
    ]
    for mine, ref in zip(ours, theirs, strict=True):
        money = [
            f"{ref[name] / 1e6:.2f} / {mine[name] / 1e6:.2f} ({100 * (mine[name] - ref[name]) / ref[name]:+.1f} %)"
            for name in ("deferrals", "match", "core")
        ]
        participation = mine["participation_pct"] - ref["participation_pct"]
        lines.append(
            f"| {mine['year']} | {ref['headcount']:,} / {mine['headcount']:,} "
            f"| {ref['participation_pct']:.1f} / {mine['participation_pct']:.1f} ({participation:+.1f}) "
            f"| {100 * ref['avg_deferral_rate']:.2f} / {100 * mine['avg_deferral_rate']:.2f} "
            f"| {' | '.join(money)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("census", type=Path)
    parser.add_argument("overrides", type=Path, nargs="?")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--reference", type=Path, help="the reference engine's figures (JSON)")
    args = parser.parse_args()
    overrides = json.loads(args.overrides.read_text()) if args.overrides else {}
    figures = side_by_side_figures(args.census, overrides)
    if args.reference:
        print(comparison_table(figures, json.loads(args.reference.read_text())))
        return
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    for row in figures:
        print({name: round(value, 3) if isinstance(value, float) else value for name, value in row.items()})


if __name__ == "__main__":
    main()
