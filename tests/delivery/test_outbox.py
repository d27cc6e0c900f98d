"""The development outbox stays bounded: it rotates at a size limit, keeping one previous file,
and readers see both (issue 9 item 9b). Appends from several processes stay whole lines."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import stat
from pathlib import Path
from typing import Any

from userpool.delivery.outbox import Mark, OutboxSender, mark, previous_path, read_outbox
from userpool.model.entities import Message


def _message(n: int, writer: str = "w") -> Message:
    return Message(pool_id="us-east-1_Pool", username=f"{writer}-{n}", purpose="SIGN_UP", medium="EMAIL",
                   destination="x@example.com", body="code", code=f"{n:06d}")


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_rotates_at_the_limit_keeping_one_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    size = len(json.dumps(dataclasses.asdict(_message(0)), ensure_ascii=False)) + 1
    sender = OutboxSender(str(path), max_bytes=3 * size)
    for n in range(3):
        sender.send(_message(n))
    assert not Path(previous_path(str(path))).exists()  # exactly at the limit: no rotation yet
    for n in range(3, 8):
        sender.send(_message(n))
    previous = Path(previous_path(str(path)))
    assert [m["username"] for m in _lines(previous)] == ["w-3", "w-4", "w-5"]
    assert [m["username"] for m in _lines(path)] == ["w-6", "w-7"]
    assert path.stat().st_size <= 3 * size and previous.stat().st_size <= 3 * size
    assert [m["username"] for m in read_outbox(str(path))] == ["w-3", "w-4", "w-5", "w-6", "w-7"]
    assert stat.S_IMODE(previous.stat().st_mode) == stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_message_larger_than_the_limit_is_still_written(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    sender = OutboxSender(str(path), max_bytes=10)
    sender.send(_message(1))
    sender.send(_message(2))
    assert [m["username"] for m in read_outbox(str(path))] == ["w-1", "w-2"]


def test_missing_files_are_an_empty_outbox(tmp_path: Path) -> None:
    assert list(read_outbox(str(tmp_path / "outbox.jsonl"))) == []


def _append(path: str, writer: str, count: int, max_bytes: int, start: Any) -> None:
    sender = OutboxSender(path, max_bytes=max_bytes)
    start.wait(timeout=60)
    for n in range(count):
        sender.send(_message(n, writer))


def _race(path: Path, count: int, max_bytes: int) -> None:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    workers = [ctx.Process(target=_append, args=(str(path), w, count, max_bytes, start)) for w in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0


def test_concurrent_appends_from_two_processes_are_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    _race(path, 300, 1 << 30)
    names = [m["username"] for m in read_outbox(str(path))]  # json.loads of every line: all whole
    assert sorted(names) == sorted(f"{w}-{n}" for w in "ab" for n in range(300))
    for writer in "ab":  # each writer's lines in its own order
        mine = [name for name in names if name.startswith(writer)]
        assert mine == [f"{writer}-{n}" for n in range(300)]


def test_concurrent_appends_with_rotation_stay_whole_and_bounded(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    limit = 4096
    _race(path, 300, limit)
    previous = Path(previous_path(str(path)))
    assert path.stat().st_size <= limit and previous.stat().st_size <= limit
    names = [m["username"] for m in read_outbox(str(path))]
    assert len(names) == len(set(names)) > 0
    assert names[-1] in ("a-299", "b-299")
    for writer in "ab":  # what survives of each writer is its newest messages, in order
        mine = [int(name.split("-")[1]) for name in names if name.startswith(writer)]
        assert mine == list(range(300 - len(mine), 300))
    assert {p.name for p in tmp_path.iterdir()} <= {"outbox.jsonl", previous.name, "outbox.jsonl.lock"}


def test_outbox_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    old = os.umask(0)
    try:
        sender = OutboxSender(str(path), max_bytes=10)
        sender.send(_message(1))
        sender.send(_message(2))
    finally:
        os.umask(old)
    for file in tmp_path.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


def test_a_mark_reads_only_what_came_after_it_across_rotations(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    size = len(json.dumps(dataclasses.asdict(_message(0)), ensure_ascii=False)) + 1
    sender = OutboxSender(str(path), max_bytes=3 * size)
    assert mark(str(path)) == Mark()  # no outbox yet: everything later is new
    before = mark(str(path))
    sender.send(_message(0))
    sender.send(_message(1))
    assert [m["username"] for m in read_outbox(str(path), since=before)] == ["w-0", "w-1"]
    middle = mark(str(path))
    assert list(read_outbox(str(path), since=middle)) == []
    sender.send(_message(2))
    sender.send(_message(3))  # rotates: the marked file is now outbox.jsonl.1
    assert Path(previous_path(str(path))).exists()
    assert [m["username"] for m in read_outbox(str(path), since=middle)] == ["w-2", "w-3"]
    for n in range(4, 10):  # rotated away twice: everything kept is newer than the mark
        sender.send(_message(n))
    assert [m["username"] for m in read_outbox(str(path), since=middle)] == [
        m["username"] for m in read_outbox(str(path))]


def test_only_a_newline_ends_a_record(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    OutboxSender(str(path)).send(dataclasses.replace(_message(1), body="line\u2028separator\x85next\rcr"))
    [record] = read_outbox(str(path))
    assert record["body"] == "line\u2028separator\x85next\rcr"
