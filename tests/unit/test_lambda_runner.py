"""An invocation in the stack's process gets an event loop of its own (Mangum runs the app on the
thread's loop), closed once it has answered, whichever thread made it."""

import asyncio
import threading
from pathlib import Path

import pytest
from planalign.local.lambda_runner import LambdaRunner
from planalign.local.template import FunctionSpec

HANDLER = """
import asyncio

seen = []

def handler(event, context):
    loop = asyncio.get_event_loop()
    seen.append(loop)
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
