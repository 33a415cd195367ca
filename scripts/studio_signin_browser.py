"""Signs in to a PlanAlign Studio built without a token, in Chromium, as a consultant does: opens
`/api/signin` on the Studio's origin, pastes a wrong token (the page must say so and no session cookie
may appear), then a right one (the browser must land on the Studio with the session cookie, and the
Studio's workspace list must load with 200s and no console errors), then signs out
(`DELETE /api/session`) and checks the API refuses the browser again.

Run it with the tools virtualenv (Playwright is not a dependency of the package) against a stack that
serves the Studio on the same origin, e.g. `planalign local --studio DIST` or the front door:
  .tools/browser/bin/python scripts/studio_signin_browser.py --url http://127.0.0.1:3000 \
      --token pat_... [--out DIR]
Prints a table (step | ok | notes), writes report.json and one PNG per step to --out; exit status 0
when every step is ok."""

import argparse
import json
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

COOKIE = "planalign_token"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the Studio's origin (which also serves /api)")
    parser.add_argument("--token", required=True, help="a tenant API token (planalign tokens create)")
    parser.add_argument("--out", type=Path, default=Path("signin-report"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    steps: list[dict[str, Any]] = []
    console_errors: list[str] = []
    api_answers: list[tuple[int, str]] = []

    def step(name: str, ok: bool, notes: str, page: Any) -> None:
        page.screenshot(path=str(args.out / f"{len(steps) + 1:02d}-{name}.png"), full_page=True)
        steps.append({"step": name, "ok": ok, "notes": notes})

    def session_cookie(context: Any) -> str | None:
        return next((c["value"] for c in context.cookies() if c["name"] == COOKIE), None)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium)
        context = browser.new_context()
        page = context.new_page()
        # The Studio's page asks a CDN for its fonts and styles, which this sandbox cannot resolve.
        page.on(
            "console",
            lambda m: (
                console_errors.append(m.text)
                if m.type == "error" and "ERR_NAME_NOT_RESOLVED" not in m.text
                else None
            ),
        )
        page.on("response", lambda r: api_answers.append((r.status, r.url)) if "/api/" in r.url else None)

        page.goto(f"{args.url}/api/signin")
        page.fill("#token", "pat_wrong")
        page.click("button[type=submit]")
        page.wait_for_function("document.getElementById('error').textContent.length > 0")
        error = page.inner_text("#error")
        step("wrong-token", "not valid" in error and session_cookie(context) is None, error, page)

        console_errors.clear()
        api_answers.clear()
        page.fill("#token", args.token)
        with page.expect_response(lambda r: r.url.split("?")[0].endswith("/api/workspaces"), timeout=30_000):
            page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        cookie = session_cookie(context)
        workspaces = [status for status, url in api_answers if url.split("?")[0].endswith("/api/workspaces")]
        failed = [f"{status} {url}" for status, url in api_answers if status >= 400]
        ok = cookie == args.token and bool(workspaces) and all(s == 200 for s in workspaces) and not failed
        notes = f"cookie set: {cookie == args.token}; GET /api/workspaces: {workspaces}; >=400: {failed[-3:]}"
        step(
            "signed-in-studio",
            ok and not console_errors,
            notes + f"; console errors: {console_errors[:3]}",
            page,
        )

        # The browser context's own request client: the same cookie jar, and no page to navigate away.
        answer = [context.request.delete(f"{args.url}/api/session").status]
        answer.append(context.request.get(f"{args.url}/api/workspaces").status)
        step(
            "signed-out",
            answer[0] == 204 and answer[1] == 401 and session_cookie(context) is None,
            str(answer),
            page,
        )
        browser.close()

    print("| step | ok | notes |\n|---|---|---|")
    for row in steps:
        print(f"| {row['step']} | {'yes' if row['ok'] else 'NO'} | {row['notes']} |")
    (args.out / "report.json").write_text(json.dumps(steps, indent=1))
    return 0 if all(row["ok"] for row in steps) else 1


if __name__ == "__main__":
    raise SystemExit(main())
