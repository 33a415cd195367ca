"""The Studio's front door and the APIs' authorizer as template.yaml declares them, and the IAM that SAM
makes of the template (transformed with SAM's own translator): no wildcard beyond what a service needs."""

import json
from pathlib import Path
from typing import Any

import pytest
from planalign.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
pytestmark = pytest.mark.template


def behaviors(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    config = resources["StudioDistribution"]["Properties"]["DistributionConfig"]
    found = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    found["default"] = config["DefaultCacheBehavior"]
    return found


def origin(resources: dict[str, Any], origin_id: str) -> dict[str, Any]:
    config = resources["StudioDistribution"]["Properties"]["DistributionConfig"]
    found: dict[str, Any] = next(o for o in config["Origins"] if o["Id"] == origin_id)
    return found


def test_the_studio_build_is_served_from_a_private_bucket_only_the_distribution_reads(
    resources: dict[str, Any],
) -> None:
    bucket = resources["StudioBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    build = origin(resources, "studio-build")
    assert build["OriginAccessControlId"] == {"Fn::GetAtt": ["StudioOriginAccessControl", "Id"]}
    assert build["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    (allow,) = [
        s
        for s in resources["StudioBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow"
    ]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert "${StudioDistribution}" in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    config = resources["StudioDistribution"]["Properties"]["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    # The Studio routes with a HashRouter: no error page falls back to index.html.
    assert "CustomErrorResponses" not in config


def test_api_calls_pass_everything_through_and_are_never_cached(resources: dict[str, Any]) -> None:
    api = behaviors(resources)["/api/*"]
    assert api["TargetOriginId"] == "http-api"
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST  # headers, query, cookies; not Host
    assert api["ViewerProtocolPolicy"] == "https-only"
    assert {a["EventType"]: a["FunctionARN"]["Fn::GetAtt"][0] for a in api["FunctionAssociations"]} == {
        "viewer-request": "ApiRequestFunction",
        "viewer-response": "ApiResponseFunction",
    }
    assert origin(resources, "http-api")["OriginPath"] == {"Fn::Sub": "/${StageName}"}


def test_websockets_reach_the_websocket_api_with_their_handshake_headers_and_query(
    resources: dict[str, Any],
) -> None:
    for pattern in ("/ws", "/ws/*"):
        socket = behaviors(resources)[pattern]
        assert socket["TargetOriginId"] == "websocket-api"
        assert socket["CachePolicyId"] == CACHING_DISABLED
        assert socket["OriginRequestPolicyId"] == {"Ref": "WebSocketOriginRequestPolicy"}
        (association,) = socket["FunctionAssociations"]
        assert association["EventType"] == "viewer-request"
        assert association["FunctionARN"] == {"Fn::GetAtt": ["WebSocketPathFunction", "FunctionARN"]}
    policy = resources["WebSocketOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    assert set(policy["HeadersConfig"]["Headers"]) == {
        "Sec-WebSocket-Key",
        "Sec-WebSocket-Version",
        "Sec-WebSocket-Protocol",
        "Sec-WebSocket-Extensions",
    }
    assert policy["QueryStringsConfig"] == {"QueryStringBehavior": "all"}


def test_the_allow_list_is_a_web_acl_that_blocks_everyone_else_and_needs_us_east_1() -> None:
    document = load_template(ROOT)
    acl = document.resources["StudioWebAcl"]
    assert acl["Condition"] == "HasStudioAllowList" and acl["Properties"]["Scope"] == "CLOUDFRONT"
    assert acl["Properties"]["DefaultAction"] == {"Block": {}}
    from cfn_flip import load_yaml

    rules = load_yaml((ROOT / "template.yaml").read_text())["Rules"]
    assertion = rules["StudioAllowListNeedsUsEast1"]["Assertions"][0]["Assert"]
    assert assertion == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}


def test_one_lambda_authorizer_guards_both_apis_and_is_cached_per_authorization_header(
    resources: dict[str, Any],
) -> None:
    template = load_template(ROOT)
    assert template.http_authorizer is not None and template.websocket_authorizer is not None
    assert (
        template.http_authorizer.function == template.websocket_authorizer.function == "ApiAuthorizerFunction"
    )
    assert template.http_authorizer.cache_seconds == 300
    auth = resources["HttpApi"]["Properties"]["Auth"]
    authorizer = auth["Authorizers"][auth["DefaultAuthorizer"]]
    assert authorizer["Identity"]["Headers"] == ["Authorization"]
    assert authorizer["AuthorizerPayloadFormatVersion"] == "2.0" and authorizer["EnableSimpleResponses"]
    assert resources["WebSocketAuthorizer"]["Properties"]["IdentitySource"] == [
        "route.request.querystring.token"
    ]
    # It reads API tokens, and nothing else: no writes, no S3.
    assert resources["ApiAuthorizerFunction"]["Properties"]["Policies"] == [{"Ref": "TableReadAccess"}]


def test_the_front_doors_address_is_an_output_and_no_function_names_the_distribution(
    resources: dict[str, Any],
) -> None:
    outputs = load_template(ROOT)
    assert outputs.resolve({"Ref": "StageName"}) == "dev"
    text = (ROOT / "template.yaml").read_text()
    assert "StudioUrl:" in text and "StudioDistributionId:" in text and "StudioBucketName:" in text
    # A function naming the distribution would be a cycle (distribution -> HTTP API -> functions).
    for name, resource in resources.items():
        if resource["Type"] == "AWS::Serverless::Function":
            assert "StudioDistribution" not in json.dumps(resource), name


def allow_statements(transformed: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The Allow statements of the roles' inline policies and of the template's managed policies."""
    statements = []
    for name, resource in transformed["Resources"].items():
        if resource["Type"] == "AWS::IAM::Role":
            documents = [policy["PolicyDocument"] for policy in resource["Properties"].get("Policies", [])]
        elif resource["Type"] == "AWS::IAM::ManagedPolicy":
            documents = [resource["Properties"]["PolicyDocument"]]
        else:
            continue
        for document in documents:
            for statement in document["Statement"]:
                if statement["Effect"] == "Allow":
                    statements.append((name, statement))
    return statements


# What the state machine's role needs to deliver its logs to CloudWatch Logs.
LOG_DELIVERY = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_no_role_allows_every_action_or_every_resource(transformed: dict[str, Any]) -> None:
    statements = allow_statements(transformed)
    assert statements
    for role, statement in statements:
        for action in as_list(statement["Action"]):
            assert action != "*" and not str(action).endswith(":*"), (role, action)
        if statement["Action"] == LOG_DELIVERY:
            continue  # CloudWatch Logs authorizes log delivery on "*" only
        for resource in as_list(statement["Resource"]):
            assert resource != "*", (role, statement["Action"])


def test_roles_use_only_the_managed_policies_lambda_and_x_ray_need(transformed: dict[str, Any]) -> None:
    """AWS's managed policies, besides the template's own (whose statements the test above checks)."""
    resources = transformed["Resources"]
    managed = set()
    for resource in resources.values():
        if resource["Type"] == "AWS::IAM::Role":
            for arn in resource["Properties"].get("ManagedPolicyArns", []):
                if (
                    isinstance(arn, dict)
                    and resources.get(arn.get("Ref"), {}).get("Type") == "AWS::IAM::ManagedPolicy"
                ):
                    continue
                managed.add(json.dumps(arn, sort_keys=True))
    names = {arn.rsplit("/", 1)[-1].rstrip('"}') for arn in managed}
    assert names <= {
        "AWSLambdaBasicExecutionRole",
        "AWSXrayWriteOnlyAccess",
        "AWSLambdaDynamoDBExecutionRole",
        "AmazonAPIGatewayPushToCloudWatchLogs",  # the WebSocket stage's access logs
    }
