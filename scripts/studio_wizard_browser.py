"""Drives the PlanAlign Studio's Import Data wizard and the Config Studio's census-derived actions in
Chromium, as a user would, and reports step by step what broke: console errors, requests answering
>= 400 (with the body's `detail`), error text on the page, and the numbers the page shows against the
API's own answers (each action's request, as the Studio sent it, is sent again with httpx and the two
answers compared; then the page's numbers are compared with the answer).

The flow: create a workspace and a scenario through the UI; on Import Data, the wizard (not the
Parquet picker) twice: a two-sheet workbook (pick the sheet, check the pre-filled suggestions, change
one mapping, save a mapping template, preview, generate), then a CSV census (apply that template through
the Studio's own service call, map, preview, generate: this one becomes the workspace's census);
"View Imported Files" (list, download, delete the first one); then on Configure each "Match Census" /
"Calculate Settings" button (age bands, tenure bands, turnover, opt-out rate, new-hire age profile,
part-time, compensation by level, compensation-growth solver); finally a run on Simulate, followed to
its end. The Studio has no UI for mapping templates (`services/importService.ts` defines
saveTemplate / applyTemplate, no component calls them): the driver calls them from the page, as the
service does, and says so.

Reuses scripts/studio_browser.py (its Driver records console, requests and screenshots per step).
  .tools/browser/bin/python scripts/studio_wizard_browser.py --studio-url http://127.0.0.1:3100 \
      --api-url http://127.0.0.1:3100 [--workbook FILE --sheet NAME] [--census FILE] [--out DIR]
Needs httpx in the tools virtualenv. Prints a table, writes report.json and one PNG per step to --out.
Exit status: 0 when every step is ok, 1 otherwise."""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Response, Route, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from studio_browser import (  # a sibling script, not a package
    CHROMIUM_ARGS,
    Api,
    Driver,
    StepFailed,
    detail_of,
    print_table,
    to_number,
)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus" / "census"


def close(a: Any, b: Any, tol: float = 0.051) -> bool:
    return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= tol


def js_round(x: float) -> int:
    """Math.round: halves go up (Python's round() goes to even)."""
    return math.floor(x + 0.5)


def numbers_differ(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON answers differ (timestamps and ids aside)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            if key in ("created_at", "analyzed_at", "timestamp", "request_id"):
                continue
            out += numbers_differ(a.get(key), b.get(key), f"{path}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        out = []
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            out += numbers_differ(x, y, f"{path}[{index}]")
        return out
    if isinstance(a, float) or isinstance(b, float):
        return [] if close(a, b, 1e-9) else [f"{path}: {a!r} vs {b!r}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


class WizardDriver(Driver):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace_name = f"Wizard check {time.strftime('%Y-%m-%d %H:%M:%S')}"
        self.scenario_names = {"a": "Wizard baseline"}
        self.http = httpx.Client(base_url=self.api.base, headers=self.api.headers, timeout=60)
        self.imports: list[dict[str, Any]] = []  # per wizard import: import_id, file, rows, file_id
        self.template_id = ""

    # ---- small helpers ------------------------------------------------------------------------
    def ws(self) -> str:
        return f"/api/workspaces/{self.workspace_id}"

    def api_json(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        answer = self.http.request(method, path, **kwargs)
        try:
            return answer.status_code, answer.json()
        except ValueError:
            return answer.status_code, answer.text

    def studio_fetch(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """A call made from the page with a plain fetch, as services/importService.ts makes it."""
        result: dict[str, Any] = self.page.evaluate(
            """async ([method, path, body]) => {
                const init = {method};
                if (body !== null) { init.body = JSON.stringify(body);
                                     init.headers = {'Content-Type': 'application/json'}; }
                const res = await fetch(path, init);
                const text = await res.text();
                let parsed = text; try { parsed = JSON.parse(text); } catch (e) {}
                return {status: res.status, body: parsed};
            }""",
            [method, path, body],
        )
        return int(result["status"]), result["body"]

    def replay(self, response: Response) -> tuple[int, Any]:
        """The Studio's request, sent again by the driver with httpx."""
        request = response.request
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"Content-Type": "application/json"} if request.post_data else {}
        return self.api_json(request.method, path, content=request.post_data, headers=headers)

    def click_capturing(self, button: Any, suffix: str, timeout_ms: int = 60000) -> Any:
        """Click; the Studio's answer to the request whose path ends with suffix (JSON)."""
        with self.page.expect_response(
            lambda r: urlsplit(r.url).path.endswith(suffix) and r.request.method != "OPTIONS",
            timeout=timeout_ms,
        ) as info:
            button.click()
        response = info.value
        try:
            body = response.json()
        except (PlaywrightError, ValueError):
            body = None
        self.cur.notes.append(f"{response.request.method} ...{suffix} -> {response.status}")
        if not response.ok:
            raise StepFailed(f"{response.request.method} ...{suffix} -> {response.status}: {detail_of(body)}")
        status, again = self.replay(response)
        diffs = numbers_differ(body, again)
        self.check(
            f"{suffix}: the Studio's answer = the same request via httpx",
            "same" if not diffs and status == response.status else f"{status}: {diffs[:4]}",
            "same",
        )
        return body

    def section(self, label: str) -> None:
        self.page.get_by_role("button", name=label, exact=True).first.click()
        self.wait(400)

    def create_scenarios(self) -> None:
        super().create_scenarios()  # its check counts the three scenarios of studio_browser.py
        report = self.reports[-1]
        report.checks = [c for c in report.checks if not c["what"].startswith("3 scenarios")]
        self.check_in(report, "scenario known to the API", len(self.scenario_ids), 1)

    def check_in(self, report: Any, what: str, shown: Any, expected: Any) -> None:
        report.checks.append({"what": what, "page": shown, "api": expected, "ok": shown == expected})

    # ---- the wizard -----------------------------------------------------------------------------
    def wizard_import(
        self, name: str, file: Path, sheet: str | None, unmap: str | None, template: str | None
    ) -> None:
        record: dict[str, Any] = {"file": file.name}
        self.imports.append(record)
        with self.step(f"{name}-upload", "/import"):
            self.go("/import")
            self.page.get_by_role("heading", name="Import Data").wait_for()
            again = self.page.get_by_role("button", name="Import Another File")
            if again.count() and again.first.is_visible():
                again.first.click()
            chooser = self.page.locator("input[type=file][accept='.csv,.xlsx']")
            with self.page.expect_response(lambda r: r.url.endswith("/imports/upload")) as info:
                chooser.set_input_files(str(file))
            session = info.value.json() if info.value.ok else {}
            if not info.value.ok:
                raise StepFailed(f"POST .../imports/upload -> {info.value.status}: {detail_of(session)}")
            record["import_id"] = session.get("import_id")
            record["rows"] = session.get("row_count")
            sheets = session.get("available_sheets") or []
            self.cur.notes.append(
                f"upload: {session.get('row_count')} rows, {session.get('column_count')} columns, "
                f"sheets {sheets}, sheet_name {session.get('sheet_name')!r}"
            )
            if sheet:
                picker = self.page.get_by_text("Select Excel Sheet")
                mapping = self.page.get_by_role("button", name="Save Mapping & Continue")
                if self.first_visible(picker, mapping, timeout_s=30) == 1:
                    self.check("sheet picker shown for a two-sheet workbook", "no picker", "picker")
                else:
                    self.shot(f"{name}-sheet-picker")
                    buttons = self.page.locator("button").filter(has_text=re.compile(f"^{sheet}$"))
                    with self.page.expect_response(lambda r: r.url.endswith("/sheet")) as picked:
                        buttons.first.click()
                    body = picked.value.json() if picked.value.ok else {}
                    if not picked.value.ok:
                        raise StepFailed(f"PATCH .../sheet -> {picked.value.status}: {detail_of(body)}")
                    record["rows"] = body.get("row_count")
                    self.cur.notes.append(
                        f"sheet {sheet!r}: {body.get('row_count')} rows, columns "
                        f"{[c.get('name') for c in body.get('detected_columns', [])]}"
                    )
            self.page.get_by_role("button", name="Save Mapping & Continue").wait_for(timeout=60000)

        with self.step(f"{name}-mapping", "/import"):
            import_id = record.get("import_id")
            if not import_id:
                raise StepFailed("no import session")
            if template and self.template_id:
                # Not a UI path: the Studio's applyTemplate(), which no component calls.
                status, body = self.studio_fetch(
                    "POST",
                    f"{self.ws()}/imports/{import_id}/apply-template",
                    {"template_id": self.template_id},
                )
                self.cur.notes.append(
                    f"applyTemplate (from the page, no UI) -> {status}: "
                    f"{len((body or {}).get('mappings', [])) if isinstance(body, dict) else body} mappings, "
                    f"errors {(body or {}).get('validation_errors') if isinstance(body, dict) else ''}"
                )
                self.check("POST .../apply-template", status, 200)
            _, suggestions = self.api_json("GET", f"{self.ws()}/imports/{import_id}/suggestions")
            expected = {
                s["input_column"]: s.get("suggested_canonical_field") or ""
                for s in (suggestions or {}).get("suggestions", [])
                if s.get("confidence") in ("high", "medium")
            }
            shown = self.mapping_rows()
            self.cur.notes.append(f"pre-filled: {shown}")
            missing = {c: f for c, f in expected.items() if shown.get(c) != f}
            self.check(
                "suggestions pre-filled (select = the API's high/medium suggestion)",
                missing or "all",
                "all",
                ok=not missing and bool(expected),
            )
            if unmap:
                select = self.row_select(unmap)
                select.select_option("")
                self.cur.notes.append(f"changed: {unmap!r} -> not mapped")
            self.shot(f"{name}-mapping-before-save")
            save = self.page.get_by_role("button", name="Save Mapping & Continue")
            with self.page.expect_response(lambda r: r.url.endswith("/mapping")) as info:
                save.click()
            saved = info.value.json()
            sent = json.loads(info.value.request.post_data or "{}")
            sent_cols = [m.get("input_column") for m in sent.get("field_mappings", [])]
            self.cur.notes.append(f"PUT .../mapping sent {len(sent_cols)} columns: {sent_cols}")
            self.check(
                "PUT .../mapping answered without validation_errors",
                saved.get("validation_errors") if isinstance(saved, dict) else saved,
                [],
            )
            if unmap:
                self.check(
                    f"changed column {unmap!r} left out of the saved mapping", unmap in sent_cols, False
                )
            if template and not self.template_id:
                # Not a UI path: the Studio's saveTemplate(), which no component calls.
                status, body = self.studio_fetch(
                    "POST",
                    f"{self.ws()}/mapping-templates",
                    {"import_id": import_id, "name": template, "description": "saved by the wizard check"},
                )
                self.template_id = str((body or {}).get("template_id", "")) if isinstance(body, dict) else ""
                self.check(
                    "POST .../mapping-templates (saveTemplate, from the page)",
                    status,
                    200,
                    ok=status in (200, 201),
                )
                _, listed = self.api_json("GET", f"{self.ws()}/mapping-templates")
                names = [t.get("name") for t in (listed or {}).get("templates", [])]
                fields = [t.get("field_count") for t in (listed or {}).get("templates", [])]
                self.check(
                    "template listed by GET .../mapping-templates", names, [template], ok=template in names
                )
                self.cur.notes.append(
                    f"template {self.template_id}: field_count {fields}, saved {len(sent_cols)}"
                )

        with self.step(f"{name}-preview", "/import"):
            heading = self.page.get_by_text(re.compile(r"^Mapped Preview \("))
            error = self.page.locator("div.text-danger-ink.bg-danger-surface")
            if self.first_visible(heading, error, timeout_s=60) == 1:
                raise StepFailed(f"preview failed, the page says: {error.first.inner_text()}")
            text = heading.first.inner_text()
            _, preview = self.api_json("GET", f"{self.ws()}/imports/{record['import_id']}/mapped-preview")
            nums = re.findall(r"[\d,]+", text)
            self.check(
                "Mapped Preview (n of total) = API preview_row_count / total_row_count",
                [to_number(n) for n in nums[:2]],
                [float(preview.get("preview_row_count", -1)), float(preview.get("total_row_count", -1))],
            )
            columns = self.page.locator("table thead th").all_inner_texts()
            self.check(
                "preview columns = API columns",
                [c.strip().lower() for c in columns],
                [c.lower() for c in preview.get("columns", [])],
            )
            cells = self.page.locator("table tbody tr").first.locator("td").all_inner_texts()
            first = (preview.get("rows") or [{}])[0]
            api_cells = [
                "null" if first.get(c) is None else str(first.get(c)) for c in preview.get("columns", [])
            ]
            self.check("first preview row = API's", [c.strip() for c in cells], api_cells)
            warnings = preview.get("transformation_warnings") or []
            if warnings:
                self.cur.notes.append(f"transformation_warnings: {warnings[:3]}")

        with self.step(f"{name}-generate", "/import"):
            self.page.get_by_role("button", name="Generate Parquet File").click()
            done = self.page.get_by_text("Parquet File Generated!")
            error = self.page.locator("div.text-danger-ink.bg-danger-surface")
            if self.first_visible(done, error, timeout_s=120) == 1:
                raise StepFailed(f"generate failed, the page says: {error.first.inner_text()}")
            summary = self.page.locator("p:has(span.font-mono)").first.inner_text()
            self.cur.notes.append(f"page: {summary.strip()}")
            _, files = self.api_json("GET", f"{self.ws()}/parquet-files")
            mine = [
                f for f in (files or {}).get("parquet_files", []) if f.get("import_id") == record["import_id"]
            ]
            if not mine:
                raise StepFailed("the generated file is not in GET .../parquet-files")
            record["file_id"] = mine[0]["file_id"]
            record["storage_path"] = mine[0]["storage_path"]
            self.check(
                "rows on the page = parquet-files row_count",
                to_number(summary.split("—")[-1]),
                float(mine[0]["row_count"]),
            )
            self.check("filename on the page = parquet-files filename", mine[0]["filename"] in summary, True)
            _, workspace = self.api_json("GET", self.ws())
            census = ((workspace or {}).get("base_config") or {}).get("setup", {}).get("census_parquet_path")
            self.check("workspace census = the generated file", census, mine[0]["storage_path"])

    def mapping_rows(self) -> dict[str, str]:
        rows: dict[str, str] = self.page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll('table tbody tr')]
                .filter(tr => tr.querySelector('select'))
                .map(tr => [tr.querySelector('td').textContent.trim(), tr.querySelector('select').value]))"""
        )
        return rows

    def row_select(self, column: str) -> Any:
        cell = self.page.locator("td.font-mono", has_text=re.compile(f"^{re.escape(column)}$"))
        return self.page.locator("table tbody tr").filter(has=cell).first.locator("select").first

    # ---- imported files ---------------------------------------------------------------------------
    def files_view(self) -> None:
        with self.step("imported-files", "/import"):
            self.go("/import")
            self.page.get_by_role(
                "button", name=re.compile("View Imported Files|View All Files")
            ).first.click()
            header = self.page.get_by_text(re.compile(r"^Imported Files \(\d+\)"))
            header.wait_for()
            _, files = self.api_json("GET", f"{self.ws()}/parquet-files")
            listed = (files or {}).get("parquet_files", [])
            self.check("Imported Files (n) = API", to_number(header.inner_text()), float(len(listed)))
            rows = self.page.locator("table tbody tr")
            self.cur.notes.append(
                "rows: " + " || ".join(" | ".join(r.split()) for r in rows.all_inner_texts())
            )
            for file in listed:
                row = rows.filter(has_text=file["filename"])
                if row.count():
                    shown = to_number(row.first.locator("td").nth(2).inner_text())
                    self.check(f"rows of {file['filename']}", shown, float(file["row_count"]))
            self.shot("imported-files-list")
        with self.step("imported-files-download", "/import"):
            target = self.imports[-1]
            link = self.page.locator(f"a[href$='/parquet-files/{target.get('file_id')}/download']")
            if not link.count():
                raise StepFailed("no download link for the census file")
            with self.page.expect_download(timeout=60000) as info:
                link.first.click()
            download = info.value
            saved = self.out / f"download-{download.suggested_filename}"
            download.save_as(saved)
            data = saved.read_bytes()
            self.cur.notes.append(f"downloaded {download.suggested_filename}: {len(data)} bytes")
            # Chromium reports the navigation that became a download as ERR_ABORTED: not a failure.
            self.cur.failed_requests = [
                f for f in self.cur.failed_requests if not (f.status is None and "ERR_ABORTED" in f.failure)
            ]
            self.check("download is a Parquet file (PAR1 magic)", data[:4] + data[-4:], b"PAR1PAR1")
            answer = self.http.get(f"{self.ws()}/parquet-files/{target.get('file_id')}/download")
            self.check("GET .../download via httpx: 307 to the file", answer.status_code, 307)
        with self.step("imported-files-delete", "/import"):
            victim = self.imports[0]
            if not victim.get("file_id"):
                raise StepFailed("no first import to delete")
            _, files = self.api_json("GET", f"{self.ws()}/parquet-files")
            before = len((files or {}).get("parquet_files", []))
            row = self.page.locator("table tbody tr").filter(
                has=self.page.locator(f"a[href$='/parquet-files/{victim['file_id']}/download']")
            )
            row.first.locator("button[title='Delete']").click()
            with self.page.expect_response(lambda r: r.request.method == "DELETE") as info:
                row.first.get_by_role("button", name="Confirm").click()
            self.check("DELETE .../parquet-files/{id}", info.value.status, 204)
            self.wait(500)
            _, files = self.api_json("GET", f"{self.ws()}/parquet-files")
            after = len((files or {}).get("parquet_files", []))
            self.check("files listed by the API after delete", after, before - 1)
            self.check("rows shown after delete", self.page.locator("table tbody tr").count(), after)

    # ---- Configure: the census-derived actions -------------------------------------------------------
    def open_config(self) -> None:
        scenario = self.scenario_ids.get("a")
        self.go(f"/config/{scenario}")
        self.page.get_by_role(
            "heading", name=re.compile(r"^(Configure: |Base Configuration)")
        ).first.wait_for()
        self.section("Data Sources")
        self.settle()

    def derive(self) -> None:
        with self.step("config-data-sources", "/config"):
            self.open_config()
            rows = self.page.get_by_text("Rows", exact=True)
            none = self.page.get_by_text("No census file configured")
            if self.first_visible(rows, none) == 1:
                raise StepFailed("Data Sources: No census file configured")
            value = self.page.locator(
                "xpath=//span[normalize-space(text())='Rows']/following-sibling::span[1]"
            )
            self.check(
                "census rows on Data Sources",
                to_number(value.first.inner_text()),
                float(self.imports[-1].get("rows") or 0),
            )
        self.bands()
        self.turnover()
        self.opt_out()
        self.new_hire()
        self.solver()

    def bands(self) -> None:
        for kind, title in (("age", "Age Bands"), ("tenure", "Tenure Bands")):
            with self.step(f"derive-{kind}-bands", "/config"):
                self.section("Workforce Segmentation")
                box = self.page.locator("div.bg-surface-subtle").filter(
                    has=self.page.get_by_role("heading", name=title)
                )
                button = box.last.get_by_role("button", name="Match Census")
                body = self.click_capturing(button, f"/analyze-{kind}-bands")
                panel = self.page.get_by_text(f"Suggested {title}").locator("xpath=..")
                panel.wait_for()
                text = panel.inner_text()
                self.cur.notes.append("panel: " + " ".join(text.split())[:300])
                stats = body.get("distribution_stats", {})
                based = re.search(r"Based on (\d+) employees", text)
                median = re.search(r"Median: ([\d.]+)", text)
                self.check(
                    "employees shown = distribution_stats.total_employees",
                    int(based.group(1)) if based else None,
                    stats.get("total_employees"),
                )
                self.check(
                    "median shown = distribution_stats.median_value",
                    float(median.group(1)) if median else None,
                    round(float(stats.get("median_value", -1)), 1),
                )
                self.check("as-of shown = as_of_date", body.get("as_of_date", "?") in text, True)
                self.cur.notes.append(
                    f"suggested bands: {[(b.get('min_value'), b.get('max_value')) for b in body.get('suggested_bands', [])]}"
                )
                self.shot(f"derive-{kind}-bands")

    def turnover(self) -> None:
        with self.step("derive-turnover", "/config"):
            self.section("Workforce & Turnover")
            body = self.click_capturing(
                self.page.get_by_role("button", name="Match Census").first, "/analyze-turnover"
            )
            self.page.get_by_text("Suggested Termination Rates").wait_for()
            text = self.page.get_by_text("Suggested Termination Rates").locator("xpath=../../..").inner_text()
            self.cur.notes.append("panel: " + " ".join(text.split())[:300])
            based = re.search(r"Based on ([\d,]+) employees \(([\d,]+) terminated\)", text)
            self.check(
                "employees / terminated shown = API",
                [to_number(based.group(1)), to_number(based.group(2))] if based else None,
                [float(body.get("total_employees", -1)), float(body.get("total_terminated", -1))],
            )
            for key, label in (("experienced_rate", "Experienced"), ("new_hire_rate", "New Hire")):
                rate = body.get(key)
                if not rate:
                    self.cur.notes.append(f"{key}: none ({body.get('message')})")
                    continue
                row = self.page.locator("tr").filter(
                    has=self.page.locator("td", has_text=re.compile(f"^{label}$"))
                )
                cells = row.first.locator("td").all_inner_texts() if row.count() else []
                self.check(
                    f"{label} suggested % = API rate x 100",
                    to_number(cells[1]) if cells else None,
                    round(rate["rate"] * 100, 1),
                )
                self.check(
                    f"{label} sample = terminated / sample_size",
                    cells[3].strip() if cells else None,
                    f"{rate['terminated_count']} / {rate['sample_size']}",
                )
            self.shot("derive-turnover")

    def opt_out(self) -> None:
        with self.step("derive-opt-out", "/config"):
            self.section("DC Plan")
            auto = self.page.locator("#dcAutoEnroll")
            if auto.count() and not auto.is_checked():
                auto.check()
                self.cur.notes.append("enabled auto-enrollment to reach Opt-Out Assumptions")
            box = (
                self.page.locator("div")
                .filter(has=self.page.get_by_role("heading", name="Opt-Out Assumptions"))
                .last
            )
            button = box.get_by_role("button", name="Match Census")
            button.scroll_into_view_if_needed()
            body = self.click_capturing(button, "/analyze-opt-out-rate")
            panel = self.page.get_by_text("Census Match Preview").locator("xpath=../..")
            panel.wait_for()
            text = panel.inner_text()
            self.cur.notes.append("panel: " + " ".join(text.split())[:300])
            if body.get("suggested_rate") is None:
                self.cur.notes.append(f"no suggested rate: {body}")
            else:
                eligible = re.search(r"Employees in window:\s*(\d+)", text)
                nonpart = re.search(r"Non-participants:\s*(\d+)", text)
                rate = re.search(r"Suggested rate:\s*([\d.]+)%", text)
                self.check(
                    "employees in window = eligible_count",
                    int(eligible.group(1)) if eligible else None,
                    body.get("eligible_count"),
                )
                self.check(
                    "non-participants = non_participant_count",
                    int(nonpart.group(1)) if nonpart else None,
                    body.get("non_participant_count"),
                )
                self.check(
                    "suggested rate % = suggested_rate x 100",
                    float(rate.group(1)) if rate else None,
                    round(body["suggested_rate"] * 100, 1),
                )
            self.shot("derive-opt-out")

    def new_hire(self) -> None:
        with self.step("derive-new-hire-age", "/config"):
            self.section("New Hire Strategy")
            box = self.page.locator("div.bg-surface-subtle").filter(
                has=self.page.get_by_role("heading", name="New Hire Age Profile")
            )
            body = self.click_capturing(
                box.last.get_by_role("button", name="Match Census"), "/analyze-age-distribution"
            )
            self.wait(500)
            inputs = box.last.locator("table tbody tr")
            shown = [
                [c.strip() for c in r.locator("td").all_inner_texts()]
                + r.locator("input").evaluate_all("els => els.map(e => e.value)")
                for r in inputs.all()
            ]
            self.cur.notes.append(f"table rows: {shown[:8]}")
            api = [(d.get("age"), d.get("weight")) for d in body.get("distribution", [])]
            self.cur.notes.append(
                f"API distribution: {api}; sample {body.get('sample_size')} ({body.get('source')})"
            )
            # NewHireSection shows each weight as a whole percent (Math.round(weight * 100)).
            self.check(
                "age profile rows (age, weight %) = API (age, round(weight*100))",
                [[to_number(r[0]), to_number(r[-1])] for r in shown],
                [[float(age), float(js_round(weight * 100))] for age, weight in api],
            )
            self.shot("derive-new-hire-age")
        with self.step("derive-part-time", "/config"):
            box = self.page.locator("div.bg-surface-subtle").filter(
                has=self.page.get_by_role("heading", name="Part-Time New Hires")
            )
            body = self.click_capturing(
                box.last.get_by_role("button", name="Match Census"), "/analyze-part-time-pct"
            )
            self.wait(400)
            shown = self.page.locator("#part-time-new-hire-pct").input_value()
            self.cur.notes.append(f"API: {body}; field {shown!r}")
            if body.get("column_present"):
                self.check(
                    "Part-Time New Hire % = round(part_time_pct*1000)/10",
                    to_number(shown),
                    round(body["part_time_pct"] * 1000) / 10,
                )
            else:
                self.check("column_present", False, True)
            self.shot("derive-part-time")
        with self.step("derive-compensation", "/config"):
            heading = self.page.get_by_text("Define min/max compensation for each job level.")
            heading.scroll_into_view_if_needed()
            box = self.page.locator("div.bg-surface-subtle").filter(has=heading)
            scale = to_number(self.page.locator("#newhire-comp-scale").input_value()) or 1.0
            body = self.click_capturing(
                box.last.get_by_role("button", name="Match Census"), "/analyze-compensation-by-level"
            )
            self.wait(500)
            levels = body.get("levels") if body.get("has_level_data") else body.get("suggested_levels")
            key_min, key_max = (
                ("min_compensation", "max_compensation")
                if body.get("has_level_data")
                else ("suggested_min", "suggested_max")
            )
            rows = box.last.locator("table tbody tr").all()
            shown = [r.locator("input").evaluate_all("els => els.map(e => e.value)") for r in rows]
            shown = [s for s in shown if len(s) >= 2]
            expected = [
                [js_round(lv[key_min] * scale), js_round(lv[key_max] * scale)] for lv in (levels or [])
            ]
            self.cur.notes.append(
                f"scale {scale}; shown {shown}; API x scale {expected}; type {body.get('analysis_type')} ({body.get('total_employees')})"
            )
            self.check(
                "level min/max shown = API x scale",
                [[to_number(v) for v in s[:2]] for s in shown],
                [[float(a), float(b)] for a, b in expected],
            )
            self.shot("derive-compensation")

    def solver(self) -> None:
        with self.step("derive-comp-solver", "/config"):
            self.section("Compensation")
            body = self.click_capturing(
                self.page.get_by_role("button", name="Calculate Settings"), "/solve-compensation-growth"
            )
            self.page.get_by_text("Settings Applied!").wait_for()
            panel = self.page.get_by_text("Settings Applied!").locator("xpath=../..")
            values = panel.locator("div.grid > div > div:first-child").all_inner_texts()
            keys = ("cola_rate", "merit_budget", "promotion_increase", "promotion_budget")
            fixed = self.page.evaluate(
                "xs => xs.map(x => x.toFixed(1) + '%')", [body.get(k, 0) for k in keys]
            )
            expected = list(fixed)  # JavaScript's toFixed(1) of the API's numbers, as the panel shows them
            self.check("COLA / Merit / Promo Inc. / Promo Budget shown = API", values, expected)
            self.cur.notes.append("panel: " + " ".join(panel.inner_text().split())[:300])
            self.shot("derive-comp-solver")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--studio-url", required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", default=None)
    parser.add_argument(
        "--workbook", default=str(CORPUS / "second_sheet.xlsx"), help="a workbook with 2+ sheets"
    )
    parser.add_argument("--sheet", default="Census", help="the sheet to pick")
    parser.add_argument("--unmap", default="Deferral", help="workbook column the driver un-maps")
    parser.add_argument("--census", default=None, help="census CSV (default: planalign census generate)")
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--out", default="studio-wizard-check")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--step-timeout", type=float, default=30.0)
    parser.add_argument("--run-timeout", type=float, default=600.0)
    parser.add_argument("--headed", action="store_true")
    args = parser.parse_args(argv)
    args.api_fallback = False
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    census = Path(args.census) if args.census else out / "census.csv"
    if not args.census:
        planalign = ROOT / ".venv" / "bin" / "planalign"
        command = [
            str(planalign),
            "census",
            "generate",
            "--employees",
            str(args.employees),
            "--out",
            str(census),
        ]
        subprocess.run(command, check=True, capture_output=True)
    api = Api(args.api_url, args.token)
    started = time.time()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium, headless=not args.headed, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
        local = {
            urlsplit(args.studio_url).hostname,
            urlsplit(args.api_url).hostname,
            "localhost",
            "127.0.0.1",
        }

        def offline(route: Route) -> None:
            (route.continue_ if urlsplit(route.request.url).hostname in local else route.abort)()

        context.route(re.compile(r"^https?://"), offline)  # Google Fonts and anything else: aborted
        page = context.new_page()
        driver = WizardDriver(page, args, api, out)
        driver.open_studio()
        driver.create_workspace()
        driver.create_scenarios()
        driver.wizard_import(
            "wizard-xlsx", Path(args.workbook), args.sheet, args.unmap, "Wizard check template"
        )
        driver.wizard_import("wizard-csv", census, None, None, "Wizard check template")
        driver.files_view()
        driver.derive()
        driver.simulate()
        browser.close()
    reports = driver.reports
    (out / "report.json").write_text(
        json.dumps(
            {
                "seconds": round(time.time() - started, 1),
                "workspace": {"name": driver.workspace_name, "id": driver.workspace_id},
                "scenarios": driver.scenario_ids,
                "imports": driver.imports,
                "run_id": driver.run_id,
                "steps": [{**asdict(r), "status": "ok" if r.ok else "problems"} for r in reports],
            },
            indent=2,
            default=str,
        )
    )
    print()
    print_table(reports)
    print(f"\nreport: {out / 'report.json'}   screenshots: {out}/*.png")
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
