"""The progress file with several writers at once: notebooks side by side, the command line."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gdcourse.grading import exercises, store

ROOT = Path(__file__).resolve().parents[1]

# One "kernel": wait for the common start, then check every exercise `rounds` times,
# alternating the reference (passes) and a stub that returns None (fails).
KERNEL = """
import sys, time
from gdcourse.grading import check, exercises, get, reference
from gdcourse.grading.core import grade
start, rounds = float(sys.argv[1]), int(sys.argv[2])
ids = exercises()
for ex_id in ids:                      # compute every expected output before the race
    grade(ex_id, reference(ex_id))
while time.time() < start:
    time.sleep(0.001)
for k in range(rounds):
    for ex_id in ids:
        answer = reference(ex_id) if k % 2 == 0 else (lambda *args: None)
        if get(ex_id).kind == "value":
            answer = reference(ex_id) if k % 2 == 0 else None
        check(ex_id, answer)
"""


def test_several_processes_checking_at_once_lose_no_attempt(tmp_path):
    progress = tmp_path / "progress.json"
    env = {**os.environ, "GDCOURSE_PROGRESS_FILE": str(progress)}
    processes, rounds = 3, 3
    start = time.time() + 4.0
    kernels = [subprocess.Popen([sys.executable, "-c", KERNEL, str(start), str(rounds)],
                                env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
               for _ in range(processes)]
    errors = [kernel.communicate(timeout=300)[1] for kernel in kernels]
    assert all(kernel.returncode == 0 for kernel in kernels), errors
    records = json.loads(progress.read_text())["exercises"]
    assert sorted(records) == sorted(exercises())
    assert {ex_id: r["attempts"] for ex_id, r in records.items()} == \
        {ex_id: processes * rounds for ex_id in exercises()}
    assert all("first_passed" in r for r in records.values())
    assert not list(tmp_path.glob(".progress-*.tmp"))


def test_a_writer_that_holds_the_lock_too_long_gets_a_warning_not_a_hang(tmp_path,
                                                                        monkeypatch):
    monkeypatch.setattr(store, "LOCK_TIMEOUT", 0.2)
    path = tmp_path / "progress.json"
    with store.locked(path):
        holder = subprocess.Popen(
            [sys.executable, "-c", "from gdcourse.grading import store; import sys; "
             "from pathlib import Path; store.LOCK_TIMEOUT = 0.2; "
             "print(store.record('ch01.gd_step', 'passed', Path(sys.argv[1])))", str(path)],
            stdout=subprocess.PIPE, text=True, cwd=ROOT)
        out, _ = holder.communicate(timeout=60)
    assert "could not be saved" in out and "stayed locked" in out
    assert store.record("ch01.gd_step", "passed", path) is None


def test_failures_keep_their_summary_and_hint_until_passed(tmp_path):
    path = tmp_path / "progress.json"
    store.record("ch01.gd_step", "failed", path, summary="Wrong.", hint="Subtract.")
    entry = store.load(path)[0]["ch01.gd_step"]
    assert entry["summary"] == "Wrong." and entry["hint"] == "Subtract."
    store.record("ch01.gd_step", "passed", path, summary="Well done.")
    entry = store.load(path)[0]["ch01.gd_step"]
    assert "summary" not in entry and "hint" not in entry and entry["attempts"] == 2


def test_merge_adds_attempts_up(tmp_path):
    path = tmp_path / "progress.json"
    store.record("ch01.gd_step", "failed", path, summary="Wrong.")
    other = tmp_path / "other.json"
    store.record("ch01.gd_step", "passed", other)
    store.record("ch01.mse_loss", "failed", other, summary="No.")
    assert store.merge(store.load(other)[0], path) is None
    records = store.load(path)[0]
    assert records["ch01.gd_step"]["attempts"] == 2
    assert records["ch01.gd_step"]["status"] == "passed" and "summary" not in records["ch01.gd_step"]
    assert records["ch01.mse_loss"]["summary"] == "No."


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_a_writer_killed_while_holding_the_lock_releases_it(tmp_path):
    path = tmp_path / "progress.json"
    holder = subprocess.Popen(
        [sys.executable, "-c", "from gdcourse.grading import store; import sys, time; "
         "from pathlib import Path\nwith store.locked(Path(sys.argv[1])):\n"
         "    print('locked', flush=True); time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait(timeout=30)
    assert store.record("ch01.gd_step", "passed", path) is None
