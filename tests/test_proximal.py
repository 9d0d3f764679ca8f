"""Soft-thresholding, ISTA and FISTA (gdcourse.proximal), against scikit-learn's lasso and
elastic net."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNet, Lasso
from sklearn.preprocessing import StandardScaler

from gdcourse import proximal as px
from gdcourse.objectives import LinearRegression
from gdcourse.solutions import ch09
from gdcourse.variants import minibatch_descent


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


def penalized_loss(X, y, coef, intercept, alpha, l1_ratio):
    """scikit-learn's elastic-net objective."""
    residual = X @ coef + intercept - y
    return residual @ residual / (2 * len(y)) + px.elastic_net_penalty(coef, alpha, l1_ratio)


def test_soft_threshold_moves_towards_zero_and_stops_there():
    v = np.array([3.0, -0.5, 1.0, -2.0, 0.0, -1.0])
    np.testing.assert_array_equal(px.soft_threshold(v, 1.0), [2.0, 0.0, 0.0, -1.0, 0.0, 0.0])
    assert not np.signbit(px.soft_threshold(v, 1.0)[[1, 2, 4, 5]]).any()   # +0.0, never -0.0
    np.testing.assert_array_equal(px.soft_threshold(v, 0.0), v)
    np.testing.assert_array_equal(ch09.soft_threshold(v, 0.7), px.soft_threshold(v, 0.7))


@pytest.mark.parametrize("lr, alpha, l1_ratio", [(0.5, 1.0, 1.0), (0.3, 2.0, 0.4),
                                                  (1.0, 0.7, 0.0), (0.1, 5.0, 0.8)])
def test_elastic_net_prox_minimises_penalty_plus_distance(lr, alpha, l1_ratio):
    """prox(v) = argmin_u h(u) + (u - v)^2 / (2 lr), coordinate by coordinate (checked with a
    scalar minimiser)."""
    v = np.array([2.5, -0.4, 0.05, -3.0, 1.2])
    prox = px.elastic_net_prox(v, lr, alpha, l1_ratio)
    for vi, pi in zip(v, prox):
        def objective(u):
            return px.elastic_net_penalty([u], alpha, l1_ratio) + (u - vi) ** 2 / (2 * lr)
        best = minimize_scalar(objective, bracket=(-5, 5), tol=1e-12).x
        assert pi == pytest.approx(best, abs=1e-6)
        assert objective(pi) <= objective(best) + 1e-14
    np.testing.assert_allclose(ch09.elastic_net_prox(v, lr, alpha, l1_ratio), prox,
                               rtol=1e-15)
    mask = np.array([False, True, True, True, True])
    masked = px.elastic_net_prox(v, lr, alpha, l1_ratio, mask)
    assert masked[0] == v[0] and np.array_equal(masked[1:], prox[1:])


@pytest.mark.parametrize("method", [px.ista, px.fista])
@pytest.mark.parametrize("alpha, l1_ratio, fit_intercept", [
    (0.05, 1.0, True), (0.005, 1.0, True), (0.1, 0.5, True), (0.01, 0.7, True),
    (0.02, 1.0, False), (0.05, 0.3, False)])
def test_ista_and_fista_reach_scikit_learns_optimum_and_its_zeros(diabetes, method, alpha,
                                                                  l1_ratio, fit_intercept):
    X, y = diabetes
    y = y + (0 if fit_intercept else 0.5)              # an offset the model cannot absorb
    peer = (Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-14, max_iter=10 ** 6)
            if l1_ratio == 1 else
            ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                       tol=1e-14, max_iter=10 ** 6)).fit(X, y)
    smooth = LinearRegression(X, y, fit_intercept=fit_intercept)
    w0 = np.zeros(smooth.n_params)
    run = method(smooth, w0, 1 / smooth.L, alpha=alpha, l1_ratio=l1_ratio, max_iter=50_000,
                 tol=1e-12)
    assert run.stop_reason == "grad_tol"
    coef, intercept = (run.w[1:], run.w[0]) if fit_intercept else (run.w, 0.0)
    theirs = penalized_loss(X, y, peer.coef_, peer.intercept_, alpha, l1_ratio)
    ours = penalized_loss(X, y, coef, intercept, alpha, l1_ratio)
    assert ours == pytest.approx(theirs, rel=1e-12) and ours == pytest.approx(run.final_loss)
    np.testing.assert_array_equal(coef == 0, peer.coef_ == 0)
    np.testing.assert_allclose(coef, peer.coef_, atol=1e-8)


def test_the_rates_of_ista_and_fista_hold(diabetes):
    """F(w_k) - F* <= |w_0 - w*|^2 / (2 lr k) for ISTA and 2 |w_0 - w*|^2 / (lr (k + 1)^2)
    for FISTA, with lr = 1/L."""
    X, y = diabetes
    smooth = LinearRegression(X, y)
    lr, alpha = 1 / smooth.L, 0.002
    best = px.fista(smooth, np.zeros(11), lr, alpha=alpha, max_iter=100_000, tol=1e-13)
    R2 = float(np.sum(best.w ** 2))
    ista = px.ista(smooth, np.zeros(11), lr, alpha=alpha, max_iter=2000, tol=None)
    fista = px.fista(smooth, np.zeros(11), lr, alpha=alpha, max_iter=2000, tol=None)
    k = np.arange(1, 2001)
    assert np.all(ista.losses[1:] - best.final_loss <= R2 / (2 * lr * k) + 1e-14)
    assert np.all(fista.losses[1:] - best.final_loss <= 2 * R2 / (lr * (k + 1) ** 2) + 1e-14)
    assert np.all(np.diff(ista.losses) <= 1e-15)                    # ISTA is a descent method
    assert fista.losses[300] - best.final_loss < 1e-3 * (ista.losses[300] - best.final_loss)


def test_proximal_sgd_on_full_batches_is_ista(diabetes):
    X, y = diabetes
    smooth = LinearRegression(X, y)
    lr, alpha = 1 / smooth.L, 0.02
    ista = px.ista(smooth, np.zeros(11), lr, alpha=alpha, max_iter=60, tol=None,
                   record_params=True)
    run = minibatch_descent(px.L1Penalized(smooth, alpha), np.zeros(11),
                            px.ProximalSGD(lr=lr, l1=alpha, intercept=True), epochs=60)
    np.testing.assert_allclose(run.w, ista.w, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(run.epoch_losses, ista.losses, rtol=1e-12)
    np.testing.assert_array_equal(run.w == 0, ista.w == 0)


def test_the_fast_loop_and_the_plain_loop_agree_on_proximal_steps(diabetes):
    """ProximalSGD updates in place in the fast loop; a wrapper with only ``step`` runs the
    plain loop of the book: the same numbers, mini-batch by mini-batch."""
    X, y = diabetes

    class StepOnly:
        def __init__(self, optimizer):
            self.optimizer = optimizer

        current_lr = property(lambda self: self.optimizer.current_lr)

        def step(self, w, g):
            return self.optimizer.step(w, g)

    objective = px.L1Penalized(LinearRegression(X, y, alpha=0.01), 0.02)
    runs = [minibatch_descent(objective, np.zeros(11), optimizer, batch_size=32, epochs=5,
                              random_state=3)
            for optimizer in (px.ProximalSGD(lr=0.05, l1=0.02, intercept=True),
                              StepOnly(px.ProximalSGD(lr=0.05, l1=0.02, intercept=True)))]
    np.testing.assert_allclose(runs[0].w, runs[1].w, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(runs[0].losses, runs[1].losses, rtol=1e-12)


def test_l1_penalized_adds_the_l1_term_and_its_subgradient(diabetes):
    X, y = diabetes
    smooth = LinearRegression(X, y, alpha=0.3)
    theta = np.r_[0.7, np.linspace(-1, 1, 10)]
    theta[3] = 0.0                                       # a weight at 0: subgradient 0
    plain, sub = px.L1Penalized(smooth, 0.2), px.L1Penalized(smooth, 0.2, subgradient=True)
    l1 = 0.2 * np.sum(np.abs(theta[1:]))
    assert plain.loss(theta) == pytest.approx(smooth.loss(theta) + l1, rel=1e-15)
    assert plain.loss_on(theta, smooth.Z[:7], y[:7]) == pytest.approx(
        smooth.loss_on(theta, smooth.Z[:7], y[:7]) + l1, rel=1e-15)
    np.testing.assert_array_equal(plain.grad(theta), smooth.grad(theta))
    expected = smooth.grad(theta) + 0.2 * np.r_[0.0, np.sign(theta[1:])]
    np.testing.assert_allclose(sub.grad(theta), expected, rtol=1e-15)
    loss, g = sub.loss_and_grad_on(theta, smooth.Z, y)
    assert loss == pytest.approx(sub.loss(theta), rel=1e-14)
    np.testing.assert_allclose(g, expected, rtol=1e-14)
    assert plain.n_params == 11 and plain.Z is smooth.Z


@pytest.mark.parametrize("call, name", [
    (lambda o: px.ista(o, np.zeros(11), 0.0, alpha=0.1), "lr"),
    (lambda o: px.fista(o, np.zeros(11), 0.1, alpha=-0.1), "alpha"),
    (lambda o: px.ista(o, np.zeros(11), 0.1, alpha=0.1, l1_ratio=1.5), "l1_ratio"),
    (lambda o: px.ista(LinearRegression(o.X, o.y, alpha=0.1), np.zeros(11), 0.1, alpha=0.1),
     "alpha"),
    (lambda o: px.ProximalSGD(lr=0.1, l1=-1.0), "l1"),
    (lambda o: px.L1Penalized(o, -1.0), "l1"),
])
def test_bad_arguments_raise_value_errors_naming_them(diabetes, call, name):
    with pytest.raises(ValueError, match=name):
        call(LinearRegression(*diabetes))
