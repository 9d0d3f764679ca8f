r"""A multilayer perceptron for classification: forward, backward, initialisation,
training.

A network with layer sizes :math:`n_0 \to n_1 \to \dots \to n_L` maps a batch :math:`X`
(:math:`m \times n_0`) to the scores, or *logits*, :math:`Z_L` (:math:`m \times n_L`):

.. math::
    A_0 = X, \qquad Z_l = A_{l-1} W_l + \mathbf 1 b_l^\top, \qquad
    A_l = \phi(Z_l) \quad (l < L),

with :math:`W_l` of shape :math:`n_{l-1} \times n_l` and :math:`\phi` the ReLU
:math:`\max(z, 0)` or :math:`\tanh`.  The softmax turns the scores of a row into class
probabilities, and the loss is the mean cross-entropy of the true labels
:math:`y_i \in \{0, \dots, n_L - 1\}`:

.. math::
    P_{ik} = \frac{e^{Z_{ik}}}{\sum_j e^{Z_{ij}}}, \qquad
    J = -\frac1m \sum_{i=1}^m \log P_{i y_i}.

The backward pass is the chain rule, layer by layer, from the loss back to the inputs
(:math:`Y` is the one-hot matrix of the labels, :math:`Y_{ik} = [k = y_i]`):

.. math::
    \Delta_L = \frac{\partial J}{\partial Z_L} = \frac1m (P - Y), \qquad
    \frac{\partial J}{\partial W_l} = A_{l-1}^\top \Delta_l, \qquad
    \frac{\partial J}{\partial b_l} = \Delta_l^\top \mathbf 1,

    \Delta_{l-1} = (\Delta_l W_l^\top) \odot \phi'(Z_{l-1}),

where :math:`\phi'(z) = [z > 0]` for the ReLU and :math:`1 - \tanh^2 z` for tanh.

The parameters are **one flat vector** :math:`\theta = (W_1, b_1, \dots, W_L, b_L)`,
each array raveled in C order, so that every optimizer of :mod:`gdcourse.optim` and the
tools of the course (:func:`~gdcourse.gradcheck.check_gradient`,
:func:`~gdcourse.lr_finder.lr_range_test`) work on it; :meth:`MLP.layers` gives the
matrices back as views.  :func:`train` is the mini-batch training loop with a
validation set and early stopping; :func:`to_torch` and :func:`train_torch` are the same
network and loop in PyTorch (imported only when they are called).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import InvalidParameterError, as_float_array, check_positive_int
from .variants import _blas_threads, _rng, iterate_minibatches

__all__ = ["MLP", "MLPObjective", "ACTIVATIONS", "INIT_SCHEMES", "softmax",
           "softmax_cross_entropy", "init_std", "SeededBatches", "TrainingRun", "train",
           "to_torch", "from_torch", "train_torch"]


def _relu(Z):
    return np.maximum(Z, 0.0)


def _relu_derivative(A):
    """ReLU'(z) = [z > 0], written in terms of the activation A = max(z, 0)."""
    return (A > 0).astype(A.dtype)


def _tanh_derivative(A):
    """tanh'(z) = 1 - tanh(z)^2, written in terms of the activation A = tanh(z)."""
    return 1.0 - A ** 2


#: name -> (activation phi, its derivative as a function of the activation phi(z))
ACTIVATIONS = {"relu": (_relu, _relu_derivative), "tanh": (np.tanh, _tanh_derivative)}
#: initialisation scheme -> the activation it was designed for
INIT_SCHEMES = {"he": "relu", "xavier": "tanh"}


def softmax(Z) -> np.ndarray:
    r"""Row-wise softmax :math:`P_{ik} = e^{Z_{ik}} / \sum_j e^{Z_{ij}}`, stably.

    Each row is shifted by its maximum first (the log-sum-exp trick of
    :mod:`gdcourse.stability`), which changes nothing in the ratio: every exponent is then
    at most 0, and no exponential overflows, whatever the scores.
    """
    Z = as_float_array(Z, "Z", ndim=2)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _labels(y, m, n_classes) -> np.ndarray:
    """``y`` as an integer array of ``m`` class labels in ``0 .. n_classes - 1``."""
    y = np.asarray(y)
    if y.shape != (m,):
        raise InvalidParameterError(f"y must hold one label per row, shape ({m},), "
                                    f"got {y.shape}")
    if y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= n_classes:
        raise InvalidParameterError(f"y must hold integer class labels "
                                    f"0 .. {n_classes - 1}")
    return y


def softmax_cross_entropy(Z, y):
    r"""The mean cross-entropy of the logits ``Z`` for the labels ``y``, and its
    gradient.

    .. math::
        J = \frac1m \sum_{i=1}^m \Big(\log\sum_k e^{Z_{ik}} - Z_{i y_i}\Big), \qquad
        \frac{\partial J}{\partial Z} = \frac1m (P - Y),

    with :math:`P` the row-wise softmax and :math:`Y` the one-hot matrix of ``y``.
    Returns ``(J, dJ/dZ)``.
    """
    Z = as_float_array(Z, "Z", ndim=2)
    m, k = Z.shape
    y, rows = _labels(y, m, k), np.arange(m)
    shifted = Z - Z.max(axis=1, keepdims=True)    # log-sum-exp trick: exponents <= 0
    E = np.exp(shifted)
    total = E.sum(axis=1)
    loss = float(np.mean(np.log(total) - shifted[rows, y]))
    dZ = E / total[:, None]                        # P
    dZ[rows, y] -= 1.0                             # P - Y
    return loss, dZ / m


def init_std(n_in, n_out, scheme) -> float:
    r"""The standard deviation :math:`\sigma` of a layer's initial weights
    :math:`N(0, \sigma^2)`.

    * ``"he"`` (He et al., 2015; for the ReLU):
      :math:`\sigma = \sqrt{2 / n_{\text{in}}}`;
    * ``"xavier"`` (Glorot and Bengio, 2010; for tanh):
      :math:`\sigma = \sqrt{2 / (n_{\text{in}} + n_{\text{out}})}`.

    Both keep the size of the signal about constant from layer to layer; the ReLU zeroes
    half of its inputs, which the factor 2 of He's rule makes up for.
    """
    n_in = check_positive_int(n_in, "n_in")
    n_out = check_positive_int(n_out, "n_out")
    if scheme == "he":
        return math.sqrt(2.0 / n_in)
    if scheme == "xavier":
        return math.sqrt(2.0 / (n_in + n_out))
    raise InvalidParameterError(f"scheme must be one of {sorted(INIT_SCHEMES)}, "
                                f"got {scheme!r}")


class MLP:
    """A multilayer perceptron ``sizes[0] -> ... -> sizes[-1]`` with the softmax
    cross-entropy loss; see the module docstring.

    Parameters
    ----------
    sizes : sequence of int
        The layer widths :math:`n_0, \\dots, n_L` (inputs, hidden layers, classes): at
        least two, each >= 1.
    activation : {"relu", "tanh"}, default="relu"
        The activation :math:`\\phi` of the hidden layers.

    Examples
    --------
    >>> import numpy as np
    >>> net = MLP([4, 8, 3])
    >>> net.n_params                     # 4*8 + 8 + 8*3 + 3
    67
    >>> theta = net.init(seed=0)
    >>> X, y = np.ones((5, 4)), np.array([0, 1, 2, 1, 0])
    >>> loss, grad = net.loss_and_grad(theta, X, y)
    >>> grad.shape
    (67,)
    """

    def __init__(self, sizes, activation="relu"):
        if isinstance(sizes, (str, bytes)) or np.ndim(sizes) != 1 or len(sizes) < 2:
            raise InvalidParameterError(f"sizes must list at least two layer widths, "
                                        f"got {sizes!r}")
        self.sizes = [check_positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
        if activation not in ACTIVATIONS:
            raise InvalidParameterError(f"activation must be one of "
                                        f"{sorted(ACTIVATIONS)}, got {activation!r}")
        self.activation = activation

    # ------------------------------------------------------------------ parameters
    @property
    def shapes(self) -> list:
        """``[(n_0, n_1), (n_1,), (n_1, n_2), (n_2,), ...]``: W_1, b_1, W_2, b_2, ..."""
        pairs = zip(self.sizes[:-1], self.sizes[1:])
        return [shape for n_in, n_out in pairs for shape in ((n_in, n_out), (n_out,))]

    @property
    def n_params(self) -> int:
        return sum(math.prod(shape) for shape in self.shapes)

    def layers(self, theta) -> list:
        """The pairs ``(W_l, b_l)`` of the flat vector ``theta``, as views into it."""
        theta = as_float_array(theta, "theta", ndim=1)
        if theta.size != self.n_params:
            raise InvalidParameterError(f"theta must have {self.n_params} entries for "
                                        f"this network, got {theta.size}")
        arrays, start = [], 0
        for shape in self.shapes:
            size = math.prod(shape)
            arrays.append(theta[start:start + size].reshape(shape))
            start += size
        return list(zip(arrays[::2], arrays[1::2]))

    def init(self, seed=0, scheme=None) -> np.ndarray:
        """Random initial parameters: ``W_l ~ N(0, init_std(...)^2)``, zero biases.

        ``scheme`` is ``"he"`` or ``"xavier"`` (see :func:`init_std`); by default the
        one designed for the network's activation.  ``seed`` seeds the draws.
        """
        if scheme is None:
            scheme = next(s for s, a in INIT_SCHEMES.items() if a == self.activation)
        rng = _rng(seed)
        parts = []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            std = init_std(n_in, n_out, scheme)
            parts += [rng.normal(0.0, std, n_in * n_out), np.zeros(n_out)]
        return np.concatenate(parts)

    # ------------------------------------------------------------------ the network
    def forward(self, theta, X):
        """The logits :math:`Z_L`, and the activations :math:`A_0, \\dots, A_{L-1}`."""
        phi, _ = ACTIVATIONS[self.activation]
        *hidden, (W_out, b_out) = self.layers(theta)
        A = self._inputs(X)
        activations = [A]
        for W, b in hidden:
            A = phi(A @ W + b)                    # A_l = phi(Z_l)
            activations.append(A)
        return A @ W_out + b_out, activations      # Z_L: no activation on the output

    def backward(self, theta, activations, dZ) -> np.ndarray:
        """The gradient, flat like ``theta``, from :math:`\\Delta_L = \\partial J /
        \\partial Z_L` and the activations of :meth:`forward`."""
        _, phi_prime = ACTIVATIONS[self.activation]
        layers = self.layers(theta)
        grads = []
        for l in reversed(range(len(layers))):    # layers[l] holds W_{l+1}, b_{l+1}
            A_prev, (W, _) = activations[l], layers[l]
            grads += [dZ.sum(axis=0), A_prev.T @ dZ]         # dJ/db, dJ/dW
            if l > 0:
                dZ = (dZ @ W.T) * phi_prime(A_prev)          # Delta of the layer below
        return np.concatenate([g.ravel() for g in reversed(grads)])

    def loss_and_grad(self, theta, X, y):
        """The loss :math:`J(\\theta)` on ``(X, y)`` and its gradient, a flat vector."""
        Z, activations = self.forward(theta, X)
        loss, dZ = softmax_cross_entropy(Z, y)
        return loss, self.backward(theta, activations, dZ)

    def loss(self, theta, X, y) -> float:
        """The mean cross-entropy :math:`J(\\theta)` on ``(X, y)``."""
        return softmax_cross_entropy(self.forward(theta, X)[0], y)[0]

    def predict(self, theta, X) -> np.ndarray:
        """The predicted class of every row: the index of its largest logit."""
        return np.argmax(self.forward(theta, X)[0], axis=1)

    def accuracy(self, theta, X, y) -> float:
        """The fraction of rows whose predicted class is their label."""
        return float(np.mean(self.predict(theta, X) == np.asarray(y)))

    def evaluate(self, theta, X, y) -> tuple:
        """``(loss, accuracy)`` on ``(X, y)``, from one forward pass."""
        Z = self.forward(theta, X)[0]
        return softmax_cross_entropy(Z, y)[0], float(np.mean(np.argmax(Z, axis=1) == y))

    def objective(self, X, y) -> "MLPObjective":
        """The loss on ``(X, y)`` as a data objective of ``theta``, for the tools."""
        return MLPObjective(self, X, y)

    def _inputs(self, X) -> np.ndarray:
        X = as_float_array(X, "X", ndim=2)
        if X.shape[1] != self.sizes[0]:
            raise InvalidParameterError(f"X must have {self.sizes[0]} columns, "
                                        f"got {X.shape[1]}")
        return X

    def __repr__(self):
        arrows = " -> ".join(map(str, self.sizes))
        return (f"MLP({arrows}, activation={self.activation!r}, "
                f"n_params={self.n_params})")


class MLPObjective:
    """The loss of an :class:`MLP` on fixed data, as a function of ``theta``.

    ``loss(theta, rows=None)`` and ``grad(theta, rows=None)`` use every row, or only the
    rows ``rows`` (a mini-batch), as the objectives of :mod:`gdcourse.objectives` do, so
    that :func:`~gdcourse.gradcheck.check_gradient` and
    :func:`~gdcourse.lr_finder.lr_range_test` accept it.
    """

    def __init__(self, net, X, y):
        self.net = net
        self.X = net._inputs(X)
        self.y = _labels(y, self.X.shape[0], net.sizes[-1])

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_params(self) -> int:
        return self.net.n_params

    def _data(self, rows):
        return (self.X, self.y) if rows is None else (self.X[rows], self.y[rows])

    def loss(self, theta, rows=None) -> float:
        return self.net.loss(theta, *self._data(rows))

    def grad(self, theta, rows=None) -> np.ndarray:
        return self.net.loss_and_grad(theta, *self._data(rows))[1]

    def __repr__(self):
        return f"MLPObjective({self.net!r}, n_samples={self.n_samples})"


# ------------------------------------------------------------------ training

class SeededBatches:
    """The mini-batches of one epoch after another; each ``iter()`` gives an epoch's.

    Every epoch shuffles the row indices with one seeded generator and cuts them into
    batches of ``batch_size`` rows (:func:`~gdcourse.variants.iterate_minibatches`), as
    lists of ints.  An iterable with a length, it is also a ``batch_sampler`` for
    ``torch.utils.data.DataLoader``: two loops given ``SeededBatches`` with the same
    seed see the same batches in the same order.
    """

    def __init__(self, n_samples, batch_size, random_state=0):
        self.n_samples = check_positive_int(n_samples, "n_samples")
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.rng = _rng(random_state)

    def __iter__(self):
        for rows in iterate_minibatches(self.n_samples, self.batch_size, self.rng):
            yield rows.tolist()

    def __len__(self):
        return -(-self.n_samples // self.batch_size)

    def __repr__(self):
        return (f"SeededBatches(n_samples={self.n_samples}, "
                f"batch_size={self.batch_size})")


@dataclass
class TrainingRun:
    """The record of :func:`train`.

    Per update ``t``: ``step_losses[t]``, the mini-batch loss at the parameters *before*
    the update (what ``loss.item()`` gives in a PyTorch loop), and ``lrs[t]``, its
    learning rate.  Per epoch ``e`` (``e = 0``: before training): the loss and the
    accuracy on the training and on the validation data.  ``best_epoch`` has the lowest
    validation loss and ``best_theta`` its parameters; ``theta`` are the last ones.
    """

    step_losses: np.ndarray
    lrs: np.ndarray
    train_losses: np.ndarray
    val_losses: np.ndarray
    train_accuracies: np.ndarray
    val_accuracies: np.ndarray
    best_epoch: int
    best_theta: np.ndarray
    theta: np.ndarray
    stopped_early: bool

    @property
    def n_epochs(self) -> int:
        return len(self.val_losses) - 1

    def __repr__(self):
        return (f"TrainingRun(n_epochs={self.n_epochs}, best_epoch={self.best_epoch}, "
                f"stopped_early={self.stopped_early})")


def train(net, theta0, optimizer, X, y, X_val, y_val, *, epochs, batches,
          patience=None) -> TrainingRun:
    r"""Mini-batch training of ``net`` from ``theta0``, watching the validation data.

    Every epoch runs one update per mini-batch of ``batches`` (an iterable whose
    ``iter()`` gives the next epoch's row indices, such as :class:`SeededBatches`),
    ``theta = optimizer.step(theta, grad)`` with the gradient of the mini-batch loss,
    then measures the loss and the accuracy on ``(X, y)`` and on ``(X_val, y_val)``.
    With ``patience``, training stops after ``patience`` epochs without a lower
    validation loss (early stopping); either way ``best_theta`` holds the parameters of
    the best epoch.  The products of small batches gain nothing from BLAS threads: they
    run on one (see :func:`gdcourse.variants._blas_threads`).
    """
    theta = as_float_array(theta0, "theta0", ndim=1, copy=True)
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    if patience is not None:
        patience = check_positive_int(patience, "patience")
    with _blas_threads(X, getattr(batches, "batch_size", len(X))):
        return _train(net, theta, optimizer, (X, y), (X_val, y_val), epochs=epochs,
                      batches=batches, patience=patience)


def _train(net, theta, optimizer, data, val_data, *, epochs, batches, patience):
    """The loop of :func:`train`, its arguments checked."""
    X, y = data
    step_losses, lrs, train_record, val_record = [], [], [], []
    best_epoch, best_theta = 0, theta.copy()
    for epoch in range(epochs + 1):
        train_record.append(net.evaluate(theta, *data))         # (loss, accuracy)
        val_record.append(net.evaluate(theta, *val_data))
        if val_record[-1][0] < val_record[best_epoch][0]:
            best_epoch, best_theta = epoch, theta.copy()
        stopped = patience is not None and epoch - best_epoch >= patience
        if stopped or epoch == epochs:
            break
        for rows in batches:                                    # one epoch
            loss, grad = net.loss_and_grad(theta, X[rows], y[rows])
            step_losses.append(loss)
            lrs.append(optimizer.current_lr)
            theta = optimizer.step(theta, grad)
    (train_losses, train_accuracies), (val_losses, val_accuracies) = (
        np.array(train_record).T, np.array(val_record).T)
    return TrainingRun(np.array(step_losses), np.array(lrs), train_losses, val_losses,
                       train_accuracies, val_accuracies, best_epoch, best_theta, theta,
                       stopped)


# ------------------------------------------------------------------ the PyTorch twin

def to_torch(net, theta):
    """The network ``net`` with parameters ``theta`` as a ``torch.nn.Sequential``.

    In float64, as every array of the course.

    ``torch.nn.Linear`` computes :math:`A W^\\top + b` with a weight of shape
    ``(n_out, n_in)``: it receives the transpose of our :math:`W_l`.
    """
    import torch

    activation = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}[net.activation]
    modules = []
    for W, b in net.layers(theta):
        linear = torch.nn.Linear(*W.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.copy_(torch.from_numpy(b.copy()))
        modules += [linear, activation()]
    return torch.nn.Sequential(*modules[:-1])       # no activation on the output


def from_torch(model) -> np.ndarray:
    """The parameters of a ``Sequential`` of :func:`to_torch`, as our flat vector."""
    import torch

    parts = []
    for module in model:
        if isinstance(module, torch.nn.Linear):
            parts += [module.weight.detach().numpy().T.ravel(),
                      module.bias.detach().numpy().ravel()]
    return np.concatenate(parts)


def train_torch(model, optimizer, loader, *, epochs, scheduler=None) -> np.ndarray:
    """The loop of :func:`train` in PyTorch; returns the mini-batch loss of each update.

    ``optimizer`` is a ``torch.optim`` optimizer of ``model.parameters()``, ``loader`` a
    ``DataLoader`` of batches ``(X_B, y_B)``, ``scheduler`` an optional
    ``torch.optim.lr_scheduler``, stepped after every update.
    """
    import torch

    loss_fn = torch.nn.CrossEntropyLoss()        # softmax, then mean cross-entropy
    step_losses = []
    for _ in range(epochs):
        for X_B, y_B in loader:
            optimizer.zero_grad()                # forget the last batch's gradient
            loss = loss_fn(model(X_B), y_B)      # forward
            loss.backward()                      # backward: automatic differentiation
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            step_losses.append(loss.item())
    return np.array(step_losses)
