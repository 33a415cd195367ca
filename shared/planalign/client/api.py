"""An HTTP client of the PlanAlign API for scripts and the command line: workspaces, scenarios, the
presigned census upload, runs, results and exports, against any deployment (a token) or a local stack."""

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

TERMINAL = frozenset({"completed", "failed", "cancelled"})
DEFAULT_API_URL = "http://127.0.0.1:3000"


class ApiError(Exception):
    """The API refused a request (its status and `detail`), or could not be reached (status 0)."""

    def __init__(self, status_code: int, detail: Any) -> None:
        super().__init__(f"{status_code}: {detail}" if status_code else str(detail))
        self.status_code = status_code
        self.detail = detail


class PlanAlignClient:
    def __init__(self, api_url: str = DEFAULT_API_URL, token: str | None = None, timeout: float = 60) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.api_url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "PlanAlignClient":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise ApiError(0, f"{self.api_url} not reachable: {error}") from error
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise ApiError(response.status_code, detail)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.request(method, path, **kwargs).json()

    # Workspaces and scenarios
    def workspaces(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json("GET", "/api/workspaces")
        return result

    def workspace(self, reference: str) -> dict[str, Any]:
        """A workspace by id, or by its name when exactly one has it."""
        workspaces = self.workspaces()
        for workspace in workspaces:
            if workspace["id"] == reference:
                return workspace
        named = [workspace for workspace in workspaces if workspace.get("name") == reference]
        if len(named) == 1:
            return named[0]
        reason = "several workspaces are named" if named else "no workspace has the id or name"
        raise ApiError(404, f"{reason} {reference!r}")

    def create_workspace(self, name: str, description: str = "") -> dict[str, Any]:
        result: dict[str, Any] = self._json(
            "POST", "/api/workspaces", json={"name": name, "description": description}
        )
        return result

    def scenarios(self, workspace_id: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json("GET", f"/api/workspaces/{workspace_id}/scenarios")
        return result

    def scenario(self, workspace_id: str, reference: str) -> dict[str, Any]:
        """A scenario of the workspace by id, or by its name when exactly one has it."""
        scenarios = self.scenarios(workspace_id)
        for scenario in scenarios:
            if scenario["id"] == reference:
                return scenario
        named = [scenario for scenario in scenarios if scenario.get("name") == reference]
        if len(named) == 1:
            return named[0]
        reason = "several scenarios are named" if named else "no scenario has the id or name"
        raise ApiError(404, f"{reason} {reference!r} in workspace {workspace_id}")

    def create_scenario(
        self,
        workspace_id: str,
        name: str,
        description: str = "",
        config_overrides: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        body = {"name": name, "description": description, "config_overrides": config_overrides or {}}
        result: dict[str, Any] = self._json("POST", f"/api/workspaces/{workspace_id}/scenarios", json=body)
        return result

    # Uploads
    def upload(
        self,
        workspace_id: str,
        path: Path,
        run_scenarios: list[str] | str | None = None,
        sheet: str | None = None,
    ) -> dict[str, Any]:
        """Ask for the presigned form and post the file to S3 with it; answers the form's answer."""
        body: dict[str, Any] = {"filename": path.name}
        if run_scenarios:
            body["run_scenarios"] = run_scenarios
        if sheet:
            body["sheet"] = sheet
        form: dict[str, Any] = self._json("POST", f"/api/workspaces/{workspace_id}/uploads", json=body)
        try:
            with path.open("rb") as file:
                posted = httpx.post(
                    form["url"], data=form["fields"], files={"file": (path.name, file)}, timeout=300
                )
        except httpx.HTTPError as error:
            raise ApiError(0, f"upload to {form['url']} failed: {error}") from error
        if posted.status_code >= 300:
            raise ApiError(posted.status_code, f"the storage refused the upload: {posted.text[:300]}")
        return form

    def dataset_of_upload(self, workspace_id: str, upload_id: str, timeout: float = 60) -> dict[str, Any]:
        """The dataset the upload made (the S3 trigger makes it as soon as the file lands)."""

        def find() -> dict[str, Any] | None:
            datasets = self._json("GET", f"/api/workspaces/{workspace_id}/datasets")
            return next((d for d in datasets if d.get("upload_id") == upload_id), None)

        return _poll(find, timeout, f"no dataset for upload {upload_id} after {timeout:.0f} s")

    def run_for_dataset(self, scenario_id: str, dataset_id: str, timeout: float = 60) -> dict[str, Any]:
        """The scenario's run made for this dataset (an upload's runs are created when it lands)."""

        def find() -> dict[str, Any] | None:
            try:
                latest = self._json("GET", f"/api/scenarios/{scenario_id}/run/status")
            except ApiError as error:
                if error.status_code == 404:
                    return None
                raise
            run = self.run(latest["id"])
            return run if run.get("dataset_id") == dataset_id else None

        return _poll(find, timeout, f"scenario {scenario_id} has no run of dataset {dataset_id}")

    # Runs
    def start_run(self, scenario_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("POST", f"/api/scenarios/{scenario_id}/run")
        return result

    def run(self, run_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/api/runs/{run_id}")
        return result

    def results(self, run_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/api/runs/{run_id}/results")
        return result

    def cancel(self, run_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("POST", f"/api/runs/{run_id}/cancel")
        return result

    def export(self, run_id: str, export_format: str, timeout: float = 300) -> bytes:
        """The export's bytes: the API answers 307 to a presigned link, fetched without our token, or
        202 while the completed run's export is being made, asked again after its Retry-After."""
        deadline = time.monotonic() + timeout
        while True:
            redirect = self.request(
                "GET",
                f"/api/runs/{run_id}/results/export",
                params={"format": export_format},
                follow_redirects=False,
            )
            if redirect.status_code != 202 or time.monotonic() >= deadline:
                break
            time.sleep(float(redirect.headers.get("retry-after") or 1))
        location = redirect.headers.get("location")
        if redirect.status_code != 307 or not location:
            raise ApiError(redirect.status_code, "the export answered no redirect to its file")
        try:
            return httpx.get(location, timeout=300).raise_for_status().content
        except httpx.HTTPError as error:
            raise ApiError(0, f"export download failed: {error}") from error

    def websocket_url(self, run_id: str) -> str:
        """The Studio's socket path of a run on the API's origin (the local gateway serves it; in AWS
        the front door turns it into the WebSocket API's query string)."""
        scheme, netloc, path, _, _ = urlsplit(self.api_url)
        ws_scheme = "wss" if scheme == "https" else "ws"
        query = f"token={self.token}" if self.token else ""
        return urlunsplit((ws_scheme, netloc, f"{path}/ws/simulation/{run_id}", query, ""))


def _poll(find: Any, timeout: float, message: str) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, Any] | None = find()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise ApiError(0, message)
        time.sleep(0.2)
