"""What the local stack's moto does once instead of on every request or execution: list its own
service modules, and parse a state machine's definition (each execution still gets its own program)."""

from pathlib import Path

import pytest
from moto import backends
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from planalign.local.moto_backend import list_moto_modules_once, parse_each_definition_once

DEFINITION = (Path(__file__).resolve().parents[2] / "statemachine" / "run.asl.json").read_text()


def test_the_module_list_is_the_same_and_read_from_the_disk_once(monkeypatch: pytest.MonkeyPatch) -> None:
    listed = list(backends.list_of_moto_modules())
    list_moto_modules_once()
    monkeypatch.setattr("os.listdir", lambda path: [])  # the disk is not asked again
    assert list(backends.list_of_moto_modules()) == listed and "dynamodb" in listed


def test_a_definition_is_parsed_once_and_each_execution_gets_its_own_program(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parse_each_definition_once()
    first, tree = AmazonStateLanguageParser.parse(DEFINITION)
    monkeypatch.setattr("moto.stepfunctions.parser.asl.parse.asl_parser.ASLParser", None)  # no parser
    second, same_tree = AmazonStateLanguageParser.parse(DEFINITION)
    assert second is not first and type(second) is type(first) and same_tree is tree
    assert list(second.states.states) == list(first.states.states)
