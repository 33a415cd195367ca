"""A function's worker processes behave as Lambda's environments: the handler's answer, its error by
class, a timeout or a dead process reported as Lambda reports them, and a fresh worker afterwards."""

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from planalign.local.lambda_runtime import LambdaError
from planalign.local.lambda_workers import WorkerPool
from planalign.local.template import FunctionSpec

HANDLER = """
import os, time

class Refused(Exception):
    pass

def handler(event, context):
    if event["do"] == "raise":
        raise Refused("no such census")
    if event["do"] == "sleep":
        time.sleep(event.get("seconds", 30))
    if event["do"] == "exit":
        os._exit(3)
    return {
        "pid": os.getpid(),
        "remaining_ms": context.get_remaining_time_in_millis(),
        "env": os.environ.get("GIVEN"),
        "niceness": os.nice(0),
    }
"""


@pytest.fixture
def pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WorkerPool]:
    (tmp_path / "app.py").write_text(HANDLER)
    monkeypatch.setenv("GIVEN", "the stack's environment")
    spec = FunctionSpec(
        logical_id="Probe", code_dir=tmp_path, handler="app.handler", environment={}, timeout=2
    )
    workers = WorkerPool(spec, max_workers=2)
    yield workers
    workers.close()


def test_a_worker_answers_in_a_process_of_its_own_with_the_stacks_environment(pool: WorkerPool) -> None:
    answer = pool.invoke({"do": "answer"})
    assert answer["pid"] != os.getpid()
    assert answer["env"] == "the stack's environment"
    assert 0 < answer["remaining_ms"] <= 2000
    assert pool.invoke({"do": "answer"})["pid"] == answer["pid"]  # warm: the same worker again


def test_a_background_pools_workers_run_at_a_lower_cpu_priority_than_the_stack(
    pool: WorkerPool,
) -> None:
    background = WorkerPool(pool.spec, max_workers=1, niceness=10)
    try:
        assert background.invoke({"do": "answer"})["niceness"] == os.nice(0) + 10
    finally:
        background.close()
    assert pool.invoke({"do": "answer"})["niceness"] == os.nice(0)


def test_a_handlers_error_keeps_its_class_and_its_worker(pool: WorkerPool) -> None:
    first = pool.invoke({"do": "answer"})["pid"]
    with pytest.raises(LambdaError) as raised:
        pool.invoke({"do": "raise"})
    assert (raised.value.error_type, str(raised.value)) == ("Refused", "no such census")
    assert pool.invoke({"do": "answer"})["pid"] == first


def test_a_timeout_or_an_exit_ends_the_worker_and_the_next_invocation_gets_a_new_one(
    pool: WorkerPool,
) -> None:
    first = pool.invoke({"do": "answer"})["pid"]
    with pytest.raises(LambdaError) as timed_out:
        pool.invoke({"do": "sleep"})
    assert timed_out.value.error_type == "Sandbox.Timedout"
    second = pool.invoke({"do": "answer"})["pid"]
    assert second != first
    with pytest.raises(LambdaError) as exited:
        pool.invoke({"do": "exit"})
    assert exited.value.error_type == "Runtime.ExitError"
    assert "exit code 3" in str(exited.value)
    assert pool.invoke({"do": "answer"})["pid"] not in (first, second)
    assert len(pool.pids()) == 1


def test_past_its_workers_an_invocation_waits_for_one_to_be_free(pool: WorkerPool) -> None:
    with ThreadPoolExecutor(max_workers=4) as callers:
        answers = list(callers.map(lambda _: pool.invoke({"do": "sleep", "seconds": 0.5}), range(4)))
    # Four invocations at once, served by the pool's two processes, two after two.
    assert len({answer["pid"] for answer in answers}) == 2
    assert sorted(pool.pids()) == sorted({answer["pid"] for answer in answers})


def test_a_module_that_cannot_load_fails_each_invocation_as_lambda_does(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import no_such_module\n")
    spec = FunctionSpec(
        logical_id="Broken", code_dir=tmp_path, handler="app.handler", environment={}, timeout=20
    )
    broken = WorkerPool(spec, max_workers=1)
    try:
        for _ in range(2):
            with pytest.raises(LambdaError) as raised:
                broken.invoke({})
            assert raised.value.error_type == "Runtime.ImportModuleError"
            assert "no_such_module" in str(raised.value)
    finally:
        broken.close()


def test_closing_the_pool_ends_a_busy_worker_at_once_and_fails_its_invocation(pool: WorkerPool) -> None:
    with ThreadPoolExecutor(max_workers=1) as caller:
        busy = caller.submit(pool.invoke, {"do": "sleep", "seconds": 30})
        pids = wait_for_pids(pool)
        began = time.monotonic()
        pool.close()
        with pytest.raises(LambdaError) as raised:
            busy.result(timeout=10)
    assert raised.value.error_type == "Runtime.ExitError"
    assert time.monotonic() - began < 5
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def wait_for_pids(pool: WorkerPool) -> list[int]:
    deadline = time.monotonic() + 20
    while not pool.pids() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the invocation reached the worker
    return pool.pids()
