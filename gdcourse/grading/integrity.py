"""The grader makes sure that its own code is its own before it trusts a verdict.

A notebook can reach every module of the package, so one line such as
``core.values_close = lambda *args: True``, or an exercise's tolerance changed with
``object.__setattr__``, would make every later check pass.  When the package is imported
:func:`remember` records what the grader is made of: the globals of its modules (and of the
reference solutions), the attributes of their classes, the code and defaults of their
functions, NumPy's public functions, and the settings of every registered exercise.
:func:`repair` compares (one fast pass while nothing changed), puts back whatever was
replaced, and names it, so that ``check`` can say so.
"""

from __future__ import annotations

import builtins
import copyreg
import itertools
import operator
import sys
import types

import numpy as np

from .exercise import _REGISTRY, _on_register

GUARDED_PACKAGES = ("gdcourse.grading", "gdcourse.solutions")
_parts = operator.attrgetter("__code__", "__defaults__", "__kwdefaults__")
_MISSING = object()

_namespaces: dict[str, tuple[object, dict]] = {}       # label -> (module or class, saved dict)
_functions: dict[int, tuple[str, object, tuple]] = {}  # id -> (label, function, saved parts)
_exercises: dict[str, tuple[object, dict]] = {}        # id -> (exercise, saved settings)
_fast: list = []          # [readers, saved values, sizes]: what the quick pass compares


# ----------------------------------------------------------------------------- remembering

def _guarded_modules() -> list[types.ModuleType]:
    return [module for name, module in sorted(sys.modules.items())
            if module is not None and name.startswith(GUARDED_PACKAGES)]


def _remember_namespace(label: str, owner, namespace) -> None:
    _namespaces[label] = (owner, dict(namespace))
    for name, value in namespace.items():
        if isinstance(value, types.FunctionType) and label.startswith("gdcourse"):
            _functions.setdefault(id(value), (f"{label}.{name}", value, _parts(value)))


def remember_exercise(exercise) -> None:
    """Record the settings of an exercise (called for every registration)."""
    _exercises[exercise.id] = (exercise, exercise.settings())
    if _fast:
        _build_fast()


def remember() -> None:
    """Record the grader as it is now: call once, when the package has been imported."""
    for module in _guarded_modules():
        _remember_namespace(module.__name__, module, vars(module))
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                # copy.deepcopy caches __slotnames__ on a class the first time it copies an
                # instance (hidden cases are deep-copied): cache it now, so it is not new later
                copyreg._slotnames(value)
                _remember_namespace(f"{module.__name__}.{value.__name__}", value,
                                    vars(value))
    public = {name: value for name, value in vars(np).items()
              if not name.startswith("_") and callable(value)}
    _namespaces["numpy"] = (np, public)
    for exercise in _REGISTRY.values():
        remember_exercise(exercise)
    if remember_exercise not in _on_register:
        _on_register.append(remember_exercise)
    _build_fast()


# ----------------------------------------------------------------------------- the quick pass

def _reader(owner, names, read):
    """A function returning the current values of ``names`` in ``owner``, in order."""
    pick = operator.itemgetter(*names) if len(names) > 1 else lambda d: (d[names[0]],)
    return lambda: pick(read(owner))


def _build_fast() -> None:
    readers, saved, sizes = [], [], []
    for owner, namespace in _namespaces.values():
        if namespace:
            readers.append(_reader(owner, list(namespace), vars))
            saved += namespace.values()
        sizes.append((owner, len(vars(owner))))
    functions = [function for _, function, _ in _functions.values()]
    readers.append(lambda: itertools.chain.from_iterable(map(_parts, functions)))
    saved += itertools.chain.from_iterable(parts for _, _, parts in _functions.values())
    for exercise, settings in _exercises.values():
        readers.append(_reader(exercise, list(settings), vars))
        saved += settings.values()
    registered = list(_exercises)
    readers.append(lambda: (_REGISTRY.get(i, _exercises[i][0]) for i in registered))
    saved += (exercise for exercise, _ in _exercises.values())
    _fast[:] = [readers, saved, sizes]


def _unchanged() -> bool:
    """True when every remembered object is still in place (the common case, checked fast)."""
    readers, saved, sizes = _fast
    try:
        current = itertools.chain.from_iterable(read() for read in readers)
        same = all(map(operator.is_, current, saved))
    except (KeyError, AttributeError):
        return False
    return same and all(len(vars(owner)) == size for owner, size in sizes)


# ----------------------------------------------------------------------------- repairing

def _repair_namespace(label: str, owner, saved: dict) -> list[str]:
    current = vars(owner)
    changed = [name for name, value in saved.items() if current.get(name, _MISSING) is not value]
    for name in changed:
        setattr(owner, name, saved[name])
    added = [name for name in current if name not in saved and _may_not_add(owner, name)]
    for name in added:
        delattr(owner, name)
    return [f"{label}.{name}" for name in changed + added]


def _may_not_add(owner, name: str) -> bool:
    """A new class attribute, or a module global that hides a builtin, changes the code."""
    if isinstance(owner, type):
        return True
    return isinstance(owner, types.ModuleType) and owner is not np and hasattr(builtins, name)


def _repair_function(label: str, function, saved: tuple) -> list[str]:
    if all(map(operator.is_, _parts(function), saved)):
        return []
    function.__code__, function.__defaults__, function.__kwdefaults__ = saved
    return [f"the code of {label}"]


def _repair_exercise(exercise_id: str, exercise, saved: dict) -> list[str]:
    repaired = []
    if _REGISTRY.get(exercise_id, exercise) is not exercise:
        _REGISTRY[exercise_id] = exercise
        repaired.append(f"the exercise {exercise_id}")
    for name, value in saved.items():
        if getattr(exercise, name) is not value:
            object.__setattr__(exercise, name, value)
            repaired.append(f"the {name} of {exercise_id}")
    return repaired


def repair() -> list[str]:
    """Put back every part of the grader that was replaced; return what was, in words."""
    if _unchanged():
        return []
    repaired = []
    for label, (owner, saved) in _namespaces.items():
        repaired += _repair_namespace(label, owner, saved)
    for label, function, saved in _functions.values():
        repaired += _repair_function(label, function, saved)
    for exercise_id, (exercise, saved) in _exercises.items():
        if exercise_id in _REGISTRY:          # an exercise removed from the registry is not
            repaired += _repair_exercise(exercise_id, exercise, saved)   # graded at all
    _build_fast()                             # namespaces may have grown harmlessly
    return repaired
