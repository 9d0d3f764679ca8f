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
