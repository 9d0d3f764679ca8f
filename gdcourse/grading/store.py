"""The learner's progress: one small JSON file, written atomically.

Location: ``$GDCOURSE_PROGRESS_FILE`` if set, else ``~/.gdcourse/progress.json``.  Every write
goes to a temporary file in the same folder which then replaces the old one
(``os.replace`` is atomic), so a kernel killed mid-write loses nothing already recorded.  A
file that cannot be read is moved aside (``progress.json.corrupt-<time>``) and reported, never
crashed on.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path

VERSION = 1


def progress_path() -> Path:
    override = os.environ.get("GDCOURSE_PROGRESS_FILE")
    return Path(override) if override else Path.home() / ".gdcourse" / "progress.json"


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
    """Write ``records`` atomically (temporary file + ``os.replace``)."""
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


def record(exercise_id: str, status: str, path: Path | None = None) -> str | None:
    """Remember an attempt.  Returns a warning (or None); never raises."""
    if status not in ("passed", "failed"):
        return None
    try:
        records, warning = load(path)
        now = time.strftime("%Y-%m-%d %H:%M")
        entry = records.get(exercise_id, {"attempts": 0})
        entry.update(status=status, last_attempt=now, attempts=entry.get("attempts", 0) + 1)
        if status == "passed":
            entry.setdefault("first_passed", now)
        records[exercise_id] = entry
        save(records, path)
        return warning
    except OSError as exc:
        return f"Your progress could not be saved ({exc}); the check itself is unaffected."
