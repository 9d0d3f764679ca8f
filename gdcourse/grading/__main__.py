"""Grade a saved notebook without opening Jupyter.

    python -m gdcourse.grading book/01_basics.ipynb [more.ipynb ...]

Executes each notebook top to bottom in a fresh kernel (cells that raise are reported, the
rest still run), then prints the table of its exercises.  Exit status 0 only if every
exercise passed.  The results are also added to your progress file.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

from . import store
from .table import progress

CHECK_CALL = re.compile(r"""check\(\s*["']([^"']+)["']""")


def exercise_ids(nb) -> list[str]:
    """The ids of the exercises a notebook checks, in order."""
    ids = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            ids += [i for i in CHECK_CALL.findall(cell.source) if i not in ids]
    return ids


def run_notebook(path: Path, progress_file: Path, timeout: int):
    """Execute a notebook with its own progress file; return it and the errors of cells that raised."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    os.environ["GDCOURSE_PROGRESS_FILE"] = str(progress_file)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [f"{o.ename}: {o.evalue}" for c in nb.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.output_type == "error"]
    return nb, errors


def grade_notebook(path: Path, timeout: int = 600):
    """Return (table, errors) for one notebook."""
    learner_file = store.progress_path()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "progress.json"
        try:
            nb, errors = run_notebook(path, scratch, timeout)
        finally:
            os.environ["GDCOURSE_PROGRESS_FILE"] = str(learner_file)
        table = progress(path=scratch, ids=exercise_ids(nb))
        records, _ = store.load(scratch)
    mine, _ = store.load(learner_file)
    mine.update(records)
    try:
        store.save(mine, learner_file)
    except OSError:
        pass
    return table, errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gdcourse.grading", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    all_passed = True
    for path in args.notebooks:
        if not path.exists():
            print(f"{path}: no such notebook")
            all_passed = False
            continue
        table, errors = grade_notebook(path, args.timeout)
        print(f"== {path}")
        for error in errors:
            print(f"  a cell raised {error}")
        print(table)
        all_passed &= bool(table.rows) and table.n_passed == len(table.rows)
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
