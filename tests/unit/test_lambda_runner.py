"""An invocation in the stack's process on a thread without an event loop (the gateway's workers)
gets one of its own (Mangum runs the app on the thread's loop), closed once it has answered or failed;
a thread with a loop keeps it."""

import asyncio
import threading
from pathlib import Path

import pytest
from planalign.local.lambda_runner import LambdaRunner
from planalign.local.lambda_runtime import LambdaError
from planalign.local.template import FunctionSpec

HANDLER = """
import asyncio

seen = []

def handler(event, context):
    loop = asyncio.get_event_loop()
    seen.append(loop)
    if event.get("fail"):
        raise ValueError("no such census")
    return loop.run_until_complete(asyncio.sleep(0, result=event["answer"]))
"""


@pytest.fixture
def runner(tmp_path: Path) -> LambdaRunner:
    (tmp_path / "app.py").write_text(HANDLER)
    spec = FunctionSpec(
        logical_id="Probe", code_dir=tmp_path, handler="app.handler", environment={}, timeout=2
    )
    return LambdaRunner({"Probe": spec})


def test_each_invocation_runs_on_a_loop_closed_after_it(runner: LambdaRunner) -> None:
    answers: list[int] = []
    threads = [
        threading.Thread(target=lambda n=n: answers.append(runner.invoke("Probe", {"answer": n})))
        for n in range(3)
    ]
    for thread in threads:
        thread.start()
        thread.join()
    assert answers == [0, 1, 2]
    seen = runner.handler("Probe").__globals__["seen"]
    assert len(seen) == 3 and all(loop.is_closed() for loop in seen)


def test_the_invoking_thread_is_left_without_a_loop(runner: LambdaRunner) -> None:
    result: dict[str, object] = {}

    def invoke_then_look() -> None:
        result["answer"] = runner.invoke("Probe", {"answer": 7})
        try:
            asyncio.get_event_loop()
        except RuntimeError:
            result["loop after"] = None
        else:
            result["loop after"] = "set"

    thread = threading.Thread(target=invoke_then_look)
    thread.start()
    thread.join()
    assert result == {"answer": 7, "loop after": None}


def test_a_failing_invocations_loop_is_closed_too(runner: LambdaRunner) -> None:
    failed: list[LambdaError] = []

    def invoke() -> None:
        try:
            runner.invoke("Probe", {"fail": True})
        except LambdaError as error:
            failed.append(error)

    thread = threading.Thread(target=invoke)
    thread.start()
    thread.join()
    assert [error.error_type for error in failed] == ["ValueError"]
    assert runner.handler("Probe").__globals__["seen"][-1].is_closed()


def test_a_thread_with_a_loop_of_its_own_keeps_it(runner: LambdaRunner) -> None:
    result: dict[str, object] = {}

    def with_a_loop() -> None:
        own = asyncio.new_event_loop()
        asyncio.set_event_loop(own)
        try:
            result["answer"] = runner.invoke("Probe", {"answer": 5})
            result["kept"] = asyncio.get_event_loop() is own and not own.is_closed()
            result["ran on it"] = runner.handler("Probe").__globals__["seen"][-1] is own
        finally:
            asyncio.set_event_loop(None)
            own.close()

    thread = threading.Thread(target=with_a_loop)
    thread.start()
    thread.join()
    assert result == {"answer": 5, "kept": True, "ran on it": True}
