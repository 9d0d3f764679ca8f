"""gdcourse.factorization: the gradient against finite differences, SGD as steps down the
per-rating loss, the fast SGD path equal to the readable one, ALS's exact block minima,
SGD, ALS and a dense solver (truncated SVD) on small fully observed matrices, matrix
factorization beating the bias baseline on held-out ratings, and the argument checks."""

import re

import numpy as np
import pytest

from gdcourse.factorization import (Factors, MFObjective, Ratings, _sgd_epoch_fast,
                                    als_sweep, fit_als, fit_baseline, fit_sgd,
                                    init_factors, low_rank_ratings, mf_gradient, mf_loss,
                                    rmse, sgd_epoch, split_ratings)
from gdcourse.gradcheck import check_gradient
from gdcourse.schedules import ExponentialDecay


def small_ratings(seed, n_users=9, n_items=7, density=0.6, rank=2):
    ratings, _ = low_rank_ratings(n_users, n_items, rank, density=density,
                                  random_state=seed)
    return ratings


def random_factors(ratings, rank, seed, scale=0.5):
    rng = np.random.default_rng(seed)
    f = init_factors(ratings.n_users, ratings.n_items, rank, 3.5, scale=scale,
                     random_state=rng)
    f.b_user, f.b_item = rng.normal(0, 0.3, ratings.n_users), rng.normal(0, 0.3,
                                                                          ratings.n_items)
    return f


# --------------------------------------------------------------------------- loss, gradient

@pytest.mark.parametrize("rank", [0, 1, 3])
@pytest.mark.parametrize("lam", [0.0, 0.2])
@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_matches_finite_differences(rank, lam, seed):
    ratings = small_ratings(seed)
    objective = MFObjective(ratings, rank, lam)
    theta = objective.pack(random_factors(ratings, rank, seed + 5))
    result = check_gradient(objective.loss, objective.grad, theta, tol=1e-7)
    assert result.passed, result


def test_loss_is_the_mean_of_the_per_rating_losses():
    ratings, lam = small_ratings(2), 0.3
    f = random_factors(ratings, 2, 3)
    total = 0.0
    for u, i, r in zip(ratings.users, ratings.items, ratings.values):
        e = r - (f.mean + f.b_user[u] + f.b_item[i] + f.P[u] @ f.Q[i])
        total += 0.5 * e ** 2 + 0.5 * lam * (f.P[u] @ f.P[u] + f.b_user[u] ** 2
                                             + f.Q[i] @ f.Q[i] + f.b_item[i] ** 2)
    assert mf_loss(f, ratings, lam) == pytest.approx(total / len(ratings), rel=1e-13)
    np.testing.assert_allclose(f.matrix()[ratings.users, ratings.items],
                               f.predict(ratings.users, ratings.items), rtol=1e-14)


# --------------------------------------------------------------------------- SGD

def test_an_sgd_step_is_a_gradient_step_on_one_rating():
    ratings, lam, lr = small_ratings(3), 0.1, 0.05
    f = random_factors(ratings, 2, 4)
    for t in (0, 5, len(ratings) - 1):
        one = ratings.subset([t])
        expected = MFObjective.pack(f) - lr * MFObjective.pack(mf_gradient(f, one, lam))
        stepped = f.copy()
        sgd_epoch(stepped, ratings, [t], lr, lam)
        np.testing.assert_allclose(MFObjective.pack(stepped), expected, rtol=1e-13,
                                   atol=1e-15)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_sgd_epoch_equals_the_readable_loop(seed):
    ratings, _ = low_rank_ratings(40, 25, 3, density=0.3, random_state=seed)
    slow = random_factors(ratings, 3, seed)
    fast = slow.copy()
    rng = np.random.default_rng(seed)
    for epoch in range(3):
        order = rng.permutation(len(ratings))
        sgd_epoch(slow, ratings, order, 0.05, 0.02)
        _sgd_epoch_fast(fast, ratings, order, 0.05, 0.02)
    np.testing.assert_allclose(MFObjective.pack(fast), MFObjective.pack(slow),
                               rtol=1e-12, atol=1e-14)
    assert np.abs(MFObjective.pack(slow) - MFObjective.pack(random_factors(
        ratings, 3, seed))).max() > 0.1                       # it did move


# --------------------------------------------------------------------------- ALS

def test_als_half_sweeps_are_exact_block_minima_and_the_loss_never_rises():
    ratings, lam = small_ratings(4, n_users=15, n_items=11), 0.05
    f = random_factors(ratings, 2, 1)
    losses = [mf_loss(f, ratings, lam)]
    for _ in range(5):
        als_sweep(f, ratings, lam)
        losses.append(mf_loss(f, ratings, lam))
        g = mf_gradient(f, ratings, lam)
        assert np.abs(g.Q).max() < 1e-12 and np.abs(g.b_item).max() < 1e-12
    assert np.all(np.diff(losses) <= 1e-15)


def fully_observed(seed, n_users=8, n_items=6, rank=2):
    return small_ratings(seed, n_users, n_items, density=1.0, rank=rank)


@pytest.mark.parametrize("seed", [0, 1])
def test_unregularised_als_and_sgd_reach_the_truncated_svd(seed):
    """Fully observed, lam = 0: the best fit mean + b 1^T + 1 c^T + P Q^T of rank k is the
    row and column means plus the truncated SVD of the double-centred matrix."""
    ratings, rank = fully_observed(seed), 2
    R = ratings.dense()
    centred = R - R.mean(axis=1, keepdims=True) - R.mean(axis=0) + R.mean()
    U, s, Vt = np.linalg.svd(centred)
    assert s[rank - 1] > 1.5 * s[rank]                     # a well-separated optimum
    dense = R - centred + (U[:, :rank] * s[:rank]) @ Vt[:rank]

    als = fit_als(ratings, rank, lam=0.0, sweeps=400, init_scale=0.5)
    np.testing.assert_allclose(als.factors.matrix(), dense, atol=1e-9)
    sgd = fit_sgd(ratings, rank, lr=ExponentialDecay(0.1, 0.995), lam=0.0, epochs=2000,
                  init_scale=0.5)
    np.testing.assert_allclose(sgd.factors.matrix(), dense, atol=1e-3)


def test_regularised_sgd_agrees_with_als_on_a_fully_observed_matrix():
    ratings, rank, lam = fully_observed(5, 10, 7), 2, 0.05
    als = fit_als(ratings, rank, lam=lam, sweeps=500, init_scale=0.5)
    sgd = fit_sgd(ratings, rank, lr=ExponentialDecay(0.1, 0.997), lam=lam, epochs=3000,
                  init_scale=0.5, random_state=3)
    np.testing.assert_allclose(sgd.factors.matrix(), als.factors.matrix(), atol=1e-3)
    assert mf_loss(sgd.factors, ratings, lam) == pytest.approx(
        mf_loss(als.factors, ratings, lam), rel=1e-5)
    gradient = MFObjective.pack(mf_gradient(als.factors, ratings, lam))
    assert np.abs(gradient).max() < 1e-10                   # ALS is at a stationary point


# --------------------------------------------------------------------------- held-out RMSE

def chapter_data():
    """Chapter 12's ratings and splits."""
    ratings, truth = low_rank_ratings(300, 200, 3, noise=0.5, density=0.2, random_state=0)
    return (*split_ratings(ratings, (0.8, 0.1, 0.1), random_state=1), truth)


def test_factorization_beats_the_bias_baseline_on_held_out_ratings():
    train, val, test, truth = chapter_data()
    baseline = fit_baseline(train, lam=0.03, validation=val)
    als = fit_als(train, 3, lam=0.03, sweeps=20, validation=val)
    sgd = fit_sgd(train, 3, lr=0.03, lam=0.03, epochs=40, validation=val)
    noise_floor = rmse(truth, test)                    # the true model on the test ratings
    for run in (als, sgd):
        assert rmse(run.best_factors, test) < rmse(baseline.factors, test) - 0.4
        assert rmse(run.best_factors, test) < noise_floor + 0.1
    assert rmse(baseline.factors, test) > noise_floor + 0.5


def test_generator_has_the_documented_density_noise_and_signal():
    ratings, truth = low_rank_ratings(400, 300, 4, noise=0.3, density=0.25, random_state=7)
    assert len(ratings) / (400 * 300) == pytest.approx(0.25, abs=0.01)
    residual = ratings.values - truth.predict(ratings.users, ratings.items)
    assert residual.std() == pytest.approx(0.3, rel=0.03)
    assert (truth.P @ truth.Q.T).std() == pytest.approx(1.0, rel=0.2)
    again, _ = low_rank_ratings(400, 300, 4, noise=0.3, density=0.25, random_state=7)
    np.testing.assert_array_equal(again.values, ratings.values)


def test_split_partitions_the_ratings():
    ratings = small_ratings(0, 30, 20, density=0.5)
    parts = split_ratings(ratings, (0.6, 0.2, 0.2), random_state=2)
    assert [len(p) for p in parts] == [round(0.6 * len(ratings)),
                                       round(0.8 * len(ratings)) - round(0.6 * len(ratings)),
                                       len(ratings) - round(0.8 * len(ratings))]
    pairs = sorted(zip(*(np.concatenate([getattr(p, a) for p in parts])
                         for a in ("users", "items"))))
    assert pairs == sorted(zip(ratings.users.tolist(), ratings.items.tolist()))


def test_early_stopping_keeps_the_best_epoch():
    train, val, _, _ = chapter_data()
    full = fit_sgd(train, 3, lr=0.1, lam=0.03, epochs=30, validation=val)
    stopped = fit_sgd(train, 3, lr=0.1, lam=0.03, epochs=30, validation=val, patience=5)
    assert full.best_epoch == int(np.argmin(full.val_rmse))
    best = 0                                  # the first epoch 5 epochs past the best so far
    for epoch in range(1, 31):
        best = epoch if full.val_rmse[epoch] < full.val_rmse[best] else best
        if epoch - best >= 5:
            break
    assert stopped.stopped_early and (stopped.n_epochs, stopped.best_epoch) == (epoch, best)
    np.testing.assert_array_equal(stopped.val_rmse, full.val_rmse[:epoch + 1])
    assert rmse(stopped.best_factors, val) == stopped.val_rmse[best]


def test_a_diverging_run_stops_at_the_first_non_finite_rmse():
    train, val, _, _ = chapter_data()
    run = fit_sgd(train, 3, lr=2.0, lam=0.03, epochs=10, validation=val)
    assert run.diverged and run.n_epochs < 10
    assert np.isfinite(run.val_rmse[run.best_epoch])


# --------------------------------------------------------------------------- arguments

R = small_ratings(0)


@pytest.mark.parametrize("make, name", [
    (lambda: low_rank_ratings(0, 5), "n_users"),
    (lambda: low_rank_ratings(5, 5, rank=0), "rank"),
    (lambda: low_rank_ratings(5, 5, noise=-1.0), "noise"),
    (lambda: low_rank_ratings(5, 5, density=0.0), "density"),
    (lambda: low_rank_ratings(5, 5, density=1.5), "density"),
    (lambda: split_ratings(R, (0.5, 0.4)), "fractions"),
    (lambda: split_ratings(R, (-0.2, 1.2)), "fractions[0]"),
    (lambda: init_factors(3, 3, -1, 3.0), "rank"),
    (lambda: init_factors(3, 3, 2, 3.0, scale=-0.1), "scale"),
    (lambda: mf_loss(random_factors(R, 2, 0), R, -0.1), "lam"),
    (lambda: fit_sgd(R, 2, lr=0.0, lam=0.1, epochs=3), "lr"),
    (lambda: fit_sgd(R, 2, lr=0.1, lam=-1.0, epochs=3), "lam"),
    (lambda: fit_sgd(R, 2, lr=0.1, lam=0.1, epochs=0), "epochs"),
    (lambda: fit_sgd(R, 2.5, lr=0.1, lam=0.1, epochs=3), "rank"),
    (lambda: fit_sgd(R, 2, lr=0.1, lam=0.1, epochs=3, patience=2), "patience"),
    (lambda: fit_sgd(R, 2, lr=0.1, lam=0.1, epochs=3, validation=R, patience=0),
     "patience"),
    (lambda: fit_als(R, 2, lam=0.1, sweeps=0), "sweeps"),
    (lambda: fit_als(np.zeros((3, 3)), 2, lam=0.1, sweeps=3), "train"),
    (lambda: fit_baseline(R, lam=-0.5), "lam"),
])
def test_bad_arguments_raise_value_errors_naming_them(make, name):
    with pytest.raises(ValueError, match="^" + re.escape(name) + " "):
        make()


def test_factors_and_ratings_types():
    assert isinstance(R, Ratings) and isinstance(random_factors(R, 1, 0), Factors)
