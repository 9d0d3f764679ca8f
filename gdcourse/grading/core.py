"""Exercises, hidden test cases, catalogued mistakes, and the grading logic behind ``check``.

An :class:`Exercise` bundles

* a **reference** answer (a function, or a value),
* **cases**: fixed edge cases plus random ones drawn from a hidden seed, each with a label
  that says in words what it exercises ("one sample", "large values", ...),
* an **output kind** that says what a valid answer returns (an array, a scalar, ...),
* a catalogue of typical **mistakes**: each is code that makes that mistake plus the hint
  shown when a learner's answer behaves the same way.

Grading never shows expected values or test code.  An answer passes only if every case
passes.
"""

from __future__ import annotations

import copy
import difflib
import numbers
import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .result import Result
from .sandbox import describe_type, flush_streams, run_guarded

HIDDEN_SALT = 0x9D5EED            # mixed into every exercise's seed; never shown in notebooks
NOT_ATTEMPTED = Ellipsis          # the value stub of a value exercise: ``answer = ...``


@dataclass
class Case:
    """One hidden test: the arguments, and words describing it (never the values)."""

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    label: str = "a random case"


@dataclass
class Mistake:
    """A typical wrong answer, as code, and the hint shown when an answer behaves like it."""

    name: str
    code: object                  # a function with the exercise's signature, or a wrong value
    hint: str


@dataclass
class Exercise:
    """A graded exercise.  See the module docstring."""

    id: str
    title: str
    reference: object
    what: str                                     # what the hidden tests check, in words
    kind: str = "function"                        # "function" or "value"
    cases: Callable | None = None                 # rng -> list[Case] (random, hidden seed)
    edge_cases: list = field(default_factory=list)
    output: str = "array"                         # "array", "scalar", "int", "bool", "any"
    rtol: float = 1e-9
    atol: float = 1e-12
    mistakes: list = field(default_factory=list)
    run: Callable | None = None                   # (answer, case) -> output; default: call it
    compare: Callable | None = None               # (got, expected, case) -> problem str or None
    forbid_mutation: bool = False                 # modifying an input array fails the answer
    seconds: float = 2.0                          # time limit of one call of the answer
    n_random: int = 5

    @property
    def chapter(self) -> int:
        return int(self.id.split(".")[0].removeprefix("ch"))

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]

    def seed(self) -> list[int]:
        return [HIDDEN_SALT, zlib.crc32(self.id.encode())]

    def all_cases(self) -> list[Case]:
        random_cases = []
        if self.cases is not None:
            rng = np.random.default_rng(self.seed())
            random_cases = list(self.cases(rng))
        return list(self.edge_cases) + random_cases


# ----------------------------------------------------------------------------- registry

_REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry (ids are unique)."""
    if exercise.id in _REGISTRY:
        raise ValueError(f"exercise id {exercise.id!r} is registered twice")
    if exercise.kind not in ("function", "value"):
        raise ValueError(f"exercise kind must be 'function' or 'value', got {exercise.kind!r}")
    _REGISTRY[exercise.id] = exercise
    return exercise


def get(exercise_id) -> Exercise:
    _load_all()
    if not isinstance(exercise_id, str) or exercise_id not in _REGISTRY:
        close = difflib.get_close_matches(str(exercise_id), list(_REGISTRY), n=1, cutoff=0.6)
        suggestion = f" Did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"There is no exercise called {exercise_id!r}.{suggestion} "
                       f"gdcourse.grading.exercises() lists them all.")
    return _REGISTRY[exercise_id]


def exercises() -> list[str]:
    """Every exercise id, in chapter order."""
    _load_all()
    return sorted(_REGISTRY, key=lambda i: (_REGISTRY[i].chapter, list(_REGISTRY).index(i)))


def reference(exercise_id):
    """The reference answer of an exercise: a callable, or a value."""
    return get(exercise_id).reference


def _load_all():
    from . import hidden as _chapters  # noqa: F401  (importing registers them)


# ----------------------------------------------------------------------------- output checks

def _is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool) or (
        isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf")


def output_problem(kind: str, got, expected) -> str | None:
    """Why ``got`` is not a valid output of the given kind, in words (None if it is)."""
    if got is None:
        return "returned None. Did you forget the `return` statement?"
    if kind == "array":
        return _array_problem(got, expected)
    if kind in ("scalar", "int"):
        if isinstance(got, np.ndarray) and got.size == 1 and got.ndim > 0:
            return f"returned {describe_type(got)}; return a single number (for example with float(...))."
        if not _is_number(got):
            return f"returned {describe_type(got)}; the answer must be a single number."
        if kind == "int" and not float(got).is_integer():
            return "returned a number that is not a whole number; the answer is a count."
        if not np.isfinite(float(got)):
            return "returned NaN or infinity."
        return None
    if kind == "bool":
        if not isinstance(got, (bool, np.bool_)):
            return f"returned {describe_type(got)}; the answer must be True or False."
    return None


def _array_problem(got, expected) -> str | None:
    if isinstance(got, (list, tuple)):
        return (f"returned {describe_type(got)}; return a NumPy array "
                f"(wrap the result in np.asarray(...) or use array arithmetic).")
    if not isinstance(got, np.ndarray) and not _is_number(got):
        return f"returned {describe_type(got)}; a NumPy array was expected."
    got = np.asarray(got)
    if got.dtype.kind not in "iuf":
        return f"returned an array of dtype {got.dtype}; the result must contain real numbers."
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        return (f"returned an array of shape {got.shape}, but shape {expected.shape} was expected "
                f"for these inputs. Check reshapes, transposes and which axis you sum over.")
    if expected.dtype.kind == "f" and got.dtype.kind in "iu":
        return ("returned an integer array; the result must be floating point "
                "(did you use // or astype(int) somewhere?).")
    if not np.all(np.isfinite(got)):
        return "returned an array containing NaN or infinity."
    return None


def values_close(got, expected, rtol, atol) -> bool:
    try:
        got = np.asarray(got, dtype=float)
        expected = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return False
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


# ----------------------------------------------------------------------------- diagnosis

_FACTORS = [(2.0, "exactly twice the expected one: check the factor in front of the sum "
                  "(a stray 2, or 1/m where 1/(2m) belongs)"),
            (0.5, "exactly half the expected one: check the factor in front of the sum "
                  "(a missing 2, or 1/(2m) where 1/m belongs)"),
            (-1.0, "the expected one with the opposite sign: check the direction of the "
                   "step and the order of the subtraction")]


def generic_diagnosis(got, expected) -> str | None:
    """Recognise common shapes of error that no catalogued mistake explains."""
    try:
        got = np.asarray(got, dtype=float)
        expected = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return None
    if got.shape != expected.shape or not np.any(expected):
        return None
    for factor, words in _FACTORS:
        if np.allclose(got, factor * expected, rtol=1e-7, atol=1e-12):
            return f"Your result is {words}."
    ratio = _constant_ratio(got, expected)
    if ratio is not None and ratio > 1 and float(ratio).is_integer():
        return (f"Your result is exactly {ratio:g} times the expected one; {ratio:g} may be the "
                f"number of samples: did you sum where a mean was needed?")
    if ratio is not None and ratio < 1 and float(1 / ratio).is_integer():
        return (f"Your result is exactly 1/{1 / ratio:g} of the expected one: did you divide "
                f"by the number of samples twice, or take a mean where a sum was needed?")
    return None


def _constant_ratio(got, expected):
    mask = np.abs(expected) > 1e-12
    if not mask.any():
        return None
    ratios = got[mask] / expected[mask]
    if np.allclose(ratios, ratios[0], rtol=1e-9) and ratios[0] > 0 and not np.isclose(ratios[0], 1):
        return float(np.round(ratios[0], 9))
    return None


# ----------------------------------------------------------------------------- grading

def _run_on(exercise: Exercise, function, case: Case):
    """What ``function`` produces on ``case`` (on private copies of the arguments)."""
    private = Case(copy.deepcopy(case.args), copy.deepcopy(case.kwargs), case.label)
    if exercise.run is not None:
        return exercise.run(function, private), private
    return function(*private.args, **private.kwargs), private


def _mutated_arguments(original: Case, used: Case) -> list[str]:
    """Names (or positions) of the array arguments the answer changed in place."""
    names = [f"argument {i + 1}" for i, (a, b) in enumerate(zip(original.args, used.args))
             if isinstance(a, np.ndarray) and not _same_array(a, b)]
    names += [f"`{key}`" for key, a in original.kwargs.items()
              if isinstance(a, np.ndarray) and not _same_array(a, used.kwargs[key])]
    return names


def _same_array(a, b) -> bool:
    return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def _behaves_like(exercise: Exercise, code, runs) -> bool:
    """Does the learner's answer agree with ``code`` on every (case, output) it produced?"""
    for case, got in runs:
        wrong = run_guarded(_run_on, (exercise, code, case), seconds=exercise.seconds)
        if not wrong.ok or not values_close(got, wrong.value[0], exercise.rtol, exercise.atol):
            return False
    return True


def _diagnose(exercise: Exercise, runs, got, expected) -> str | None:
    """The hint of the first catalogued mistake the answer behaves like, else a generic one."""
    for mistake in exercise.mistakes:
        if _behaves_like(exercise, mistake.code, runs):
            return mistake.hint
    if exercise.output not in ("array", "scalar") or exercise.compare is not None:
        return None                 # "twice the expected" means nothing for counts or labels
    return generic_diagnosis(got, expected)


def _problem(exercise: Exercise, got, expected, case: Case) -> str | None:
    """Why ``got`` is wrong for this case, in words, or None when it is right."""
    if exercise.compare is not None:
        return exercise.compare(got, expected, case)
    invalid = output_problem(exercise.output, got, expected)
    if invalid:
        return f"Your function {invalid}"
    if not values_close(got, expected, exercise.rtol, exercise.atol):
        return "Your function returned a wrong value."
    return None


def _mutation_note(mutated) -> str:
    return (f"Your function modified its input ({', '.join(mutated)}) in place. The grader gave "
            f"it a private copy, so no test data was harmed, but code that calls it would see its "
            f"own arrays change. Prefer `w = w - ...` over `w -= ...`.")


def grade_function(exercise: Exercise, answer) -> Result:
    """Run ``answer`` on every hidden case; it passes only if every case passes."""
    result = Result.for_exercise(exercise)
    if not callable(answer):
        return result.fail(f"`check` expected your function, but got {describe_type(answer)}. "
                           f"Pass the function itself, without calling it: "
                           f"check({exercise.id!r}, {exercise.name}).")
    cases = exercise.all_cases()
    runs, first_failure = [], None
    for number, case in enumerate(cases, start=1):
        outcome = run_guarded(_run_on, (exercise, answer, case), seconds=exercise.seconds)
        result.add_printed(outcome)
        if isinstance(outcome.error, NotImplementedError) and number == 1:
            return result.not_attempted()
        if outcome.timed_out:
            return result.fail(f"Your function did not finish within {exercise.seconds:g} s on "
                               f"{case.label}. Look for a loop that never ends (a `while` whose "
                               f"condition never becomes false).")
        if outcome.error is not None:
            return result.fail(f"Your function raised {type(outcome.error).__name__} on "
                               f"{case.label}.", traceback=outcome.learner_traceback)
        got, used = outcome.value
        mutated = _mutated_arguments(case, used)
        if mutated:
            result.note(_mutation_note(mutated))
            if exercise.forbid_mutation:
                return result.fail(f"On {case.label} your function changed an input array in "
                                   f"place, which this exercise does not allow.")
        expected, _ = _run_on(exercise, exercise.reference, case)
        problem = _problem(exercise, got, expected, case)
        if problem and output_problem(exercise.output, got, expected) and exercise.compare is None:
            return result.fail(f"{problem} This was first seen on {case.label}.")
        runs.append((case, got))
        if problem and first_failure is None:
            first_failure = (problem, case, got, expected)
    if first_failure is None:
        return result.succeed(len(cases))
    problem, case, got, expected = first_failure
    failed = sum(1 for c, g in runs if _problem(exercise, g, _run_on(exercise, exercise.reference, c)[0], c))
    return result.fail(f"{problem} {failed} of {len(cases)} hidden tests failed; the first one "
                       f"was {case.label}.", hint=_diagnose(exercise, runs, got, expected))


def grade_value(exercise: Exercise, answer) -> Result:
    result = Result.for_exercise(exercise)
    if answer is NOT_ATTEMPTED:
        return result.not_attempted()
    if callable(answer) and not callable(exercise.reference):
        return result.fail("`check` expected a value, but got a function. Call your function "
                           "and pass its result.")
    if answer is None:
        return result.fail("Your answer is None. Assign your value to the answer variable "
                           "(a function that only prints returns None).")
    problem = output_problem(exercise.output, answer, exercise.reference)
    if problem:
        return result.fail(f"Your answer is {problem.removeprefix('returned ')}")
    if values_close(answer, exercise.reference, exercise.rtol, exercise.atol):
        return result.succeed(1)
    for mistake in exercise.mistakes:
        if values_close(answer, mistake.code, exercise.rtol, exercise.atol):
            return result.fail("Your answer is not right yet.", hint=mistake.hint)
    return result.fail("Your answer is not right yet.",
                       hint=generic_diagnosis(answer, exercise.reference))


def grade(exercise_id: str, answer) -> Result:
    """Grade ``answer`` against the hidden tests of ``exercise_id`` (never raises)."""
    flush_streams()
    try:
        exercise = get(exercise_id)
    except KeyError as exc:
        return Result.unknown(exercise_id, str(exc.args[0]))
    try:
        if exercise.kind == "function":
            return grade_function(exercise, answer)
        return grade_value(exercise, answer)
    except Exception as exc:  # noqa: BLE001 - the grader itself must never take the kernel down
        return Result.for_exercise(exercise).fail(
            f"The grader could not evaluate this answer ({type(exc).__name__}: {exc}). "
            f"Please check that your answer has the form the exercise asks for.")

