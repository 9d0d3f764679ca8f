"""One-line attempts to fool the grader, by accident or on purpose: reading the expected output
from the grader's frames, rewriting hidden cases, replacing the grader's functions or an
exercise's tolerance.  Each must fail, or be noticed and undone, and later checks must be the
real ones."""

import sys

import numpy as np
import pytest

import gdcourse.grading.core as core
import gdcourse.grading.outputs as outputs
from gdcourse.grading import Exercise, check, get, reference
from gdcourse.grading.exercise import _REGISTRY
from gdcourse.solutions import ch01 as sol


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    monkeypatch.setenv("GDCOURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))


def wrong_step(w, grad, lr):
    return w + lr * grad


def frames_above():
    """Every frame above the caller's caller, as far as the answer can see."""
    frame = sys._getframe(2)
    while frame is not None:
        yield frame
        frame = frame.f_back


def everything_in(frame):
    for value in frame.f_locals.values():
        yield value
        if isinstance(value, (tuple, list)):
            yield from value
        yield from getattr(value, "__dict__", {}).values()


# ------------------------------------------------------------------ frames and cases
def test_the_grader_frames_are_out_of_the_answers_reach():
    seen = []

    def gd_step(w, grad, lr):
        for frame in frames_above():
            seen.extend(everything_in(frame))
            if "expected" in frame.f_locals:                    # the one-liner
                return frame.f_locals["expected"]
        return wrong_step(w, grad, lr)

    result = check("ch01.gd_step", gd_step)
    assert not result.passed
    assert seen and not any(isinstance(value, (Exercise, core._Tests)) for value in seen)
    assert all(value is not get("ch01.gd_step").reference for value in seen)


def test_rewriting_every_array_in_reach_changes_no_later_check():
    def vandal(w, grad, lr):
        for frame in frames_above():
            for value in everything_in(frame):
                if isinstance(value, np.ndarray):
                    try:
                        value[...] = 0.0
                    except ValueError:
                        pass
        return w - lr * grad

    check("ch01.gd_step", vandal)
    assert check("ch01.gd_step", reference("ch01.gd_step")).passed
    assert not check("ch01.gd_step", wrong_step).passed


def test_hidden_case_arrays_are_read_only():
    case = get("ch01.gd_step").edge_cases[0]
    with pytest.raises(ValueError, match="read-only"):
        case.args[0][:] = 0.0
    with pytest.raises(ValueError):
        case.args[0].flags.writeable = True


def test_objects_in_hidden_cases_are_copied_from_an_untouched_original():
    rng = get("ch05.minibatch_indices").edge_cases[0].args[2]
    rng.permutation(100)                        # advances the case's own generator
    assert check("ch05.minibatch_indices", reference("ch05.minibatch_indices")).passed


# ------------------------------------------------------------------ the grader's own code
@pytest.fixture
def restore():
    """Undo, after the test, whatever the test replaced (in case the grader did not)."""
    saved = []

    def remember(owner, name):
        saved.append((owner, name, getattr(owner, name)))

    yield remember
    for owner, name, value in saved:
        object.__setattr__(owner, name, value) if isinstance(owner, Exercise) else \
            setattr(owner, name, value)


@pytest.mark.parametrize("owner, name", [(core, "same_output"), (outputs, "values_close"),
                                         (np, "allclose"), (core, "_problem")])
def test_replacing_a_grader_function_is_noticed_and_undone(restore, owner, name):
    restore(owner, name)
    setattr(owner, name, lambda *args, **kwargs: True if name != "_problem" else None)
    result = check("ch01.gd_step", wrong_step)
    assert not result.passed
    assert any("changed the grader" in note and name in note for note in result.notes)
    assert not check("ch01.gd_step", wrong_step).notes            # put back once, for good


def test_a_tolerance_cannot_be_loosened(restore):
    exercise = get("ch01.mse_loss")
    with pytest.raises(AttributeError):
        exercise.rtol = 1.0
    restore(exercise, "rtol")
    object.__setattr__(exercise, "rtol", 1e9)
    result = check("ch01.mse_loss", lambda X, y, w, b: 0.0)
    assert not result.passed
    assert any("the rtol of ch01.mse_loss" in note for note in result.notes)
    assert get("ch01.mse_loss").rtol == 1e-9


def test_replacing_an_exercise_or_its_reference_is_undone(restore):
    restore(sol.gd_step, "__code__")
    sol.gd_step.__code__ = wrong_step.__code__
    result = check("ch01.gd_step", wrong_step)
    assert not result.passed and any("the code of" in note for note in result.notes)
    original = _REGISTRY["ch01.gd_step"]
    _REGISTRY["ch01.gd_step"] = Exercise(id="ch01.gd_step", title="t", what="w",
                                         reference=wrong_step)
    try:
        assert not check("ch01.gd_step", wrong_step).passed
    finally:
        _REGISTRY["ch01.gd_step"] = original


def test_an_answer_that_changes_the_grader_while_checked_fails(restore):
    restore(outputs, "values_close")

    def gd_step(w, grad, lr):
        outputs.values_close = lambda *args, **kwargs: True
        return w + lr * grad

    result = check("ch01.gd_step", gd_step)
    assert not result.passed
    assert "changed the grader itself while it was being checked" in result.summary
    assert outputs.values_close is not None and check("ch01.gd_step", sol.gd_step).passed
