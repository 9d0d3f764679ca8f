"""Grading: run an answer on every hidden case, judge each output, and say what went wrong.

Grading never shows expected values or test code, and an answer passes only if every case
passes.  The reference answer runs once per case and process, in the sandbox like any answer;
its outputs are kept, read-only, for every later check.  So are the outputs of the catalogued
mistakes, computed the first time a diagnosis needs them.

The exercise model (:class:`Exercise`, :class:`Case`, :class:`Mistake`, the registry) lives in
:mod:`.exercise`, the checks of an output's form in :mod:`.outputs`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .diagnosis import generic_hint
from .exercise import (_REGISTRY, Case, Exercise, Mistake, exercises, get,  # noqa: F401
                       load_all, read_only, reference, register)
from .integrity import repair as _repair_grader
from .outputs import output_problem, same_output, values_close  # noqa: F401
from .result import Result
from .sandbox import describe_type, flush_streams, run_guarded

NOT_ATTEMPTED = Ellipsis          # the value stub of a value exercise: ``answer = ...``
REFERENCE_SECONDS = 30.0          # time limit of the reference and mistakes on one case
_FAILED = object()                # a catalogued mistake that raised on a case


class GraderError(Exception):
    """The hidden tests themselves could not run: a bug in the grader, not in the answer."""


@dataclass(frozen=True)
class _Tests:
    cases: tuple
    expected: tuple               # the reference's output on each case, read-only


@dataclass(frozen=True)
class _Run:
    """One case the answer returned from: what it returned and what is wrong with it."""

    index: int
    case: Case
    got: object
    expected: object
    problem: str | None


_TESTS: dict = {}                 # Exercise -> _Tests
_MISTAKE_OUTPUTS: dict = {}       # (Exercise, mistake number) -> output on each case


# ----------------------------------------------------------------------------- running code

def _call_on(run, function, case):
    """What ``function`` produces on ``case`` (called in the sandbox's worker thread)."""
    if run is not None:
        return run(function, case)
    return function(*case.args, **case.kwargs)


def _outcome(exercise: Exercise, function, case: Case, seconds: float):
    """The outcome of ``function`` on a private copy of ``case``, and that copy."""
    private = case.private_copy()
    return run_guarded(_call_on, (exercise.run, function, private), seconds=seconds), private


def _read_only(value):
    if isinstance(value, np.ndarray):
        return read_only(value)
    if isinstance(value, (tuple, list)):
        return tuple(_read_only(item) for item in value)
    return value


def tests_of(exercise: Exercise) -> _Tests:
    """The hidden cases of an exercise and the reference's output on each (computed once)."""
    if exercise not in _TESTS:
        cases = tuple(exercise.all_cases())
        expected = []
        for case in cases:
            outcome, _ = _outcome(exercise, exercise.reference, case, REFERENCE_SECONDS)
            if not outcome.ok:
                raise GraderError(f"the reference answer failed on {case.label}")
            expected.append(_read_only(outcome.value))
        _TESTS[exercise] = _Tests(cases, tuple(expected))
    return _TESTS[exercise]


def _mistake_outputs(exercise: Exercise, k: int) -> tuple:
    """What catalogued mistake number ``k`` returns on each case (computed once)."""
    key = (exercise, k)
    if key not in _MISTAKE_OUTPUTS:
        code, outputs = exercise.mistakes[k].code, []
        for case in tests_of(exercise).cases:
            outcome, _ = _outcome(exercise, code, case, REFERENCE_SECONDS)
            outputs.append(_read_only(outcome.value) if outcome.ok else _FAILED)
        _MISTAKE_OUTPUTS[key] = tuple(outputs)
    return _MISTAKE_OUTPUTS[key]


# ----------------------------------------------------------------------------- diagnosis

def _malformed(exercise: Exercise, output, expected) -> bool:
    return output_problem(exercise.output, output, expected, exercise.choices) is not None


def _behaves_like(exercise: Exercise, k: int, runs, malformed: bool) -> bool:
    """Does the answer agree with mistake ``k`` on every case it returned from?  For an answer
    of the wrong form, the mistake's output on the failing (last) case must be malformed too."""
    outputs = _mistake_outputs(exercise, k)
    for run in runs:
        output = outputs[run.index]
        if output is _FAILED or not same_output(exercise.output, run.got, output,
                                                exercise.rtol, exercise.atol):
            return False
    last = runs[-1]
    return not malformed or _malformed(exercise, outputs[last.index], last.expected)


def _diagnose(exercise: Exercise, runs, failures, malformed: bool = False) -> str | None:
    """The hint of the first catalogued mistake the answer behaves like, else a generic one."""
    for k, mistake in enumerate(exercise.mistakes):
        if _behaves_like(exercise, k, runs, malformed):
            return mistake.hint
    if malformed or exercise.output not in ("array", "scalar") or exercise.compare is not None:
        return None                 # "twice the expected" means nothing for counts or labels
    return generic_hint([(run.case, run.got, run.expected) for run in failures],
                        exercise.samples)


# ----------------------------------------------------------------------------- judging

def _problem(exercise: Exercise, got, expected, case: Case) -> str | None:
    """Why ``got`` is wrong for this case, in words, or None when it is right."""
    if exercise.compare is not None:
        return exercise.compare(got, expected, case)
    invalid = output_problem(exercise.output, got, expected, exercise.choices)
    if invalid:
        return f"Your function {invalid}"
    if same_output(exercise.output, got, expected, exercise.rtol, exercise.atol):
        return None
    if exercise.output == "choice":
        return f"Your function returned {got!r} where another answer was expected."
    return "Your function returned a wrong value."


def _is_form_problem(exercise: Exercise, run: _Run) -> bool:
    """A wrong type or shape: reported at once, since the other cases would say the same."""
    return exercise.compare is None and output_problem(
        exercise.output, run.got, run.expected, exercise.choices) is not None


def _mutated_arguments(original: Case, used) -> list[str]:
    """Names (or positions) of the array arguments the answer changed in place."""
    names = [f"argument {i + 1}" for i, (a, b) in enumerate(zip(original.args, used.args))
             if isinstance(a, np.ndarray) and not _same_array(a, b)]
    names += [f"`{key}`" for key, a in original.kwargs.items()
              if isinstance(a, np.ndarray) and not _same_array(a, used.kwargs[key])]
    return names


def _same_array(a, b) -> bool:
    return (isinstance(b, np.ndarray) and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=True))


def _mutation_note(mutated) -> str:
    return (f"Your function modified its input ({', '.join(mutated)}) in place. The grader gave "
            f"it a private copy, so no test data was harmed, but code that calls it would see "
            f"its own arrays change. Prefer `w = w - ...` over `w -= ...`.")


def _too_slow(exercise: Exercise, case: Case, outcome) -> str:
    words = (f"Your function did not finish in {exercise.seconds:g} s on {case.label}. Look for "
             f"a loop that never ends: a `while` whose condition never becomes false, or a "
             f"`try`/`except` that keeps a loop going after an error.")
    if outcome.still_running:
        words += (" It is stuck inside one long call into compiled code, which keeps running "
                  "in the background: restart the kernel if the notebook becomes slow.")
    return words


def _did_not_return(exercise: Exercise, result: Result, outcome, case: Case, first: bool):
    """The verdict when the answer raised or ran out of time on ``case`` (else None)."""
    if outcome.ok:
        return None
    if first and isinstance(outcome.error, NotImplementedError):
        return result.not_attempted()
    if outcome.timed_out:
        return result.fail(_too_slow(exercise, case, outcome))
    return result.fail(f"Your function raised {type(outcome.error).__name__} on {case.label}.",
                       traceback=outcome.learner_traceback)


def _changed_inputs(exercise: Exercise, result: Result, case: Case, private):
    """Note (or, where forbidden, fail) an answer that changed its input arrays."""
    mutated = _mutated_arguments(case, private)
    if not mutated:
        return None
    result.note(_mutation_note(mutated))
    if exercise.forbid_mutation:
        return result.fail(f"On {case.label} your function changed an input array in place, "
                           f"which this exercise does not allow.")
    return None


def _judge(exercise: Exercise, result: Result, tests: _Tests, outcomes) -> Result:
    """Judge the answer's outcomes, case by case, and give the verdict."""
    runs = []
    for index, (outcome, private) in enumerate(outcomes):
        case, expected = tests.cases[index], tests.expected[index]
        verdict = _did_not_return(exercise, result, outcome, case, first=index == 0)
        if verdict is None:
            verdict = _changed_inputs(exercise, result, case, private)
        if verdict is not None:         # (a Result is falsy unless it passed)
            return verdict
        run = _Run(index, case, outcome.value, expected,
                   _problem(exercise, outcome.value, expected, case))
        runs.append(run)
        if run.problem and _is_form_problem(exercise, run):
            return result.fail(f"{run.problem} This was first seen on {case.label}.",
                               hint=_diagnose(exercise, runs, [run], malformed=True))
    failures = [run for run in runs if run.problem]
    if not failures:
        return result.succeed(len(runs))
    first = failures[0]
    return result.fail(f"{first.problem} {len(failures)} of {len(runs)} hidden tests failed; "
                       f"the first one was {first.case.label}.",
                       hint=_diagnose(exercise, runs, failures))


def _changed_grader_message(repaired) -> str:
    return (f"Your function changed the grader itself while it was being checked "
            f"({', '.join(repaired[:3])}). The grader put its own code back; an answer must "
            f"only compute and return its result.")


def grade_function(exercise: Exercise, answer) -> Result:
    """Run ``answer`` on every hidden case; it passes only if every case passes."""
    result = Result.for_exercise(exercise)
    if not callable(answer):
        return result.fail(f"`check` expected your function, but got {describe_type(answer)}. "
                           f"Pass the function itself, without calling it: "
                           f"check({exercise.id!r}, {exercise.name}).")
    tests = tests_of(exercise)
    outcomes = []
    for case in tests.cases:
        outcome, private = _outcome(exercise, answer, case, exercise.seconds)
        result.add_printed(outcome)
        outcomes.append((outcome, private))
        if not outcome.ok:
            break
    repaired = _repair_grader()
    if repaired:
        return result.fail(_changed_grader_message(repaired))
    return _judge(exercise, result, tests, outcomes)


def _agrees(exercise: Exercise, answer, value) -> bool:
    return same_output(exercise.output, answer, value, exercise.rtol, exercise.atol)


def grade_value(exercise: Exercise, answer) -> Result:
    """Compare a value answer with the reference value."""
    result = Result.for_exercise(exercise)
    if answer is NOT_ATTEMPTED:
        return result.not_attempted()
    if callable(answer) and not callable(exercise.reference):
        return result.fail("`check` expected a value, but got a function. Call your function "
                           "and pass its result.")
    if answer is None and exercise.output != "choice":
        return result.fail("Your answer is None. Assign your value to the answer variable "
                           "(a function that only prints returns None).")
    problem = output_problem(exercise.output, answer, exercise.reference, exercise.choices)
    if problem:
        return result.fail(f"Your answer is {problem.removeprefix('returned ')}")
    if _agrees(exercise, answer, exercise.reference):
        return result.succeed(1)
    for mistake in exercise.mistakes:
        if _agrees(exercise, answer, mistake.code):
            return result.fail("Your answer is not right yet.", hint=mistake.hint)
    hint = None
    if exercise.output in ("array", "scalar"):
        hint = generic_hint([(None, answer, exercise.reference)])
    return result.fail("Your answer is not right yet.", hint=hint)


def _restored_note(repaired) -> str:
    return (f"Something in this notebook had changed the grader ({', '.join(repaired[:3])}). "
            f"The grader put its own code back before this check, so the verdict above is "
            f"the real one.")


def grade(exercise_id: str, answer) -> Result:
    """Grade ``answer`` against the hidden tests of ``exercise_id`` (never raises)."""
    flush_streams()
    repaired = _repair_grader()
    try:
        exercise = get(exercise_id)
    except KeyError as exc:
        return Result.unknown(exercise_id, str(exc.args[0]))
    try:
        if exercise.kind == "function":
            result = grade_function(exercise, answer)
        else:
            result = grade_value(exercise, answer)
    except GraderError as exc:
        result = Result.for_exercise(exercise).fail(
            f"The hidden tests of this exercise could not run ({exc}). This is a bug in the "
            f"course, not in your answer: please report it.")
    except Exception as exc:  # noqa: BLE001 - the grader itself must never take the kernel down
        result = Result.for_exercise(exercise).fail(
            f"The grader could not evaluate this answer ({type(exc).__name__}: {exc}). "
            f"Please check that your answer has the form the exercise asks for.")
    if repaired:
        result.note(_restored_note(repaired))
    return result
