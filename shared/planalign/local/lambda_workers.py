"""Lambda's execution environments for the local stack: a function's invocations run in worker
processes of its own, each a warm container that loads the handler once and serves one invocation
at a time; a second concurrent invocation starts another (as Lambda scales out).

Why processes: the simulation stage holds the GIL for seconds, and in the stack's own process it
stalls the gateway, moto and the notifier that push a run's progress (push p99 of 21 s with 200
subscribers of a 100,000 x 10 run). On AWS each function has its own environment; here the state
machine's stage functions get theirs, and everything else keeps sharing the stack's process."""

import logging
import multiprocessing
import os
import signal
import threading
import traceback
from multiprocessing.connection import Connection
from typing import Any

from planalign.local.lambda_runtime import (
    LambdaError,
    ensure_event_loop,
    load_handler,
    new_context,
    quiet_disabled_metrics,
)
from planalign.local.template import FunctionSpec

# A spawned process starts clean (no threads, sockets or moto state inherited from the stack).
_CONTEXT = multiprocessing.get_context("spawn")
logger = logging.getLogger(__name__)
STOP = None  # what the stack sends a worker to end it


def _serve(spec: FunctionSpec, environment: dict[str, str], niceness: int, connection: Connection) -> None:
    """A worker's life: take the stack's environment and CPU priority, load the handler, answer
    invocations."""
    # Ctrl-C in `planalign local`'s terminal reaches the whole process group: the stack ends its
    # workers itself, after its own shutdown, so a worker ignores it (and prints no traceback).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.clear()
    os.environ.update(environment)
    quiet_disabled_metrics()
    if niceness:
        os.nice(niceness)
    try:
        handler = load_handler(spec)
    except Exception as error:  # every invocation fails as Lambda's does when the module cannot load
        logger.warning("function %s cannot load:\n%s", spec.logical_id, traceback.format_exc())
        while _next_event(connection) is not STOP:
            connection.send(("error", "Runtime.ImportModuleError", f"{type(error).__name__}: {error}"))
        return
    ensure_event_loop()
    while (event := _next_event(connection)) is not STOP:
        try:
            connection.send(("ok", handler(event, new_context(spec))))
        except Exception as error:
            logger.warning("function %s failed:\n%s", spec.logical_id, traceback.format_exc())
            connection.send(("error", type(error).__name__, str(error)))


def _next_event(connection: Connection) -> Any:
    try:
        return connection.recv()
    except EOFError:  # the stack's process is gone (killed): nothing is left to serve
        return STOP


class Worker:
    def __init__(self, spec: FunctionSpec, niceness: int = 0) -> None:
        self.spec = spec
        self.connection, child_end = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(
            target=_serve,
            args=(spec, dict(os.environ), niceness, child_end),
            name=f"lambda-{spec.logical_id}",
            daemon=True,
        )
        self.process.start()
        child_end.close()
        self._stopping = threading.Lock()
        self._stopped = False

    def invoke(self, event: dict[str, Any]) -> Any:
        """The handler's answer; LambdaError if it raised, the process died or it ran past its timeout
        (the worker is then killed, as Lambda discards a timed-out environment)."""
        try:
            self.connection.send(event)
        except OSError:  # it died since it was taken (killed, out of memory)
            self.stop(kill=True)
            raise LambdaError("Runtime.ExitError", "the process exited") from None
        # Loading the handler counts against the first invocation's timeout, as Lambda's init does.
        if not self.connection.poll(self.spec.timeout):
            self.stop(kill=True)
            raise LambdaError("Sandbox.Timedout", f"Task timed out after {self.spec.timeout} seconds")
        try:
            answer = self.connection.recv()
        except (EOFError, OSError):  # it died, or the stack closed it while stopping
            self.stop(kill=True)
            raise LambdaError(
                "Runtime.ExitError", f"the process exited (exit code {self.process.exitcode})"
            ) from None
        if answer[0] == "ok":
            return answer[1]
        _, error_type, message = answer
        raise LambdaError(error_type, message)

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def stop(self, kill: bool = False) -> None:
        """End the process: asked (it ends after its current invocation) or killed. Once: the pool
        closing and an invocation failing may both stop it."""
        with self._stopping:
            if self._stopped:
                return
            self._stopped = True
            if not kill and self.alive:
                try:
                    self.connection.send(STOP)
                except OSError:
                    kill = True
                self.process.join(timeout=10)
            if self.process.is_alive():
                self.process.kill()
            self.process.join(timeout=10)
            self.connection.close()


class WorkerPool:
    """One function's warm workers: an idle one serves an invocation, else a new one starts, up to
    `max_workers`; past that an invocation waits for one to be free (an ensemble's members would
    otherwise start a process each, on a laptop's few cores). `niceness` lowers the workers' CPU
    priority (os.nice) below the stack's."""

    def __init__(self, spec: FunctionSpec, max_workers: int, niceness: int = 0) -> None:
        self.spec = spec
        self.max_workers = max_workers
        self.niceness = niceness
        self._idle: list[Worker] = []
        self._all: list[Worker] = []
        self._changed = threading.Condition()
        self._closed = False

    def warm(self) -> None:
        """Start one worker ahead of the first invocation (provisioned concurrency of one)."""
        with self._changed:
            if not self._all and not self._closed:
                worker = Worker(self.spec, self.niceness)
                self._all.append(worker)
                self._idle.append(worker)

    def invoke(self, event: dict[str, Any]) -> Any:
        worker = self._take()
        try:
            return worker.invoke(event)
        except LambdaError:
            raise
        except BaseException:
            worker.stop(kill=True)  # its answer may still come, and must not reach the next invocation
            raise
        finally:
            self._put_back(worker)

    def _take(self) -> Worker:
        with self._changed:
            while True:
                if self._closed:
                    raise LambdaError("Runtime.ExitError", "the local stack is stopping")
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive:
                        return worker
                    self._all.remove(worker)  # died while idle (killed, out of memory): Lambda replaces it
                    worker.stop(kill=True)
                if len(self._all) < self.max_workers:
                    worker = Worker(self.spec, self.niceness)
                    self._all.append(worker)
                    return worker
                self._changed.wait()

    def _put_back(self, worker: Worker) -> None:
        with self._changed:
            if worker.alive and not self._closed:
                self._idle.append(worker)
            elif worker in self._all:
                self._all.remove(worker)
            self._changed.notify()

    def pids(self) -> list[int]:
        with self._changed:
            return [worker.process.pid for worker in self._all if worker.process.pid is not None]

    def close(self) -> None:
        """Stop every worker: the idle ones asked, the busy ones killed (Lambda does not wait for an
        invocation either when it ends an environment; their invocations fail)."""
        with self._changed:
            self._closed = True
            workers, idle = self._all, self._idle
            self._all, self._idle = [], []
            self._changed.notify_all()
        for worker in workers:
            worker.stop(kill=worker not in idle)
