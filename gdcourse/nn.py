r"""A tiny two-layer neural network with a hand-written backward pass.

The network maps inputs :math:`X` (:math:`m \times n`) to outputs through one hidden layer:

.. math::
    Z_1 = X W_1 + b_1, \qquad H = \phi(Z_1), \qquad Z_2 = H W_2 + b_2,

with :math:`\phi = \tanh` or the sigmoid :math:`\sigma`.  The output and loss are either

* ``loss="mse"``: :math:`\hat Y = Z_2` and :math:`J = \frac{1}{2m}\sum_i \lVert \hat y_i - y_i\rVert^2`, or
* ``loss="logistic"``: :math:`P = \sigma(Z_2)` and the mean cross-entropy
  :math:`J = -\frac1m \sum_{i,k} \big[y_{ik}\log p_{ik} + (1 - y_{ik})\log(1 - p_{ik})\big]`.

The backward pass is the chain rule, layer by layer, from the loss back to the inputs:

.. math::
    \Delta_2 = \frac{\partial J}{\partial Z_2} = \frac{1}{m}(\hat Y - Y) \text{ or } \frac1m (P - Y), \quad
    \frac{\partial J}{\partial W_2} = H^\top \Delta_2, \quad
    \frac{\partial J}{\partial b_2} = \mathbf 1^\top \Delta_2,

.. math::
    \Delta_1 = \frac{\partial J}{\partial Z_1} = (\Delta_2 W_2^\top) \odot \phi'(Z_1), \quad
    \frac{\partial J}{\partial W_1} = X^\top \Delta_1, \quad
    \frac{\partial J}{\partial b_1} = \mathbf 1^\top \Delta_1,

where :math:`\tanh' = 1 - \tanh^2` and :math:`\sigma' = \sigma(1 - \sigma)`.

Parameters are a dict ``{"W1", "b1", "W2", "b2"}`` or, for optimizers, one flat vector in
that order (:meth:`TwoLayerNet.flatten` / :meth:`TwoLayerNet.unflatten`).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_positive_int
from .objectives import Function, sigmoid

__all__ = ["TwoLayerNet", "ACTIVATIONS", "LOSSES"]

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def _tanh_derivative(H):
    """tanh'(z) = 1 - tanh(z)^2, written in terms of the activation H = tanh(z)."""
    return 1.0 - H ** 2


def _sigmoid_derivative(H):
    """sigma'(z) = sigma(z) (1 - sigma(z)), written in terms of the activation H = sigma(z)."""
    return H * (1.0 - H)


#: name -> (activation phi, its derivative as a function of the activation phi(z))
ACTIVATIONS = {"tanh": (np.tanh, _tanh_derivative), "sigmoid": (sigmoid, _sigmoid_derivative)}
LOSSES = ("mse", "logistic")


class TwoLayerNet:
    """A fully connected network ``n_inputs -> n_hidden -> n_outputs``; see the module docstring.

    ``seed`` draws the initial weights: :math:`W_1 \\sim N(0, 1/n_{in})`,
    :math:`W_2 \\sim N(0, 1/n_{hidden})`, biases zero.  They are stored in ``params``.
    """

    def __init__(self, n_inputs, n_hidden, n_outputs=1, *, activation="tanh", loss="mse", seed=0):
        self.n_inputs = check_positive_int(n_inputs, "n_inputs")
        self.n_hidden = check_positive_int(n_hidden, "n_hidden")
        self.n_outputs = check_positive_int(n_outputs, "n_outputs")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        if loss not in LOSSES:
            raise ValueError(f"loss must be 'mse' or 'logistic', got {loss!r}")
        self.activation, self.loss_name = activation, loss
        self.params = self.init_params(seed)

    # ------------------------------------------------------------------ parameters
    @property
    def shapes(self) -> dict:
        n, h, k = self.n_inputs, self.n_hidden, self.n_outputs
        return {"W1": (n, h), "b1": (h,), "W2": (h, k), "b2": (k,)}

    @property
    def n_params(self) -> int:
        return sum(int(np.prod(s)) for s in self.shapes.values())

    def init_params(self, seed=0) -> dict:
        """Fresh random weights (scaled by 1/sqrt(fan-in)) and zero biases."""
        rng = np.random.default_rng(seed)
        return {"W1": rng.normal(0.0, 1.0 / np.sqrt(self.n_inputs), self.shapes["W1"]),
                "b1": np.zeros(self.n_hidden),
                "W2": rng.normal(0.0, 1.0 / np.sqrt(self.n_hidden), self.shapes["W2"]),
                "b2": np.zeros(self.n_outputs)}

    def flatten(self, params) -> np.ndarray:
        """One vector (W1, b1, W2, b2), each raveled in C order."""
        params = self._as_dict(params)
        return np.concatenate([params[name].ravel() for name in PARAM_NAMES])

    def unflatten(self, theta) -> dict:
        """The inverse of :meth:`flatten`: a vector of length ``n_params`` -> a dict of arrays."""
        theta = as_float_array(theta, "theta", ndim=1)
        if theta.size != self.n_params:
            raise ValueError(f"theta must have {self.n_params} entries for this network, got {theta.size}")
        params, start = {}, 0
        for name in PARAM_NAMES:
            shape = self.shapes[name]
            size = int(np.prod(shape))
            params[name] = theta[start:start + size].reshape(shape)
            start += size
        return params

    def _as_dict(self, params) -> dict:
        if params is None:
            return self.params
        if not isinstance(params, dict):
            return self.unflatten(params)
        missing = [name for name in PARAM_NAMES if name not in params]
        if missing:
            raise ValueError(f"params is missing {', '.join(missing)}")
        checked = {}
        for name in PARAM_NAMES:
            checked[name] = as_float_array(params[name], f"params[{name!r}]")
            if checked[name].shape != self.shapes[name]:
                raise ValueError(f"params[{name!r}] must have shape {self.shapes[name]}, "
                                 f"got {checked[name].shape}")
        return checked

    # ------------------------------------------------------------------ data
    def _inputs(self, X) -> np.ndarray:
        X = as_float_array(X, "X", ndim=2)
        if X.shape[1] != self.n_inputs:
            raise ValueError(f"X must have {self.n_inputs} columns, got {X.shape[1]}")
        return X

    def _targets(self, y, m) -> np.ndarray:
        y = as_float_array(y, "y")
        if y.ndim == 1 and self.n_outputs == 1:
            y = y[:, None]
        if y.shape != (m, self.n_outputs):
            raise ValueError(f"y must have shape ({m}, {self.n_outputs})"
                             + (f" or ({m},)" if self.n_outputs == 1 else "") + f", got {y.shape}")
        if self.loss_name == "logistic" and not np.all((y == 0) | (y == 1)):
            raise ValueError("y must contain only the labels 0 and 1 for loss='logistic'")
        return y

    # ------------------------------------------------------------------ the network
    def forward(self, X, params=None):
        """Forward pass: the network output, and a cache of what backward needs."""
        p, X = self._as_dict(params), self._inputs(X)
        phi, _ = ACTIVATIONS[self.activation]
        Z1 = X @ p["W1"] + p["b1"]          # hidden pre-activations   (m, h)
        H = phi(Z1)                         # hidden activations       (m, h)
        Z2 = H @ p["W2"] + p["b2"]          # output scores            (m, k)
        out = Z2 if self.loss_name == "mse" else sigmoid(Z2)
        return out, {"X": X, "H": H, "Z2": Z2, "out": out, "params": p}

    def loss_from(self, cache, y) -> float:
        """The loss J of a forward pass (cross-entropy via a stable softplus)."""
        m = cache["X"].shape[0]
        y = self._targets(y, m)
        if self.loss_name == "mse":
            return float(np.sum((cache["out"] - y) ** 2) / (2 * m))
        z = cache["Z2"]
        return float(np.sum(np.logaddexp(0.0, z) - y * z) / m)

    def backward(self, cache, y) -> dict:
        """Backward pass: the chain rule from the loss back to every parameter."""
        X, H, p = cache["X"], cache["H"], cache["params"]
        m = X.shape[0]
        _, phi_prime = ACTIVATIONS[self.activation]
        delta2 = (cache["out"] - self._targets(y, m)) / m      # dJ/dZ2 (both losses)
        dW2 = H.T @ delta2
        db2 = delta2.sum(axis=0)
        delta1 = (delta2 @ p["W2"].T) * phi_prime(H)           # dJ/dZ1
        dW1 = X.T @ delta1
        db1 = delta1.sum(axis=0)
        return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}

    # ------------------------------------------------------------------ conveniences
    def loss(self, params, X, y) -> float:
        """J at ``params`` (a dict or a flat vector) on data ``(X, y)``."""
        _, cache = self.forward(X, params)
        return self.loss_from(cache, y)

    def grad(self, params, X, y):
        """The gradient of J, in the same form as ``params`` (dict or flat vector)."""
        _, cache = self.forward(X, params)
        grads = self.backward(cache, y)
        return grads if isinstance(params, dict) else self.flatten(grads)

    def predict(self, X, params=None) -> np.ndarray:
        """Network outputs (probabilities for the logistic loss); shape (m,) for one output."""
        out, _ = self.forward(X, params)
        return out[:, 0] if self.n_outputs == 1 else out

    def objective(self, X, y) -> Function:
        """The loss on ``(X, y)`` as an objective of the flat parameter vector, for gradient_descent."""
        X = self._inputs(X)
        y = self._targets(y, X.shape[0])
        return Function(lambda theta: self.loss(theta, X, y), lambda theta: self.grad(theta, X, y),
                        name=f"TwoLayerNet({self.n_inputs}-{self.n_hidden}-{self.n_outputs})")

    def __repr__(self):
        return (f"TwoLayerNet({self.n_inputs} -> {self.n_hidden} -> {self.n_outputs}, "
                f"activation={self.activation!r}, loss={self.loss_name!r}, n_params={self.n_params})")
