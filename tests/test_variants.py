"""Batch, stochastic and mini-batch gradient descent (gdcourse.variants)."""

import math

import numpy as np
import pytest

from gdcourse.descent import gradient_descent
from gdcourse.objectives import LinearRegression, LogisticRegression, Quadratic
from gdcourse.optim import SGD, Adam
from gdcourse.variants import (batch_gradient_descent, iterate_minibatches, minibatch_descent,
                               minibatch_gradient_descent, stochastic_gradient_descent)
from gdcourse import _fast_epochs, variants
from gdcourse._fast_epochs import has_own_fused


def regression(m=500, noise=0.5, seed=0):
    """A well-conditioned least-squares problem: standard normal features, bias 0.3."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + noise * rng.standard_normal(m)
    return LinearRegression(X, y)


class RowLog(LinearRegression):
    """Least squares that remembers which rows each mini-batch gradient saw.

    With ``y = 0, 1, ..., m-1`` the targets of a batch name its rows.
    """

    def __init__(self, m, n=2, seed=0):
        X = np.random.default_rng(seed).standard_normal((m, n))
        super().__init__(X, np.arange(m, dtype=float))
        self.batches = []

    def grad_on(self, theta, Z, y):
        if len(y) < self.n_samples:                 # not the full-data check of an epoch
            self.batches.append(y.astype(int).tolist())
        return super().grad_on(theta, Z, y)


# ----------------------------------------------------------------------- iterate_minibatches

def test_iterate_minibatches_covers_every_row_once_with_a_short_last_batch():
    batches = list(iterate_minibatches(10, 4, np.random.default_rng(0)))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches).tolist()) == list(range(10))
    assert np.concatenate(batches).tolist() != list(range(10))        # shuffled


def test_iterate_minibatches_unshuffled_and_seeded():
    assert [b.tolist() for b in iterate_minibatches(5, 2, shuffle=False)] == [[0, 1], [2, 3], [4]]
    first = np.concatenate(list(iterate_minibatches(50, 7, 3)))
    again = np.concatenate(list(iterate_minibatches(50, 7, 3)))
    other = np.concatenate(list(iterate_minibatches(50, 7, 4)))
    assert np.array_equal(first, again) and not np.array_equal(first, other)


@pytest.mark.parametrize("args, name", [((0, 2), "n_samples"), ((5, 0), "batch_size"),
                                        ((5, 2.5), "batch_size"), ((5, 2, "seed"), "random_state")])
def test_iterate_minibatches_rejects_bad_arguments_when_called(args, name):
    with pytest.raises(ValueError, match=name):
        iterate_minibatches(*args)


# ----------------------------------------------------------------------- convergence

def test_batch_descent_matches_lstsq():
    obj = regression()
    w_star = np.linalg.lstsq(obj.Z, obj.y, rcond=None)[0]
    # Z'Z/m is close to the identity (condition number ~1.3), so lr=0.5 contracts the error
    # by about 0.5 per epoch: 200 epochs leave far less than 1e-8.
    history = batch_gradient_descent(obj, np.zeros(4), lr=0.5, epochs=200)
    assert np.max(np.abs(history.w - w_star)) < 1e-8
    assert history.stop_reason == "max_iter" and history.n_iter == 200


def test_batch_descent_repeats_gradient_descent():
    """With the whole data set as the batch, each epoch is one step of plain gradient descent."""
    obj = regression(m=100)
    ours = batch_gradient_descent(obj, np.zeros(4), lr=0.3, epochs=25)
    plain = gradient_descent(obj, np.zeros(4), lr=0.3, max_iter=25, grad_tol=None)
    np.testing.assert_allclose(ours.losses, plain.losses, rtol=1e-12)
    np.testing.assert_allclose(ours.w, plain.w, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours.grad_norms, plain.grad_norms, rtol=1e-10)


@pytest.mark.parametrize("batch_size", [1, 16])
def test_constant_step_sgd_is_exact_on_a_consistent_system(batch_size):
    """Without noise every example's gradient vanishes at the solution (interpolation), so
    SGD with a constant step converges linearly to it, like batch descent."""
    obj = regression(noise=0.0)
    w_star = np.linalg.lstsq(obj.Z, obj.y, rcond=None)[0]
    history = minibatch_descent(obj, np.zeros(4), lr=0.1, batch_size=batch_size, epochs=60,
                                random_state=0)
    assert np.max(np.abs(history.w - w_star)) < 1e-8


@pytest.mark.parametrize("batch_size, a", [(1, 0.1), (16, 0.5)])
def test_decaying_step_sgd_approaches_lstsq_on_noisy_data(batch_size, a):
    r"""With noise, SGD at step size eta fluctuates around w* with mean squared distance of
    about eta * sigma^2 * d / (2k) (Hessian ~ I, d parameters, gradient noise variance
    sigma^2/k per coordinate).  The schedule eta_t = a / (1 + t/tau) shrinks eta to eta_T,
    and the distance must fall below that stationary spread at eta_T."""
    obj = regression(noise=0.5)
    w_star = np.linalg.lstsq(obj.Z, obj.y, rcond=None)[0]
    m, d, epochs, sigma2 = obj.n_samples, obj.n_params, 100, 0.25
    tau = 2 * m / batch_size
    schedule = lambda t: a / (1 + t / tau)
    history = minibatch_descent(obj, np.zeros(4), lr=schedule, batch_size=batch_size,
                                epochs=epochs, random_state=0)
    eta_T = schedule(history.n_iter)
    spread = math.sqrt(eta_T * sigma2 * d / (2 * batch_size))
    assert np.linalg.norm(history.w - w_star) < spread
    assert history.final_loss - obj.loss(w_star) < 1e-3 * obj.loss(w_star)


def test_logistic_regression_with_adam_reduces_the_loss():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 2))
    y = (X @ np.array([2.0, -1.0]) + 0.3 * rng.standard_normal(300) > 0).astype(float)
    obj = LogisticRegression(X, y)
    opt = Adam(lr=0.05)
    history = minibatch_descent(obj, np.zeros(3), opt, batch_size=32, epochs=20, random_state=0)
    assert opt.t == 20 * math.ceil(300 / 32) == history.n_iter
    assert history.epoch_losses[-1] < 0.3 * history.epoch_losses[0]
    assert np.all(np.diff(history.epoch_losses[:5]) < 0)


# ----------------------------------------------------------------------- batches and records

def test_the_last_partial_batch_is_used():
    obj = RowLog(103)
    opt = SGD(lr=0.01)
    history = minibatch_descent(obj, np.zeros(3), opt, batch_size=10, epochs=3, random_state=0)
    per_epoch = math.ceil(103 / 10)
    assert opt.t == 3 * per_epoch == len(history.lrs) == history.n_iter
    assert history.epoch_steps.tolist() == [0, 11, 22, 33]
    sizes = [len(b) for b in obj.batches]
    assert sizes == ([10] * 10 + [3]) * 3
    for e in range(3):                              # every row exactly once per epoch
        rows = sum(obj.batches[e * per_epoch:(e + 1) * per_epoch], [])
        assert sorted(rows) == list(range(103))


def test_batches_are_reshuffled_every_epoch_and_seeded():
    def epochs_of(seed, shuffle=True):
        obj = RowLog(40)
        minibatch_descent(obj, np.zeros(3), lr=0.01, batch_size=8, epochs=2, shuffle=shuffle,
                          random_state=seed)
        return sum(obj.batches[:5], []), sum(obj.batches[5:], [])

    first, second = epochs_of(0)
    assert first != second                          # a new permutation each epoch
    assert epochs_of(0) == (first, second)          # ... the same ones for the same seed
    assert epochs_of(1)[0] != first
    assert epochs_of(0, shuffle=False) == (list(range(40)), list(range(40)))


def test_same_seed_same_history_other_seed_or_no_shuffle_differs():
    obj = regression(m=200)
    run = lambda **kw: minibatch_descent(obj, np.zeros(4), lr=0.05, batch_size=16, epochs=3, **kw)
    a, b = run(random_state=7), run(random_state=7)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_array_equal(a.w, b.w)
    assert not np.array_equal(a.losses, run(random_state=8).losses)
    unshuffled = run(shuffle=False)
    assert not np.array_equal(a.losses, unshuffled.losses)
    np.testing.assert_array_equal(unshuffled.losses, run(shuffle=False, random_state=3).losses)


def test_a_generator_can_drive_the_shuffles():
    obj = regression(m=100)
    run = lambda rng: minibatch_descent(obj, np.zeros(4), lr=0.05, batch_size=16, epochs=2,
                                        random_state=rng)
    np.testing.assert_array_equal(run(np.random.default_rng(5)).w, run(5).w)


def test_step_records():
    obj = regression(m=50)
    h = minibatch_descent(obj, np.zeros(4), lr=lambda t: 0.1 / (1 + t), batch_size=20,
                          epochs=2, random_state=0, record_params=True)
    assert h.n_iter == 6 and len(h.losses) == len(h.grad_norms) == len(h.params) == 7
    np.testing.assert_allclose(h.lrs, 0.1 / (1 + np.arange(6)))
    assert h.final_loss == pytest.approx(obj.loss(h.w), rel=1e-14)
    assert h.grad_norms[-1] == pytest.approx(np.linalg.norm(obj.grad(h.w)), rel=1e-14)
    np.testing.assert_array_equal(h.params[0], np.zeros(4))
    np.testing.assert_array_equal(h.params[-1], h.w)
    assert len(np.unique(h.params, axis=0)) == 7   # copies, not one reused buffer
    assert h.epoch_losses[0] == pytest.approx(obj.loss(np.zeros(4)))
    assert h.epoch_steps.tolist() == [0, 3, 6]
    # a mini-batch loss is the loss of the batch at the iterate the update started from
    assert h.losses[0] != pytest.approx(h.epoch_losses[0])


def test_epoch_records():
    obj = regression(m=50)
    h = minibatch_descent(obj, np.zeros(4), lr=0.05, batch_size=20, epochs=4, random_state=0,
                          record="epoch", record_params=True)
    assert len(h.losses) == len(h.grad_norms) == len(h.params) == 5 and len(h.lrs) == 4
    np.testing.assert_array_equal(h.losses, h.epoch_losses)
    for loss, norm, w in zip(h.losses, h.grad_norms, h.params):
        assert loss == pytest.approx(obj.loss(w))
        assert norm == pytest.approx(np.linalg.norm(obj.grad(w)))
    assert h.epoch_steps.tolist() == [0, 3, 6, 9, 12]


def test_the_result_is_not_the_optimizer_buffer():
    obj = regression(m=50)
    opt = SGD(lr=0.05)
    h = minibatch_descent(obj, np.zeros(4), opt, batch_size=10, epochs=1, random_state=0)
    w = h.w.copy()
    opt.step(h.w, np.ones(4))
    opt.step(opt.step(h.w, np.ones(4)), np.ones(4))
    np.testing.assert_array_equal(h.w, w)


def test_the_optimizer_state_carries_on():
    obj = regression(m=50)
    opt = SGD(lr=0.05, momentum=0.9)
    first = minibatch_descent(obj, np.zeros(4), opt, batch_size=10, epochs=1, random_state=0)
    minibatch_descent(obj, first.w, opt, batch_size=10, epochs=1, random_state=0)
    assert opt.t == 10


# ----------------------------------------------------------------------- divergence and stopping

def test_divergence_names_the_step_and_the_learning_rate():
    obj = regression(m=100)
    h = stochastic_gradient_descent(obj, np.zeros(4), lr=5.0, epochs=5, random_state=0)
    assert h.stop_reason == "diverged" and h.diverged
    step = h.n_iter                                 # the record that blew up is the last one
    assert not np.isfinite(h.losses[-1]) and np.all(np.isfinite(h.losses[:-1]))
    assert f"at step {step} " in h.message and "lr=5" in h.message
    assert step < 500 and len(h.lrs) == step


def test_divergence_in_batch_descent():
    obj = regression(m=100)
    h = batch_gradient_descent(obj, np.zeros(4), lr=2.5, epochs=5000)
    assert h.stop_reason == "diverged"
    assert f"at step {h.n_iter} " in h.message and "lr=2.5" in h.message


def test_divergence_with_epoch_records():
    obj = regression(m=100)
    h = minibatch_descent(obj, np.zeros(4), lr=5.0, batch_size=4, epochs=50, random_state=0,
                          record="epoch")
    assert h.stop_reason == "diverged" and "lr=5" in h.message
    np.testing.assert_array_equal(h.losses, h.epoch_losses)
    step = int(h.message.split("at step ")[1].split()[0])
    assert h.epoch_steps[-1] <= step < h.epoch_steps[-1] + 25


@pytest.mark.parametrize("criterion, value", [("grad_tol", 1e-4), ("loss_tol", None),
                                              ("param_tol", 1e-9), ("patience", 3)])
def test_stopping_criteria_fire(criterion, value):
    obj = regression(m=200)
    if criterion == "loss_tol":
        value = 1.01 * obj.loss(obj.solution())
    options = {criterion: value}
    if criterion == "patience":
        options["min_delta"] = 1e-6
    h = batch_gradient_descent(obj, np.zeros(4), lr=0.5, epochs=1000, **options)
    assert h.stop_reason == criterion and h.converged
    assert h.n_iter < 100
    assert "end of epoch" in h.message
    if criterion == "grad_tol":
        assert h.grad_norms[-1] <= 1e-4
    if criterion == "loss_tol":
        assert h.final_loss <= value and h.epoch_losses[-2] > value


def test_patience_stops_noisy_minibatches_at_their_noise_floor():
    r"""Constant-step SGD stalls at an excess loss of about eta sigma^2 d / (4k) (Hessian ~ I,
    residual variance sigma^2 = 2 J*): patience must stop it there, long before the budget."""
    obj = regression(m=200)
    lr, k, d = 0.2, 8, 4
    h = minibatch_descent(obj, np.zeros(4), lr=lr, batch_size=k, epochs=500, patience=5,
                          min_delta=1e-4, random_state=0)
    assert h.stop_reason == "patience" and len(h.epoch_losses) < 100
    j_star = obj.loss(obj.solution())
    floor = lr * (2 * j_star) * d / (4 * k)
    assert h.final_loss - j_star < 2 * floor


# ----------------------------------------------------------------------- arguments

@pytest.mark.parametrize("kwargs, name", [
    (dict(batch_size=0), "batch_size"), (dict(batch_size=2.0), "batch_size"),
    (dict(epochs=-1), "epochs"), (dict(record="steps"), "record"), (dict(lr=-0.1), "lr"),
    (dict(lr=0.0), "lr"), (dict(random_state="x"), "random_state"), (dict(grad_tol=-1), "grad_tol"),
    (dict(patience=0), "patience"), (dict(optimizer=SGD(lr=0.1), lr=0.1), "lr"),
    (dict(optimizer="adam"), "optimizer"), (dict(w0=np.zeros((2, 2))), "w0"),
    (dict(w0=[0, np.nan, 0, 0]), "w0"), (dict(w0=np.zeros(3)), "w0"),
])
def test_bad_arguments_raise_value_errors_naming_them(kwargs, name):
    kwargs = {"w0": np.zeros(4), **kwargs}
    with pytest.raises(ValueError, match=name):
        minibatch_descent(regression(m=20), **kwargs)


def test_the_objective_must_be_a_data_objective():
    with pytest.raises(ValueError, match="objective"):
        minibatch_descent(Quadratic(np.eye(2)), np.zeros(2))


def test_zero_epochs_only_evaluates_the_start():
    obj = regression(m=20)
    h = minibatch_gradient_descent(obj, np.ones(4), lr=0.1, epochs=0)
    assert h.n_iter == 0 and h.stop_reason == "max_iter"
    np.testing.assert_array_equal(h.w, np.ones(4))


# ----------------------------------------------------------------------- fused loss and gradient

class Separate(LinearRegression):
    """Least squares whose loss_on and grad_on are overridden (by themselves): the driver must
    call them, not the fused loss_and_grad_on they inherit."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_calls = self.grad_calls = 0

    def loss_on(self, theta, Z, y):
        self.loss_calls += 1
        return super().loss_on(theta, Z, y)

    def grad_on(self, theta, Z, y):
        self.grad_calls += 1
        return super().grad_on(theta, Z, y)


def assert_same_history(a, b, epoch_losses_ulps=0):
    """Every record equal, bit for bit; the epoch losses to ``epoch_losses_ulps`` when one
    run measured them on its blocks of rows and the other with passes over the data (the
    same sum, added in another order)."""
    for field in ("losses", "grad_norms", "lrs", "w", "epoch_steps"):
        assert getattr(a, field).tobytes() == getattr(b, field).tobytes(), field
    if epoch_losses_ulps:
        np.testing.assert_allclose(a.epoch_losses, b.epoch_losses,
                                   rtol=epoch_losses_ulps * np.finfo(float).eps, atol=0)
        assert a.epoch_losses[-1] == b.epoch_losses[-1]          # the last check is a pass
    else:
        assert a.epoch_losses.tobytes() == b.epoch_losses.tobytes()
    assert (a.stop_reason, a.message) == (b.stop_reason, b.message)


@pytest.mark.parametrize("record", ["step", "epoch"])
@pytest.mark.parametrize("alpha", [0.0, 0.2])
def test_the_fused_loss_and_gradient_give_the_history_of_separate_calls(record, alpha):
    fused = regression(m=203)
    fused.alpha = alpha
    separate = Separate(fused.X, fused.y, alpha=alpha)
    runs = [minibatch_descent(objective, np.zeros(4), lr=0.05, batch_size=16, epochs=3,
                              random_state=1, record=record) for objective in (fused, separate)]
    # with per-step records the fused run measures its epoch losses on its blocks of rows,
    # the separate one (whose loss_on must be called) with passes over the data
    assert_same_history(*runs, epoch_losses_ulps=4 if record == "step" else 0)
    assert has_own_fused(fused) and not has_own_fused(separate)
    assert separate.grad_calls >= 3 * 13                 # its own methods were called
    if record == "step":
        assert separate.loss_calls >= 3 * 13


def test_the_final_record_is_the_full_data_loss_and_gradient_norm():
    objective = regression(m=101)
    history = minibatch_descent(objective, np.zeros(4), lr=0.05, batch_size=8, epochs=2,
                                random_state=0)
    assert history.losses[-1] == objective.loss(history.w) == history.epoch_losses[-1]
    assert history.grad_norms[-1] == np.linalg.norm(objective.grad(history.w))


def test_a_counting_wrapper_still_counts_every_update():
    from gdcourse.batching import CountingObjective
    counted = CountingObjective(regression(m=100))
    minibatch_descent(counted, np.zeros(4), lr=0.05, batch_size=32, epochs=3, random_state=0)
    assert counted.gradient_calls == 3 * 4 and counted.rows_touched == 3 * 100


def test_blas_threads_are_restored_after_a_run_on_large_data():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [info["num_threads"] for info in threadpoolctl.threadpool_info()]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 30))                  # 93 000 entries: large data
    objective = LinearRegression(X, X @ rng.standard_normal(30))
    history = minibatch_descent(objective, np.zeros(31), lr=0.01, batch_size=16, epochs=1,
                                random_state=0)
    assert history.stop_reason == "max_iter"
    assert [info["num_threads"] for info in threadpoolctl.threadpool_info()] == before


# ----------------------------------------------------------------------- epoch losses on the way

def count_full_data_passes(monkeypatch):
    """Patch the fast driver's full-data measurement to count its calls."""
    calls, measure = [], _fast_epochs.full_data
    monkeypatch.setattr(_fast_epochs, "full_data",
                        lambda *args: calls.append(args[2]) or measure(*args))
    return calls


def test_epoch_losses_are_measured_on_the_gathered_blocks(monkeypatch):
    """Each epoch measures the loss it starts from on the rows it gathers (in blocks of 40
    here): the full-data losses to rounding, and one pass over the data in all, at the end."""
    monkeypatch.setattr(_fast_epochs, "GATHER_BYTES", 8 * 4 * 40)   # 40 rows of 4 floats
    passes = count_full_data_passes(monkeypatch)
    objective = regression(m=1003)
    objective.alpha = 0.1
    h = minibatch_descent(objective, np.full(4, 3.0), lr=0.05, batch_size=8, epochs=4,
                          random_state=0, record_params=True)
    assert passes == [True]                                  # the final loss and gradient
    for epoch, step in enumerate(h.epoch_steps):
        assert h.epoch_losses[epoch] == pytest.approx(objective.loss(h.params[step]),
                                                      rel=4 * np.finfo(float).eps, abs=0)
    assert h.epoch_losses[-1] == objective.loss(h.w) == h.losses[-1]
    assert not np.array_equal(h.epoch_losses[:-1],                # measured another way
                              [objective.loss(h.params[s]) for s in h.epoch_steps[:-1]])


@pytest.mark.parametrize("options", [dict(loss_tol=1e-12), dict(patience=50),
                                     dict(grad_tol=1e-12), dict(record="epoch"),
                                     dict(shuffle=False), dict(batch_size=None)])
def test_a_pass_per_epoch_when_a_check_needs_the_loss_first(monkeypatch, options):
    passes = count_full_data_passes(monkeypatch)
    h = minibatch_descent(regression(m=100), np.zeros(4), **{"lr": 0.05, "batch_size": 8,
                          "epochs": 3, "random_state": 0, **options})
    assert h.stop_reason == "max_iter" and len(passes) == 4


def test_an_objective_with_its_own_loss_is_measured_with_passes(monkeypatch):
    passes = count_full_data_passes(monkeypatch)
    separate = Separate(regression(m=100).X, regression(m=100).y)
    minibatch_descent(separate, np.zeros(4), lr=0.05, batch_size=8, epochs=3, random_state=0)
    assert len(passes) == 4


SCENARIOS = {
    "converges": (np.zeros(4), 0.05),
    "blows up inside an epoch": (np.zeros(4), 50.0),
    # J(w0) overflows to inf while every mini-batch loss of the first epoch stays finite:
    # the run must stop at w0, as a pass before the epoch would have
    "full-data loss overflows at the start": (np.full(4, 2e153), 1e-9),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_measuring_on_the_way_gives_the_history_of_passes(monkeypatch, scenario):
    w0, lr = SCENARIOS[scenario]
    objective = regression(m=100)
    runs = []
    for on_the_way in (True, False):
        if not on_the_way:
            monkeypatch.setattr(_fast_epochs, "epochs_measure_loss", lambda *args: False)
        runs.append(minibatch_descent(objective, w0, lr=lr, batch_size=4, epochs=6,
                                      random_state=0, record_params=True))
    assert_same_history(*runs, epoch_losses_ulps=4)
    np.testing.assert_array_equal(runs[0].params, runs[1].params)
    if scenario != "converges":
        assert runs[0].stop_reason == "diverged"
    if scenario == "blows up inside an epoch":
        assert "mini-batch" in runs[0].message and runs[0].n_iter > 25      # not in epoch 1
    if scenario == "full-data loss overflows at the start":
        with np.errstate(over="ignore"):
            assert math.isinf(objective.loss(w0))
        assert math.isfinite(objective.loss(w0, slice(4)))
        assert runs[0].n_iter == 0 and np.array_equal(runs[0].w, w0)
        assert "step 0" in runs[0].message and "full-data loss" in runs[0].message


# ----------------------------------------------------------------------- the plain loop, the fast loop

class Functional:
    """An optimizer that only returns new arrays (no ``step_``): minibatch_descent drives it
    with the plain loop of the book (``variants._run_epochs`` and ``variants._epoch``)."""

    def __init__(self, optimizer):
        self.optimizer = optimizer

    def step(self, params, grad):
        return self.optimizer.step(params, grad)

    @property
    def current_lr(self):
        return self.optimizer.current_lr


def logistic(m=150, seed=2):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 3))
    return LogisticRegression(X, (X @ [1.0, -1.0, 0.5] + rng.standard_normal(m) > 0) * 1.0)


PLAIN_VS_FAST = {
    "sgd, batches of 7": (regression, dict(batch_size=7, epochs=4), lambda: SGD(lr=0.05)),
    "sgd, one row": (regression, dict(batch_size=1, epochs=2), lambda: SGD(lr=0.01)),
    "batch descent": (regression, dict(batch_size=None, epochs=30), lambda: SGD(lr=0.5)),
    "unshuffled, L2": (lambda: regression(m=97, noise=1.0), dict(batch_size=10, epochs=5,
                                                                shuffle=False),
                       lambda: SGD(lr=0.05, momentum=0.9, weight_decay=0.1)),
    "adam, schedule": (logistic, dict(batch_size=16, epochs=5),
                       lambda: Adam(lr=lambda t: 0.1 / (1 + 0.01 * t))),
    "epoch records": (regression, dict(batch_size=32, epochs=5, record="epoch"),
                      lambda: SGD(lr=0.05)),
    "grad_tol": (regression, dict(batch_size=50, epochs=200, grad_tol=0.05),
                 lambda: SGD(lr=0.1)),
    "patience": (regression, dict(batch_size=8, epochs=500, patience=3, min_delta=1e-4),
                 lambda: SGD(lr=0.2)),
    "loss_tol": (regression, dict(batch_size=8, epochs=100, loss_tol=0.134),
                 lambda: SGD(lr=0.05)),
    "param_tol": (regression, dict(batch_size=None, epochs=500, param_tol=1e-6),
                  lambda: SGD(lr=0.5)),
    "blows up inside an epoch": (regression, dict(batch_size=4, epochs=6), lambda: SGD(lr=50.0)),
    "blows up, epoch records": (regression, dict(batch_size=4, epochs=50, record="epoch"),
                                lambda: SGD(lr=5.0)),
}


@pytest.mark.parametrize("scenario", PLAIN_VS_FAST)
def test_the_fast_loop_gives_the_history_of_the_plain_loop(scenario):
    """The same run driven by the fast loop (an optimizer with step_) and by the plain loop
    of the book (the same optimizer seen through Functional): the same records, to
    round-off; the epoch losses the fast loop measures on its blocks of rows to a few units
    in the last place; the same stop reason and message."""
    make_objective, options, make_optimizer = PLAIN_VS_FAST[scenario]
    objective = make_objective()
    w0 = np.zeros(objective.n_params)
    runs = [minibatch_descent(objective, w0, optimizer, random_state=3, record_params=True,
                              **options)
            for optimizer in (make_optimizer(), Functional(make_optimizer()))]
    fast, plain = runs
    assert (fast.stop_reason, fast.message) == (plain.stop_reason, plain.message)
    assert fast.epoch_steps.tolist() == plain.epoch_steps.tolist()
    for field in ("losses", "grad_norms", "lrs", "params", "w"):
        np.testing.assert_allclose(getattr(fast, field), getattr(plain, field),
                                   rtol=1e-12, atol=0, err_msg=field)
    np.testing.assert_allclose(fast.epoch_losses, plain.epoch_losses,
                               rtol=8 * np.finfo(float).eps, atol=0)
    if "blows up" not in scenario:
        assert fast.epoch_losses[-1] == plain.epoch_losses[-1] == objective.loss(fast.w)
    if scenario.startswith(("grad_tol", "patience", "loss_tol", "param_tol")):
        assert fast.stop_reason == scenario.split(",")[0]


def test_the_plain_loop_is_the_loop_of_functional_optimizers(monkeypatch):
    """Which loop runs: the fast one for an optimizer that updates in place, else the plain
    one, which copies every batch out of the data."""
    calls = []

    def plain_epoch(objective, w, optimizer, batches, log):
        calls.append("plain")
        assert all(Z_B.base is None for Z_B, _ in batches)          # copies of rows
        return w, None

    def fast_epoch(objective, w, optimizer, batches, log):
        calls.append("fast")
        assert all(Z_B.base is not None for Z_B, _ in batches)      # views of a buffer
        return None

    monkeypatch.setattr(variants, "_epoch", plain_epoch)
    monkeypatch.setattr(_fast_epochs, "epoch_in_place", fast_epoch)
    objective = regression(m=40)
    minibatch_descent(objective, np.zeros(4), SGD(lr=0.1), batch_size=8, epochs=2)
    minibatch_descent(objective, np.zeros(4), Functional(SGD(lr=0.1)), batch_size=8, epochs=2)
    assert calls == ["fast", "fast", "plain", "plain"]


def test_a_functional_optimizer_keeps_every_returned_array():
    """The plain loop hands ``step`` its current array and keeps the one returned."""
    objective = regression(m=30)
    opt = Functional(SGD(lr=0.05, momentum=0.5))
    h = minibatch_descent(objective, np.zeros(4), opt, batch_size=10, epochs=2,
                          random_state=0, record_params=True)
    assert h.n_iter == 6 and len(np.unique(h.params, axis=0)) == 7
    np.testing.assert_array_equal(h.params[-1], h.w)
