"""gdcourse.mlp: gradients against finite differences, the softmax cross-entropy, He and
Xavier initialisation, the training loop and early stopping, the digits accuracy of
chapter 11, and the PyTorch twin, equal to our run to 1e-10 loss for loss."""

import re

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from gdcourse.gradcheck import check_gradient, numerical_gradient
from gdcourse.mlp import (MLP, SeededBatches, from_torch, init_std, softmax,
                          softmax_cross_entropy, to_torch, train, train_torch)
from gdcourse.optim import SGD, Adam, AdamW
from gdcourse.schedules import WarmupThenDecay

try:
    import torch
    from torch.utils.data import DataLoader, TensorDataset
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


@pytest.fixture
def one_torch_thread():
    """Small matrices: torch's threads only wait for each other (seconds per run on a
    busy machine), as in the chapter."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def small_problem(seed, m=25, n=7, k=4):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, n)), rng.integers(0, k, m)


# --------------------------------------------------------------------------- gradients

@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("sizes", [[7, 4], [7, 9, 4], [7, 6, 5, 4], [7, 3, 8, 3, 4]])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backward_matches_finite_differences(activation, sizes, seed):
    X, y = small_problem(seed)
    net = MLP(sizes, activation)
    rng = np.random.default_rng(seed + 10)
    theta = net.init(seed=rng) + 0.1 * rng.standard_normal(net.n_params)   # biases too
    _, activations = net.forward(theta, X)
    pre_activations = [A @ W + b for A, (W, b) in zip(activations, net.layers(theta))]
    assert min(np.abs(Z).min() for Z in pre_activations) > 1e-4     # away from ReLU kinks
    result = check_gradient(net.objective(X, y).loss, net.objective(X, y).grad, theta,
                            tol=1e-7)
    assert result.passed, result


def test_mini_batch_gradient_is_that_of_the_rows():
    X, y = small_problem(3)
    net = MLP([7, 6, 4])
    objective, theta, rows = net.objective(X, y), net.init(seed=1), [4, 0, 17, 9]
    np.testing.assert_array_equal(objective.grad(theta, rows=rows),
                                  net.loss_and_grad(theta, X[rows], y[rows])[1])
    assert objective.loss(theta, rows=rows) == net.loss(theta, X[rows], y[rows])


def test_softmax_cross_entropy_value_and_gradient():
    rng = np.random.default_rng(4)
    Z, y = rng.standard_normal((6, 5)) * 3, rng.integers(0, 5, 6)
    loss, dZ = softmax_cross_entropy(Z, y)
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.mean(np.log(P[np.arange(6), y])), rel=1e-13)
    numeric = numerical_gradient(lambda Z_: softmax_cross_entropy(Z_, y)[0], Z)
    np.testing.assert_allclose(dZ, numeric, atol=1e-9)
    np.testing.assert_allclose(dZ.sum(axis=1), 0.0, atol=1e-16)


def test_softmax_is_stable_and_sums_to_one():
    Z = np.array([[1e4, 1e4 - 1.0, 0.0], [-1e3, -1e3 - 2.0, -1e3 + 1.0], [0.0, 0.0, 0.0]])
    P = softmax(Z)
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(P[2], 1 / 3, rtol=1e-15)
    e = np.exp([0.0, -1.0])
    np.testing.assert_allclose(P[0, :2], e / e.sum(), rtol=1e-15)
    loss, _ = softmax_cross_entropy(Z, np.array([1, 0, 2]))
    assert np.isfinite(loss)


# --------------------------------------------------------------------------- parameters

def test_layers_are_views_in_the_documented_order():
    net = MLP([3, 4, 2])
    theta = np.arange(net.n_params, dtype=float)
    (W1, b1), (W2, b2) = net.layers(theta)
    assert net.n_params == 3 * 4 + 4 + 4 * 2 + 2
    np.testing.assert_array_equal(W1, np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(b1, [12.0, 13.0, 14.0, 15.0])
    np.testing.assert_array_equal(b2, [24.0, 25.0])
    theta[0] = -1.0
    assert W1[0, 0] == -1.0


@pytest.mark.parametrize("scheme, expected", [("he", np.sqrt(2 / 300)),
                                              ("xavier", np.sqrt(2 / (300 + 200)))])
def test_init_draws_weights_of_the_rule_and_zero_biases(scheme, expected):
    assert init_std(300, 200, scheme) == expected
    net = MLP([300, 200, 10])
    (W1, b1), (W2, b2) = net.layers(net.init(seed=0, scheme=scheme))
    assert W1.std() == pytest.approx(expected, rel=0.01)      # 60 000 draws
    assert not b1.any() and not b2.any()
    np.testing.assert_array_equal(net.init(seed=5, scheme=scheme),
                                  net.init(seed=5, scheme=scheme))


def test_default_scheme_follows_the_activation():
    for activation, scheme in (("relu", "he"), ("tanh", "xavier")):
        net = MLP([20, 30, 5], activation)
        np.testing.assert_array_equal(net.init(seed=2), net.init(seed=2, scheme=scheme))


@pytest.mark.parametrize("make, name", [
    (lambda: MLP([5]), "sizes"),
    (lambda: MLP("64"), "sizes"),
    (lambda: MLP([5, 0, 3]), "sizes[1]"),
    (lambda: MLP([5, 2.5, 3]), "sizes[1]"),
    (lambda: MLP([5, 3], activation="sigmoid"), "activation"),
    (lambda: MLP([5, 3]).init(scheme="lecun"), "scheme"),
    (lambda: init_std(0, 3, "he"), "n_in"),
    (lambda: MLP([5, 3]).layers(np.zeros(4)), "theta"),
    (lambda: MLP([5, 3]).loss(np.zeros(18), np.zeros((2, 4)), np.array([0, 1])), "X"),
    (lambda: MLP([5, 3]).loss(np.zeros(18), np.zeros((2, 5)), np.array([0, 3])), "y"),
    (lambda: MLP([5, 3]).loss(np.zeros(18), np.zeros((2, 5)), np.array([0.0, 1.0])), "y"),
    (lambda: SeededBatches(10, 0), "batch_size"),
    (lambda: train(MLP([2, 2]), np.zeros(6), SGD(lr=0.1), np.zeros((3, 2)),
                   np.array([0, 1, 0]), np.zeros((3, 2)), np.array([0, 1, 0]), epochs=-1,
                   batches=SeededBatches(3, 2)), "epochs"),
    (lambda: train(MLP([2, 2]), np.zeros(6), SGD(lr=0.1), np.zeros((3, 2)),
                   np.array([0, 1, 0]), np.zeros((3, 2)), np.array([0, 1, 0]), epochs=2,
                   batches=SeededBatches(3, 2), patience=0), "patience"),
])
def test_bad_arguments_raise_value_errors_naming_them(make, name):
    with pytest.raises(ValueError, match="^" + re.escape(name) + " "):
        make()


# --------------------------------------------------------------------------- training

def test_seeded_batches_cover_every_row_once_per_epoch_and_repeat_with_the_seed():
    a, b = SeededBatches(23, 5, random_state=4), SeededBatches(23, 5, random_state=4)
    assert len(a) == 5
    epochs_a = [list(a) for _ in range(3)]
    assert epochs_a == [list(b) for _ in range(3)]
    for epoch in epochs_a:
        assert sorted(i for batch in epoch for i in batch) == list(range(23))
        assert [len(batch) for batch in epoch] == [5, 5, 5, 5, 3]
    assert epochs_a[0] != epochs_a[1]                   # reshuffled every epoch


def test_train_records_and_early_stopping_keeps_the_best_epoch():
    X, y = small_problem(6, m=60, n=5, k=3)
    X_val, y_val = small_problem(7, m=40, n=5, k=3)
    net = MLP([5, 16, 3])
    theta0 = net.init(seed=0)

    def run(**options):
        return train(net, theta0, Adam(lr=0.05), X, y, X_val, y_val,
                     batches=SeededBatches(60, 8, random_state=1), **options)

    full = run(epochs=40)
    assert len(full.step_losses) == len(full.lrs) == 40 * 8
    assert len(full.val_losses) == len(full.train_accuracies) == 41
    assert full.val_losses[0] == net.loss(theta0, X_val, y_val)
    assert full.train_accuracies[-1] == net.accuracy(full.theta, X, y)
    best = int(np.argmin(full.val_losses))
    assert full.best_epoch == best and 0 < best < 30     # it overfits: the best is early
    assert full.val_losses[best] == net.loss(full.best_theta, X_val, y_val)
    stopped = run(epochs=40, patience=5)
    assert stopped.stopped_early and stopped.n_epochs == best + 5
    np.testing.assert_array_equal(stopped.best_theta, full.best_theta)
    np.testing.assert_array_equal(stopped.step_losses, full.step_losses[:len(stopped.lrs)])


def digits_splits():
    """Chapter 11's splits of the digits: 60 % training, 20 % validation, 20 % test."""
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.2, stratify=y,
                                                      random_state=0)
    X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=0.25,
                                                      stratify=y_rest, random_state=0)
    return X_train, y_train, X_val, y_val, X_test, y_test


NET = MLP([64, 128, 64, 10])
THETA0 = NET.init(seed=0)
EPOCHS, BATCH = 20, 32


def warmup_cosine(peak, n_samples):
    steps = EPOCHS * -(-n_samples // BATCH)
    return WarmupThenDecay(peak, 2 * steps // EPOCHS, "cosine", total_steps=steps)


def test_digits_test_accuracy_is_at_least_97_percent():
    """The final model of chapter 11: AdamW on training + validation images, tested once."""
    X_train, y_train, X_val, y_val, X_test, y_test = digits_splits()
    X, y = np.vstack([X_train, X_val]), np.concatenate([y_train, y_val])
    optimizer = AdamW(lr=warmup_cosine(3e-3, len(y)), weight_decay=0.1)
    run = train(NET, THETA0, optimizer, X, y, X, y, epochs=EPOCHS,
                batches=SeededBatches(len(y), BATCH, random_state=1))
    assert NET.accuracy(run.theta, X_test, y_test) >= 0.97


# --------------------------------------------------------------------------- the PyTorch twin

@needs_torch
def test_to_torch_and_back_is_exact_and_computes_our_logits():
    for activation in ("relu", "tanh"):
        net = MLP([6, 5, 4, 3], activation)
        theta = net.init(seed=3)
        model = to_torch(net, theta)
        np.testing.assert_array_equal(from_torch(model), theta)
        X = np.random.default_rng(0).standard_normal((9, 6))
        with torch.no_grad():
            logits = model(torch.from_numpy(X)).numpy()
        np.testing.assert_allclose(logits, net.forward(theta, X)[0], rtol=1e-13, atol=1e-14)


TWINS = [] if torch is None else [
    ("SGD + momentum", lambda lr: SGD(lr=lr, momentum=0.9), 0.05,
     lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9)),
    ("Adam", lambda lr: Adam(lr=lr), 3e-3, lambda p, lr: torch.optim.Adam(p, lr=lr)),
    ("AdamW", lambda lr: AdamW(lr=lr, weight_decay=0.1), 3e-3,
     lambda p, lr: torch.optim.AdamW(p, lr=lr, weight_decay=0.1)),
]


@needs_torch
@pytest.mark.parametrize("ours, peak, theirs", [t[1:] for t in TWINS],
                         ids=[t[0] for t in TWINS])
def test_pytorch_trains_the_same_losses_to_1e_10(ours, peak, theirs, one_torch_thread):
    """Same weights, batches (a DataLoader with our batch_sampler) and warm-up + cosine
    schedule (torch's SequentialLR): 680 updates of chapter 11's network on the digits."""
    X_train, y_train, X_val, y_val, _, _ = digits_splits()
    schedule = warmup_cosine(peak, len(y_train))
    run = train(NET, THETA0, ours(schedule), X_train, y_train, X_val, y_val, epochs=EPOCHS,
                batches=SeededBatches(len(y_train), BATCH, random_state=1))

    model = to_torch(NET, THETA0)
    optimizer = theirs(model.parameters(), peak)
    warmup = schedule.warmup_steps
    lr_scheduler = torch.optim.lr_scheduler
    scheduler = lr_scheduler.SequentialLR(optimizer, [
        lr_scheduler.LinearLR(optimizer, start_factor=1 / 3, total_iters=warmup),
        lr_scheduler.CosineAnnealingLR(optimizer, T_max=schedule.then.T_max)],
        milestones=[warmup])
    loader = DataLoader(TensorDataset(torch.from_numpy(X_train), torch.from_numpy(y_train)),
                        batch_sampler=SeededBatches(len(y_train), BATCH, random_state=1))
    losses = train_torch(model, optimizer, loader, epochs=EPOCHS, scheduler=scheduler)

    assert len(losses) == len(run.step_losses) == 680
    assert np.max(np.abs(losses - run.step_losses)) <= 1e-10
    assert np.max(np.abs(from_torch(model) - run.theta)) <= 1e-10
    assert run.step_losses[-1] < 0.1 * run.step_losses[0]          # it did learn


@needs_torch
def test_pytorch_tanh_network_with_plain_sgd(one_torch_thread):
    X, y = small_problem(8, m=40, n=6, k=3)
    net = MLP([6, 10, 3], "tanh")
    theta0 = net.init(seed=4)
    run = train(net, theta0, SGD(lr=0.2), X, y, X, y, epochs=30,
                batches=SeededBatches(40, 8, random_state=2))
    model = to_torch(net, theta0)
    loader = DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(y)),
                        batch_sampler=SeededBatches(40, 8, random_state=2))
    losses = train_torch(model, torch.optim.SGD(model.parameters(), lr=0.2), loader,
                         epochs=30)
    assert len(losses) == 150
    assert np.max(np.abs(losses - run.step_losses)) <= 1e-10
    assert np.max(np.abs(from_torch(model) - run.theta)) <= 1e-10
