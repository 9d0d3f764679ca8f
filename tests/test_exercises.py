"""Every registered exercise: the reference passes, a stub is 'not attempted', and every
catalogued mistake -- written as code -- is rejected with its own hint."""

import html
import importlib
import inspect
import re

import numpy as np
import pytest

from gdcourse.grading import check, exercises, get, reference

IDS = exercises()
MISTAKES = [(ex_id, k) for ex_id in IDS for k in range(len(get(ex_id).mistakes))]


def stub(*args, **kwargs):
    raise NotImplementedError


def test_every_chapter_has_at_least_four_exercises():
    chapters = {}
    for ex_id in IDS:
        chapters.setdefault(get(ex_id).chapter, []).append(ex_id)
    assert chapters, "no exercises registered"
    assert all(len(ids) >= 4 for ids in chapters.values()), chapters


@pytest.mark.parametrize("ex_id", IDS)
def test_reference_passes(ex_id):
    result = check(ex_id, reference(ex_id))
    assert result.passed, str(result)
    assert result.n_cases >= 3 or get(ex_id).kind == "value"


@pytest.mark.parametrize("ex_id", IDS)
def test_stub_is_not_attempted(ex_id):
    answer = stub if get(ex_id).kind == "function" else ...
    result = check(ex_id, answer)
    assert result.status == "not_attempted", str(result)
    assert not result.passed
    assert "not attempted" in str(result)


@pytest.mark.parametrize("ex_id", IDS)
def test_catalogue_has_three_typical_mistakes(ex_id):
    mistakes = get(ex_id).mistakes
    assert len(mistakes) >= 3
    assert len({m.hint for m in mistakes}) == len(mistakes), "each mistake needs its own hint"


@pytest.mark.parametrize("ex_id, k", MISTAKES)
def test_catalogued_mistake_is_rejected_with_its_hint(ex_id, k):
    mistake = get(ex_id).mistakes[k]
    result = check(ex_id, mistake.code)
    assert not result.passed, f"{mistake.name} was accepted"
    assert result.hint == mistake.hint, f"{mistake.name}: got hint {result.hint!r}\n{result}"


def _output(exercise, function, case):
    return (exercise.run(function, case) if exercise.run else
            function(*case.args, **case.kwargs))


@pytest.mark.parametrize("ex_id", IDS)
def test_messages_never_reveal_expected_values(ex_id):
    """A wrong answer's message must not contain the reference's numbers (or, for answers
    that are one of several names, the right name)."""
    exercise = get(ex_id)
    if exercise.kind == "value":           # the feedback on every catalogued wrong answer
        for mistake in exercise.mistakes:
            result = check(ex_id, mistake.code)
            shown = str(result) + html.unescape(re.sub(r"<[^>]*>", " ", result._repr_html_()))
            answer = re.escape(repr(exercise.reference))
            assert not re.search(rf"(?<![\w.]){answer}(?![\w]|\.\d)", shown), shown
        return
    wrong = exercise.mistakes[0].code
    result = check(ex_id, wrong)
    text = str(result) + result._repr_html_()
    if exercise.output == "choice":
        for case in exercise.all_cases():
            expected, got = _output(exercise, exercise.reference, case), _output(exercise, wrong, case)
            if expected != got:
                assert repr(expected) not in result.summary and repr(got) in result.summary
                break
    else:
        for case in exercise.all_cases()[:3]:
            expected = np.atleast_1d(np.asarray(_output(exercise, exercise.reference, case),
                                                dtype=float)).ravel()
            for value in expected[:5]:
                if abs(value) > 1e-6 and not float(value).is_integer():
                    assert f"{value:.4f}" not in text
    assert "def " not in text and "lambda" not in text


@pytest.mark.parametrize("ex_id", IDS)
def test_reference_is_self_contained_source(ex_id):
    """The book shows the reference via literalinclude; the solution test pastes its source
    into the notebook, so it must be a plain function of the same name as the exercise.  For
    a value exercise that function is the experiment, and its result is the reference."""
    exercise = get(ex_id)
    ref = reference(ex_id)
    if exercise.kind == "value":
        module = importlib.import_module(f"gdcourse.solutions.ch{exercise.chapter:02d}")
        ref = getattr(module, exercise.name)
        if not inspect.signature(ref).parameters:  # else it runs on the chapter's objects:
            assert ref() == reference(ex_id), "the experiment the book shows gives the answer"
            # test_exercise_kinds.py builds them and checks the answer
    assert ref.__name__ == exercise.name
    assert inspect.getsource(ref).lstrip().startswith(("def ", "class "))
