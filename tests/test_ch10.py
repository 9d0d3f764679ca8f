"""Chapter 10: the implicit bias of gradient descent (the minimum-norm solution), the hinge
loss against scikit-learn, the exact expectations of mini-batch SGD, and the chapter's
reference solutions against the package."""

import itertools
import math

import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier
from sklearn.linear_model._sgd_fast import Hinge
from sklearn.metrics import hinge_loss

from gdcourse import schedules, theory
from gdcourse.descent import gradient_descent
from gdcourse.objectives import LinearRegression, LinearSVM
from gdcourse.solutions import ch10
from gdcourse.variants import minibatch_descent


# ------------------------------------------------------------------ implicit bias
def wide_problem(seed, m, n, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n)) * rng.uniform(0.5, 2.0, n) * scale
    return X, rng.standard_normal(m), rng.standard_normal(n)


@pytest.mark.parametrize("seed, m, n", [(0, 1, 2), (1, 5, 12), (2, 20, 50), (3, 30, 40)])
def test_gradient_descent_from_zero_reaches_the_pseudo_inverse_solution(seed, m, n):
    X, y, _ = wide_problem(seed, m, n)
    problem = LinearRegression(X, y, fit_intercept=False)
    run = gradient_descent(problem, np.zeros(n), lr=1 / problem.L, max_iter=200_000,
                           grad_tol=1e-13)
    minimum_norm = np.linalg.pinv(X) @ y
    assert run.converged
    assert np.linalg.norm(run.w - minimum_norm) <= 1e-9 * np.linalg.norm(minimum_norm)
    # every other solution is longer: add a null-space vector
    null_vector = np.linalg.svd(X)[2][-1]
    assert np.allclose(X @ null_vector, 0, atol=1e-12)
    assert np.linalg.norm(minimum_norm + 0.1 * null_vector) > np.linalg.norm(minimum_norm)


@pytest.mark.parametrize("seed, m, n", [(4, 3, 7), (5, 10, 40)])
def test_from_another_start_the_null_space_part_never_changes(seed, m, n):
    X, y, w0 = wide_problem(seed, m, n)
    problem = LinearRegression(X, y, fit_intercept=False)
    run = gradient_descent(problem, w0, lr=1.5 / problem.L, max_iter=200_000,
                           grad_tol=1e-13)
    projector = np.eye(n) - np.linalg.pinv(X) @ X            # onto the null space of X
    null_parts = run.params @ projector.T
    assert np.max(np.abs(null_parts - projector @ w0)) <= 1e-12 * np.linalg.norm(w0)
    closest = w0 + np.linalg.pinv(X) @ (y - X @ w0)
    assert np.linalg.norm(run.w - closest) <= 1e-9 * np.linalg.norm(closest)
    np.testing.assert_allclose(ch10.gd_limit(X, y, w0), closest, rtol=1e-12, atol=1e-12)


def test_sgd_from_zero_also_reaches_the_minimum_norm_solution():
    X, y, _ = wide_problem(6, 8, 20)
    problem = LinearRegression(X, y, fit_intercept=False)
    run = minibatch_descent(problem, np.zeros(20), lr=0.2 / np.max(np.sum(X ** 2, axis=1)),
                            batch_size=1, epochs=3000, random_state=0, record="epoch")
    minimum_norm = np.linalg.pinv(X) @ y
    assert np.linalg.norm(run.w - minimum_norm) <= 1e-9 * np.linalg.norm(minimum_norm)


# ------------------------------------------------------------------ the hinge loss
def classification(seed, m=60, n=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    y = np.where(X @ rng.standard_normal(n) + 0.5 * rng.standard_normal(m) > 0, 1.0, -1.0)
    return X, y, rng.standard_normal(n + 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hinge_loss_is_sklearns_plus_the_penalty(seed):
    X, y, theta = classification(seed)
    svm = LinearSVM(X, y, alpha=0.3)
    scores = svm.decision_function(theta, X)
    assert svm.loss(theta) == pytest.approx(
        hinge_loss(y, scores) + 0.15 * theta[1:] @ theta[1:], rel=1e-13)
    without_bias = LinearSVM(X, y, fit_intercept=False)
    assert without_bias.loss(theta[1:]) == pytest.approx(hinge_loss(y, X @ theta[1:]),
                                                         rel=1e-13)


def test_subgradient_is_sklearns_per_example_derivative_even_at_the_kink():
    hinge = Hinge(1.0)
    X = np.array([[1.0], [2.0], [-1.0], [0.25], [3.0]])
    y = np.array([1.0, 1.0, -1.0, -1.0, 1.0])
    theta = np.array([0.0, 0.5])                 # margins 0.5, 1 (the kink), 0.5, -0.125, 1.5
    svm = LinearSVM(X, y, alpha=0.0)
    Z = np.column_stack([np.ones(5), X])
    scores = Z @ theta
    dloss = np.array([hinge.py_dloss(s, label) for s, label in zip(scores, y)])
    assert dloss[1] == -1.0                      # scikit-learn: active at margin exactly 1
    np.testing.assert_allclose(svm.grad(theta), Z.T @ dloss / 5, rtol=1e-15)
    losses = [hinge.py_loss(s, label) for s, label in zip(scores, y)]
    assert svm.loss(theta) == pytest.approx(np.mean(losses), rel=1e-15)


@pytest.mark.parametrize("seed", [3, 4])
def test_grad_is_a_subgradient_and_the_gradient_where_the_loss_is_smooth(seed):
    X, y, theta = classification(seed)
    svm = LinearSVM(X, y, alpha=0.2)
    g = svm.grad(theta)
    rng = np.random.default_rng(seed)
    for _ in range(500):                          # J(v) >= J(theta) + g^T (v - theta)
        v = theta + rng.standard_normal(theta.size) * rng.uniform(0.01, 3.0)
        assert svm.loss(v) >= svm.loss(theta) + g @ (v - theta) - 1e-12
    h = 1e-6                                      # no margin within h |x| of 1 here
    margins = y * svm.decision_function(theta, X)
    assert np.min(np.abs(margins - 1)) > 1e-3
    numeric = [(svm.loss(theta + h * e) - svm.loss(theta - h * e)) / (2 * h)
               for e in np.eye(theta.size)]
    np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ch10.hinge_subgradient(theta, X, y, 0.2), g, rtol=1e-13)


@pytest.mark.parametrize("alpha, epochs", [(1e-4, 5), (1e-3, 20), (0.01, 3)])
def test_sgdclassifier_default_is_subgradient_sgd_with_steps_one_over_alpha_t(alpha, epochs,
                                                                               breast_cancer):
    X, y01 = breast_cancer
    svm = LinearSVM(X, np.where(y01 == 1, 1.0, -1.0), alpha=alpha)
    t0 = alpha ** -0.75
    ours = minibatch_descent(svm, np.zeros(svm.n_params), batch_size=1, shuffle=False,
                             epochs=epochs, record="epoch",
                             lr=schedules.InverseTimeDecay(1 / (alpha * t0), k=1 / t0))
    clf = SGDClassifier(alpha=alpha, shuffle=False, max_iter=epochs, tol=None).fit(X, y01)
    theirs = np.r_[clf.intercept_, clf.coef_[0]]
    assert np.max(np.abs(ours.w - theirs)) <= 1e-9 * np.max(np.abs(theirs))


def test_constant_rate_sgdclassifier_is_the_same_descent(breast_cancer):
    X, y01 = breast_cancer
    svm = LinearSVM(X, np.where(y01 == 1, 1.0, -1.0), alpha=0.01)
    ours = minibatch_descent(svm, np.zeros(svm.n_params), lr=0.05, batch_size=1,
                             shuffle=False, epochs=10, record="epoch")
    clf = SGDClassifier(alpha=0.01, learning_rate="constant", eta0=0.05, shuffle=False,
                        max_iter=10, tol=None).fit(X, y01)
    theirs = np.r_[clf.intercept_, clf.coef_[0]]
    assert np.max(np.abs(ours.w - theirs)) <= 1e-9 * np.max(np.abs(theirs))


@pytest.fixture(scope="module")
def breast_cancer():
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_linear_svm_checks_its_labels_and_predicts_signs():
    with pytest.raises(ValueError, match="^y "):
        LinearSVM(np.ones((3, 1)), [0.0, 1.0, 1.0])
    svm = LinearSVM(np.array([[1.0], [-2.0], [0.0]]), [1.0, -1.0, 1.0])
    np.testing.assert_array_equal(svm.predict(np.array([0.0, 1.0]), svm.X), [1.0, -1.0, -1.0])


# ------------------------------------------------------------------ mini-batch expectations
def enumerated_expectation(problem, w0, lr, n_steps, B):
    """E f(theta_T) - f* over every sequence of batches (B draws with replacement per step)."""
    Z, y = problem.Z, problem.y
    m = len(y)
    f_star = problem.loss(problem.solution())
    total = 0.0
    for draws in itertools.product(range(m), repeat=B * n_steps):
        theta = w0.copy()
        for t in range(n_steps):
            rows = list(draws[t * B:(t + 1) * B])
            theta = theta - lr * Z[rows].T @ (Z[rows] @ theta - y[rows]) / B
        total += problem.loss(theta) - f_star
    return total / m ** (B * n_steps)


@pytest.mark.parametrize("B, n_steps", [(1, 4), (2, 2), (3, 2)])
def test_sgd_expectations_with_batches_are_exact(B, n_steps):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((3, 1))
    problem = LinearRegression(X, rng.standard_normal(3))
    w0 = np.array([1.0, -2.0])
    expected, _ = theory.sgd_expectations(problem, w0, 0.3, n_steps, batch_size=B)
    assert expected[-1] == pytest.approx(enumerated_expectation(problem, w0, 0.3, n_steps, B),
                                         rel=1e-12)


def test_huge_batches_give_gradient_descent():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((50, 2))
    problem = LinearRegression(X, X @ [1.0, -1.0] + rng.standard_normal(50))
    expected, _ = theory.sgd_expectations(problem, np.zeros(3), 0.05, 20,
                                          batch_size=10 ** 12)
    run = gradient_descent(problem, np.zeros(3), lr=0.05, max_iter=20, grad_tol=None)
    f_star = problem.loss(problem.solution())
    assert run.losses[-1] - f_star > 0.1
    assert expected[-1] == pytest.approx(run.losses[-1] - f_star, rel=1e-9)
    with pytest.raises(ValueError, match="^batch_size "):
        theory.sgd_expectations(problem, np.zeros(3), 0.5, 20, batch_size=0)


# ------------------------------------------------------------------ references vs the package
def test_warm_restart_reference_is_the_package_schedule():
    rng = np.random.default_rng(9)
    for _ in range(20):
        lr, T_0, T_mult = rng.uniform(0.01, 1), int(rng.integers(1, 20)), int(rng.integers(1, 4))
        eta_min = rng.uniform(0, lr / 2)
        schedule = schedules.CosineWarmRestarts(lr, T_0, T_mult, eta_min)
        for t in rng.integers(0, 2000, 20):
            assert ch10.warm_restart_lr(int(t), lr, T_0, T_mult, eta_min) == schedule(int(t))


def test_plateau_reference_is_the_package_scheduler_without_threshold():
    rng = np.random.default_rng(10)
    for patience in (0, 1, 3):
        metrics = 1 / (1 + 0.1 * np.arange(80)) + 0.02 * rng.standard_normal(80)
        scheduler = schedules.ReduceOnPlateau(0.5, factor=0.3, patience=patience,
                                              threshold=0.0, eps=0.0)
        package = [scheduler.step(metric) for metric in metrics]
        np.testing.assert_array_equal(ch10.plateau_rates(metrics, 0.5, 0.3, patience), package)


@pytest.mark.parametrize("q, p", [(0.05, 0.95), (0.01, 0.99), (0.3, 0.5), (0.5, 0.1),
                                  (0.001, 0.9)])
def test_trials_needed_is_the_fewest_trials_that_reach_p(q, p):
    n = ch10.trials_needed(q, p)
    assert isinstance(n, int) and n >= 1
    assert 1 - (1 - q) ** n >= p
    assert n == 1 or 1 - (1 - q) ** (n - 1) < p
    assert ch10.trials_needed(0.05, 0.95) == 59
    assert math.isclose(1 - 0.95 ** 59, 0.9515, abs_tol=1e-4)
