"""Chapter 2: the gradient checker, the two-layer network, and more wrong answers for its exercises."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdcourse.descent import gradient_descent
from gdcourse.gradcheck import GradientCheck, check_gradient, numerical_gradient, relative_errors
from gdcourse.grading import check
from gdcourse.nn import TwoLayerNet
from gdcourse.objectives import LogisticRegression, Rosenbrock, sigmoid


@pytest.fixture(autouse=True)
def private_progress_file(tmp_path, monkeypatch):
    """check() records results; keep the tests away from the real progress file."""
    monkeypatch.setenv("GDCOURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))


# ----------------------------------------------------------------------------- gradcheck
def quadratic(A, b):
    return (lambda w: float(0.5 * w @ A @ w - b @ w)), (lambda w: A @ w - b)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6))
def test_correct_gradients_pass_at_random_points(seed, n):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    f, grad = quadratic((Q * rng.uniform(0.1, 10, n)) @ Q.T, rng.standard_normal(n))
    result = check_gradient(f, grad, rng.standard_normal(n) * 3)
    assert result.passed and result.max_error < 1e-7, result


def test_rosenbrock_and_logistic_pass():
    rosen = Rosenbrock()
    assert check_gradient(rosen.loss, rosen.grad, [-1.2, 1.0]).passed
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = (rng.random(40) < 0.5).astype(float)
    logistic = LogisticRegression(X, y)
    assert check_gradient(logistic.loss, logistic.grad, rng.standard_normal(4)).passed


def test_wrong_gradient_fails_and_points_at_the_wrong_component():
    rosen = Rosenbrock()

    def half_wrong(w):
        g = rosen.grad(w)
        g[1] *= 1.01
        return g

    result = check_gradient(rosen.loss, half_wrong, [0.3, 0.7])
    assert not result.passed and not bool(result)
    assert result.worst == (1,)
    assert result.errors[0] < 1e-7 < 1e-3 < result.errors[1]
    assert "FAILED" in repr(result) and "component 1 of 2" in repr(result)


def test_result_object_fields_and_repr():
    f, grad = quadratic(np.diag([1.0, 2.0, 3.0]), np.ones(3))
    result = check_gradient(f, grad, np.array([0.5, -1.0, 2.0]), eps=1e-5, tol=1e-6)
    assert isinstance(result, GradientCheck)
    assert result.errors.shape == (3,) and result.analytic.shape == result.numeric.shape == (3,)
    assert result.max_error == pytest.approx(result.errors.max())
    np.testing.assert_allclose(result.numeric, result.analytic, rtol=1e-8)
    text = repr(result)
    assert text.startswith("GradientCheck(passed: max relative error") and "tol=1e-06" in text and "eps=1e-05" in text


def test_matrix_shaped_parameters_and_gradient_array():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((3, 2))
    result = check_gradient(lambda W: float(np.sum(np.sin(W) * A)), np.cos(np.ones((3, 2))) * A, np.ones((3, 2)))
    assert result.passed and result.errors.shape == (3, 2)
    assert isinstance(result.worst, tuple) and len(result.worst) == 2
    assert "component (" in repr(result)


def test_input_is_not_modified():
    w = np.array([0.1, 0.2, 0.3])
    before = w.copy()
    numerical_gradient(lambda v: float(np.sum(v ** 3)), w)
    check_gradient(lambda v: float(np.sum(v ** 3)), lambda v: 3 * v ** 2, w)
    assert np.array_equal(w, before)


def test_central_is_second_order_and_forward_first_order():
    f = lambda w: float(np.exp(w[0]) * np.sin(w[0]))          # noqa: E731
    exact = np.exp(0.4) * (np.sin(0.4) + np.cos(0.4))
    errors = {}
    for method in ("central", "forward"):
        e1 = abs(numerical_gradient(f, [0.4], 1e-2, method=method)[0] - exact)
        e2 = abs(numerical_gradient(f, [0.4], 5e-3, method=method)[0] - exact)
        errors[method] = e1 / e2
    assert errors["central"] == pytest.approx(4.0, rel=0.02)     # halving eps quarters the error
    assert errors["forward"] == pytest.approx(2.0, rel=0.02)     # ... or only halves it


def test_central_uses_two_evaluations_per_coordinate():
    calls = []
    numerical_gradient(lambda w: calls.append(1) or float(w @ w), np.ones(7))
    assert len(calls) == 14


def test_relative_errors_are_scaled_by_the_largest_component():
    errors = relative_errors(np.array([100.0, 1e-9]), np.array([100.0, 2e-9]))
    assert errors[1] < 1e-10
    assert relative_errors(np.zeros(2), np.zeros(2)).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("kwargs, words", [
    ({"eps": 0.0}, "eps"),
    ({"eps": -1e-6}, "eps"),
    ({"tol": 0}, "tol"),
    ({"floor": -1.0}, "floor"),
])
def test_check_gradient_rejects_bad_numbers(kwargs, words):
    f, grad = quadratic(np.eye(2), np.zeros(2))
    with pytest.raises(ValueError, match=words):
        check_gradient(f, grad, np.ones(2), **kwargs)


def test_check_gradient_rejects_bad_inputs():
    f, grad = quadratic(np.eye(2), np.zeros(2))
    with pytest.raises(ValueError, match="shape of w"):
        check_gradient(f, lambda w: np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="single number"):
        check_gradient(lambda w: w, grad, np.ones(2))
    with pytest.raises(ValueError, match="NaN"):
        check_gradient(f, lambda w: np.array([np.nan, 0.0]), np.ones(2))
    with pytest.raises(ValueError, match="w"):
        check_gradient(f, grad, [np.inf, 0.0])
    with pytest.raises(ValueError, match="returned"):
        check_gradient(lambda w: float("nan"), grad, np.ones(2))
    with pytest.raises(ValueError, match="method"):
        numerical_gradient(f, np.ones(2), method="backward")
    with pytest.raises(ValueError, match="callable"):
        numerical_gradient("f", np.ones(2))


# ----------------------------------------------------------------------------- nn
COMBOS = [(a, l) for a in ("tanh", "sigmoid") for l in ("mse", "logistic")]


def data_for(net, rng, m=15):
    X = rng.standard_normal((m, net.n_inputs))
    if net.loss_name == "logistic":
        y = (rng.random((m, net.n_outputs)) < 0.5).astype(float)
    else:
        y = rng.standard_normal((m, net.n_outputs))
    return X, (y[:, 0] if net.n_outputs == 1 else y)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), combo=st.sampled_from(COMBOS), n_outputs=st.integers(1, 3),
       n_hidden=st.integers(1, 6))
def test_backward_matches_finite_differences(seed, combo, n_outputs, n_hidden):
    rng = np.random.default_rng(seed)
    net = TwoLayerNet(3, n_hidden, n_outputs, activation=combo[0], loss=combo[1], seed=seed % 1000)
    X, y = data_for(net, rng)
    theta = net.flatten(net.params) + 0.5 * rng.standard_normal(net.n_params)
    result = check_gradient(lambda t: net.loss(t, X, y), lambda t: net.grad(t, X, y), theta)
    assert result.passed, result


@pytest.mark.parametrize("activation, loss", COMBOS)
def test_dict_and_flat_parameters_agree(activation, loss):
    rng = np.random.default_rng(2)
    net = TwoLayerNet(4, 3, 2, activation=activation, loss=loss, seed=5)
    X, y = data_for(net, rng)
    params = net.params
    theta = net.flatten(params)
    grads = net.grad(params, X, y)
    assert isinstance(grads, dict) and set(grads) == {"W1", "b1", "W2", "b2"}
    for name, shape in net.shapes.items():
        assert grads[name].shape == shape
    np.testing.assert_allclose(net.flatten(grads), net.grad(theta, X, y))
    assert net.loss(params, X, y) == net.loss(theta, X, y)
    for name in params:
        np.testing.assert_array_equal(net.unflatten(theta)[name], params[name])


def test_forward_values_by_hand():
    net = TwoLayerNet(2, 2, activation="tanh", loss="mse")
    params = {"W1": np.array([[0.3, -0.7], [0.9, 0.2]]), "b1": np.array([0.1, -0.1]),
              "W2": np.array([[1.5], [-0.5]]), "b2": np.array([0.05])}
    x = np.array([[0.5, -1.2]])
    H = np.tanh(x @ params["W1"] + params["b1"])
    expected = H @ params["W2"][:, 0] + 0.05
    np.testing.assert_allclose(net.predict(x, params), expected)
    assert net.loss(params, x, [0.8]) == pytest.approx(0.5 * (expected[0] - 0.8) ** 2)
    logistic = TwoLayerNet(2, 2, loss="logistic")
    p = logistic.predict(x, params)
    np.testing.assert_allclose(p, sigmoid(expected))
    assert logistic.loss(params, x, [1.0]) == pytest.approx(-np.log(p[0]))


def test_logistic_loss_is_finite_for_huge_scores():
    net = TwoLayerNet(1, 1, loss="logistic")
    params = {"W1": np.array([[1.0]]), "b1": np.zeros(1), "W2": np.array([[1e4]]), "b2": np.zeros(1)}
    X = np.array([[5.0], [-5.0]])
    loss = net.loss(params, X, [0.0, 1.0])
    assert np.isfinite(loss) and loss > 1000
    assert np.all(np.isfinite(net.grad(params, X, [0.0, 1.0])["W2"]))


def test_training_with_gradient_descent_lowers_the_loss():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (50, 1))
    y = np.sin(2 * X[:, 0])
    net = TwoLayerNet(1, 8, seed=1)
    objective = net.objective(X, y)
    # The run crosses a plateau whose length depends on round-off (after 1500 steps the loss
    # is 0.44 or 0.06 of its start, by CPU); by 6000 steps every CPU is well past it.
    run = gradient_descent(objective, net.flatten(net.params), lr=0.3, max_iter=6000)
    assert run.losses[-1] < 0.02 * run.losses[0]


def test_seed_makes_initialisation_reproducible():
    a, b = TwoLayerNet(3, 4, seed=7), TwoLayerNet(3, 4, seed=7)
    np.testing.assert_array_equal(a.flatten(a.params), b.flatten(b.params))
    assert np.all(a.params["b1"] == 0) and a.n_params == 3 * 4 + 4 + 4 + 1
    assert "3 -> 4 -> 1" in repr(a)


@pytest.mark.parametrize("kwargs, words", [
    ({"n_inputs": 0}, "n_inputs"),
    ({"n_hidden": 2.5}, "n_hidden"),
    ({"n_outputs": -1}, "n_outputs"),
    ({"activation": "relu"}, "activation"),
    ({"loss": "hinge"}, "loss"),
])
def test_network_rejects_bad_construction(kwargs, words):
    args = {"n_inputs": 2, "n_hidden": 3} | kwargs
    with pytest.raises(ValueError, match=words):
        TwoLayerNet(**args)


def test_network_rejects_bad_data_and_parameters():
    net = TwoLayerNet(2, 3, loss="logistic")
    X = np.ones((4, 2))
    with pytest.raises(ValueError, match="columns"):
        net.loss(net.params, np.ones((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="y must have shape"):
        net.loss(net.params, X, np.zeros(5))
    with pytest.raises(ValueError, match="labels 0 and 1"):
        net.loss(net.params, X, np.full(4, 0.5))
    with pytest.raises(ValueError, match="theta"):
        net.loss(np.ones(5), X, np.zeros(4))
    with pytest.raises(ValueError, match="missing b2"):
        net.loss({k: v for k, v in net.params.items() if k != "b2"}, X, np.zeros(4))
    with pytest.raises(ValueError, match=r"params\['W1'\]"):
        net.loss(net.params | {"W1": np.ones((3, 3))}, X, np.zeros(4))
    with pytest.raises(ValueError, match="X"):
        net.predict(np.ones(2))


# ----------------------------------------------------------------------------- more wrong answers
def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


EXTRA_WRONG = {
    "ch02.directional_derivative": [
        lambda grad, d: float(np.linalg.norm(grad)),                      # steepest rate, any d
        lambda grad, d: float(grad @ d / np.sum(np.abs(d))),              # 1-norm of d
        lambda grad, d: grad * d / np.linalg.norm(d),                     # no sum: an array
        lambda grad, d: float(-grad @ d / np.linalg.norm(d)),             # sign
    ],
    "ch02.mse_gradient": [
        lambda X, y, w: X.T @ (X @ w - y) / X.size,                       # divided by m * n
        lambda X, y, w: X.T @ (X @ w) / len(y),                           # forgot the targets
        lambda X, y, w: np.mean(X @ w - y) * np.ones(X.shape[1]),         # dropped X^T
        lambda X, y, w: np.abs(X.T @ (X @ w - y)) / len(y),               # absolute value
    ],
    "ch02.logistic_gradient": [
        lambda X, y, w: X.T @ (_sigmoid(-(X @ w)) - y) / len(y),          # sigma(-z)
        lambda X, y, w: X.T @ (_sigmoid(X @ w) - y) / X.shape[1],         # divided by n
        lambda X, y, w: X.T @ (np.round(_sigmoid(X @ w)) - y) / len(y),   # hard predictions
    ],
    "ch02.numerical_gradient": [
        lambda f, w, eps: np.array([(f(w + eps * e) - f(w - eps * e)) / (2 * eps) for e in np.eye(len(w))])[::-1],
        lambda f, w, eps: np.array([(f(w + e) - f(w - e)) / 2 for e in np.eye(len(w))]),   # unit steps
        lambda f, w, eps: np.array([(f(w - eps * e) - f(w)) / -eps for e in np.eye(len(w))]),  # backward diff
        lambda f, w, eps: [(f(w + eps * e) - f(w - eps * e)) / (2 * eps) for e in np.eye(len(w))],  # a list
    ],
    "ch02.backprop_one_hidden": [
        lambda X, y, W1, b1, W2, b2: _wrong_backprop(X, y, W1, b1, W2, b2, transpose=True),
        lambda X, y, W1, b1, W2, b2: _wrong_backprop(X, y, W1, b1, W2, b2, drop_b1=True),
        lambda X, y, W1, b1, W2, b2: _wrong_backprop(X, y, W1, b1, W2, b2, db1_axis=1),
        lambda X, y, W1, b1, W2, b2: _wrong_backprop(X, y, W1, b1, W2, b2)[:3],
        lambda X, y, W1, b1, W2, b2: {"dW1": 0},
    ],
}


def _wrong_backprop(X, y, W1, b1, W2, b2, transpose=False, drop_b1=False, db1_axis=0):
    m = len(y)
    H = np.tanh(X @ W1 + (0 if drop_b1 else b1))
    d = (H @ W2 + b2 - y) / m
    dZ = np.outer(d, W2) * (1 - H ** 2)
    dW1 = (dZ.T @ X) if transpose else X.T @ dZ
    return dW1, dZ.sum(axis=db1_axis), H.T @ d, d.sum()


@pytest.mark.parametrize("ex_id, k", [(e, k) for e, wrongs in EXTRA_WRONG.items() for k in range(len(wrongs))])
def test_more_wrong_answers_are_rejected(ex_id, k):
    result = check(ex_id, EXTRA_WRONG[ex_id][k])
    assert not result.passed and result.status == "failed", str(result)


def test_alternative_correct_answers_pass():
    def directional_derivative(grad, d):
        return np.dot(grad, d) / np.sqrt(np.sum(d ** 2))

    def mse_gradient(X, y, w):
        return np.einsum("ij,i->j", X, X @ w - y) / X.shape[0]

    def logistic_gradient(X, y, w):
        with np.errstate(over="ignore"):
            p = 1 / (1 + np.exp(-(X @ w)))
        return np.mean(X * (p - y)[:, None], axis=0)

    def numerical_gradient(f, w, eps):
        g = np.empty_like(w)
        for i in range(w.size):
            old = w[i]
            w[i] = old + eps
            up = f(w)
            w[i] = old - eps
            down = f(w)
            w[i] = old
            g[i] = (up - down) / (2 * eps)
        return g

    def backprop_one_hidden(X, y, W1, b1, W2, b2):
        H = np.tanh(X @ W1 + b1)
        d = (H @ W2 + b2 - y) / len(y)
        dZ = d[:, None] * W2[None, :] * (1 - np.tanh(X @ W1 + b1) ** 2)
        return X.T @ dZ, dZ.sum(0), H.T @ d, np.array([d.sum()])

    for ex_id, answer in [("ch02.directional_derivative", directional_derivative),
                          ("ch02.mse_gradient", mse_gradient), ("ch02.logistic_gradient", logistic_gradient),
                          ("ch02.numerical_gradient", numerical_gradient),
                          ("ch02.backprop_one_hidden", backprop_one_hidden)]:
        result = check(ex_id, answer)
        assert result.passed, str(result)


def test_backprop_shape_errors_are_explained():
    result = check("ch02.backprop_one_hidden", EXTRA_WRONG["ch02.backprop_one_hidden"][2])
    assert "db1" in result.summary and "shape" in result.summary
    result = check("ch02.backprop_one_hidden", EXTRA_WRONG["ch02.backprop_one_hidden"][3])
    assert "tuple (dW1, db1, dW2, db2)" in result.summary
