"""gradient_descent: reaches the minimiser, each stopping criterion fires when it should,
divergence is reported with the step and lr, bad arguments raise ValueError naming them."""

import numpy as np
import pytest

from gdcourse.descent import gradient_descent
from gdcourse.objectives import Function, LinearRegression, Quadratic


@pytest.fixture
def bowl():
    return Quadratic.from_eigenvalues([1.0, 4.0, 20.0], b=[1.0, -2.0, 0.5], seed=7)


def test_reaches_the_minimiser(bowl):
    run = gradient_descent(bowl, np.zeros(3), lr=2 / (bowl.L + bowl.mu), max_iter=10_000, grad_tol=1e-12)
    np.testing.assert_allclose(run.w, np.linalg.solve(bowl.A, bowl.b), rtol=1e-10)
    assert run.stop_reason == "grad_tol" and run.converged
    assert np.all(np.diff(run.losses) <= 1e-13), "GD with a stable step never increases a quadratic"


def test_history_shapes_and_contents(bowl):
    w0 = np.array([1.0, 2.0, 3.0])
    run = gradient_descent(bowl, w0, lr=0.01, max_iter=7, grad_tol=None)
    assert run.n_iter == 7 and run.stop_reason == "max_iter" and not run.converged
    assert run.losses.shape == (8,) and run.grad_norms.shape == (8,) and run.params.shape == (8, 3)
    assert run.lrs.shape == (7,) and np.all(run.lrs == 0.01)
    np.testing.assert_array_equal(run.params[0], w0)
    np.testing.assert_allclose(run.params[1], w0 - 0.01 * bowl.grad(w0))
    np.testing.assert_allclose(run.grad_norms[3], np.linalg.norm(bowl.grad(run.params[3])))
    np.testing.assert_array_equal(w0, [1.0, 2.0, 3.0]), "w0 must not be modified"
    assert "max_iter=7" in run.message and "7 iterations" in str(run)


def test_grad_tol_fires_at_the_first_small_gradient(bowl):
    run = gradient_descent(bowl, np.zeros(3), lr=0.04, max_iter=5000, grad_tol=1e-3)
    assert run.stop_reason == "grad_tol"
    assert run.grad_norms[-1] <= 1e-3 < run.grad_norms[-2]


def test_loss_tol_fires(bowl):
    target = bowl.min_value + 1e-4
    run = gradient_descent(bowl, np.zeros(3), lr=0.04, max_iter=5000, grad_tol=None, loss_tol=target)
    assert run.stop_reason == "loss_tol"
    assert run.losses[-1] <= target < run.losses[-2]


def test_param_tol_fires(bowl):
    run = gradient_descent(bowl, np.zeros(3), lr=0.04, max_iter=5000, grad_tol=None, param_tol=1e-6)
    steps = np.linalg.norm(np.diff(run.params, axis=0), axis=1)
    assert run.stop_reason == "param_tol"
    assert steps[-1] <= 1e-6 < steps[-2]


def test_patience_fires_when_the_loss_stops_improving():
    # A function with a flat floor: after reaching it, no improvement ever again.
    floor = Function(lambda w: float(max(abs(w[0]) - 1, 0.0)), lambda w: np.sign(w) * (abs(w) > 1) + 0.0)
    run = gradient_descent(floor, [5.0], lr=0.5, max_iter=1000, grad_tol=None, patience=10)
    assert run.stop_reason == "patience"
    best = int(np.argmin(run.losses))
    assert run.n_iter == best + 10


def test_min_delta_counts_small_improvements_as_none(bowl):
    strict = gradient_descent(bowl, np.zeros(3), lr=0.001, max_iter=3000, grad_tol=None, patience=5, min_delta=1e-3)
    loose = gradient_descent(bowl, np.zeros(3), lr=0.001, max_iter=3000, grad_tol=None, patience=5, min_delta=0.0)
    assert strict.stop_reason == "patience" and strict.n_iter < loose.n_iter


def test_zero_iterations_and_start_at_minimum(bowl):
    run = gradient_descent(bowl, np.zeros(3), lr=0.1, max_iter=0)
    assert run.n_iter == 0 and run.stop_reason == "max_iter"
    at_min = gradient_descent(bowl, bowl.minimizer, lr=0.1)
    assert at_min.n_iter == 0 and at_min.stop_reason == "grad_tol"


def test_divergence_names_the_step_and_lr(bowl):
    run = gradient_descent(bowl, np.ones(3), lr=2.2 / bowl.L, max_iter=100_000)
    assert run.diverged and not run.converged
    step = run.n_iter
    assert f"at step {step}" in run.message and f"lr={2.2 / bowl.L:g}" in run.message
    assert not np.isfinite(run.losses[-1]) or not np.isfinite(run.grad_norms[-1])


def test_step_just_below_and_above_two_over_L():
    q = Quadratic.from_eigenvalues([1.0, 10.0])
    below = gradient_descent(q, [1.0, 1.0], lr=2 / q.L * (1 - 1e-3), max_iter=20_000, grad_tol=1e-10)
    above = gradient_descent(q, [1.0, 1.0], lr=2 / q.L * (1 + 1e-3), max_iter=20_000, grad_tol=1e-10)
    assert below.converged
    assert above.stop_reason == "max_iter" and above.losses[-1] > 1e30 * above.losses[0]
    errors = np.linalg.norm(above.params - q.minimizer, axis=1)
    assert errors[-1] / errors[-1001] == pytest.approx((1 + 2e-3) ** 1000, rel=1e-6)


def test_schedule_as_lr(bowl):
    run = gradient_descent(bowl, np.zeros(3), lr=lambda t: 0.05 / (1 + t), max_iter=5, grad_tol=None)
    np.testing.assert_allclose(run.lrs, 0.05 / (1 + np.arange(5)))
    bad = lambda t: -1.0  # noqa: E731
    with pytest.raises(ValueError, match="lr schedule returned"):
        gradient_descent(bowl, np.zeros(3), lr=bad, max_iter=5)


def test_callback_sees_every_iterate(bowl):
    seen = []
    gradient_descent(bowl, np.zeros(3), lr=0.01, max_iter=4, grad_tol=None,
                     callback=lambda t, w, loss, g: seen.append((t, loss)))
    assert [t for t, _ in seen] == [0, 1, 2, 3, 4]


def test_matrix_shaped_parameters():
    X = np.random.default_rng(0).standard_normal((20, 3))
    problem = LinearRegression(X, X @ np.array([1.0, 2.0, 3.0]), fit_intercept=False)
    run = gradient_descent(problem, np.zeros(3), lr=1 / problem.L, max_iter=50_000, grad_tol=1e-10)
    np.testing.assert_allclose(run.w, [1, 2, 3], rtol=1e-8)


@pytest.mark.parametrize("kwargs, name", [
    (dict(lr=0), "lr"), (dict(lr=-0.1), "lr"), (dict(lr=np.nan), "lr"), (dict(lr="fast"), "lr"),
    (dict(lr=True), "lr"),
    (dict(max_iter=-1), "max_iter"), (dict(max_iter=2.5), "max_iter"),
    (dict(grad_tol=-1e-3), "grad_tol"), (dict(loss_tol=np.inf), "loss_tol"),
    (dict(param_tol=-1), "param_tol"), (dict(patience=0), "patience"), (dict(min_delta=-1), "min_delta"),
])
def test_invalid_arguments_raise_value_error_naming_them(bowl, kwargs, name):
    with pytest.raises(ValueError, match=name):
        gradient_descent(bowl, np.zeros(3), **kwargs)


def test_invalid_start_point(bowl):
    with pytest.raises(ValueError, match="w0"):
        gradient_descent(bowl, [np.nan, 0, 0])
    with pytest.raises(ValueError, match="w0"):
        gradient_descent(bowl, [])


def test_non_finite_start_is_not_blamed_on_the_learning_rate():
    bad = Function(lambda w: float("nan"), lambda w: np.zeros_like(w))
    run = gradient_descent(bad, [1.0], lr=0.1)
    assert run.diverged and run.n_iter == 0
    assert "starting point" in run.message and "too large" not in run.message
