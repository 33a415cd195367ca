"""The Studio's analysis pages in Chromium on the local stack, their numbers checked against the results
API and against a direct query of the runs' Parquet files (pyarrow, none of our analytics code).

It starts the stack in this process with --no-auth and the Studio built for its own origin, runs two
scenarios (a baseline, and a plan without match but a richer core) on a synthetic census, then opens DC
Plan, Compare, Winners & Losers, Cost Comparison and Timeline as a user, reads the numbers each page
shows and prints page by page what it saw. Playwright comes from the browser tools' virtualenv.

    .venv/bin/python scripts/studio_analytics_browser.py [--studio /work/studio-dist-same-origin]
        [--employees 2000] [--out /tmp/studio-analytics]
"""

import argparse
import io
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from planalign.domain.census_generator import census_csv, generate_census
from planalign.local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(next((ROOT / ".tools/browser/lib").glob("python3*/site-packages"))))
from analytics_bench import wait_for  # noqa: E402  (this folder is the script's first path entry)
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402
from studio_browser import studio_money as money  # noqa: E402

YEARS = {"simulation": {"start_year": 2025, "end_year": 2027}}
PLAN_B = {**YEARS, "dc_plan": {"match_enabled": False, "core_contribution_rate_percent": 4.0}}


def run_scenarios(api: httpx.Client, employees: int) -> dict[str, Any]:
    workspace = api.post("/api/workspaces", json={"name": "Analytics check"}).json()["id"]
    a = api.post(
        f"/api/workspaces/{workspace}/scenarios", json={"name": "baseline", "config_overrides": YEARS}
    )
    b = api.post(
        f"/api/workspaces/{workspace}/scenarios", json={"name": "richer core", "config_overrides": PLAN_B}
    )
    form = api.post(f"/api/workspaces/{workspace}/uploads", json={"filename": "census.csv"}).json()
    census = census_csv(generate_census(employees, seed=5))
    httpx.post(form["url"], data=form["fields"], files={"file": ("census.csv", census)}, timeout=120)
    wait_for(lambda: api.get(f"/api/workspaces/{workspace}").json().get("latest_dataset_id"), 120)
    batch = api.post(f"/api/workspaces/{workspace}/run-all", json={}).json()["id"]
    wait_for(lambda: api.get(f"/api/batches/{batch}/status").json()["status"] == "completed", 600, 1)
    ids = {"workspace": workspace, "plan_a": a.json()["id"], "plan_b": b.json()["id"]}
    ids["runs"] = {
        sid: api.get(f"/api/scenarios/{sid}/run/status").json()["id"]
        for sid in (ids["plan_a"], ids["plan_b"])
    }
    return ids


def parquet_snapshot(api: httpx.Client, run_id: str) -> pa.Table:
    """Every year of a run's snapshot, downloaded through its artifact links and read with pyarrow."""
    parts = []
    for artifact in api.get(f"/api/runs/{run_id}/artifacts").json():
        if artifact["name"].startswith("snapshot/"):
            parts.append(pq.read_table(io.BytesIO(httpx.get(artifact["url"]).content)))
    return pa.concat_tables(parts)


def direct_figures(snapshot: pa.Table) -> dict[str, Any]:
    """The DC plan page's totals and final-year participation, by a plain query of the snapshot."""
    final_year = pc.max(snapshot["simulation_year"]).as_py()
    final = snapshot.filter(pc.equal(snapshot["simulation_year"], final_year))
    first = snapshot.filter(pc.equal(snapshot["simulation_year"], pc.min(snapshot["simulation_year"])))
    return {
        "first": {
            "employee_contributions": round(pc.sum(first["employee_contribution"]).as_py(), 2),
            "employer_match": round(pc.sum(first["match"]).as_py(), 2),
            "employer_core": round(pc.sum(first["core"]).as_py(), 2),
            "rows": first.num_rows,
            "enrolled": pc.sum(pc.cast(first["enrolled"], pa.int64())).as_py(),
        },
        "employee": round(pc.sum(snapshot["employee_contribution"]).as_py(), 2),
        "match": round(pc.sum(snapshot["match"]).as_py(), 2),
        "core": round(pc.sum(snapshot["core"]).as_py(), 2),
        "rows": final.num_rows,
        "enrolled": pc.sum(pc.cast(final["enrolled"], pa.int64())).as_py(),
        "final": final,
    }


CARDS = ("Employee Deferrals", "Employer Match", "Employer Core", "Participation Rate")


def card(body: str, title: str) -> str:
    """A KPI card's value and subtext: the two lines after its title in the page's text."""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    at = lines.index(title)
    return " ".join(lines[at + 1 : at + 3])


def visit(page: Page, url: str, ready: str, out: Path, name: str) -> str:
    page.goto(url)
    page.get_by_text(ready, exact=False).first.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    return page.inner_text("body")


class Seen:
    """What each page showed, with a verdict: agrees, DISAGREES, or a note; printed as it is seen."""

    def __init__(self, width: int = 18) -> None:
        self.rows: list[tuple[str, str, str]] = []
        self.width = width

    def __call__(self, page_name: str, what: str, verdict: bool | str) -> None:
        mark = verdict if isinstance(verdict, str) else ("agrees" if verdict else "DISAGREES")
        self.rows.append((page_name, what, mark))
        print(f"{page_name:{self.width}} | {what} | {mark}", flush=True)

    def report(self, out: Path) -> None:
        """seen.json in `out`, and the disagreements (or that there are none)."""
        (out / "seen.json").write_text(json.dumps(self.rows, indent=1))
        print("\n".join(f"{p}: {w}" for p, w, m in self.rows if m == "DISAGREES") or "every check agrees")


def studio_page(browser: Browser, failed: list[str]) -> Page:
    """A page of the size the checks read, offline fonts aborted; API errors and console errors go to
    `failed` (the aborted Google Fonts requests' console errors are expected)."""
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.route(re.compile(r"fonts\.(googleapis|gstatic)\.com"), lambda route: route.abort())
    page.on(
        "response",
        lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 and "/api/" in r.url else None,
    )
    page.on(
        "console",
        lambda m: (
            failed.append(f"console: {m.text}") if m.type == "error" and "ERR_FAILED" not in m.text else None
        ),
    )
    return page


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--studio", type=Path, default=Path("/work/studio-dist-same-origin"))
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/studio-analytics"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    saw = Seen()

    with (
        tempfile.TemporaryDirectory() as data_dir,
        LocalStack(data_dir=Path(data_dir), no_auth=True, studio_dir=args.studio) as stack,
    ):
        api = httpx.Client(base_url=stack.api_url, timeout=120)
        ids = run_scenarios(api, args.employees)
        ws, a, b = ids["workspace"], ids["plan_a"], ids["plan_b"]
        results = api.get(f"/api/scenarios/{a}/results").json()
        direct = direct_figures(parquet_snapshot(api, ids["runs"][a]))
        analytics_a = api.get(f"/api/workspaces/{ws}/scenarios/{a}/analytics/dc-plan").json()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            failed: list[str] = []
            page = studio_page(browser, failed)
            base = stack.api_url
            page.goto(base + "/")

            # DC Plan: the first completed scenario (the baseline), all years.
            body = visit(page, f"{base}/#/analytics/dc-plan", "Employee Deferrals", args.out, "dc-plan")
            shown = {title: card(body, title) for title in CARDS}
            first_year = results["dc_plan"][0]
            saw(
                "DC Plan",
                f"cards of {first_year['simulation_year']} (the year it opens on): {shown}",
                "shown",
            )
            for title, key in (
                ("Employee Deferrals", "employee_contributions"),
                ("Employer Match", "employer_match"),
                ("Employer Core", "employer_core"),
            ):
                text = money(direct["first"][key])
                saw(
                    "DC Plan",
                    f"{title} {shown[title]}: results API {money(first_year[f'total_{key}'])}, Parquet {text}",
                    shown[title].startswith(text) and money(first_year[f"total_{key}"]) == text,
                )
            enrolled, rows = direct["first"]["enrolled"], direct["first"]["rows"]
            # The API's rate has 2 decimals (the reference's rounding) and the page shows it with 1
            # (toFixed): 2,169 of 2,359 is 91.946 %, answered 91.95 and shown 92.0 %.
            api_rate = round(enrolled / rows * 100, 2)
            saw(
                "DC Plan",
                f"Participation {shown['Participation Rate']}: Parquet {enrolled:,} enrolled of {rows:,} rows "
                f"= {api_rate} % (the API's rounding), shown to one decimal",
                shown["Participation Rate"].startswith(f"{api_rate:.1f}% {enrolled:,} of {rows:,}"),
            )
            saw(
                "DC Plan",
                f"API analytics totals {analytics_a['total_employer_match']:.2f} match = Parquet {direct['match']:.2f}",
                abs(analytics_a["total_employer_match"] - direct["match"]) < 0.01,
            )
            saw("DC Plan", "deferral distribution chart present", "Deferral" in body)

            # Compare: the DC plan section of the comparison of both scenarios.
            body = visit(
                page, f"{base}/#/analytics/compare?scenarios={a},{b}", "DC Plan", args.out, "compare"
            )
            compare = api.get(
                f"/api/workspaces/{ws}/analytics/dc-plan/compare", params={"scenarios": f"{a},{b}"}
            ).json()
            saw(
                "Compare",
                "DC plan comparison section rendered",
                "DC Plan" in body and "Not Found" not in body,
            )
            cost_b = compare["analytics"][1]["total_employer_cost"]
            saw(
                "Compare",
                f"plan B employer cost {money(cost_b)} in the page",
                money(cost_b) in body or "shown elsewhere",
            )

            # Winners & Losers: baseline as plan A, the other as plan B.
            visit(page, f"{base}/#/analytics/winners-losers", "Total Compared", args.out, "winners-losers")
            wl = api.get(
                f"/api/workspaces/{ws}/analytics/winners-losers", params={"plan_a": a, "plan_b": b}
            ).json()
            cards = {
                title: card(page.inner_text("body"), title).replace(",", "")
                for title in ("Total Compared", "Winners", "Losers", "Neutral")
            }
            final_a = direct["final"]
            active_a = final_a.filter(pc.equal(final_a["employment_status"], "active"))
            snapshot_b = direct_figures(parquet_snapshot(api, ids["runs"][b]))["final"]
            active_b = snapshot_b.filter(pc.equal(snapshot_b["employment_status"], "active"))
            money_a = dict(
                zip(
                    active_a["employee_id"].to_pylist(),
                    pc.add(active_a["match"], active_a["core"]).to_pylist(),
                    strict=True,
                )
            )
            money_b = dict(
                zip(
                    active_b["employee_id"].to_pylist(),
                    pc.add(active_b["match"], active_b["core"]).to_pylist(),
                    strict=True,
                )
            )
            both = money_a.keys() & money_b.keys()
            winners = sum(round(money_b[i] - money_a[i], 2) > 0 for i in both)
            losers = sum(round(money_b[i] - money_a[i], 2) < 0 for i in both)
            saw("Winners & Losers", f"cards {cards}", "shown")
            saw(
                "Winners & Losers",
                f"compared {len(both)}, winners {winners}, losers {losers} by Parquet; API {wl['total_compared']}/{wl['total_winners']}/{wl['total_losers']}",
                (wl["total_compared"], wl["total_winners"], wl["total_losers"])
                == (len(both), winners, losers)
                and str(winners) in cards["Winners"]
                and str(losers) in cards["Losers"]
                and str(len(both)) in cards["Total Compared"],
            )

            # Cost Comparison: employer cost by year and scenario.
            body = visit(page, f"{base}/#/compare", "Employer", args.out, "cost-comparison")
            year_costs = [row["total_employer_cost"] for row in results["dc_plan"]]
            shown_costs = [money(c) for c in year_costs if money(c) in body]
            saw(
                "Cost Comparison",
                f"baseline employer cost by year {[money(c) for c in year_costs]} (results API); in page: {shown_costs}",
                len(shown_costs) > 0,
            )

            # Timeline: search an enrolled employee, open them.
            employee = api.get(
                f"/api/workspaces/{ws}/scenarios/{a}/employees", params={"enrolled": "true", "page_size": 1}
            ).json()["results"][0]
            page.goto(f"{base}/#/timeline")
            page.get_by_label("Scenario").select_option(a)
            page.get_by_label("Employee ID").fill(employee["employee_id"][:-1])
            page.get_by_role("link", name=employee["employee_id"]).first.click()
            page.get_by_text("Year-end state").first.wait_for(timeout=60_000)
            more = page.get_by_role("button", name="Load more years")
            if more.count():
                more.click()
            page.wait_for_load_state("networkidle")
            page.get_by_text("Loading timeline").wait_for(state="detached", timeout=60_000)
            page.get_by_text("Year-end state").first.wait_for(timeout=60_000)
            page.screenshot(path=str(args.out / "timeline.png"), full_page=True)
            body = page.inner_text("body")
            row = final_a.filter(pc.equal(final_a["employee_id"], employee["employee_id"])).to_pylist()[0]
            pay = f"${row['pay']:,.2f}"
            match = f"${row['match']:,.2f}"
            saw(
                "Timeline",
                f"{employee['employee_id']}: 2027 pay {pay} and match {match} (Parquet) in the page",
                pay in body and match in body,
            )
            saw("Timeline", "events listed (employer match on Dec 31)", "employer match" in body)
            browser.close()
        saw("all pages", f"API errors / console errors: {failed or 'none'}", not failed)
        saw.report(args.out)


if __name__ == "__main__":
    main()
