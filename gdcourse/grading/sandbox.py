"""Run a learner's code so that nothing it does can break the notebook or fool the grader.

:func:`run_guarded` calls a function with a time limit, captures (and truncates) what it
prints, and turns any exception into an :class:`Outcome` whose traceback shows only the
learner's own frames.

**A thread of its own.**  The function runs in a fresh worker thread.  Above its own frames
it finds only the thin :class:`_Call` that started it, so ``sys._getframe`` leads to no grader
frame, hidden case or expected value; and the caller waits with a timeout, so it gets control
back after the limit whatever the code does.

**A time limit that a bare ``except:`` cannot swallow.**  At the limit the caller raises
:class:`TimeLimitExceeded` inside the worker.  Its arrival arms a tracer that raises it again
on every later line of the learner's code, including the lines of the ``except:`` block that
caught it; a profile hook switches the tracer back on whenever a raise has switched it off
(CPython removes a trace function that raises); and the caller keeps sending it for
``STOP_GRACE`` seconds.  Only one long call into compiled code (a huge matrix product,
``time.sleep``) cannot be interrupted from inside the process: the caller then stops waiting
and reports that the code is still running in the background.

**Where there are no threads** (Pyodide in a web browser cannot start one), the code runs in
the caller's own thread instead, with the same tracer and profile hook installed from the
start: they read the clock, and at the limit the code is stopped in the same way, the
exception sent to the current thread.  The learner's code then runs under the tracer (slower,
and a frame inspecting ``sys._getframe`` can reach the grader's), and a long call into compiled
code ends before the report is made.  The book's page runs Python in a Web Worker it can stop.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass

GRADER_DIR = os.path.dirname(os.path.abspath(__file__))
MAX_PRINTED = 1000          # characters of learner output kept for the report
STOP_GRACE = 1.0            # seconds spent stopping code that overran before giving up on it
STOP_RETRY = 0.005          # seconds between two attempts to stop it

_worker = threading.local()          # ``call``: the _Call whose code runs in this thread
_SANDBOX_GLOBALS = globals()         # frames of this module are never traced


class TimeLimitExceeded(BaseException):
    """Raised inside learner code when it runs too long.

    A BaseException, so that ``except Exception:`` does not catch it; creating it in a worker
    whose time is up arms the tracer that raises it again (see the module docstring).
    """

    def __init__(self, *args):
        super().__init__(*args)
        call = getattr(_worker, "call", None)
        if call is not None and call.stopping and not call.done:
            call.arm(sys._getframe(1))


def _set_async_exc(thread_id: int, exc_type) -> None:
    """Raise ``exc_type`` in thread ``thread_id`` at its next bytecode (None: cancel that)."""
    set_async = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)
    if set_async is not None:
        set_async(ctypes.c_ulong(thread_id), ctypes.py_object(exc_type) if exc_type else None)


class _Drained(BaseException):
    """Sent to a worker thread in place of a TimeLimitExceeded still on its way, and caught."""


def _drain_async_exc() -> None:
    """Replace an exception still on its way to this thread with one caught here at once.

    Not a cancel (``PyThreadState_SetAsyncExc(id, NULL)``): on CPython 3.11 a cancel leaves the
    interpreter's "asynchronous exception pending" flag set, and from then on traced code in any
    thread (a debugger, coverage) never finishes.  An exception that arrives clears the flag."""
    try:
        _set_async_exc(threading.get_ident(), _Drained)
        for _ in range(1000):        # it arrives at the next check of the eval loop
            pass
    except _Drained:
        pass


def _tracer(frame, event, arg):
    """The trace function of a worker whose time is up (``sys.settrace``): every frame of
    learner code that starts gets a :class:`_FrameTracer`."""
    if frame.f_globals is _SANDBOX_GLOBALS:
        return None
    return _FrameTracer(_worker.call, frame)(frame, event, arg)


class _FrameTracer:
    """The trace function of one learner frame: raise on every line once the time is up.

    CPython drops a trace function that raises (it clears ``sys.settrace`` and the frame's
    ``f_trace``); dropped, this one switches tracing back on at once, so that the lines of an
    ``except:`` block that caught TimeLimitExceeded raise it again.  Without threads it runs
    from the start and first checks the clock (see ``_run_here``)."""

    __slots__ = ("call", "frame")

    def __init__(self, call, frame):
        self.call, self.frame = call, frame      # a cycle with the frame, until CPython drops it

    def __call__(self, frame, event, arg):
        call = self.call
        call.check_clock()
        if call.stopping and not call.done and event in ("call", "line"):
            raise TimeLimitExceeded
        return self

    def __del__(self):
        call = self.call
        if call is getattr(_worker, "call", None) and call.stopping and not call.done:
            call.arm(self.frame)


def _profiler(frame, event, arg):
    """The profile hook of a worker whose time is up: switch the tracer back on after a raise."""
    call = _worker.call
    call.check_clock()
    if call.stopping and not call.done and sys.gettrace() is not _tracer:
        call.arm(frame)


class _Call:
    """One call of learner code in a worker thread: what it was given and what came back."""

    def __init__(self, function, args, kwargs):
        self.function, self.args, self.kwargs = function, args, kwargs
        self.value = self.error = None
        self.stopping = False        # the time is up: stop the learner's code
        self.done = False            # the learner's code has ended: send nothing more
        self.thread_id = None
        self.in_worker = True        # False: no threads, it runs in the caller's (_run_here)
        self.deadline = None         # without threads: time.monotonic() at the limit
        self.ended = threading.Event()   # set when the learner's code has ended
        self._lock = threading.Lock()

    def run(self) -> None:
        """The worker thread: call the function, then settle, whatever arrives meanwhile."""
        _worker.call = self
        try:
            self.value = self.function(*self.args, **self.kwargs)
        except BaseException as exc:  # noqa: BLE001 - learner code may raise anything
            self.error = exc
        while True:
            try:
                self._settle()
                return
            except TimeLimitExceeded:    # sent just before the code ended: settle again
                continue

    def _settle(self) -> None:
        with self._lock:
            self.done = True
            if self.in_worker:
                _drain_async_exc()       # one still on its way never arrives
        sys.settrace(None)
        sys.setprofile(None)
        self.ended.set()

    def arm(self, frame) -> None:
        """Trace the learner's frames from ``frame`` up, and every frame it starts from now on."""
        while frame is not None and frame.f_globals is not _SANDBOX_GLOBALS:
            if not isinstance(frame.f_trace, _FrameTracer):     # (replacing one re-arms)
                frame.f_trace = _FrameTracer(self, frame)
            frame = frame.f_back
        sys.settrace(_tracer)
        sys.setprofile(_profiler)

    def check_clock(self) -> None:
        """Without threads, the tracer and profile hook stop the code once the limit has passed."""
        if self.deadline is not None and not self.stopping and time.monotonic() > self.deadline:
            self.stopping = True         # the frame tracers raise from now on

    def stop(self) -> None:
        """Called by the waiting thread: raise TimeLimitExceeded in the worker (again)."""
        with self._lock:
            if not self.done:
                self.stopping = True
                _set_async_exc(self.thread_id, TimeLimitExceeded)


def _stop(call: _Call) -> None:
    """Keep stopping the worker's code for up to STOP_GRACE seconds."""
    give_up = time.monotonic() + STOP_GRACE
    while not call.ended.is_set() and time.monotonic() < give_up:
        call.stop()
        call.ended.wait(STOP_RETRY)


def _wait_for(call: _Call, seconds: float | None) -> bool:
    """Run ``call`` in a worker thread for at most ``seconds``; True if it has ended.

    (It waits on ``call.ended`` rather than joining the thread: an interrupted join marks a
    thread that is still running as stopped, bpo-45274.)
    """
    worker = threading.Thread(target=call.run, name="gdcourse-answer", daemon=True)
    try:
        worker.start()
    except RuntimeError:             # "can't start new thread": Pyodide, for one
        return _run_here(call, seconds)
    call.thread_id = worker.ident
    try:
        call.ended.wait(seconds)
    except BaseException:            # KeyboardInterrupt: the learner's code stops too
        _stop(call)
        raise
    _stop(call)
    return call.ended.is_set()


def _run_here(call: _Call, seconds: float | None) -> bool:
    """Run ``call`` in this thread, its tracer watching the clock; True (it has ended)."""
    saved = getattr(_worker, "call", None), sys.gettrace(), sys.getprofile()
    call.in_worker, call.thread_id = False, threading.get_ident()
    call.deadline = None if seconds is None else time.monotonic() + seconds
    _worker.call = call
    try:
        if call.deadline is not None:
            sys.settrace(_tracer)
            sys.setprofile(_profiler)
        call.run()
    finally:
        _worker.call = saved[0]
        sys.settrace(saved[1])
        sys.setprofile(saved[2])
    return True


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
    still_running: bool = False      # timed out inside compiled code, which cannot be stopped

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out


def run_guarded(function, args=(), kwargs=None, *, seconds: float | None = 2.0) -> Outcome:
    """Call ``function(*args, **kwargs)`` in a worker thread, with a time limit and captured,
    truncated output."""
    call = _Call(function, tuple(args), dict(kwargs or {}))
    out = BoundedWriter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        ended = _wait_for(call, seconds)
    outcome = Outcome(printed=out.text, printed_total=out.total)
    if call.stopping:
        outcome.timed_out, outcome.still_running = True, not ended
        outcome.error = call.error if isinstance(call.error, TimeLimitExceeded) else None
    elif call.error is not None:
        outcome.error = call.error
        outcome.learner_traceback = learner_traceback(call.error)
    else:
        outcome.value = call.value
    return outcome


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
    if module == "numpy":
        return f"a NumPy {name}"
    article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name}"


def flush_streams() -> None:
    """Flush the real streams, so grader output never interleaves with earlier prints."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
