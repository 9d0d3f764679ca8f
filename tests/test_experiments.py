"""The experiment exercises: good settings reach the goal, typical bad ones get the right
explanation, and the verdicts are the same as other CPUs compute them.

An experiment exercise asks for settings (a learning rate and a number of steps, a schedule,
...); its hidden harness runs the experiment again with them on every hidden case and returns a
verdict: "reached", or the word for what went wrong, which the check's message explains.  The
prediction exercises (kind "value") are checked here too: their answer is what an experiment
gives, computed when the grader is imported, so it must not depend on the CPU either.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gdcourse import schedules
from gdcourse.grading import check, exercises, get, reference

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import cross_cpu  # noqa: E402

# exercise -> [(settings, the verdict expected on every hidden case)]
SETTINGS = {
    "ch01.bowl_settings": [
        ((2 / 7, 40), "reached"), ((0.25, 40), "reached"), ((0.28, 36), "reached"),
        ((0.35, 40), "diverged"), ((1.0, 10), "diverged"),
        ((0.1, 40), "too slow"), ((0.2, 40), "too slow"), ((0.25, 20), "too slow"),
        ((0.3, 40), "zig-zagging"), ((0.32, 40), "zig-zagging"),
        ((0.25, 41), "over budget"),
    ],
    "ch02.difference_settings": [
        (("central", 3e-6), "reached"), (("central", 1e-6), "reached"),
        (("central", 8e-6), "reached"),
        (("central", 1e-2), "too large"), (("central", 1e-4), "too large"),
        (("central", 1e-12), "too small"), (("central", 1e-8), "too small"),
        (("forward", 1e-6), "forward"), (("forward", 1e-9), "forward"),
    ],
    "ch03.scaling_settings": [
        (("standardized", 1.0, 40), "reached"), (("standardized", 0.85, 40), "reached"),
        (("standardized", 1.0, 32), "reached"),
        (("raw", 0.01, 40), "ill-conditioned"), (("centred only", 1.0, 40), "ill-conditioned"),
        (("scaled only", 0.02, 40), "ill-conditioned"),
        (("raw", 0.06, 40), "diverged"), (("standardized", 2.0, 40), "diverged"),
        (("standardized", 0.3, 40), "too slow"), (("standardized", 0.9, 15), "too slow"),
        (("standardized", 1.2, 40), "zig-zagging"),
        (("standardized", 1.0, 41), "over budget"),
    ],
    "ch04.sgd_schedule": [
        (schedules.InverseTimeDecay(0.05, k=0.05), "reached"),
        (schedules.ExponentialDecay(0.05, 0.998), "reached"),
        (schedules.Constant(0.05), "noise floor"), (schedules.Constant(0.002), "noise floor"),
        (schedules.ExponentialDecay(0.05, 0.99), "froze"),
        (schedules.Constant(1e-4), "froze"),
        (schedules.Constant(0.2), "diverged"),
    ],
}
INVALID = {
    "ch01.bowl_settings": [
        ([0.25, 40, 1], "the tuple (lr, n_steps), but it returned a list of 3 values"),
        ((0.25, 40.0), "n_steps must be a Python int, got a float"),
        ((0.25, np.int64(40)), "n_steps must be a Python int, got a NumPy int64"),
        ((-0.1, 40), "lr must be a number > 0, got -0.1"),
        (("0.25", 40), "lr must be a number, got a str"),
        ((0.25, 0), "n_steps must be at least 1, got 0"),
        (None, "the tuple (lr, n_steps), but it returned None"),
    ],
    "ch02.difference_settings": [
        (("backward", 1e-5), "method must be one of 'central', 'forward', got 'backward'"),
        (("central", 0.0), "h must be a number > 0, got 0.0"),
        (("central",), "the tuple (method, h), but it returned a tuple of 1 values"),
    ],
    "ch03.scaling_settings": [
        (("normalized", 1.0, 40), "features must be one of 'raw', 'centred only'"),
        (("standardized", float("nan"), 40), "lr must be a number > 0, got nan"),
    ],
    "ch04.sgd_schedule": [
        (0.05, "must return a schedule, a function of the step t, but it returned a float"),
        (lambda t: -0.01, "but your schedule gave -0.01 at t = 0"),
        (lambda t: float("nan") if t == 7 else 0.01, "but your schedule gave nan at t = 7"),
        (lambda t: None, "but your schedule gave None at t = 0"),
    ],
}
EXPERIMENTS = [ex_id for ex_id in exercises() if get(ex_id).run is not None
               and "reached" in get(ex_id).choices]
PREDICTIONS = [ex_id for ex_id in exercises() if get(ex_id).kind == "value"]


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    monkeypatch.setenv("GDCOURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))


def returning(settings):
    """A learner's answer that returns ``settings``."""
    def answer():
        return settings
    return answer


def verdicts(ex_id, settings) -> list[str]:
    """The verdict of the hidden harness on each hidden case, as words."""
    exercise = get(ex_id)
    return [str(exercise.run(returning(settings), case)) for case in exercise.all_cases()]


def verdict_table() -> dict:
    """Every verdict of SETTINGS and every prediction's answer, keyed by words (what the
    cross-CPU test compares between this process and the others)."""
    table = {f"{ex_id} {settings!r}": verdicts(ex_id, settings)
             for ex_id, rows in SETTINGS.items() for settings, _ in rows}
    table.update({ex_id: reference(ex_id) for ex_id in PREDICTIONS})
    return table


def hint_for(ex_id, word):
    """The hint of the catalogued mistake whose verdict is ``word`` on every case."""
    exercise = get(ex_id)
    for mistake in exercise.mistakes:
        if set(verdicts(ex_id, mistake.code())) == {word}:
            return mistake.hint
    return None


def test_every_experiment_and_prediction_is_covered_here():
    assert sorted(SETTINGS) == sorted(INVALID) == sorted(EXPERIMENTS)
    assert len(EXPERIMENTS) >= 4 and len(PREDICTIONS) >= 4
    for ex_id in EXPERIMENTS:
        words = {word for _, word in SETTINGS[ex_id]}
        assert words == set(get(ex_id).choices) - {"invalid"}, "every verdict is tried"


@pytest.mark.parametrize("ex_id, settings, word",
                         [(ex_id, s, w) for ex_id, rows in SETTINGS.items() for s, w in rows],
                         ids=lambda value: repr(value)[:40])
def test_settings_get_their_verdict_and_its_explanation(ex_id, settings, word):
    assert verdicts(ex_id, settings) == [word] * len(get(ex_id).all_cases())
    result = check(ex_id, returning(settings))
    if word == "reached":
        assert result.passed, str(result)
        return
    first = get(ex_id).run(returning(settings), get(ex_id).all_cases()[0])
    assert not result.passed and result.summary.startswith(first.message)
    assert word in result.summary and "reached" not in result.summary
    hint = hint_for(ex_id, word)
    assert hint is not None and result.hint == hint, f"{word}: {result.hint}"


@pytest.mark.parametrize("ex_id, settings, words",
                         [(ex_id, s, w) for ex_id, rows in INVALID.items() for s, w in rows],
                         ids=lambda value: repr(value)[:40])
def test_settings_of_the_wrong_form_are_invalid_and_told_why(ex_id, settings, words):
    result = check(ex_id, returning(settings))
    assert not result.passed
    assert result.summary.startswith("Your settings are invalid: ") and words in result.summary


def test_missed_targets_say_by_how_much():
    result = check("ch01.bowl_settings", returning((0.1, 40)))
    assert "times the target 1e-8" in result.summary and "lr = 0.9" in result.summary
    result = check("ch03.scaling_settings", returning(("raw", 0.04, 40)))
    assert "kappa = 3800" in result.summary and "2.6e4 steps" in result.summary
    result = check("ch04.sgd_schedule", returning(schedules.Constant(0.05)))
    assert "on average over 16 runs" in result.summary and "rate was still about 0.05" \
        in result.summary


def test_a_schedule_that_raises_is_reported_as_the_learners_error():
    def schedule(t):
        raise ZeroDivisionError("division by zero")

    result = check("ch04.sgd_schedule", returning(schedule))
    assert not result.passed and "raised ZeroDivisionError" in result.summary


def test_the_experiments_need_their_budget():
    """Budgets that matter: the reference needs more than a few steps or epochs, and the goal
    cannot be reached with the rate the chapter started from."""
    assert not check("ch01.bowl_settings", returning((2 / 7, 20))).passed
    assert not check("ch01.bowl_settings", returning((0.15, 40))).passed
    assert not check("ch03.scaling_settings", returning(("standardized", 1.0, 20))).passed


@pytest.mark.skipif(not cross_cpu.runnable_kernels(), reason="no OpenBLAS kernel to force here")
def test_verdicts_and_predictions_are_the_same_on_other_cpus():
    """The table of verdicts computed in fresh Pythons that compute as other CPUs do (the
    variants of tools/cross_cpu.py: Prescott with NumPy's baseline SIMD and one thread, and
    another kernel) equals this process's."""
    here = verdict_table()
    default = cross_cpu.probe()
    variants = cross_cpu.verified(cross_cpu.two_variants(default[0],
                                                        cross_cpu.runnable_kernels()), default)
    script = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'tests')!r}); "
              f"import test_experiments as t; print(json.dumps(t.verdict_table()))")
    jobs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, text=True,
                             env={**os.environ, **variant.env}, stdout=subprocess.PIPE)
            for variant in variants]
    for variant, job in zip(variants, jobs):
        out, _ = job.communicate(timeout=600)
        assert job.returncode == 0, variant.name
        assert json.loads(out) == here, variant.name
