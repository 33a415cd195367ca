"""The local stack of local.md, started in this process: moto on a free loopback port, the template's
resources created in it, handlers run in-process, and the local gateway in front."""

import gc
import io
import json
import logging
import os
import secrets
import socket
import subprocess
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

from planalign.local import moto_items
from planalign.local.auth import LOOPBACK_HOSTS, LocalAuth, LocalAuthorizer
from planalign.local.gateway import HttpGateway, WebSocketGateway, build_app
from planalign.local.lambda_runner import LambdaRunner
from planalign.local.lambda_runtime import quiet_disabled_metrics
from planalign.local.moto_backend import MotoServer, observe_objects, reset_moto
from planalign.local.persistence import Journal, State
from planalign.local.signatures import Signer
from planalign.local.streams import StreamDelivery
from planalign.local.template import ACCOUNT_ID, REGION, LocalTemplate, load_template
from planalign.targets import ENDPOINT_FILE, write_local_endpoint

logger = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[3]
LOCAL_STAGE = "local"
ACCESS_KEY_ID = "testing"
# The secret of the stack's key: one per process, so that clients made before a stack restarted in
# this process (moto's own, a test's) still sign right.
SECRET_ACCESS_KEY = secrets.token_urlsafe(30)
EXECUTION_POLL_SECONDS = 1.0  # a failed execution's run is marked failed within a second
OPEN_TENANT = "local"  # the one tenant of `planalign local --no-auth`


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def source_parameters(root: Path) -> dict[str, str]:
    """SourceCommit and SourceTreeState of the checkout the stack runs from, as a deployment passes
    them (README, "Deploying to AWS"); none outside a git checkout."""

    def git(*arguments: str) -> str:
        command = ["git", "-C", str(root), *arguments]
        return subprocess.run(command, capture_output=True, text=True, timeout=10, check=True).stdout.strip()

    try:
        commit, changes = git("rev-parse", "HEAD"), git("status", "--porcelain")
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"SourceCommit": commit, "SourceTreeState": "dirty" if changes else "clean"}


def parse_tokens(text: str) -> dict[str, str]:
    """`tenant-a:token-a,tenant-b:token-b` -> {token: tenant}."""
    tokens: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        tenant, _, token = pair.partition(":")
        if not tenant or not token:
            raise ValueError(f"PLANALIGN_API_TOKENS: {pair!r} is not tenant:token")
        tokens[token] = tenant
    return tokens


def forget_clients() -> None:
    """Drop the clients, credentials and settings cached for the environment they were made in."""
    import boto3

    from planalign.adapters import clients, push
    from planalign.settings import get_settings

    boto3.DEFAULT_SESSION = None
    clients.forget_clients()
    for cached in (get_settings, push._credentials_for):
        cached.cache_clear()


class LocalStack:
    def __init__(
        self,
        *,
        root: Path = PROJECT_ROOT,
        data_dir: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: dict[str, str] | None = None,
        parameters: dict[str, str] | None = None,
        no_auth: bool = False,
        studio_dir: Path | None = None,
        isolated: bool = False,
    ) -> None:
        self.root = root
        # The functions that work off the request path (the state machine's tasks and the stream's
        # consumer) in worker processes of their own, as Lambda isolates them (lambda_workers), the
        # stages at a lower CPU priority than the push path; off, everything runs in this process and
        # tests can patch a stage.
        self.isolated = isolated
        self.parameters = {"StageName": LOCAL_STAGE, **source_parameters(root), **(parameters or {})}
        self.journal = Journal(data_dir) if data_dir else None
        self.host = host
        self.port = port or free_port(host)
        env_tokens = os.environ.get("PLANALIGN_API_TOKENS", "")
        if no_auth and host not in LOOPBACK_HOSTS:
            raise ValueError(f"--no-auth serves anyone who reaches it: only on loopback, not on {host}")
        self.no_auth = no_auth
        self.tokens = (
            {}
            if no_auth
            else tokens or parse_tokens(env_tokens) or {f"local-{secrets.token_urlsafe(16)}": "local"}
        )
        self.auth = LocalAuth(self.tokens, OPEN_TENANT if no_auth else None)
        self.studio_dir = studio_dir
        # The key the stack's functions and clients sign with; its endpoints refuse every other.
        self.signer = Signer(ACCESS_KEY_ID, SECRET_ACCESS_KEY)
        self.moto = MotoServer(host, free_port(host), self.signer, self.journal)
        self.template: LocalTemplate | None = None
        self.runner: LambdaRunner | None = None
        self._server: Any = None
        self._gateway_thread: threading.Thread | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._environment_before: dict[str, str] = {}

    # ------------------------------------------------------------------ addresses
    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def aws_endpoint(self) -> str:
        return f"http://{self.host}:{self.moto.port}"

    def token_for(self, tenant: str) -> str:
        return next(token for token, owner in self.tokens.items() if owner == tenant)

    @property
    def table_name(self) -> str:
        assert self.template is not None
        return self.template.physical_name("RunTable")

    @property
    def bucket_name(self) -> str:
        assert self.template is not None
        return self.template.physical_name("ArtifactBucket")

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.aws_endpoint, region_name=REGION)  # type: ignore[call-overload]

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "LocalStack":
        # The stack plays the functions' containers in this process: their environment is put
        # back on stop, so nothing started later (a test, another stack) talks to a stopped one.
        self._environment_before = dict(os.environ)
        self.moto.start()
        self._set_environment()
        self.template = load_template(self.root, self.parameters)
        for spec in self.template.functions.values():
            os.environ.update(spec.environment)
        os.environ.update(self._quiet_powertools())
        quiet_disabled_metrics()
        # The gateway plays API Gateway's WebSocket API: its URL, and its @connections endpoint.
        os.environ.update(
            {
                "WEBSOCKET_URL": f"{self.ws_url}/ws",
                "WEBSOCKET_CALLBACK_URL": self.api_url,
                "STUDIO_WEBSOCKET_URL": self.ws_url,
                # No Cognito here: the authorizer checks API tokens (and refuses JWTs).
                "JWT_ISSUER": "",
                "JWT_AUDIENCE": "",
            }
        )
        stages = self.template.stage_functions()
        self.runner = LambdaRunner(
            self.template.functions,
            [*stages, *self.template.stream_triggers] if self.isolated else (),
            background=stages,
        )
        self.runner.install_moto_patch()
        streams = StreamDelivery()
        if self.journal is None:
            moto_items.observe_changes([streams.record])
            observe_objects([])
        else:
            moto_items.observe_changes([self.journal.item_changed, streams.record])
            observe_objects([self.journal.object_changed])
        self._spawn(lambda: streams.run(self._stopping), "streams")
        self._provision()
        if self.journal is not None:
            state = self.journal.load(self.table_name, self.bucket_name)
            self._restore(state)
            self.journal.open(state)
            self._fail_interrupted_work(state)
        self._subscribe_triggers()
        self._start_gateway()
        if self.journal is not None:
            # `planalign tokens` and other commands find this stack's table through it.
            write_local_endpoint(
                self.journal.root,
                self.aws_endpoint,
                REGION,
                {"TableName": self.table_name, "BucketName": self.bucket_name, "ApiUrl": self.api_url},
                {
                    "aws_access_key_id": self.signer.access_key,
                    "aws_secret_access_key": self.signer.secret_key,
                },
            )
        if self.template.execution_watchers:
            self._spawn(self._watch_executions, "executions")
        self.runner.warm()
        # What is alive now (moto, botocore's service models, the functions' modules: millions of
        # objects) lives as long as the stack. Left to the collector, each full collection walked
        # all of it: 160-260 ms with every thread of this process stopped, the gateway's pushes too.
        gc.freeze()
        return self

    def stop(self) -> None:
        self._stopping.set()
        # The gateway last: a notifier invocation the stream thread is finishing still posts to it.
        for thread in self._threads:
            thread.join(timeout=10)
        if self._gateway_thread is not None:
            self._server.should_exit = True
            self._gateway_thread.join(timeout=10)
        if self.runner is not None:
            self.runner.close()
        self.moto.stop()
        if self.journal is not None:
            self.journal.close()
            (self.journal.root / ENDPOINT_FILE).unlink(missing_ok=True)
        # moto's backends are module state: reset them so a stack started later in this process
        # begins as empty as a fresh `planalign local`.
        moto_items.observe_changes([])
        observe_objects([])
        reset_moto()
        os.environ.clear()
        os.environ.update(self._environment_before)
        forget_clients()
        # Last, after anything that could still freeze (a handler's first load while the gateway
        # drained): this stack's objects are collected again once they are garbage (tests start many).
        gc.unfreeze()

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ pieces
    def _set_environment(self) -> None:
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": self.aws_endpoint,
                "AWS_ACCESS_KEY_ID": self.signer.access_key,
                "AWS_SECRET_ACCESS_KEY": self.signer.secret_key,
                "AWS_SESSION_TOKEN": "testing",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "MOTO_PORT": str(self.moto.port),
                "MOTO_HOST": self.host,
            }
        )
        # Clients, credentials and settings are per container; a new stack is a new container.
        forget_clients()

    @staticmethod
    def _quiet_powertools() -> dict[str, str]:
        level = os.environ.get("PLANALIGN_LOCAL_LOG_LEVEL", "WARNING")
        return {
            "POWERTOOLS_LOG_LEVEL": level,
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }

    def _provision(self) -> None:
        assert self.template is not None
        template = self.template
        table = template.resolve(template.resources["RunTable"]["Properties"])
        dynamodb = self.client("dynamodb")
        dynamodb.create_table(
            TableName=table["TableName"],
            AttributeDefinitions=table["AttributeDefinitions"],
            KeySchema=table["KeySchema"],
            GlobalSecondaryIndexes=table["GlobalSecondaryIndexes"],
            BillingMode=table["BillingMode"],
            StreamSpecification={"StreamEnabled": True, **table["StreamSpecification"]},
        )
        dynamodb.update_time_to_live(
            TableName=table["TableName"],
            TimeToLiveSpecification={
                "AttributeName": table["TimeToLiveSpecification"]["AttributeName"],
                "Enabled": True,
            },
        )
        self.client("s3").create_bucket(Bucket=self.bucket_name)
        lambda_client = self.client("lambda")
        role = f"arn:aws:iam::{ACCOUNT_ID}:role/planalign-local"
        self.client("iam").create_role(
            RoleName="planalign-local",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )
        for spec in template.functions.values():
            lambda_client.create_function(
                FunctionName=spec.logical_id,
                Runtime="python3.12",
                Role=role,
                Handler=spec.handler,
                Code={"ZipFile": _placeholder_zip()},
                Timeout=spec.timeout,
                Environment={"Variables": spec.environment},
            )
        name, definition, _ = template.state_machine()
        self.client("stepfunctions").create_state_machine(name=name, definition=definition, roleArn=role)

    def _subscribe_triggers(self) -> None:
        assert self.template is not None
        configurations = [
            {
                "LambdaFunctionArn": self.template.functions[trigger.function].arn,
                "Events": trigger.events,
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": trigger.prefix}]}},
            }
            for trigger in self.template.s3_triggers
        ]
        for function, patterns in self.template.stream_triggers.items():
            stream_arn = self.client("dynamodb").describe_table(TableName=self.table_name)["Table"][
                "LatestStreamArn"
            ]
            filters = {"FilterCriteria": {"Filters": [{"Pattern": p} for p in patterns]}} if patterns else {}
            self.client("lambda").create_event_source_mapping(
                EventSourceArn=stream_arn,
                FunctionName=function,
                StartingPosition="LATEST",
                BatchSize=100,
                **filters,
            )
        self.client("s3").put_bucket_notification_configuration(
            Bucket=self.bucket_name,
            NotificationConfiguration={"LambdaFunctionConfigurations": configurations},
        )

    def _watch_executions(self) -> None:
        """EventBridge's "Step Functions Execution Status Change" for the template's rule targets:
        moto emits no events, so poll the executions that ended badly and deliver the same event
        shape once for each (asking for those statuses only: the list of every execution grows with
        every run, and listing it four times a second took 7% of the process's time)."""
        assert self.template is not None and self.runner is not None
        client = self.client("stepfunctions")
        delivered: set[str] = set()
        while not self._stopping.wait(EXECUTION_POLL_SECONDS):
            try:
                for machine in client.list_state_machines()["stateMachines"]:
                    for status in ("FAILED", "TIMED_OUT", "ABORTED"):
                        pages = client.get_paginator("list_executions").paginate(
                            stateMachineArn=machine["stateMachineArn"], statusFilter=status
                        )
                        for execution in (e for page in pages for e in page["executions"]):
                            if execution["executionArn"] in delivered:
                                continue
                            delivered.add(execution["executionArn"])
                            described = client.describe_execution(executionArn=execution["executionArn"])
                            event = {
                                "source": "aws.states",
                                "detail-type": "Step Functions Execution Status Change",
                                "detail": {
                                    "executionArn": execution["executionArn"],
                                    "name": execution["name"],
                                    "status": execution["status"],
                                    "stateMachineArn": machine["stateMachineArn"],
                                    "input": described.get("input"),
                                },
                            }
                            for function in self.template.execution_watchers:
                                self.runner.invoke(function, event)
            except Exception:
                logger.exception("watching executions failed")

    def _restore(self, state: State) -> None:
        """Put what the data dir holds into moto, in-process: no stream records, no notifications
        (they were delivered when it was first written), nothing journaled again."""
        from moto.dynamodb.models import dynamodb_backends
        from moto.s3.models import s3_backends

        assert self.journal is not None
        tables = dynamodb_backends[ACCOUNT_ID][REGION]
        for (name, _), item in state.items.items():
            if item is not None:
                moto_items.restore_item(tables.get_table(name), item)
        buckets = s3_backends[ACCOUNT_ID]["global"]
        for (bucket, key), obj in state.objects.items():
            if obj is not None:
                path = self.journal.root / obj["file"]
                if not path.exists():
                    logger.error("the local stack's data dir lost %s (object %s)", path, key)
                    continue
                fake_key = buckets.put_object(bucket, key, path.read_bytes(), disable_notification=True)
                fake_key.set_metadata(obj.get("metadata") or {})

    def _fail_interrupted_work(self, state: State) -> None:
        """Executions do not survive a restart (moto keeps none): the runs they were running and the
        datasets they were importing end failed, saying why."""
        from planalign.adapters.store import Store
        from planalign.services.runs import finish_run

        store = Store()
        reason = "interrupted: the local stack stopped while the {} was in progress"
        for item in (i for i in state.items.values() if i is not None):
            pk, status = item.get("pk", {}).get("S", ""), item.get("status", {}).get("S")
            if pk.startswith("RUN#") and status in ("pending", "running"):
                finish_run(store, pk.removeprefix("RUN#"), "failed", {"error_message": reason.format("run")})
            elif pk.startswith("DS#") and status == "importing":
                store.update(
                    "DS", pk.removeprefix("DS#"), {"status": "failed", "error": reason.format("import")}
                )

    def _start_gateway(self) -> None:
        import uvicorn

        assert self.template is not None and self.runner is not None
        # The template's authorizer function checks what the tokens of PLANALIGN_API_TOKENS do not.
        authorizer = LocalAuthorizer(
            self.runner, self.template.http_authorizer, self.template.websocket_authorizer
        )
        self.auth = LocalAuth(self.auth.tokens, self.auth.open_tenant, None if self.no_auth else authorizer)
        origins = tuple(o for o in self.template.parameters.get("StudioOrigins", "").split(",") if o)
        http = HttpGateway(
            self.template.routes, self.runner, self.auth, self.studio_dir, origins, self._stopping
        )
        websocket = WebSocketGateway(self.template.websocket_routes, self.runner, self.auth, self.signer)
        config = uvicorn.Config(
            build_app(http, websocket),
            host=self.host,
            port=self.port,
            log_level="warning",
            lifespan="off",
            ws_ping_interval=None,
            ws_per_message_deflate=False,  # API Gateway WebSocket APIs do not compress messages
        )
        self._server = uvicorn.Server(config)
        gateway = threading.Thread(target=self._server.run, name="gateway", daemon=True)
        gateway.start()
        self._gateway_thread = gateway  # only a started one: stop() joins it
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the local gateway did not start on {self.host}:{self.port}")
            time.sleep(0.02)

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)


def _placeholder_zip() -> bytes:
    """moto wants code to create a function; the real code runs in-process from CodeUri."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("placeholder.py", "")
    return buffer.getvalue()
