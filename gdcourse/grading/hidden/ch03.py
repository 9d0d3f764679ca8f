"""Hidden tests for chapter 3, Convergence."""

import functools
import math

import numpy as np

from ...objectives import LinearRegression
from ...solutions import ch03 as sol
from ..exercise import Case, Exercise, Mistake, read_only, register
from ._common import (REACHED, Verdict, experiment_fields, missed_by, over_budget,
                      rotated, sci, unpack_settings)


# -------------------------------------------------------------------------------------- should_stop
OUTCOMES = (None, "grad_tol", "loss_tol", "patience", "max_iter")


def _stop_case(losses, grad_norm, max_iter, loss_tol, grad_tol, patience, label):
    return Case((np.asarray(losses, dtype=float), float(grad_norm), int(max_iter),
                 float(loss_tol), float(grad_tol), int(patience)), label=label)


def _decreasing(rng, n):
    """A strictly decreasing loss history of length n, like gradient descent on a bowl."""
    start, height = float(rng.uniform(1, 5)), float(rng.uniform(5, 50))
    return start + height * np.exp(-rng.uniform(0.05, 0.4) * np.arange(n))


def _should_stop_cases(rng):
    n = int(rng.integers(8, 30))
    yield _stop_case(_decreasing(rng, n), rng.uniform(0.1, 5), n + 5, 0.5, 1e-6, 10,
                     "a run that is still improving")

    n = int(rng.integers(8, 30))
    yield _stop_case(_decreasing(rng, n), rng.uniform(1e-9, 1e-7), n + 5, 0.5, 1e-6, 10,
                     "a run whose gradient became tiny")

    losses = _decreasing(rng, int(rng.integers(8, 30)))
    yield _stop_case(losses, rng.uniform(0.1, 5), 1000, losses[-1] + 0.01, 1e-6, 10,
                     "a run whose loss fell below the threshold")

    # The loss reached its best value, then oscillated above it (a spike, then slowly back).
    patience = int(rng.integers(3, 8))
    head = _decreasing(rng, int(rng.integers(5, 15)))
    spike = head[-1] + float(rng.uniform(2, 4)) - np.linspace(0, 1.5, patience + 2)
    yield _stop_case(np.concatenate([head, spike]), rng.uniform(0.1, 5), 1000, 0.5, 1e-6,
                     patience, "a run whose loss jumped up and then came slowly back without "
                               "beating its best")

    n = int(rng.integers(8, 30))
    yield _stop_case(_decreasing(rng, n), rng.uniform(0.1, 5), n - 1, 0.5, 1e-6, 100,
                     "a run that used its whole budget")


_EDGE_STOP = [
    _stop_case([3.0], 1.0, 0, 0.5, 1e-6, 5, "a budget of zero iterations (only w_0)"),
    _stop_case([9.0, 5.0, 4.0], 0.0, 100, 0.5, 1e-6, 5, "a zero gradient"),
    _stop_case([9.0, 5.0, 4.0, 3.0], 0.25, 100, 0.5, 0.25, 5,
               "a gradient norm exactly at the tolerance"),
    _stop_case([9.0, 5.0, 4.0, 3.0], 2.0, 100, 3.0, 1e-6, 5, "a loss exactly at the threshold"),
    _stop_case([9.0, 5.0, 3.0, 3.5, 3.2, 3.1], 2.0, 100, 0.5, 1e-6, 3,
               "a best loss exactly `patience` iterations old"),
    _stop_case([9.0, 5.0, 3.0, 3.5, 3.2], 2.0, 100, 0.5, 1e-6, 3,
               "a best loss `patience` - 1 iterations old"),
    _stop_case([9.0, 4.0, 6.0, 5.0, 4.0, 4.5], 2.0, 100, 0.5, 1e-6, 4,
               "a best loss reached twice: first `patience` iterations ago, then again later"),
    _stop_case([9.0, 5.0, 4.0, 3.0, 2.5], 2.0, 5, 0.5, 1e-6, 10,
               "a run one step before its budget"),
    _stop_case([9.0, 5.0, 4.0, 3.0, 2.5], 1e-8, 4, 0.5, 1e-6, 10,
               "a run that meets the gradient tolerance on the last step of its budget"),
    _stop_case([4e12, 2e12, 1e12], 3e9, 50, 1.0, 1e-6, 5, "large values"),
]


def _stop_max_iter_first(losses, grad_norm, max_iter, loss_tol, grad_tol, patience):
    if len(losses) - 1 >= max_iter:
        return "max_iter"
    return sol.should_stop(losses, grad_norm, max_iter + 10 ** 9, loss_tol, grad_tol, patience)


def _stop_t_off_by_one(losses, grad_norm, max_iter, loss_tol, grad_tol, patience):
    verdict = sol.should_stop(losses, grad_norm, max_iter + 10 ** 9, loss_tol, grad_tol, patience)
    if verdict is None and len(losses) >= max_iter:
        return "max_iter"
    return verdict


def _stop_strict(losses, grad_norm, max_iter, loss_tol, grad_tol, patience):
    if grad_norm < grad_tol:
        return "grad_tol"
    if losses[-1] < loss_tol:
        return "loss_tol"
    return sol.should_stop(losses, np.inf, max_iter, -np.inf, grad_tol, patience)


def _stop_previous_loss(losses, grad_norm, max_iter, loss_tol, grad_tol, patience):
    t = len(losses) - 1
    if grad_norm <= grad_tol:
        return "grad_tol"
    if losses[-1] <= loss_tol:
        return "loss_tol"
    if t >= patience and losses[-1] >= losses[-1 - patience]:
        return "patience"
    if t >= max_iter:
        return "max_iter"
    return None


def _stop_patience_late(losses, grad_norm, max_iter, loss_tol, grad_tol, patience):
    return sol.should_stop(losses, grad_norm, max_iter, loss_tol, grad_tol, patience + 1)


def _stop_patience_early(losses, grad_norm, max_iter, loss_tol, grad_tol, patience):
    return sol.should_stop(losses, grad_norm, max_iter, loss_tol, grad_tol, max(patience - 1, 0))


def _stop_last_best(losses, grad_norm, max_iter, loss_tol, grad_tol, patience):
    """Measures the age of the *last* occurrence of the lowest loss."""
    t = len(losses) - 1
    last_best = t - int(np.argmin(np.asarray(losses)[::-1]))
    if grad_norm <= grad_tol:
        return "grad_tol"
    if losses[-1] <= loss_tol:
        return "loss_tol"
    if t - last_best >= patience:
        return "patience"
    return "max_iter" if t >= max_iter else None


register(Exercise(
    id="ch03.should_stop",
    title="A stopping rule",
    reference=sol.should_stop,
    what="the criterion (or None) for runs that are still improving, reached a tiny gradient, "
         "a small loss, stalled, or spent their budget; tolerances met exactly; a best loss "
         "exactly `patience` and `patience` - 1 iterations old, and one reached twice; a zero "
         "gradient; a budget of zero; several criteria at once; large values.",
    cases=_should_stop_cases,
    edge_cases=_EDGE_STOP,
    output="choice",
    choices=OUTCOMES,
    mistakes=[
        Mistake("budget checked first", _stop_max_iter_first,
                "When the budget runs out at the same moment as a tolerance is met, report the "
                "tolerance: check grad_tol, loss_tol and patience before max_iter."),
        Mistake("t off by one", _stop_t_off_by_one,
                "Your budget runs out one step early: losses holds w_0 too, so the number of "
                "updates done so far is len(losses) - 1."),
        Mistake("strict inequalities", _stop_strict,
                "A tolerance is met when the value is *at or below* it: use <=, not <."),
        Mistake("patience against an old loss", _stop_previous_loss,
                "Patience is about the *best* loss so far: count the iterations since the "
                "lowest loss, not whether the last loss beats the one `patience` steps ago."),
        Mistake("patience off by one", _stop_patience_late,
                "Your patience waits one iteration too long: stop as soon as the best loss is "
                "`patience` iterations old."),
        Mistake("patience one too early", _stop_patience_early,
                "Your patience runs out one iteration early: a best loss `patience` - 1 "
                "iterations old still lets the run continue; stop when it is `patience` old."),
        Mistake("last occurrence of the best loss", _stop_last_best,
                "When the lowest loss occurs twice, count from its *first* occurrence (as "
                "np.argmin does): a loss that only equals the best is no improvement."),
    ],
))


# ----------------------------------------------------------------------------------- early_stopping
def _validation_curve(rng, n):
    """A validation loss: falls, then rises (overfitting), with noise."""
    t = np.arange(n)
    turn = rng.uniform(0.2, 0.6) * n
    return 1 + 0.002 * (t - turn) ** 2 + rng.normal(0, 0.02, n)


def _early_cases(rng):
    for n in (30, 60):
        yield Case((_validation_curve(rng, n), int(rng.integers(3, 8))),
                   label="a noisy validation curve that falls and then rises")
    # A long plateau, then a better minimum that patience never reaches.
    patience = int(rng.integers(3, 6))
    head = np.sort(rng.uniform(2, 5, 6))[::-1]
    plateau = head[-1] + rng.uniform(0.01, 0.5, patience + 3)
    tail = head[-1] - np.sort(rng.uniform(0.1, 1.0, 4))
    yield Case((np.concatenate([head, plateau, tail]), patience),
               label="a curve that stalls longer than the patience before it improves again")
    values = _validation_curve(rng, 40)
    yield Case((values, 100), label="a patience longer than the run")


def _early_stop(val_losses, patience, *, ties_improve=False):
    """(the epoch at which early stopping stops, the best epoch then), vectorised."""
    losses = np.asarray(val_losses, dtype=float)
    epochs = np.arange(len(losses))
    best_before = np.r_[np.inf, np.minimum.accumulate(losses)[:-1]]
    improved = losses <= best_before if ties_improve else losses < best_before
    best = np.maximum.accumulate(np.where(improved, epochs, 0))
    stops = np.flatnonzero(epochs - best >= patience)
    stop = int(stops[0]) if stops.size else len(losses) - 1
    return stop, int(best[stop])


def _early_global_minimum(val_losses, patience):
    return int(np.argmin(val_losses))


def _early_stopping_epoch(val_losses, patience):
    return _early_stop(val_losses, patience)[0]


def _early_patience_late(val_losses, patience):
    return sol.early_stopping(val_losses, patience + 1)


def _early_ties_improve(val_losses, patience):
    return _early_stop(val_losses, patience, ties_improve=True)[1]


register(Exercise(
    id="ch03.early_stopping",
    title="Early stopping",
    reference=sol.early_stopping,
    output="int",
    what="the epoch (a Python int) whose parameters early stopping keeps, for noisy validation "
         "curves, a curve that improves again after patience ran out, exact ties, a patience "
         "longer than the run, a single epoch and large values.",
    cases=_early_cases,
    edge_cases=[Case((np.array([0.7]), 3), label="a single epoch"),
                Case((np.array([5.0, 4.0, 4.0, 4.0, 4.5, 3.0]), 3),
                     label="exact ties with the best loss"),
                Case((np.array([5.0, 4.0, 4.2, 4.1, 3.9, 4.3, 4.4, 4.5]), 2),
                     label="a curve with a stall exactly as long as the patience"),
                Case((np.array([3e9, 2e9, 2.5e9, 2.7e9, 2.9e9, 3.1e9]), 3),
                     label="large values")],
    mistakes=[
        Mistake("global minimum", _early_global_minimum,
                "You returned the best epoch of the whole curve. Early stopping never sees the "
                "epochs after it stops: find the best epoch only up to the stopping point."),
        Mistake("stopping epoch", _early_stopping_epoch,
                "You returned the epoch at which training stops; return the best epoch, whose "
                "parameters early stopping restores."),
        Mistake("patience off by one", _early_patience_late,
                "Your patience waits one epoch too long: stop as soon as the best epoch is "
                "`patience` epochs old."),
        Mistake("ties count as improvements", _early_ties_improve,
                "An epoch that only equals the best loss is not an improvement: use <, not <=."),
    ],
))


# ------------------------------------------------------------------------ classify_stationary_point
POINT_KINDS = ("minimum", "maximum", "saddle", "degenerate")


def _classify_cases(rng):
    for n, signs, label in [
            (3, (1, 1, 1), "a random positive definite Hessian"),
            (4, (-1, -1, -1, -1), "a random negative definite Hessian"),
            (3, (1, -1, 1), "a random Hessian with eigenvalues of both signs"),
            (5, (1, 1, 1, 1, -1), "a random Hessian with a single negative eigenvalue")]:
        yield Case((rotated(rng, np.array(signs) * rng.uniform(0.5, 10, n)),), label=label)
    for eigenvalues, label in [
            ((2.0, 1.0, 0.0), "a rotated Hessian with eigenvalues 2, 1 and 0"),
            ((-3.0, -1.0, 0.0), "a rotated Hessian with eigenvalues -3, -1 and 0"),
            ((5.0, 0.0, 0.0, 2.0), "a rotated Hessian with two zero eigenvalues"),
            ((2.0, -1.0, 0.0), "a rotated saddle with a zero eigenvalue"),
            ((4.0, 1e-5), "a rotated Hessian with a small but clearly positive eigenvalue")]:
        yield Case((rotated(rng, eigenvalues),), label=label)


def _classify_by_diagonal(H):
    return sol.classify_stationary_point(np.diag(np.diag(H)))


def _classify_by_determinant(H):
    det = np.linalg.det(H)
    return "minimum" if det > 0 else "saddle" if det < 0 else "degenerate"


def _classify_non_strict(H):
    eigenvalues = np.linalg.eigvalsh(H)
    if np.all(eigenvalues >= 0):
        return "minimum"
    if np.all(eigenvalues <= 0):
        return "maximum"
    return "saddle"


def _classify_swapped(H):
    verdict = sol.classify_stationary_point(H)
    return {"minimum": "maximum", "maximum": "minimum"}.get(verdict, verdict)


def _classify_exact_signs(H):
    eigenvalues = np.linalg.eigvalsh(H)
    if np.all(eigenvalues > 0):
        return "minimum"
    if np.all(eigenvalues < 0):
        return "maximum"
    if np.any(eigenvalues > 0) and np.any(eigenvalues < 0):
        return "saddle"
    return "degenerate"


register(Exercise(
    id="ch03.classify_stationary_point",
    title="Minimum, maximum or saddle?",
    reference=sol.classify_stationary_point,
    output="choice",
    choices=POINT_KINDS,
    what="the kind of stationary point for random rotated Hessians with eigenvalues of one "
         "sign or of both signs, rotated singular Hessians (zero eigenvalues that round-off "
         "turns into tiny numbers of either sign), a small but genuine eigenvalue, a rotated "
         "saddle with a positive diagonal, a 2 x 2 maximum, 1 x 1 Hessians, exact zero "
         "eigenvalues and large values.",
    cases=_classify_cases,
    edge_cases=[Case((np.array([[3.0]]),), label="a 1 x 1 positive Hessian"),
                Case((np.array([[0.0]]),), label="a 1 x 1 zero Hessian"),
                Case((np.diag([2.0, -2.0]),), label="the Hessian of x^2 - y^2"),
                Case((np.array([[2.0, 3.0], [3.0, 2.0]]),),
                     label="a rotated saddle whose diagonal is positive"),
                Case((-np.eye(2),), label="a 2 x 2 maximum"),
                Case((np.diag([1.0, 0.0]),), label="a zero and a positive eigenvalue"),
                Case((np.diag([-1.0, 0.0, 4.0]),),
                     label="a zero eigenvalue between two of opposite signs"),
                Case((np.diag([3e9, 1e8]),), label="large values")],
    mistakes=[
        Mistake("diagonal entries", _classify_by_diagonal,
                "You looked at the diagonal entries of H. They are its eigenvalues only when H "
                "is diagonal; a rotated Hessian needs np.linalg.eigvalsh."),
        Mistake("determinant", _classify_by_determinant,
                "The sign of the determinant is not enough: a 2 x 2 maximum has a positive "
                "determinant, just like a minimum. Look at the sign of every eigenvalue."),
        Mistake("non-strict", _classify_non_strict,
                "A zero eigenvalue makes the test inconclusive: a minimum needs every "
                "eigenvalue strictly positive (> 0, not >= 0)."),
        Mistake("minimum and maximum swapped", _classify_swapped,
                "Positive eigenvalues mean the function curves upwards in every direction: "
                "that is a minimum, not a maximum."),
        Mistake("exact signs", _classify_exact_signs,
                "Your test takes the signs of the computed eigenvalues literally. A zero "
                "eigenvalue of a rotated Hessian comes out as a tiny number such as 3e-16 or "
                "-2e-16: count |lambda| <= 1e-9 * max |lambda_i| as zero, as the exercise says."),
    ],
))


# --------------------------------------------------------------------------------- condition_number
def _condition_cases(rng):
    for n in (2, 3, 5, 8):
        eigenvalues = np.exp(rng.uniform(-2, 5, n))
        yield Case((rotated(rng, eigenvalues),),
                   label=f"a random {n} x {n} symmetric positive definite matrix")
    X = rng.standard_normal((40, 3)) * [1.0, 10.0, 0.1] + [0.0, 5.0, 2.0]
    Z = np.column_stack([np.ones(40), X])
    yield Case((Z.T @ Z / 40,), label="the Hessian of a least-squares problem with unscaled "
                                      "features")


def _condition_inverted(A):
    return 1 / sol.condition_number(A)


def _condition_diagonal(A):
    return np.max(np.diag(A)) / np.min(np.diag(A))


def _condition_difference(A):
    return np.ptp(np.linalg.eigvalsh(A))


def _condition_only_L(A):
    return np.max(np.linalg.eigvalsh(A))


register(Exercise(
    id="ch03.condition_number",
    title="The condition number",
    reference=sol.condition_number,
    output="scalar",
    rtol=1e-7,
    what="the largest over the smallest eigenvalue for random rotated symmetric positive "
         "definite matrices of several sizes, a least-squares Hessian, a 1 x 1 matrix, a "
         "multiple of the identity, a diagonal matrix and large entries.",
    cases=_condition_cases,
    edge_cases=[Case((np.array([[7.0]]),), label="a 1 x 1 matrix"),
                Case((3.0 * np.eye(4),), label="a multiple of the identity"),
                Case((np.diag([0.5, 8.0, 2.0]),), label="a diagonal matrix"),
                Case((np.array([[2e8, 1e8], [1e8, 3e8]]),), label="large entries")],
    mistakes=[
        Mistake("inverted", _condition_inverted,
                "Your ratio is upside down: kappa = L / mu is at least 1."),
        Mistake("diagonal entries", _condition_diagonal,
                "You used the diagonal entries of A. They are the eigenvalues only when A is "
                "diagonal; a rotated matrix needs its eigenvalues (np.linalg.eigvalsh)."),
        Mistake("difference", _condition_difference,
                "You subtracted the eigenvalues; the condition number is a ratio."),
        Mistake("only L", _condition_only_L,
                "You returned the largest eigenvalue L alone; kappa compares it with the "
                "smallest."),
    ],
))


# ----------------------------------------------------------------------------- predicted_iterations
def _ratio_far_from_integer(kappa, eps):
    q = (kappa - 1) / (kappa + 1)
    x = math.log(eps) / math.log(q)
    return abs(x - round(x)) > 1e-6


def _iterations_cases(rng):
    found = 0
    while found < 6:
        kappa = float(np.exp(rng.uniform(np.log(1.5), np.log(2e4))))
        eps = float(np.exp(rng.uniform(np.log(1e-12), np.log(0.3))))
        if _ratio_far_from_integer(kappa, eps):
            found += 1
            yield Case((kappa, eps), label="a random condition number and tolerance")


def _iterations_slow_rate(kappa, eps):
    return int(np.ceil(np.log(eps) / np.log(1 - 1 / kappa)))


def _iterations_rounded_down(kappa, eps):
    return int(np.log(eps) / np.log((kappa - 1) / (kappa + 1)))


def _iterations_truncated_plus_one(kappa, eps):
    return int(np.log(eps) / np.log((kappa - 1) / (kappa + 1))) + 1


def _iterations_approximation(kappa, eps):
    return int(np.ceil(kappa / 2 * np.log(1 / eps)))


def _iterations_upside_down(kappa, eps):
    return int(np.ceil(np.log((kappa - 1) / (kappa + 1)) / np.log(eps)))


register(Exercise(
    id="ch03.predicted_iterations",
    title="Predicting the number of iterations",
    reference=sol.predicted_iterations,
    output="int",
    what="the smallest whole number T (a Python int) with q^T <= eps for random kappa in "
         "[1.5, 20000] and eps in [1e-12, 0.3], tolerances that are exact powers of q (where "
         "q^T = eps), kappa just above 1, a very large kappa and a tolerance close to 1.",
    cases=_iterations_cases,
    edge_cases=[Case((1.001, 1e-6), label="a condition number just above 1"),
                Case((10.0, 1e-3), label="kappa = 10 and eps = 1e-3"),
                Case((3.0, 0.5 ** 10), label="kappa = 3 (q = 1/2) and eps = q^10 exactly"),
                Case((5.0 / 3.0, 0.25 ** 5), label="q = 1/4 and eps = q^5 exactly"),
                Case((1e6, 1e-8), label="a very large condition number"),
                Case((4.0, 0.9), label="a tolerance close to 1")],
    mistakes=[
        Mistake("rate of the 1/L step", _iterations_slow_rate,
                "You used the rate 1 - 1/kappa of the step 1/L. With the step 2/(L + mu) the "
                "rate is (kappa - 1) / (kappa + 1)."),
        Mistake("rounded down", _iterations_rounded_down,
                "You rounded down (int() truncates): after that many steps q^T is still above "
                "eps. Round up with np.ceil."),
        Mistake("truncated plus one", _iterations_truncated_plus_one,
                "int(x) + 1 is one too many when x = ln(eps) / ln(q) is a whole number, that is "
                "when q^T equals eps exactly and T steps are already enough: round up with "
                "np.ceil (or math.ceil) instead."),
        Mistake("large-kappa approximation", _iterations_approximation,
                "You used the approximation (kappa / 2) ln(1/eps), which is only good for large "
                "kappa; compute the exact ln(eps) / ln(q)."),
        Mistake("fraction upside down", _iterations_upside_down,
                "Solve q^T = eps for T: T = ln(eps) / ln(q). Your fraction is upside down."),
    ],
))


# ----------------------------------------------------------------------------------- slowest_start
_ONE_OVER_L = ("With lr = 1/L a step multiplies the error along the steep axis by "
               "1 - (1/L) L = 0 and along the flat axis by 1 - mu/L = 0.99.")

register(Exercise(
    id="ch03.slowest_start",
    title="Predict: which start is slowest?",
    reference=sol.slowest_start(),
    kind="value",
    output="choice",
    choices=("flat", "steep", "diagonal", "same"),
    what="your prediction of the start that needs the most steps, compared with what the "
         "three runs do.",
    mistakes=[
        Mistake("the steep start", "steep",
                "The steep direction is not the slow one here. " + _ONE_OVER_L + " A start on "
                "the steep axis is at the minimum after a single step: what a large condition "
                "number slows down is the flat direction."),
        Mistake("the diagonal start", "diagonal",
                "The diagonal start has error along both axes, but after its first step only "
                "the flat part is left. " + _ONE_OVER_L + " That flat part is 1/sqrt(2) of the "
                "flat start's error, so the diagonal start needs a few dozen steps fewer."),
        Mistake("all the same", "same",
                "The guarantee (1 - 1/kappa)^t holds for every start, but only an error along "
                "the flattest direction attains it. " + _ONE_OVER_L),
    ],
))


# -------------------------------------------------------------------------------- scaling_settings
_SCALING_TARGET, _SCALING_BUDGET = 1e-6, 40
_PREPARATIONS = ("raw", "centred only", "scaled only", "standardized")
_PREPARED = {"raw": "the raw features", "centred only": "features that are only centred",
             "scaled only": "features that are only scaled",
             "standardized": "standardized features"}


@functools.lru_cache(maxsize=1)
def _s4_s5():
    """The unscaled diabetes features s4 and s5 and the targets, read-only."""
    from sklearn.datasets import load_diabetes

    X_raw, y = load_diabetes(return_X_y=True, scaled=False)
    return read_only(X_raw[:, [7, 8]]), read_only(y)


def _prepared(features):
    """The regression on s4 and s5 prepared as ``features`` says, its solution and the
    smallest and largest eigenvalue of its Hessian."""
    X, y = _s4_s5()
    mean, std = X.mean(axis=0), X.std(axis=0)
    prepared = {"raw": X, "centred only": X - mean, "scaled only": X / std,
                "standardized": (X - mean) / std}[features]
    problem = LinearRegression(prepared, y)
    eigenvalues = np.linalg.eigvalsh(problem.hessian())
    return problem, problem.solution(), eigenvalues[0], eigenvalues[-1]


def _scaling_cases(rng):
    for _ in range(3):
        direction = rng.standard_normal(3)
        yield Case((direction / np.linalg.norm(direction),),
                   label="a random start, as far from the solution as the solution from 0")


def _scaling_failure(features, lr, n_steps, ratio, mu, L) -> Verdict:
    flat, steep = 1 - lr * mu, 1 - lr * L
    left = f"after {n_steps} steps the distance to the solution is " \
           f"{missed_by(ratio, _SCALING_TARGET)} (as a fraction of the start)."
    kappa = L / mu
    best = (kappa - 1) / (kappa + 1)
    needed = math.ceil(math.log(_SCALING_TARGET) / math.log(best))
    more = f" You may also use up to {_SCALING_BUDGET} steps." \
        if n_steps < _SCALING_BUDGET else ""
    if not np.isfinite(ratio) or ratio > 1 or abs(steep) > 1:
        return Verdict("diverged", f"Your run diverged: {left} With {_PREPARED[features]} "
                                   f"L = {sci(L)}, and a rate above 2/L = {sci(2 / L)} makes "
                                   f"the error along the steepest direction grow by "
                                   f"|1 - lr L| = {abs(steep):.3g} per step.")
    if needed > _SCALING_BUDGET:
        return Verdict("ill-conditioned", f"These features are ill-conditioned: {left} With "
                                          f"{_PREPARED[features]} kappa = {sci(kappa)}, so "
                                          f"even the best constant step 2/(L + mu) shrinks the "
                                          f"error by only (kappa - 1)/(kappa + 1) = "
                                          f"{best:.4f} per step: about {sci(needed)} steps "
                                          f"for 1e-6.")
    if abs(flat) >= abs(steep):
        return Verdict("too slow", f"Your run was too slow: {left} Your step multiplies the "
                                   f"error along the flattest direction (curvature mu = "
                                   f"{sci(mu)}) by 1 - lr mu = {flat:.3g} per step.{more}")
    return Verdict("zig-zagging", f"Your run kept zig-zagging: {left} Your step multiplies "
                                  f"the error along the steepest direction (curvature L = "
                                  f"{sci(L)}) by 1 - lr L = {steep:.3g} per step: it flips "
                                  f"sign and shrinks too little.{more}")


def _scaling_verdict(settings, direction) -> Verdict:
    """Re-run gradient descent on the prepared features with the learner's settings, from 0
    or from the solution plus |solution| times ``direction``."""
    forms = {"features": _PREPARATIONS, "lr": "rate", "n_steps": "count"}
    unpacked = unpack_settings(settings, forms)
    if isinstance(unpacked, Verdict):
        return unpacked
    features, lr, n_steps = unpacked
    late = over_budget("n_steps", n_steps, _SCALING_BUDGET)
    if late:
        return late
    problem, solution, mu, L = _prepared(features)
    theta = np.zeros(3) if direction is None else \
        solution + np.linalg.norm(solution) * direction
    start = np.linalg.norm(theta - solution)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_steps):
            theta = theta - lr * problem.grad(theta)
        ratio = float(np.linalg.norm(theta - solution) / start)
    if ratio <= _SCALING_TARGET:
        return Verdict(REACHED)
    return _scaling_failure(features, lr, n_steps, ratio, mu, L)


def _scaling_raw():
    return "raw", 0.04, 40


def _scaling_timid():
    return "standardized", 0.5, 40


def _scaling_near_the_limit():
    return "standardized", 1.15, 40


def _scaling_diverging():
    return "standardized", 1.3, 40


def _scaling_too_many_steps():
    return "standardized", 1.0, 100


register(Exercise(
    id="ch03.scaling_settings",
    title="Experiment: prepare the features, then choose the step",
    reference=sol.scaling_settings,
    what="your settings, re-run on the features s4 and s5 of the unscaled diabetes data from "
         "theta_0 = 0 and from three random starts: the distance to the solution must fall "
         "to 1e-6 of its initial value within at most 40 steps.",
    cases=_scaling_cases,
    edge_cases=[Case((None,), label="the start theta_0 = 0")],
    **experiment_fields(_scaling_verdict, "diverged", "ill-conditioned", "too slow",
                        "zig-zagging", "over budget"),
    mistakes=[
        Mistake("raw features", _scaling_raw,
                "No learning rate can rescue these features within 40 steps: their condition "
                "number is far too large. Prepare them as this chapter did (centre and "
                "scale), then choose lr."),
        Mistake("timid rate", _scaling_timid,
                "The features are right; now the step is too timid: the flattest direction "
                "shrinks by only 1 - lr mu per step. Compute mu and L of the standardized "
                "problem (LinearRegression(...).mu and .L) and move lr towards "
                "2/(L + mu)."),
        Mistake("rate near the limit", _scaling_near_the_limit,
                "Your step overshoots along the steepest direction, which it multiplies by "
                "1 - lr L, close to -1. Move lr down towards 2/(L + mu)."),
        Mistake("diverging rate", _scaling_diverging,
                "Your lr is above the stability limit 2/L of these features: the error along "
                "the steepest direction grows at every step."),
        Mistake("over the budget", _scaling_too_many_steps,
                "The goal includes the budget of 40 steps; with well-prepared features and a "
                "good lr, far fewer would do."),
    ],
))


# ------------------------------------------------------------------------------------- standardize
def _standardize_columns_cases(rng):
    for m, n in ((20, 3), (7, 2), (100, 6)):
        spreads = np.exp(rng.uniform(np.log(0.1), np.log(100.0), n))
        offsets = rng.uniform(-50, 50, n)
        yield Case((rng.standard_normal((m, n)) * spreads + offsets,),
                   label=f"{m} samples of {n} features with different means and spreads")


def _standardize_as_given(X):
    return (X - X.mean(axis=0)) / X.std()


def _standardize_sample_std(X):
    return (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)


def _standardize_not_centred(X):
    return X / X.std(axis=0)


def _standardize_global_mean(X):
    return (X - X.mean()) / X.std(axis=0)


register(Exercise(
    id="ch03.standardize",
    title="Debug: a standardization that leaves kappa large",
    reference=sol.standardize,
    what="the repaired columns on random data whose features have different means and "
         "spreads, one feature, two features on very different scales, and a feature far "
         "from zero mean.",
    cases=_standardize_columns_cases,
    edge_cases=[Case((np.array([[1.0], [2.0], [4.0], [7.0]]),), label="one feature"),
                Case((np.array([[1.0, 300.0], [2.0, 100.0], [3.0, 500.0], [6.0, 200.0]]),),
                     label="two features on very different scales"),
                Case((np.array([[1000.0, 0.5], [1001.0, -0.5], [1003.0, 1.5]]),),
                     label="a feature far from zero mean")],
    forbid_mutation=True,
    mistakes=[
        Mistake("the planted bug", _standardize_as_given,
                "These are the columns of the code as given: the bug is still there. Look at "
                "standardize(X_raw).std(axis=0), where every entry should be 1, and at the "
                "condition number of LinearRegression(standardize(X_raw), y): this chapter "
                "found about 470 for the standardized diabetes features."),
        Mistake("sample standard deviation", _standardize_sample_std,
                "You divide by the sample standard deviation (ddof=1). Standardizing uses "
                "np.std's default, ddof=0, as StandardScaler does: then every column has "
                "standard deviation exactly 1."),
        Mistake("not centred", _standardize_not_centred,
                "Your columns are scaled but no longer centred: subtract each column's mean as "
                "well. This chapter showed that the means matter most for kappa."),
        Mistake("mean of all entries", _standardize_global_mean,
                "X.mean() without an axis is one number, the mean of all entries: each column "
                "needs its own mean, X.mean(axis=0)."),
    ],
))
