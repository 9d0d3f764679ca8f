"""The chapter notebooks as learners get them, and with the reference solutions pasted in.

nbval (run by `make test`) re-executes every notebook and compares the stored outputs; these
tests check what nbval cannot: the structure of each chapter, that untouched notebooks report
"not attempted" everywhere, and that the reference solutions pass every check in place.
"""

import importlib
import inspect
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from gdcourse.grading import exercises, get, reference

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
CHECK = re.compile(r"""^check\(\s*["']([^"']+)["']\s*,\s*(\w+)\s*\)\s*$""")
STUB = re.compile(r"^(?:def (\w+)\(|(\w+) = \.\.\.$)", re.M)
"""The first line a stub cell defines: ``def name(`` (a function to write) or ``name = ...``
(the value of a prediction, with NumPy's Ellipsis as "not attempted")."""

sys.path.insert(0, str(ROOT / "tools"))
import nbsource  # noqa: E402


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def checks_in(nb):
    """(exercise id, function name) of every check cell, in order."""
    found = []
    for cell in code_cells(nb):
        match = CHECK.match(cell.source.strip())
        if match:
            found.append(match.groups())
    return found


def test_chapters_are_numbered_in_order():
    """Chapters 1-10, then chapters 11-14 of the part "Gradient descent at work"."""
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{k:02d}" for k in range(1, 15)]


def test_notebooks_match_their_sources():
    problems = [p for s in sorted(nbsource.SRC.glob("*.md")) for p in nbsource.differences(s)]
    assert not problems, "\n".join(problems) + "\nrun: make notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_structure(path):
    nb = nbformat.read(path, as_version=4)
    cells = code_cells(nb)
    assert "google.colab" in cells[0].source and "remove-cell" in tags(cells[0]), \
        "the first code cell makes gdcourse importable on Colab"
    found = checks_in(nb)
    assert len(found) >= 4, "every chapter has at least four graded exercises"
    chapter = int(path.name[:2])
    for ex_id, name in found:
        assert ex_id in exercises(), f"unknown exercise {ex_id}"
        assert get(ex_id).chapter == chapter and get(ex_id).name == name
    stubs = [c for c in cells if "exercise-stub" in tags(c)]
    assert len(stubs) == len(found)
    for stub, (ex_id, name) in zip(stubs, found):
        assert stub_name(stub) == name, f"the stub before the check of {ex_id} defines {name}"
        if get(ex_id).kind == "function":
            assert "raise NotImplementedError" in stub.source
        else:
            assert re.search(rf"^{name} = \.\.\.$", stub.source, re.M), stub.source
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for ex_id, name in found:
        assert f":pyobject: {name}" in text, f"the solution of {ex_id} shows the reference"
    assert "## Summary" in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_has_alt_text(path):
    nb = nbformat.read(path, as_version=4)
    for k, cell in enumerate(code_cells(nb)):
        if any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt) > 20, f"{path.name}: code cell {k} draws a figure without alt text"


CODE_WIDTH = 88
"""Characters of a code line that the book's theme shows without a scroll bar."""
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_lines_fit_the_page(path):
    nb = nbformat.read(path, as_version=4)
    long = [line for cell in code_cells(nb) for line in cell.source.splitlines()
            if len(line) > CODE_WIDTH]
    assert not long, f"{path.name}: code lines wider than {CODE_WIDTH} characters: {long}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_untouched_notebook_reports_not_attempted_everywhere(path):
    nb = nbformat.read(path, as_version=4)
    for cell in code_cells(nb):
        if CHECK.match(cell.source.strip()):
            text = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
            assert "not attempted yet" in text, f"{path.name}: {cell.source!r} stored {text[:80]!r}"
        assert not any(o.output_type == "error" for o in cell.get("outputs", []))


def stub_name(cell):
    """The name of the function or value a stub cell defines."""
    match = STUB.search(cell.source)
    return match and (match.group(1) or match.group(2))


def solution_source(ex_id):
    """What a stub holds once solved: the reference's source, or, for a value exercise, the
    experiment of the same name in gdcourse.solutions followed by the line that runs it (on
    the chapter's objects of the names of its parameters)."""
    exercise = get(ex_id)
    if exercise.kind == "function":
        return inspect.getsource(reference(ex_id))
    module = importlib.import_module(f"gdcourse.solutions.ch{exercise.chapter:02d}")
    experiment = getattr(module, exercise.name)
    arguments = ", ".join(inspect.signature(experiment).parameters)   # the chapter's names
    return (f"{inspect.getsource(experiment)}\n\n"
            f"{exercise.name} = {exercise.name}({arguments})\n")


def solved_copy(nb):
    """The notebook with every exercise stub replaced by the reference solution's source."""
    ids = {name: ex_id for ex_id, name in checks_in(nb)}
    for cell in code_cells(nb):
        if "exercise-stub" in tags(cell):
            cell.source = solution_source(ids[stub_name(cell)])
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_reference_solutions_pass_every_check_in_the_notebook(path, tmp_path, monkeypatch):
    monkeypatch.setenv("GDCOURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))
    nb = solved_copy(nbformat.read(path, as_version=4))
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(BOOK)}}).execute()
    results = []
    for cell in code_cells(nb):
        if CHECK.match(cell.source.strip()):
            results.append("".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs))
    assert results and all(r.startswith("✓") and "passed" in r for r in results), results
