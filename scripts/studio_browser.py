"""Drives a built PlanAlign Studio in Chromium, as a user would, against a backend, and reports page by
page what broke: console errors, requests that failed or answered >= 400 (with the body's `detail`),
error-boundary / "Not Found" text, and numbers read from the page compared with the API's answers.

The flow: create a workspace (header menu, or the empty-state prompt), three scenarios on Scenarios,
upload a census through Import Data's plain upload (`POST /api/workspaces/{id}/upload`, the picker
without a mapping step), rename one scenario and delete another (two remain), change Target Growth
Rate on Configure and save it, start a run on Simulate and follow it live to its end, then the
simulation detail, Overview, Batch (launch both scenarios), Compare, Diff and every other page of the
Studio's navigation, then Vesting's Annual Forfeitures report and Cost Comparison's Net of forfeitures
view (their totals against the API's). A page that fails is recorded and the driver moves on. When
the Studio's upload fails, the census goes in through our presigned form instead (a note says so;
--no-api-fallback turns it off) so that the pages after it have something to show. Besides the pages,
the driver asks the API directly what a page depends on: the run's WebSocket and telemetry route,
links opened in a new tab (exports, artifacts: no Authorization header there), CORS.

Run it with the tools virtualenv (Playwright is not a dependency of the package):
  .tools/browser/bin/python scripts/studio_browser.py --studio-url http://127.0.0.1:5173 \
      --api-url http://127.0.0.1:3000 [--token T] [--census FILE] [--out DIR]
The Studio must be built with VITE_API_URL (and VITE_PLANALIGN_API_TOKEN when the backend wants one);
--token is only for the driver's own API calls. It routes with a HashRouter, so any static server works.
Prints a table (page | status | console errors | failed requests | notes) and writes report.json (with
each page's network log: every API call, method, path and status) and
one PNG per page to --out. Exit status: 0 when every page is ok, 1 otherwise."""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import (
    ConsoleMessage,
    Locator,
    Page,
    Request,
    Response,
    Route,
    WebSocket,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Texts the Studio shows when a page could not load its data (besides the error boundary).
ERROR_PHRASES = (
    "Failed to load workspaces",
    "Error Loading Details",
    "Failed to Load Results",
    "Error Loading Comparison",
    "Unable to open scenario diff",
    "Failed to load scenarios",
    "Failed to start simulation",
    "Could not load workspace",
    "Could not validate census file",
)
# Pages of the sidebar (and a few reachable from it) that the flow does not otherwise exercise.
OTHER_PAGES = (
    ("dashboard", "/"),
    ("workspaces", "/workspaces"),
    ("timeline", "/timeline"),
    ("calibration", "/calibrate"),
    ("optimizer", "/optimize"),
    ("dc-plan", "/analytics/dc-plan"),
    ("vesting", "/analytics/vesting"),
    ("ndt-testing", "/analytics/ndt"),
    ("winners-losers", "/analytics/winners-losers"),
    ("cost-comparison", "/compare"),
)


class StepFailed(Exception):
    """A step could not go on; the message says what the page showed."""


@dataclass
class FailedRequest:
    method: str
    path: str
    status: int | None  # None: the request never got an answer (network, CORS, aborted)
    detail: str = ""
    failure: str = ""

    def short(self) -> str:
        answer = str(self.status) if self.status is not None else f"failed ({self.failure})"
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.method} {self.path} -> {answer}{detail}"


@dataclass
class PageReport:
    name: str
    route: str | None = None
    heading: str = ""
    screenshot: str = ""
    console_errors: list[str] = field(default_factory=list)
    console_warnings: list[str] = field(default_factory=list)
    failed_requests: list[FailedRequest] = field(default_factory=list)
    api_writes: list[dict[str, Any]] = field(default_factory=list)
    api_calls: list[str] = field(default_factory=list)  # the page's network log: "GET /api/... 200"
    websockets: list[dict[str, Any]] = field(default_factory=list)
    error_boundary: bool = False
    not_found: bool = False
    error_texts: list[str] = field(default_factory=list)
    shown_errors: list[str] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exception: str = ""
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not (
            self.console_errors
            or self.failed_requests
            or self.error_boundary
            or self.not_found
            or self.exception
            or self.shown_errors
            or any(not check["ok"] for check in self.checks)
        )


class Api:
    """The driver's own calls to the backend, to compare what the pages show with what it answers."""

    def __init__(self, base: str, token: str | None) -> None:
        self.base = base.rstrip("/")
        self.headers = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {**self.headers, **(headers or {})}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw, answer_headers = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            status, raw, answer_headers = error.code, error.read(), dict(error.headers)
        except (urllib.error.URLError, OSError) as error:
            return 0, str(error), {}
        try:
            return status, json.loads(raw), answer_headers
        except ValueError:
            return status, raw.decode(errors="replace"), answer_headers

    def get(self, path: str) -> tuple[int, Any]:
        status, body, _ = self.call("GET", path)
        return status, body


def to_number(text: str | None) -> float | None:
    if not text:
        return None
    match = re.search(r"-?\d[\d,]*(?:\.\d+)?", text)
    return float(match.group().replace(",", "")) if match else None


def studio_money(value: float) -> str:
    """A dollar figure as Cost Comparison's formatCurrency shows it ($1.23M, $45.6K, $789)."""
    if value >= 1_000_000:
        return f"${value / 1_000_000:.2f}M"
    if value >= 1000:
        return f"${value / 1000:.1f}K"
    return f"${value:.0f}"


def detail_of(body: Any) -> str:
    if isinstance(body, dict) and "detail" in body:
        detail = body["detail"]
        return detail if isinstance(detail, str) else json.dumps(detail)[:400]
    return (body if isinstance(body, str) else json.dumps(body))[:400]


def results_shape_problems(results: dict[str, Any]) -> list[str]:
    """Where GET /api/scenarios/{id}/results differs from the Studio's SimulationResults."""
    problems = [
        f"no '{key}'"
        for key in (
            "workforce_progression",
            "event_trends",
            "growth_analysis",
            "cagr_metrics",
            "compensation_by_status",
        )
        if key not in results
    ]
    trends = results.get("event_trends")
    if isinstance(trends, dict):
        shapes = sorted({type(value).__name__ for value in trends.values()})
        if shapes != ["list"]:
            problems.append(f"event_trends values are {'/'.join(shapes)}, not [count per year]")
    rate = results.get("participation_rate")
    if isinstance(rate, (int, float)) and not 0 <= rate <= 1:
        problems.append(f"participation_rate {rate} is not a fraction 0-1")
    return problems


def redact(url: str) -> str:
    return re.sub(r"(token=)[^&]+", r"\1***", url)


class Driver:
    def __init__(self, page: Page, args: argparse.Namespace, api: Api, out: Path) -> None:
        self.page = page
        self.args = args
        self.api = api
        self.out = out
        self.studio_url = args.studio_url.rstrip("/")
        self.api_origin = "{0.scheme}://{0.netloc}".format(urlsplit(args.api_url))
        self.reports: list[PageReport] = []
        self.cur = PageReport(name="(startup)")
        self.inflight: set[Request] = set()
        self.pending: list[tuple[PageReport, Response]] = []
        self.step_timeout_ms = int(args.step_timeout * 1000)
        self.workspace_name = f"Studio check {time.strftime('%Y-%m-%d %H:%M:%S')}"
        self.workspace_id = ""
        self.scenario_names = {"a": "Baseline", "b": "Alt plan", "c": "Scratch (to delete)"}
        self.renamed_b = "Alt plan (renamed)"
        self.scenario_ids: dict[str, str] = {}
        self.census_rows: int | None = None
        self.run_id = ""
        page.on("console", self._on_console)
        page.on("pageerror", self._on_pageerror)
        page.on("request", self._on_request)
        page.on("requestfinished", self._on_request_done)
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)
        page.on("websocket", self._on_websocket)
        page.set_default_timeout(self.step_timeout_ms)

    # ---- events ---------------------------------------------------------------------------------
    def _is_api(self, url: str) -> bool:
        return "/api/" in url or url.startswith(self.api_origin + "/api")

    def _path(self, url: str) -> str:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        prefix = "" if origin in (self.api_origin, self.studio_origin()) else origin
        return prefix + parts.path + (f"?{parts.query}" if parts.query else "")

    def studio_origin(self) -> str:
        return "{0.scheme}://{0.netloc}".format(urlsplit(self.studio_url))

    def _on_console(self, message: ConsoleMessage) -> None:
        source = str((message.location or {}).get("url", ""))
        if urlsplit(source).hostname in ("fonts.googleapis.com", "fonts.gstatic.com"):
            return  # the fonts are aborted on purpose (offline)
        text = message.text[:600]
        if message.type == "error":
            self.cur.console_errors.append(text)
        elif message.type == "warning":
            self.cur.console_warnings.append(text)

    def _on_pageerror(self, error: PlaywrightError) -> None:
        self.cur.console_errors.append(f"uncaught: {error.message[:600]}")

    def _on_request(self, request: Request) -> None:
        if self._is_api(request.url):
            self.inflight.add(request)

    def _on_request_done(self, request: Request) -> None:
        self.inflight.discard(request)

    def _on_request_failed(self, request: Request) -> None:
        self.inflight.discard(request)
        host = urlsplit(request.url).hostname or ""
        if host.startswith("fonts.g"):
            return  # aborted on purpose (offline)
        self.cur.failed_requests.append(
            FailedRequest(request.method, self._path(request.url), None, failure=request.failure or "")
        )

    def _on_response(self, response: Response) -> None:
        if self._is_api(response.url):
            self.cur.api_calls.append(
                f"{response.request.method} {self._path(response.url)} {response.status}"
            )
        if response.status >= 400 or (response.request.method != "GET" and self._is_api(response.url)):
            self.pending.append((self.cur, response))

    def _on_websocket(self, socket: WebSocket) -> None:
        record: dict[str, Any] = {
            "url": redact(socket.url),
            "frames_received": 0,
            "frames_sent": 0,
            "message_types": {},
            "closed": False,
            "error": "",
        }
        self.cur.websockets.append(record)

        def received(payload: str | bytes) -> None:
            record["frames_received"] += 1
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                kind = str(json.loads(payload).get("type"))
                record["message_types"][kind] = record["message_types"].get(kind, 0) + 1

        def sent(_payload: str | bytes) -> None:
            record["frames_sent"] += 1

        def errored(error: str) -> None:
            record["error"] = str(error)[:300]

        def closed(_socket: WebSocket) -> None:
            record["closed"] = True

        socket.on("framereceived", received)
        socket.on("framesent", sent)
        socket.on("socketerror", errored)
        socket.on("close", closed)

    def _resolve_pending(self) -> None:
        pending, self.pending = self.pending, []
        for report, response in pending:
            detail, body = "", ""
            try:
                body = response.text()
                try:
                    detail = detail_of(json.loads(body))
                except ValueError:
                    detail = body.strip()[:300]
            except PlaywrightError as error:
                detail = f"(body unavailable: {error.message[:80]})"
            method, path = response.request.method, self._path(response.url)
            if response.status >= 400:
                report.failed_requests.append(FailedRequest(method, path, response.status, detail))
            else:
                report.api_writes.append(
                    {"method": method, "path": path, "status": response.status, "body": body[:600]}
                )

    # ---- helpers --------------------------------------------------------------------------------
    def wait(self, ms: int) -> None:
        self.page.wait_for_timeout(ms)

    def settle(self, quiet_s: float = 1.0, max_s: float = 10.0) -> None:
        """Until no API request has been in flight for quiet_s (background polling: at most max_s)."""
        start = quiet_since = time.monotonic()
        while time.monotonic() - start < max_s:
            now = time.monotonic()
            if self.inflight:
                quiet_since = now
            elif now - quiet_since >= quiet_s:
                return
            self.wait(150)

    def body_text(self) -> str:
        try:
            return self.page.inner_text("body", timeout=5000)
        except PlaywrightError:
            return ""

    def load(self, route: str) -> None:
        """A full page load (only at the start, or to leave the error boundary)."""
        self.page.goto("about:blank")  # a goto that only changes the hash would not reload
        self.page.goto(f"{self.studio_url}/#{route}", wait_until="domcontentloaded")
        self.wait_for_layout()
        self.ensure_workspace()

    def go(self, route: str) -> None:
        """Client-side navigation (hash change): the Layout keeps its active workspace."""
        if "Something went wrong" in self.body_text() or not self.page.url.startswith(self.studio_url):
            self.cur.notes.append("reloaded the Studio (error boundary was up)")
            self.load(route)
        else:
            self.page.evaluate("route => { window.location.hash = route; }", "#" + route)
        self.wait(300)
        self.settle()

    def wait_for_layout(self) -> str:
        """Wait for the Layout to leave 'Loading workspaces...'; answers which state it reached."""
        states = {
            "ready": self.page.locator("button:has-text('Active Workspace')"),
            "empty": self.page.get_by_text("No Workspaces Found"),
            "error": self.page.get_by_text("Failed to load workspaces"),
            "boundary": self.page.get_by_text("Something went wrong"),
        }
        combined = states["ready"].or_(states["empty"]).or_(states["error"]).or_(states["boundary"])
        combined.first.wait_for(timeout=self.step_timeout_ms)
        for name, locator in states.items():
            if locator.count() and locator.first.is_visible():
                return name
        return "unknown"

    def ensure_workspace(self) -> None:
        if not self.workspace_name:
            return
        header = self.page.locator("button:has-text('Active Workspace')")
        if not header.count() or self.workspace_name in header.first.inner_text():
            return
        header.first.click()
        option = self.page.locator("button").filter(has_text=self.workspace_name)
        if option.count():
            option.first.click()
            self.wait(300)
        else:
            self.page.keyboard.press("Escape")
            self.cur.notes.append(f"workspace '{self.workspace_name}' not in the header menu")

    def read_value_after(self, label: str) -> str | None:
        """The value shown under a KPI title (the next <h3> or <p> after the label's text)."""
        literal = json.dumps(label)  # an XPath string literal (no quotes in our labels)
        locator = self.page.locator(
            f"xpath=//*[normalize-space(text())={literal}]/following::*[self::h3 or self::p][1]"
        )
        if not locator.count():
            return None
        return locator.first.inner_text().strip()

    def check(self, what: str, shown: Any, expected: Any, ok: bool | None = None) -> None:
        if ok is None:
            ok = shown is not None and expected is not None and shown == expected
        self.cur.checks.append({"what": what, "page": shown, "api": expected, "ok": bool(ok)})

    def shot(self, name: str) -> str:
        path = self.out / f"{len(self.reports):02d}-{name}.png"
        try:
            self.page.screenshot(path=str(path), timeout=15000)
        except PlaywrightError as error:
            self.cur.notes.append(f"screenshot failed: {error.message[:100]}")
            return ""
        return path.name

    def first_visible(self, *locators: Locator, timeout_s: float | None = None) -> int:
        """Index of the first locator that becomes visible; StepFailed after the timeout."""
        deadline = time.monotonic() + (timeout_s if timeout_s is not None else self.args.step_timeout)
        while time.monotonic() < deadline:
            for index, locator in enumerate(locators):
                with contextlib.suppress(PlaywrightError):
                    if locator.count() and locator.first.is_visible():
                        return index
            self.wait(200)
        raise StepFailed("timed out waiting for the page: " + self.visible_errors_summary())

    def visible_errors_summary(self) -> str:
        texts = self.danger_texts()
        return "; ".join(texts[:3]) if texts else "(no error text on the page)"

    def danger_texts(self) -> list[str]:
        try:
            texts: list[str] = self.page.eval_on_selector_all(
                ".text-danger-ink, .text-danger-ink *",
                "els => els.map(e => (e.innerText || '').trim()).filter(t => t && t.length < 400)",
            )
        except PlaywrightError:
            return []
        unique: list[str] = []
        for text in texts:
            flat = " ".join(text.split())
            if flat not in unique and not any(flat in other for other in unique):
                unique.append(flat)
        return unique[:10]

    @contextlib.contextmanager
    def step(self, name: str, route: str | None = None, inspect: bool = True) -> Iterator[PageReport]:
        report = PageReport(name=name, route=route)
        self.reports.append(report)
        self.cur = report
        started = time.monotonic()
        try:
            yield report
        except StepFailed as error:
            report.exception = str(error)
        except PlaywrightError as error:
            report.exception = f"{type(error).__name__}: {error.message.splitlines()[0][:300]}"
        except Exception as error:
            report.exception = f"{type(error).__name__}: {str(error)[:300]}"
        finally:
            if inspect:
                self.inspect(report)
            self._resolve_pending()
            report.duration_s = round(time.monotonic() - started, 1)
            print(
                f"  {name:<22} {'ok' if report.ok else 'problems':<9} {report.duration_s:6.1f}s"
                + (f"  {report.exception[:110]}" if report.exception else ""),
                flush=True,
            )

    def inspect(self, report: PageReport) -> None:
        """What the page shows at the end of a step, and its screenshot."""
        with contextlib.suppress(PlaywrightError):
            self.settle(max_s=5)
        text = self.body_text()
        report.error_boundary = "Something went wrong" in text
        report.not_found = bool(re.search(r"\bNot Found\b", text))
        report.error_texts = self.danger_texts()
        report.shown_errors = [phrase for phrase in ERROR_PHRASES if phrase in text]
        with contextlib.suppress(PlaywrightError):
            heading = self.page.locator("main h1, main h2").first
            if heading.count():
                report.heading = heading.inner_text(timeout=2000).strip()[:120]
        if report.route is None:
            report.route = self.page.url.split("#", 1)[-1] if "#" in self.page.url else ""
        report.screenshot = self.shot(report.name)

    # ---- the flow -------------------------------------------------------------------------------
    def lookup_ids(self) -> None:
        status, workspaces = self.api.get("/api/workspaces")
        if status == 200 and isinstance(workspaces, list):
            for workspace in workspaces:
                if workspace.get("name") == self.workspace_name:
                    self.workspace_id = str(workspace.get("id"))
        if not self.workspace_id:
            return
        status, scenarios = self.api.get(f"/api/workspaces/{self.workspace_id}/scenarios")
        if status == 200 and isinstance(scenarios, list):
            by_name = {s.get("name"): str(s.get("id")) for s in scenarios}
            for key, name in self.scenario_names.items():
                if name in by_name:
                    self.scenario_ids[key] = by_name[name]
            if self.renamed_b in by_name:
                self.scenario_ids["b"] = by_name[self.renamed_b]

    def open_studio(self) -> None:
        with self.step("open", "/"):
            self.page.goto(f"{self.studio_url}/#/", wait_until="domcontentloaded")
            state = self.wait_for_layout()
            self.settle()
            self.cur.notes.append(f"layout state: {state}")
            if state == "error":
                detail = self.page.locator("p.text-xs").first.inner_text()
                raise StepFailed(f"Layout shows 'Failed to load workspaces': {detail}")

    def create_workspace(self) -> None:
        with self.step("workspace-create", "/"):
            state = self.wait_for_layout()
            if state == "error":
                raise StepFailed("Layout cannot list workspaces; cannot create one from the UI")
            if state == "empty":
                self.page.get_by_role("button", name="Create Workspace").click()
                self.page.locator("#layout-empty-workspace-name").fill(self.workspace_name)
                self.page.locator("#layout-empty-workspace-desc").fill("Created by scripts/studio_browser.py")
            else:
                self.page.locator("button:has-text('Active Workspace')").first.click()
                self.page.get_by_role("button", name="Create New Workspace").click()
                self.page.locator("#layout-workspace-name").fill(self.workspace_name)
                self.page.locator("#layout-workspace-desc").fill("Created by scripts/studio_browser.py")
            self.page.locator("form button[type=submit]").click()
            header = self.page.locator("button:has-text('Active Workspace')").filter(
                has_text=self.workspace_name
            )
            try:
                header.first.wait_for(timeout=self.step_timeout_ms)
            except PlaywrightError as error:
                raise StepFailed(
                    "the new workspace did not become active: " + self.visible_errors_summary()
                ) from error
            self.settle()
            self.lookup_ids()
            self.check("workspace listed by GET /api/workspaces", bool(self.workspace_id), True)
            self.cur.notes.append(f"workspace id {self.workspace_id or '?'}")

    def create_scenarios(self) -> None:
        with self.step("scenarios-create", "/scenarios"):
            self.go("/scenarios")
            self.page.get_by_role("heading", name="Scenarios", exact=True).wait_for()
            for name in self.scenario_names.values():
                self.page.get_by_role("button", name="New Scenario").click()
                self.page.locator("#scenario-create-name").fill(name)
                self.page.locator("#scenario-create-desc").fill(f"{name}, made by the browser check")
                self.page.get_by_role("button", name="Create", exact=True).click()
                try:
                    self.page.locator("#scenario-create-name").wait_for(state="detached")
                    self.page.locator("h3", has_text=re.compile(f"^{re.escape(name)}$")).wait_for()
                except PlaywrightError as error:
                    raise StepFailed(
                        f"scenario '{name}' was not created: {self.visible_errors_summary()}"
                    ) from error
            self.lookup_ids()
            self.check("3 scenarios known to the API", len(self.scenario_ids), 3)

    def upload_census(self, census: Path) -> None:
        with self.step("census-upload", "/import"):
            self.census_rows = max(0, sum(1 for _ in census.open("rb")) - 1)
            self.go("/import")
            self.page.get_by_role("heading", name="Import Data").wait_for()
            # The plain upload (POST /api/workspaces/{id}/upload): the Parquet picker; the API takes CSV too.
            self.page.locator("input[type=file][accept='.parquet']").set_input_files(str(census))
            ready = self.page.get_by_text("Census Data Ready")
            failed = self.page.locator("div.text-danger-ink")
            index = self.first_visible(ready, failed, timeout_s=max(self.args.step_timeout, 120))
            if index == 1:
                message = f"upload failed, the page says: {failed.first.inner_text().strip()}"
                if self.args.api_fallback:
                    self.upload_via_presigned_post(census)
                raise StepFailed(message)
            summary = self.page.locator("p:has(span.font-mono)").first.inner_text()
            self.cur.notes.append(f"page: {summary.strip()}")
            self.check("rows shown after upload", to_number(summary.split("—")[-1]), float(self.census_rows))
            if self.workspace_id:
                _, workspace = self.api.get(f"/api/workspaces/{self.workspace_id}")
                path = (
                    (workspace.get("base_config") or {}).get("setup", {})
                    if isinstance(workspace, dict)
                    else {}
                )
                census_path = path.get("census_parquet_path") if isinstance(path, dict) else None
                self.check(
                    "workspace base_config.setup.census_parquet_path set",
                    census_path,
                    "(set)",
                    ok=bool(census_path),
                )

    def upload_via_presigned_post(self, census: Path) -> None:
        """Not a UI path: our presigned upload, so that the pages after this one have a census to run."""
        if not self.workspace_id:
            return
        status, body, _ = self.api.call(
            "POST", f"/api/workspaces/{self.workspace_id}/uploads", {"filename": census.name}
        )
        if status != 201 or not isinstance(body, dict):
            self.cur.notes.append(f"API fallback: POST .../uploads -> {status}: {detail_of(body)[:150]}")
            return
        boundary = f"----studio-check-{uuid.uuid4().hex}"
        chunks = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in body["fields"].items()
        ]
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{census.name}"\r\n'
            "Content-Type: text/csv\r\n\r\n".encode()
            + census.read_bytes()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            body["url"],
            data=b"".join(chunks),
            method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                posted = answer.status
        except urllib.error.HTTPError as error:
            posted = error.code
        deadline = time.monotonic() + 120
        dataset_status = "?"
        while time.monotonic() < deadline:
            _, datasets = self.api.get(f"/api/workspaces/{self.workspace_id}/datasets")
            items = datasets.get("items", datasets) if isinstance(datasets, dict) else datasets
            if isinstance(items, list) and items:
                dataset_status = str(items[0].get("status"))
                if dataset_status in ("imported", "failed"):
                    break
            time.sleep(1)
        self.cur.notes.append(
            f"API fallback (not a UI path): presigned POST -> {posted}, dataset {dataset_status}"
        )

    def rename_and_delete(self) -> None:
        with self.step("scenario-rename", "/scenarios"):
            self.go("/scenarios")
            row = self.scenario_row(self.scenario_names["b"])
            row.locator("button[title='Edit scenario']").click()
            self.page.locator("#scenario-edit-name").fill(self.renamed_b)
            self.page.get_by_role("button", name="Save", exact=True).click()
            try:
                self.page.locator("h3", has_text=re.compile(f"^{re.escape(self.renamed_b)}$")).wait_for()
            except PlaywrightError as error:
                raise StepFailed(f"rename not shown: {self.visible_errors_summary()}") from error
            if "b" in self.scenario_ids and self.workspace_id:
                _, scenario = self.api.get(
                    f"/api/workspaces/{self.workspace_id}/scenarios/{self.scenario_ids['b']}"
                )
                self.check(
                    "name after rename (API)",
                    scenario.get("name") if isinstance(scenario, dict) else None,
                    self.renamed_b,
                )
        with self.step("scenario-delete", "/scenarios"):
            name = self.scenario_names["c"]
            row = self.scenario_row(name)
            self.page.once("dialog", lambda dialog: dialog.accept())
            row.locator("button[title='Delete scenario']").click()
            still_listed = False
            try:
                self.page.locator("h3", has_text=re.compile(f"^{re.escape(name)}$")).wait_for(
                    state="detached"
                )
            except PlaywrightError:
                still_listed = True
            if self.workspace_id:
                _, scenarios = self.api.get(f"/api/workspaces/{self.workspace_id}/scenarios")
                count = len(scenarios) if isinstance(scenarios, list) else None
                self.check("scenarios left (API)", count, 2)
            self.scenario_ids.pop("c", None)
            if still_listed:
                raise StepFailed(f"deleted scenario still listed: {self.visible_errors_summary()}")

    def scenario_row(self, name: str) -> Locator:
        exact = self.page.locator("h3", has_text=re.compile(f"^{re.escape(name)}$"))
        row = self.page.locator("div.p-4").filter(has=exact).last
        row.wait_for()
        return row

    def change_config(self) -> None:
        scenario = self.scenario_ids.get("a")
        with self.step("config-save", f"/config/{scenario}"):
            if not scenario:
                raise StepFailed("no scenario id for the baseline")
            self.go(f"/config/{scenario}")
            title = self.page.get_by_role("heading", name=re.compile(r"^(Configure: |Base Configuration)"))
            title.first.wait_for()
            heading = title.first.inner_text()
            if not heading.startswith("Configure:"):
                self.cur.notes.append(f"heading is '{heading}': the scenario did not load")
            field_ = self.page.locator("input[name='targetGrowthRate']").first
            field_.wait_for()
            before = field_.input_value()
            new_value = "4.5" if before != "4.5" else "5.5"
            field_.fill(new_value)
            self.cur.notes.append(f"Target Growth Rate {before!r} -> {new_value!r}")
            self.page.get_by_role("button", name=re.compile(r"^(Save Changes|Save Config)$")).click()
            saved = self.page.get_by_role("button", name="Saved!")
            banner = self.page.locator("div.bg-danger-surface p")
            if self.first_visible(saved, banner) == 1:
                raise StepFailed(f"save failed, the page says: {banner.first.inner_text().strip()}")
            if self.workspace_id:
                _, body = self.api.get(f"/api/workspaces/{self.workspace_id}/scenarios/{scenario}")
                overrides = body.get("config_overrides") if isinstance(body, dict) else None
                rate = ((overrides or {}).get("simulation") or {}).get("target_growth_rate")
                self.check(
                    "config_overrides.simulation.target_growth_rate (API)",
                    rate,
                    float(new_value) / 100,
                    ok=isinstance(rate, (int, float)) and abs(rate - float(new_value) / 100) < 1e-9,
                )

    def base_config(self) -> None:
        with self.step("config-base+data-sources", "/config"):
            self.go("/config")
            self.page.get_by_role(
                "heading", name=re.compile(r"^(Base Configuration|Configure: )")
            ).first.wait_for()
            self.page.get_by_role("button", name="Data Sources").click()
            rows = self.page.get_by_text("Rows", exact=True)
            none = self.page.get_by_text("No census file configured")
            problem = self.page.locator("div.bg-warning-surface p.text-warning-ink")
            index = self.first_visible(rows, none, problem)
            if index == 0:
                value = self.page.locator(
                    "xpath=//span[normalize-space(text())='Rows']/following-sibling::span[1]"
                )
                self.check(
                    "census rows on Data Sources",
                    to_number(value.first.inner_text()),
                    float(self.census_rows or 0),
                )
            elif index == 1:
                self.check(
                    "census configured on Data Sources", "No census file configured", "(census)", ok=False
                )
            else:
                self.check("census on Data Sources", problem.first.inner_text().strip(), "(census)", ok=False)

    def simulate(self) -> None:
        scenario = self.scenario_ids.get("a")
        with self.step("simulate", f"/simulate?scenario={scenario}"):
            if not scenario:
                raise StepFailed("no scenario id for the baseline")
            self.go(f"/simulate?scenario={scenario}")
            select = self.page.locator("#sim-scenario-select")
            self.first_visible(select, self.page.get_by_text("No scenarios found in this workspace"))
            if select.count():
                select.select_option(scenario)
            start = self.page.get_by_role("button", name="Start Simulation")
            if not start.is_enabled():
                self.cur.notes.append("Start Simulation disabled (the Layout thinks a run is active)")
            with self.page.expect_response(
                lambda r: r.request.method == "POST" and urlsplit(r.url).path.endswith(f"/{scenario}/run")
            ) as answer:
                start.click()
            started: Any = None
            with contextlib.suppress(PlaywrightError, ValueError):
                started = answer.value.json()
            self.check(
                "POST /run answer carries the SimulationRun 'id' the Studio follows",
                sorted(started) if isinstance(started, dict) else started,
                "id",
                ok=answer.value.ok and isinstance(started, dict) and bool(started.get("id")),
            )
            self.watch_run(scenario)

    def watch_run(self, scenario: str) -> None:
        probe = """() => {
          const spans = [...document.querySelectorAll('span')];
          const label = spans.find(s => /^(Overall Progress|Run [A-Z]+$)/.test(s.textContent.trim()));
          const badge = spans.find(s => /^(Live|Connecting|Reconnecting|Degraded|Finished|Stale)/
              .test(s.textContent.trim()));
          const err = document.querySelector('div.text-danger-ink.bg-danger-surface');
          return {label: label ? label.textContent.trim() : null,
                  pct: label && label.nextElementSibling ? label.nextElementSibling.textContent.trim() : null,
                  badge: badge ? badge.textContent.trim() : null,
                  error: err ? err.textContent.trim() : null, hash: location.hash};
        }"""
        started = time.monotonic()
        timeline: list[dict[str, Any]] = []
        last: dict[str, Any] = {}
        terminal_label = ""
        terminal_at = 0.0
        api_ended_at = 0.0
        api_checked = 0.0
        shot_running = False
        while time.monotonic() - started < self.args.run_timeout:
            state: dict[str, Any] = self.page.evaluate(probe)
            key = {k: state[k] for k in ("label", "pct", "badge", "error")}
            if key != last:
                timeline.append({"t": round(time.monotonic() - started, 1), **key})
                last = key
            if state["error"] and not state["label"]:
                raise StepFailed(f"the run did not start, the page says: {state['error']}")
            if state["label"] and re.match(r"Run [A-Z]+$", state["label"]):
                terminal_label = terminal_label or state["label"]
            if (
                not shot_running
                and state["pct"]
                and state["pct"] not in ("0%", "100%")
                and not terminal_label
            ):
                self.shot("simulate-running")
                shot_running = True
            if state["hash"].startswith(f"#/simulate/{scenario}"):
                break  # completed or failed: the Studio moves to the detail page 2 s after the end
            if terminal_label and not terminal_at:
                terminal_at = time.monotonic()
            if terminal_at and time.monotonic() - terminal_at > 8:
                break  # cancelled (stays), or it did not move on
            if time.monotonic() - api_checked > 5:
                api_checked = time.monotonic()
                _, run = self.api.get(f"/api/scenarios/{scenario}/run/status")
                ended = isinstance(run, dict) and run.get("status") in ("completed", "failed", "cancelled")
                if ended and not api_ended_at:
                    api_ended_at = time.monotonic()
                if api_ended_at and not terminal_label and time.monotonic() - api_ended_at > 30:
                    self.cur.notes.append("the API says the run ended 30 s ago; the page never showed it")
                    break
            self.wait(500)
        elapsed = round(time.monotonic() - started, 1)
        self.cur.notes.append(f"watched {elapsed}s; UI end: {terminal_label or 'none'}")
        progress_values = sorted({t["pct"] for t in timeline if t["pct"]}, key=lambda p: to_number(p) or 0)
        badges = sorted({t["badge"] for t in timeline if t["badge"]})
        self.cur.notes.append(
            f"progress seen: {', '.join(progress_values) or 'none'}; badge: {', '.join(badges) or 'none'}"
        )
        self.cur.checks.append({"what": "run timeline (UI)", "page": timeline[-40:], "api": None, "ok": True})
        status, run = self.api.get(f"/api/scenarios/{scenario}/run/status")
        api_status = run.get("status") if isinstance(run, dict) else None
        if isinstance(run, dict):
            self.run_id = str(run.get("id") or run.get("run_id") or "")
        self.check(
            "run status (GET /run/status)",
            terminal_label or None,
            f"{status} {api_status}",
            ok=bool(terminal_label) and api_status == "completed",
        )
        live = [w for w in self.cur.websockets if "/ws/" in w["url"]]
        self.check(
            "progress followed live (several distinct % values)",
            len(progress_values),
            ">= 3",
            ok=len(progress_values) >= 3,
        )
        if not live:
            self.cur.notes.append("no WebSocket opened for the run")
        if self.run_id:
            self.probe_live_channels(scenario)
        if not terminal_label:
            raise StepFailed(
                f"the page never showed the run's progress or end in {elapsed:.0f}s "
                f"(GET /run/status: {status} {api_status})"
            )

    def probe_live_channels(self, scenario: str) -> None:
        """Driver probes (not UI): the two channels the Studio follows a run on, asked directly."""
        status, body = self.api.get(f"/api/scenarios/{scenario}/run/telemetry")
        self.check(
            "probe: GET /run/telemetry (the Studio's polling fallback)",
            f"{status}: {detail_of(body)[:120]}" if status != 200 else 200,
            200,
        )
        base = "ws" + self.args.api_url.rstrip("/")[4:]
        url = f"{base}/ws/simulation/{self.run_id}" + (f"?token={self.args.token}" if self.args.token else "")
        before = len(self.cur.console_errors)
        result: dict[str, Any] = self.page.evaluate(
            """url => new Promise(resolve => {
              const out = {opened: false, messages: [], close: null, error: false};
              const ws = new WebSocket(url);
              const done = () => { try { ws.close(); } catch (e) {} resolve(out); };
              ws.onopen = () => { out.opened = true; };
              ws.onmessage = e => { out.messages.push(String(e.data).slice(0, 100000));
                                    if (out.messages.length >= 2) done(); };
              ws.onerror = () => { out.error = true; };
              ws.onclose = e => { out.close = e.code; resolve(out); };
              setTimeout(done, 5000);
            })""",
            url,
        )
        probe_errors = self.cur.console_errors[before:]
        del self.cur.console_errors[before:]  # the driver's probe, not the Studio
        self.cur.notes += [f"probe console: {error[:200]}" for error in probe_errors]
        first: Any = None
        with contextlib.suppress(ValueError, TypeError, IndexError):
            first = json.loads(result["messages"][0])
        envelope = (
            isinstance(first, dict)
            and first.get("type") == "snapshot"
            and isinstance(first.get("data"), dict)
        )
        result["messages"] = [message[:300] for message in result["messages"]]
        self.check(
            f"probe: WebSocket {redact(url)} sends {{type: snapshot, data: RunTelemetrySnapshot}}",
            result,
            "{type: 'snapshot', data: {...}}",
            ok=envelope,
        )

    def link_check(self, what: str, url: str) -> None:
        """A link the Studio opens in a new tab (no Authorization header: only what the browser holds)."""
        try:
            answer = self.page.context.request.get(url, timeout=60000)
            body = answer.body()
            detail = "" if answer.ok else detail_of(body.decode(errors="replace"))[:150]
            self.check(
                f"link: {what}",
                f"{answer.status} {answer.headers.get('content-type', '')} {len(body)} B {detail}".strip(),
                "200 + a file",
                ok=answer.ok and len(body) > 0,
            )
        except PlaywrightError as error:
            self.check(f"link: {what}", error.message[:150], "200 + a file", ok=False)

    def results_of(self, scenario: str) -> dict[str, Any] | None:
        status, body = self.api.get(f"/api/scenarios/{scenario}/results")
        if status != 200 or not isinstance(body, dict):
            self.cur.notes.append(
                f"API GET /api/scenarios/{scenario}/results -> {status}: {detail_of(body)[:150]}"
            )
            return None
        return body

    def simulation_detail(self) -> None:
        scenario = self.scenario_ids.get("a")
        with self.step("simulation-detail", f"/simulate/{scenario}"):
            if not scenario:
                raise StepFailed("no scenario id")
            if not self.page.url.endswith(f"#/simulate/{scenario}"):
                self.go(f"/simulate/{scenario}")
            ready = self.page.get_by_text("Final Headcount")
            failed = self.page.get_by_text("Error Loading Details")
            if self.first_visible(ready, failed) == 1:
                message = self.page.locator("h2 + p").first.inner_text()
                raise StepFailed(f"'Error Loading Details': {message.strip()}")
            raw = self.read_value_after("Final Headcount")
            results = self.results_of(scenario)
            self.check(
                "Final Headcount vs results.final_headcount",
                to_number(raw) if to_number(raw) is not None else raw,
                results.get("final_headcount") if results else None,
            )
            self.cur.notes.append(f"Total Events shown: {self.read_value_after('Total Events')}")
            artifact = self.page.locator("a[href*='/artifacts/']").first
            if artifact.count():
                href = artifact.get_attribute("href") or ""
                self.link_check(f"artifact {href.rsplit('/', 1)[-1]}", urljoin(self.page.url, href))
            files = self.page.locator("text=/^\\d+ files?$/").first
            if files.count():
                _, details = self.api.get(f"/api/scenarios/{scenario}/details")
                artifacts = details.get("artifacts") if isinstance(details, dict) else None
                self.check(
                    "latest run's 'N files' vs len(details.artifacts)",
                    to_number(files.inner_text()),
                    float(len(artifacts)) if isinstance(artifacts, list) else None,
                )
            self.evidence_pack()

    def evidence_pack(self) -> None:
        """The latest run's Evidence Pack tab, as a user builds its default pack (employer match cost,
        first to last year): the pack shows, with its executive interpretation and drivers."""
        tab = self.page.get_by_role("button", name="Evidence Pack")
        if not tab.count():  # the latest run opens expanded; open it if it is not
            self.page.locator("button", has_text="Latest").first.click()
        tab.click()
        self.page.get_by_role("button", name="Build evidence pack").click()
        built = self.page.get_by_text("Executive interpretation")
        failed = self.page.get_by_role("button", name="Retry")
        if self.first_visible(built, failed) == 1:
            raise StepFailed(f"evidence pack: {self.visible_errors_summary()}")
        heading = self.page.locator("h3", has_text="Employer match cost").first.inner_text()
        drivers = self.page.locator("tbody tr", has_text="population cost").count()
        self.check("evidence pack drivers shown (entered and left population cost)", drivers, 2)
        # The Studio links a run's provenance only for run ids of the form its backend makes.
        offered = self.page.get_by_text("View Provenance").count() > 0
        self.check("'View Provenance' offered for the latest run", offered, True)
        self.cur.notes.append(f"evidence pack: {heading}")

    def analytics(self) -> None:
        scenario = self.scenario_ids.get("a")
        with self.step("overview (analytics)", f"/analytics?scenario={scenario}"):
            if not scenario:
                raise StepFailed("no scenario id")
            results = self.results_of(scenario)
            if results:
                problems = results_shape_problems(results)
                self.check("results match the Studio's SimulationResults", problems, [], ok=not problems)
            self.go(f"/analytics?scenario={scenario}")
            kpi = self.page.locator("p", has_text=re.compile("^Final Headcount$"))
            failed = self.page.get_by_text("Failed to Load Results")
            empty = self.page.get_by_text("No Simulation Selected")
            index = self.first_visible(kpi, failed, empty)
            if index == 1:
                raise StepFailed(
                    f"'Failed to Load Results': {self.page.locator('h3 + p').first.inner_text()}"
                )
            if index == 2:
                raise StepFailed("'No Simulation Selected' (no completed scenario to pick)")
            self.page.locator("h3.text-2xl").first.wait_for()
            shown = to_number(self.read_value_after("Final Headcount"))
            self.check(
                "Final Headcount vs results.final_headcount",
                shown,
                results.get("final_headcount") if results else None,
            )
            base = self.args.api_url.rstrip("/")
            for fmt in ("excel", "csv"):
                self.link_check(
                    f"results export ?format={fmt}",
                    f"{base}/api/workspaces/{self.workspace_id}/scenarios/{scenario}/results/export?format={fmt}",
                )
            participation = to_number(self.read_value_after("Plan Participation"))
            expected = (
                round(results["participation_rate"] * 100)
                if results and isinstance(results.get("participation_rate"), (int, float))
                else None
            )
            self.check(
                "Plan Participation % vs results.participation_rate",
                participation,
                float(expected) if expected is not None else None,
            )

    def batch(self) -> None:
        with self.step("batch (run all)", "/batch"):
            ids = [self.scenario_ids[k] for k in ("a", "b") if k in self.scenario_ids]
            self.go("/batch")
            self.page.get_by_role("heading", name="Batch Processing").wait_for()
            self.page.get_by_role("button", name="Create New Batch").first.click()
            self.page.locator("#batch-name").fill("Browser check batch")
            for name in (self.scenario_names["a"], self.renamed_b):
                self.page.locator(f"[role=checkbox][aria-label='Select {name}']").click()
            self.page.get_by_role("button", name=re.compile(r"^Launch Batch")).click()
            details = self.page.get_by_role("heading", name="Execution Status")
            try:
                details.wait_for()
            except PlaywrightError as error:
                raise StepFailed(
                    "no batch details after Launch (the Studio shows no error; see console)"
                ) from error
            badge = details.locator("xpath=following-sibling::span[1]")
            started = time.monotonic()
            seen: list[str] = []
            while time.monotonic() - started < self.args.run_timeout:
                status = badge.inner_text().strip().lower()
                if not seen or seen[-1] != status:
                    seen.append(status)
                if status in ("completed", "failed"):
                    break
                self.wait(1000)
            self.cur.notes.append(f"batch status seen: {' -> '.join(seen)}")
            self.check("batch ended completed (UI)", seen[-1] if seen else None, "completed")
            for scenario in ids:
                _, body = self.api.get(f"/api/scenarios/{scenario}/run/status")
                self.cur.notes.append(
                    f"{scenario[:8]} run/status: {body.get('status') if isinstance(body, dict) else body}"
                )
            if self.page.get_by_role("button", name="View Comparison").count():
                self.cur.notes.append("'View Comparison' offered")

    def compare(self) -> None:
        ids = [self.scenario_ids[k] for k in ("a", "b") if k in self.scenario_ids]
        route = f"/analytics/compare?scenarios={','.join(ids)}"
        with self.step("compare", route):
            offered = self.page.get_by_role("button", name="View Comparison")
            if offered.count() and "#/batch" in self.page.url:
                offered.click()  # the batch's own link to the comparison
                self.cur.notes.append("opened from the batch's 'View Comparison'")
                self.wait(300)
                self.settle()
            else:
                self.go(route)
            table = self.page.get_by_text("Key Metrics Comparison")
            failed = self.page.get_by_text("Error Loading Comparison")
            if self.first_visible(table, failed) == 1:
                raise StepFailed(
                    f"'Error Loading Comparison': {self.page.locator('h3 + p').first.inner_text()}"
                )
            self.settle()
            # The Key Metrics table's own header: the page has more tables below it.
            header = self.page.locator("table").first.locator("thead th")
            names = [t.strip() for t in header.all_inner_texts()[1:]]
            cells = self.page.locator(
                "xpath=//tr[td[contains(normalize-space(.),'Final Headcount')]]/td[position()>1]"
            )
            values = [to_number(t) for t in cells.all_inner_texts()]
            shown = dict(zip([n.lower() for n in names], values, strict=False))
            rates = self.page.locator(
                "xpath=//tr[td[contains(normalize-space(.),'Participation Rate')]]/td[position()>1]"
            ).all_inner_texts()
            self.check(
                "Participation Rate shown <= 100%",
                rates,
                "<= 100%",
                ok=bool(rates) and all((to_number(r) or 0) <= 100 for r in rates),
            )
            self.cur.notes.append(f"columns shown: {len(names)} of {len(ids)}")
            self.check("scenarios with results shown", len(names), len(ids))
            for key in ("a", "b"):
                scenario = self.scenario_ids.get(key)
                if not scenario:
                    continue
                name = self.scenario_names["a"] if key == "a" else self.renamed_b
                results = self.results_of(scenario)
                self.check(
                    f"Final Headcount of {name}",
                    shown.get(name.lower()),
                    results.get("final_headcount") if results else None,
                )

    def diff(self) -> None:
        a, b = self.scenario_ids.get("a"), self.scenario_ids.get("b")
        route = f"/analytics/diff?a={a}&b={b}"
        with self.step("diff", route):
            if not (a and b):
                raise StepFailed("missing scenario ids")
            self.go(route)
            ok = self.page.get_by_text("Configuration changes")
            failed = self.page.get_by_text("Unable to open scenario diff")
            if self.first_visible(ok, failed) == 1:
                message = self.page.locator("h1 + p").first.inner_text()
                raise StepFailed(f"'Unable to open scenario diff': {message.strip()}")
            changed = self.page.locator("span", has_text=re.compile(r"^\d+ changed$")).first.inner_text()
            self.cur.notes.append(f"config diff: {changed}")
            self.check("config diff lists Target growth rate", "Target growth rate" in self.body_text(), True)
            _, config_diff = self.api.get(
                f"/api/workspaces/{self.workspace_id}/comparison/config-diff?scenario_a={a}&scenario_b={b}"
            )
            deltas = config_diff.get("differences") if isinstance(config_diff, dict) else None
            if isinstance(deltas, list):
                one_sided = [d.get("path") for d in deltas if d.get("status") in ("only_a", "only_b")]
                self.cur.notes.append(f"changed paths: {', '.join(str(d.get('path')) for d in deltas)[:300]}")
                self.check(
                    "config-diff compares effective configs (no only_a/only_b paths)",
                    one_sided,
                    [],
                    ok=not one_sided,
                )
            panel = self.page.locator("section").filter(
                has=self.page.get_by_role("heading", name="Headcount", exact=True)
            )
            delta = panel.locator("span", has_text="Final Δ").first.inner_text() if panel.count() else None
            ra, rb = self.results_of(a), self.results_of(b)
            expected = (
                float(rb["final_headcount"] - ra["final_headcount"])
                if ra
                and rb
                and isinstance(ra.get("final_headcount"), (int, float))
                and isinstance(rb.get("final_headcount"), (int, float))
                else None
            )
            self.check("Headcount Final Δ vs results (B - A)", to_number(delta), expected)

    def other_pages(self) -> None:
        pages = list(OTHER_PAGES)
        if self.run_id and self.scenario_ids.get("a"):
            pages.append(
                ("run-provenance", f"/simulate/{self.scenario_ids['a']}/runs/{self.run_id}/provenance")
            )
        for name, route in pages:
            with self.step(name, route):
                self.go(route)
                self.wait(1500)
                self.settle(max_s=8)
                self.interact(name)
                if name == "run-provenance":
                    verified = self.page.get_by_text("FULLY VERIFIED")
                    if self.first_visible(
                        verified, self.page.get_by_text("Unable to open provenance report")
                    ):
                        raise StepFailed(f"provenance: {self.visible_errors_summary()}")
                    self.cur.notes.append("provenance report: FULLY VERIFIED")
                if name == "dashboard":
                    _, workspaces = self.api.get("/api/workspaces")
                    shown = to_number(self.read_value_after("Total Workspaces"))
                    self.check(
                        "Total Workspaces vs len(GET /api/workspaces)",
                        shown,
                        float(len(workspaces)) if isinstance(workspaces, list) else None,
                    )

    def interact(self, name: str) -> None:
        """The least a user does on a page before it asks the API for anything."""
        baseline = self.scenario_names["a"]
        if name == "timeline":
            self.page.get_by_role("button", name="Find employees").click()
            self.settle()
            first = self.page.locator("tbody tr td a").first
            if first.count():
                employee = first.inner_text()
                first.click()
                self.settle()
                self.cur.notes.append(f"opened the timeline of {employee}")
            else:
                self.cur.notes.append("no employee found by 'Find employees'")
        elif name == "ndt-testing":
            select = self.page.locator("select").filter(has=self.page.locator("option", has_text=baseline))
            if select.count():
                select.first.select_option(label=baseline)
                self.settle()
                run = self.page.get_by_role("button", name="Run Test")
                if run.is_enabled():
                    run.click()
                    self.settle()
                else:
                    self.cur.notes.append("'Run Test' stays disabled (no year offered)")
        elif name == "calibration":
            census = self.page.locator("text=/Census:/").first
            if census.count():
                line = " ".join(census.inner_text().split())[:120]
                self.check("Calibration sees the census", line, "(a census)", ok="none uploaded" not in line)
            match = self.page.get_by_role("button", name=re.compile(r"^Match census$", re.IGNORECASE))
            if match.count() and match.first.is_enabled():
                match.first.click()
                self.settle()
        elif name == "vesting":
            analyze = self.page.get_by_role("button", name="Analyze", exact=True)
            if analyze.count() and analyze.is_enabled():
                analyze.click()
                self.settle()
            elif analyze.count():
                self.cur.notes.append("'Analyze' stays disabled")

    def forfeiture_projection(self, ids: list[str]) -> dict[str, Any]:
        """GET .../analytics/vesting/forfeitures with the Studio's defaults (5-Year Graded, no hours
        credit, forfeitures offset employer contributions): what both forfeiture views show first."""
        status, body = self.api.get(
            f"/api/workspaces/{self.workspace_id}/analytics/vesting/forfeitures?scenarios={','.join(ids)}"
            "&schedule_type=graded_5_year&require_hours_credit=false&hours_threshold=1000"
            "&forfeiture_policy=offset_employer_contributions"
        )
        if status != 200 or not isinstance(body, dict):
            self.cur.notes.append(f"API GET .../vesting/forfeitures -> {status}: {detail_of(body)[:150]}")
            return {}
        return body

    def annual_forfeitures(self) -> None:
        """Vesting's Annual Forfeitures tab: the report of both scenarios, its Total row against the
        API's total_forfeited."""
        names = [self.scenario_names["a"], self.renamed_b]
        ids = [self.scenario_ids[k] for k in ("a", "b") if k in self.scenario_ids]
        with self.step("annual-forfeitures", "/analytics/vesting"):
            self.go("/analytics/vesting")
            self.page.get_by_role("button", name="Annual Forfeitures").click()
            self.page.locator("#forfeiture-workspace").select_option(self.workspace_id)
            for name in names:
                label = self.page.locator("fieldset label", has_text=re.compile(f"^{re.escape(name)}$"))
                label.locator("input[type=checkbox]").check()
            self.page.get_by_role("button", name="Run Report").click()
            total = self.page.locator("tfoot tr", has_text="Total")
            failed = self.page.locator("div.bg-danger-surface.text-danger-ink")
            if self.first_visible(total, failed) == 1:
                raise StepFailed(f"the report failed, the page says: {failed.first.inner_text().strip()}")
            total.scroll_into_view_if_needed()  # the table, for the screenshot
            columns = [t.strip() for t in self.page.locator("thead th").all_inner_texts()[1:]]
            totals = [to_number(t) for t in total.locator("td").all_inner_texts()[1:]]
            shown = dict(zip(columns, totals, strict=False))
            years = self.page.locator("tbody tr").count()
            self.cur.notes.append(f"totals shown: {shown}; {years} years")
            body = self.forfeiture_projection(ids)
            expected = {s["scenario_name"]: round(s["total_forfeited"], 2) for s in body.get("scenarios", [])}
            for name in names:
                self.check(f"Total forfeited of {name}", shown.get(name), expected.get(name))
            self.check("years shown vs the API's years", years, len(body.get("years", [])))

    def cost_comparison_net(self) -> None:
        """Cost Comparison's 'Net of forfeitures' view: each scenario's Forfeiture offset and Net
        employer cost totals against the API's employer cost and offsets."""
        ids = [self.scenario_ids[k] for k in ("a", "b") if k in self.scenario_ids]
        with self.step("cost-comparison-net", "/compare"):
            self.go("/compare")
            matrix = self.page.get_by_text("Multi-Year Cost Matrix")
            failed = self.page.get_by_text("Failed to Load Data")
            if self.first_visible(matrix, failed) == 1:
                raise StepFailed(f"'Failed to Load Data': {self.page.locator('h3 + p').first.inner_text()}")
            self.page.get_by_role("button", name="Net of forfeitures", exact=True).click()
            net = self.page.get_by_text("Net employer cost")
            problem = self.page.locator("span.text-warning-ink:has(svg)")  # the page's forfeiture error
            if self.first_visible(net, problem) == 1:
                raise StepFailed(f"no net figures, the page says: {problem.first.inner_text().strip()}")
            self.settle()
            net.last.scroll_into_view_if_needed()  # the cost matrix, for the screenshot
            rows: list[list[str]] = (
                self.page.locator("table")
                .filter(has=net)
                .locator("tbody tr")
                .evaluate_all("rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")
            )
            shown: dict[str, dict[str, str]] = {}  # scenario -> row label -> its Total cell
            scenario = ""
            for cells in rows:
                if cells[0] in ("Forfeiture offset", "Net employer cost"):
                    shown.setdefault(scenario, {})[cells[0]] = cells[-2]
                else:
                    scenario = re.sub(r"\s*ANCHOR$", "", cells[0], flags=re.IGNORECASE)
            self.cur.notes.append(f"totals shown: {shown}")
            _, compare = self.api.get(
                f"/api/workspaces/{self.workspace_id}/analytics/dc-plan/compare?scenarios={','.join(ids)}"
            )
            gross = {
                a["scenario_name"]: sum(y["total_employer_cost"] for y in a["contribution_by_year"])
                for a in (compare.get("analytics", []) if isinstance(compare, dict) else [])
            }
            for series in self.forfeiture_projection(ids).get("scenarios", []):
                name = series["scenario_name"]
                offsets = series["employer_cost_offsets"]
                offset = sum(r["offset_amount"] or 0 for r in offsets if r["basis_available"])
                page = shown.get(name, {})
                self.check(
                    f"Forfeiture offset total of {name}",
                    page.get("Forfeiture offset"),
                    f"-{studio_money(offset)}" if offset else "$0",
                )
                self.check(
                    f"Net employer cost total of {name} (gross - offsets)",
                    page.get("Net employer cost"),
                    studio_money(gross[name] - offset) if name in gross else None,
                )
            self.check("scenarios with net rows", len(shown), len(ids))

    def cors(self) -> None:
        """Not a page: what the browser needs from CORS, asked directly."""
        with self.step("cors (driver check)", "(no page)", inspect=False):
            origin = self.studio_origin()
            status, _, headers = self.api.call(
                "OPTIONS",
                "/api/workspaces",
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": "PATCH",
                    "Access-Control-Request-Headers": "authorization,content-type",
                },
            )
            lower = {k.lower(): v for k, v in headers.items()}
            methods = lower.get("access-control-allow-methods", "")
            self.check(
                "preflight allows PATCH", f"{status} {methods}", "PATCH", ok="PATCH" in methods.upper()
            )
            if self.workspace_id:
                _, _, headers = self.api.call(
                    "GET", f"/api/workspaces/{self.workspace_id}/scenarios", headers={"Origin": origin}
                )
                lower = {k.lower(): v for k, v in headers.items()}
                exposed = lower.get("access-control-expose-headers", "")
                self.check(
                    "X-PlanAlign-* headers exposed",
                    exposed,
                    "x-planalign-run-warning, ...",
                    ok="x-planalign-run-warning" in exposed.lower(),
                )


def census_file(args: argparse.Namespace, out: Path) -> Path:
    if args.census:
        return Path(args.census)
    target = out / "census.csv"
    try:
        from planalign.domain.census_generator import census_csv, generate_census

        target.write_bytes(census_csv(generate_census(args.employees, seed=args.seed)))
        return target
    except ImportError:
        pass
    repo_cli = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "planalign"
    cli = shutil.which("planalign") or (str(repo_cli) if repo_cli.exists() else None)
    if not cli:
        sys.exit("cannot generate a census (planalign not importable, no planalign CLI): pass --census FILE")
    subprocess.run(
        [
            cli,
            "census",
            "generate",
            "--employees",
            str(args.employees),
            "--seed",
            str(args.seed),
            "--out",
            str(target),
        ],
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )
    return target


def print_table(reports: list[PageReport]) -> None:
    rows = [("page", "status", "console errors", "failed requests", "notes")]
    for report in reports:
        notes = []
        if report.exception:
            notes.append(report.exception)
        if report.error_boundary:
            notes.append("ERROR BOUNDARY")
        if report.not_found:
            notes.append("'Not Found' on page")
        notes += [f"page shows '{phrase}'" for phrase in report.shown_errors]
        notes += [
            f"check failed: {c['what']} (page {c['page']!r}, api {c['api']!r})"
            for c in report.checks
            if not c["ok"]
        ]
        notes += [f"{c['what']}: ok" for c in report.checks if c["ok"] and c["api"] is not None]
        notes += report.notes
        statuses = sorted({f"{f.status or 'ERR'}" for f in report.failed_requests})
        rows.append(
            (
                report.name,
                "ok" if report.ok else "problems",
                str(len(report.console_errors)),
                f"{len(report.failed_requests)}" + (f" ({','.join(statuses)})" if statuses else ""),
                " | ".join(notes)[:160],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for index, row in enumerate(rows):
        print(" | ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)))
        if index == 0:
            print("-+-".join("-" * w for w in widths) + "-+-" + "-" * 20)
    print("\nDetails (distinct failed requests and console errors per page):")
    for report in reports:
        if report.ok:
            continue
        print(f"\n[{report.name}] {report.route}")
        for line in dict.fromkeys(f.short()[:300] for f in report.failed_requests):
            print(f"  request: {line}")
        for line in dict.fromkeys(e[:300] for e in report.console_errors):
            print(f"  console: {line}")
        for write in report.api_writes:
            print(
                f"  answered: {write['method']} {write['path']} -> {write['status']}: {write['body'][:240]}"
            )
        for text in report.error_texts:
            print(f"  page text: {text[:200]}")
        if report.exception:
            print(f"  step: {report.exception}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--studio-url", required=True, help="where the built Studio is served")
    parser.add_argument("--api-url", required=True, help="the backend origin (the driver's own API calls)")
    parser.add_argument("--token", default=None, help="bearer token for the driver's API calls")
    parser.add_argument("--census", default=None, help="census CSV (default: generated with planalign)")
    parser.add_argument("--employees", type=int, default=1000, help="size of a generated census")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default="studio-check", help="screenshots and report.json")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--step-timeout", type=float, default=30.0, help="seconds per UI wait")
    parser.add_argument("--run-timeout", type=float, default=600.0, help="seconds to follow a run or batch")
    parser.add_argument("--headed", action="store_true")
    parser.add_argument(
        "--no-api-fallback",
        dest="api_fallback",
        action="store_false",
        help="when the Studio's upload fails, do not upload the census through our presigned form",
    )
    args = parser.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    census = census_file(args, out)
    api = Api(args.api_url, args.token)
    print(f"Studio {args.studio_url}  API {args.api_url}  census {census}  out {out}", flush=True)
    started = time.time()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium, headless=not args.headed, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
        local_hosts = {
            urlsplit(args.studio_url).hostname,
            urlsplit(args.api_url).hostname,
            "localhost",
            "127.0.0.1",
        }

        def offline(route: Route) -> None:
            if urlsplit(route.request.url).hostname in local_hosts:
                route.continue_()
            else:
                route.abort()

        context.route(re.compile(r"^https?://"), offline)
        page = context.new_page()
        driver = Driver(page, args, api, out)
        steps: list[Callable[[], None]] = [
            driver.open_studio,
            driver.create_workspace,
            driver.create_scenarios,
            lambda: driver.upload_census(census),
            driver.rename_and_delete,
            driver.change_config,
            driver.base_config,
            driver.simulate,
            driver.simulation_detail,
            driver.analytics,
            driver.batch,
            driver.compare,
            driver.diff,
            driver.other_pages,
            driver.annual_forfeitures,
            driver.cost_comparison_net,
            driver.cors,
        ]
        for run_step in steps:
            run_step()  # each records its own failures and never raises
        browser.close()

    reports = driver.reports
    report = {
        "studio_url": args.studio_url,
        "api_url": args.api_url,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds": round(time.time() - started, 1),
        "workspace": {"name": driver.workspace_name, "id": driver.workspace_id},
        "scenarios": driver.scenario_ids,
        "run_id": driver.run_id,
        "census": {"file": str(census), "rows": driver.census_rows},
        "pages": [{**asdict(r), "status": "ok" if r.ok else "problems"} for r in reports],
    }
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str))
    print()
    print_table(reports)
    print(f"\nreport: {out / 'report.json'}   screenshots: {out}/*.png")
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
