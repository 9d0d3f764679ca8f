"""Grade a saved notebook without opening Jupyter.

    python -m gdcourse.grading book/01_basics.ipynb [more.ipynb ...] [--timeout SECONDS]

Runs each notebook top to bottom in a fresh kernel, then reports every exercise of its chapter
(taken from the course, not from the notebook: an exercise whose check was deleted or renamed
is "not attempted").  A cell that raises is reported and the other cells still run.  A cell
that does not finish within the timeout, or that stops the kernel, is skipped: the notebook
runs again in a fresh kernel without it.  For every exercise not passed it prints what is wrong
and the hint.  Exit status 0 only if every exercise of every notebook passed.  The results are
also added to your progress file.

Running notebooks needs ``nbformat``, ``nbclient`` and a Jupyter kernel, which the rest of
gdcourse does not (it runs in Pyodide, where they cannot be installed): they are the extra
``pip install "gdcourse[notebook]"``, and the command says so when they are missing.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import store
from .exercise import exercises, get
from .hidden import CHAPTERS

CHECK_CALL = re.compile(r"""check\(\s*["']([^"']+)["']""")
NOTEBOOK_NAME = re.compile(r"^(\d\d)_")
NOTEBOOK_NEEDS = ("nbformat", "nbclient", "ipykernel")
SYMBOLS = {"passed": "✓ passed", "failed": "✗ failed", "not_attempted": "○ not attempted"}


@dataclass
class NotebookRun:
    """A notebook executed once, cells that misbehaved skipped."""

    nb: object
    errors: dict = field(default_factory=dict)      # cell index -> "NameError: ..."
    skipped: dict = field(default_factory=dict)     # cell index -> why it was skipped
    records: dict = field(default_factory=dict)     # the progress records of this run


def _quiet_log() -> logging.Logger:
    """nbclient logs timeouts on stderr; the report says what matters instead."""
    log = logging.getLogger("gdcourse.grading.notebook")
    log.propagate, log.handlers = False, [logging.NullHandler()]
    return log


def _execute(nb, folder: Path, timeout: int, kernel_log) -> tuple[int, str] | None:
    """Run ``nb`` in place; return (cell index, why) of a cell that stopped the run, or None."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    current = []
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            shutdown_kernel="immediate", log=_quiet_log(),
                            on_cell_execute=lambda cell, cell_index: current.append(cell_index),
                            resources={"metadata": {"path": str(folder)}})
    try:
        client.execute(stderr=kernel_log)           # the kernel's warnings go to a file
    except CellTimeoutError:
        return current[-1], f"did not finish in {timeout} s"
    except DeadKernelError:
        return current[-1], "stopped the kernel"
    return None


def _cell_errors(nb) -> dict:
    return {index: f"{output.ename}: {output.evalue}"
            for index, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.output_type == "error"}


@contextlib.contextmanager
def _progress_file(path: Path):
    """Point ``$GDCOURSE_PROGRESS_FILE`` (which the kernel inherits) at ``path`` for a while."""
    saved = os.environ.get("GDCOURSE_PROGRESS_FILE")
    os.environ["GDCOURSE_PROGRESS_FILE"] = str(path)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("GDCOURSE_PROGRESS_FILE", None)
        else:
            os.environ["GDCOURSE_PROGRESS_FILE"] = saved


def run_notebook(path: Path, timeout: int) -> NotebookRun:
    """Execute the notebook at ``path`` with a progress file of its own, skipping (and
    reporting) cells that do not finish or that stop the kernel."""
    import nbformat

    skipped = {}
    with tempfile.TemporaryDirectory() as tmp:
        while True:
            nb = nbformat.read(path, as_version=4)
            for index in skipped:
                nb.cells[index].metadata.setdefault("tags", []).append("skip-execution")
            progress = Path(tmp) / f"progress-{len(skipped)}.json"
            with _progress_file(progress), open(Path(tmp) / "kernel.log", "a") as kernel_log:
                stopped = _execute(nb, path.parent, timeout, kernel_log)
            if stopped is None:
                return NotebookRun(nb, _cell_errors(nb), skipped, store.load(progress)[0])
            skipped[stopped[0]] = stopped[1]


def chapter_of(path: Path, nb) -> int | None:
    """The chapter of a notebook: from its name (``03_...``), else from the checks it holds."""
    match = NOTEBOOK_NAME.match(path.name)
    if match:
        return int(match.group(1))
    chapters = {get(i).chapter for i in _check_cells(nb).values() if i in exercises()}
    return chapters.pop() if len(chapters) == 1 else None


def _check_cells(nb) -> dict:
    """Cell index -> the exercise id it checks (the first, if it checks several)."""
    found = {}
    for index, cell in enumerate(nb.cells):
        ids = CHECK_CALL.findall(cell.source) if cell.cell_type == "code" else []
        if ids:
            found[index] = ids[0]
    return found


def _cell(nb, index: int) -> str:
    """A cell as a learner finds it: its number among the code cells and its first line."""
    number = sum(cell.cell_type == "code" for cell in nb.cells[:index + 1])
    first = nb.cells[index].source.strip().splitlines()[0]
    return f"code cell {number} ({first[:40] + ('...' if len(first) > 40 else '')})"


def _why_not_graded(ex_id: str, run: NotebookRun) -> str:
    """Why an exercise of the chapter has no result in this run, in words."""
    cells = [index for index, checked in _check_cells(run.nb).items() if checked == ex_id]
    if not cells:
        return f'there is no check("{ex_id}", ...) in this notebook.'
    index = cells[0]
    if index in run.skipped:
        return f"its check, {_cell(run.nb, index)}, {run.skipped[index]} and was skipped."
    if index in run.errors:
        return f"its check, {_cell(run.nb, index)}, raised {run.errors[index]}."
    if get(ex_id).kind == "value":
        return "your answer is still `...`."
    return "your function still raises NotImplementedError."


def report(path: Path, chapter: int, run: NotebookRun) -> tuple[str, bool]:
    """The text report of one notebook, and whether every exercise passed."""
    ids = [ex_id for ex_id in exercises() if get(ex_id).chapter == chapter]
    lines = [f"== {path} (chapter {chapter}: {CHAPTERS.get(chapter, '')})"]
    lines += [f"  {_cell(run.nb, index)} {why}: it was skipped, and the notebook run again "
              f"without it" for index, why in run.skipped.items()]
    lines += [f"  {_cell(run.nb, index)} raised {error}" for index, error in run.errors.items()]
    passed = sum(run.records.get(i, {}).get("status") == "passed" for i in ids)
    lines.append(f"{passed} of {len(ids)} exercises passed")
    for ex_id in ids:
        entry = run.records.get(ex_id, {})
        status = entry.get("status", "not_attempted")
        lines.append(f"  {SYMBOLS[status]:<16} {ex_id:<32} {get(ex_id).title}")
        if status == "failed":
            lines.append(f"      {entry.get('summary', '')}")
            lines += [f"      Hint: {entry['hint']}"] if entry.get("hint") else []
        elif status == "not_attempted":
            lines.append(f"      Not graded: {_why_not_graded(ex_id, run)}")
    return "\n".join(lines), passed == len(ids)


def grade_notebook(path: Path, timeout: int = 600) -> tuple[str, bool]:
    """Run and grade one notebook; add its results to the learner's progress file."""
    run = run_notebook(path, timeout)
    chapter = chapter_of(path, run.nb)
    if chapter is None:
        return (f"== {path}\n  cannot tell which chapter this notebook belongs to: name it "
                f"like book/03_convergence.ipynb"), False
    warning = store.merge(run.records)
    text, all_passed = report(path, chapter, run)
    return text + (f"\n  {warning}" if warning else ""), all_passed


def missing_notebook_needs() -> str | None:
    """A sentence naming what grading a notebook needs and is not installed, else None."""
    import importlib.util

    missing = [name for name in NOTEBOOK_NEEDS if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    return (f"Grading a notebook needs {', '.join(missing)}, which are not installed: "
            f'pip install "gdcourse[notebook]"')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gdcourse.grading",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error("--timeout must be a positive number of seconds")
    missing = missing_notebook_needs()
    if missing:
        print(missing, file=sys.stderr)
        return 2
    all_passed = True
    for path in args.notebooks:
        if not path.exists():
            print(f"== {path}: no such notebook")
            all_passed = False
            continue
        text, passed = grade_notebook(path, args.timeout)
        print(text, flush=True)
        all_passed &= passed
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
