"""Is an answer's output of the right form, and is its value right?

The rule for forms, the same in every exercise statement: where a statement asks for a NumPy
array, the answer must return a NumPy array (a list is refused with a message saying so);
numbers are compared to about nine significant digits, so float32 results, which keep about
seven, are refused as a precision problem; a count asked for as "a Python int" must be one.
"""

from __future__ import annotations

import numbers

import numpy as np

from .sandbox import describe_type

LOW_PRECISION = ("returned {dtype} numbers, which keep only about 7 significant digits; the "
                 "hidden tests compare about 9. Compute in float64, NumPy's default (drop any "
                 "dtype=np.float32 or .astype(np.float32)).")


def is_number(value) -> bool:
    """A real number: a Python or NumPy int or float, or a 0-d array of one (never a bool)."""
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "iuf"
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _low_precision(value) -> str | None:
    dtype = np.asarray(value).dtype if is_number(value) or isinstance(value, np.ndarray) else None
    if dtype is not None and dtype.kind == "f" and dtype.itemsize < 8:
        return LOW_PRECISION.format(dtype=dtype)
    return None


def output_problem(kind: str, got, expected, choices=()) -> str | None:
    """Why ``got`` is not a valid output of the given kind, in words (None if it is)."""
    if kind == "choice":
        return _choice_problem(got, choices)
    if got is None:
        return "returned None. Did you forget the `return` statement?"
    check = {"array": _array_problem, "scalar": _scalar_problem, "int": _int_problem,
             "bool": _bool_problem}.get(kind)
    return check(got, expected) if check else None


def _array_problem(got, expected) -> str | None:
    if isinstance(got, (list, tuple)):
        return (f"returned {describe_type(got)}; return a NumPy array "
                f"(wrap the result in np.asarray(...) or use array arithmetic).")
    if not isinstance(got, np.ndarray) and not is_number(got):
        return f"returned {describe_type(got)}; a NumPy array was expected."
    got, expected = np.asarray(got), np.asarray(expected)
    if got.dtype.kind not in "iuf":
        return f"returned an array of dtype {got.dtype}; the result must contain real numbers."
    if got.shape != expected.shape:
        return (f"returned an array of shape {got.shape}, but shape {expected.shape} was expected "
                f"for these inputs. Check reshapes, transposes and which axis you sum over.")
    if expected.dtype.kind == "f" and got.dtype.kind in "iu":
        return ("returned an integer array; the result must be floating point "
                "(did you use // or astype(int) somewhere?).")
    return _low_precision(got) or _finite_problem(got, "an array containing NaN or infinity")


def _scalar_problem(got, expected) -> str | None:
    if isinstance(got, np.ndarray) and got.size == 1 and got.ndim > 0:
        return (f"returned {describe_type(got)}; return a single number "
                f"(for example with float(...)).")
    if not is_number(got):
        return f"returned {describe_type(got)}; the answer must be a single number."
    return _low_precision(got) or _finite_problem(got, "NaN or infinity")


def _int_problem(got, expected) -> str | None:
    if isinstance(got, int) and not isinstance(got, bool):
        return None
    if not is_number(got):
        return f"returned {describe_type(got)}; the answer must be a whole number (a Python int)."
    if not np.isfinite(float(got)) or not float(got).is_integer():
        return "returned a number that is not a whole number; the answer is a count."
    return (f"returned {describe_type(got)}; the statement asks for a Python int: "
            f"convert the result with int(...).")


def _bool_problem(got, expected) -> str | None:
    if not isinstance(got, (bool, np.bool_)):
        return f"returned {describe_type(got)}; the answer must be True or False."
    return None


def _choice_problem(got, choices) -> str | None:
    if (got is None or isinstance(got, str)) and got in choices:
        return None
    shown = repr(got) if isinstance(got, str) else describe_type(got)
    listed = ", ".join(repr(c) for c in choices)
    return (f"returned {shown}, which is not one of {listed} (check the spelling and every "
            f"`return` statement).")


def _finite_problem(got, words: str) -> str | None:
    return None if np.all(np.isfinite(got)) else f"returned {words}."


def real_arrays(got, expected):
    """``got`` and ``expected`` as float arrays of the same shape, or None if they are not."""
    if np.iscomplexobj(got) or np.iscomplexobj(expected):
        return None
    try:
        got = np.asarray(got, dtype=float)
        expected = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return None
    return (got, expected) if got.shape == expected.shape else None


def values_close(got, expected, rtol, atol) -> bool:
    """Same shape and every entry within ``atol + rtol * |expected|`` (NaN never matches)."""
    pair = real_arrays(got, expected)
    return pair is not None and bool(np.allclose(*pair, rtol=rtol, atol=atol))


def same_output(kind: str, got, expected, rtol, atol) -> bool:
    """Do two outputs agree: exactly for counts, flags and choices, within tolerance otherwise?"""
    if kind in ("int", "bool", "choice"):
        plain = (int, str, type(None))
        return isinstance(got, plain) and isinstance(expected, plain) and got == expected
    return values_close(got, expected, rtol, atol)
