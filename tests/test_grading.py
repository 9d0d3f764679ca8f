"""The grader never breaks, never lies, and explains: bad answers of every kind, progress, CLI."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from gdcourse.grading import check, exercises, progress, reference
from gdcourse.grading import store
from gdcourse.grading.sandbox import BoundedWriter, run_guarded

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    path = tmp_path / "progress.json"
    monkeypatch.setenv("GDCOURSE_PROGRESS_FILE", str(path))
    return path


# ------------------------------------------------------------------ answers that are not answers
@pytest.mark.parametrize("bad, words", [
    (None, "got None"),
    ("gd_step", "got a str"),
    (3.5, "got a float"),
    ([1, 2], "got a list"),
])
def test_non_callable_answer_gets_a_message(bad, words):
    result = check("ch01.gd_step", bad)
    assert not result.passed and words in result.summary
    assert "without calling it" in result.summary


@pytest.mark.parametrize("returned, words", [
    (lambda w, g, lr: None, "returned None. Did you forget the `return`"),
    (lambda w, g, lr: "w - lr*g", "returned a str"),
    (lambda w, g, lr: list(w - lr * g), "returned a list; return a NumPy array"),
    (lambda w, g, lr: (w - lr * g).reshape(-1, 1), "shape"),
    (lambda w, g, lr: (w - lr * g).astype(int), "integer array"),
    (lambda w, g, lr: w * np.nan, "NaN or infinity"),
    (lambda w, g, lr: w * np.inf, "NaN or infinity"),
    (lambda w, g, lr: (w - lr * g).astype(complex), "dtype complex"),
])
def test_invalid_return_values_get_a_friendly_message(returned, words):
    result = check("ch01.gd_step", returned)
    assert not result.passed
    assert words in result.summary, result.summary


def test_scalar_exercise_rejects_arrays_and_strings():
    assert "single number" in check("ch01.mse_loss", lambda X, y, w, b: np.array([1.0])).summary
    assert "single number" in check("ch01.mse_loss", lambda X, y, w, b: "1.0").summary


def test_answer_that_raises_shows_only_the_learners_frames():
    def helper(w):
        return w / undefined_name  # noqa: F821

    def gd_step(w, grad, lr):
        return helper(w)

    result = check("ch01.gd_step", gd_step)
    assert not result.passed and "NameError" in result.summary
    assert "in gd_step" in result.traceback and "in helper" in result.traceback
    assert "gdcourse" not in result.traceback and "core.py" not in result.traceback


def test_infinite_loop_hits_the_time_limit_and_the_kernel_survives():
    def gd_step(w, grad, lr):
        while True:
            try:
                w = w + 0
            except Exception:       # a learner's broad except must not swallow the limit
                pass

    start = time.perf_counter()
    result = check("ch01.gd_step", gd_step)
    assert time.perf_counter() - start < 10
    assert not result.passed and "did not finish" in result.summary
    assert check("ch01.gd_step", reference("ch01.gd_step")).passed   # still works afterwards


def test_megabytes_of_output_are_truncated():
    def gd_step(w, grad, lr):
        print("x" * 3_000_000)
        return w - lr * grad

    result = check("ch01.gd_step", gd_step)
    assert result.passed
    assert result.printed_total >= 3_000_000 and len(result.printed) <= 1000
    assert "truncated" in str(result)


def test_in_place_modification_is_caught_and_hidden_data_is_safe():
    def gd_step(w, grad, lr):
        w -= lr * grad
        grad[:] = 0          # vandalise the hidden data too
        return w

    first = check("ch01.gd_step", gd_step)
    assert not first.passed and "in place" in first.summary
    assert any("private copy" in note for note in first.notes)
    assert check("ch01.gd_step", reference("ch01.gd_step")).passed


def test_mutation_is_only_a_note_where_it_does_not_matter():
    def quadratic_grad(A, b, w):
        g = A @ w - b
        w[...] = 0.0
        return g

    result = check("ch01.quadratic_grad", quadratic_grad)
    assert result.passed
    assert any("in place" in note for note in result.notes)


def test_system_exit_and_recursion_are_contained():
    def exits(w, grad, lr):
        sys.exit(3)

    def recurses(w, grad, lr):
        return recurses(w, grad, lr)

    assert "SystemExit" in check("ch01.gd_step", exits).summary
    assert "RecursionError" in check("ch01.gd_step", recurses).summary


def test_unknown_exercise_id_does_not_raise():
    result = check("ch01.gd_stpe", reference("ch01.gd_step"))
    assert not result.passed and result.status == "unknown"
    assert "gd_step" in result.summary
    assert check(42, None).status == "unknown"


def test_html_and_text_display():
    result = check("ch01.gd_step", lambda w, g, lr: w + lr * g)
    html = result._repr_html_()
    assert "gdcourse-failed" in html and "Hint:" in html
    assert str(result).startswith("✗ ch01.gd_step")
    assert repr(result) == str(result)
    assert check("ch01.gd_step", reference("ch01.gd_step"))._repr_html_().count("gdcourse-passed") == 1


def _luminance(colour):
    """WCAG 2 relative luminance of a colour #rrggbb."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a, b):
    bright, dark = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (bright + 0.05) / (dark + 0.05)


def test_the_old_grey_fails_wcag_aa_as_the_issue_says():
    assert 4.4 < _contrast("#6c757d", "#f8f9fa") < 4.5


def _stub(w, grad, lr):
    raise NotImplementedError


@pytest.mark.parametrize("ex_id, answer, status", [
    ("ch01.gd_step", reference("ch01.gd_step"), "passed"),
    ("ch01.gd_step", lambda w, g, lr: w, "failed"),
    ("ch01.gd_step", _stub, "not_attempted"),
    ("ch01.gd_stpe", _stub, "unknown")])
def test_every_status_line_meets_wcag_aa_contrast(ex_id, answer, status):
    """The headline of the HTML a check shows: its text colour on its background."""
    import re

    result = check(ex_id, answer)
    assert result.status == status
    html = result._repr_html_()
    background = re.search(r"background:(#[0-9a-fA-F]{6})", html).group(1)
    headline = re.search(r'<strong style="color:(#[0-9a-fA-F]{6})">', html).group(1)
    body = re.search(r";color:(#[0-9a-fA-F]{6})", html).group(1)
    assert _contrast(headline, background) >= 4.5
    assert _contrast(body, background) >= 4.5


# ------------------------------------------------------------------ diagnosis of uncatalogued errors
def test_generic_diagnosis_factor_two_sum_and_sign():

    def doubled(X, y, theta):
        return 2 * reference("ch01.linreg_gradient")(X, y, theta) + 0.0

    def summed(X, y, theta):
        r = X @ theta[1:] + theta[0] - y
        return np.concatenate([[r.sum()], X.T @ r])

    assert "twice" in check("ch01.linreg_gradient", doubled).hint
    assert "m" in check("ch01.linreg_gradient", summed).hint

    def half(A, b, w):
        return (A @ w - b) / 2

    assert "half" in check("ch01.quadratic_grad", half).hint


def test_wrong_answer_without_known_shape_of_error_has_no_false_hint():
    result = check("ch01.quadratic_grad", lambda A, b, w: A @ w - b + 0.01)
    assert not result.passed and result.hint is None


def test_passed_only_when_every_case_passes():
    """Right on random cases but wrong on an edge case (a single sample) must fail."""
    def mse_loss(X, y, w, b):
        if len(y) == 1:
            return 0.0
        r = X @ w + b - y
        return r @ r / (2 * len(y))

    result = check("ch01.mse_loss", mse_loss)
    assert not result.passed and "1 of" in result.summary


# ------------------------------------------------------------------ sandbox details
def test_bounded_writer_counts_everything_but_keeps_little():
    out = BoundedWriter(limit=10)
    out.write("a" * 7)
    out.write("b" * 7)
    assert out.text == "a" * 7 + "bbb" and out.total == 14 and out.truncated


def test_run_guarded_returns_values_and_errors():
    assert run_guarded(lambda: 5).value == 5
    outcome = run_guarded(lambda: 1 / 0)
    assert isinstance(outcome.error, ZeroDivisionError) and not outcome.ok


# ------------------------------------------------------------------ progress
def test_progress_records_attempts_and_is_atomic(private_progress):
    check("ch01.gd_step", reference("ch01.gd_step"))
    check("ch01.mse_loss", lambda X, y, w, b: 0.0)
    data = json.loads(private_progress.read_text())
    assert data["exercises"]["ch01.gd_step"]["status"] == "passed"
    assert data["exercises"]["ch01.mse_loss"]["status"] == "failed"
    table = progress()
    assert table.n_passed == 1 and len(table.rows) == len(exercises())
    text = str(table)
    assert "✓ passed" in text and "✗ failed" in text and "○ not attempted" in text
    assert "<table>" in table._repr_html_()
    assert not list(private_progress.parent.glob(".progress-*.tmp")), "temporary file left behind"


def test_not_attempted_is_not_recorded(private_progress):
    def gd_step(w, grad, lr):
        raise NotImplementedError

    check("ch01.gd_step", gd_step)
    assert not private_progress.exists()


def test_corrupt_progress_file_is_set_aside(private_progress):
    private_progress.write_text('{"version": 1, "exercises": {"ch01.gd_st')   # killed mid-write
    result = check("ch01.gd_step", reference("ch01.gd_step"))
    assert result.passed
    assert any("could not be read" in note for note in result.notes)
    assert list(private_progress.parent.glob("progress.json.corrupt-*"))
    assert json.loads(private_progress.read_text())["exercises"]["ch01.gd_step"]["status"] == "passed"


def test_write_failure_loses_nothing_already_recorded(private_progress, monkeypatch):
    check("ch01.gd_step", reference("ch01.gd_step"))
    before = private_progress.read_text()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    result = check("ch01.mse_loss", reference("ch01.mse_loss"))
    assert result.passed and any("could not be saved" in n for n in result.notes)
    assert private_progress.read_text() == before
    assert not list(private_progress.parent.glob(".progress-*.tmp"))


def test_unwritable_location_does_not_break_check(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("GDCOURSE_PROGRESS_FILE", str(blocker / "progress.json"))
    result = check("ch01.gd_step", reference("ch01.gd_step"))
    assert result.passed and any("could not be saved" in n for n in result.notes)


def test_store_roundtrip(tmp_path):
    path = tmp_path / "p.json"
    store.save({"x": {"status": "passed"}}, path)
    assert store.load(path) == ({"x": {"status": "passed"}}, None)


# ------------------------------------------------------------------ command line
CHAPTER_1 = sum(ex_id.startswith("ch01.") for ex_id in exercises())


def _cli(*args, env_file):
    env = {**os.environ, "GDCOURSE_PROGRESS_FILE": str(env_file)}
    return subprocess.run([sys.executable, "-m", "gdcourse.grading", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=600)


def test_cli_grades_a_solved_notebook(tmp_path, private_progress):
    import nbformat
    from test_notebooks import solved_copy

    nb = solved_copy(nbformat.read(ROOT / "book" / "01_basics.ipynb", as_version=4))
    solved = tmp_path / "01_solved.ipynb"
    nbformat.write(nb, solved)
    done = _cli(str(solved), env_file=private_progress)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{CHAPTER_1} of {CHAPTER_1} exercises passed" in done.stdout
    assert json.loads(private_progress.read_text())["exercises"]["ch01.gd_step"]["status"] == "passed"


def test_cli_fails_on_unsolved_notebook_and_missing_file(tmp_path):
    done = _cli("book/01_basics.ipynb", "book/missing.ipynb", env_file=tmp_path / "p.json")
    assert done.returncode == 1
    assert f"0 of {CHAPTER_1} exercises passed" in done.stdout
    assert "no such notebook" in done.stdout
    assert "your function still raises NotImplementedError" in done.stdout
    assert "your answer is still `...`" in done.stdout          # a prediction not yet made


# ------------------------------------------------------------------ value exercises
@pytest.fixture
def value_exercise():
    from gdcourse.grading import Exercise, Mistake, register
    from gdcourse.grading.core import _REGISTRY

    exercise = register(Exercise(
        id="ch01.demo_value", title="A value", reference=0.25, kind="value", output="scalar",
        what="the number", mistakes=[Mistake("doubled", 0.5, "twice"), Mistake("neg", -0.25, "sign"),
                                     Mistake("tiny", 0.025, "decimal point")]))
    yield exercise
    del _REGISTRY[exercise.id]


def test_value_exercise_accepts_value_and_rejects_a_function(value_exercise):
    assert check("ch01.demo_value", 0.25).passed
    assert check("ch01.demo_value", ...).status == "not_attempted"
    function = check("ch01.demo_value", lambda: 0.25)
    assert not function.passed and "got a function" in function.summary
    assert check("ch01.demo_value", 0.5).hint == "twice"
    assert check("ch01.demo_value", 0.025).hint == "decimal point"
    assert "single number" in check("ch01.demo_value", "0.25").summary
    assert "Your answer is None" in check("ch01.demo_value", None).summary
    assert not check("ch01.demo_value", float("nan")).passed
