"""Every function of template.yaml has a sample event, `events/<its code folder>.json` (what
`sam local invoke <Function> -e events/<folder>.json` sends), and answers it sensibly: each handler is
invoked with its event under moto, in the order a run meets them, on an example tenant whose
workspace, scenario and census (`events/census_example.csv`) the events name."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from planalign.local.lambda_runner import LambdaRunner
from planalign.local.stack import forget_clients
from planalign.local.template import LocalTemplate, load_template

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
TENANT = "tenant-example"
# The API token the authorizer's event carries (a sample: it opens nothing outside this test).
TOKEN = "pat_example-token-for-the-sample-events-0000000"


def sample_event(template: LocalTemplate, function: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(
        (EVENTS / f"{template.functions[function].code_dir.name}.json").read_text()
    )
    return event


def test_every_function_has_a_sample_event() -> None:
    template = load_template(ROOT)
    folders = {spec.code_dir.name for spec in template.functions.values()}
    samples = {path.stem for path in EVENTS.glob("*.json")}
    assert folders == samples


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LocalTemplate, LambdaRunner]]:
    """moto with the template's table, bucket and state machine, the functions' environment, and the
    example tenant: an API token, a workspace that runs all its scenarios on upload, a scenario of
    two ensemble members, and the census uploaded under uploads/ (the S3 event's key)."""
    from planalign.adapters.artifacts import Artifacts
    from planalign.adapters.store import Store
    from planalign.services import api_tokens, runs, uploads, workspaces

    template = load_template(ROOT)
    environment = {k: v for spec in template.functions.values() for k, v in spec.environment.items()}
    environment |= {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "JWT_ISSUER": "",
        "JWT_AUDIENCE": "",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    for module in (workspaces, uploads):  # the events name example ids
        monkeypatch.setattr(module, "new_id", lambda prefix: f"{prefix}_example")
    monkeypatch.setattr(runs, "new_run_id", lambda: "run_example")
    forget_clients()
    with mock_aws():
        table = template.resolve(template.resources["RunTable"]["Properties"])
        boto3.client("dynamodb").create_table(
            TableName=table["TableName"],
            AttributeDefinitions=table["AttributeDefinitions"],
            KeySchema=table["KeySchema"],
            GlobalSecondaryIndexes=table["GlobalSecondaryIndexes"],
            BillingMode=table["BillingMode"],
        )
        bucket = template.physical_name("ArtifactBucket")
        boto3.client("s3").create_bucket(Bucket=bucket)
        name, definition, role = template.state_machine()
        boto3.client("stepfunctions").create_state_machine(name=name, definition=definition, roleArn=role)
        store = Store()
        store.create(
            api_tokens.KIND,
            api_tokens.token_hash(TOKEN),
            {"id": "tok_example", "tenant_id": TENANT, "name": "sample events"},
        )
        workspaces.create_workspace(store, TENANT, {"name": "Example", "auto_run_scenarios": "all"})
        workspaces.create_scenario(
            store,
            TENANT,
            "ws_example",
            {
                "name": "Two seeds, two years",
                "config_overrides": {"simulation": {"end_year": 2026}, "ensemble": {"members": 2}},
            },
        )
        upload = sample_event(template, "UploadTriggerFunction")["Records"][0]["s3"]["object"]["key"]
        Artifacts(bucket).put(upload, (EVENTS / "census_example.csv").read_bytes(), "text/csv")
        yield template, LambdaRunner(template.functions)
    forget_clients()


def test_every_handler_answers_its_sample_event(
    example: tuple[LocalTemplate, LambdaRunner], monkeypatch: pytest.MonkeyPatch
) -> None:
    from planalign.adapters.push import ConnectionsApi

    template, runner = example
    posted: list[str] = []  # the connections the management API (not mocked by moto) was asked to post to

    async def post(api: ConnectionsApi, method: str, connection_id: str, *args: Any) -> tuple[int, bytes]:
        posted.append(connection_id)
        return 200, b""

    monkeypatch.setattr(ConnectionsApi, "request", post)

    def invoke(function: str) -> Any:
        return runner.invoke(function, sample_event(template, function))

    def api(function: str) -> Any:
        answer = invoke(function)
        assert answer["statusCode"] == 200, (function, answer)
        return json.loads(answer["body"])

    assert invoke("ApiAuthorizerFunction") == {
        "isAuthorized": True,
        "context": {"sub": TENANT, "credential": "api_token"},
    }
    assert api("SystemApiFunction")["workspace_count"] == 1
    assert api("WorkspacesApiFunction")["id"] == "ws_example"
    assert invoke("UploadTriggerFunction") == {
        "registered": [{"dataset_id": "ds_example", "run_ids": ["run_example"]}]
    }
    assert invoke("WebSocketFunction") == {"statusCode": 200}  # $connect, following run_example

    # The stages, each answering what the next one's event carries (the state machine's ResultPath).
    assert invoke("ImportFunction") == sample_event(template, "SimulationFunction")["import"]
    assert invoke("SimulationFunction") == sample_event(template, "PipelineFunction")["simulation"]
    assert invoke("EnsembleMemberFunction") == {"member": 1}
    assert invoke("PipelineFunction") == sample_event(template, "ExportsFunction")["pipeline"]
    assert invoke("ExportsFunction")["export_keys"]

    assert api("RunsApiFunction")["status"] == "completed"
    assert api("AnalyticsApiFunction")
    assert api("VestingNdtApiFunction")["years"]  # the run's simulated years
    assert api("CensusApiFunction")
    connection = sample_event(template, "WebSocketFunction")["requestContext"]["connectionId"]
    assert (
        invoke("NotifierFunction")["sent"] >= 1 and connection in posted
    )  # its milestone, to the connection

    # The run completed: a late failure or execution status change does not move it.
    assert invoke("LifecycleFunction") == {"name": "run_example", "changed": False}
    assert invoke("RunFailedFunction") == {"run_id": "run_example", "marked_failed": False}
