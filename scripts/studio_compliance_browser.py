"""The Studio's Vesting and NDT Testing pages in Chromium on the local stack, their numbers checked against
the API and against a plain pyarrow query of the runs' Parquet (none of our vesting or NDT code).

It starts the stack in this process with --no-auth and the Studio built for its own origin, runs two
scenarios (a baseline, and a plan without match but a richer core) on a synthetic census, then uses the
Vesting page (Schedule Comparison with the page's defaults, then Annual Forfeitures) and the NDT Testing
page (ACP, ADP, ADP as a safe harbour, 401(a)(4), 415) as a user, takes a screenshot of each, and prints
what each showed next to the API's and the Parquet's figures.

    .venv/bin/python scripts/studio_compliance_browser.py [--studio /work/studio-dist-same-origin]
        [--employees 2000] [--out /tmp/studio-compliance]
"""

import argparse
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.compute as pc
from planalign.local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(next((ROOT / ".tools/browser/lib").glob("python3*/site-packages"))))
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from studio_analytics_browser import (  # noqa: E402  (this folder)
    Seen,
    money,
    parquet_snapshot,
    run_scenarios,
    studio_page,
)

GRADED_5 = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]  # the page's default current schedule
CLIFF_3 = [0.0, 0.0, 0.0, 1.0]  # and its default proposed one
HCE_2026 = 160000  # IRC 414(q)(1)(B), IRS Notice 2025-67: the look-back year 2026 of a 2027 test
DEFERRAL_2027, COMPENSATION_2027 = 24500, 360000  # the published 2026 limits the runs hold for 2027


def vested(schedule: list[float], years: int) -> float:
    return schedule[min(max(years, 0), len(schedule) - 1)]


def parquet_vesting(snapshot: pa.Table, year: int) -> dict[str, Any]:
    """The final year's leavers, their employer money of the earlier years, and what each schedule
    forfeits of it, by a plain query."""
    earlier = snapshot.filter(
        pc.and_(pc.less(snapshot["simulation_year"], year), pc.equal(snapshot["employment_status"], "active"))
    )
    balance: dict[str, int] = {}
    for employee, match, core in zip(
        earlier["employee_id"].to_pylist(),
        earlier["match"].to_pylist(),
        earlier["core"].to_pylist(),
        strict=True,
    ):
        balance[employee] = balance.get(employee, 0) + round(match * 100) + round(core * 100)
    final = snapshot.filter(pc.equal(snapshot["simulation_year"], year))
    gone = final.filter(pc.equal(final["employment_status"], "terminated")).to_pylist()
    eligible = [row for row in gone if balance.get(row["employee_id"], 0) > 0]
    lost = {"current": 0, "proposed": 0}
    for row in eligible:
        cents = balance[row["employee_id"]]
        for name, schedule in (("current", GRADED_5), ("proposed", CLIFF_3)):
            lost[name] += cents - round(cents * vested(schedule, row["tenure"]))
    return {
        "terminated": len(gone),
        "eligible": len(eligible),
        "current_forfeited": lost["current"] / 100,
        "proposed_forfeited": lost["proposed"] / 100,
        "contributions": sum(balance[row["employee_id"]] for row in eligible) / 100,
    }


def parquet_adp(snapshot: pa.Table, year: int) -> dict[str, float]:
    """The ADP test's averages by a plain query: HCE by the look-back year's pay earned."""
    prior = snapshot.filter(pc.equal(snapshot["simulation_year"], year - 1))
    earned = dict(zip(prior["employee_id"].to_pylist(), prior["prorated_pay"].to_pylist(), strict=True))
    rows = snapshot.filter(pc.equal(snapshot["simulation_year"], year)).to_pylist()
    groups: dict[bool, list[float]] = {True: [], False: []}
    for row in rows:
        compensation = min(row["prorated_pay"], COMPENSATION_2027)
        if row["eligible"] and compensation > 0:
            ratio = min(row["employee_contribution"], DEFERRAL_2027) / compensation
            groups[earned.get(row["employee_id"], 0.0) > HCE_2026].append(ratio)
    return {
        "hce_count": len(groups[True]),
        "nhce_count": len(groups[False]),
        "hce_average": sum(groups[True]) / len(groups[True]),
        "nhce_average": sum(groups[False]) / len(groups[False]),
    }


def percent(value: float) -> str:
    """The NDT page's formatPercent."""
    return f"{value * 100:.2f}%"


def tile(body: str, title: str) -> str:
    """The value under a tile's title in the page's text."""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    return lines[lines.index(title) + 1]


def settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--studio", type=Path, default=Path("/work/studio-dist-same-origin"))
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/studio-compliance"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    saw = Seen(width=15)

    with (
        tempfile.TemporaryDirectory() as data_dir,
        LocalStack(data_dir=Path(data_dir), no_auth=True, studio_dir=args.studio) as stack,
    ):
        api = httpx.Client(base_url=stack.api_url, timeout=120)
        ids = run_scenarios(api, args.employees)
        ws, a, b = ids["workspace"], ids["plan_a"], ids["plan_b"]
        snapshot = parquet_snapshot(api, ids["runs"][a])
        final_year = pc.max(snapshot["simulation_year"]).as_py()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            failed: list[str] = []
            page = studio_page(browser, failed)
            base = stack.api_url

            # Vesting, Schedule Comparison: the page's defaults (the first completed scenario, 5-year
            # graded against 3-year cliff, the final year), then Analyze.
            page.goto(f"{base}/#/analytics/vesting")
            page.get_by_role("button", name="Analyze", exact=True).wait_for(timeout=60_000)
            page.wait_for_function(
                "() => !document.querySelector('#vesting-analysis-year')?.disabled"
                " && document.querySelector('#vesting-analysis-year')?.value",
                timeout=60_000,
            )
            settle(page)
            page.get_by_role("button", name="Analyze", exact=True).click()
            page.get_by_text("Total Terminations").first.wait_for(timeout=60_000)
            settle(page)
            page.screenshot(path=str(args.out / "vesting-comparison.png"), full_page=True)
            body = page.inner_text("body")
            request = {
                "current_schedule": {"schedule_type": "graded_5_year", "name": "5-Year Graded"},
                "proposed_schedule": {"schedule_type": "cliff_3_year", "name": "3-Year Cliff"},
                "simulation_year": final_year,
            }
            analysis = api.post(f"/api/workspaces/{ws}/scenarios/{a}/analytics/vesting", json=request).json()
            summary = analysis["summary"]
            direct = parquet_vesting(snapshot, final_year)
            shown = {
                title: tile(body, title)
                for title in (
                    "Total Terminations",
                    "Vesting-Eligible Terminations",
                    "Current Forfeitures",
                    "Proposed Forfeitures",
                    "Forfeiture Variance",
                )
            }
            saw("Vesting", f"{final_year} cards: {shown}", "shown")
            saw(
                "Vesting",
                f"terminations {shown['Total Terminations']} / eligible {shown['Vesting-Eligible Terminations']}: "
                f"API {summary['total_terminated_employee_count']} / "
                f"{summary['vesting_eligible_terminated_employee_count']}, Parquet {direct['terminated']} / "
                f"{direct['eligible']}",
                shown["Total Terminations"].replace(",", "") == str(direct["terminated"])
                and shown["Vesting-Eligible Terminations"].replace(",", "") == str(direct["eligible"])
                and summary["vesting_eligible_terminated_employee_count"] == direct["eligible"],
            )
            for title, side in (("Current Forfeitures", "current"), ("Proposed Forfeitures", "proposed")):
                from_api, from_parquet = summary[f"{side}_total_forfeited"], direct[f"{side}_forfeited"]
                saw(
                    "Vesting",
                    f"{title} {shown[title]}: API {from_api:,.2f}, Parquet {from_parquet:,.2f}",
                    shown[title] == money(from_parquet) and from_api == from_parquet,
                )
            saw(
                "Vesting",
                f"total employer contributions API {summary['total_employer_contributions']:,.2f}, Parquet "
                f"{direct['contributions']:,.2f}; banner shows {money(direct['contributions'])}",
                summary["total_employer_contributions"] == direct["contributions"]
                and f"Total Employer Contributions: {money(direct['contributions'])}" in body,
            )
            saw("Vesting", "tenure band table and employee table present", "Tenure Band Summary" in body)

            # Vesting, Annual Forfeitures: both scenarios under the default schedule.
            page.get_by_role("button", name="Annual Forfeitures").click()
            page.locator("#forfeiture-workspace").select_option(ws)
            settle(page)
            for name in ("baseline", "richer core"):
                box = page.get_by_label(name, exact=False)
                if box.count() and not box.first.is_checked():
                    box.first.check()
            page.get_by_role("button", name="Run Report").click()
            page.get_by_text("Total", exact=True).first.wait_for(timeout=60_000)
            settle(page)
            page.screenshot(path=str(args.out / "vesting-forfeitures.png"), full_page=True)
            body = page.inner_text("body")
            schedule = page.locator("#forfeiture-schedule").input_value()
            projection = api.get(
                f"/api/workspaces/{ws}/analytics/vesting/forfeitures",
                params={"scenarios": f"{a},{b}", "schedule_type": schedule},
            ).json()
            for series in projection["scenarios"]:
                exact = [
                    f"${row['forfeited_amount']:,.2f}"
                    for row in series["years"]
                    if row["has_prior_year_basis"]
                ]
                saw(
                    "Forfeitures",
                    f"{series['scenario_name']} under {schedule}: API forfeitures by year {exact}; in the page: "
                    f"{[value for value in exact if value in body]}",
                    all(value in body for value in exact),
                )
            saw("Forfeitures", "first year marked 'no prior-year basis'", "no prior-year basis" in body)

            # Cost Comparison, Net of forfeitures: the offsets its default schedule (5-year graded) and
            # policy give, the year after the forfeitures.
            page.goto(f"{base}/#/compare")
            page.get_by_role("button", name="Net of forfeitures").click()
            page.get_by_text("Forfeiture offset").first.wait_for(timeout=60_000)
            settle(page)
            page.screenshot(path=str(args.out / "cost-comparison-net.png"), full_page=True)
            body = page.inner_text("body")
            projection = api.get(
                f"/api/workspaces/{ws}/analytics/vesting/forfeitures",
                params={"scenarios": f"{a},{b}", "schedule_type": "graded_5_year"},
            ).json()
            for series in projection["scenarios"]:
                offsets = {
                    row["simulation_year"]: row["offset_amount"]
                    for row in series["employer_cost_offsets"]
                    if row["basis_available"]
                }
                shown_offsets = [f"-{money(amount)}" for amount in offsets.values()]
                saw(
                    "Cost Comparison",
                    f"{series['scenario_name']} offsets by year {offsets} (API) shown as {shown_offsets}",
                    all(text in body for text in shown_offsets) and "n/a" in body,
                )

            # NDT Testing: each test on the baseline's final year.
            page.goto(f"{base}/#/analytics/ndt")
            page.locator("#ndt-scenario").wait_for(timeout=60_000)
            page.locator("#ndt-scenario").select_option(a)
            page.wait_for_function("() => document.querySelector('#ndt-year')?.value", timeout=60_000)
            settle(page)
            adp_direct = parquet_adp(snapshot, final_year)
            for test, ready in (
                ("acp", r"ACP Test: (PASS|FAIL)"),
                ("adp", r"ADP Test: (PASS|FAIL)"),
                ("adp-safe-harbor", r"EXEMPT"),
                ("401a4", r"401\(a\)\(4\) Test: (PASS|FAIL)"),
                ("415", r"415 Test: (PASS|FAIL)"),
            ):
                kind = test.split("-")[0]
                page.locator("#ndt-test-type").select_option(kind)
                safe = test == "adp-safe-harbor"
                if kind == "adp":
                    box = page.locator("#ndt-safe-harbor")
                    if box.is_checked() != safe:
                        box.click()
                page.get_by_role("button", name="Run Test").click()
                page.get_by_text(re.compile(ready)).first.wait_for(timeout=60_000)
                settle(page)
                page.screenshot(path=str(args.out / f"ndt-{test}.png"), full_page=True)
                body = page.inner_text("body")
                params: dict[str, Any] = {"scenarios": a, "year": final_year}
                if safe:
                    params["safe_harbor"] = "true"
                result = api.get(f"/api/workspaces/{ws}/analytics/ndt/{kind}", params=params).json()[
                    "results"
                ][0]
                verdict = result["test_result"].upper()
                headline = next(
                    (line for line in body.splitlines() if "Test:" in line or "EXEMPT" in line.upper()), ""
                )
                saw(
                    "NDT " + test,
                    f"headline {headline.strip()!r}; API {result['test_result']}",
                    verdict in body.upper(),
                )
                if kind in ("acp", "adp") and not safe:
                    figures = {
                        title: tile(body, title)
                        for title in (
                            f"HCE Avg {kind.upper()}",
                            f"NHCE Avg {kind.upper()}",
                            "Applied Threshold",
                        )
                    }
                    api_figures = [
                        percent(result[f"hce_average_{kind}"]),
                        percent(result[f"nhce_average_{kind}"]),
                        percent(result["applied_threshold"]),
                    ]
                    check = list(figures.values()) == api_figures
                    note = f"page {figures}, API {api_figures}, margin {percent(result['margin'])}"
                    if kind == "adp":
                        parquet = [percent(adp_direct["hce_average"]), percent(adp_direct["nhce_average"])]
                        note += f"; Parquet HCE/NHCE {parquet} ({adp_direct['hce_count']}/{adp_direct['nhce_count']})"
                        check = check and api_figures[:2] == parquet
                        check = check and (result["hce_count"], result["nhce_count"]) == (
                            adp_direct["hce_count"],
                            adp_direct["nhce_count"],
                        )
                    saw("NDT " + test, note, check)
                elif kind == "401a4":
                    figures = {
                        title: tile(body, title)
                        for title in ("HCE Avg Rate", "NHCE Avg Rate", "Ratio (NHCE/HCE)")
                    }
                    api_figures = [
                        percent(result["hce_average_rate"]),
                        percent(result["nhce_average_rate"]),
                        percent(result["ratio"]),
                    ]
                    saw(
                        "NDT " + test,
                        f"page {figures}, API {api_figures} ({result['applied_test']} test, "
                        f"{result['hce_count']} HCE / {result['nhce_count']} NHCE)",
                        list(figures.values()) == api_figures,
                    )
                elif kind == "415":
                    figures = {
                        title: tile(body, title) for title in ("Breach", "At Risk", "Passing", "IRS Limit")
                    }
                    counts = [str(result[f"{key}_count"]) for key in ("breach", "at_risk", "passing")]
                    saw(
                        "NDT " + test,
                        f"page {figures}; API breach/at risk/pass {counts} of {result['total_participants']}, "
                        f"limit {result['annual_additions_limit']:,}, max utilization "
                        f"{percent(result['max_utilization_pct'])}",
                        [figures[t].replace(",", "") for t in ("Breach", "At Risk", "Passing")] == counts
                        and figures["IRS Limit"] == money(result["annual_additions_limit"]),
                    )
            browser.close()
        saw("all pages", f"API errors / console errors: {failed or 'none'}", not failed)
        saw.report(args.out)


if __name__ == "__main__":
    main()
