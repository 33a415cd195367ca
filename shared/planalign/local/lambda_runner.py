"""Runs the template's Lambda handlers in this process, with a Lambda-shaped event and context, and
patches moto so that its Invoke (state machine tasks, S3 notifications) lands here instead of Docker."""

import asyncio
import importlib.util
import json
import logging
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from planalign.local.template import FunctionSpec

logger = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str
    started: float
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_seconds - time.monotonic()) * 1000))


class LambdaError(Exception):
    """A handler raised: `error_type` is the exception's class name, as Lambda reports it."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def _ensure_event_loop() -> None:
    """A Lambda runtime's thread has an event loop (Mangum uses it); the gateway's worker threads don't."""
    try:
        asyncio.get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


class LambdaRunner:
    def __init__(self, functions: dict[str, FunctionSpec]) -> None:
        self.functions = functions
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()

    def handler(self, name: str) -> Handler:
        with self._lock:
            if name not in self._handlers:
                self._handlers[name] = self._load(self.functions[name])
            return self._handlers[name]

    def _load(self, spec: FunctionSpec) -> Handler:
        module_name, attribute = spec.handler.rsplit(".", 1)
        qualified = f"planalign_functions.{spec.logical_id}.{module_name}"
        source = spec.code_dir / f"{module_name.replace('.', '/')}.py"
        module_spec = importlib.util.spec_from_file_location(qualified, source)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load {source}")
        module: ModuleType = importlib.util.module_from_spec(module_spec)
        sys.modules[qualified] = module
        module_spec.loader.exec_module(module)
        handler: Handler = getattr(module, attribute)
        return handler

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        """Call the function's handler; raises LambdaError like Lambda's FunctionError."""
        spec = self.functions[name]
        context = LambdaContext(
            function_name=name,
            invoked_function_arn=spec.arn,
            memory_limit_in_mb=spec.memory_size,
            timeout_seconds=spec.timeout,
            aws_request_id=str(uuid.uuid4()),
            started=time.monotonic(),
        )
        _ensure_event_loop()
        try:
            return self.handler(name)(event, context)
        except Exception as error:
            logger.warning("function %s failed:\n%s", name, traceback.format_exc())
            raise LambdaError(type(error).__name__, str(error)) from error

    def install_moto_patch(self) -> None:
        """moto's Invoke needs Docker; route it to `invoke` (the patch local.md describes)."""
        from moto.awslambda.models import LambdaFunction

        runner = self

        def invoke_in_process(
            function: Any, event: str | dict[str, Any] | None = None
        ) -> tuple[str, bool, str]:
            payload = json.loads(event) if isinstance(event, str) else (event or {})
            try:
                result = runner.invoke(function.function_name, payload)
            except LambdaError as error:
                return json.dumps({"errorType": error.error_type, "errorMessage": str(error)}), True, ""
            return json.dumps(result), False, ""

        LambdaFunction._invoke_lambda = invoke_in_process  # type: ignore[method-assign,assignment]
