"""template.yaml's IAM policies allow what each function does: a run's whole life on the local stack
(upload, run with an ensemble, exports, results, analytics, NDT, census routes, live progress, a census the
import refuses, workspace deletion) with every AWS call recorded by the function that made it, then
each call checked against that function's statements in the template (action, resource, and an
s3:prefix condition). The local stack does not enforce IAM, so this is what tells a policy too narrow
for the code."""

from collections.abc import Iterator
from contextvars import ContextVar
from fnmatch import fnmatchcase
from typing import Any

import httpx
import pytest
from planalign.adapters import metering
from planalign.adapters.artifacts import Artifacts
from planalign.adapters.push import ConnectionsApi
from planalign.adapters.store import Store
from planalign.local.lambda_runner import LambdaRunner
from planalign.local.stack import LocalStack
from planalign.local.template import ACCOUNT_ID, REGION, LocalTemplate
from planalign.services.api_tokens import create_token
from websockets.sync.client import connect

from tests.integration.conftest import (
    latest_run_id,
    make_scenario,
    make_workspace,
    upload,
    wait_for,
    wait_terminal,
)

pytestmark = pytest.mark.integration

Call = tuple[str, str, str, str | None]  # function, action, resource, s3:prefix (ListBucket only)
# The calls that tell a missing key from a forbidden one (HeadObject answers 404 only to a caller
# that may list the bucket, without a prefix).
MAY_BE_MISSING = {"HeadObject"}


class Recorder:
    """The function running (set around every invocation; a context variable, so that it follows
    FastAPI's sync routes onto their worker threads), and the calls made."""

    def __init__(self) -> None:
        self.function: ContextVar[str | None] = ContextVar("function", default=None)
        self.calls: set[Call] = set()
        self.stage = ""  # the WebSocket stage the local gateway plays (the stack's StageName)

    def add(self, action: str, resource: str, prefix: str | None = None) -> None:
        function = self.function.get()
        if function is not None:  # the stack's own calls are not; a function's plain pool thread is not
            self.calls.add((function, action, resource, prefix))

    def record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        service, operation = model.service_model.service_name, model.name
        if service == "s3":
            for action, resource, prefix in s3_access(operation, params):
                self.add(action, resource, prefix)
        elif service == "dynamodb" and operation == "TransactWriteItems":
            # A transaction asks for the action of each of its writes (ConditionCheck has its own).
            for write in params["TransactItems"]:
                ((kind, request),) = write.items()
                action = "ConditionCheckItem" if kind == "ConditionCheck" else f"{kind}Item"
                self.add(f"dynamodb:{action}", request["TableName"])
        elif service == "dynamodb":
            tables = [params["TableName"]] if "TableName" in params else list(params.get("RequestItems", {}))
            for table in tables:
                index = f"/index/{params['IndexName']}" if params.get("IndexName") else ""
                self.add(f"dynamodb:{operation}", table + index)
        elif service == "stepfunctions":
            self.add(f"states:{operation}", params.get("stateMachineArn") or params.get("executionArn", "*"))
        else:
            self.add(f"{service}:{operation}", "*")


def s3_access(operation: str, params: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    bucket, key = params.get("Bucket", ""), params.get("Key", "")
    if operation in ("GetObject", "HeadObject"):
        action = "s3:GetObjectVersion" if params.get("VersionId") else "s3:GetObject"
        found: list[tuple[str, str, str | None]] = [(action, f"{bucket}/{key}", None)]
        return found + ([("s3:ListBucket", bucket, None)] if operation in MAY_BE_MISSING else [])
    if operation == "PutObject":
        return [("s3:PutObject", f"{bucket}/{key}", None)]
    if operation == "DeleteObjects":
        return [("s3:DeleteObject", f"{bucket}/{o['Key']}", None) for o in params["Delete"]["Objects"]]
    if operation in ("ListObjectsV2", "ListObjects"):
        return [("s3:ListBucket", bucket, params.get("Prefix", ""))]
    if operation == "HeadBucket":
        return [("s3:ListBucket", bucket, None)]
    if operation == "CreateBucket":
        return []  # botocore builds a presigned POST's URL with this model: no call (the form is recorded)
    return [(f"s3:{operation}", f"{bucket}/{key}" if key else bucket, None)]


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    recording = Recorder()
    run, install, post, form = (
        LambdaRunner.invoke,
        metering.install,
        ConnectionsApi.request,
        Artifacts.presigned_post,
    )

    def invoke(runner: LambdaRunner, name: str, event: dict[str, Any]) -> Any:
        token = recording.function.set(name)
        try:
            return run(runner, name, event)
        finally:
            recording.function.reset(token)

    def install_and_record(client: Any) -> None:
        install(client)
        client.meta.events.register("provide-client-params", recording.record)

    async def post_and_record(api: ConnectionsApi, method: str, connection_id: str, *args: Any) -> Any:
        # The post runs on the sending loop's thread, in the context of the function that sent it.
        recording.add(
            "execute-api:ManageConnections",
            f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:WebSocketApi/{recording.stage}/{method}/@connections/{connection_id}",
        )
        return await post(api, method, connection_id, *args)

    def form_and_record(artifacts: Artifacts, key: str, *args: Any) -> Any:
        recording.add("s3:PutObject", f"{artifacts.bucket}/{key}")  # the form lets the browser put it
        return form(artifacts, key, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LambdaRunner, "invoke", invoke)
        patch.setattr(metering, "install", install_and_record)
        patch.setattr(ConnectionsApi, "request", post_and_record)
        patch.setattr(Artifacts, "presigned_post", form_and_record)
        yield recording


@pytest.fixture(scope="module")
def stack(recorder: Recorder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The stack started once the recorder is in place, so every client a function makes records."""
    with LocalStack(data_dir=tmp_path_factory.mktemp("iam")) as running:
        assert running.template is not None
        # The local gateway plays the template's WebSocket stage, under a URL without its name.
        recorder.stage = running.template.parameters["StageName"]
        yield running


def statements(template: LocalTemplate, function: str) -> list[dict[str, Any]]:
    """The function's Allow statements in template.yaml, resolved as the local stack names things
    (a table or bucket ARN is its name)."""
    found: list[dict[str, Any]] = []
    for policy in template.resources[function]["Properties"].get("Policies", []):
        if "Ref" in policy:
            found += template.resources[policy["Ref"]]["Properties"]["PolicyDocument"]["Statement"]
        else:
            found += policy["Statement"]
    return [template.resolve(s) for s in found if s["Effect"] == "Allow"]


def allows(statement: dict[str, Any], action: str, resource: str, prefix: str | None) -> bool:
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    if action not in actions or not any(fnmatchcase(resource, pattern) for pattern in resources):
        return False
    condition = statement.get("Condition", {}).get("StringLike", {}).get("s3:prefix")
    if condition is None:
        return True
    patterns = condition if isinstance(condition, list) else [condition]
    return prefix is not None and any(fnmatchcase(prefix, pattern) for pattern in patterns)


def test_every_call_a_function_makes_is_allowed_by_its_policies(
    stack: LocalStack, recorder: Recorder, small_census: bytes
) -> None:
    # A token of the table (not a PLANALIGN_API_TOKENS shortcut), so the authorizer looks it up.
    token, _ = create_token(Store(), "tenant-a")
    api = httpx.Client(base_url=stack.api_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(
        api, workspace_id, config_overrides={"simulation": {"end_year": 2026}, "ensemble": {"members": 2}}
    )
    with connect(f"{stack.ws_url}/ws?token={token}") as socket:
        assert upload(api, workspace_id, small_census, run_scenarios=[scenario_id]).status_code == 204
        run_id = latest_run_id(api, scenario_id)
        socket.send(f'{{"action": "subscribe", "run_id": "{run_id}"}}')
        assert wait_terminal(api, run_id)["status"] == "completed"
    # The workbook comes after the run completed: its link answers 202 until it is there.
    assert wait_for(
        lambda: api.get(f"/api/runs/{run_id}/results/export", params={"format": "xlsx"}).status_code == 307
    )
    for path in (
        "/api/system/status",
        f"/api/runs/{run_id}/results",
        f"/api/runs/{run_id}/artifacts",
        f"/api/workspaces/{workspace_id}/comparison?scenarios={scenario_id}",
        f"/api/workspaces/{workspace_id}/scenarios/{scenario_id}/analytics/dc-plan",
        f"/api/workspaces/{workspace_id}/analytics/ndt/415?scenarios={scenario_id}&year=2026",
        f"/api/workspaces/{workspace_id}/parquet-files",
        f"/api/workspaces/{workspace_id}/config/bands",
    ):
        assert api.get(path).status_code < 500, path
    # A census the import refuses: the Catch (RunFailedFunction), then the failed execution's end
    # (LifecycleFunction).
    assert upload(api, workspace_id, b"name\nnobody\n", run_scenarios=[scenario_id]).status_code == 204
    failed_id = wait_for(lambda: (run := latest_run_id(api, scenario_id)) != run_id and run)
    assert wait_terminal(api, failed_id)["status"] == "failed"
    assert wait_for(lambda: any(call[0] == "LifecycleFunction" for call in list(recorder.calls)))
    assert api.delete(f"/api/workspaces/{workspace_id}").status_code == 200

    assert stack.template is not None
    assert {function for function, *_ in recorder.calls} == set(stack.template.functions)
    assert_allowed(stack.template, recorder.calls)


def test_the_import_wizards_calls_are_allowed_too(
    stack: LocalStack, recorder: Recorder, small_census: bytes
) -> None:
    """The wizard's source and previews, the census it generates (which the S3 trigger imports) and
    the Parquet copy it serves: CensusApiFunction's own S3 prefixes."""
    token, _ = create_token(Store(), "tenant-a")
    api = httpx.Client(base_url=stack.api_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    base = f"/api/workspaces/{make_workspace(api)}"
    recorder.calls.clear()
    uploaded = api.post(f"{base}/imports/upload", files={"file": ("census.csv", small_census, "text/csv")})
    assert uploaded.status_code == 201, uploaded.text
    imports = f"{base}/imports/{uploaded.json()['import_id']}"
    suggestions = api.get(f"{imports}/suggestions").json()["suggestions"]
    mapping = [
        {
            "input_column": s["input_column"],
            "output_column": s["suggested_canonical_field"],
            "output_type": "string",
            "transformations": [],
        }
        for s in suggestions
        if s["suggested_canonical_field"]
    ]
    assert api.put(f"{imports}/mapping", json={"field_mappings": mapping}).status_code == 200
    assert api.get(f"{imports}/mapped-preview").status_code == 200
    assert api.post(f"{imports}/generate", json={}).status_code == 202
    session = wait_for(lambda: (s := api.get(imports).json())["status"] == "completed" and s)
    download = api.get(f"{base}/parquet-files/{session['parquet_file_id']}/download", follow_redirects=False)
    assert download.status_code == 307
    assert stack.template is not None
    assert "CensusApiFunction" in {function for function, *_ in recorder.calls}
    assert_allowed(stack.template, recorder.calls)


def assert_allowed(template: LocalTemplate, calls: set[Call]) -> None:
    denied = sorted(
        call for call in calls if not any(allows(s, *call[1:]) for s in statements(template, call[0]))
    )
    assert denied == [], "\n".join(map(str, denied))
