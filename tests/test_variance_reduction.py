"""SVRG and SAGA (gdcourse.variance_reduction), against scikit-learn's solutions."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

from gdcourse import variance_reduction as vr
from gdcourse.objectives import LinearRegression, LogisticRegression, Quadratic
from gdcourse.solutions import ch09


@pytest.fixture(scope="module")
def ridge():
    X, y = load_diabetes(return_X_y=True)
    X, y = StandardScaler().fit_transform(X), (y - y.mean()) / y.std()
    return X, y, LinearRegression(X, y, alpha=0.1)


def test_svrg_and_saga_reach_scikit_learns_ridge_solution(ridge):
    """Ridge minimises |y - Xw - b|^2 + a |w|^2, i.e. m times ours with a = alpha m."""
    X, y, objective = ridge
    peer = Ridge(alpha=0.1 * len(y), solver="cholesky").fit(X, y)
    theirs = np.r_[peer.intercept_, peer.coef_]
    L_max = vr.max_example_smoothness(objective)
    for run in (vr.saga(objective, np.zeros(11), 1 / (3 * L_max), epochs=80, random_state=0),
                vr.svrg(objective, np.zeros(11), 1 / L_max, epochs=40, random_state=0)):
        np.testing.assert_allclose(run.w, theirs, rtol=1e-9, atol=1e-11)


def test_saga_reaches_scikit_learns_logistic_regression():
    """LogisticRegression minimises C sum_i loss_i + |w|^2 / 2: ours with alpha = 1 / (C m)."""
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    alpha = 0.05
    objective = LogisticRegression(X, y.astype(float), alpha=alpha)
    peer = SkLogistic(C=1 / (alpha * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
    run = vr.saga(objective, np.zeros(31), 1 / vr.max_example_smoothness(objective),
                  epochs=150, random_state=1)
    theirs = np.r_[peer.intercept_, peer.coef_.ravel()]
    np.testing.assert_allclose(run.w, theirs, rtol=1e-6, atol=1e-7)
    assert run.losses[-1] <= objective.loss(theirs) + 1e-13


def test_passes_count_the_gradients_of_single_examples(ridge):
    objective = ridge[2]
    saga = vr.saga(objective, np.zeros(11), 0.01, epochs=4, random_state=0)
    svrg = vr.svrg(objective, np.zeros(11), 0.01, epochs=3, random_state=0)
    short = vr.svrg(objective, np.zeros(11), 0.01, epochs=2, inner_steps=221, random_state=0)
    gd, sgd = (f(objective, np.zeros(11), 0.01, epochs=3) for f in (vr.gd_passes, vr.sgd_passes))
    np.testing.assert_array_equal(saga.passes, [0, 1, 2, 3, 4, 5])       # the table: a pass
    np.testing.assert_array_equal(svrg.passes, [0, 3, 6, 9])             # m + 2 m per epoch
    np.testing.assert_array_equal(short.passes, [0, 2, 4])               # m + 2 (m / 2)
    np.testing.assert_array_equal(gd.passes, [0, 1, 2, 3])
    np.testing.assert_array_equal(sgd.passes, [0, 1, 2, 3])
    for run in (saga, svrg, short, gd, sgd):
        assert run.losses[0] == objective.loss(np.zeros(11))
        assert run.losses[-1] == objective.loss(run.w)


def test_saga_takes_the_steps_of_the_exercise(ridge):
    """The package's loop and the reference solution of the exercise agree, step by step."""
    objective = ridge[2]
    Z, y = objective.Z, objective.y
    m, lr = len(y), 0.02
    run = vr.saga(objective, np.zeros(11), lr, epochs=2, random_state=7)
    w = np.zeros(11)
    table = np.array([objective.grad_on(w, Z[i:i + 1], y[i:i + 1]) for i in range(m)])
    for j in np.random.default_rng(7).integers(m, size=2 * m):
        w, table = ch09.saga_step(w, table, j, objective.grad_on(w, Z[j:j + 1], y[j:j + 1]), lr)
    np.testing.assert_allclose(run.w, w, rtol=1e-10, atol=1e-13)


def test_svrg_direction_is_unbiased_and_vanishes_at_the_minimum(ridge):
    """Averaged over j, the SVRG direction is the full gradient; at w = w~ = w* it is 0."""
    objective = ridge[2]
    Z, y = objective.Z, objective.y
    rng = np.random.default_rng(0)
    w, snapshot = rng.standard_normal(11), rng.standard_normal(11)
    full = objective.grad(snapshot)
    directions = [objective.grad_on(w, Z[j:j + 1], y[j:j + 1])
                  - objective.grad_on(snapshot, Z[j:j + 1], y[j:j + 1]) + full
                  for j in range(len(y))]
    np.testing.assert_allclose(np.mean(directions, axis=0), objective.grad(w), atol=1e-12)
    w_star = objective.solution()
    at_minimum = [objective.grad_on(w_star, Z[j:j + 1], y[j:j + 1])
                  - objective.grad_on(w_star, Z[j:j + 1], y[j:j + 1]) + objective.grad(w_star)
                  for j in range(5)]
    assert np.abs(at_minimum).max() < 1e-12


def test_constant_step_sgd_stalls_where_variance_reduction_converges(ridge):
    objective = ridge[2]
    f_star = objective.loss(objective.solution())
    step = 1 / (3 * vr.max_example_smoothness(objective))
    sgd = vr.sgd_passes(objective, np.zeros(11), step, epochs=40, random_state=0)
    saga = vr.saga(objective, np.zeros(11), step, epochs=39, random_state=0)
    assert sgd.losses[-1] - f_star > 1e-4 > 1e6 * (saga.losses[-1] - f_star)


def test_sgd_takes_a_schedule(ridge):
    objective = ridge[2]
    run = vr.sgd_passes(objective, np.zeros(11), lambda t: 0.02 / (1 + 0.01 * t), epochs=5,
                        random_state=0)
    assert run.losses[-1] < run.losses[0]
    with pytest.raises(ValueError, match="lr schedule"):
        vr.sgd_passes(objective, np.zeros(11), lambda t: -0.1, epochs=1)


def test_max_example_smoothness_bounds_every_examples_curvature(ridge):
    objective = ridge[2]
    L_max = vr.max_example_smoothness(objective)
    curvatures = np.sum(objective.Z ** 2, axis=1) + objective.alpha    # z z^T + alpha (0, I)
    assert L_max == pytest.approx(curvatures.max(), rel=1e-14)
    mse = LinearRegression(ridge[0], ridge[1], convention="mse")
    assert vr.max_example_smoothness(mse) == pytest.approx(2 * np.sum(mse.Z ** 2, 1).max())
    with pytest.raises(ValueError, match="objective"):
        vr.max_example_smoothness(Quadratic(np.eye(2)))


@pytest.mark.parametrize("call, name", [
    (lambda o: vr.saga(o, np.zeros(11), 0.0), "lr"),
    (lambda o: vr.svrg(o, np.zeros(11), 0.01, inner_steps=0), "inner_steps"),
    (lambda o: vr.svrg(o, np.zeros(11), 0.01, epochs=0), "epochs"),
    (lambda o: vr.gd_passes(o, np.zeros(3), 0.01), "w0"),
    (lambda o: vr.saga(Quadratic(np.eye(11)), np.zeros(11), 0.01), "objective"),
])
def test_bad_arguments_raise_value_errors_naming_them(ridge, call, name):
    with pytest.raises(ValueError, match=name):
        call(ridge[2])
