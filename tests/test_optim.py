"""gdcourse.optim: trajectories against torch.optim (step and the in-place step_), textbook
forms, convergence rates, API, returned arrays (new, never modified afterwards), pure
init/update, the chunked Adam equal to the plain one."""

import inspect
import math
import re

import numpy as np
import pytest

from gdcourse import optim
from gdcourse.objectives import Quadratic
from gdcourse.schedules import ExponentialDecay

torch = pytest.importorskip("torch")

# The ill-conditioned matrix quadratic f(W) = 0.5 tr(W^T A W) - tr(B^T W), W of shape 6 x 3.
_rng = np.random.default_rng(0)
_Q, _ = np.linalg.qr(_rng.standard_normal((6, 6)))
A = (_Q * np.geomspace(1.0, 50.0, 6)) @ _Q.T          # kappa = 50
B = _rng.standard_normal((6, 3))
W0 = _rng.standard_normal((6, 3))
W_STAR = np.linalg.solve(A, B)
N_STEPS = 200


def matrix_grad(W):
    return A @ W - B


# Every optimizer and option, with hyperparameters whose 200-step runs are not chaotic
# (see test_configuration_is_not_chaotic).
CONFIGS = [
    ("SGD", dict(lr=0.02)),
    ("SGD", dict(lr=0.02, weight_decay=0.1)),
    ("SGD", dict(lr=0.02, momentum=0.9)),
    ("SGD", dict(lr=0.02, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.02, momentum=0.9, dampening=0.5, weight_decay=0.1)),
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.02, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.3)),
    ("Adagrad", dict(lr=0.3, lr_decay=0.01)),
    ("Adagrad", dict(lr=0.3, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.3, lr_decay=0.01, initial_accumulator_value=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.003)),
    ("RMSprop", dict(lr=0.003, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.003, momentum=0.5)),
    ("RMSprop", dict(lr=0.003, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99))),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    ("NAdam", dict(lr=0.02)),
    ("NAdam", dict(lr=0.02, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.02, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.1)),
    ("Adadelta", dict(lr=0.2, rho=0.95)),
    ("Adadelta", dict(lr=0.1, weight_decay=0.1)),
]
CONFIG_IDS = [f"{name}-" + "-".join(f"{k}={v}" for k, v in kw.items()) for name, kw in CONFIGS]
ALL_CLASSES = ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "NAdam", "Adadelta",
               "MomentumEMA", "MomentumClassic", "RMSpropTextbook"]


@pytest.fixture
def torch64():
    """torch with float64 as its default dtype (NAdam's mu product follows it), restored after."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)


def run_ours(opt, w0, grad=matrix_grad, n=N_STEPS):
    """The iterates w_1 .. w_n of ``opt`` from ``w0``."""
    w, iterates = w0.copy(), []
    for _ in range(n):
        w = opt.step(w, grad(w))
        iterates.append(w.copy())
    return np.array(iterates)


def run_torch(optimizer_cls, kwargs, w0, grad=matrix_grad, n=N_STEPS, scheduler=None):
    """The iterates of a torch optimizer fed the same gradients (``scheduler(opt)`` optional)."""
    p = torch.tensor(w0, dtype=torch.float64)
    opt = optimizer_cls([p], **kwargs)
    sched = scheduler(opt) if scheduler is not None else None
    iterates = []
    for _ in range(n):
        p.grad = torch.from_numpy(grad(p.numpy().copy()))
        opt.step()
        if sched is not None:
            sched.step()
        iterates.append(p.numpy().copy())
    return np.array(iterates)


def max_relative_difference(ours, reference):
    """max over iterates of ||w_t - w_t^ref||_inf / ||w_t^ref||_inf."""
    axes = tuple(range(1, reference.ndim))
    return float(np.max(np.abs(ours - reference).max(axis=axes) / np.abs(reference).max(axis=axes)))


# --------------------------------------------------------------------------- against torch

@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=CONFIG_IDS)
def test_trajectory_matches_torch(torch64, name, kwargs):
    ours = run_ours(getattr(optim, name)(**kwargs), W0)
    reference = run_torch(getattr(torch64.optim, name), kwargs, W0)
    assert max_relative_difference(ours, reference) <= 1e-10


def test_torch_nadam_rounds_its_mu_product_to_float32_unless_float64_is_the_default():
    """Why the torch64 fixture exists: with float32 as the default dtype, torch's NAdam keeps
    the product of the mu_t in float32, which moves float64 iterates by ~1e-10."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    try:
        reference = run_torch(torch.optim.NAdam, dict(lr=0.02), W0)
    finally:
        torch.set_default_dtype(previous)
    difference = max_relative_difference(run_ours(optim.NAdam(lr=0.02), W0), reference)
    assert 1e-11 < difference < 1e-7


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=CONFIG_IDS)
def test_configuration_is_not_chaotic(name, kwargs):
    """A 1e-13 change of w0 stays of that size, so rounding cannot explain a mismatch."""
    delta = 1e-13
    base = run_ours(getattr(optim, name)(**kwargs), W0)
    perturbed = run_ours(getattr(optim, name)(**kwargs), W0 + delta)
    assert np.abs(perturbed - base).max() <= 20 * delta


def test_some_configurations_are_chaotic():
    """The reason for the check above: larger rates make NAdam amplify rounding errors."""
    delta = 1e-13
    base = run_ours(optim.NAdam(lr=0.05), W0)
    perturbed = run_ours(optim.NAdam(lr=0.05), W0 + delta)
    assert np.abs(perturbed - base).max() > 1e6 * delta


def test_defaults_are_torch_defaults():
    expected = {
        "SGD": dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False),
        "Adagrad": dict(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                        eps=1e-10),
        "RMSprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                        centered=False),
        "Adam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False),
        "AdamW": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False),
        "NAdam": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                      momentum_decay=4e-3),
        "Adadelta": dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0),
    }
    for name, defaults in expected.items():
        opt = getattr(optim, name)()
        torch_defaults = getattr(torch.optim, name)([torch.zeros(1)]).defaults
        for key, value in defaults.items():
            assert getattr(opt, key) == value == torch_defaults[key], (name, key)


# --------------------------------------------------------------------------- textbook forms

def fixed_gradients(n=30, shape=(4,), seed=2):
    return list(np.random.default_rng(seed).standard_normal((n, *shape)))


def test_momentum_ema_differs_from_damped_sgd_only_by_the_first_step():
    beta, grads = 0.8, fixed_gradients()
    ema, sgd = optim.MomentumEMA(lr=0.1, beta=beta), optim.SGD(lr=0.1, momentum=beta,
                                                                 dampening=beta)
    w = np.zeros(4)
    for t, g in enumerate(grads, start=1):
        ema.step(w, g)
        sgd.step(w, g)
        v, b = ema.state["v"], sgd.state["b"]
        if t == 1:
            np.testing.assert_allclose(v, (1 - beta) * g, rtol=1e-15)   # dampened
            np.testing.assert_allclose(b, g, rtol=1e-15)                # not dampened
        np.testing.assert_allclose(b - v, beta ** t * grads[0], rtol=1e-9, atol=1e-15)


def test_momentum_ema_trajectory_differs_from_damped_sgd():
    beta = 0.8
    ema = run_ours(optim.MomentumEMA(lr=0.02, beta=beta), W0)
    sgd = run_ours(optim.SGD(lr=0.02, momentum=beta, dampening=beta), W0)
    assert max_relative_difference(ema, sgd) > 1e-2


def test_momentum_ema_equals_undamped_sgd_with_scaled_rate():
    beta, lr = 0.8, 0.02
    ema = run_ours(optim.MomentumEMA(lr=lr, beta=beta), W0)
    sgd = run_ours(optim.SGD(lr=(1 - beta) * lr, momentum=beta), W0)
    assert max_relative_difference(ema, sgd) <= 1e-12


def test_momentum_classic_equals_torch_sgd_for_constant_rate(torch64):
    ours = run_ours(optim.MomentumClassic(lr=0.02, gamma=0.9), W0)
    reference = run_torch(torch64.optim.SGD, dict(lr=0.02, momentum=0.9), W0)
    assert max_relative_difference(ours, reference) <= 1e-12


def test_momentum_classic_differs_from_torch_sgd_under_a_schedule(torch64):
    schedule = ExponentialDecay(0.02, gamma=0.97)
    ours = run_ours(optim.MomentumClassic(lr=schedule, gamma=0.9), W0)
    reference = run_torch(torch64.optim.SGD, dict(lr=0.02, momentum=0.9), W0,
                          scheduler=lambda opt: torch64.optim.lr_scheduler.ExponentialLR(opt, 0.97))
    np.testing.assert_allclose(ours[0], reference[0], rtol=1e-14)   # same first step
    assert max_relative_difference(ours, reference) > 1e-3


def test_rmsprop_textbook_equals_torch_form_without_eps():
    ours = run_ours(optim.RMSpropTextbook(lr=0.003, beta=0.9, eps=0.0), W0)
    torch_form = run_ours(optim.RMSprop(lr=0.003, alpha=0.9, eps=0.0), W0)
    assert max_relative_difference(ours, torch_form) <= 1e-12


def test_rmsprop_textbook_differs_from_torch_form_for_small_gradients():
    beta, eps, lr = 0.9, 1e-8, 0.01
    g = np.full(3, 1e-4)                                   # (1 - beta) g^2 = 1e-9 < eps
    w0 = np.zeros(3)
    textbook = -optim.RMSpropTextbook(lr, beta, eps).step(w0, g)
    torch_form = -optim.RMSprop(lr, alpha=beta, eps=eps).step(w0, g)
    v = (1 - beta) * g ** 2
    np.testing.assert_allclose(textbook, lr * g / np.sqrt(v + eps), rtol=1e-14)
    np.testing.assert_allclose(torch_form, lr * g / (np.sqrt(v) + eps), rtol=1e-14)
    assert np.all(torch_form > 3 * textbook)              # sqrt(1.1e-8) / (sqrt(1e-9) + 1e-8)


def test_rmsprop_textbook_is_close_to_torch_form_for_large_gradients():
    ours = run_ours(optim.RMSpropTextbook(lr=0.003, beta=0.9, eps=1e-8), W0, n=20)
    torch_form = run_ours(optim.RMSprop(lr=0.003, alpha=0.9, eps=1e-8), W0, n=20)
    assert max_relative_difference(ours, torch_form) < 1e-6


# --------------------------------------------------------------------------- convergence facts

@pytest.fixture
def quadratic():
    """kappa = 50 in 20 dimensions, randomly rotated."""
    rng = np.random.default_rng(3)
    return Quadratic.from_eigenvalues(np.linspace(1.0, 50.0, 20), b=rng.standard_normal(20),
                                      seed=3)


def errors(opt, quadratic, n):
    """||w_t - w*|| for t = 0 .. n, starting from w0 = 0."""
    w, w_star = np.zeros(quadratic.dim), quadratic.minimizer
    out = [np.linalg.norm(w - w_star)]
    for _ in range(n):
        w = opt.step(w, quadratic.grad(w))
        out.append(np.linalg.norm(w - w_star))
    return np.array(out)


def test_gd_with_step_two_over_L_plus_mu_contracts_at_kappa_rate(quadratic):
    L, mu, kappa = quadratic.L, quadratic.mu, quadratic.kappa
    e = errors(optim.SGD(lr=2 / (L + mu)), quadratic, 300)
    ratios = e[201:] / e[200:-1]
    np.testing.assert_allclose(ratios, (kappa - 1) / (kappa + 1), rtol=1e-6)


def test_gd_with_step_one_over_L_contracts_at_one_minus_mu_over_L(quadratic):
    L, mu = quadratic.L, quadratic.mu
    e = errors(optim.SGD(lr=1 / L), quadratic, 400)
    ratios = e[301:] / e[300:-1]
    np.testing.assert_allclose(ratios, 1 - mu / L, rtol=1e-6)


def test_gd_step_two_over_L_is_the_stability_threshold(quadratic):
    L = quadratic.L
    below = errors(optim.SGD(lr=2 / L * (1 - 1e-3)), quadratic, 8000)
    above = errors(optim.SGD(lr=2 / L * (1 + 1e-3)), quadratic, 8000)
    assert below[-1] < 1e-6 * below[0]
    assert above[-1] > 1e3 * above[0]


def test_heavy_ball_with_polyak_parameters_reaches_the_sqrt_kappa_rate(quadratic):
    L, mu, kappa = quadratic.L, quadratic.mu, quadratic.kappa
    rate = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    lr = 4 / (math.sqrt(L) + math.sqrt(mu)) ** 2
    e = errors(optim.SGD(lr=lr, momentum=rate ** 2), quadratic, 100)
    tail_rate = (e[100] / e[20]) ** (1 / 80)
    assert tail_rate == pytest.approx(rate, rel=0.1)
    assert tail_rate < 0.85 * (kappa - 1) / (kappa + 1)    # much faster than plain GD


# --------------------------------------------------------------------------- validation

INVALID = [
    ("SGD", dict(lr=-0.1), "lr"),
    ("SGD", dict(lr="fast"), "lr"),
    ("SGD", dict(lr=float("nan")), "lr"),
    ("SGD", dict(momentum=-0.5), "momentum"),
    ("SGD", dict(momentum=None), "momentum"),
    ("SGD", dict(dampening=1.5), "dampening"),
    ("SGD", dict(weight_decay=-1e-4), "weight_decay"),
    ("SGD", dict(nesterov=True), "nesterov"),
    ("SGD", dict(momentum=0.9, dampening=0.1, nesterov=True), "nesterov"),
    ("SGD", dict(momentum=0.9, nesterov="yes"), "nesterov"),
    ("Adagrad", dict(lr=-1.0), "lr"),
    ("Adagrad", dict(lr_decay=-0.1), "lr_decay"),
    ("Adagrad", dict(weight_decay=-0.1), "weight_decay"),
    ("Adagrad", dict(initial_accumulator_value=-0.1), "initial_accumulator_value"),
    ("Adagrad", dict(eps=-1e-10), "eps"),
    ("RMSprop", dict(lr=-1.0), "lr"),
    ("RMSprop", dict(alpha=-0.1), "alpha"),
    ("RMSprop", dict(alpha=1.5), "alpha"),
    ("RMSprop", dict(eps=-1e-8), "eps"),
    ("RMSprop", dict(weight_decay=-0.1), "weight_decay"),
    ("RMSprop", dict(momentum=-0.1), "momentum"),
    ("RMSprop", dict(centered=1), "centered"),
    ("Adam", dict(lr=-1e-3), "lr"),
    ("Adam", dict(betas=(1.0, 0.999)), "betas[0]"),
    ("Adam", dict(betas=(-0.1, 0.999)), "betas[0]"),
    ("Adam", dict(betas=(0.9, 1.0)), "betas[1]"),
    ("Adam", dict(betas=(0.9, "x")), "betas[1]"),
    ("Adam", dict(betas=0.9), "betas"),
    ("Adam", dict(betas=(0.9, 0.99, 0.9)), "betas"),
    ("Adam", dict(eps=-1e-8), "eps"),
    ("Adam", dict(weight_decay=-0.1), "weight_decay"),
    ("Adam", dict(amsgrad="no"), "amsgrad"),
    ("AdamW", dict(lr=-1e-3), "lr"),
    ("AdamW", dict(betas=(0.9, 1.5)), "betas[1]"),
    ("AdamW", dict(eps=-1.0), "eps"),
    ("AdamW", dict(weight_decay=-1e-2), "weight_decay"),
    ("NAdam", dict(lr=-2e-3), "lr"),
    ("NAdam", dict(betas=(1.2, 0.999)), "betas[0]"),
    ("NAdam", dict(eps=-1e-8), "eps"),
    ("NAdam", dict(weight_decay=-0.1), "weight_decay"),
    ("NAdam", dict(momentum_decay=-4e-3), "momentum_decay"),
    ("Adadelta", dict(lr=-1.0), "lr"),
    ("Adadelta", dict(rho=1.1), "rho"),
    ("Adadelta", dict(rho=-0.1), "rho"),
    ("Adadelta", dict(eps=-1e-6), "eps"),
    ("Adadelta", dict(weight_decay=-0.1), "weight_decay"),
    ("MomentumEMA", dict(lr=0.1, beta=1.0), "beta"),
    ("MomentumEMA", dict(lr=-0.1, beta=0.9), "lr"),
    ("MomentumClassic", dict(lr=0.1, gamma=-0.1), "gamma"),
    ("MomentumClassic", dict(lr=0.1, gamma=[0.9]), "gamma"),
    ("RMSpropTextbook", dict(lr=0.1, beta=1.5), "beta"),
    ("RMSpropTextbook", dict(lr=0.1, eps=-1e-8), "eps"),
]


@pytest.mark.parametrize("name, kwargs, parameter", INVALID,
                         ids=[f"{n}-{p}-{kw}" for n, kw, p in INVALID])
def test_invalid_hyperparameter_raises_value_error_naming_it(name, kwargs, parameter):
    with pytest.raises(ValueError, match="^" + re.escape(parameter)):
        getattr(optim, name)(**kwargs)


@pytest.mark.parametrize("value", [-0.1, float("inf"), "fast"])
def test_schedule_returning_an_invalid_rate_raises(value):
    opt = optim.Adam(lr=lambda t: 0.1 if t < 2 else value)
    w = np.ones(3)
    w = opt.step(w, w)
    w = opt.step(w, w)
    with pytest.raises(ValueError, match="lr schedule returned .* at t=2"):
        opt.step(w, w)
    assert opt.t == 2


# --------------------------------------------------------------------------- API contract

def make(name, **extra):
    """An instance of every class with a non-trivial configuration."""
    kwargs = {"SGD": dict(lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True),
              "Adagrad": dict(lr=0.1, weight_decay=0.1, lr_decay=0.1),
              "RMSprop": dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1),
              "Adam": dict(lr=0.1, amsgrad=True, weight_decay=0.1),
              "AdamW": dict(lr=0.1, weight_decay=0.1),
              "NAdam": dict(lr=0.1, weight_decay=0.1),
              "Adadelta": dict(lr=1.0, weight_decay=0.1),
              "MomentumEMA": dict(lr=0.1, beta=0.9),
              "MomentumClassic": dict(lr=0.1, gamma=0.9),
              "RMSpropTextbook": dict(lr=0.01, beta=0.9)}[name]
    return getattr(optim, name)(**{**kwargs, **extra})


@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4)])
@pytest.mark.parametrize("name", ALL_CLASSES)
def test_any_shape_gives_the_same_numbers_as_a_flat_vector(name, shape):
    size = math.prod(shape)
    w0 = np.linspace(-2.0, 3.0, size).reshape(shape)
    shaped, flat = make(name), make(name)
    w, v = w0, w0.reshape(-1)
    for _ in range(4):
        w = shaped.step(w, 2 * w - 1)
        v = flat.step(v, 2 * v - 1)
    assert isinstance(w, np.ndarray) and w.shape == shape
    np.testing.assert_array_equal(w.reshape(-1), v)


@pytest.mark.parametrize("name", ALL_CLASSES)
def test_float32_parameters_stay_float32(name):
    opt = make(name)
    w = np.ones(4, dtype=np.float32)
    w = opt.step(w, 2 * w)
    w = opt.step(w, 2 * w)
    assert w.dtype == np.float32
    assert all(a.dtype == np.float32 for a in opt.state.values() if isinstance(a, np.ndarray))


@pytest.mark.parametrize("params, grad, message", [
    (np.zeros(3), np.zeros(4), "grad has shape"),
    (np.zeros((2, 3)), np.zeros((3, 2)), "grad has shape"),
    (np.zeros(3), np.zeros(3, dtype=np.float32), "dtype"),
    (np.zeros(3, dtype=int), np.zeros(3, dtype=int), "params must be an array of floats"),
    (np.zeros(3), np.array(["a", "b", "c"]), "grad must be an array of floats"),
])
def test_mismatched_params_and_grad_raise(params, grad, message):
    with pytest.raises(ValueError, match=message):
        optim.Adam().step(params, grad)


def test_changing_shape_or_dtype_between_calls_raises_until_reset():
    opt = optim.Adam(lr=0.1)
    opt.step(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="call reset"):
        opt.step(np.zeros(4), np.ones(4))
    with pytest.raises(ValueError, match="call reset"):
        opt.step(np.zeros(3, dtype=np.float32), np.ones(3, dtype=np.float32))
    opt.reset()
    w = opt.step(np.zeros(4), np.ones(4))
    assert w.shape == (4,) and opt.t == 1


@pytest.mark.parametrize("name", ALL_CLASSES)
def test_reset_forgets_state_and_replays_the_same_trajectory(name):
    opt = make(name)
    first = run_ours(opt, W0, n=5)
    assert opt.t == 5 and opt.state
    opt.reset()
    assert opt.t == 0 and opt.state == {}
    np.testing.assert_array_equal(run_ours(opt, W0, n=5), first)


def test_state_names_follow_the_equations():
    w = np.ones(2)
    expected = {"SGD": {"b"}, "Adagrad": {"G"}, "RMSprop": {"v", "g_avg", "b"},
                "Adam": {"m", "v", "v_max"}, "AdamW": {"m", "v"},
                "NAdam": {"m", "v", "mu_product"}, "Adadelta": {"v", "u"},
                "MomentumEMA": {"v"}, "MomentumClassic": {"v"}, "RMSpropTextbook": {"v"}}
    for name, keys in expected.items():
        opt = make(name)
        opt.step(w, w)
        assert set(opt.state) == keys, name


def test_current_lr_follows_a_schedule_of_the_steps_taken():
    opt = optim.SGD(lr=lambda t: 1.0 / (t + 1))
    w = np.array([1.0])
    seen = []
    for _ in range(3):
        seen.append(opt.current_lr)
        w = opt.step(w, np.array([1.0]))
    assert seen == [1.0, 0.5, 1 / 3]
    np.testing.assert_allclose(w, [1.0 - 1.0 - 0.5 - 1 / 3])
    assert optim.Adam(lr=0.25).current_lr == 0.25


@pytest.mark.parametrize("name", ALL_CLASSES)
def test_grad_aliasing_the_returned_buffer_is_read_before_the_update(name):
    """For f(w) = |w|^2 / 2 the gradient is w itself: step(w, w) must equal step(w, w.copy())."""
    aliased, copied = make(name), make(name)
    w, v = np.linspace(-1.0, 2.0, 6), np.linspace(-1.0, 2.0, 6)
    for _ in range(4):
        w = aliased.step(w, w)
        v = copied.step(v, v.copy())
    np.testing.assert_array_equal(w, v)


# --------------------------------------------------------------------------- returned arrays

def large_problem(n=2 * optim.CHUNK + 7, seed=4):
    """w0 and the gradient of a diagonal quadratic, larger than one Adam chunk."""
    rng = np.random.default_rng(seed)
    scale, target, w0 = rng.uniform(0.1, 10.0, n), rng.standard_normal(n), rng.standard_normal(n)
    return w0, lambda w: scale * (w - target)


def problems(name):
    """(w0, grad, steps): the matrix problem, and for Adam and AdamW a multi-chunk one too."""
    cases = [(W0, matrix_grad, 30)]
    if name in ("Adam", "AdamW"):
        cases.append((*large_problem(), 5))
    return cases


@pytest.mark.parametrize("name", ALL_CLASSES)
def test_a_trajectory_kept_as_returned_is_correct_and_never_modified(name):
    for w0, grad, n in problems(name):
        opt, w, path, snapshots = make(name), w0, [], []
        for _ in range(n):
            w = opt.step(w, grad(w))
            path.append(w)                              # the course's natural idiom
            snapshots.append(w.copy())
        assert len({id(w) for w in path}) == n
        assert not any(np.may_share_memory(a, b) for i, a in enumerate(path) for b in path[:i])
        for kept, snapshot in zip(path, snapshots):     # later steps left every result alone
            assert kept.tobytes() == snapshot.tobytes()
        np.testing.assert_array_equal(np.array(path), run_ours(make(name), w0, grad, n))


@pytest.mark.parametrize("name", ALL_CLASSES)
def test_step_never_modifies_params_or_grad(name):
    for w0, grad, n in problems(name):
        opt, w = make(name), w0
        w0_bytes = w0.tobytes()
        for k in range(n):
            g = w if k % 3 == 2 else grad(w)            # sometimes grad is params itself
            w_bytes, g_bytes = w.tobytes(), g.tobytes()
            w_new = opt.step(w, g)
            assert w.tobytes() == w_bytes and g.tobytes() == g_bytes
            assert not np.may_share_memory(w_new, w) and not np.may_share_memory(w_new, g)
            w = w_new
        assert w0.tobytes() == w0_bytes


@pytest.mark.parametrize("name", ALL_CLASSES)
def test_every_step_returns_a_new_array_that_shares_nothing_with_the_state(name):
    """In ``w = opt.step(w, g)`` every result is a fresh array: none is reused, none is
    (a view of) the optimizer's state, which later steps replace."""
    opt, w, returned = make(name), W0, []
    for _ in range(6):
        w = opt.step(w, matrix_grad(w))
        returned.append(w)
        assert not any(np.may_share_memory(w, a) for a in opt.state.values()
                       if isinstance(a, np.ndarray))
    assert len({id(a) for a in returned}) == 6


@pytest.mark.parametrize("name", ALL_CLASSES)
def test_init_and_update_are_pure(name):
    """``update`` returns new arrays and leaves params, grad and the old state as they were;
    carrying the state by hand gives the numbers of ``step``."""
    opt = make(name)
    w, state = W0.copy(), opt.init(W0)
    for t in range(1, 6):
        g = matrix_grad(w)
        before = [w.tobytes(), g.tobytes()] + [np.asarray(a).tobytes() for a in state.values()]
        new_w, new_state = opt.update(w, g, state, t, 0.05)
        after = [w.tobytes(), g.tobytes()] + [np.asarray(a).tobytes() for a in state.values()]
        assert after == before, f"update modified an argument at step {t}"
        arrays = [new_w] + [a for a in new_state.values() if isinstance(a, np.ndarray)]
        inputs = [w, g] + [a for a in state.values() if isinstance(a, np.ndarray)]
        assert not any(np.may_share_memory(a, b) for a in arrays for b in inputs)
        w, state = new_w, new_state
    assert opt.t == 0 and opt.state == {}              # the instance was not touched
    stepped = make(name, lr=0.05)
    np.testing.assert_array_equal(w, run_ours(stepped, W0, n=5)[-1])


def test_nested_calls_and_foreign_params_give_the_same_numbers():
    g = np.array([1.0, -2.0])
    opt = optim.SGD(lr=0.5, momentum=0.5)
    w3 = opt.step(opt.step(opt.step(np.zeros(2), g), g), g)
    reference = run_ours(optim.SGD(lr=0.5, momentum=0.5), np.zeros(2), lambda w: g, n=3)
    np.testing.assert_array_equal(w3, reference[-1])
    other = np.array([4.0, 4.0])
    w4 = opt.step(other, g)                             # restart from a caller's array
    np.testing.assert_array_equal(other, [4.0, 4.0])
    assert w4 is not other and w4 is not w3
    np.testing.assert_allclose(w4, other - 0.5 * (0.5 * 1.75 + 1.0) * g)   # b_4 = 1.875 g


def test_a_gradient_the_caller_reuses_does_not_change_the_state():
    """SGD's first buffer is the gradient itself, b_1 = g_1: a copy of it, so that a caller
    who writes the next gradient into the same array changes nothing in the optimizer."""
    opt, reference = optim.SGD(lr=0.1, momentum=0.9), optim.SGD(lr=0.1, momentum=0.9)
    w, v, g = np.ones(3), np.ones(3), np.empty(3)
    for step_number in range(4):
        np.multiply(w, 2.0, out=g)                      # one gradient buffer, reused
        w = opt.step(w, g)
        v = reference.step(v, 2.0 * v)
    assert w.tobytes() == v.tobytes()


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_non_contiguous_params_and_grad_give_the_same_numbers(name):
    big = np.linspace(-1.0, 1.0, 48).reshape(6, 8)
    strided, dense = big[:, ::2], np.ascontiguousarray(big[:, ::2])
    fortran = np.asfortranarray(dense)
    results = []
    for w0 in (dense, strided, fortran):
        opt, w = make(name), w0
        for _ in range(4):
            w = opt.step(w, (2 * w - 1)[::-1][::-1])    # a gradient of the same layout
        results.append(w)
    np.testing.assert_array_equal(results[1], results[0])
    np.testing.assert_array_equal(results[2], results[0])
    assert big.tobytes() == np.linspace(-1.0, 1.0, 48).tobytes()


def test_reset_forgets_the_shape_of_the_parameters():
    opt, w = optim.SGD(lr=0.1), np.ones(3)
    for _ in range(3):
        w = opt.step(w, w)
    opt.reset()
    assert opt.t == 0 and opt.state == {}
    assert opt.step(np.ones(5), np.ones(5)).shape == (5,)


def test_no_reference_counting_in_the_optimizers():
    """Results are new arrays, never recycled behind the caller's back (issue 13)."""
    source = inspect.getsource(optim)
    assert "getrefcount" not in source and "import sys" not in source


# --------------------------------------------------------------------------- plain SGD

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_plain_sgd_is_exactly_the_textbook_update(dtype):
    opt, w = optim.SGD(lr=0.05), np.linspace(-1.0, 2.0, 7).astype(dtype)
    for _ in range(5):
        g = (3 * w - 1).astype(dtype)
        expected = w - 0.05 * g
        w = opt.step(w, g)
        assert w.dtype == dtype and w.tobytes() == expected.tobytes()


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_after_the_first_steps_mismatches_still_raise_and_other_inputs_still_work(name):
    opt, w = make(name), np.linspace(-1.0, 1.0, 5)
    for _ in range(3):
        w = opt.step(w, 2 * w)
    with pytest.raises(ValueError, match="grad has shape"):
        opt.step(w, (2 * w)[:-1])
    with pytest.raises(ValueError, match="dtype"):
        opt.step(w, (2 * w).astype(np.float32))
    with pytest.raises(ValueError, match="call reset"):
        opt.step(w.astype(np.float32), (2 * w).astype(np.float32))
    with pytest.raises(ValueError, match="params must be an array of floats"):
        opt.step(np.zeros(5, dtype=int), 2 * w)
    reference = make(name)
    v = np.linspace(-1.0, 1.0, 5)
    for _ in range(3):
        v = reference.step(v, 2 * v)
    np.testing.assert_array_equal(opt.step(w.tolist(), (2 * w).tolist()),   # lists work too
                                  reference.step(v, 2 * v))
    assert opt.t == 4


# --------------------------------------------------------------------------- in place: step_

TEXTBOOK_CONFIGS = [("MomentumEMA", dict(lr=0.02)), ("MomentumClassic", dict(lr=0.02)),
                    ("RMSpropTextbook", dict(lr=0.003))]


def run_in_place(opt, w0, grad=matrix_grad, n=N_STEPS):
    """The iterates w_1 .. w_n of ``opt.step_`` on one array, updated in place."""
    w, iterates = w0.copy(), []
    for _ in range(n):
        assert opt.step_(w, grad(w)) is w
        iterates.append(w.copy())
    return np.array(iterates)


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=CONFIG_IDS)
def test_in_place_trajectory_matches_torch(torch64, name, kwargs):
    ours = run_in_place(getattr(optim, name)(**kwargs), W0)
    reference = run_torch(getattr(torch64.optim, name), kwargs, W0)
    assert max_relative_difference(ours, reference) <= 1e-10


@pytest.mark.parametrize("name, kwargs", CONFIGS + TEXTBOOK_CONFIGS,
                         ids=CONFIG_IDS + [name for name, _ in TEXTBOOK_CONFIGS])
def test_step_in_place_gives_the_numbers_of_step(name, kwargs):
    """``step_`` overwrites its params with exactly what ``step`` returns, step after step."""
    cls = getattr(optim, name)
    expected = run_ours(cls(**kwargs), W0)
    opt, w = cls(**kwargs), W0.copy()
    for t in range(N_STEPS):
        g = matrix_grad(w)
        g_before = g.copy()
        assert opt.step_(w, g) is w
        assert w.tobytes() == expected[t].tobytes(), f"step {t + 1}"
        assert g.tobytes() == g_before.tobytes()
    assert opt.t == N_STEPS


ADAM_CHUNK_CONFIGS = [
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, kwargs", ADAM_CHUNK_CONFIGS)
def test_chunked_adam_gives_the_numbers_of_the_plain_update(name, kwargs, dtype):
    """On arrays of several chunks ``step_`` runs ``_adam_in_chunks_``; ``step`` the plain
    ``update`` of the book: the same numbers, bit for bit, across chunk boundaries."""
    w0, grad = large_problem()
    w0 = w0.astype(dtype)
    plain, chunked = getattr(optim, name)(**kwargs), getattr(optim, name)(**kwargs)
    w, v = w0, w0.copy()
    for t in range(1, 6):
        w = plain.step(w, grad(w).astype(dtype))
        chunked.step_(v, grad(v).astype(dtype))
        assert v.dtype == dtype and v.tobytes() == w.tobytes(), f"step {t}"
        for key in plain.state:
            assert chunked.state[key].tobytes() == plain.state[key].tobytes(), key


def test_chunked_adam_continues_a_state_made_by_step_from_fortran_ordered_arrays():
    """``step`` on Fortran-ordered arrays, then ``step_`` on a C-ordered copy of the
    parameters: the chunked update reads and writes the moments ``step`` left."""
    n = optim.CHUNK + 3
    rng = np.random.default_rng(5)
    w0 = np.asfortranarray(rng.standard_normal((n, 2)))
    target = np.asfortranarray(rng.standard_normal((n, 2)))
    mixed, plain = optim.Adam(lr=0.01), optim.Adam(lr=0.01)
    w = np.ascontiguousarray(mixed.step(w0, w0 - target))
    for _ in range(3):
        mixed.step_(w, w - target)
    v = w0
    for _ in range(4):
        v = plain.step(v, v - target)
    assert w.tobytes() == np.ascontiguousarray(v).tobytes()


@pytest.mark.parametrize("name, kwargs", ADAM_CHUNK_CONFIGS)
def test_chunked_adam_matches_torch_across_chunk_boundaries(torch64, name, kwargs):
    w0, grad = large_problem(seed=1)
    for run in (run_ours, run_in_place):
        ours = run(getattr(optim, name)(**kwargs), w0, grad, n=5)
        reference = run_torch(getattr(torch64.optim, name), kwargs, w0, grad, n=5)
        assert max_relative_difference(ours, reference) <= 1e-12, run.__name__


def test_step_in_place_rejects_what_it_cannot_update():
    opt = optim.SGD(lr=0.1)
    with pytest.raises(ValueError, match="must be a NumPy array"):
        opt.step_([1.0, 2.0], np.ones(2))
    frozen = np.ones(2)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="writeable, C-contiguous"):
        opt.step_(frozen, np.ones(2))
    with pytest.raises(ValueError, match="writeable, C-contiguous"):
        opt.step_(np.ones((2, 4))[:, ::2], np.ones((2, 2)))
    w = np.ones(4)
    with pytest.raises(ValueError, match="must be an array of floats"):
        opt.step_(w, np.ones(4, dtype=int))
    assert opt.t == 0 and w.tobytes() == np.ones(4).tobytes()      # nothing was changed


@pytest.mark.parametrize("name", ALL_CLASSES)
def test_step_in_place_reads_a_grad_that_is_params_itself_first(name):
    """For f(w) = |w|^2 / 2 the gradient is w itself: step_(w, w) gives the numbers of
    step(w, w), on a small array and, for Adam, on one of several chunks."""
    sizes = [6] + ([2 * optim.CHUNK + 7] if name in ("Adam", "AdamW") else [])
    for size in sizes:
        in_place, returning = make(name), make(name)
        w, v = np.linspace(-1.0, 2.0, size), np.linspace(-1.0, 2.0, size)
        for _ in range(3):
            assert in_place.step_(w, w) is w
            v = returning.step(v, v)
        assert w.tobytes() == v.tobytes()


def test_chunked_adam_reads_an_overlapping_grad_before_writing():
    """A gradient that is a shifted view of params: the in-place step falls back on the
    plain update, which reads all of grad first."""
    n = 2 * optim.CHUNK
    base = np.linspace(-1.0, 1.0, n + 1)
    params, grad = base[1:], base[:n]          # grad lags params by one element
    expected = optim.Adam(lr=0.1).step(params.copy(), grad.copy())
    optim.Adam(lr=0.1).step_(params, grad)
    assert params.tobytes() == expected.tobytes()


def test_step_in_place_checks_a_new_array_and_mixes_with_step():
    opt = optim.SGD(lr=0.5, momentum=0.9)
    ref = optim.SGD(lr=0.5, momentum=0.9)
    w, v = np.ones(3), np.ones(3)
    opt.step_(w, np.full(3, 2.0))
    v = ref.step(v, np.full(3, 2.0))
    u = w.copy()                                   # another array: checked again
    opt.step_(u, np.full(3, 1.0))
    v = ref.step(v, np.full(3, 1.0))
    u = opt.step(u, np.full(3, -1.0))              # and the returning form continues the state
    v = ref.step(v, np.full(3, -1.0))
    assert u.tobytes() == v.tobytes() and opt.t == 3
    with pytest.raises(ValueError, match="shape"):
        opt.step_(np.ones(4), np.ones(4))
