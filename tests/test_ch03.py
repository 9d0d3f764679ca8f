"""gdcourse.convergence and the chapter-3 references: rates, iteration counts, early stopping,
and agreement of the exercise references with the package's own stopping rules."""

import math

import numpy as np
import pytest

from gdcourse.convergence import (condition_number, contraction_ratios, early_stopping_descent,
                                  iterations_to_reach, linear_rate)
from gdcourse.descent import StoppingRule, gradient_descent
from gdcourse.objectives import Function, LinearRegression, Quadratic
from gdcourse.solutions import ch03


def test_condition_number_matches_the_quadratic():
    bowl = Quadratic.from_eigenvalues([0.5, 3.0, 40.0], seed=3)
    assert condition_number(bowl.A) == pytest.approx(80.0, rel=1e-12)
    assert condition_number(bowl.A) == pytest.approx(bowl.kappa, rel=1e-12)
    assert condition_number(np.eye(3)) == 1.0


@pytest.mark.parametrize("A, word", [(np.ones((2, 3)), "square"), ([[1.0, 2.0], [0.0, 1.0]], "symmetric"),
                                     ([[1.0, 0.0], [0.0, -1.0]], "positive definite"), ([[np.nan]], "NaN")])
def test_condition_number_rejects_bad_matrices(A, word):
    with pytest.raises(ValueError, match=word):
        condition_number(A)


def test_linear_rate_and_iterations():
    assert linear_rate(1.0) == 0.0 and linear_rate(3.0) == pytest.approx(0.5)
    assert iterations_to_reach(3.0, 1e-3) == 10          # 0.5^10 < 1e-3 < 0.5^9
    assert iterations_to_reach(1.0, 1e-9) == 1
    for kappa, eps in [(10.0, 1e-6), (1234.5, 1e-3), (1.01, 0.5)]:
        T, q = iterations_to_reach(kappa, eps), linear_rate(kappa)
        assert q ** T <= eps < q ** (T - 1)
        assert T == ch03.predicted_iterations(kappa, eps)


@pytest.mark.parametrize("kwargs, name", [(dict(kappa=0.5, eps=0.1), "kappa"), (dict(kappa=2.0, eps=0.0), "eps"),
                                          (dict(kappa=2.0, eps=1.0), "eps"), (dict(kappa="3", eps=0.1), "kappa")])
def test_iterations_to_reach_validates(kwargs, name):
    with pytest.raises(ValueError, match=name):
        iterations_to_reach(**kwargs)


def test_rate_is_attained_exactly_on_a_two_dimensional_quadratic():
    bowl = Quadratic.from_eigenvalues([2.0, 30.0], b=[1.0, 1.0])
    run = gradient_descent(bowl, [3.0, -2.0], lr=2 / (bowl.L + bowl.mu), max_iter=80, grad_tol=None)
    ratios = contraction_ratios(run.params, bowl.minimizer)
    np.testing.assert_allclose(ratios, linear_rate(bowl.kappa), rtol=1e-6)
    errors = np.linalg.norm(run.params - bowl.minimizer, axis=1)
    T = iterations_to_reach(bowl.kappa, 1e-4)
    assert errors[T] <= 1e-4 * errors[0] * (1 + 1e-9) and errors[T - 1] > 1e-4 * errors[0]


def test_rate_is_an_upper_bound_in_higher_dimensions():
    bowl = Quadratic.from_eigenvalues(np.geomspace(1.0, 50.0, 6), b=np.arange(6.0), seed=0)
    run = gradient_descent(bowl, np.ones(6), lr=2 / (bowl.L + bowl.mu), max_iter=60, grad_tol=None)
    assert np.all(contraction_ratios(run.params, bowl.minimizer) <= linear_rate(bowl.kappa) + 1e-9)


def test_contraction_ratios_validates():
    with pytest.raises(ValueError, match="w_star"):
        contraction_ratios(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="exactly"):
        contraction_ratios(np.array([[1.0], [0.0], [0.0]]), np.zeros(1))


def _overfitting_problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 40))
    y = X[:, 0] + rng.normal(0, 1.0, 60)
    return LinearRegression(X[:20], y[:20]), LinearRegression(X[20:], y[20:])


def test_early_stopping_descent_keeps_the_best_epoch():
    train, val = _overfitting_problem()
    run = early_stopping_descent(train, val, np.zeros(41), lr=1 / train.L, max_epochs=5000, patience=25)
    assert run.stop_reason == "patience"
    assert run.best_epoch == int(np.argmin(run.val_losses))
    assert run.n_epochs == run.best_epoch + 25
    assert val.loss(run.best_w) == pytest.approx(run.val_losses[run.best_epoch])
    assert np.all(np.diff(run.train_losses) <= 1e-12), "the training loss keeps falling"
    assert run.val_losses[-1] > run.val_losses[run.best_epoch]
    assert run.best_epoch == ch03.early_stopping(run.val_losses, 25)
    assert "best epoch" in str(run) and "patience" in repr(run)


def test_early_stopping_descent_budget_and_validation():
    train, val = _overfitting_problem()
    run = early_stopping_descent(train, val, np.zeros(41), lr=1 / train.L, max_epochs=3, patience=25)
    assert run.stop_reason == "max_epochs" and run.n_epochs == 3
    for kwargs, name in [(dict(lr=0.0), "lr"), (dict(lr=0.1, patience=0), "patience"),
                         (dict(lr=0.1, max_epochs=-1), "max_epochs"), (dict(lr=0.1, min_delta=-1.0), "min_delta")]:
        with pytest.raises(ValueError, match=name):
            early_stopping_descent(train, val, np.zeros(41), **kwargs)


def _rule_verdict(losses, grad_norm, max_iter, loss_tol, grad_tol, patience):
    """What gdcourse.descent.StoppingRule says about the last iterate of ``losses``."""
    rule = StoppingRule(grad_tol=grad_tol, loss_tol=loss_tol, patience=patience)
    for t, loss in enumerate(losses):
        reason = rule.reason(t, loss, grad_norm if t == len(losses) - 1 else np.inf)
        if reason is None and t == max_iter:
            reason = "max_iter"
        if t < len(losses) - 1 and reason is not None:
            return "earlier"
    return reason


def test_should_stop_agrees_with_the_package_stopping_rule():
    rng = np.random.default_rng(1)
    compared = set()
    for _ in range(400):
        n = int(rng.integers(1, 25))
        losses = np.round(rng.uniform(0, 10, n), 1)           # rounding makes ties common
        args = (losses, float(rng.choice([0.0, 1e-7, 1.0])), int(rng.integers(0, 30)),
                float(rng.choice([-1.0, 0.5])), 1e-6, int(rng.integers(1, 6)))
        expected = _rule_verdict(*args)
        if expected == "earlier":
            continue
        assert ch03.should_stop(*args) == expected, args
        compared.add(expected)
    assert compared == {None, "grad_tol", "loss_tol", "patience", "max_iter"}


def test_early_stopping_reference_matches_the_package_helper():
    rng = np.random.default_rng(2)
    for _ in range(100):
        values = np.round(rng.uniform(0, 5, int(rng.integers(1, 40))), 1)
        patience = int(rng.integers(1, 8))
        curve = Function(lambda w: 0.0, lambda w: np.ones(1))   # w_t = -t: epoch t reads values[t]
        val = Function(lambda w: float(values[int(round(-w[0]))]), lambda w: np.zeros(1))
        run = early_stopping_descent(curve, val, [0.0], lr=1.0, max_epochs=len(values) - 1, patience=patience)
        assert run.best_epoch == ch03.early_stopping(values, patience)


def test_iteration_prediction_is_a_ceiling():
    for kappa in (1.5, 7.0, 300.0):
        q = (kappa - 1) / (kappa + 1)
        T = ch03.predicted_iterations(kappa, 1e-5)
        assert isinstance(T, int) and T == math.ceil(math.log(1e-5) / math.log(q))


# ----------------------------------------------------------------- feature scaling (ch. 3)
def _two_diabetes_features():
    from sklearn.datasets import load_diabetes
    X_raw, y = load_diabetes(return_X_y=True, scaled=False)
    return X_raw[:, [7, 8]], y                             # s4 and s5


def _kappa(features, y):
    return condition_number(LinearRegression(features, y).hessian())


def test_centring_not_scaling_fixes_the_two_feature_regression():
    X, y = _two_diabetes_features()
    mean, std = X.mean(axis=0), X.std(axis=0)
    raw, centred = _kappa(X, y), _kappa(X - mean, y)
    scaled, both = _kappa(X / std, y), _kappa((X - mean) / std, y)
    assert raw > 3000 and centred < raw / 300, "the mean is the culprit"
    assert scaled > 2 * raw, "scaling alone makes kappa worse"
    assert both < centred < 12


def test_centring_splits_the_hessian_into_bias_and_covariance():
    X, y = _two_diabetes_features()
    centred = X - X.mean(axis=0)
    H = LinearRegression(centred, y).hessian()
    covariance = np.cov(X.T, bias=True)
    np.testing.assert_allclose(H[0, 1:], 0.0, atol=1e-12)
    np.testing.assert_allclose(H[1:, 1:], covariance, rtol=1e-12)
    eigenvalues = np.append(np.linalg.eigvalsh(covariance), 1.0)
    assert _kappa(centred, y) == pytest.approx(eigenvalues.max() / eigenvalues.min(),
                                               rel=1e-10)


def test_standardised_kappa_is_set_by_the_correlation():
    X, y = _two_diabetes_features()
    rho = np.corrcoef(X.T)[0, 1]
    standardised = (X - X.mean(axis=0)) / X.std(axis=0)
    assert _kappa(standardised, y) == pytest.approx((1 + rho) / (1 - rho), rel=1e-10)


# ------------------------------------------------- quadratic upper bound, descent lemma
def _smooth_non_quadratic():
    """A logistic-regression loss: its gradient is L-Lipschitz with L = lambda_max(Z^T Z)/4m."""
    from gdcourse.objectives import LogisticRegression
    rng = np.random.default_rng(5)
    X = rng.standard_normal((60, 3)) * [1.0, 2.0, 0.5]
    y = (X @ [1.0, -1.0, 2.0] + rng.normal(0, 1.0, 60) > 0).astype(float)
    problem = LogisticRegression(X, y)
    Z = np.column_stack([np.ones(60), X])
    return problem, np.linalg.eigvalsh(Z.T @ Z / 60)[-1] / 4


def test_quadratic_upper_bound_holds_for_a_smooth_non_quadratic_loss():
    problem, L = _smooth_non_quadratic()
    rng = np.random.default_rng(0)
    gaps = []
    for _ in range(2000):
        w, v = rng.standard_normal((2, 4)) * 3
        bound = problem.loss(w) + problem.grad(w) @ (v - w) + L / 2 * np.sum((v - w) ** 2)
        gaps.append(bound - problem.loss(v))
    assert min(gaps) >= -1e-12


def test_descent_lemma_guarantees_every_step_below_two_over_L():
    problem, L = _smooth_non_quadratic()
    rng = np.random.default_rng(1)
    for lr in (0.5 / L, 1 / L, 1.9 / L):
        for w in rng.standard_normal((50, 4)) * 3:
            g = problem.grad(w)
            decrease = problem.loss(w) - problem.loss(w - lr * g)
            assert decrease >= lr * (1 - L * lr / 2) * (g @ g) - 1e-12
