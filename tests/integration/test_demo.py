"""`planalign demo` end to end on a small census: it exits 0, prints the per-year table, the
comparison and the ensemble's bands, and writes the exports."""

import csv
from pathlib import Path

import pytest
from planalign.demo import ENSEMBLE, run_demo

pytestmark = pytest.mark.integration


def test_the_demo_compares_its_scenarios_shows_bands_and_writes_the_exports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_demo(employees=800, out_dir=tmp_path) == 0
    printed = capsys.readouterr().out
    assert "Per-year results" in printed
    assert "Comparison: Stretch match, all at 6% against Baseline (final year)" in printed
    assert f"Baseline x20 seeds: p5 / p50 / p95 over {ENSEMBLE} seeds" in printed
    written = {path.name for path in tmp_path.iterdir()}
    assert {"baseline.xlsx", "baseline.csv", "stretch_match_all_at_6.xlsx", "baseline_bands.csv"} <= written
    with (tmp_path / "baseline_bands.csv").open() as bands_file:
        rows = list(csv.DictReader(bands_file))
    assert {row["simulation_year"] for row in rows} == {"2025", "2026", "2027", "2028", "2029"}
    assert all(float(row["p5"]) <= float(row["p50"]) <= float(row["p95"]) for row in rows)
