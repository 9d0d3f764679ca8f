"""Tests of chapter 7's package code: gdcourse.stability and gdcourse.diagnose."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gdcourse.descent import gradient_descent
from gdcourse.diagnose import Finding, diagnose, loss_label
from gdcourse.objectives import Function, LogisticRegression, Quadratic
from gdcourse.objectives import sigmoid as objectives_sigmoid
from gdcourse.solutions import ch07 as sol
from gdcourse.stability import clip_by_norm, log_sigmoid, logistic_loss, logsumexp, sigmoid, softplus

finite = st.floats(-1e4, 1e4, allow_nan=False)
moderate = st.floats(-30, 30, allow_nan=False)


# ----------------------------------------------------------------------------- stability
@given(arrays(float, st.integers(1, 20), elements=finite))
def test_logsumexp_is_finite_and_bounded(z):
    value = logsumexp(z)
    assert np.isfinite(value)
    assert z.max() <= value <= z.max() + np.log(len(z)) + 1e-9


@given(arrays(float, st.integers(1, 20), elements=moderate))
def test_logsumexp_matches_the_naive_formula_where_that_is_safe(z):
    assert logsumexp(z) == pytest.approx(np.log(np.sum(np.exp(z))), rel=1e-12, abs=1e-12)


def test_logsumexp_along_an_axis_and_edge_values():
    z = np.array([[1000.0, 1000.0], [-1000.0, 0.0]])
    np.testing.assert_allclose(logsumexp(z, axis=1), [1000 + np.log(2), np.log1p(np.exp(-1000.0))])
    np.testing.assert_allclose(logsumexp(z, axis=0), [1000.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert logsumexp([-np.inf, -np.inf]) == -np.inf
        assert logsumexp([np.inf, 0.0]) == np.inf


@pytest.mark.parametrize("bad", [[], [1.0, np.nan], "abc"])
def test_logsumexp_rejects_bad_input(bad):
    with pytest.raises(ValueError, match="z"):
        logsumexp(bad)


@given(arrays(float, st.integers(1, 30), elements=finite))
def test_softplus_sigmoid_log_sigmoid_are_finite_and_consistent(z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")                   # no overflow warning anywhere
        sp, s, ls = softplus(z), sigmoid(z), log_sigmoid(z)
    assert np.all(np.isfinite(sp)) and np.all(np.isfinite(ls))
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(sp, np.logaddexp(0, z), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(s, objectives_sigmoid(z), rtol=1e-13, atol=0)
    np.testing.assert_allclose(ls, -np.logaddexp(0, -z), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(sp - softplus(-z), z, rtol=1e-12, atol=1e-9)   # sp(z) - sp(-z) = z


def test_stable_functions_at_extreme_scores():
    z = np.array([-1000.0, 0.0, 1000.0])
    np.testing.assert_allclose(softplus(z), [0.0, np.log(2), 1000.0], atol=1e-300)
    np.testing.assert_allclose(sigmoid(z), [0.0, 0.5, 1.0], atol=1e-300)
    np.testing.assert_allclose(log_sigmoid(z), [-1000.0, -np.log(2), 0.0])


@given(arrays(float, st.integers(1, 30), elements=finite), st.data())
@settings(max_examples=50)
def test_logistic_loss_is_finite_and_matches_the_exercise(z, data):
    y = data.draw(arrays(float, z.shape, elements=st.sampled_from([0.0, 1.0])))
    loss = logistic_loss(z, y)
    assert np.isfinite(loss) and loss >= 0
    assert loss == pytest.approx(sol.stable_logistic_loss(z, y), rel=1e-12, abs=1e-12)


def test_logistic_loss_agrees_with_the_objective_on_real_scores():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 3)), rng.integers(0, 2, 40).astype(float)
    theta = rng.standard_normal(3) * 50
    objective = LogisticRegression(X, y, fit_intercept=False)
    assert logistic_loss(X @ theta, y) == pytest.approx(objective.loss(theta), rel=1e-13)


@pytest.mark.parametrize("z, y, match", [([0.0, 1.0], [1.0], "shape"), ([0.0], [0.5], "labels"),
                                         ([[0.0]], [1.0], "z"), ([np.nan], [1.0], "z")])
def test_logistic_loss_rejects_bad_input(z, y, match):
    with pytest.raises(ValueError, match=match):
        logistic_loss(z, y)


@given(arrays(float, st.integers(1, 10), elements=st.floats(-1e8, 1e8)), st.floats(1e-3, 1e3))
def test_clip_by_norm_properties(g, c):
    clipped = clip_by_norm(g, c)
    norm = np.linalg.norm(g)
    assert np.linalg.norm(clipped) <= c * (1 + 1e-12)
    if norm <= c:
        np.testing.assert_array_equal(clipped, g)
    else:
        assert np.linalg.norm(clipped) == pytest.approx(c, rel=1e-12)
        np.testing.assert_allclose(clipped * norm / c, g, rtol=1e-12, atol=1e-300)  # same direction
    np.testing.assert_allclose(clipped, sol.clip_by_norm(g, c), rtol=1e-15, atol=0)


def test_clip_by_norm_returns_a_new_array_and_handles_shapes():
    g = np.array([[3.0, 0.0], [0.0, 4.0]])
    out = clip_by_norm(g, 1.0)
    assert out.shape == (2, 2) and np.linalg.norm(out) == pytest.approx(1.0)
    small = np.array([0.1, 0.2])
    assert clip_by_norm(small, 1.0) is not small
    np.testing.assert_array_equal(clip_by_norm(np.zeros(3), 1.0), np.zeros(3))


@pytest.mark.parametrize("g, c, match", [([1.0], 0.0, "max_norm"), ([1.0], -1.0, "max_norm"),
                                         ([np.inf], 1.0, "g"), ([], 1.0, "g"), ([1.0], "1", "max_norm")])
def test_clip_by_norm_rejects_bad_input(g, c, match):
    with pytest.raises(ValueError, match=match):
        clip_by_norm(g, c)


# ----------------------------------------------------------------------------- diagnose
@pytest.mark.parametrize("losses, label", [
    ([1.0, 2.0, np.nan], "nan"),
    ([1.0, 2.0, 4.0], "diverging"),
    ([1.0, 1.5, 0.8, 1.2, 0.6, 0.9, 0.4], "oscillating"),
    ([10.0, 9.0, 8.0, 7.0, 6.0], "too slow"),
    ([5.0, 5.0, 5.0], "too slow"),
    ([1.0, 0.1, 0.01, 0.005, 0.004], "converging"),
])
def test_loss_label(losses, label):
    assert loss_label(losses) == label
    assert sol.diagnose_run(np.array(losses)) == label


@given(arrays(float, st.integers(2, 40), elements=st.floats(-1e6, 1e6) | st.just(np.nan)))
def test_loss_label_agrees_with_the_exercise_reference(losses):
    assert loss_label(losses) == sol.diagnose_run(losses)


def labels_of(findings):
    return [f.label for f in findings]


def test_diagnose_learning_rates_on_a_quadratic():
    q = Quadratic.from_eigenvalues([1.0, 10.0])
    run = lambda lr, n=100: gradient_descent(q, [1.0, 1.0], lr=lr, max_iter=n, grad_tol=None)
    assert labels_of(diagnose(run(0.1))) == ["converging"]
    assert labels_of(diagnose(run(0.001))) == ["too slow"]
    assert labels_of(diagnose(run(0.21))) == ["diverging", "exploding gradients"]
    assert labels_of(diagnose(run(0.5, 1000)))[0] == "nan"


def test_diagnose_nan_at_the_start_blames_the_data_not_the_learning_rate():
    findings = diagnose([np.nan, np.nan], [np.nan, np.nan])
    assert labels_of(findings) == ["nan"]
    assert "learning rate cannot be the cause" in findings[0].message
    later = diagnose([1.0, 0.9, np.nan])
    assert "not growing" in later[0].message


def test_diagnose_sees_a_saddle_plateau():
    f = Function(lambda w: w[0] ** 2 / 2 + w[1] ** 4 / 4 - w[1] ** 2 / 2,
                 lambda w: np.array([w[0], w[1] ** 3 - w[1]]))
    run = gradient_descent(f, [1.0, 1e-10], lr=0.1, max_iter=600, grad_tol=None)
    assert labels_of(diagnose(run)) == ["converging", "vanishing gradients"]
    assert labels_of(diagnose([1.0, 0.5], [1e-12, 1e-12])) == ["converging", "vanishing gradients"]


def test_diagnose_accepts_plain_sequences_and_prints_words():
    findings = diagnose([3.0, 2.0, 1.0, 0.5, 0.45, 0.44], grad_norms=[1, 1e4, 1, 1, 1, 1])
    assert labels_of(findings) == ["converging", "exploding gradients"]
    assert all(isinstance(f, Finding) and str(f).startswith(f.label + ": ") for f in findings)


@pytest.mark.parametrize("kwargs, match", [(dict(rise_fraction=0), "rise_fraction"),
                                           (dict(slow_fraction=1.5), "slow_fraction"),
                                           (dict(explode_factor=1), "explode_factor"),
                                           (dict(vanish_factor=1), "vanish_factor")])
def test_diagnose_rejects_bad_thresholds(kwargs, match):
    with pytest.raises(ValueError, match=match):
        diagnose([1.0, 0.5], **kwargs)


@pytest.mark.parametrize("losses", [[], "abc"])
def test_diagnose_rejects_empty_or_bad_curves(losses):
    with pytest.raises(ValueError, match="losses"):
        diagnose(losses)
    with pytest.raises(ValueError, match="losses"):
        loss_label([1.0])


def test_diagnose_of_a_run_stopped_at_step_zero():
    assert labels_of(diagnose([1.0], [0.0])) == ["too short"]
    assert labels_of(diagnose([np.nan], [np.nan])) == ["nan"]
