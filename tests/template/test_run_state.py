"""The state machine's selectors against the typed run state (domain/run_state.py): every path a state
reads is a field of the model of what that state is given, each ResultSelector keeps exactly its
stage's answer, and each answer lands (ResultPath) where the states after it expect it."""

import json
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from planalign.domain.run_state import (
    Completed,
    ExecutionInput,
    Exported,
    ExportsInput,
    FailedInput,
    Imported,
    MemberDone,
    MemberInput,
    PipelineInput,
    Simulated,
    SimulationInput,
    StageError,
)
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.template

# What each state of the run state machine is given (a Choice: the state as it reads it).
INPUTS: dict[str, type[BaseModel]] = {
    "Import": ExecutionInput,
    "HasRun": SimulationInput,  # after Import; run_id is null for an import-only execution
    "Simulation": SimulationInput,
    "IsEnsemble": PipelineInput,
    "EnsembleMembers": PipelineInput,
    "Pipeline": PipelineInput,
    "Exports": ExportsInput,
    "MarkFailed": FailedInput,
    "Member": MemberInput,
}
# What each stage answers, which its ResultSelector picks from the Lambda's Payload.
ANSWERS: dict[str, type[BaseModel]] = {
    "Import": Imported,
    "Simulation": Simulated,
    "Pipeline": Completed,
    "Exports": Exported,
    "Member": MemberDone,
}


def definition() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / "statemachine" / "run.asl.json").read_text())
    return loaded


def states() -> dict[str, dict[str, Any]]:
    """Every state, the Map's inner ones included."""
    found: dict[str, dict[str, Any]] = {}
    for name, state in definition()["States"].items():
        found[name] = state
        found.update(state.get("ItemProcessor", {}).get("States", {}))
    return found


def field_at(model: type[BaseModel], path: str) -> Any:
    """The type of the field a JSONPath like `$.simulation.ensemble.members` selects in `model`."""
    assert path.startswith("$."), path
    current: Any = model
    for segment in path[2:].split("."):
        if isinstance(current, types.UnionType) or typing.get_origin(current) is typing.Union:
            (current,) = [arg for arg in typing.get_args(current) if arg is not type(None)]
        assert isinstance(current, type) and issubclass(current, BaseModel), f"{path}: {segment} of {current}"
        fields = {info.alias or name: info for name, info in current.model_fields.items()}
        assert segment in fields, f"{path}: {current.__name__} has no {segment}"
        current = fields[segment].annotation
    return current


def paths_read(state: dict[str, Any]) -> list[str]:
    """The paths into the state's input that a state reads: its Parameters', ItemSelector's and
    ItemReader's `.$` values, its Choices' Variables and MaxConcurrencyPath (not the context object
    `$$`, nor `$`, the whole input)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key.endswith(".$") and isinstance(item, str):
                    found.append(item)
                else:
                    walk(item)

    for key in ("Parameters", "ItemSelector"):
        walk(state.get(key, {}))
    walk(state.get("ItemReader", {}).get("Parameters", {}))
    found += [choice["Variable"] for choice in state.get("Choices", [])]
    found += [state["MaxConcurrencyPath"]] if "MaxConcurrencyPath" in state else []
    return [path for path in found if path != "$" and not path.startswith("$$.")]


def test_every_state_that_reads_its_input_has_a_model() -> None:
    for name, state in states().items():
        if state["Type"] not in ("Succeed", "Fail"):
            assert name in INPUTS, f"{name}: add the model of its input to domain/run_state.py and INPUTS"


def test_every_path_a_state_reads_is_a_field_of_its_input() -> None:
    read = 0
    for name, state in states().items():
        for path in paths_read(state):
            field_at(INPUTS[name], path)
            read += 1
    assert read >= 7


def test_each_result_selector_keeps_exactly_its_stages_answer() -> None:
    for name, answer in ANSWERS.items():
        selector = states()[name]["ResultSelector"]
        assert {key.removesuffix(".$") for key in selector} == set(answer.model_fields), name
        for path in selector.values():
            assert path.startswith("$.Payload."), (name, path)
            field_at(answer, "$." + path.removeprefix("$.Payload."))


def successors(name: str) -> list[str]:
    """The states an answer of `name` reaches: its Next, and through a Choice its targets too."""
    all_states = definition()["States"]
    found = [all_states[name]["Next"]] if "Next" in all_states[name] else []
    for after in list(found):
        choice = all_states[after]
        if choice["Type"] == "Choice":
            found += [target["Next"] for target in choice["Choices"]] + [choice["Default"]]
    return found


def test_each_answer_lands_where_the_states_after_it_expect_it() -> None:
    landed = 0
    for name, answer in ANSWERS.items():
        if name not in definition()["States"]:
            continue  # the Map's member: its answer stays in its child execution
        result_path = definition()["States"][name]["ResultPath"]
        for after in successors(name):
            if after in INPUTS:
                assert field_at(INPUTS[after], result_path) is answer, (name, after)
                landed += 1
    assert landed >= 6


def test_a_caught_error_is_what_mark_failed_reads() -> None:
    for name, state in states().items():
        for catch in state.get("Catch", []):
            assert catch["Next"] == "MarkFailed", name
            assert field_at(FailedInput, catch["ResultPath"]) is StageError


def test_the_map_hands_each_member_exactly_its_model() -> None:
    selector = definition()["States"]["EnsembleMembers"]["ItemSelector"]
    assert {key.removesuffix(".$") for key in selector} == set(MemberInput.model_fields)
    # The item list plan_members writes: one {"member": k} per extra member.
    assert selector["member.$"] == "$$.Map.Item.Value.member"
