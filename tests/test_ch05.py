"""Chapter 5: gdcourse.batching, and the reference solutions against the package."""

import numpy as np
import pytest

from gdcourse.batching import (CountingObjective, gradient_noise, per_sample_gradients,
                               sampled_gradient_noise)
from gdcourse.objectives import LinearRegression, LogisticRegression
from gdcourse.solutions import ch05
from gdcourse.variants import iterate_minibatches, minibatch_descent


def regression(m=60, n=3, seed=0, alpha=0.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    return LinearRegression(X, X @ rng.standard_normal(n) + 0.5 + rng.normal(0, 0.3, m), alpha=alpha)


# ------------------------------------------------------------------ per_sample_gradients
@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_per_sample_gradients_average_to_the_full_gradient(alpha):
    problem = regression(alpha=alpha)
    theta = np.array([0.2, -1.0, 0.5, 2.0])
    G = per_sample_gradients(problem, theta)
    assert G.shape == (60, 4)
    np.testing.assert_allclose(G.mean(axis=0), problem.grad(theta), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(G[7], problem.grad(theta, rows=[7]), rtol=1e-12)


def test_per_sample_gradients_of_logistic_regression():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 2))
    problem = LogisticRegression(X, (X[:, 0] > 0).astype(float))
    theta = np.array([0.1, 0.3, -0.2])
    G = per_sample_gradients(problem, theta)
    np.testing.assert_allclose(G.mean(axis=0), problem.grad(theta), rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------ gradient_noise
def exact_noise_by_enumeration(G, k):
    """Average of ||g_B - g||^2 over every subset of k rows (small m only)."""
    from itertools import combinations
    mean = G.mean(axis=0)
    errors = [np.sum((G[list(rows)].mean(axis=0) - mean) ** 2) for rows in combinations(range(len(G)), k)]
    return float(np.mean(errors))


@pytest.mark.parametrize("k", [1, 2, 3, 5, 7])
def test_gradient_noise_matches_enumeration_of_all_batches(k):
    G = np.random.default_rng(2).standard_normal((7, 3))
    assert gradient_noise(G, k) == pytest.approx(exact_noise_by_enumeration(G, k), rel=1e-12, abs=1e-15)


def test_gradient_noise_limits():
    G = np.random.default_rng(3).standard_normal((50, 4))
    sigma2 = float(np.sum(np.var(G, axis=0)))
    assert gradient_noise(G, 1) == pytest.approx(sigma2, rel=1e-12)
    assert gradient_noise(G, 50) == 0.0
    assert gradient_noise(np.ones((5, 2)), 2) == 0.0
    assert gradient_noise(np.array([[1.0, 2.0]]), 1) == 0.0


def test_gradient_noise_agrees_with_sampling():
    problem = regression(m=80)
    theta = np.zeros(4)
    G = per_sample_gradients(problem, theta)
    for k in (1, 8, 40):
        sampled = sampled_gradient_noise(problem, theta, k, n_draws=4000, random_state=0)
        assert sampled == pytest.approx(gradient_noise(G, k), rel=0.08)


def test_sampled_gradient_noise_is_reproducible_and_zero_for_the_full_batch():
    problem = regression(m=20)
    theta = np.ones(4)
    a = sampled_gradient_noise(problem, theta, 4, n_draws=50, random_state=5)
    assert a == sampled_gradient_noise(problem, theta, 4, n_draws=50, random_state=5)
    assert sampled_gradient_noise(problem, theta, 20, n_draws=5, random_state=0) < 1e-25


@pytest.mark.parametrize("call, name", [
    (lambda: gradient_noise(np.ones(3), 1), "G"),
    (lambda: gradient_noise(np.ones((3, 2)), 0), "batch_size"),
    (lambda: gradient_noise(np.ones((3, 2)), 4), "batch_size"),
    (lambda: gradient_noise(np.ones((3, 2)), 1.5), "batch_size"),
    (lambda: per_sample_gradients(object(), np.ones(2)), "objective"),
    (lambda: per_sample_gradients(regression(), np.ones((2, 2))), "theta"),
    (lambda: sampled_gradient_noise(regression(m=10), np.ones(4), 11), "batch_size"),
    (lambda: sampled_gradient_noise(regression(m=10), np.ones(4), 2, n_draws=0), "n_draws"),
    (lambda: CountingObjective("not an objective"), "objective"),
])
def test_bad_arguments_raise_value_errors_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# ------------------------------------------------------------------ CountingObjective
@pytest.mark.parametrize("batch_size, epochs", [(1, 2), (7, 3), (60, 4), (100, 1)])
def test_counting_objective_counts_updates_and_rows(batch_size, epochs):
    counted = CountingObjective(regression())
    history = minibatch_descent(counted, np.zeros(4), lr=0.01, batch_size=batch_size,
                                epochs=epochs, random_state=0)
    per_epoch = -(-60 // min(batch_size, 60))
    assert counted.gradient_calls == epochs * per_epoch == history.n_iter
    assert counted.rows_touched == epochs * 60
    counted.reset()
    assert (counted.gradient_calls, counted.rows_touched) == (0, 0)
    assert "CountingObjective" in repr(counted)


def test_counting_objective_passes_everything_through():
    problem = regression()
    counted = CountingObjective(problem)
    theta = np.array([0.1, 0.2, 0.3, 0.4])
    assert counted.loss(theta) == problem.loss(theta)
    np.testing.assert_array_equal(counted.grad(theta), problem.grad(theta))
    assert counted.n_params == 4 and counted.Z is problem.Z
    assert counted.gradient_calls == 0           # monitoring is not counted


# ------------------------------------------------------------------ references vs package
def test_minibatch_indices_matches_the_package_iterator():
    for n, k in ((10, 3), (7, 7), (5, 9), (1, 1)):
        ours = ch05.minibatch_indices(n, k, np.random.default_rng(4))
        package = list(iterate_minibatches(n, k, np.random.default_rng(4)))
        assert len(ours) == len(package)
        for a, b in zip(ours, package):
            np.testing.assert_array_equal(a, b)


def test_sgd_epoch_matches_minibatch_descent_without_shuffling():
    problem = regression(m=25, n=2)
    w, b = ch05.sgd_epoch(problem.X, problem.y, np.zeros(2), 0.0, 0.05, np.arange(25))
    history = minibatch_descent(problem, np.zeros(3), lr=0.05, batch_size=1, epochs=1, shuffle=False)
    np.testing.assert_allclose(np.r_[b, w], history.w, rtol=1e-12, atol=1e-14)


def test_minibatch_gradient_matches_the_objective():
    problem = LinearRegression(np.random.default_rng(6).standard_normal((30, 3)),
                               np.random.default_rng(7).standard_normal(30), fit_intercept=False)
    idx = np.array([3, 17, 4, 29])
    w = np.array([0.5, -0.5, 1.0])
    np.testing.assert_allclose(ch05.minibatch_gradient(problem.X, problem.y, w, idx),
                               problem.grad(w, rows=idx), rtol=1e-12)


def test_gradient_variance_matches_the_package():
    G = np.random.default_rng(8).standard_normal((40, 3))
    for k in (1, 5, 40):
        assert ch05.gradient_variance(G, k) == pytest.approx(gradient_noise(G, k), rel=1e-12, abs=1e-15)


# ------------------------------------------------------------------ grading of the custom outputs
from gdcourse.grading import check  # noqa: E402


def test_minibatch_indices_accepts_equivalent_answers():
    def with_shuffle(n_samples, batch_size, rng):        # rng.shuffle of arange == rng.permutation
        order = np.arange(n_samples)
        rng.shuffle(order)
        return (order[s:s + batch_size].tolist() for s in range(0, n_samples, batch_size))
    assert check("ch05.minibatch_indices", with_shuffle).passed


@pytest.mark.parametrize("answer, words", [
    (lambda n, k, rng: rng.permutation(n), "list of index arrays"),
    (lambda n, k, rng: None, "return"),
    (lambda n, k, rng: [np.array([0.5])], "integer row indices"),
    (lambda n, k, rng: np.array_split(rng.permutation(n), -(-n // k)), "wrong sizes"),
])
def test_minibatch_indices_explains_malformed_answers(answer, words):
    result = check("ch05.minibatch_indices", answer)
    assert not result.passed and words in str(result), str(result)


def test_minibatch_indices_global_shuffle_is_told_to_use_rng():
    def global_shuffle(n_samples, batch_size, rng):
        order = np.arange(n_samples)
        np.random.shuffle(order)
        return [order[s:s + batch_size] for s in range(0, n_samples, batch_size)]
    result = check("ch05.minibatch_indices", global_shuffle)
    assert not result.passed and "rng.permutation(n_samples)" in str(result)


@pytest.mark.parametrize("answer, words", [
    (lambda X, y, w, b, lr, order: np.r_[b, w], "return the pair"),
    (lambda X, y, w, b, lr, order: (w[:1], b), "shape"),
    (lambda X, y, w, b, lr, order: (w, np.array([b, b])), "single number"),
])
def test_sgd_epoch_explains_malformed_answers(answer, words):
    result = check("ch05.sgd_epoch", answer)
    assert not result.passed and words in str(result), str(result)


def test_sgd_epoch_in_place_updates_pass_with_a_note():
    def in_place(X, y, w, b, lr, order):
        for i in order:
            r = X[i] @ w + b - y[i]
            w -= lr * r * X[i]
            b -= lr * r
        return w, b
    result = check("ch05.sgd_epoch", in_place)
    assert result.passed and "in place" in str(result)
