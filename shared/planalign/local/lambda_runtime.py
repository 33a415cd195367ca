"""What Lambda's runtime gives a handler, for the local stack: its module loaded from the function's
code folder, a context, an event loop, and errors reported as Lambda reports them."""

import asyncio
import importlib.util
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from planalign.local.template import FunctionSpec

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


def new_context(spec: FunctionSpec) -> LambdaContext:
    """The context of one invocation of the function."""
    return LambdaContext(
        function_name=spec.logical_id,
        invoked_function_arn=spec.arn,
        memory_limit_in_mb=spec.memory_size,
        timeout_seconds=spec.timeout,
        aws_request_id=str(uuid.uuid4()),
        started=time.monotonic(),
    )


class LambdaError(Exception):
    """An invocation failed: `error_type` is the handler's exception class name, as Lambda reports it
    (or Lambda's own: `Runtime.ExitError` when its process died, `Sandbox.Timedout`)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def quiet_disabled_metrics() -> None:
    """Metrics are disabled locally, and Powertools warns on every invocation that it has none."""
    warnings.filterwarnings("ignore", message="No application metrics to publish")


def ensure_event_loop() -> None:
    """A Lambda runtime's thread has an event loop (Mangum uses it): a worker process's, for its life."""
    try:
        asyncio.get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


@contextmanager
def invocation_event_loop() -> Iterator[None]:
    """An event loop for one invocation in the stack's process. The gateway's worker threads come and
    go without one: such a thread gets a loop of its own, closed after the invocation (a loop left to
    the garbage collector was finalized after its own self-pipe at times: 'Invalid file descriptor: -1'
    in its __del__). A thread that has a loop (the main thread of a test or a command) keeps it."""
    # Not under warnings.catch_warnings: it swaps the process's filters, a race between the gateway's
    # threads. (A worker thread without a loop raises here; only the main thread's first call warns.)
    try:
        asyncio.get_event_loop()
    except RuntimeError:
        pass
    else:
        yield
        return
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def load_handler(spec: FunctionSpec) -> Handler:
    """Import the function's handler module from its code folder, under a name of its own."""
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
