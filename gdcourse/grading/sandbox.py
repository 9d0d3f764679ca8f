"""Run a learner's code so that nothing it does can break the notebook.

:func:`run_guarded` calls a function with a time limit, captures (and truncates) what it
prints, and turns any exception into an :class:`Outcome` whose traceback shows only the
learner's own frames.  Arguments are deep-copied by the caller (see ``core``), so hidden test
data is never corrupted.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import sys
import threading
import traceback
from dataclasses import dataclass

GRADER_DIR = os.path.dirname(os.path.abspath(__file__))
MAX_PRINTED = 1000          # characters of learner output kept for the report


class TimeLimitExceeded(BaseException):
    """Raised inside learner code when it runs too long.

    A BaseException, so that a learner's ``except Exception:`` cannot swallow it.
    """


class BoundedWriter(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters and only counts the rest."""

    def __init__(self, limit=MAX_PRINTED):
        self.limit, self.kept, self.total = limit, [], 0

    def write(self, text):
        text = str(text)
        room = self.limit - min(self.total, self.limit)
        if room > 0:
            self.kept.append(text[:room])
        self.total += len(text)
        return len(text)

    def writable(self):
        return True

    @property
    def text(self) -> str:
        return "".join(self.kept)

    @property
    def truncated(self) -> bool:
        return self.total > self.limit


@dataclass
class Outcome:
    """What happened when learner code ran: a value, or an exception, plus its printed output."""

    value: object = None
    error: BaseException | None = None
    learner_traceback: str = ""
    printed: str = ""
    printed_total: int = 0
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out


def _inject(thread_id: int, exc_type) -> None:
    """Ask the interpreter to raise ``exc_type`` in thread ``thread_id`` (None clears it)."""
    set_async = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)
    if set_async is not None:
        set_async(ctypes.c_ulong(thread_id), ctypes.py_object(exc_type) if exc_type else None)


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`TimeLimitExceeded` in the current thread once ``seconds`` have passed.

    Pure-Python loops are interrupted promptly; a single long call into compiled code is
    interrupted when it returns.
    """
    if seconds is None:
        yield
        return
    target, finished, lock = threading.get_ident(), threading.Event(), threading.Lock()
    fired = []

    def watchdog():
        if not finished.wait(seconds):
            with lock:
                if not finished.is_set():
                    fired.append(True)
                    _inject(target, TimeLimitExceeded)

    thread = threading.Thread(target=watchdog, name="gdcourse-grader-watchdog", daemon=True)
    thread.start()
    try:
        yield
    finally:
        with lock:
            finished.set()
        thread.join()
        if fired:
            _inject(target, None)          # clear an exception that was not delivered yet


def learner_traceback(exc: BaseException) -> str:
    """Format ``exc`` showing only frames outside the grader: the learner's own code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not os.path.abspath(f.filename).startswith(GRADER_DIR)]
    lines = ["Traceback (your code, most recent call last):\n"]
    for frame in frames:
        where = _short_filename(frame.filename)
        lines.append(f'  {where}, line {frame.lineno}, in {frame.name}\n')
        if frame.line:
            lines.append(f"    {frame.line.strip()}\n")
    lines.extend(traceback.format_exception_only(type(exc), exc))
    return "".join(lines)


def _short_filename(filename: str) -> str:
    """Notebook cells have long temporary file names; show them as 'your notebook cell'."""
    if "ipykernel" in filename or filename.startswith("<"):
        return "In your notebook cell"
    return f'File "{os.path.basename(filename)}"'


def run_guarded(function, args=(), kwargs=None, *, seconds: float | None = 2.0) -> Outcome:
    """Call ``function(*args, **kwargs)`` with a time limit and captured, truncated output."""
    out = BoundedWriter()
    outcome = Outcome()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            with time_limit(seconds):
                outcome.value = function(*args, **(kwargs or {}))
    except TimeLimitExceeded as exc:
        outcome.timed_out, outcome.error = True, exc
    except (Exception, SystemExit, RecursionError) as exc:   # noqa: BLE001 - learner code
        outcome.error = exc
        outcome.learner_traceback = learner_traceback(exc)
    outcome.printed, outcome.printed_total = out.text, out.total
    return outcome


def describe_type(value) -> str:
    """A short, friendly name for the type of ``value`` ('a list', 'None', 'a NumPy array')."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "a bool"
    module = type(value).__module__
    name = type(value).__name__
    if module == "numpy" and name == "ndarray":
        return f"a NumPy array of shape {value.shape} and dtype {value.dtype}"
    article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name}"


def flush_streams() -> None:
    """Flush the real streams, so grader output never interleaves with earlier prints."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
