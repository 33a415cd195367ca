"""Reads template.yaml into what the local stack needs: functions (code, handler, environment),
HTTP routes, the APIs' authorizers, S3 triggers and the state machine with its substitutions resolved."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


@dataclass(frozen=True)
class Route:
    method: str  # GET, POST, ... or ANY
    path: str  # /api/workspaces/{proxy+}
    function: str  # logical id
    public: bool  # Auth: NONE
    pattern: re.Pattern[str] = field(compare=False)


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str  # module.attribute
    environment: dict[str, str]
    timeout: int
    memory_size: int = 128  # MB, the template's MemorySize (Lambda's default without one)

    @property
    def name(self) -> str:
        return self.logical_id

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.logical_id}"


@dataclass(frozen=True)
class Authorizer:
    """A Lambda REQUEST authorizer: its function, and how long API Gateway caches its answer."""

    function: str  # logical id
    cache_seconds: int


@dataclass(frozen=True)
class S3Trigger:
    function: str
    bucket_resource: str
    events: list[str]
    prefix: str


@dataclass
class LocalTemplate:
    root: Path
    parameters: dict[str, str]
    resources: dict[str, Any]
    functions: dict[str, FunctionSpec]
    routes: list[Route]
    s3_triggers: list[S3Trigger]
    websocket_routes: dict[str, str]  # route key -> function
    # The functions fed by the table's stream, each with its FilterCriteria patterns (JSON).
    stream_triggers: dict[str, list[str]] = field(default_factory=dict)
    execution_watchers: list[str] = field(default_factory=list)  # functions fed by execution status changes
    conditions: dict[str, bool] = field(default_factory=dict)
    http_authorizer: Authorizer | None = None  # the HTTP API's default authorizer
    websocket_authorizer: Authorizer | None = None  # the WebSocket API's $connect authorizer

    def physical_name(self, logical_id: str) -> str:
        """What !Ref of a resource gives on the local stack."""
        resource = self.resources[logical_id]
        kind = resource["Type"]
        props = resource.get("Properties", {})
        if kind == "AWS::DynamoDB::Table":
            return str(self.resolve(props["TableName"]))
        if kind == "AWS::S3::Bucket":
            return str(self.resolve(props["BucketName"]))
        if kind == "AWS::Serverless::StateMachine":
            return f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{self.resolve(props['Name'])}"
        if kind == "AWS::Serverless::Function":
            return logical_id
        return logical_id

    def resolve(self, value: Any) -> Any:
        """Resolve the intrinsics this template uses (Ref, Sub, GetAtt .Arn/.Name, If on its Conditions;
        AWS::NoValue is None)."""
        if isinstance(value, dict) and len(value) == 1:
            ((name, arg),) = value.items()
            if name == "Ref":
                return None if arg == "AWS::NoValue" else self._ref(arg)
            if name == "Fn::If":
                condition, when_true, when_false = arg
                return self.resolve(when_true if self.conditions[condition] else when_false)
            if name == "Fn::Sub":
                text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._sub_var(m.group(1), extra)), text)
            if name == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                if attribute == "Arn":
                    spec = self.functions.get(logical_id)
                    return spec.arn if spec else self.physical_name(logical_id)
                if attribute == "Name":
                    return self.physical_name(logical_id).rsplit(":", 1)[-1]
                raise ValueError(f"unsupported GetAtt {logical_id}.{attribute}")
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def _ref(self, name: str) -> str:
        pseudo = {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": REGION,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.physical_name(name)

    def _sub_var(self, name: str, extra: dict[str, Any]) -> Any:
        if name in extra:
            return self.resolve(extra[name])
        if "." in name:
            return self.resolve({"Fn::GetAtt": name.split(".", 1)})
        return self._ref(name)

    def stage_functions(self, logical_id: str = "RunStateMachine") -> list[str]:
        """The functions the state machine's tasks invoke."""
        _, definition, _ = self.state_machine(logical_id)
        return [name for name, spec in self.functions.items() if spec.arn in definition]

    def state_machine(self, logical_id: str = "RunStateMachine") -> tuple[str, str, str]:
        """(name, definition JSON with DefinitionSubstitutions applied, role ARN)."""
        props = self.resources[logical_id]["Properties"]
        text = (self.root / props["DefinitionUri"]).read_text()
        for key, value in self.resolve(props.get("DefinitionSubstitutions", {})).items():
            text = text.replace("${" + key + "}", str(value))
        json.loads(text)  # a substitution must leave valid JSON
        return str(self.resolve(props["Name"])), text, f"arn:aws:iam::{ACCOUNT_ID}:role/{logical_id}Role"


def _condition(template: LocalTemplate, definitions: dict[str, Any], value: Any) -> bool:
    """A Conditions entry with the parameters given (Equals, Not, And, Or, Condition)."""
    ((name, arg),) = value.items()
    if name == "Fn::Equals":
        left, right = (template.resolve(v) for v in arg)
        return str(left) == str(right)
    if name == "Fn::Not":
        return not _condition(template, definitions, arg[0])
    if name == "Fn::And":
        return all(_condition(template, definitions, v) for v in arg)
    if name == "Fn::Or":
        return any(_condition(template, definitions, v) for v in arg)
    if name == "Condition":
        return _condition(template, definitions, definitions[arg])
    raise ValueError(f"unsupported condition function {name}")


def _route_pattern(path: str) -> re.Pattern[str]:
    regex = re.sub(r"\{[^}/]+\+\}", r"(?P<proxy>.+)", path)
    regex = re.sub(r"\{([^}/]+)\}", r"(?P<\1>[^/]+)", regex)
    return re.compile(f"^{regex}$")


def load_template(root: Path, parameter_overrides: dict[str, str] | None = None) -> LocalTemplate:
    from cfn_flip import load_yaml

    document = json.loads(json.dumps(load_yaml((root / "template.yaml").read_text())))
    parameters = {name: str(p.get("Default", "")) for name, p in document.get("Parameters", {}).items()}
    parameters.update(parameter_overrides or {})
    resources: dict[str, Any] = document["Resources"]
    template = LocalTemplate(root, parameters, resources, {}, [], [], {})
    definitions = document.get("Conditions", {})
    template.conditions = {name: _condition(template, definitions, v) for name, v in definitions.items()}
    globals_ = document.get("Globals", {}).get("Function", {})
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        template.functions[logical_id] = FunctionSpec(
            logical_id=logical_id,
            code_dir=root / props["CodeUri"],
            handler=props["Handler"],
            environment={},
            timeout=int(props.get("Timeout", globals_.get("Timeout", 3))),
            memory_size=int(props.get("MemorySize", globals_.get("MemorySize", 128))),
        )
    # Environments are resolved once every function (and so every ARN) is known.
    for logical_id, spec in list(template.functions.items()):
        props = resources[logical_id]["Properties"]
        variables = {
            **globals_.get("Environment", {}).get("Variables", {}),
            **props.get("Environment", {}).get("Variables", {}),
        }
        resolved = {k: template.resolve(v) for k, v in variables.items()}
        environment = {k: str(v) for k, v in resolved.items() if v is not None}
        template.functions[logical_id] = FunctionSpec(
            spec.logical_id, spec.code_dir, spec.handler, environment, spec.timeout, spec.memory_size
        )
        for event in props.get("Events", {}).values():
            event_props = event.get("Properties", {})
            if event["Type"] == "HttpApi":
                public = event_props.get("Auth", {}).get("Authorizer") == "NONE"
                path = event_props["Path"]
                template.routes.append(
                    Route(event_props["Method"].upper(), path, logical_id, public, _route_pattern(path))
                )
            elif event["Type"] == "DynamoDB":
                filters = event_props.get("FilterCriteria", {}).get("Filters", [])
                template.stream_triggers[logical_id] = [f["Pattern"] for f in filters]
            elif event["Type"] == "EventBridgeRule":
                template.execution_watchers.append(logical_id)
            elif event["Type"] == "S3":
                rules = event_props.get("Filter", {}).get("S3Key", {}).get("Rules", [])
                prefix = next((r["Value"] for r in rules if r["Name"].lower() == "prefix"), "")
                events = event_props["Events"]
                template.s3_triggers.append(
                    S3Trigger(
                        logical_id,
                        event_props["Bucket"]["Ref"],
                        events if isinstance(events, list) else [events],
                        prefix,
                    )
                )
    for resource in resources.values():
        if resource["Type"] == "AWS::ApiGatewayV2::Route":
            function = _websocket_function(resources, resource["Properties"].get("Target"))
            if function:
                template.websocket_routes[resource["Properties"]["RouteKey"]] = function
        elif resource["Type"] == "AWS::Serverless::HttpApi":
            template.http_authorizer = _http_authorizer(resource["Properties"].get("Auth", {}))
        elif resource["Type"] == "AWS::ApiGatewayV2::Authorizer":
            function = _function_of_uri(resource["Properties"]["AuthorizerUri"])
            # WebSocket APIs cache no authorizer answers.
            template.websocket_authorizer = Authorizer(function, 0) if function else None
    template.routes.sort(key=route_precedence)
    return template


def _http_authorizer(auth: dict[str, Any]) -> Authorizer | None:
    """The HttpApi's DefaultAuthorizer when it is a Lambda authorizer (FunctionArn: !GetAtt X.Arn)."""
    authorizer = auth.get("Authorizers", {}).get(auth.get("DefaultAuthorizer", ""), {})
    arn = authorizer.get("FunctionArn")
    if not isinstance(arn, dict) or "Fn::GetAtt" not in arn:
        return None
    target = arn["Fn::GetAtt"]
    function = target[0] if isinstance(target, list) else str(target).split(".", 1)[0]
    return Authorizer(function, int(authorizer.get("Identity", {}).get("ReauthorizeEvery", 300)))


def _function_of_uri(uri: Any) -> str | None:
    """The function of an API Gateway `.../functions/${Function.Arn}/invocations` URI."""
    function = re.search(r"\$\{(\w+)\.Arn\}", uri.get("Fn::Sub", "") if isinstance(uri, dict) else "")
    return function.group(1) if function else None


def route_precedence(route: Route) -> tuple[bool, int, int, bool]:
    """Sorts routes most specific first, as API Gateway picks among the routes that match: a route
    without a greedy `{proxy+}` before one with it, then the one with more literal segments (so
    `/api/workspaces/{id}/imports/{proxy+}` wins over `/api/workspaces/{proxy+}`), then the longer
    one, then a method of its own before ANY."""
    segments = route.path.strip("/").split("/")
    literal = sum(1 for segment in segments if not segment.startswith("{"))
    return (route.path.endswith("+}"), -literal, -len(segments), route.method == "ANY")


def _websocket_function(resources: dict[str, Any], target: Any) -> str | None:
    """`integrations/${Integration}` -> the function of that integration's `${Function.Arn}` URI."""
    match = re.fullmatch(
        r"integrations/\$\{(\w+)\}", (target or {}).get("Fn::Sub", "") if isinstance(target, dict) else ""
    )
    if match is None:
        return None
    return _function_of_uri(resources[match.group(1)]["Properties"]["IntegrationUri"])
