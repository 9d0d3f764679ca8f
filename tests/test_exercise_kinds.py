"""The exercises of chapters 5-8 that are not "implement this function" (issue 14):
predictions, experiments with a goal, and debugging.

test_exercises.py checks every exercise's reference and catalogued mistakes, and
test_notebooks.py the notebooks.  Here:

* the answer of every prediction is what its experiment (the solution function) gives;
* the reference settings of every goal pass on every hidden case, and each catalogued bad
  setting is decided far from the goal's threshold, so round-off cannot change a verdict;
* good settings pass and typical bad ones get the right explanation;
* the verdicts are the same when OpenBLAS and NumPy compute as other CPUs do.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gdcourse.grading import check, get, reference
from gdcourse.grading.core import tests_of as hidden_tests_of
from gdcourse.grading.hidden._experiments import REACHED

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import cross_cpu  # noqa: E402

PREDICTIONS = ["ch05.interpolation_race", "ch06.best_momentum", "ch07.chain_fate",
               "ch08.floor_ratio"]
# Each goal's outcome (the array its harness returns) -> its measure over the threshold
# (below 1: reached), or None where the run diverged.
GOALS = {
    "ch05.one_pass_settings": lambda out: out[1] / 4e-3 if out[0] != 1 else None,
    "ch06.valley_settings": lambda out: out[2] / 1e-8 if out[0] != 1 else None,
    "ch07.chain_rescue": lambda out: out[2] / 1e-12 if out[0] != 1 else None,
    "ch08.decreasing_steps": lambda out: out[1] if out[0] != 1 else None,
}


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    monkeypatch.setenv("GDCOURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))


# ----------------------------------------------------------------------------- predictions
def experiment_arguments(ex_id):
    """The objects of the chapter that the experiment of a prediction runs on."""
    from gdcourse.objectives import Function, LinearRegression, Quadratic
    if ex_id == "ch05.interpolation_race":
        from sklearn.datasets import load_diabetes
        from sklearn.preprocessing import StandardScaler
        X_raw, y_raw = load_diabetes(return_X_y=True, scaled=False)
        problem = LinearRegression(StandardScaler().fit_transform(X_raw),
                                   (y_raw - y_raw.mean()) / y_raw.std())
        return LinearRegression(problem.X, problem.Z @ problem.solution()), np.zeros(11)
    if ex_id == "ch06.best_momentum":
        return Quadratic.from_eigenvalues([1.0, 50.0], seed=4), np.array([-4.0, 3.0])
    if ex_id == "ch07.chain_fate":
        chain = Function(lambda w: 0.5 * (np.prod(w) - 2.0) ** 2,
                         lambda w: (np.prod(w) - 2.0) * np.prod(w) / w)
        return chain, np.full(20, 1.25)
    rng = np.random.default_rng(8)
    X = rng.standard_normal((400, 3)) * np.array([1.0, 0.7, 0.4])
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.5 + rng.normal(0.0, 0.5, 400)
    return LinearRegression(X, y), np.zeros(4)


def run_experiment(ex_id):
    chapter, name = ex_id.split(".")
    module = __import__(f"gdcourse.solutions.{chapter}", fromlist=[name])
    return getattr(module, name)(*experiment_arguments(ex_id))


@pytest.mark.parametrize("ex_id", PREDICTIONS)
def test_a_prediction_is_what_its_experiment_gives(ex_id, capsys):
    assert run_experiment(ex_id) == reference(ex_id)
    assert capsys.readouterr().out, "the experiment prints what it measured"
    assert check(ex_id, reference(ex_id)).passed


@pytest.mark.parametrize("ex_id", PREDICTIONS)
def test_every_wrong_choice_of_a_prediction_is_explained(ex_id):
    exercise = get(ex_id)
    wrong = ([c for c in exercise.choices if c != exercise.reference] if exercise.choices
             else [v for v in range(0, 17) if v != exercise.reference])
    for answer in wrong:
        result = check(ex_id, answer)
        assert not result.passed and result.hint, answer


# ----------------------------------------------------------------------------- goals
def outcomes(ex_id, settings):
    """The harness's outcome of the settings on every hidden case."""
    exercise = get(ex_id)
    return [exercise.run(lambda: settings, case.private_copy())
            for case in hidden_tests_of(exercise).cases]


@pytest.mark.parametrize("ex_id", GOALS)
def test_the_reference_reaches_the_goal_with_room_to_spare(ex_id):
    for outcome in outcomes(ex_id, reference(ex_id)()):
        assert outcome[0] == REACHED
        assert GOALS[ex_id](outcome) < 0.7, outcome


@pytest.mark.parametrize("ex_id", GOALS)
def test_no_catalogued_setting_is_decided_by_round_off(ex_id):
    for mistake in get(ex_id).mistakes:
        verdicts = outcomes(ex_id, mistake.code())
        assert any(outcome[0] != REACHED for outcome in verdicts), mistake.name
        for outcome in verdicts:
            measure = GOALS[ex_id](outcome)
            assert measure is None or not 0.9 < measure < 1.1, (mistake.name, outcome)


EXPLANATIONS = [
    ("ch05.one_pass_settings", (16, 0.08), None),
    ("ch05.one_pass_settings", (1, 0.1), "hovering around the minimum"),
    ("ch05.one_pass_settings", (1, 0.0005), "do not get close enough to the minimum"),
    ("ch05.one_pass_settings", (2000, 1.0), "do not get close enough to the minimum"),
    ("ch05.one_pass_settings", (1, 1.0), "the loss grew instead of falling"),
    ("ch05.one_pass_settings", (2.5, 0.01), "must be a whole number from 1 to 2000"),
    ("ch06.valley_settings", (0.05, 0.6), None),
    ("ch06.valley_settings", (0.1, 0.5), "diverged"),
    ("ch06.valley_settings", (1 / 50, 0.9), "too slow"),
    ("ch06.valley_settings", (0.05, 1.2), "must be a number in [0, 1)"),
    ("ch06.valley_settings", 0.05, "must return a tuple of 2 numbers (lr, momentum)"),
    ("ch07.chain_rescue", (0.01, 50.0), None),
    ("ch07.chain_rescue", (0.01, 1.0), "Every one of those 25 steps was clipped"),
    ("ch07.chain_rescue", (0.01, 1e30), "nothing was clipped"),
    ("ch07.chain_rescue", (0.05, 1000.0), "a clipped step is lr * max_norm = 50 long"),
    ("ch07.chain_rescue", (0.02, 100.0), "the gradients vanish"),
    ("ch07.chain_rescue", (0.03, 10.0), "the steps overshoot"),
    ("ch08.decreasing_steps", (1.0, 0.5), None),
    ("ch08.decreasing_steps", (2.0, 0.1), "Your first steps are too long"),
    ("ch08.decreasing_steps", (0.1, 4.0), "shrinks only like t^(-c)"),
    ("ch08.decreasing_steps", (1.0, 8.0), "stay short for long: lower k"),
    ("ch08.decreasing_steps", (10.0, 10.0), "the noise is not averaged down"),
]


@pytest.mark.parametrize("ex_id, settings, words", EXPLANATIONS)
def test_settings_get_the_right_verdict_and_explanation(ex_id, settings, words):
    result = check(ex_id, lambda: settings)
    if words is None:
        assert result.passed, str(result)
    else:
        assert not result.passed and words in result.summary, str(result)


# ----------------------------------------------------------------------------- other CPUs
SETTINGS = {ex_id: [s for e, s, _ in EXPLANATIONS if e == ex_id and isinstance(s, tuple)]
            for ex_id in GOALS}


def fingerprint() -> dict:
    """What the graders decide: each prediction's experiment, and the verdict of the goals'
    references, catalogued mistakes and test settings on every hidden case."""
    found = {ex_id: run_experiment(ex_id) for ex_id in PREDICTIONS}
    for ex_id in GOALS:
        candidates = ([reference(ex_id)()] + [m.code() for m in get(ex_id).mistakes]
                      + SETTINGS[ex_id])
        found[ex_id] = [[float(outcome[0]) if isinstance(outcome, np.ndarray) else -1.0
                         for outcome in outcomes(ex_id, settings)]
                        for settings in candidates]
    return found


VARIANTS = (cross_cpu.two_variants(cross_cpu.probe()[0], cross_cpu.runnable_kernels())
            if cross_cpu.runnable_kernels() else [])


@pytest.mark.skipif(not VARIANTS, reason="no other OpenBLAS kernel to force here")
def test_the_graders_decide_the_same_as_other_cpus_compute():
    script = ("import json, sys, contextlib, io; sys.path.insert(0, 'tests'); "
              "from test_exercise_kinds import fingerprint\n"
              "with contextlib.redirect_stdout(io.StringIO()):\n    found = fingerprint()\n"
              "print(json.dumps(found))")
    jobs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, text=True,
                             env={**os.environ, **variant.env}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE) for variant in VARIANTS]
    here = json.loads(json.dumps(fingerprint()))
    for variant, job in zip(VARIANTS, jobs):
        out, err = job.communicate(timeout=600)
        assert job.returncode == 0, err
        assert json.loads(out) == here, variant
