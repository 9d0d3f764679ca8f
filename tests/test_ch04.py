"""gdcourse.lr_finder (the learning-rate range test) and the facts chapter 4 teaches."""

import numpy as np
import pytest

from gdcourse.descent import gradient_descent
from gdcourse.lr_finder import LRRangeResult, geometric_rates, lr_range_test
from gdcourse.objectives import LinearRegression, Quadratic
from gdcourse.solutions import ch04 as sol


def regression(m=200, n=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    return LinearRegression(X, X @ rng.standard_normal(n) + rng.normal(0, 0.3, m))


# --------------------------------------------------------------------------- geometric_rates
def test_geometric_rates_end_points_and_constant_ratio():
    rates = geometric_rates(1e-4, 10.0, 51)
    assert rates[0] == 1e-4 and rates[-1] == 10.0
    ratios = rates[1:] / rates[:-1]
    np.testing.assert_allclose(ratios, (1e5) ** (1 / 50), rtol=1e-12)


@pytest.mark.parametrize("kwargs, name", [
    (dict(lr_min=0.0, lr_max=1.0, n_steps=5), "lr_min"),
    (dict(lr_min=-1.0, lr_max=1.0, n_steps=5), "lr_min"),
    (dict(lr_min=1.0, lr_max=1.0, n_steps=5), "lr_max"),
    (dict(lr_min=1e-3, lr_max=float("inf"), n_steps=5), "lr_max"),
    (dict(lr_min=1e-3, lr_max=1.0, n_steps=1), "n_steps"),
    (dict(lr_min=1e-3, lr_max=1.0, n_steps=2.5), "n_steps"),
])
def test_geometric_rates_validates(kwargs, name):
    with pytest.raises(ValueError, match=name):
        geometric_rates(**kwargs)


# --------------------------------------------------------------------------- lr_range_test
def test_range_test_matches_the_reference_solution_without_early_stop():
    q = Quadratic.from_eigenvalues([0.5, 2.0, 9.0], b=np.array([1.0, -2.0, 0.5]), seed=3)
    w0 = np.array([2.0, -1.0, 3.0])
    result = lr_range_test(q, w0, 1e-3, 1.0, 40, stop_factor=None)
    np.testing.assert_allclose(result.losses, sol.lr_range_test(q, w0, 1e-3, 1.0, 40), rtol=1e-12)
    np.testing.assert_array_equal(result.lrs, geometric_rates(1e-3, 1.0, 40))
    assert not result.stopped_early


def test_range_test_records_the_loss_after_each_step():
    q = Quadratic(np.diag([1.0, 3.0]))
    w0 = np.array([1.0, 1.0])
    result = lr_range_test(q, w0, 0.01, 0.5, 5, stop_factor=None)
    w = w0.copy()
    for eta, loss in zip(result.lrs, result.losses):
        w = w - eta * q.grad(w)
        assert loss == pytest.approx(q.loss(w), rel=1e-14)


def test_range_test_stops_when_the_loss_explodes_and_suggests_a_stable_rate():
    q = Quadratic.from_eigenvalues([1.0, 10.0], seed=0)
    result = lr_range_test(q, [3.0, 2.0], 1e-3, 10.0, 80)
    assert result.stopped_early
    assert len(result.losses) < 80
    assert result.losses[-1] > 4 * result.losses.min()
    assert result.lr_at_min == result.lrs[np.argmin(result.losses)]
    assert result.suggestion == pytest.approx(result.lr_at_min / 10)
    assert result.suggestion < 2 / q.L                       # stable
    run = gradient_descent(q, [3.0, 2.0], lr=result.suggestion, max_iter=2000)
    assert run.converged


def test_range_test_with_minibatches_is_deterministic_and_seeded():
    problem = regression()
    theta0 = np.zeros(problem.n_params)
    a = lr_range_test(problem, theta0, 1e-4, 5.0, 60, batch_size=8, random_state=1)
    b = lr_range_test(problem, theta0, 1e-4, 5.0, 60, batch_size=8, random_state=1)
    c = lr_range_test(problem, theta0, 1e-4, 5.0, 60, batch_size=8, random_state=2)
    np.testing.assert_array_equal(a.losses, b.losses)
    assert not np.array_equal(a.losses[:10], c.losses[:10])
    assert isinstance(a, LRRangeResult) and "suggested lr" in str(a)


def test_range_test_minibatches_use_every_row_once_per_pass():
    problem = regression(m=10, n=2)
    seen = []

    class Spy:
        n_samples = problem.n_samples

        def loss(self, w):
            return problem.loss(w)

        def grad(self, w, rows=None):
            seen.append(np.asarray(rows))
            return problem.grad(w, rows=rows)

    lr_range_test(Spy(), np.zeros(3), 1e-4, 1e-3, 8, batch_size=3, stop_factor=None)
    first_pass = np.concatenate(seen[:4])                     # ceil(10 / 3) = 4 batches
    assert sorted(first_pass.tolist()) == list(range(10))
    assert [len(r) for r in seen[:4]] == [3, 3, 3, 1]


def test_range_test_does_not_modify_w0():
    q = Quadratic(np.diag([1.0, 2.0]))
    w0 = np.array([1.0, -1.0])
    lr_range_test(q, w0, 1e-3, 5.0, 30)
    np.testing.assert_array_equal(w0, [1.0, -1.0])


def test_range_test_explosion_is_silent():
    q = Quadratic(np.diag([1.0, 100.0]))
    with np.errstate(all="raise"):
        result = lr_range_test(q, [1.0, 1.0], 1e-3, 1e3, 400, stop_factor=None)
    assert not np.all(np.isfinite(result.losses))
    assert np.isfinite(result.lr_at_min)


@pytest.mark.parametrize("kwargs, name", [
    (dict(batch_size=0), "batch_size"),
    (dict(stop_factor=1.0), "stop_factor"),
    (dict(safety=0.5), "safety"),
    (dict(random_state="seed", batch_size=4), "random_state"),
])
def test_range_test_validates(kwargs, name):
    with pytest.raises(ValueError, match=name):
        lr_range_test(regression(), np.zeros(5), 1e-3, 1.0, 10, **kwargs)


def test_range_test_batches_need_a_data_objective():
    with pytest.raises(ValueError, match="batch_size"):
        lr_range_test(Quadratic(np.eye(2)), [1.0, 1.0], 1e-3, 1.0, 10, batch_size=2)


def test_range_test_first_step_already_infinite():
    q = Quadratic(np.diag([1.0, 1e200]))
    with pytest.raises(ValueError, match="lr_min"):
        lr_range_test(q, [1.0, 1e100], 1.0, 10.0, 5)


# --------------------------------------------------------------------------- chapter facts
def test_threshold_two_over_L_separates_convergence_from_divergence():
    q = Quadratic.from_eigenvalues([1.0, 10.0], seed=0)
    eta = sol.largest_stable_lr(q.A)
    below = gradient_descent(q, [3.0, 2.0], lr=eta * (1 - 1e-3), max_iter=5000, grad_tol=None)
    above = gradient_descent(q, [3.0, 2.0], lr=eta * (1 + 1e-3), max_iter=5000, grad_tol=None)
    e0 = np.linalg.norm(np.array([3.0, 2.0]) - q.minimizer)
    assert np.linalg.norm(below.w - q.minimizer) < e0 < np.linalg.norm(above.w - q.minimizer)


def test_two_over_L_plus_mu_minimises_the_worst_contraction_factor():
    eigenvalues = np.array([1.0, 3.0, 7.0, 20.0])
    A = np.diag(eigenvalues)
    etas = np.linspace(0.001, 2 / 20, 2000)
    rho = np.max(np.abs(1 - np.outer(etas, eigenvalues)), axis=1)
    best = sol.optimal_constant_lr(A)
    assert etas[np.argmin(rho)] == pytest.approx(best, abs=1e-4)
    kappa = 20.0
    assert np.max(np.abs(1 - best * eigenvalues)) == pytest.approx((kappa - 1) / (kappa + 1))


def test_reference_schedules_match_the_package():
    from gdcourse.schedules import CosineAnnealing, StepDecay
    step, cosine = StepDecay(0.3, step_size=7, gamma=0.5), CosineAnnealing(0.3, T_max=40, eta_min=0.01)
    for t in range(60):
        assert sol.step_decay(0.3, 0.5, 7, t) == pytest.approx(step(t), rel=1e-15)
        assert sol.cosine_annealing(0.3, 0.01, 40, t) == pytest.approx(cosine(t), rel=1e-12)


# ------------------------------------------- beyond quadratics: descent versus stability
def _wavy():
    """f(w) = w^2/2 + cos(w)/2: f'' = 1 - cos(w)/2 lies in [1/2, 3/2], L = 3/2, f''(0) = 1/2."""
    from gdcourse.objectives import Function
    return Function(lambda w: float(0.5 * w[0] ** 2 + 0.5 * np.cos(w[0])),
                    lambda w: w - 0.5 * np.sin(w))


def test_below_two_over_L_every_step_descends_from_every_start():
    wavy = _wavy()
    for w0 in np.linspace(-20, 20, 81):
        run = gradient_descent(wavy, [w0], lr=1.3, max_iter=500, grad_tol=1e-6)
        assert run.converged and np.all(np.diff(run.losses) <= 0), w0


def test_above_two_over_L_the_minimum_still_attracts_nearby_starts():
    wavy = _wavy()                                   # 2/L = 4/3 < 3 < 4 = 2/f''(0)
    for w0 in (0.1, -0.7, 1.2, 1.45):
        assert gradient_descent(wavy, [w0], lr=3.0, max_iter=500, grad_tol=1e-8).converged
    far = gradient_descent(wavy, [3.0], lr=3.0, max_iter=100, grad_tol=1e-8)
    assert not far.converged and abs(far.w[0]) > 1e20


def test_above_two_over_the_curvature_at_the_minimum_it_repels():
    wavy = _wavy()
    for w0 in (1e-6, -1e-3):
        run = gradient_descent(wavy, [w0], lr=4.2, max_iter=60, grad_tol=None)
        factors = np.abs(run.params[1:12, 0] / run.params[:11, 0])
        assert np.all(factors > 1.09), "|1 - 4.2 f''(0)| = 1.1: pushed away at every step"


# --------------------------------------------------------------- SGD's noise floor
def _noisy_regression(noise=1.0):
    """The synthetic least-squares problem of chapter 4's SGD experiments."""
    rng = np.random.default_rng(4)
    m, n = 500, 5
    X = rng.standard_normal((m, n)) * rng.uniform(0.5, 2.0, n)
    y = X @ rng.standard_normal(n) + 1.0 + rng.normal(0.0, noise, m)
    return LinearRegression(X, y)


def _gradient_covariance(problem):
    """Sigma = (1/m) sum_i r_i*^2 z_i z_i^T, the covariance of the example gradients at the
    minimum, and the Hessian (1/m) Z^T Z."""
    Z = problem.Z
    r = Z @ problem.solution() - problem.y
    return (Z * r[:, None] ** 2).T @ Z / len(r), problem.hessian()


def _exact_floor_with_independent_picks(problem, lr):
    """Mean f - f* of the stationary SGD (one example per step, picked independently and
    uniformly): C = E[e e^T] solves lr (H C + C H) - lr^2 mean(z z^T C z z^T) = lr^2 Sigma."""
    Sigma, H = _gradient_covariance(problem)
    Z, d = problem.Z, H.shape[0]
    fourth = np.einsum("ia,ib,ic,id->acbd", Z, Z, Z, Z).reshape(d * d, d * d) / len(Z)
    identity = np.eye(d)
    operator = lr * (np.kron(H, identity) + np.kron(identity, H)) - lr ** 2 * fourth
    C = np.linalg.solve(operator, lr ** 2 * Sigma.reshape(-1)).reshape(d, d)
    return 0.5 * np.trace(H @ C)


def test_noise_floor_tends_to_lr_trace_sigma_over_four():
    problem = _noisy_regression()
    Sigma, H = _gradient_covariance(problem)
    f_star = problem.loss(problem.solution())
    assert np.trace(Sigma) == pytest.approx(2 * f_star * np.trace(H), rel=0.05)  # sigma^2 = 2f*
    ratios = [_exact_floor_with_independent_picks(problem, lr) / (lr * np.trace(Sigma) / 4)
              for lr in (0.05, 0.025, 0.0125, 1e-3, 1e-4)]
    assert ratios[0] > 1.5, "second-order terms matter at the chapter's rate"
    assert all(a > b > 1 for a, b in zip(ratios, ratios[1:])), "approaches 1 from above"
    assert ratios[-2] - 1 < 0.01 and ratios[-1] - 1 < 1e-3, "first order in lr"


def test_independent_picks_reach_the_exact_floor():
    problem = _noisy_regression()
    Z, y, lr = problem.Z, problem.y, 0.025
    theta_star = problem.solution()
    H = problem.hessian()
    steps, chains = 8000, 16
    picks = np.random.default_rng(0).integers(len(y), size=(steps, chains))
    theta, moment = np.zeros((chains, Z.shape[1])), 0.0
    for step, rows in enumerate(picks):
        z = Z[rows]
        theta = theta - lr * (np.sum(z * theta, axis=1) - y[rows])[:, None] * z
        if step >= steps // 2:
            e = theta - theta_star
            moment = moment + e.T @ e
    measured = 0.5 * np.trace(H @ moment) / ((steps - steps // 2) * chains)
    assert measured == pytest.approx(_exact_floor_with_independent_picks(problem, lr), rel=0.05)


def test_reshuffled_epochs_end_below_the_formula_for_small_rates():
    from gdcourse.variants import stochastic_gradient_descent
    problem = _noisy_regression()
    Sigma, _ = _gradient_covariance(problem)
    f_star = problem.loss(problem.solution())
    for lr in (0.00625, 0.003125):
        floors = [np.mean(stochastic_gradient_descent(
            problem, np.zeros(6), lr=lr, epochs=40, random_state=seed,
            record="epoch").epoch_losses[11:] - f_star) for seed in range(3)]
        assert np.mean(floors) < 0.8 * lr * np.trace(Sigma) / 4


def test_constant_rate_sgd_converges_under_interpolation():
    from gdcourse.variants import stochastic_gradient_descent
    problem = _noisy_regression(noise=0.0)                 # every example fitted exactly
    Sigma, _ = _gradient_covariance(problem)
    assert np.max(np.abs(Sigma)) < 1e-25
    run = stochastic_gradient_descent(problem, np.zeros(6), lr=0.05, epochs=30,
                                      random_state=0, record="epoch")
    assert run.epoch_losses[-1] < 1e-20
