"""Keeps the local stack's data across restarts and crashes: moto holds everything in memory, so every
change a request made (DynamoDB items, S3 objects) is appended to a journal and fsynced before the
request's 2xx is sent, and the journal is replayed at start. A kill -9 one millisecond after an answer
loses nothing that was answered.

The journal records each changed item's or object's state as it is when the request ends (not the
request), so replaying is "last line of a key wins": no re-execution, no ordering between keys to
keep. Object bytes are files named after the key and the ETag, written and fsynced before their
journal line. At start the state file and the journals fold into a new state file; while running, a
journal past JOURNAL_ROTATE_BYTES is sealed and folded into the state file by a background thread.

Data dir layout:
    state.jsonl         the folded state, one line per item or object
    journal.1.jsonl     a sealed journal being folded into the state (only while that runs)
    journal.jsonl       changes since
    objects/xx/<sha256 of bucket/key>-<etag>   object bytes
"""

import contextlib
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

JOURNAL_ROTATE_BYTES = 64 * 1024 * 1024
ItemKey = tuple[str, str]  # (table, the item's key as canonical JSON)
ObjectKey = tuple[str, str]  # (bucket, key)


@dataclass
class State:
    """What the data dir holds: items and objects by key (None: deleted since the state file)."""

    items: dict[ItemKey, dict[str, Any] | None] = field(default_factory=dict)
    objects: dict[ObjectKey, dict[str, Any] | None] = field(default_factory=dict)

    def apply(self, line: dict[str, Any]) -> None:
        if "table" in line:
            self.items[(line["table"], line["key"])] = line.get("item")
        else:
            self.objects[(line["bucket"], line["key"])] = line.get("object")

    def lines(self) -> Iterator[dict[str, Any]]:
        for (table, key), item in self.items.items():
            if item is not None:
                yield {"table": table, "key": key, "item": item}
        for (bucket, key), obj in self.objects.items():
            if obj is not None:
                yield {"bucket": bucket, "key": key, "object": obj}


def item_key_json(key: dict[str, Any]) -> str:
    return json.dumps(key, sort_keys=True, separators=(",", ":"))


class Journal:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.objects = root / "objects"
        self.state_file = root / "state.jsonl"
        self.journal_file = root / "journal.jsonl"
        self.sealed_file = root / "journal.1.jsonl"
        self._pending = threading.local()
        self._append = threading.Lock()
        self._sync = threading.Lock()
        self._fd: int | None = None
        self._written = 0
        self._synced = 0
        self._folding: threading.Thread | None = None

    # ------------------------------------------------------------------ start
    def load(self, table: str, bucket: str) -> State:
        """The state the data dir holds: the state file, then the sealed and the open journal in
        order (a line torn by a crash is where the journal ends). A data dir of the periodic flush
        that came before the journal (`table.jsonl`, `s3-index.json`, `s3/`) is read as the state."""
        state = self._legacy_state(table, bucket) if not self.state_file.exists() else State()
        for path in (self.state_file, self.sealed_file, self.journal_file):
            for line in _read_lines(path):
                state.apply(line)
        return state

    def open(self, state: State) -> None:
        """Write `state` as the new state file, drop the journals and the object files nothing
        refers to, and open an empty journal."""
        self.root.mkdir(parents=True, exist_ok=True)
        _write_lines(self.state_file, state.lines())
        kept = {obj["file"] for obj in state.objects.values() if obj is not None}
        for path in (self.sealed_file, self.journal_file):
            path.unlink(missing_ok=True)
        if self.objects.exists():
            for path in self.objects.glob("*/*"):
                if str(path.relative_to(self.root)) not in kept:
                    path.unlink()
        for legacy in ("table.jsonl", "s3-index.json"):
            (self.root / legacy).unlink(missing_ok=True)
        legacy_objects = self.root / "s3"
        if legacy_objects.exists():
            for path in sorted(legacy_objects.rglob("*"), reverse=True):
                path.rmdir() if path.is_dir() else path.unlink()
            legacy_objects.rmdir()
        self._fd = os.open(self.journal_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        _fsync_dir(self.root)

    def close(self) -> None:
        if self._folding is not None:
            self._folding.join()
        with self._append:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    # ------------------------------------------------------------------ requests
    def begin(self) -> None:
        """A request starts on this thread: collect what it changes."""
        self._pending.items = {}
        self._pending.objects = {}

    def item_changed(self, table: Any, old: Any, new: Any) -> None:
        """An observer of moto's item changes (see moto_items): note the item for the commit."""
        items: dict[ItemKey, Any] | None = getattr(self._pending, "items", None)
        if items is None:
            return  # not inside a request: the restore itself, which the journal already holds
        changed = new if new is not None else old
        key = {table.hash_key_attr: changed.hash_key.to_json()}
        if table.range_key_attr:
            key[table.range_key_attr] = changed.range_key.to_json()
        items[(table.name, item_key_json(key))] = (table, changed.hash_key, changed.range_key)

    def object_changed(self, bucket: str, key: str) -> None:
        objects: dict[ObjectKey, None] | None = getattr(self._pending, "objects", None)
        if objects is not None:
            objects[(bucket, key)] = None

    def commit(self, succeeded: bool) -> int:
        """End the request on this thread: append the state of what it changed (if it succeeded) and
        return the journal position that must be synced before it is answered. The caller holds the
        lock that serializes the request's writes, so the lines read the state as it left it."""
        items: dict[ItemKey, Any] = getattr(self._pending, "items", None) or {}
        objects: dict[ObjectKey, None] = getattr(self._pending, "objects", None) or {}
        self._pending.items = self._pending.objects = None
        if not succeeded or not (items or objects):
            return 0
        lines = [self._item_line(key, *found) for key, found in items.items()]
        lines += [self._object_line(bucket, key) for bucket, key in objects]
        data = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines).encode()
        with self._append:
            if self._fd is None:
                return 0
            os.write(self._fd, data)
            self._written += len(data)
            return self._written

    def sync(self, position: int) -> None:
        """Make the journal durable up to `position`: one fsync covers every request that appended
        before it (requests that wait here meanwhile share the next one)."""
        if position <= self._synced:
            return
        with self._sync:
            if position <= self._synced:
                return
            written, fd = self._written, self._fd
            if fd is not None:
                os.fsync(fd)
            self._synced = written
        if written > JOURNAL_ROTATE_BYTES:
            self._rotate()

    @staticmethod
    def _item_line(key: ItemKey, table: Any, hash_key: Any, range_key: Any) -> dict[str, Any]:
        item = table.get_item(hash_key, range_key) if table.range_key_attr else table.get_item(hash_key)
        line: dict[str, Any] = {"table": key[0], "key": key[1]}
        if item is not None:
            line["item"] = _wire_item(item)
        return line

    def _object_line(self, bucket: str, key: str) -> dict[str, Any]:
        from moto.s3.models import s3_backends

        from planalign.local.template import ACCOUNT_ID

        line: dict[str, Any] = {"bucket": bucket, "key": key}
        found = s3_backends[ACCOUNT_ID]["global"].buckets.get(bucket)
        fake_key = found.keys.get(key) if found is not None else None
        if fake_key is not None:
            line["object"] = self._write_object(bucket, key, fake_key)
        return line

    def _write_object(self, bucket: str, key: str, fake_key: Any) -> dict[str, Any]:
        digest = hashlib.sha256(f"{bucket}/{key}".encode()).hexdigest()
        etag = re.sub(r"[^0-9A-Za-z-]", "", fake_key.etag)
        relative = f"objects/{digest[:2]}/{digest}-{etag}"
        path = self.root / relative
        if not path.exists():  # the same key with the same ETag holds the same bytes
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(path.name + ".tmp")
            with temporary.open("wb") as out:
                out.write(fake_key.value)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
            _fsync_dir(path.parent)
        return {"file": relative, "etag": fake_key.etag, "metadata": dict(fake_key.metadata)}

    # ------------------------------------------------------------------ folding while running
    def _rotate(self) -> None:
        with self._append:
            if self._fd is None or (self._folding is not None and self._folding.is_alive()):
                return
            os.fsync(self._fd)
            os.close(self._fd)
            os.replace(self.journal_file, self.sealed_file)
            self._fd = os.open(self.journal_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            _fsync_dir(self.root)
            self._written = self._synced = 0
            self._folding = threading.Thread(target=self._fold, name="journal-fold", daemon=True)
            self._folding.start()

    def _fold(self) -> None:
        """Fold the sealed journal into the state file (object files are left for the next start:
        the open journal may refer to them)."""
        try:
            state = State()
            for path in (self.state_file, self.sealed_file):
                for line in _read_lines(path):
                    state.apply(line)
            _write_lines(self.state_file, state.lines())
            self.sealed_file.unlink()
            _fsync_dir(self.root)
        except Exception:
            logger.exception("folding the local stack's journal failed; the next start folds it")

    # ------------------------------------------------------------------ the flush's data dir
    def _legacy_state(self, table: str, bucket: str) -> State:
        state = State()
        table_file = self.root / "table.jsonl"
        index_file = self.root / "s3-index.json"
        for item in _read_lines(table_file):
            key = {name: item[name] for name in ("pk", "sk") if name in item}
            state.items[(table, item_key_json(key))] = item
        if index_file.exists():
            for key, meta in json.loads(index_file.read_text()).items():
                digest = hashlib.sha256(key.encode()).hexdigest()
                source = self.root / "s3" / digest[:2] / digest
                if source.exists():
                    relative = f"objects/{digest[:2]}/{digest}-legacy"
                    (self.root / relative).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(source, self.root / relative)
                    metadata = {"Content-Type": meta.get("content_type") or "binary/octet-stream"}
                    state.objects[(bucket, key)] = {
                        "file": relative,
                        "etag": meta.get("etag"),
                        "metadata": metadata,
                    }
        return state


def _wire_item(item: Any) -> dict[str, Any]:
    import base64

    from moto.dynamodb.models.utilities import dynamo_to_dict

    def encode(value: Any) -> Any:
        if isinstance(value, bytes):
            return base64.b64encode(value).decode()
        if isinstance(value, dict):
            return {k: encode(v) for k, v in value.items()}
        if isinstance(value, list):
            return [encode(v) for v in value]
        return value

    wire: dict[str, Any] = encode(dynamo_to_dict(item.attrs))
    return wire


def _read_lines(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open("rb") as source:
        for raw in source:
            try:
                yield json.loads(raw)
            except ValueError:
                logger.warning("%s ends in a torn line (a crash while it was written): ignored", path)
                return


def _write_lines(path: Path, lines: Iterator[dict[str, Any]]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        for line in lines:
            out.write(json.dumps(line, separators=(",", ":")) + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
