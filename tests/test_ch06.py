"""Chapter 6: Newton's method (gdcourse.second_order) and the facts the chapter builds on."""

import numpy as np
import pytest

from gdcourse import optim
from gdcourse.grading import check
from gdcourse.objectives import Function, Quadratic, Rosenbrock
from gdcourse.second_order import newton_method
from gdcourse.solutions import ch06 as sol


# --------------------------------------------------------------------------- newton_method

def test_newton_solves_a_quadratic_in_one_step():
    q = Quadratic.from_eigenvalues([1.0, 10.0, 1000.0], b=np.array([1.0, -2.0, 3.0]), seed=1)
    run = newton_method(q, np.array([5.0, 5.0, -5.0]), max_iter=1, grad_tol=0.0)
    np.testing.assert_allclose(run.params[1], q.minimizer, rtol=1e-12, atol=1e-12)
    assert run.n_iter == 1 and run.stop_reason in {"max_iter", "grad_tol"}


def test_newton_converges_quadratically_on_rosenbrock():
    rb = Rosenbrock()
    run = newton_method(rb, np.array([-1.2, 1.0]), max_iter=50, grad_tol=1e-10)
    assert run.converged and run.n_iter <= 10
    np.testing.assert_allclose(run.w, rb.minimizer, atol=1e-10)
    errors = np.linalg.norm(run.params - rb.minimizer, axis=1)
    tail = errors[-4:-1]                     # e_{t+1} <= C e_t^2 near the end
    assert tail[-1] <= 10 * tail[-2] ** 2


def test_newton_does_not_modify_w0_and_records_history():
    w0 = np.array([0.5, 0.5])
    run = newton_method(Rosenbrock(), w0, max_iter=3, grad_tol=0.0)
    assert np.array_equal(w0, [0.5, 0.5])
    assert run.params.shape == (4, 2) and len(run.losses) == 4 and len(run.lrs) == 3
    assert run.stop_reason == "max_iter"


def test_newton_reports_a_singular_hessian():
    flat = Function(lambda w: float(w[0] ** 2), lambda w: np.array([2 * w[0], 0.0]))
    flat.hessian = lambda w: np.array([[2.0, 0.0], [0.0, 0.0]])
    run = newton_method(flat, np.array([1.0, 1.0]), grad_tol=0.0)
    assert run.stop_reason == "diverged" and "singular" in run.message


@pytest.mark.parametrize("kwargs, name", [
    (dict(max_iter=-1), "max_iter"), (dict(max_iter=2.5), "max_iter"),
    (dict(grad_tol=-1.0), "grad_tol"), (dict(w0=np.array([[1.0, 2.0]])), "w0"),
    (dict(w0=np.array([np.nan, 1.0])), "w0"),
])
def test_newton_validates_its_arguments(kwargs, name):
    w0 = kwargs.pop("w0", np.array([0.0, 0.0]))
    with pytest.raises(ValueError, match=name):
        newton_method(Rosenbrock(), w0, **kwargs)


def test_newton_needs_a_hessian():
    with pytest.raises(ValueError, match="hessian"):
        newton_method(Function(lambda w: 0.0, lambda w: w), np.zeros(2))


# --------------------------------------------------------------------------- references vs package

def _trajectory(opt, grad, w0, n):
    w, path = w0.copy(), []
    for _ in range(n):
        w = opt.step(w, grad(w))
        path.append(w.copy())
    return np.array(path)


Q = Quadratic.from_eigenvalues([1.0, 30.0, 4.0], b=np.array([1.0, 2.0, -1.0]), seed=3)
W0 = np.array([2.0, -1.0, 0.5])


def _reference_path(update, n_states, n=30):
    """The iterates of a chapter-6 reference, ``w, *states = update(w, *states, g, t)``
    (``t = 1, 2, ...``), from ``W0`` with zero states."""
    w, states, path = W0.copy(), [np.zeros(3) for _ in range(n_states)], []
    for t in range(1, n + 1):
        w, *states = update(w, *states, Q.grad(w), t)
        path.append(w)
    return np.array(path)


def test_momentum_step_reference_is_momentum_ema():
    lr, beta = 0.05, 0.8
    ours = _trajectory(optim.MomentumEMA(lr=lr, beta=beta), Q.grad, W0, 30)
    path = _reference_path(lambda w, v, g, t: sol.momentum_step(w, v, g, lr, beta), 1)
    np.testing.assert_allclose(path, ours, rtol=1e-12, atol=1e-14)


def test_nesterov_step_reference_is_torch_sgd_nesterov():
    lr, mu = 0.02, 0.9
    ours = _trajectory(optim.SGD(lr=lr, momentum=mu, nesterov=True), Q.grad, W0, 30)
    path = _reference_path(lambda w, b, g, t: sol.nesterov_step(w, b, g, lr, mu), 1)
    np.testing.assert_allclose(path, ours, rtol=1e-12, atol=1e-14)


def test_rmsprop_step_reference_is_torch_rmsprop():
    lr, beta, eps = 0.01, 0.9, 1e-3
    ours = _trajectory(optim.RMSprop(lr=lr, alpha=beta, eps=eps), Q.grad, W0, 30)
    path = _reference_path(lambda w, v, g, t: sol.rmsprop_step(w, v, g, lr, beta, eps), 1)
    np.testing.assert_allclose(path, ours, rtol=1e-12, atol=1e-14)


def test_adam_step_reference_is_torch_adam():
    lr, b1, b2, eps = 0.05, 0.9, 0.99, 1e-3
    ours = _trajectory(optim.Adam(lr=lr, betas=(b1, b2), eps=eps), Q.grad, W0, 30)
    path = _reference_path(lambda w, m, v, g, t: sol.adam_step(w, m, v, g, t, lr, b1, b2, eps),
                           2)
    np.testing.assert_allclose(path, ours, rtol=1e-12, atol=1e-14)


def test_polyak_parameters_give_the_optimal_rate():
    """With Polyak's parameters the heavy ball's iteration matrix has spectral radius
    (sqrt(kappa) - 1) / (sqrt(kappa) + 1) on a quadratic with eigenvalues mu and L."""
    L, mu = 400.0, 1.0
    lr, beta = sol.polyak_parameters(L, mu)
    radius = 0.0
    for lam in (mu, L):
        M = np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]])
        radius = max(radius, max(abs(np.linalg.eigvals(M))))
    assert radius == pytest.approx((np.sqrt(L / mu) - 1) / (np.sqrt(L / mu) + 1), rel=1e-6)


def test_every_chapter6_reference_passes_its_check():
    for name in ("momentum_step", "nesterov_step", "rmsprop_step", "adam_step", "polyak_parameters"):
        assert check(f"ch06.{name}", getattr(sol, name)).passed


def test_a_malformed_answer_gets_a_clear_message():
    result = check("ch06.momentum_step", lambda w, v, grad, lr, beta: w - lr * grad)
    assert not result.passed and "tuple of 2 items" in str(result)
    result = check("ch06.adam_step", lambda *args: (args[0], args[1]))
    assert not result.passed and "tuple of 3 items" in str(result)


def test_polyak_parameters_accepts_a_length_two_array():
    answer = lambda L, mu: np.array(sol.polyak_parameters(L, mu))  # noqa: E731
    assert check("ch06.polyak_parameters", answer).passed
