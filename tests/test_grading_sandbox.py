"""Answers that never finish: the time limit holds whatever the answer catches.

Every hang below sits inside `try: ... except: pass` (or worse), the learner's way of keeping
a loop alive "in case something overflows".  The grader must come back within its limit (plus
the short grace it spends stopping the code), say so in words, stop the learner's loop, and
keep working.  (The command line is tested with a hanging answer in test_grading_cli.py.)
"""

import sys
import threading
import time

import numpy as np
import pytest

from gdcourse.grading import check, reference
from gdcourse.grading.sandbox import STOP_GRACE, run_guarded

LIMIT = 0.2


def bare_except_loop():
    while True:
        try:
            for _ in range(1000):
                pass
        except:  # noqa: E722 - the point of the test
            pass


def bare_except_around_calls():
    def inner():
        while True:
            try:
                sum(range(100))
            except:  # noqa: E722
                pass

    while True:
        try:
            inner()
        except:  # noqa: E722
            continue


def nested_handlers_without_calls():
    i = 0
    while True:
        try:
            try:
                i += 1
            except:  # noqa: E722
                pass
        except:  # noqa: E722
            pass


def handler_that_retries():
    def helper():
        try:
            while True:
                pass
        except BaseException:
            return helper()

    while True:
        try:
            helper()
        except:  # noqa: E722
            try:
                helper()
            except:  # noqa: E722
                pass
        finally:
            pass


def swallow_and_return():
    try:
        while True:
            pass
    except:  # noqa: E722
        return 42


def threads_back_to(count, within=1.0):
    """Wait until only ``count`` threads run (a finished worker needs a moment to leave)."""
    deadline = time.monotonic() + within
    while threading.active_count() > count and time.monotonic() < deadline:
        time.sleep(0.01)
    return threading.active_count() == count


HANGS = [bare_except_loop, bare_except_around_calls, nested_handlers_without_calls,
         handler_that_retries, swallow_and_return]


@pytest.mark.parametrize("hang", HANGS, ids=lambda f: f.__name__)
def test_a_bare_except_cannot_keep_the_code_running(hang):
    before = threading.active_count()
    start = time.perf_counter()
    outcome = run_guarded(hang, seconds=LIMIT)
    elapsed = time.perf_counter() - start
    assert outcome.timed_out and not outcome.still_running
    assert outcome.value is None                      # even a value returned after the limit
    assert elapsed < LIMIT + STOP_GRACE
    assert threads_back_to(before), "the learner's loop is still running"


def test_compiled_code_that_overruns_is_left_behind_and_reported():
    start = time.perf_counter()
    outcome = run_guarded(time.sleep, (3 * LIMIT + STOP_GRACE,), seconds=LIMIT)
    assert time.perf_counter() - start < LIMIT + STOP_GRACE + 0.5
    assert outcome.timed_out and outcome.still_running


def test_check_of_a_hanging_answer_returns_within_the_limit_and_says_why():
    def gd_step(w, grad, lr):
        while True:
            try:
                w = w - lr * grad
            except:  # noqa: E722
                pass

    start = time.perf_counter()
    result = check("ch01.gd_step", gd_step)
    assert time.perf_counter() - start < 2.0 + STOP_GRACE + 1.0
    assert not result.passed
    assert result.summary.startswith("Your function did not finish in 2 s on ")
    assert "`try`/`except` that keeps a loop going" in result.summary
    assert check("ch01.gd_step", reference("ch01.gd_step")).passed


def test_an_answer_that_finishes_is_not_slowed_or_disturbed():
    outcome = run_guarded(lambda x: np.sum(x ** 2), (np.arange(4.0),), seconds=LIMIT)
    assert outcome.ok and outcome.value == 14.0 and not outcome.timed_out


def test_interrupting_the_check_stops_the_learners_code_too():
    """Kernel -> Interrupt while a check waits: the waiting thread gets KeyboardInterrupt."""
    import signal

    main = threading.Timer(0.1, signal.pthread_kill,
                           (threading.main_thread().ident, signal.SIGINT))
    main.start()
    before = threading.active_count()
    with pytest.raises(KeyboardInterrupt):
        run_guarded(bare_except_loop, seconds=5.0)
    assert threads_back_to(before - 1)    # the timer has ended, and so has the worker


# ---------------------------------------------------------------- without threads (Pyodide)
# Pyodide in a web page cannot start a thread: ``Thread.start`` raises RuntimeError.  The
# answer then runs in the grader's own thread, a tracer watching the clock.  Here CPython is
# made to refuse threads the same way; tests/test_live_code.py runs the same answers in Pyodide.


@pytest.fixture
def no_threads(monkeypatch):
    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)


@pytest.mark.parametrize("hang", HANGS, ids=lambda f: f.__name__)
def test_without_threads_a_bare_except_cannot_keep_the_code_running(no_threads, hang):
    before = threading.active_count()
    start = time.perf_counter()
    outcome = run_guarded(hang, seconds=LIMIT)
    elapsed = time.perf_counter() - start
    assert outcome.timed_out and not outcome.still_running
    assert outcome.value is None
    assert LIMIT <= elapsed < LIMIT + STOP_GRACE
    assert threading.active_count() == before, "no thread was started"


def test_without_threads_the_check_says_the_same_words(no_threads):
    test_check_of_a_hanging_answer_returns_within_the_limit_and_says_why()


def test_without_threads_an_answer_that_finishes_leaves_no_tracer_behind(no_threads):
    def tracer(frame, event, arg):
        return None

    sys.settrace(tracer)
    try:
        outcome = run_guarded(lambda x: np.sum(x ** 2), (np.arange(4.0),), seconds=LIMIT)
        assert sys.gettrace() is tracer, "the caller's own tracer is put back"
    finally:
        sys.settrace(None)
    assert outcome.ok and outcome.value == 14.0 and not outcome.timed_out
    assert sys.getprofile() is None


def test_without_threads_compiled_code_that_overruns_is_reported_when_it_returns(no_threads):
    start = time.perf_counter()
    outcome = run_guarded(time.sleep, (3 * LIMIT,), seconds=LIMIT)
    assert time.perf_counter() - start >= 3 * LIMIT
    assert outcome.timed_out and not outcome.still_running


def test_without_threads_errors_keep_their_traceback(no_threads):
    def answer(x):
        return x / 0

    outcome = run_guarded(answer, (1,), seconds=LIMIT)
    assert isinstance(outcome.error, ZeroDivisionError) and not outcome.timed_out
    assert "return x / 0" in outcome.learner_traceback


def test_after_a_check_traced_code_still_runs(tmp_path):
    """A debugger or coverage traces code; after a check (thread mode) it must still finish.
    (Cancelling an exception on its way with PyThreadState_SetAsyncExc(id, NULL) left CPython
    3.11 flagged for good, and every traced function then ran forever.)"""
    import os
    import subprocess

    script = ("import sys\n"
              "from gdcourse.grading import check, reference\n"
              "check('ch01.gd_step', reference('ch01.gd_step'))\n"
              "sys.settrace(lambda frame, event, arg: None)\n"
              "def traced():\n"
              "    return sum(i for i in range(1000))\n"
              "print(traced())\n")
    env = {**os.environ, "GDCOURSE_PROGRESS_FILE": str(tmp_path / "p.json")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.stdout.strip() == "499500", done.stderr[-500:]
