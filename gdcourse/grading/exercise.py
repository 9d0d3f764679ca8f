"""Exercises, hidden test cases and catalogued mistakes, and the registry that holds them.

An :class:`Exercise` bundles

* a **reference** answer (a function, or a value),
* **cases**: fixed edge cases plus random ones drawn from a hidden seed, each with a label
  that says in words what it exercises ("one sample", "large values", ...),
* an **output kind** that says what a valid answer returns (see :data:`OUTPUTS`),
* a catalogue of typical **mistakes**: each is code that makes that mistake plus the hint
  shown when a learner's answer behaves the same way.

Exercises, cases and mistakes are frozen, and the arrays of a case are read-only for good:
learner code gets private copies, and cannot change what later checks test.
"""

from __future__ import annotations

import copy
import difflib
import zlib
from dataclasses import dataclass, field, fields
from typing import Callable

import numpy as np

HIDDEN_SALT = 0x9D5EED            # mixed into every exercise's seed; never shown in notebooks

KINDS = ("function", "value")
OUTPUTS = {
    "array": "a NumPy array of real numbers, with the shape of the reference's",
    "scalar": "one real number",
    "int": "a Python int",
    "bool": "True or False",
    "choice": "one of the exercise's `choices` (strings, or None)",
    "any": "anything: the exercise's `compare` hook judges it",
}


def read_only(array: np.ndarray) -> np.ndarray:
    """A copy of ``array`` whose memory is an immutable bytes object: it can never be written."""
    if array.dtype.hasobject:
        return array
    frozen = np.frombuffer(np.ascontiguousarray(array).tobytes(), dtype=array.dtype)
    return frozen.reshape(array.shape)


def _frozen(value):
    return read_only(value) if isinstance(value, np.ndarray) else value


@dataclass(frozen=True)
class Case:
    """One hidden test: the arguments, and words describing it (never the values)."""

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    label: str = "a random case"

    def __post_init__(self):
        object.__setattr__(self, "args", tuple(_frozen(a) for a in self.args))
        object.__setattr__(self, "kwargs", {k: _frozen(v) for k, v in self.kwargs.items()})
        # Arguments that are objects (a random Generator, a Quadratic) could still be changed
        # through ``args``; every answer gets a copy of this untouched one instead.
        object.__setattr__(self, "_pristine", copy.deepcopy((self.args, self.kwargs)))

    def private_copy(self) -> "_PrivateCase":
        """Writable copies of the arguments, as they were made, for one call of an answer."""
        args, kwargs = copy.deepcopy(self._pristine)
        return _PrivateCase(args, kwargs, self.label)


@dataclass(frozen=True)
class _PrivateCase:
    args: tuple
    kwargs: dict
    label: str


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer, as code, and the hint shown when an answer behaves like it."""

    name: str
    code: object                  # a function with the exercise's signature, or a wrong value
    hint: str


@dataclass(frozen=True, eq=False)
class Exercise:
    """A graded exercise.  See the module docstring; :func:`register` checks every field."""

    id: str
    title: str
    reference: object
    what: str                                     # what the hidden tests check, in words
    kind: str = "function"                        # one of KINDS
    cases: Callable | None = None                 # rng -> iterable of Case (random, hidden seed)
    edge_cases: tuple = ()
    output: str = "array"                         # one of OUTPUTS
    choices: tuple = ()                           # the valid answers when output == "choice"
    rtol: float = 1e-9
    atol: float = 1e-12
    mistakes: tuple = ()
    run: Callable | None = None                   # (answer, case) -> output; default: call it
    compare: Callable | None = None               # (got, expected, case) -> problem str or None
    forbid_mutation: bool = False                 # modifying an input array fails the answer
    seconds: float = 2.0                          # time limit of one call of the answer
    samples: Callable | None = None               # case -> number of samples it averages over

    def __post_init__(self):
        for name in ("edge_cases", "mistakes", "choices"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

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

    def settings(self) -> dict:
        """Every field by name (what the integrity check remembers)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


# ----------------------------------------------------------------------------- validation

def _one_of(value, options, name: str) -> None:
    if value not in options:
        close = difflib.get_close_matches(str(value), list(options), n=1, cutoff=0.6)
        suggestion = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, "
                         f"got {value!r}{suggestion}")


def _check_hooks(exercise: Exercise) -> None:
    for name in ("cases", "run", "compare", "samples"):
        hook = getattr(exercise, name)
        if hook is not None and not callable(hook):
            raise ValueError(f"{name} must be a function or None, got {type(hook).__name__}")
    if exercise.kind == "function" and not callable(exercise.reference):
        raise ValueError(f"reference of a function exercise must be callable ({exercise.id})")
    if exercise.output == "any" and exercise.compare is None:
        raise ValueError(f"output='any' needs a compare hook ({exercise.id})")
    if (exercise.output == "choice") != bool(exercise.choices):
        raise ValueError(f"choices are given exactly when output='choice' ({exercise.id})")


def _check_numbers(exercise: Exercise) -> None:
    for name in ("rtol", "atol"):
        value = getattr(exercise, name)
        if not isinstance(value, (int, float)) or not value >= 0:
            raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    if not isinstance(exercise.seconds, (int, float)) or not exercise.seconds > 0:
        raise ValueError(f"seconds must be a number > 0, got {exercise.seconds!r}")


def validate(exercise: Exercise) -> None:
    """Raise ValueError, naming the field, for an exercise the grader could not grade."""
    if not isinstance(exercise.id, str) or "." not in exercise.id:
        raise ValueError(f"id must look like 'ch01.name', got {exercise.id!r}")
    _one_of(exercise.kind, KINDS, "kind")
    _one_of(exercise.output, OUTPUTS, "output")
    _check_hooks(exercise)
    _check_numbers(exercise)
    for item in exercise.edge_cases:
        if not isinstance(item, Case):
            raise ValueError(f"edge_cases must hold Case objects, got {type(item).__name__}")
    for mistake in exercise.mistakes:
        if not isinstance(mistake, Mistake):
            raise ValueError(f"mistakes must hold Mistake objects, got {type(mistake).__name__}")
        if exercise.kind == "function" and not callable(mistake.code):
            raise ValueError(f"the code of mistake {mistake.name!r} must be a function")


# ----------------------------------------------------------------------------- registry

_REGISTRY: dict[str, Exercise] = {}
_on_register: list[Callable] = []        # called with each newly registered exercise


def register(exercise: Exercise) -> Exercise:
    """Check ``exercise`` and add it to the registry (ids are unique)."""
    if exercise.id in _REGISTRY:
        raise ValueError(f"exercise id {exercise.id!r} is registered twice")
    validate(exercise)
    _REGISTRY[exercise.id] = exercise
    for listener in _on_register:
        listener(exercise)
    return exercise


def get(exercise_id) -> Exercise:
    """The exercise called ``exercise_id``; KeyError with a suggestion if there is none."""
    load_all()
    if not isinstance(exercise_id, str) or exercise_id not in _REGISTRY:
        close = difflib.get_close_matches(str(exercise_id), list(_REGISTRY), n=1, cutoff=0.6)
        suggestion = f" Did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"There is no exercise called {exercise_id!r}.{suggestion} "
                       f"gdcourse.grading.exercises() lists them all.")
    return _REGISTRY[exercise_id]


def exercises() -> list[str]:
    """Every exercise id, in chapter order."""
    load_all()
    order = list(_REGISTRY)
    return sorted(order, key=lambda i: (_REGISTRY[i].chapter, order.index(i)))


def reference(exercise_id):
    """The reference answer of an exercise: a callable, or a value."""
    return get(exercise_id).reference


def load_all() -> None:
    """Import the hidden tests of every chapter (importing registers them)."""
    from . import hidden  # noqa: F401
