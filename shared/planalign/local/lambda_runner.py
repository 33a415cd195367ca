"""Runs the template's Lambda handlers with a Lambda-shaped event and context, and patches moto so
that its Invoke (state machine tasks, S3 notifications) lands here instead of Docker. Handlers run in
this process, except the functions named `isolated`, which get worker processes of their own
(`lambda_workers`); of those, the `background` ones run at a lower CPU priority."""

import json
import logging
import os
import threading
import traceback
from collections.abc import Collection
from typing import Any

from planalign.local.lambda_runtime import (
    Handler,
    LambdaError,
    invocation_event_loop,
    load_handler,
    new_context,
)
from planalign.local.lambda_workers import WorkerPool
from planalign.local.template import FunctionSpec

logger = logging.getLogger(__name__)
# At most this many worker processes of one function at once: one a core (each loads NumPy and Arrow,
# 150-250 MB), at least two so that two runs' stages overlap.
WORKERS_PER_FUNCTION = max(2, os.cpu_count() or 2)
# The background functions' niceness. On AWS each function has CPU of its own; here a simulating stage
# shares a laptop's cores with the gateway and the notifier pushing its progress, and at equal
# priority it takes what they need to deliver an update within 100 ms. Lowered, it still gets every
# cycle they leave idle and yields the rest to them (README, Benchmarks: push at 200 subscribers
# during a real run).
BACKGROUND_NICENESS = 10


class LambdaRunner:
    def __init__(
        self,
        functions: dict[str, FunctionSpec],
        isolated: Collection[str] = (),
        background: Collection[str] = (),
    ) -> None:
        self.functions = functions
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self.pools = {
            name: WorkerPool(
                functions[name], WORKERS_PER_FUNCTION, BACKGROUND_NICENESS if name in background else 0
            )
            for name in isolated
        }

    def handler(self, name: str) -> Handler:
        with self._lock:
            if name not in self._handlers:
                self._handlers[name] = load_handler(self.functions[name])
            return self._handlers[name]

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        """Call the function's handler; raises LambdaError like Lambda's FunctionError."""
        pool = self.pools.get(name)
        if pool is not None:
            return pool.invoke(event)  # the worker logs a failure's traceback
        try:
            with invocation_event_loop():
                return self.handler(name)(event, new_context(self.functions[name]))
        except Exception as error:
            logger.warning("function %s failed:\n%s", name, traceback.format_exc())
            raise LambdaError(type(error).__name__, str(error)) from error

    def warm(self) -> None:
        """Start each isolated function's first worker now, in the background, as a deployed
        function's first invocation would find it after provisioned concurrency."""
        for pool in self.pools.values():
            threading.Thread(target=pool.warm, name=f"warm-{pool.spec.logical_id}", daemon=True).start()

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()

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
