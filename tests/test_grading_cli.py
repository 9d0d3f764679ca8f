"""`python -m gdcourse.grading NOTEBOOK`: a notebook the way learners leave them.

One notebook holds everything that used to go wrong: a cell that never finishes (its loop
swallows even the kernel's interrupt), an exercise whose check was deleted, a wrong answer, and
an answer that hangs inside `check`.  The command must survive, grade every exercise of the
chapter, say what is wrong with each, exit with 1, and print no kernel warnings.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gdcourse.grading import exercises, get
from test_notebooks import solution_source, stub_name

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_1 = sum(ex_id.startswith("ch01.") for ex_id in exercises())

NEVER_ENDS = """\
while True:          # even KeyboardInterrupt is swallowed: the kernel must be replaced
    try:
        pass
    except:
        pass
"""

HANGS_IN_CHECK = """\
def parabola_descent(w0, lr, n_steps):
    path = [w0]
    while True:
        try:
            path.append(path[-1] - lr * 2 * (path[-1] - 3))
        except:
            pass
"""


def learners_notebook(tmp_path) -> Path:
    nb = nbformat.read(ROOT / "book" / "01_basics.ipynb", as_version=4)
    for cell in nb.cells:
        if "exercise-stub" in cell.get("metadata", {}).get("tags", []):
            name = stub_name(cell)
            cell.source = solution_source(f"ch01.{name}")
            if name == "gd_step":
                cell.source = cell.source.replace("w - lr * grad", "w + lr * grad")
            if name == "parabola_descent":
                cell.source = HANGS_IN_CHECK
    nb.cells = [c for c in nb.cells if 'check("ch01.mse_loss"' not in c.source]
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first_code + 2, nbformat.v4.new_code_cell(NEVER_ENDS))
    path = tmp_path / "01_basics.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("cli")
    progress = tmp_path / "progress.json"
    env = {**os.environ, "GDCOURSE_PROGRESS_FILE": str(progress)}
    done = subprocess.run([sys.executable, "-m", "gdcourse.grading",
                           str(learners_notebook(tmp_path)), "--timeout", "15"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    return done, progress


def test_the_command_survives_a_cell_that_never_finishes(graded):
    done, _ = graded
    assert "Traceback" not in done.stdout + done.stderr
    assert "  code cell 3 (while True:" in done.stdout
    assert ") did not finish in 15 s: it was skipped, and the notebook run again without it" \
        in done.stdout


def test_every_exercise_of_the_chapter_is_reported_and_the_exit_code_says_so(graded):
    done, _ = graded
    assert done.returncode == 1
    wrong = 3                   # gd_step, parabola_descent and mse_loss, whose check is gone
    assert f"{CHAPTER_1 - wrong} of {CHAPTER_1} exercises passed" in done.stdout
    assert "○ not attempted  ch01.mse_loss" in done.stdout
    assert 'Not graded: there is no check("ch01.mse_loss", ...) in this notebook.' in done.stdout


def test_each_failure_says_what_is_wrong_and_gives_the_hint(graded):
    done, _ = graded
    gd_step = get("ch01.gd_step").mistakes[0].hint
    assert "✗ failed         ch01.gd_step" in done.stdout
    assert "Your function returned a wrong value." in done.stdout
    assert f"Hint: {gd_step}" in done.stdout


def test_an_answer_that_hangs_gets_the_same_message_as_in_jupyter(graded):
    done, _ = graded
    assert "✗ failed         ch01.parabola_descent" in done.stdout
    assert "Your function did not finish in 2 s on " in done.stdout


def test_no_kernel_warnings_are_printed(graded):
    done, _ = graded
    assert done.stderr == ""
    assert "WARNING" not in done.stdout and "IPKernelApp" not in done.stdout


def test_the_results_reach_the_learners_progress_file(graded):
    _, progress = graded
    records = json.loads(progress.read_text())["exercises"]
    assert records["ch01.quadratic_grad"]["status"] == "passed"
    assert records["ch01.gd_step"]["status"] == "failed" and records["ch01.gd_step"]["hint"]
    assert "ch01.mse_loss" not in records


def test_without_the_notebook_extra_the_command_says_what_to_install(monkeypatch, capsys):
    from gdcourse.grading import __main__ as cli

    monkeypatch.setattr(cli, "NOTEBOOK_NEEDS", ("nbformat", "no_such_kernel_package"))
    status = cli.main([str(ROOT / "book" / "01_basics.ipynb")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.strip() == ("Grading a notebook needs no_such_kernel_package, which are not "
                           'installed: pip install "gdcourse[notebook]"')


def test_gdcourse_imports_without_the_notebook_extra():
    """Pyodide has no kernel, nbformat or nbclient: nothing of gdcourse imports them."""
    blocked = ["nbformat", "nbclient", "ipykernel", "IPython", "jupyter_client", "zmq", "tqdm"]
    script = ("import sys, pkgutil, importlib\n"
              f"for name in {blocked!r}:\n"
              "    sys.modules[name] = None\n"
              "import gdcourse\n"
              "for info in pkgutil.walk_packages(gdcourse.__path__, 'gdcourse.'):\n"
              "    importlib.import_module(info.name)\n"
              "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "MPLBACKEND": "Agg"})
    assert done.stdout.strip() == "ok", done.stderr[-800:]
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needs = {dep.split(">")[0].split("=")[0] for dep in project["dependencies"]}
    assert not needs & {"nbformat", "nbclient", "ipykernel", "ipython"}
    extra = {dep.split(">")[0] for dep in project["optional-dependencies"]["notebook"]}
    assert extra == {"nbformat", "nbclient", "ipykernel", "ipython"}
