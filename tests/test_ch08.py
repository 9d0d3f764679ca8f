"""gdcourse.theory: every bound holds on the functions it is about, and the functions built to
be worst cases attain it; the SGD formulas agree with many independent runs; the chapter-8
references agree with the package."""

import numpy as np
import pytest

from gdcourse import theory
from gdcourse.convergence import contraction_ratios
from gdcourse.descent import gradient_descent
from gdcourse.gradcheck import numerical_gradient
from gdcourse.objectives import LinearRegression, LogisticRegression, Quadratic
from gdcourse.solutions import ch08
from gdcourse.theory import (Huber, WavyValley, ZigzagSlope, accelerated_gradient,
                             nesterov_worst_quadratic, sgd_ensemble, sgd_expectations)


def random_quadratic(rng, n, low=1e-3, high=1.0, indefinite=False):
    """A quadratic with eigenvalues in [low, high] (of both signs when indefinite)."""
    eigenvalues = rng.uniform(low, high, n)
    if indefinite:
        eigenvalues *= rng.choice([-1.0, 1.0], n)
        eigenvalues[0] = high
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = (Q * eigenvalues) @ Q.T
    return (A + A.T) / 2, rng.standard_normal(n)


# ------------------------------------------------------------------ the descent lemmas
def test_descent_lemma_and_its_two_ended_version_hold_on_smooth_functions():
    rng = np.random.default_rng(0)
    valley = WavyValley(0.1)
    A, b = random_quadratic(rng, 6, 0.1, 3.0, indefinite=True)       # smooth, not convex
    indefinite = (lambda w: 0.5 * w @ A @ w - b @ w, lambda w: A @ w - b, 3.0)
    for f, grad, L in [(valley.loss, valley.grad, valley.L), indefinite]:
        for _ in range(2000):
            w = rng.uniform(-3, 3, 6)[:2] if L == valley.L else rng.uniform(-3, 3, 6)
            g = grad(w)
            w_next = w - g / L
            decrease = f(w) - f(w_next)
            h = grad(w_next)
            assert decrease >= (g @ g) / (2 * L) - 1e-12
            assert decrease >= (g @ g) / (2 * L) + (h @ h) / (4 * L) - 1e-12


def test_descent_lemma_is_tight_where_the_curvature_is_L():
    L = 3.0
    quadratic = Quadratic(np.diag([L, 0.5]))
    w = np.array([2.0, 0.0])                         # gradient along the eigenvalue L
    g = quadratic.grad(w)
    assert quadratic.loss(w) - quadratic.loss(w - g / L) == pytest.approx((g @ g) / (2 * L))


# ------------------------------------------------------------------ non-convex: the zigzag
@pytest.mark.parametrize("T, L, g", [(1, 1.0, 1.0), (7, 2.0, 0.5), (64, 0.25, 4.0),
                                     (1000, 1.0, 1.0)])
def test_zigzag_attains_the_sharp_nonconvex_bound(T, L, g):
    zigzag = ZigzagSlope(T, L=L, g=g)
    run = gradient_descent(zigzag, zigzag.start, lr=1 / L, max_iter=T + 1, grad_tol=None)
    gap = zigzag.loss(zigzag.start) - zigzag.min_value
    assert gap == pytest.approx((3 * T + 2) * g ** 2 / (4 * L), rel=1e-12)
    smallest = np.min(run.grad_norms[:T + 1] ** 2)
    assert smallest == pytest.approx(theory.nonconvex_bound_sharp(L, gap, T), rel=1e-12)
    assert smallest / theory.nonconvex_bound(L, gap, T) == pytest.approx(T / (1.5 * T + 1))
    assert run.params[-1, 0] == pytest.approx(zigzag.minimizer[0], rel=1e-12)
    assert run.losses[-1] == pytest.approx(0.0, abs=1e-12 * gap)


def test_zigzag_slope_is_its_derivative_and_L_lipschitz():
    zigzag = ZigzagSlope(5, L=2.0, g=0.5)
    x = np.linspace(-1.0, 5.0, 6001)
    h = 1e-6
    numeric = (zigzag.f(x + h) - zigzag.f(x - h)) / (2 * h)
    assert np.max(np.abs(numeric - zigzag.df(x))) < 1e-5
    slopes = np.abs(np.diff(zigzag.df(x)) / np.diff(x))
    assert slopes.max() <= zigzag.L * (1 + 1e-9) and slopes.max() > 0.99 * zigzag.L
    assert np.diff(zigzag.df(x)).min() < 0                           # curvature -L: not convex
    assert zigzag.f(x).min() >= -1e-15 and zigzag.f(zigzag.minimizer[0]) == pytest.approx(0.0)


def test_nonconvex_bound_holds_on_the_wavy_valley():
    valley = WavyValley(0.05)
    for start in ([4.0, 2.5], [-3.0, 1.2], [0.5, -2.0]):
        run = gradient_descent(valley, start, lr=1 / valley.L, max_iter=200, grad_tol=None)
        gap = run.losses[0]
        for T in (1, 10, 100, 200):
            assert np.min(run.grad_norms[:T] ** 2) <= theory.nonconvex_bound(valley.L, gap, T)


# ------------------------------------------------------------------ convex: Huber
@pytest.mark.parametrize("L, R, t", [(1.0, 1.0, 1), (2.0, 3.0, 10), (0.5, 0.1, 300)])
def test_huber_attains_the_exact_convex_worst_case(L, R, t):
    huber = Huber.worst_case(L, R, t)
    run = gradient_descent(huber, [R], lr=1 / L, max_iter=4 * t, grad_tol=None)
    assert run.losses[t] == pytest.approx(theory.convex_worst_case(L, R, t), rel=1e-9)
    s = np.arange(1, 4 * t + 1)
    assert np.all(run.losses[1:] <= theory.convex_bound(L, R, s) * (1 + 1e-12))
    assert np.all(np.diff(np.abs(run.params[:, 0])) <= 0)           # never moves away


def test_huber_gradient_and_smoothness():
    huber = Huber(L=2.0, tau=0.3)
    for w in ([0.1, -2.0], [1.5, 0.29], [-0.31, 0.0]):
        np.testing.assert_allclose(huber.grad(w), numerical_gradient(huber.loss, np.array(w)),
                                   atol=1e-6)
    assert huber.loss([0.0, 0.0]) == 0.0


def test_convex_bound_holds_on_random_convex_problems():
    rng = np.random.default_rng(1)
    for _ in range(5):
        A, b = random_quadratic(rng, 8, 1e-4, 1.0)
        quadratic = Quadratic(A, b)
        w0 = rng.standard_normal(8)
        R = np.linalg.norm(w0 - quadratic.minimizer)
        run = gradient_descent(quadratic, w0, lr=1 / quadratic.L, max_iter=300, grad_tol=None)
        t = np.arange(1, 301)
        bound = theory.convex_bound(quadratic.L, R, t)
        assert np.all(run.losses[1:] - quadratic.min_value <= bound * (1 + 1e-9))


# ------------------------------------------------------------------ acceleration and lower bound
def test_nesterov_worst_quadratic_has_the_stated_minimum():
    for k, L in [(1, 1.0), (9, 2.0), (51, 0.5)]:
        worst = nesterov_worst_quadratic(k, L)
        i = np.arange(1, k + 1)
        np.testing.assert_allclose(worst.minimizer, 1 - i / (k + 1), atol=1e-12)
        assert worst.min_value == pytest.approx(-L / 8 * (1 - 1 / (k + 1)), rel=1e-12)
        assert worst.L < L                                              # L-smooth
        assert np.sum(worst.minimizer ** 2) <= (k + 1) / 3


@pytest.mark.parametrize("t", [1, 4, 20])
def test_best_first_order_gap_is_the_minimum_over_the_first_t_coordinates(t):
    worst = nesterov_worst_quadratic(2 * t + 1, L=2.0)
    block = np.linalg.solve(worst.A[:t, :t], worst.b[:t])
    value = worst.loss(np.r_[block, np.zeros(t + 1)]) - worst.min_value
    assert value == pytest.approx(theory.best_first_order_gap(2 * t + 1, t, L=2.0), rel=1e-10)
    R = np.linalg.norm(worst.minimizer)
    assert theory.lower_bound(2.0, R, t) <= value


@pytest.mark.parametrize("t", [3, 10, 40])
def test_first_order_methods_stay_above_the_lower_bound(t):
    worst = nesterov_worst_quadratic(2 * t + 1, L=1.0)
    x0 = np.zeros(worst.dim)
    R = np.linalg.norm(worst.minimizer)
    agd = accelerated_gradient(worst, x0, 1.0, t)
    gd = gradient_descent(worst, x0, lr=1.0, max_iter=t, grad_tol=None).params
    for path in (agd, gd):
        for s in range(1, t + 1):
            assert np.count_nonzero(path[s]) <= s                     # the Krylov argument
        assert worst.loss(path[t]) - worst.min_value >= theory.lower_bound(1.0, R, t)
    assert worst.loss(agd[t]) - worst.min_value <= theory.accelerated_bound(1.0, R, t)


def test_accelerated_gradient_meets_its_bound_on_convex_problems():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((80, 5))
    logistic = LogisticRegression(X, (X[:, 0] + 0.3 * rng.standard_normal(80) > 0).astype(float),
                                  alpha=1e-3, fit_intercept=False)
    L = np.linalg.eigvalsh(logistic.Z.T @ logistic.Z)[-1] / (4 * 80) + 1e-3
    w_star = gradient_descent(logistic, np.zeros(5), lr=1 / L, max_iter=200_000,
                              grad_tol=1e-12, record_params=False).w
    f_star = logistic.loss(w_star)
    w0 = rng.standard_normal(5)
    R = np.linalg.norm(w0 - w_star)
    path = accelerated_gradient(logistic, w0, L, 200)
    gaps = np.array([logistic.loss(x) for x in path[1:]]) - f_star
    assert np.all(gaps <= theory.accelerated_bound(L, R, np.arange(1, 201)))
    for _ in range(3):
        A, b = random_quadratic(rng, 10, 1e-4, 1.0)
        quadratic = Quadratic(A, b)
        w0 = rng.standard_normal(10)
        R = np.linalg.norm(w0 - quadratic.minimizer)
        path = accelerated_gradient(quadratic, w0, quadratic.L, 300)
        gaps = np.array([quadratic.loss(x) for x in path[1:]]) - quadratic.min_value
        assert np.all(gaps <= theory.accelerated_bound(quadratic.L, R, np.arange(1, 301)) + 1e-12)


def test_momentum_form_of_the_exercise_gives_the_same_iterates():
    rng = np.random.default_rng(3)
    A, b = random_quadratic(rng, 6)
    quadratic = Quadratic(A, b)
    w0 = rng.standard_normal(6)
    three_point = accelerated_gradient(quadratic, w0, quadratic.L, 100)
    momentum = ch08.accelerated_momentum(quadratic.grad, w0, quadratic.L, 100)
    np.testing.assert_allclose(momentum, three_point, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ linear rates
def test_contraction_factor_is_attained_on_a_quadratic_and_respected_by_logistic_regression():
    quadratic = Quadratic(np.diag([0.5, 5.0]))
    for lr in (1 / 5.0, 2 / 5.5, 0.39):
        rho = theory.contraction_factor(5.0, 0.5, lr)
        run = gradient_descent(quadratic, [1.0, 1.0], lr=lr, max_iter=60, grad_tol=None)
        ratios = contraction_ratios(run.params, np.zeros(2))
        assert ratios.max() <= rho * (1 + 1e-12) and ratios[-1] == pytest.approx(rho, rel=1e-6)
    rng = np.random.default_rng(4)
    X = rng.standard_normal((100, 4))
    logistic = LogisticRegression(X, (X @ [1.0, -1.0, 0.5, 0.0] > 0).astype(float), alpha=0.05,
                                  fit_intercept=False)
    L = np.linalg.eigvalsh(X.T @ X)[-1] / 400 + 0.05
    w_star = gradient_descent(logistic, np.zeros(4), lr=1 / L, max_iter=100_000, grad_tol=1e-14,
                              record_params=False).w
    params = gradient_descent(logistic, np.ones(4), lr=1 / L, max_iter=500, grad_tol=None).params
    distance = np.linalg.norm(params - w_star, axis=1)
    ratios = contraction_ratios(params[distance > 1e-9 * distance[0]], w_star)
    assert ratios.max() <= theory.contraction_factor(L, 0.05, 1 / L)


def test_wavy_valley_is_nonconvex_pl_and_converges_within_the_pl_bound():
    valley = WavyValley(0.1)
    u, v = np.meshgrid(np.linspace(-8, 8, 401), np.linspace(-8, 8, 801))
    f = valley.mu / 2 * u ** 2 + v ** 2 + 3 * np.sin(v) ** 2
    grad2 = (valley.mu * u) ** 2 + (2 * v + 3 * np.sin(2 * v)) ** 2
    away = f > 0
    assert np.min(grad2[away] / (2 * f[away])) == pytest.approx(valley.mu, rel=1e-9)
    profile = np.linspace(1e-3, 20, 200_001)
    h = profile ** 2 + 3 * np.sin(profile) ** 2
    ratio = (2 * profile + 3 * np.sin(2 * profile)) ** 2 / (2 * h)
    assert 0.175 < ratio.min() < 0.1756                          # the profile's PL constant
    assert np.linalg.eigvalsh(valley.hessian([0.0, np.pi / 2]))[0] == pytest.approx(-4.0)
    for w in ([1.0, 2.0], [-3.0, 0.3]):
        np.testing.assert_allclose(valley.grad(w), numerical_gradient(valley.loss, np.array(w)),
                                   atol=1e-6)
    for lr in (1 / 8, 1 / 40, 1 / 200):
        losses = gradient_descent(valley, [4.0, 2.5], lr=lr, max_iter=5000, grad_tol=None).losses
        losses = losses[losses > 1e-12 * losses[0]]
        assert np.max(losses[1:] / losses[:-1]) <= theory.pl_factor(valley.L, valley.mu, lr)


# ------------------------------------------------------------------ the bounds as functions
def test_bound_formulas():
    assert theory.nonconvex_bound(2.0, 3.0, 4) == 3.0
    assert theory.nonconvex_bound_sharp(2.0, 3.0, 2) == 3.0
    assert theory.convex_bound(2.0, 3.0, 3) == 3.0
    assert theory.convex_worst_case(1.0, 2.0, 1) == pytest.approx(4 / 6)
    assert theory.accelerated_bound(1.0, 1.0, 3) == pytest.approx(2 / 16)
    assert theory.lower_bound(1.0, 1.0, 1) == pytest.approx(3 / 128)
    assert theory.contraction_factor(10.0, 1.0, 2 / 11) == pytest.approx(9 / 11)
    assert theory.pl_factor(10.0, 1.0, 0.1) == pytest.approx(0.9)
    assert theory.interpolation_factor(0.5, 4.0, 0.25) == pytest.approx(1 - 0.125)
    np.testing.assert_allclose(theory.convex_bound(1.0, 1.0, np.array([1, 2, 4])),
                               [0.5, 0.25, 0.125])


@pytest.mark.parametrize("call, name", [
    (lambda: theory.nonconvex_bound(0.0, 1.0, 1), "L"),
    (lambda: theory.nonconvex_bound(1.0, -1.0, 1), "gap"),
    (lambda: theory.convex_bound(1.0, 1.0, 0), "t"),
    (lambda: theory.convex_bound(1.0, 1.0, 1.5), "t"),
    (lambda: theory.contraction_factor(1.0, 2.0, 0.1), "mu"),
    (lambda: theory.pl_factor(1.0, 0.5, 2.0), "lr"),
    (lambda: theory.interpolation_factor(0.5, 4.0, 0.5), "lr"),
    (lambda: ZigzagSlope(0), "T"),
    (lambda: Huber(tau=-1.0), "tau"),
    (lambda: WavyValley(0.2), "mu"),
    (lambda: nesterov_worst_quadratic(0), "k"),
    (lambda: theory.best_first_order_gap(5, 6), "t"),
    (lambda: accelerated_gradient(Quadratic(np.eye(2)), [1.0, 1.0], -1.0, 3), "L"),
])
def test_bad_arguments_raise_value_errors_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# ------------------------------------------------------------------ SGD on least squares
@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((120, 2)) * [1.0, 0.5]
    clean_y = X @ [1.0, -1.0] + 0.3
    noisy = LinearRegression(X, clean_y + 0.4 * rng.standard_normal(120))
    return noisy, LinearRegression(X, clean_y)


def excess(problem, thetas):
    error = thetas - problem.solution()
    return 0.5 * np.einsum("...j,jk,...k->...", error, problem.hessian(), error)


def test_sgd_ensemble_runs_are_plain_sgd_with_replacement(data):
    noisy, _ = data
    runs = sgd_ensemble(noisy, np.zeros(3), 0.05, 30, n_runs=4, random_state=7)
    rows = np.random.default_rng(7)
    w = np.zeros((4, 3))
    for t in range(30):
        i = rows.integers(0, 120, size=4)
        for r in range(4):
            z = noisy.Z[i[r]]
            w[r] = w[r] - 0.05 * z * (z @ w[r] - noisy.y[i[r]])
    np.testing.assert_allclose(runs.params[-1], w, rtol=1e-12)
    assert runs.averages is None and runs.steps.tolist() == list(range(31))


def test_polyak_ruppert_averages_of_the_ensemble_match_the_exercise_reference(data):
    noisy, _ = data
    runs = sgd_ensemble(noisy, np.zeros(3), 0.05, 40, n_runs=3, average_from=10, random_state=1)
    for r in range(3):
        expected = ch08.polyak_ruppert(runs.params[:, r], 10)
        np.testing.assert_allclose(runs.averages[10:, r], expected, rtol=1e-12)
        np.testing.assert_allclose(runs.averages[:10, r], runs.params[:10, r])


def test_noise_floor_is_the_limit_of_the_exact_expectations(data):
    noisy, _ = data
    for lr in (0.02, 0.2):
        expected, _ = sgd_expectations(noisy, np.zeros(3), lr, 6000)
        assert expected[-1] == pytest.approx(theory.noise_floor(noisy, lr), rel=1e-9)
    small = theory.noise_floor(noisy, 1e-4)
    assert small == pytest.approx(theory.noise_floor_first_order(noisy, 1e-4), rel=1e-3)
    Z = noisy.Z
    assert theory.noise_floor_first_order(noisy, 0.1) == pytest.approx(
        ch08.noise_floor_estimate(Z, noisy.y, 0.1), rel=1e-10)


def test_stationary_second_moment_solves_its_equation(data):
    noisy, _ = data
    lr = 0.1
    P = theory.stationary_second_moment(noisy, lr)
    Z, H = noisy.Z, noisy.hessian()
    M = (Z.T * np.einsum("ij,jk,ik->i", Z, P, Z)) @ Z / len(Z)
    np.testing.assert_allclose(H @ P + P @ H - lr * M,
                               lr * theory.gradient_noise_at_optimum(noisy), atol=1e-14)
    np.testing.assert_allclose(P, P.T, atol=1e-15)
    assert np.all(np.linalg.eigvalsh(P) > 0)


def test_exact_expectations_agree_with_many_runs(data):
    noisy, _ = data
    schedule = lambda t: 0.1 / (1 + 0.01 * t)
    runs = sgd_ensemble(noisy, np.zeros(3), schedule, 1000, n_runs=4000, record_every=50,
                        random_state=2)
    expected, distance = sgd_expectations(noisy, np.zeros(3), schedule, 1000)
    measured = excess(noisy, runs.params).mean(axis=1)
    np.testing.assert_allclose(measured, expected[runs.steps], rtol=0.08)
    measured_distance = np.sum((runs.params - noisy.solution()) ** 2, axis=2).mean(axis=1)
    np.testing.assert_allclose(measured_distance, distance[runs.steps], rtol=0.08)


def test_measured_floor_and_averaging_constant(data):
    noisy, _ = data
    lr = 0.1
    runs = sgd_ensemble(noisy, np.zeros(3), lr, 4000, n_runs=2000, average_from=500,
                        record_every=100, random_state=3)
    floor = excess(noisy, runs.params)[runs.steps >= 1000].mean()
    assert floor == pytest.approx(theory.noise_floor(noisy, lr), rel=0.04)
    averaged = excess(noisy, runs.averages).mean(axis=1)[-1]
    n = runs.steps[-1] - 500 + 1
    assert n * averaged == pytest.approx(theory.averaging_constant(noisy, lr), rel=0.08)
    H, Sigma = noisy.hessian(), theory.gradient_noise_at_optimum(noisy)
    assert theory.averaging_constant(noisy, 1e-6) == pytest.approx(
        0.5 * np.trace(np.linalg.solve(H, Sigma)), rel=1e-4)


def test_decreasing_steps_meet_the_theorem(data):
    noisy, _ = data
    H = noisy.hessian()
    mu = np.linalg.eigvalsh(H)[0]
    R2 = np.max(np.sum(noisy.Z ** 2, axis=1))
    t0 = int(np.ceil(4 * R2 / mu))
    sigma2 = np.trace(theory.gradient_noise_at_optimum(noisy))
    for theta0 in (np.zeros(3), np.array([5.0, -5.0, 5.0])):
        nu = max(t0 * np.sum((theta0 - noisy.solution()) ** 2), 8 * sigma2 / mu ** 2)
        _, distance = sgd_expectations(noisy, theta0, lambda t: 2 / (mu * (t + t0)), 5000)
        assert np.all(distance <= nu / (np.arange(5001) + t0) * (1 + 1e-12))


def test_interpolation_rate(data):
    _, clean = data
    H = clean.hessian()
    mu = np.linalg.eigvalsh(H)[0]
    R2 = np.max(np.sum(clean.Z ** 2, axis=1))
    assert np.trace(theory.gradient_noise_at_optimum(clean)) < 1e-20
    assert theory.noise_floor(clean, 0.05) < 1e-20
    for lr in (1 / R2, 0.3 / R2, 1.5 / R2):
        exact = theory.second_moment_rate(clean, lr)
        assert exact <= theory.interpolation_factor(mu, R2, lr)
        _, distance = sgd_expectations(clean, np.zeros(3), lr, 3000)
        # the last ratio before the distance reaches the round-off floor of theta*
        k = np.flatnonzero(distance > 1e-20 * distance[0])[-1]
        assert distance[k] / distance[k - 1] == pytest.approx(exact, rel=1e-6)
        factor = theory.interpolation_factor(mu, R2, lr)
        assert np.all(distance[1:k + 1] <= factor * distance[:k] * (1 + 1e-12))


def test_sgd_functions_validate_their_arguments(data):
    noisy, _ = data
    with pytest.raises(ValueError, match="LinearRegression"):
        theory.noise_floor(LinearRegression(noisy.X, noisy.y, alpha=0.1), 0.01)
    with pytest.raises(ValueError, match="LinearRegression"):
        theory.gradient_noise_at_optimum(Quadratic(np.eye(2)))
    with pytest.raises(ValueError, match="lr"):
        theory.noise_floor(noisy, 10.0)
    with pytest.raises(ValueError, match="n_runs"):
        sgd_ensemble(noisy, np.zeros(3), 0.1, 10, n_runs=0)
    with pytest.raises(ValueError, match="average_from"):
        sgd_ensemble(noisy, np.zeros(3), 0.1, 10, average_from=-1)
