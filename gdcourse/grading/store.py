"""The learner's progress: one small JSON file, safe against crashes and against several writers.

Location: ``$GDCOURSE_PROGRESS_FILE`` if set, else ``~/.gdcourse/progress.json``.

* **Several writers.**  Every change is a read-modify-write done while holding an exclusive
  lock on a companion file, ``progress.json.lock`` (``fcntl.flock`` on Linux and macOS,
  ``msvcrt.locking`` on Windows; none in Pyodide, where a web page is one process).  Two
  notebooks checking at the same moment, or a notebook and the command line, therefore never
  lose each other's attempts.  The operating system releases
  the lock of a process that dies.
* **Crashes.**  Every write goes to a temporary file in the same folder which then replaces the
  old one (``os.replace`` is atomic), so a kernel killed mid-write loses nothing already
  recorded.  A file that cannot be read is moved aside (``progress.json.corrupt-<time>``) and
  reported, never crashed on.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path

VERSION = 1
LOCK_TIMEOUT = 10.0          # seconds to wait for another writer before giving up
_LOCK_POLL = 0.01

if os.name == "nt":                                   # pragma: no cover - Windows only
    import msvcrt

    def _try_lock(handle) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
else:
    try:
        import fcntl
    except ImportError:          # Pyodide in a web page: one process, nobody to lock out
        fcntl = None

    def _try_lock(handle) -> bool:
        if fcntl is None:
            return True
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(handle) -> None:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def progress_path() -> Path:
    override = os.environ.get("GDCOURSE_PROGRESS_FILE")
    return Path(override) if override else Path.home() / ".gdcourse" / "progress.json"


@contextlib.contextmanager
def locked(path: Path | None = None):
    """Hold the exclusive lock of the progress file ``path`` for the duration of the block."""
    path = path or progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f"{path.name}.lock"), "a+b") as handle:
        give_up = time.monotonic() + LOCK_TIMEOUT
        while not _try_lock(handle):
            if time.monotonic() > give_up:
                raise OSError(f"{path} stayed locked by another process for {LOCK_TIMEOUT:g} s")
            time.sleep(_LOCK_POLL)
        try:
            yield
        finally:
            _unlock(handle)


def load(path: Path | None = None) -> tuple[dict, str | None]:
    """Return ``(records, warning)``; ``records`` maps exercise id -> record dict."""
    path = path or progress_path()
    if not path.exists():
        return {}, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("exercises"), dict):
            raise ValueError("unexpected structure")
        return data["exercises"], None
    except (OSError, ValueError) as exc:
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        with contextlib.suppress(OSError):
            os.replace(path, aside)
        return {}, (f"The progress file {path} could not be read ({exc}); it was moved to "
                    f"{aside.name} and a fresh one was started.")


def save(records: dict, path: Path | None = None) -> None:
    """Write ``records`` atomically (temporary file + ``os.replace``); hold :func:`locked`."""
    path = path or progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({"version": VERSION, "exercises": records}, indent=1, sort_keys=True)
    handle, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _attempt(entry: dict | None, status: str, summary: str, hint: str | None) -> dict:
    """A record updated with one more attempt."""
    now = time.strftime("%Y-%m-%d %H:%M")
    entry = dict(entry or {})
    entry.update(status=status, last_attempt=now, attempts=entry.get("attempts", 0) + 1)
    for key in ("summary", "hint"):
        entry.pop(key, None)
    if status == "passed":
        entry.setdefault("first_passed", now)
    else:
        entry["summary"] = summary
        if hint:
            entry["hint"] = hint
    return entry


def record(exercise_id: str, status: str, path: Path | None = None, *, summary: str = "",
           hint: str | None = None) -> str | None:
    """Remember an attempt (with what was wrong, if it failed).  Returns a warning or None;
    never raises."""
    if status not in ("passed", "failed"):
        return None
    try:
        with locked(path):
            records, warning = load(path)
            records[exercise_id] = _attempt(records.get(exercise_id), status, summary, hint)
            save(records, path)
        return warning
    except OSError as exc:
        return f"Your progress could not be saved ({exc}); the check itself is unaffected."


def _merged(mine: dict | None, theirs: dict) -> dict:
    """``theirs`` (newer attempts) folded into ``mine``: attempts add up."""
    if not mine:
        return dict(theirs)
    entry = {**mine, **theirs}
    entry["attempts"] = mine.get("attempts", 0) + theirs.get("attempts", 0)
    passes = [e["first_passed"] for e in (mine, theirs) if "first_passed" in e]
    if passes:
        entry["first_passed"] = min(passes)
    if entry.get("status") == "passed":
        entry.pop("summary", None)
        entry.pop("hint", None)
    return entry


def merge(records: dict, path: Path | None = None) -> str | None:
    """Add ``records`` (from another progress file) to the file at ``path``; never raises."""
    try:
        with locked(path):
            mine, warning = load(path)
            for exercise_id, entry in records.items():
                mine[exercise_id] = _merged(mine.get(exercise_id), entry)
            save(mine, path)
        return warning
    except OSError as exc:
        return f"Your progress could not be saved ({exc})."
