"""The local stack's data dir: the state file and the journals fold to the last line of each key, a
line torn by a crash ends the journal, and a data dir of the old periodic flush is read once."""

import hashlib
import json
from pathlib import Path
from typing import Any

from planalign.local.persistence import Journal, State, item_key_json

KEY_1 = item_key_json({"pk": {"S": "WS#1"}, "sk": {"S": "A"}})
KEY_2 = item_key_json({"pk": {"S": "WS#2"}, "sk": {"S": "A"}})


def item(number: int, name: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"WS#{number}"}, "sk": {"S": "A"}, "name": {"S": name}}


def write_lines(path: Path, lines: list[Any], torn: str = "") -> None:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + torn)


def test_the_last_line_of_a_key_wins_and_a_torn_line_ends_the_journal(tmp_path: Path) -> None:
    write_lines(tmp_path / "state.jsonl", [{"table": "t", "key": KEY_1, "item": item(1, "old")}])
    write_lines(
        tmp_path / "journal.1.jsonl",
        [
            {"table": "t", "key": KEY_2, "item": item(2, "two")},
            {"table": "t", "key": KEY_1, "item": item(1, "new")},
        ],
    )
    write_lines(
        tmp_path / "journal.jsonl",
        [
            {"table": "t", "key": KEY_2},
            {"bucket": "b", "key": "k", "object": {"file": "objects/x", "metadata": {}}},
        ],
        torn='{"table": "t", "key": "',
    )
    state = Journal(tmp_path).load("t", "b")
    assert state.items == {("t", KEY_1): item(1, "new"), ("t", KEY_2): None}
    assert state.objects == {("b", "k"): {"file": "objects/x", "metadata": {}}}
    assert list(state.lines()) == [
        {"table": "t", "key": KEY_1, "item": item(1, "new")},
        {"bucket": "b", "key": "k", "object": {"file": "objects/x", "metadata": {}}},
    ]


def test_opening_writes_the_folded_state_and_drops_the_journals_and_unused_files(tmp_path: Path) -> None:
    write_lines(tmp_path / "journal.jsonl", [{"table": "t", "key": KEY_1, "item": item(1, "kept")}])
    (tmp_path / "objects" / "ab").mkdir(parents=True)
    (tmp_path / "objects" / "ab" / "kept").write_bytes(b"kept")
    (tmp_path / "objects" / "ab" / "overwritten").write_bytes(b"old")
    journal = Journal(tmp_path)
    state = journal.load("t", "b")
    state.objects[("b", "k")] = {"file": "objects/ab/kept", "metadata": {}}
    journal.open(state)
    journal.close()
    assert not (tmp_path / "journal.1.jsonl").exists()
    assert (tmp_path / "journal.jsonl").read_text() == ""
    assert [p.name for p in (tmp_path / "objects" / "ab").iterdir()] == ["kept"]
    assert Journal(tmp_path).load("t", "b") == state


def test_a_data_dir_of_the_periodic_flush_is_read_as_the_state(tmp_path: Path) -> None:
    write_lines(tmp_path / "table.jsonl", [item(1, "flushed")])
    digest = hashlib.sha256(b"uploads/ws/up/census.csv").hexdigest()
    (tmp_path / "s3" / digest[:2]).mkdir(parents=True)
    (tmp_path / "s3" / digest[:2] / digest).write_bytes(b"employee_id\n")
    (tmp_path / "s3-index.json").write_text(
        json.dumps({"uploads/ws/up/census.csv": {"etag": '"e"', "content_type": "text/csv"}})
    )
    journal = Journal(tmp_path)
    state = journal.load("runs", "bucket")
    journal.open(state)
    journal.close()
    assert state.items == {("runs", KEY_1): item(1, "flushed")}
    stored = state.objects[("bucket", "uploads/ws/up/census.csv")]
    assert stored is not None and stored["metadata"] == {"Content-Type": "text/csv"}
    assert (tmp_path / stored["file"]).read_bytes() == b"employee_id\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.jsonl", "objects", "state.jsonl"]
    assert Journal(tmp_path).load("runs", "bucket") == State(state.items, state.objects)
