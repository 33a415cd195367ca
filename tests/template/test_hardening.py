"""The deployment's hardening, on the SAM-translated template: checkov finds nothing but the skips the
README explains, and the properties it cannot see hold (least privilege, logs kept for a while, dead
letters with alarms, throttling, reserved concurrency, admin-only sign-up)."""

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.template

# SAM's policy templates grant whole tables and buckets (Scan, DeleteObject, PutObjectAcl, ...).
BROAD_POLICY_TEMPLATES = {"DynamoDBCrudPolicy", "DynamoDBReadPolicy", "S3CrudPolicy", "S3ReadPolicy"}


def documented_skips() -> dict[str, str]:
    """The README's table of checkov skips: check id -> where (`Resource` names, or "every ...")."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Deployment hardening") :]
    rows = re.findall(r"^\| `(CKV2?_AWS_\d+)` \| ([^|]+) \|", section, flags=re.MULTILINE)
    return {check: where.strip() for check, where in rows}


def resource_skips(transformed: dict[str, Any]) -> dict[str, set[str]]:
    """check id -> the resources whose Metadata skips it."""
    found: dict[str, set[str]] = {}
    for name, resource in transformed["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert skip.get("comment"), f"{name} skips {skip['id']} without a reason"
            found.setdefault(skip["id"], set()).add(name)
    return found


def test_every_checkov_skip_is_explained_in_the_readme(transformed: dict[str, Any]) -> None:
    documented = documented_skips()
    for check, resources in resource_skips(transformed).items():
        assert check in documented, f"{check} is skipped on {sorted(resources)} but not in the README's table"
        assert set(re.findall(r"`(\w+)`", documented[check])) == resources, check


def test_checkov_finds_nothing_on_the_translated_template(
    transformed: dict[str, Any], tmp_path: Path
) -> None:
    checkov = shutil.which("checkov")
    if checkov is None:
        pytest.fail("checkov is not on PATH: run the tests with `make test`, which installs it")
    everywhere = [check for check, where in documented_skips().items() if "`" not in where]
    path = tmp_path / "template.json"
    path.write_text(json.dumps(transformed))
    result = subprocess.run(
        [
            checkov,
            "-f",
            str(path),
            "--framework",
            "cloudformation",
            "-o",
            "json",
            "--quiet",
            "--compact",
            "--skip-check",
            ",".join(everywhere),
        ],
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stdout)
    failed = [(f["check_id"], f["resource"]) for f in report["results"]["failed_checks"]]
    assert failed == [], failed
    assert report["summary"]["passed"] > 200 and report["summary"]["parsing_errors"] == 0


def functions(transformed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: r for n, r in transformed["Resources"].items() if r["Type"] == "AWS::Lambda::Function"}


def statements(resources: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """A role's Allow statements: its inline policies' and those of the template's managed policies."""
    properties = resources[role]["Properties"]
    documents = [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
    for arn in properties.get("ManagedPolicyArns", []):
        if isinstance(arn, dict) and "Ref" in arn:
            documents.append(resources[arn["Ref"]]["Properties"]["PolicyDocument"])
    return [s for document in documents for s in document["Statement"] if s["Effect"] == "Allow"]


def actions(resources: dict[str, Any], role: str) -> set[str]:
    found: set[str] = set()
    for statement in statements(resources, role):
        found.update(statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
    return found


def test_no_function_holds_a_whole_table_or_bucket_policy_template(resources: dict[str, Any]) -> None:
    for name, resource in resources.items():
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
            for policy in resource["Properties"].get("Policies", []):
                assert not (isinstance(policy, dict) and BROAD_POLICY_TEMPLATES & set(policy)), (name, policy)


def test_no_role_scans_the_table_or_writes_any_key_of_the_bucket(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    for role in (n for n, r in resources.items() if r["Type"] == "AWS::IAM::Role"):
        assert not actions(resources, role) & {
            "dynamodb:Scan",
            "s3:PutObjectAcl",
            "s3:PutLifecycleConfiguration",
        }
        for statement in statements(resources, role):
            granted = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if any(a.startswith("s3:") and a != "s3:ListBucket" for a in granted):
                # An object grant names a prefix (uploads/, tenants/...), never the whole bucket.
                text = json.dumps(statement["Resource"])
                assert "/uploads/" in text or "/tenants/" in text, (role, statement)


def test_the_internet_facing_readers_cannot_write(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    for function in (
        "ApiAuthorizerFunction",
        "SystemApiFunction",
        "AnalyticsApiFunction",
        "VestingNdtApiFunction",
    ):
        allowed = actions(resources, f"{function}Role")
        assert allowed <= {"dynamodb:GetItem", "dynamodb:Query", "s3:GetObject", "s3:ListBucket"}, function
    assert not any(a.startswith("s3:") for a in actions(resources, "SystemApiFunctionRole"))


def test_every_function_and_api_logs_to_a_group_with_a_retention(resources: dict[str, Any]) -> None:
    groups = {
        json.dumps(r["Properties"].get("LogGroupName")): r
        for r in resources.values()
        if r["Type"] == "AWS::Logs::LogGroup"
    }
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    for name, resource in resources.items():
        if resource["Type"] == "AWS::Serverless::Function":
            assert json.dumps({"Fn::Sub": f"/aws/lambda/${{{name}}}"}) in groups, name
    http_api = resources["HttpApi"]["Properties"]
    websocket_stage = resources["WebSocketStage"]["Properties"]
    assert http_api["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogs", "Arn"]}
    assert websocket_stage["AccessLogSettings"]["DestinationArn"] == {
        "Fn::GetAtt": ["WebSocketAccessLogs", "Arn"]
    }
    logging = resources["RunStateMachine"]["Properties"]["Logging"]
    assert logging["Level"] in ("ERROR", "ALL")
    assert logging["Destinations"] == [
        {"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": ["RunStateMachineLogs", "Arn"]}}}
    ]


def test_both_api_stages_are_throttled_by_parameters(resources: dict[str, Any]) -> None:
    throttling = {
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
    }
    assert resources["HttpApi"]["Properties"]["DefaultRouteSettings"] == throttling
    assert resources["WebSocketStage"]["Properties"]["DefaultRouteSettings"] == throttling


def test_every_asynchronous_invocation_ends_in_the_alarmed_dead_letter_queue(
    transformed: dict[str, Any],
) -> None:
    resources = transformed["Resources"]
    queue = {"Fn::GetAtt": ["FailedEventsQueue", "Arn"]}
    asynchronous = {  # invoked by S3 or EventBridge: Lambda retries, then the dead-letter queue
        p["FunctionName"]["Ref"]
        for p in (r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Permission")
        if p["Principal"] in ("s3.amazonaws.com", "events.amazonaws.com")
    }
    assert asynchronous == {"UploadTriggerFunction", "LifecycleFunction"}
    for name in asynchronous:
        assert functions(transformed)[name]["Properties"]["DeadLetterConfig"] == {"TargetArn": queue}, name
    for resource in resources.values():
        if resource["Type"] == "AWS::Events::Rule":
            for target in resource["Properties"]["Targets"]:
                assert target["DeadLetterConfig"] == {"Arn": queue}
        if resource["Type"] == "AWS::Lambda::EventSourceMapping":
            assert resource["Properties"]["DestinationConfig"] == {"OnFailure": {"Destination": queue}}
    alarmed = {
        (
            r["Properties"]["Namespace"],
            r["Properties"]["MetricName"],
            json.dumps(r["Properties"]["Dimensions"]),
        )
        for r in resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("AlarmActions")
    }
    queue_name = json.dumps(
        [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["FailedEventsQueue", "QueueName"]}}]
    )
    machine = json.dumps([{"Name": "StateMachineArn", "Value": {"Ref": "RunStateMachine"}}])
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", queue_name) in alarmed
    assert ("AWS/States", "ExecutionsFailed", machine) in alarmed


def test_ensemble_members_run_on_a_reserved_and_capped_concurrency(resources: dict[str, Any]) -> None:
    assert resources["EnsembleMemberFunction"]["Properties"]["ReservedConcurrentExecutions"] == {
        "Fn::If": [
            "ReserveEnsembleConcurrency",
            {"Ref": "EnsembleReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }


def test_only_an_administrator_makes_users(resources: dict[str, Any]) -> None:
    config = resources["UserPool"]["Properties"]["AdminCreateUserConfig"]
    assert config["AllowAdminCreateUserOnly"] is True


def test_a_throttled_ensemble_member_waits_minutes_for_a_reserved_slot() -> None:
    definition = json.loads((ROOT / "statemachine" / "run.asl.json").read_text())
    member = definition["States"]["EnsembleMembers"]["ItemProcessor"]["States"]["Member"]
    (throttled,) = [r for r in member["Retry"] if "Lambda.TooManyRequestsException" in r["ErrorEquals"]]
    waits = [
        throttled["IntervalSeconds"] * throttled["BackoffRate"] ** n for n in range(throttled["MaxAttempts"])
    ]
    assert sum(waits) >= 300  # members that end free their slots meanwhile


def cors_origins(node: Any) -> list[Any]:
    """Every value under a CORS origins key (the bucket's AllowedOrigins, the HTTP API's AllowOrigins,
    the OpenAPI's allowOrigins), wherever it is."""
    found: list[Any] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("AllowedOrigins", "AllowOrigins", "allowOrigins"):
                found.append(value)
            found.extend(cors_origins(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(cors_origins(value))
    return found


def test_cors_names_the_studios_origins_and_never_any(
    resources: dict[str, Any], transformed: dict[str, Any]
) -> None:
    written = cors_origins(resources["ArtifactBucket"]) + cors_origins(resources["HttpApi"])
    translated = cors_origins(transformed["Resources"]["HttpApi"]["Properties"]["Body"])
    assert len(written) == 2 and translated
    for origins in written + translated:
        assert "*" not in json.dumps(origins)
    for origins in written:
        assert "StudioOrigins" in json.dumps(origins) and "StudioDomainName" in json.dumps(origins)
