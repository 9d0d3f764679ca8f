"""Execute notebooks in place so that their stored outputs are real (what nbval compares).

    python tools/execute_notebooks.py book/01_basics.ipynb [...]

Runs each notebook top to bottom in a fresh kernel from this environment, with the working
directory set to the notebook's folder, and prints how long each took.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path, timeout: int = 900) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    elapsed = time.perf_counter() - start
    nbformat.write(nb, path)                  # keep execution counts: nbval skips unrun cells
    return elapsed


def main(paths):
    # Static figures instead of sliders, as in the book build and under nbval.
    os.environ["GDCOURSE_STATIC"] = "1"
    # Learners' progress must not be touched by building the course.
    os.environ.setdefault("GDCOURSE_PROGRESS_FILE", os.path.join(tempfile.mkdtemp(), "progress.json"))
    for name in paths:
        seconds = execute(Path(name))
        print(f"{name}: executed in {seconds:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
