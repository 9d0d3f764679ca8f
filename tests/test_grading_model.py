"""The exercise model: fields checked at registration, hidden cases that nothing can change, the
reference run once and inside the sandbox, and grader code kept readable."""

import threading
from pathlib import Path

import numpy as np
import pytest

from gdcourse.grading import Case, Exercise, Mistake, check, register
from gdcourse.grading.exercise import _REGISTRY, OUTPUTS

GRADING = Path(__file__).resolve().parents[1] / "gdcourse" / "grading"


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    monkeypatch.setenv("GDCOURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))


@pytest.fixture
def registered():
    """Register exercises for one test and remove them afterwards."""
    added = []

    def add(**fields):
        exercise = register(Exercise(**{"id": "ch01.demo", "title": "Demo", "what": "demo",
                                        **fields}))
        added.append(exercise.id)
        return exercise

    yield add
    for ex_id in added:
        del _REGISTRY[ex_id]


def double(x):
    return 2 * x


@pytest.mark.parametrize("fields, words", [
    ({"output": "scaler"}, "output must be one of 'array', 'scalar'"),
    ({"output": "scaler"}, "did you mean 'scalar'?"),
    ({"kind": "funtion"}, "kind must be one of 'function', 'value'"),
    ({"output": "choice"}, "choices are given exactly when output='choice'"),
    ({"choices": ("a", "b")}, "choices are given exactly when output='choice'"),
    ({"output": "any"}, "output='any' needs a compare hook"),
    ({"rtol": -1e-9}, "rtol must be a number >= 0"),
    ({"seconds": 0}, "seconds must be a number > 0"),
    ({"mistakes": [("doubled", double, "hint")]}, "mistakes must hold Mistake objects"),
    ({"edge_cases": [((1.0,), {})]}, "edge_cases must hold Case objects"),
    ({"run": "double"}, "run must be a function or None"),
])
def test_register_refuses_an_exercise_it_could_not_grade(registered, fields, words):
    with pytest.raises(ValueError, match=None) as error:
        registered(reference=double, **fields)
    assert words in str(error.value)
    assert "ch01.demo" not in _REGISTRY


def test_every_output_kind_is_documented():
    assert set(OUTPUTS) == {"array", "scalar", "int", "bool", "choice", "any"}


def test_the_reference_runs_once_per_case_and_inside_the_sandbox(registered):
    calls = []

    def reference(x):
        calls.append(threading.current_thread().name)
        return 2 * x

    registered(reference=reference, edge_cases=[Case((np.arange(3.0),)), Case((np.ones(2),))],
               mistakes=[Mistake("tripled", lambda x: 3 * x, "three")])
    assert check("ch01.demo", lambda x: 2 * x).passed
    assert check("ch01.demo", lambda x: 3 * x).hint == "three"
    assert check("ch01.demo", lambda x: 4 * x).hint is not None
    assert calls == ["gdcourse-answer"] * 2, "once per case, in the sandbox's worker thread"


def test_hidden_case_arrays_can_never_be_written():
    case = Case((np.arange(3.0),), {"w": np.ones(2)})
    for array in (case.args[0], case.kwargs["w"]):
        with pytest.raises(ValueError):
            array[0] = 5.0
        with pytest.raises(ValueError):
            array.flags.writeable = True
    private = case.private_copy()
    private.args[0][0] = 5.0                       # the answer's own copy is writable
    assert case.args[0][0] == 0.0


def test_exercises_are_frozen():
    from gdcourse.grading import get

    with pytest.raises(AttributeError):
        get("ch01.mse_loss").rtol = 1.0
    assert isinstance(get("ch01.mse_loss").mistakes, tuple)


def test_no_line_of_the_grader_is_longer_than_100_characters():
    long = [f"{path.relative_to(GRADING)}:{number}"
            for path in sorted(GRADING.rglob("*.py"))
            for number, line in enumerate(path.read_text().splitlines(), start=1)
            if len(line) > 100]
    assert not long, long


def test_hidden_chapters_share_their_helpers():
    """No helper is defined twice across the chapter files (they live in hidden/_common.py)."""
    import re

    seen = {}
    for path in sorted((GRADING / "hidden").glob("ch*.py")):
        for name in re.findall(r"^def (_\w+)\(", path.read_text(), flags=re.M):
            seen.setdefault(name, []).append(path.name)
    twice = {name: files for name, files in seen.items() if len(files) > 1}
    assert not twice, twice
