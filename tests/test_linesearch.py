"""Armijo backtracking, the Polyak step and Barzilai-Borwein (gdcourse.linesearch)."""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

from gdcourse import linesearch as ls
from gdcourse.descent import gradient_descent
from gdcourse.objectives import (Function, LinearRegression, LogisticRegression, Quadratic,
                                 Rosenbrock)
from gdcourse.solutions import ch09


class Counting:
    """An objective that counts the values and gradients asked of it."""

    def __init__(self, objective):
        self.objective, self.losses, self.grads = objective, 0, 0

    def loss(self, w):
        self.losses += 1
        return self.objective.loss(w)

    def grad(self, w):
        self.grads += 1
        return self.objective.grad(w)


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return LinearRegression(StandardScaler().fit_transform(X), (y - y.mean()) / y.std())


@pytest.fixture(scope="module")
def logistic():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4))
    y = (X @ [1.0, -2.0, 0.5, 0.0] + rng.standard_normal(200) > 0).astype(float)
    return LogisticRegression(X, y, alpha=0.01)


QUADRATIC = Quadratic.from_eigenvalues([0.5, 2.0, 7.0, 30.0], b=np.ones(4), seed=3)


# ----------------------------------------------------------------------------- Armijo

@pytest.mark.parametrize("lr, c, shrink", [(1.0, 1e-4, 0.5), (10.0, 0.3, 0.7), (0.01, 0.5, 0.2)])
def test_backtracking_returns_the_first_step_with_enough_decrease(lr, c, shrink):
    w = np.array([3.0, -1.0, 2.0, 0.5])
    loss, g = QUADRATIC.loss(w), QUADRATIC.grad(w)
    eta, w_new, loss_new, trials = ls.armijo_backtracking(QUADRATIC, w, loss, g, lr, c=c,
                                                          shrink=shrink)
    assert eta == pytest.approx(lr * shrink ** (trials - 1), rel=1e-13)
    np.testing.assert_array_equal(w_new, w - eta * g)
    assert loss_new == QUADRATIC.loss(w_new) <= loss - c * eta * (g @ g)
    for k in range(trials - 1):                      # every earlier trial failed the test
        bigger = lr * shrink ** k
        assert QUADRATIC.loss(w - bigger * g) > loss - c * bigger * (g @ g)
    assert eta == ch09.armijo_step(QUADRATIC.loss, w, g, lr, c, shrink)   # the exercise


def test_accepted_steps_are_never_below_the_guarantee(diabetes):
    """On an L-smooth f every step <= 2 (1 - c) / L passes, so the search never goes below
    min(first trial, 2 shrink (1 - c) / L)."""
    c, shrink, grow = 0.3, 0.5, 2.0
    run = ls.armijo_descent(diabetes, np.zeros(11), 10.0, c=c, shrink=shrink, grow=grow,
                            max_iter=300, grad_tol=None)
    assert run.lrs.min() >= 2 * shrink * (1 - c) / diabetes.L
    assert np.all(np.diff(run.losses) < 0)               # a descent method
    assert run.lrs[0] <= 10.0 and np.all(run.lrs[1:] <= grow * run.lrs[:-1])


def test_armijo_counts_every_value_and_gradient_it_computes(logistic):
    counted = Counting(logistic)
    run = ls.armijo_descent(counted, np.zeros(5), 5.0, max_iter=40, grad_tol=None)
    assert run.loss_evals == counted.losses and run.grad_evals == counted.grads == 41
    assert run.n_iter == 40 and run.stop_reason == "max_iter"


def test_armijo_reaches_the_least_squares_solution(diabetes):
    """To |grad| <= 1e-8, so |w - w*| <= 1e-8 / mu (about 1.2e-6); below that the Armijo test
    compares values of f that differ by less than their round-off."""
    run = ls.armijo_descent(diabetes, np.zeros(11), 1.0, max_iter=20_000, grad_tol=1e-8)
    assert run.stop_reason == "grad_tol"
    assert np.linalg.norm(run.w - diabetes.solution()) <= 1e-8 / diabetes.mu


def test_backtracking_refuses_a_direction_that_is_not_downhill():
    w = np.array([1.0, 1.0])
    with pytest.raises(ArithmeticError, match="gradient"):
        ls.armijo_backtracking(QUADRATIC.__class__(np.eye(2)), w, 1.0, -w, 1.0, max_trials=30)


def test_backtracking_steps_back_from_an_overflow():
    f = Function(lambda w: float(np.exp(w[0] ** 2)), lambda w: 2 * w * np.exp(w ** 2))
    w = np.array([1.0])
    with np.errstate(over="ignore"):
        eta, w_new, loss_new, trials = ls.armijo_backtracking(f, w, f.loss(w), f.grad(w), 1e3)
    assert np.isfinite(loss_new) and loss_new < f.loss(w) and trials > 1


# ----------------------------------------------------------------------------- Polyak

def test_polyak_step_on_a_quadratic_shrinks_the_distance_by_three_gaps_squared():
    """With g = A e and f - f* = e^T A e / 2, |e - eta g|^2 = |e|^2 - 3 (f - f*)^2 / |g|^2."""
    q, w_star = QUADRATIC, QUADRATIC.minimizer
    run = ls.polyak_descent(q, np.array([4.0, -3.0, 2.0, 1.0]), q.min_value, max_iter=20,
                            grad_tol=None)
    distances = np.sum((run.params - w_star) ** 2, axis=1)
    gaps = run.losses - q.min_value
    predicted = distances[:-1] - 3 * gaps[:-1] ** 2 / run.grad_norms[:-1] ** 2
    np.testing.assert_allclose(distances[1:], predicted, rtol=1e-9)
    np.testing.assert_allclose(run.lrs, gaps[:-1] / run.grad_norms[:-1] ** 2, rtol=1e-12)


def test_polyak_on_a_convex_function_never_moves_away_from_the_minimiser(logistic):
    w_star = ls.armijo_descent(logistic, np.zeros(5), 1.0, max_iter=5000, grad_tol=1e-12).w
    f_star = logistic.loss(w_star)
    run = ls.polyak_descent(logistic, np.zeros(5), f_star, max_iter=200, grad_tol=None)
    distances = np.sum((run.params - w_star) ** 2, axis=1)
    gaps = np.maximum(run.losses - f_star, 0.0)
    bound = distances[:-1] - gaps[:-1] ** 2 / run.grad_norms[:-1] ** 2
    assert np.all(distances[1:] <= bound + 1e-12)
    assert run.losses[-1] - f_star < 1e-10


def test_polyak_counts_one_value_and_one_gradient_per_step():
    counted = Counting(Rosenbrock())
    run = ls.polyak_descent(counted, [-1.2, 1.0], 0.0, max_iter=50, grad_tol=None)
    assert run.loss_evals == counted.losses == run.grad_evals == counted.grads == 51


def test_polyak_stops_at_f_star_and_refuses_an_f_star_that_is_too_high():
    f = Function(lambda w: float(abs(w[0])), lambda w: np.sign(w))        # f* = 0, at 0
    run = ls.polyak_descent(f, [3.0], 0.0, grad_tol=None)
    assert run.stop_reason == "f_star" and run.n_iter == 1 and run.w[0] == 0.0
    with pytest.raises(ValueError, match="f_star"):
        ls.polyak_descent(QUADRATIC, np.ones(4), QUADRATIC.loss(np.ones(4)) + 1.0)


# ----------------------------------------------------------------------------- Barzilai-Borwein

@pytest.mark.parametrize("variant, power", [("long", 1), ("short", 2)])
def test_bb_steps_on_a_quadratic_are_inverse_rayleigh_quotients_one_step_late(variant, power):
    """With s = -eta g_{t-1} and y = A s: s^T s / s^T y = g^T g / g^T A g and
    s^T y / y^T y = g^T A g / g^T A^2 g, for g = g_{t-1}."""
    A = QUADRATIC.A
    run = ls.barzilai_borwein_descent(QUADRATIC, np.array([4.0, -3.0, 2.0, 1.0]), 0.01,
                                      variant=variant, max_iter=30, grad_tol=None)
    G = run.params[:-2] @ A - QUADRATIC.b                         # g_0, ..., g_{T-2}
    A_power = np.linalg.matrix_power(A, power)
    numerator = np.einsum("ij,jk,ik->i", G, np.linalg.matrix_power(A, power - 1), G)
    expected = numerator / np.einsum("ij,jk,ik->i", G, A_power, G)
    np.testing.assert_allclose(run.lrs[1:], expected, rtol=1e-8)
    assert run.lrs[0] == 0.01
    eigenvalues = QUADRATIC.eigenvalues
    assert np.all((1 / eigenvalues[-1] <= run.lrs[1:] * (1 + 1e-12))
                  & (run.lrs[1:] <= 1 / eigenvalues[0] * (1 + 1e-12)))


def test_bb_step_of_the_exercise_is_the_package_step():
    rng = np.random.default_rng(1)
    w_prev, w = rng.standard_normal(3), rng.standard_normal(3)
    g_prev, g = QUADRATIC.grad(np.r_[w_prev, 0.0])[:3], QUADRATIC.grad(np.r_[w, 0.0])[:3]
    assert ch09.barzilai_borwein_step(w_prev, w, g_prev, g) == pytest.approx(
        ls.barzilai_borwein_step(w - w_prev, g - g_prev), rel=1e-14)


def test_bb_falls_back_on_lr0_without_positive_curvature():
    assert ls.barzilai_borwein_step(np.array([1.0, 0.0]), np.array([-1.0, 0.0])) is None
    concave = Function(lambda w: float(-np.sum(np.cos(w))), lambda w: np.sin(w))
    run = ls.barzilai_borwein_descent(concave, [2.5], 0.1, max_iter=3, grad_tol=None)
    # near pi the cosine curves downwards: s^T y < 0, so the next step is lr0 again
    assert run.lrs[1] == 0.1


def test_bb_reaches_the_least_squares_solution_with_no_function_values(diabetes):
    counted = Counting(diabetes)
    run = ls.barzilai_borwein_descent(counted, np.zeros(11), 0.1, max_iter=2000,
                                      grad_tol=1e-10)
    assert run.stop_reason == "grad_tol" and run.loss_evals == 0
    assert run.grad_evals == counted.grads == run.n_iter + 1
    np.testing.assert_allclose(run.w, diabetes.solution(), rtol=1e-7, atol=1e-9)


# ----------------------------------------------------------------------------- the baseline

def test_sweep_finds_the_step_with_the_fewest_iterations(diabetes):
    w0 = np.zeros(11)
    f_star = diabetes.loss(diabetes.solution())
    target = f_star + 1e-6 * (diabetes.loss(w0) - f_star)
    lrs = np.geomspace(0.05, 1.0, 9)
    sweep = ls.constant_step_sweep(diabetes, w0, lrs, loss_tol=target, max_iter=20_000)
    counts = []
    for lr in lrs:
        run = gradient_descent(diabetes, w0, lr=lr, max_iter=20_000, grad_tol=None,
                               loss_tol=target, record_params=False)
        counts.append(run.n_iter if run.stop_reason == "loss_tol" else np.inf)
    assert sweep.best_iterations == min(counts)
    assert sweep.best_lr == lrs[int(np.argmin(counts))]
    assert not np.isfinite(sweep.losses[lrs > 2 / diabetes.L]).any()     # blew up: dropped


def test_sweep_raises_when_no_step_reaches_the_target(diabetes):
    with pytest.raises(ValueError, match="loss_tol"):
        ls.constant_step_sweep(diabetes, np.zeros(11), [1e-3], loss_tol=0.0, max_iter=10)


@pytest.mark.parametrize("call, name", [
    (lambda: ls.armijo_descent(QUADRATIC, np.ones(4), 0.0), "lr0"),
    (lambda: ls.armijo_descent(QUADRATIC, np.ones(4), c=1.0), "c"),
    (lambda: ls.armijo_descent(QUADRATIC, np.ones(4), shrink=1.5), "shrink"),
    (lambda: ls.armijo_descent(QUADRATIC, np.ones(4), grow=0.5), "grow"),
    (lambda: ls.polyak_descent(QUADRATIC, np.ones(4), "zero"), "f_star"),
    (lambda: ls.barzilai_borwein_descent(QUADRATIC, np.ones(4), -1.0), "lr0"),
    (lambda: ls.barzilai_borwein_descent(QUADRATIC, np.ones(4), 0.1, variant="medium"),
     "variant"),
    (lambda: ls.barzilai_borwein_descent(QUADRATIC, np.ones(4), 0.1, max_iter=-1), "max_iter"),
    (lambda: ls.constant_step_sweep(QUADRATIC, np.ones(4), [0.1, -0.1], loss_tol=0.0), "lrs"),
    (lambda: ls.armijo_backtracking(QUADRATIC, np.ones(4), 1.0, np.ones(4), 1.0, c=0.0), "c"),
    (lambda: ls.armijo_backtracking(QUADRATIC, np.ones(4), 1.0, np.ones(4), 1.0,
                                    shrink=1.0), "shrink"),
    (lambda: ls.armijo_backtracking(QUADRATIC, np.ones(4), 1.0, np.ones(4), 1.0,
                                    max_trials=0), "max_trials"),
])
def test_bad_hyperparameters_raise_value_errors_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()
