"""Every objective's gradient against central finite differences, and its known facts."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdcourse.gradcheck import numerical_gradient
from gdcourse.objectives import Function, LinearRegression, LogisticRegression, Quadratic, Rosenbrock, sigmoid


def central_difference(f, w, eps=1e-6):
    """Central differences, from the package's own tested gradient checker."""
    return numerical_gradient(f, w, eps, method="central")


def assert_gradient_matches(objective, w, rtol=1e-6):
    numeric = central_difference(objective.loss, w)
    exact = objective.grad(w)
    scale = max(1.0, np.abs(exact).max())
    np.testing.assert_allclose(exact, numeric, rtol=rtol, atol=rtol * scale)


def random_quadratic(rng, n):
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return Quadratic((Q * rng.uniform(0.1, 10, n)) @ Q.T, rng.standard_normal(n))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6))
def test_quadratic_gradient_matches_finite_differences(seed, n):
    rng = np.random.default_rng(seed)
    q = random_quadratic(rng, n)
    assert_gradient_matches(q, rng.standard_normal(n) * 3)


def test_quadratic_facts():
    q = Quadratic.from_eigenvalues([0.5, 2.0, 40.0], b=[1.0, -2.0, 3.0], seed=3)
    assert q.L == pytest.approx(40.0) and q.mu == pytest.approx(0.5) and q.kappa == pytest.approx(80.0)
    np.testing.assert_allclose(q.grad(q.minimizer), 0, atol=1e-12)
    assert q.loss(q.minimizer) == pytest.approx(q.min_value)
    rng = np.random.default_rng(0)
    for _ in range(5):
        assert q.loss(rng.standard_normal(3)) >= q.min_value


@pytest.mark.parametrize("A, b, words", [
    (np.array([[1.0, 2.0], [0.0, 1.0]]), None, "symmetric"),
    (np.array([[1.0, 0.0], [0.0, -1.0]]), None, "positive definite"),
    (np.ones((2, 3)), None, "square"),
    (np.eye(2), np.ones(3), "length 2"),
    (np.array([[np.nan, 0], [0, 1.0]]), None, "NaN"),
    ("abc", None, "array of numbers"),
])
def test_quadratic_rejects_bad_input(A, b, words):
    with pytest.raises(ValueError, match=words):
        Quadratic(A, b)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), intercept=st.booleans(), alpha=st.sampled_from([0.0, 0.3]),
       convention=st.sampled_from(["half_mse", "mse"]))
def test_linear_regression_gradient(seed, intercept, alpha, convention):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((25, 4)), rng.standard_normal(25)
    problem = LinearRegression(X, y, fit_intercept=intercept, alpha=alpha, convention=convention)
    theta = rng.standard_normal(problem.n_params)
    assert_gradient_matches(problem, theta)
    rows = rng.choice(25, size=7, replace=False)
    sub = LinearRegression(X[rows], y[rows], fit_intercept=intercept, alpha=alpha, convention=convention)
    np.testing.assert_allclose(problem.grad(theta, rows), sub.grad(theta), rtol=1e-12)
    assert problem.loss(theta, rows) == pytest.approx(sub.loss(theta), rel=1e-12)


def test_linear_regression_conventions_and_solution():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((40, 3)), rng.standard_normal(40)
    half, full = LinearRegression(X, y), LinearRegression(X, y, convention="mse")
    theta = rng.standard_normal(4)
    assert full.loss(theta) == pytest.approx(2 * half.loss(theta))
    np.testing.assert_allclose(full.grad(theta), 2 * half.grad(theta))
    exact = np.linalg.lstsq(np.column_stack([np.ones(40), X]), y, rcond=None)[0]
    np.testing.assert_allclose(half.solution(), exact, rtol=1e-12)
    np.testing.assert_allclose(half.grad(half.solution()), 0, atol=1e-12)
    w, b = half.unpack(exact)
    np.testing.assert_allclose(half.predict(exact, X), X @ exact[1:] + exact[0])
    assert b == exact[0] and w.shape == (3,)
    eig = np.linalg.eigvalsh(half.hessian())
    assert half.L == pytest.approx(eig[-1]) and half.mu == pytest.approx(eig[0])


def test_ridge_solution_zeroes_gradient_and_spares_the_bias():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((30, 3)), rng.standard_normal(30) + 5
    ridge = LinearRegression(X, y, alpha=0.7)
    np.testing.assert_allclose(ridge.grad(ridge.solution()), 0, atol=1e-10)
    big = LinearRegression(X, y, alpha=1e6).solution()
    assert abs(big[0] - y.mean()) < 1e-3 and np.abs(big[1:]).max() < 1e-4


@pytest.mark.parametrize("kwargs, words", [
    (dict(X=np.ones((3, 2)), y=np.ones(4)), "3 rows but y has 4"),
    (dict(X=np.ones(3), y=np.ones(3)), "2-dimensional"),
    (dict(X=np.ones((3, 2)), y=np.ones(3), alpha=-1), "alpha"),
    (dict(X=np.ones((3, 2)), y=np.ones(3), convention="l2"), "convention"),
    (dict(X=np.empty((0, 2)), y=np.empty(0)), "empty"),
])
def test_linear_regression_rejects_bad_input(kwargs, words):
    with pytest.raises(ValueError, match=words):
        LinearRegression(**kwargs)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), intercept=st.booleans(), alpha=st.sampled_from([0.0, 0.2]))
def test_logistic_regression_gradient(seed, intercept, alpha):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 3))
    y = (rng.random(30) < 0.5).astype(float)
    problem = LogisticRegression(X, y, fit_intercept=intercept, alpha=alpha)
    assert_gradient_matches(problem, rng.standard_normal(problem.n_params) * 2)


def test_logistic_loss_is_finite_for_huge_scores_and_matches_naive_formula():
    X = np.array([[1000.0], [-1000.0], [0.3]])
    y = np.array([0.0, 1.0, 1.0])
    problem = LogisticRegression(X, y, fit_intercept=False)
    assert np.isfinite(problem.loss(np.array([1.0])))
    assert problem.loss(np.array([1.0])) == pytest.approx((1000 + 1000 + np.log1p(np.exp(-0.3))) / 3)
    with pytest.raises(ValueError, match="labels 0 and 1"):
        LogisticRegression(X, np.array([0, 1, 2.0]))


def test_sigmoid_is_stable_and_correct():
    z = np.array([-800.0, -5.0, 0.0, 5.0, 800.0])
    with np.errstate(over="raise", invalid="raise"):
        s = sigmoid(z)
    np.testing.assert_allclose(s[1:4], 1 / (1 + np.exp(-z[1:4])))
    assert s[0] == 0.0 and s[-1] == 1.0


@settings(max_examples=30, deadline=None)
@given(x=st.floats(-2, 2), y=st.floats(-1, 3))
def test_rosenbrock_gradient_and_hessian(x, y):
    r = Rosenbrock()
    w = np.array([x, y])
    assert_gradient_matches(r, w, rtol=1e-5)
    numeric_hessian = np.column_stack([central_difference(lambda v: r.grad(v)[i], w) for i in range(2)]).T
    np.testing.assert_allclose(r.hessian(w), numeric_hessian, rtol=1e-4, atol=1e-3)


def test_rosenbrock_minimum():
    r = Rosenbrock(a=2.0, b=10.0)
    assert r.loss(r.minimizer) == 0.0
    np.testing.assert_array_equal(r.grad(r.minimizer), [0.0, 0.0])
    with pytest.raises(ValueError, match="b must be > 0"):
        Rosenbrock(b=0)


def test_function_wrapper():
    f = Function(lambda w: float(np.sum(w ** 2)), lambda w: 2 * w)
    assert f.loss([3.0]) == 9.0 and f.grad(np.array([3.0]))[0] == 6.0
    with pytest.raises(ValueError, match="callables"):
        Function(1, 2)


# --------------------------------------------------------------------------- loss_and_grad

def data_objectives(seed=0, m=37, n=4):
    """Linear and logistic regression in every configuration, on one small data set."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    y = X @ rng.standard_normal(n) + rng.standard_normal(m)
    labels = (y > 0).astype(float)
    return ([LinearRegression(X, y, fit_intercept=fi, alpha=a, convention=c)
             for fi in (True, False) for a in (0.0, 0.3) for c in ("half_mse", "mse")]
            + [LogisticRegression(X, labels, fit_intercept=fi, alpha=a)
               for fi in (True, False) for a in (0.0, 0.3)])


@pytest.mark.parametrize("index", range(12))
def test_loss_and_grad_are_exactly_loss_and_grad(index):
    objective = data_objectives()[index]
    rng = np.random.default_rng(index)
    theta = rng.standard_normal(objective.n_params)
    for rows in (None, slice(3, 19), rng.permutation(objective.n_samples)[:8]):
        loss, grad = objective.loss_and_grad(theta, rows)
        assert isinstance(loss, float) and loss == objective.loss(theta, rows)
        assert grad.tobytes() == objective.grad(theta, rows).tobytes()
    Z, y = objective.Z[5:12], objective.y[5:12]
    loss, grad = objective.loss_and_grad_on(theta, Z, y)
    assert loss == objective.loss_on(theta, Z, y)
    assert grad.tobytes() == objective.grad_on(theta, Z, y).tobytes()


@pytest.mark.parametrize("index", range(12))
def test_the_loss_is_assembled_from_sums_over_blocks_of_rows(index):
    """loss_on is loss_from_sum of loss_sum_on, number for number; over blocks, to rounding."""
    objective = data_objectives()[index]
    theta = np.random.default_rng(index).standard_normal(objective.n_params)
    Z, y = objective.Z, objective.y
    total = objective.loss_sum_on(theta, Z, y)
    assert objective.loss(theta) == objective.loss_from_sum(theta, total, len(y))
    z = Z @ theta
    if isinstance(objective, LinearRegression):
        by_hand = (0.5 if objective.convention == "half_mse" else 1.0) * np.sum((z - y) ** 2)
    else:
        by_hand = np.sum(np.log1p(np.exp(z)) - y * z)
    assert total == pytest.approx(by_hand, rel=1e-13)
    order = np.random.default_rng(1).permutation(len(y))
    blocks = [order[:10], order[10:11], order[11:]]
    assembled = sum(objective.loss_sum_on(theta, Z[b], y[b]) for b in blocks)
    assert objective.loss_from_sum(theta, assembled, len(y)) == pytest.approx(
        objective.loss(theta), rel=1e-15)


def test_without_penalty_huge_weights_give_a_finite_logistic_loss():
    """alpha = 0 adds no penalty at all: not 0 * inf = NaN when |w|^2 overflows."""
    objective = data_objectives()[8]                    # logistic, intercept, alpha = 0
    theta = np.full(objective.n_params, 1e160)          # |w|^2 overflows, the scores do not
    assert math.isfinite(objective.loss(theta))
    loss, grad = objective.loss_and_grad(theta)
    assert math.isfinite(loss) and np.all(np.isfinite(grad))


def test_the_penalty_mask_is_built_once_and_spares_the_bias():
    objective = data_objectives()[2]                    # linear, intercept, alpha = 0.3
    mask = objective._penalty_mask()
    assert objective._penalty_mask() is mask and mask.tolist() == [0.0] + [1.0] * 4
    ridge_part = objective.hessian() - LinearRegression(objective.X, objective.y).hessian()
    np.testing.assert_allclose(ridge_part, 0.3 * np.diag(mask), atol=1e-12)
